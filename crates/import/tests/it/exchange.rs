//! Message trace exports written from Microsoft's documentation
//! (`tests/fixtures/exchange/README.md` cites each column), read as the
//! tools write them, and what each message becomes.

use std::path::{Path, PathBuf};

use worklog_import::{ImportOptions, Place, read_message_trace};
use worklog_schema::Event;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/exchange")
        .join(name)
}

fn options() -> ImportOptions {
    ImportOptions::default()
        .with_user("h.sato@minato-hoken.co.jp", "PC-SATO")
        .with_user("K.Ito@minato-hoken.co.jp", "PC-ITO")
}

fn of<'a>(events: &'a [Event], device: &str, op: &str) -> Vec<&'a Event> {
    events
        .iter()
        .filter(|e| e.device_id == device && e.op == op)
        .collect()
}

#[test]
fn windows_powershell_export_csv_in_utf16_with_a_type_line() {
    let read = read_message_trace(
        &fixture("get-messagetracev2-windows-powershell.csv"),
        &options(),
    );
    assert!(!read.unreadable, "{:?}", read.unparsed);
    assert!(read.unparsed.is_empty(), "{:?}", read.unparsed);
    // Five rows, four messages: two rows of one message (two recipients)
    // are one record and one send.
    assert_eq!(read.records, 4);
    let sends = of(&read.events, "PC-SATO", "send");
    assert_eq!(sends.len(), 1);
    let send = sends[0];
    assert_eq!(send.ts.to_string(), "2026-03-16T01:02:03Z");
    assert_eq!(
        send.sender_address.as_deref(),
        Some("h.sato@minato-hoken.co.jp")
    );
    assert_eq!(
        send.recipients.as_deref(),
        Some("k.ito@minato-hoken.co.jp, customer@example.com")
    );
    assert_eq!(send.mail_status.as_deref(), Some("Delivered"));
    assert_eq!(send.source.as_deref(), Some("exchange:messagetrace"));
    assert_eq!(
        send.event_id.as_deref(),
        Some("8c2a3c1e-6f0e-4f7a-9a4e-0d3b1c2e4f01")
    );
    assert_eq!(send.utc_offset_min, 540);
    // The colleague receives it, and the newsletter; the user map is read
    // without case.
    assert_eq!(of(&read.events, "PC-ITO", "receive").len(), 2);
    let failed = of(&read.events, "PC-ITO", "send");
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].mail_status.as_deref(), Some("Failed"));
    // A message between two outsiders is no PC's.
    assert_eq!(
        read.not_mapped.values().sum::<u64>(),
        1,
        "{:?}",
        read.not_mapped
    );
    assert!(
        read.not_mapped
            .keys()
            .next()
            .unwrap()
            .contains("--user-map")
    );
    // Every event is one the schema accepts once normalised.
    for e in &read.events {
        let mut e = e.clone();
        e.seq = 1;
        e.normalize();
        e.validate(None).unwrap();
    }
    assert_eq!(read.mapped.get("mail send"), Some(&2));
    assert_eq!(read.mapped.get("mail receive"), Some(&2));
}

#[test]
fn powershell_7_on_a_japanese_system() {
    let read = read_message_trace(
        &fixture("get-messagetracev2-powershell7-ja.csv"),
        &options(),
    );
    assert!(read.unparsed.is_empty(), "{:?}", read.unparsed);
    let send = of(&read.events, "PC-SATO", "send");
    assert_eq!(send.len(), 1);
    assert_eq!(send[0].ts.to_string(), "2026-03-16T01:02:03Z");
}

#[test]
fn the_admin_center_s_enhanced_summary_report() {
    let read = read_message_trace(&fixture("enhanced-summary-report.csv"), &options());
    assert!(!read.unreadable);
    assert_eq!(read.records, 3);
    assert_eq!(read.unparsed.len(), 1, "{:?}", read.unparsed);
    assert!(
        read.unparsed[0]
            .to_string()
            .starts_with("line 4: the time \"not a time\"")
    );
    assert_eq!(read.unparsed[0].place, Some(Place::Line(4)));
    let send = of(&read.events, "PC-SATO", "send");
    assert_eq!(send.len(), 1);
    assert_eq!(
        send[0].recipients.as_deref(),
        Some("k.ito@minato-hoken.co.jp, customer@example.com")
    );
    assert_eq!(
        send[0].mail_status.as_deref(),
        Some("Receive, Deliver, Receive, Send")
    );
    assert_eq!(
        send[0].event_id.as_deref(),
        Some("8c2a3c1e6f0e4f7a9a4e0d3b1c2e4f01")
    );
    let received = of(&read.events, "PC-ITO", "receive");
    assert_eq!(received.len(), 2);
    assert_eq!(
        received[1].sender_address.as_deref(),
        Some("newsletter@example.net")
    );
}

#[test]
fn another_export_is_refused_with_the_columns_expected_and_found() {
    let read = read_message_trace(&fixture("not-a-trace.csv"), &options());
    assert!(read.unreadable);
    assert!(read.events.is_empty());
    let why = &read.unparsed[0];
    assert!(
        why.reason
            .contains("needs Received, SenderAddress, RecipientAddress, Status"),
        "{why}"
    );
    assert!(
        why.reason
            .contains("the header has Device name, OS, OS version"),
        "{why}"
    );
    // A download cut short mid-row: what was read is counted, the rest is
    // a row that cannot be read.
    let bytes = std::fs::read(fixture("get-messagetracev2-powershell7-ja.csv")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cut = dir.path().join("cut.csv");
    std::fs::write(&cut, &bytes[..bytes.len() - 60]).unwrap();
    let read = read_message_trace(&cut, &options());
    assert_eq!(
        read.records, 1,
        "the cut row is no record; the two rows before it are one message"
    );
    assert_eq!(read.unparsed.len(), 1, "{:?}", read.unparsed);
    assert!(
        read.unparsed[0].to_string().starts_with("line 4: "),
        "{:?}",
        read.unparsed
    );
    assert!(
        read.unparsed[0].reason.contains("cut short"),
        "{:?}",
        read.unparsed
    );
}
