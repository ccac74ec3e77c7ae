//! Defender for Endpoint advanced hunting exports written from Microsoft's
//! documentation (`tests/fixtures/defender/README.md` cites each column),
//! read as the portal and the APIs write them.

use std::path::{Path, PathBuf};

use worklog_import::{ImportOptions, Place, Unparsed, read_defender};
use worklog_schema::{Event, EventKind};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/defender")
        .join(name)
}

fn options() -> ImportOptions {
    ImportOptions::default().with_devices(["PC-SATO", "PC-ITO"])
}

fn of(events: &[Event], device: &str, kind: EventKind) -> Vec<Event> {
    events
        .iter()
        .filter(|e| e.device_id == device && e.kind == kind)
        .cloned()
        .collect()
}

fn valid(events: &[Event]) {
    for e in events {
        let mut e = e.clone();
        e.seq = 1;
        e.normalize();
        e.validate(None).unwrap();
    }
}

#[test]
fn device_events_as_the_portal_exports_them() {
    let read = read_defender(&fixture("deviceevents-portal-export.csv"), &options());
    assert!(!read.unreadable, "{:?}", read.unparsed);
    assert_eq!(read.records, 7);
    valid(&read.events);
    // A deny: the medium was blocked, and the storage control held.
    let sato = of(&read.events, "PC-SATO", EventKind::Media);
    assert_eq!(sato.len(), 1, "{sato:?}");
    let denied = &sato[0];
    assert_eq!(denied.blocked, Some(true));
    assert_eq!(denied.media_class.as_deref(), Some("mass_storage"));
    assert_eq!(denied.vendor_id.as_deref(), Some("0951"));
    assert_eq!(denied.product_id.as_deref(), Some("1666"));
    assert_eq!(denied.media_serial.as_deref(), Some("E0D55EA5740116B1"));
    assert_eq!(denied.volume_name.as_deref(), Some("D:"));
    assert_eq!(denied.ts.to_string(), "2026-03-16T01:02:03.456Z");
    assert_eq!(denied.user_name.as_deref(), Some("MINATO\\h.sato"));
    assert_eq!(denied.source.as_deref(), Some("defender:deviceevents"));
    let shutter = of(&read.events, "PC-SATO", EventKind::Shutter);
    assert_eq!(shutter.len(), 1);
    assert_eq!(shutter[0].op, "enable");
    assert_ne!(shutter[0].event_id, denied.event_id);
    // An audit verdict let the write happen: not blocked, and no shutter.
    let ito = of(&read.events, "PC-ITO", EventKind::Media);
    assert_eq!(ito.len(), 1);
    assert_eq!(ito[0].blocked, Some(false));
    assert!(of(&read.events, "PC-ITO", EventKind::Shutter).is_empty());
    // Device control's file evidence: a write on the removable volume.
    let files = of(&read.events, "PC-ITO", EventKind::File);
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].op, "write");
    assert_eq!(files[0].file_path.as_deref(), Some("E:\\顧客一覧.xlsx"));
    assert_eq!(files[0].src_removable, Some(true));
    assert_eq!(files[0].file_size, Some(48213));
    // A mount, a phone's connection and a printer are not media verdicts;
    // the row whose time is not one is named.
    let reasons: Vec<&String> = read.not_mapped.keys().collect();
    assert_eq!(read.not_mapped_total(), 3, "{reasons:?}");
    assert!(reasons.iter().any(|r| r.contains("UsbDriveMounted")
        && r.contains("does not say whether device control let the medium be read")));
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("\"Printer\" is not external storage"))
    );
    assert_eq!(
        read.unparsed,
        [Unparsed::at(
            Place::Line(8),
            "the Timestamp \"yesterday\" is not a time"
        )]
    );
}

#[test]
fn microsoft_s_device_control_query_with_its_projected_columns() {
    let read = read_defender(&fixture("device-control-report-query.csv"), &options());
    assert!(read.unparsed.is_empty(), "{:?}", read.unparsed);
    valid(&read.events);
    let media = of(&read.events, "PC-SATO", EventKind::Media);
    assert_eq!(media.len(), 1);
    // A phone: Windows hosts it as a portable device.
    assert_eq!(media[0].media_class.as_deref(), Some("mtp"));
    assert_eq!(media[0].blocked, Some(true));
    assert_eq!(media[0].vendor_id.as_deref(), Some("04e8"));
    assert_eq!(media[0].media_serial.as_deref(), Some("R58N123ABC"));
    assert_eq!(media[0].user_name.as_deref(), Some("h.sato"));
}

#[test]
fn network_reports_through_the_api_become_connections_when_they_change() {
    let read = read_defender(&fixture("api-advancedqueries-run.json"), &options());
    assert!(!read.unreadable, "{:?}", read.unparsed);
    assert_eq!(read.records, 6);
    valid(&read.events);
    let sato = of(&read.events, "PC-SATO", EventKind::Network);
    let ssids: Vec<&str> = sato.iter().filter_map(|e| e.ssid.as_deref()).collect();
    // The second report of the same Wi-Fi is no new connection.
    assert_eq!(ssids, ["CORP-WIFI", "Cafe-Free"]);
    assert_eq!(sato[0].if_type.as_deref(), Some("wifi"));
    assert_eq!(sato[0].gateway_ip.as_deref(), Some("10.10.0.1"));
    // Defender does not give the security: left empty, never guessed.
    assert_eq!(sato[0].auth_method, None);
    assert_eq!(
        sato[0].source.as_deref(),
        Some("defender:devicenetworkinfo")
    );
    let ito = of(&read.events, "PC-ITO", EventKind::Network);
    assert_eq!(ito.len(), 1);
    assert_eq!(ito[0].if_type.as_deref(), Some("ethernet"));
    assert_eq!(ito[0].ssid, None, "a wired network's name is no SSID");
    let reasons: Vec<&String> = read.not_mapped.keys().collect();
    assert!(
        reasons.iter().any(|r| r.contains("adapter not up")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r.contains("SoftwareLoopback")),
        "{reasons:?}"
    );
}

#[test]
fn graph_s_hunting_answer_reads_as_the_defender_api_s() {
    let graph = read_defender(&fixture("graph-runhuntingquery.json"), &options());
    let api = read_defender(&fixture("api-advancedqueries-run.json"), &options());
    assert!(graph.unparsed.is_empty(), "{:?}", graph.unparsed);
    assert_eq!(graph.events.len(), 2);
    assert_eq!(
        graph.events,
        of(&api.events, "PC-SATO", EventKind::Network),
        "the same rows, the same events"
    );
}

#[test]
fn another_export_is_refused_with_the_columns_expected_and_found() {
    let read = read_defender(&fixture("not-defender.csv"), &options());
    assert!(read.unreadable);
    let why = &read.unparsed[0];
    assert!(
        why.reason
            .contains("DeviceEvents needs Timestamp, DeviceName, ActionType"),
        "{why}"
    );
    assert!(
        why.reason
            .contains("the header has デバイス ID, デバイス名"),
        "{why}"
    );
}
