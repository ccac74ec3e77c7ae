//! An osquery result log written from osquery's documented formats
//! (differential rows, a `diffResults` batch, snapshots) for the queries
//! of `samples/osquery/osquery.conf`, and what each row must become.

use worklog_import::{ImportOptions, read_osquery};
use worklog_schema::{Date, EventKind};

const LOG: &str = r#"{"name":"programs","hostIdentifier":"PC-0007","calendarTime":"Mon Oct  5 01:00:00 2026 UTC","unixTime":1790643600,"epoch":0,"counter":0,"numerics":false,"action":"snapshot","snapshot":[{"name":"Microsoft Office","version":"16.0","publisher":"Microsoft Corporation"},{"name":"7-Zip","version":"23.01","publisher":"Igor Pavlov"}]}
{"name":"programs","hostIdentifier":"PC-0007","calendarTime":"Mon Oct  5 03:00:00 2026 UTC","unixTime":1790650800,"epoch":0,"counter":1,"numerics":false,"action":"added","columns":{"name":"TeamViewer","version":"15.70.4","publisher":"TeamViewer Germany GmbH"}}
{"name":"programs","hostIdentifier":"PC-0007","unixTime":1790654400,"epoch":0,"counter":2,"diffResults":{"added":[],"removed":[{"name":"TeamViewer","version":"15.70.4","publisher":"TeamViewer Germany GmbH"}]}}
{"name":"patches","hostIdentifier":"PC-0007","unixTime":1790643600,"action":"snapshot","snapshot":[{"hotfix_id":"KB5031356","installed_on":"10/11/2026"},{"hotfix_id":"KB5030219","installed_on":"9/12/2026"}]}
{"name":"os_version","hostIdentifier":"PC-0007","unixTime":1790643600,"action":"snapshot","snapshot":[{"name":"Microsoft Windows 11 Pro","version":"10.0.22631","major":"10","minor":"0","build":"22631","platform":"windows"}]}
{"name":"bitlocker_info","hostIdentifier":"PC-0007","unixTime":1790643600,"action":"snapshot","snapshot":[{"drive_letter":"C:","protection_status":"1","encryption_method":"XTS_AES_128"},{"drive_letter":"D:","protection_status":"0","encryption_method":"None"}]}
{"name":"wifi_status","hostIdentifier":"PC-0007","unixTime":1790647200,"action":"added","columns":{"interface":"en0","network_name":"Hotel_Free","bssid":"02:00:5e:10:00:01","security_type":"Open"}}
{"name":"wifi_status","hostIdentifier":"PC-0007","unixTime":1790650000,"action":"removed","columns":{"interface":"en0","network_name":"Hotel_Free","bssid":"02:00:5e:10:00:01","security_type":"Open"}}
{"name":"usb_devices","hostIdentifier":"PC-0007","unixTime":1790648000,"action":"added","columns":{"vendor":"SanDisk","vendor_id":"0781","model":"Ultra","model_id":"5583","serial":"4C530001230612104583","class":"8","removable":"1"}}
{"name":"usb_devices","hostIdentifier":"PC-0007","unixTime":1790648100,"action":"added","columns":{"vendor":"Logitech","vendor_id":"046d","model":"Mouse","model_id":"c077","serial":"","class":"3"}}
{"name":"logged_in_users","hostIdentifier":"PC-0007","unixTime":1790640000,"action":"added","columns":{"type":"active","user":"tanaka","host":"","time":"1790640000"}}
{"name":"uptime","hostIdentifier":"PC-0007","unixTime":1790640000,"action":"added","columns":{"days":"1"}}
this line is not JSON
{"name":"programs","hostIdentifier":"PC-0007","action":"added","columns":{"name":"x"}}
"#;

