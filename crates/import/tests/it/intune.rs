//! Intune device exports written from Microsoft's documentation
//! (`tests/fixtures/intune/README.md` cites each column), read as the tools
//! write them: each PC's last check-in becomes its OS and the encryption of
//! its system volume.

use std::path::{Path, PathBuf};

use worklog_import::{ImportOptions, read_intune};
use worklog_schema::{Event, EventKind};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/intune")
        .join(name)
}

fn one<'a>(events: &'a [Event], device: &str, kind: EventKind) -> &'a Event {
    let found: Vec<&Event> = events
        .iter()
        .filter(|e| e.device_id == device && e.kind == kind)
        .collect();
    assert_eq!(found.len(), 1, "{device} {kind:?}: {found:?}");
    found[0]
}

/// What every export says of the two PCs that all fixtures hold.
fn assert_sato_and_ito(events: &[Event]) {
    let os = one(events, "PC-SATO", EventKind::Inventory);
    assert_eq!(os.op, "os");
    assert_eq!(os.ts.to_string(), "2026-03-16T01:02:03Z");
    assert_eq!(os.os_product.as_deref(), Some("Windows 11 Pro"));
    assert_eq!(os.os_version.as_deref(), Some("23H2"));
    assert_eq!(os.os_build.as_deref(), Some("22631.3880"));
    assert_eq!(os.source.as_deref(), Some("intune:manageddevices"));
    let disk = one(events, "PC-SATO", EventKind::Encryption);
    assert_eq!(disk.op, "status");
    assert_eq!(disk.protection_on, Some(true));
    assert_eq!(disk.volume_role.as_deref(), Some("system"));
    let os = one(events, "PC-ITO", EventKind::Inventory);
    assert_eq!(
        (os.os_product.as_deref(), os.os_version.as_deref()),
        (Some("Windows 10 Pro"), Some("22H2"))
    );
    let disk = one(events, "PC-ITO", EventKind::Encryption);
    assert_eq!(disk.protection_on, Some(false));
    assert_eq!(disk.protection_state.as_deref(), Some("off"));
    for e in events {
        let mut e = e.clone();
        e.seq = 1;
        e.normalize();
        e.validate(None).unwrap();
    }
}

#[test]
fn graph_managed_devices() {
    let read = read_intune(
        &fixture("graph-manageddevices.json"),
        &ImportOptions::default(),
    );
    assert!(!read.unreadable, "{:?}", read.unparsed);
    assert!(read.unparsed.is_empty(), "{:?}", read.unparsed);
    assert_eq!(read.records, 4);
    assert_sato_and_ito(&read.events);
    let sato = one(&read.events, "PC-SATO", EventKind::Inventory);
    assert_eq!(sato.user_name.as_deref(), Some("h.sato@minato-hoken.co.jp"));
    assert_eq!(
        sato.detail.as_deref(),
        Some("Intune: compliance compliant, serial 5CD1234ABC")
    );
    // Seven-digit fractions of a second, as Graph writes them.
    let ito = one(&read.events, "PC-ITO", EventKind::Inventory);
    assert_eq!(ito.ts.to_string(), "2026-03-16T02:30:00.123456Z");
    // A PC that does not report encryption has its OS and no guess.
    one(&read.events, "PC-KATO", EventKind::Inventory);
    assert!(
        read.events
            .iter()
            .all(|e| !(e.device_id == "PC-KATO" && e.kind == EventKind::Encryption))
    );
    // The phone is no PC.
    assert!(read.events.iter().all(|e| e.device_id != "iPhone-Sato"));
    let reasons: Vec<&String> = read.not_mapped.keys().collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("operating system iOS: a phone or tablet, not a PC"))
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("encryption \"not given\""))
    );
    assert_eq!(read.mapped.get("inventory os"), Some(&3));
    assert_eq!(read.mapped.get("encryption status"), Some(&2));
}

#[test]
fn the_admin_center_s_export_in_english_with_a_bom() {
    let read = read_intune(
        &fixture("admin-center-export.csv"),
        &ImportOptions::default(),
    );
    assert!(!read.unreadable, "{:?}", read.unparsed);
    assert_eq!(read.records, 3);
    assert_sato_and_ito(&read.events);
    // The damaged row is named by its line and reason; nothing of it is
    // stored (its name is not even a device id).
    assert_eq!(read.events.len(), 4);
    assert_eq!(
        read.not_mapped_total() + read.unparsed.len() as u64,
        1,
        "{:?} {:?}",
        read.not_mapped,
        read.unparsed
    );
}

#[test]
fn the_admin_center_s_export_in_japanese() {
    let read = read_intune(
        &fixture("admin-center-export-ja.csv"),
        &ImportOptions::default(),
    );
    assert!(read.unparsed.is_empty(), "{:?}", read.unparsed);
    assert_sato_and_ito(&read.events);
    let ito = one(&read.events, "PC-ITO", EventKind::Encryption);
    assert_eq!(
        ito.detail.as_deref(),
        Some("Intune: compliance 非準拠, serial 5CD5678DEF")
    );
}

#[test]
fn the_reports_api_s_devices_with_inventory() {
    let read = read_intune(
        &fixture("reports-api-devices-with-inventory.csv"),
        &ImportOptions::default(),
    );
    assert!(read.unparsed.is_empty(), "{:?}", read.unparsed);
    assert_eq!(read.records, 3);
    assert_sato_and_ito(&read.events);
    // Mid-encryption is neither on nor off: the OS is kept, the state is
    // counted as not mapped with what Intune said.
    one(&read.events, "PC-MORI", EventKind::Inventory);
    let reason = read.not_mapped.keys().next().unwrap();
    assert!(reason.contains("\"Encryption in progress\""), "{reason}");
}

#[test]
fn a_truncated_download_keeps_what_was_whole_and_names_the_rest() {
    let read = read_intune(
        &fixture("truncated-download.csv"),
        &ImportOptions::default(),
    );
    assert!(!read.unreadable);
    assert_eq!(read.records, 1);
    one(&read.events, "PC-SATO", EventKind::Encryption);
    assert_eq!(read.unparsed.len(), 1, "{:?}", read.unparsed);
    assert!(
        read.unparsed[0].to_string().starts_with("line 3: "),
        "{:?}",
        read.unparsed
    );
    assert!(
        read.unparsed[0].reason.contains("cut short"),
        "{:?}",
        read.unparsed
    );
}

#[test]
fn another_export_is_refused_with_the_columns_expected_and_found() {
    let read = read_intune(&fixture("not-intune.csv"), &ImportOptions::default());
    assert!(read.unreadable);
    assert!(read.events.is_empty());
    let why = &read.unparsed[0];
    assert!(
        why.reason
            .contains("needs Device name, Last check-in, OS version"),
        "{why}"
    );
    assert!(
        why.reason
            .contains("the header has Received, SenderAddress"),
        "{why}"
    );
}

#[test]
fn an_intune_export_is_a_user_map_for_a_message_trace() {
    let options = ImportOptions::default()
        .read_user_map(&fixture("graph-manageddevices.json"))
        .unwrap();
    assert_eq!(
        options.device_of_user("H.Sato@minato-hoken.co.jp"),
        Some("PC-SATO"),
        "the PC, never the phone"
    );
    assert_eq!(
        options.device_of_user("k.ito@minato-hoken.co.jp"),
        Some("PC-ITO")
    );
    let refused = ImportOptions::default()
        .read_user_map(&fixture("not-intune.csv"))
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("neither a `user,device_id` map nor an Intune device export"),
        "{refused}"
    );
}
