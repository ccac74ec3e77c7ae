//! EVTX files written byte for byte as MS-EVEN6 lays them out (the
//! simulator's writer), read back through the real parser: the records a
//! fleet's PCs log for Wi-Fi, installs and BitLocker, with the fields
//! Microsoft documents for each event, become the events the mapping table
//! says — the same path a file copied off a PC takes.

use chrono::{DateTime, Utc};
use worklog_import::{ImportOptions, read_evtx};
use worklog_schema::EventKind;
use worklog_synth::evtx::{EventData, EvtxRecord, write_file};

const WLAN: &str = "Microsoft-Windows-WLAN-AutoConfig/Operational";
const BITLOCKER: &str = "Microsoft-Windows-BitLocker/BitLocker Management";

fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339).unwrap().to_utc()
}

/// WLAN-AutoConfig 8001 "WLAN AutoConfig service has successfully
/// connected to a wireless network", its template's fields.
fn wifi(time: &str, ssid: &str, auth: &str, cipher: &str) -> EvtxRecord {
    EvtxRecord::new(
        WLAN,
        "Microsoft-Windows-WLAN-AutoConfig",
        8001,
        at(time),
        "PC-A.example-agency.local",
        EventData::named(&[
            ("InterfaceGuid", "{6C1A5B7E-3F0D-4C52-9E1B-0F0C2A7D9A11}"),
            ("InterfaceDescription", "Intel(R) Wi-Fi 6E AX211 160MHz"),
            ("ConnectionMode", "Automatic connection with a profile"),
            ("ProfileName", ssid),
            ("SSID", ssid),
            ("BSSType", "Infrastructure"),
            ("PHYType", "802.11ax"),
            ("AuthenticationAlgorithm", auth),
            ("CipherAlgorithm", cipher),
            ("OnexEnabled", "1"),
            ("ConnectionId", "0x5"),
            ("NonBroadcast", "false"),
        ]),
    )
}

#[test]
fn written_records_become_the_documented_events() {
    let tmp = tempfile::tempdir().unwrap();
    let mut install = EvtxRecord::new(
        "Application",
        "MsiInstaller",
        11707,
        at("2026-01-06T01:15:00Z"),
        "PC-A.example-agency.local",
        // MsiInstaller is a classic provider: its strings are unnamed.
        EventData::Positional(vec![
            "Product: Dropbox -- Installation completed successfully.".into(),
            "(NULL)".into(),
            "(NULL)".into(),
        ]),
    );
    install.user_sid = Some("S-1-5-21-1004336348-1177238915-682003330-1104".into());
    let suspended = EvtxRecord::new(
        BITLOCKER,
        "Microsoft-Windows-BitLocker-API",
        773,
        at("2026-01-13T18:00:00Z"),
        "PC-A.example-agency.local",
        EventData::named(&[
            (
                "VolumeName",
                "\\\\?\\Volume{8d4e8a3f-0000-0000-0000-100000000000}",
            ),
            ("VolumeMountPoint", "C:"),
        ]),
    );
    let mut resumed = suspended.clone();
    resumed.event_id = 774;
    resumed.time = at("2026-01-13T18:12:00Z");
    let records = vec![
        wifi(
            "2026-01-05T23:50:00Z",
            "CORP-WIFI",
            "WPA2-Enterprise",
            "AES",
        ),
        wifi("2026-01-09T02:00:00Z", "Cafe-Free", "Open", "None"),
        install,
        suspended,
        resumed,
    ];
    let path = tmp.path().join("PC-A.evtx");
    write_file(&path, &records).unwrap();

    let read = read_evtx(&path, &ImportOptions::default());
    assert!(!read.unreadable && read.unparsed.is_empty(), "{read:?}");
    assert_eq!(read.records, 5);
    assert!(read.not_mapped.is_empty(), "{:?}", read.not_mapped);
    let events = &read.events;
    assert_eq!(events.len(), 5);
    assert!(events.iter().all(|e| e.device_id == "PC-A"), "{events:?}");

    let (corp, cafe) = (&events[0], &events[1]);
    assert_eq!(
        (corp.kind, corp.op.as_str()),
        (EventKind::Network, "connect")
    );
    assert_eq!(
        (
            corp.ssid.as_deref(),
            corp.auth_method.as_deref(),
            corp.cipher.as_deref()
        ),
        (Some("CORP-WIFI"), Some("wpa2_enterprise"), Some("ccmp"))
    );
    assert_eq!(corp.ts.0, at("2026-01-05T23:50:00Z").timestamp_micros());
    assert_eq!(
        (cafe.ssid.as_deref(), cafe.auth_method.as_deref()),
        (Some("Cafe-Free"), Some("open"))
    );
    let install = &events[2];
    assert_eq!(
        (install.kind, install.op.as_str()),
        (EventKind::Software, "install")
    );
    assert_eq!(install.product_name.as_deref(), Some("Dropbox"));
    let (suspend, resume) = (&events[3], &events[4]);
    assert_eq!(suspend.protection_state.as_deref(), Some("suspended"));
    assert_eq!(suspend.volume_name.as_deref(), Some("C:"));
    assert_eq!(resume.op, "resume");
    // Each channel's EventRecordIDs, with no hole.
    let wlan = &read.record_ids[WLAN];
    assert_eq!((wlan.first, wlan.last, wlan.missing), (1, 2, 0));
}

#[test]
fn a_log_spanning_many_chunks_is_read_whole_with_its_ids() {
    let tmp = tempfile::tempdir().unwrap();
    let base = at("2026-01-05T00:00:00Z");
    let records: Vec<_> = (0..2_000)
        .map(|i| {
            let mut r = wifi(
                "2026-01-05T00:00:00Z",
                "CORP-WIFI",
                "WPA3-Enterprise",
                "GCMP-256",
            );
            r.time = base + chrono::Duration::minutes(i);
            r
        })
        .collect();
    let path = tmp.path().join("wlan.evtx");
    write_file(&path, &records).unwrap();
    assert!(std::fs::metadata(&path).unwrap().len() > 4096 + 2 * 65536);
    let read = read_evtx(&path, &ImportOptions::default());
    assert!(read.unparsed.is_empty(), "{:?}", read.unparsed);
    assert_eq!(read.records, 2_000);
    assert_eq!(read.mapped.get("network connect"), Some(&2_000));
    let span = &read.record_ids[WLAN];
    assert_eq!((span.first, span.last, span.missing), (1, 2_000, 0));
}