#[test]
fn documented_result_formats_map_to_events() {
    let dir = std::env::temp_dir().join(format!("worklog-osquery-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("osqueryd.results.log");
    std::fs::write(&path, LOG).unwrap();
    let read = read_osquery(&path, &ImportOptions::default());
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(read.unparsed.len(), 2, "{:?}", read.unparsed);
    assert!(
        read.unparsed[0]
            .to_string()
            .starts_with("line 13: not JSON"),
        "{:?}",
        read.unparsed
    );
    assert!(
        read.unparsed[1]
            .to_string()
            .starts_with("line 14: no unixTime"),
        "{:?}",
        read.unparsed
    );
    let count = |k: &str| read.mapped.get(k).copied().unwrap_or(0);
    assert_eq!(count("inventory software"), 2);
    assert_eq!(count("software install"), 1);
    assert_eq!(count("software uninstall"), 1);
    assert_eq!(count("inventory os"), 1);
    assert_eq!(count("encryption status"), 2);
    assert_eq!(
        (count("network connect"), count("network disconnect")),
        (1, 1)
    );
    assert_eq!(count("media connect"), 1);
    assert_eq!(count("session logon"), 1);
    assert!(
        read.not_mapped
            .keys()
            .any(|k| k.contains("usb_devices") && k.ends_with("not a storage device"))
    );
    assert!(
        read.not_mapped
            .keys()
            .any(|k| k.contains("uptime") && k.ends_with("no mapping"))
    );
    assert_eq!(read.mapped_total() + read.not_mapped_total(), read.records);

    let os = read
        .events
        .iter()
        .find(|e| e.kind == EventKind::Inventory && e.op == "os")
        .unwrap();
    // As the end-of-support catalog names it: product and edition, feature
    // update (osquery gives "Microsoft Windows 11 Pro", "10.0.22631").
    assert_eq!(os.os_product.as_deref(), Some("Windows 11 Pro"));
    assert_eq!(os.os_version.as_deref(), Some("23H2"));
    assert_eq!(os.os_build.as_deref(), Some("22631"));
    assert_eq!(
        os.last_patch_date,
        Date::parse("2026-10-11"),
        "the newest of the host's patches"
    );
    let c = read
        .events
        .iter()
        .find(|e| e.kind == EventKind::Encryption && e.volume_name.as_deref() == Some("C:"))
        .unwrap();
    assert_eq!(
        (c.volume_role.as_deref(), c.protection_on),
        (Some("system"), Some(true))
    );
    let wifi = read
        .events
        .iter()
        .find(|e| e.op == "connect" && e.kind == EventKind::Network)
        .unwrap();
    assert_eq!(
        (wifi.ssid.as_deref(), wifi.auth_method.as_deref()),
        (Some("Hotel_Free"), Some("open"))
    );
    let usb = read
        .events
        .iter()
        .find(|e| e.kind == EventKind::Media)
        .unwrap();
    assert_eq!(
        (
            usb.vendor_id.as_deref(),
            usb.product_id.as_deref(),
            usb.media_class.as_deref()
        ),
        (Some("0781"), Some("5583"), Some("mass_storage"))
    );
    // Every event: the host's device, its time and offset, its source and
    // a record number; valid against the schema; in time order.
    let mut ids = std::collections::BTreeSet::new();
    for (i, event) in read.events.iter().enumerate() {
        assert_eq!(event.device_id, "PC-0007");
        assert_eq!(event.utc_offset_min, 540);
        assert!(
            event
                .source
                .as_deref()
                .is_some_and(|s| s.starts_with("osquery:"))
        );
        assert!(ids.insert((event.source.clone(), event.source_record_id.unwrap())));
        let mut numbered = event.clone();
        numbered.seq = 1 + i as u64;
        numbered
            .validate(None)
            .unwrap_or_else(|e| panic!("{e}: {event:?}"));
    }
    assert!(read.events.windows(2).all(|w| w[0].ts <= w[1].ts));
    // The same log read again gives the same record numbers.
    let dir = std::env::temp_dir().join(format!("worklog-osquery2-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("r.log"), LOG).unwrap();
    let again = read_osquery(&dir.join("r.log"), &ImportOptions::default());
    let _ = std::fs::remove_dir_all(&dir);
    let numbers = |r: &worklog_import::FileImport| {
        r.events
            .iter()
            .map(|e| e.source_record_id)
            .collect::<Vec<_>>()
    };
    assert_eq!(numbers(&again), numbers(&read));
}
