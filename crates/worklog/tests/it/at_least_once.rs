//! A month of a 20-PC agency, delivered the way collectors deliver:
//! exports that repeat the previous export's last hours, one export sent
//! twice, one branch's week late, one day in CSV (UTF-8 with BOM, CRLF) as
//! well as in JSON Lines. Written from docs/ingest-format.md and
//! criteria.md, with the fleet of `fleet.rs` (not the simulator).
//!
//! What must hold: the store holds each distinct event once, every finding
//! is there once, and every verdict is that of the same events ingested
//! once, in order.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde_json::{Value, json};
use worklog::ledger::{Keyring, Verifier};
use worklog::rules::Verdict;

use crate::fleet::*;

const FIRST: &str = "2026-03-02";
const LAST: &str = "2026-03-29";

fn month() -> Vec<NaiveDate> {
    let (first, last) = (day(FIRST), day(LAST));
    first.iter_days().take_while(|d| *d <= last).collect()
}

fn ts_of(e: &Value) -> &str {
    e["ts"].as_str().unwrap()
}

/// Twelve desktops and eight laptops in three branches.
fn fleet() -> Vec<(String, bool, &'static str)> {
    let mut out = Vec::new();
    for n in 1..=12 {
        let branch = ["本店", "大阪支店", "福岡支店"][n % 3];
        out.push((format!("D-{n:02}"), false, branch));
    }
    for n in 1..=8 {
        let branch = ["本店", "大阪支店", "福岡支店"][n % 3];
        out.push((format!("L-{n:02}"), true, branch));
    }
    out
}

/// Every event of the month, and the violations an auditor must find.
fn events() -> Vec<Value> {
    let mut events = Vec::new();
    for (device, laptop, _) in fleet() {
        let routine = if laptop {
            Routine::laptop()
        } else {
            Routine::desktop()
        };
        for d in month().into_iter().filter(|d| is_working_day(*d)) {
            events.extend(working_day(&device, &owner(&device), d, &routine));
        }
    }
    let d = |s: &str| day(s);
    // 119: a laptop of the Osaka branch on a café's open Wi-Fi.
    events.push(event(
        "L-01",
        &at(d("2026-03-11"), 12 * 60 + 20),
        "network",
        "connect",
        json!({"if_type": "wifi", "ssid": "Cafe_Free", "bssid": "02:00:5e:10:00:01", "auth_method": "open", "cipher": "none"}),
    ));
    // Leak signal: a sign-in at night, in the hours two exports share.
    events.push(event(
        "D-03",
        "2026-03-12T23:40:00+09:00",
        "session",
        "logon",
        json!({"user_name": owner("D-03")}),
    ));
    // 120: a personal address, behind a display name that looks like the
    // company's; and a display name on a company address (compliant).
    events.push(event(
        "D-05",
        &at(d("2026-03-18"), 11 * 60),
        "mail",
        "send",
        json!({"user_name": owner("D-05"), "sender_address": "\"d-05@example-agency.co.jp\" <d05.private@gmail.com>", "mail_client": "Outlook"}),
    ));
    events.push(event(
        "D-06",
        &at(d("2026-03-18"), 11 * 60),
        "mail",
        "send",
        json!({"user_name": owner("D-06"), "sender_address": "営業 六郎 <U-D-06@Example-Agency.co.jp>", "mail_client": "Outlook"}),
    ));
    // 108: an iPhone connected, allowed, with no approved window.
    events.push(event(
        "D-07",
        &at(d("2026-03-24"), 15 * 60),
        "media",
        "connect",
        json!({"media_class": "ptp", "vendor_id": "05AC", "product_id": "12A8", "media_name": "Apple, Inc. iPhone 5/5C/5S/6/SE/7/8/X/XR", "blocked": false}),
    ));
    // 125-1: BitLocker suspended for an update and resumed at the next
    // boot 16 minutes later (no finding); suspended and never resumed.
    for (device, resumed) in [("L-05", true), ("L-06", false)] {
        events.push(event(
            device,
            &at(d("2026-03-19"), 17 * 60 + 50),
            "encryption",
            "status",
            json!({"volume_name": "C:", "volume_role": "system", "protection_on": false, "protection_state": "suspended"}),
        ));
        if resumed {
            events.push(event(
                device,
                &at(d("2026-03-19"), 18 * 60 + 6),
                "encryption",
                "resume",
                json!({"volume_name": "C:", "volume_role": "system"}),
            ));
        }
    }
    // L-06 stays suspended: every later status says so.
    let suspended_at = at(d("2026-03-19"), 17 * 60 + 50);
    for e in events.iter_mut().filter(|e| {
        e["device_id"] == "L-06"
            && e["kind"] == "encryption"
            && e["op"] == "status"
            && ts_of(e) > suspended_at.as_str()
    }) {
        e["protection_on"] = json!(false);
        e["protection_state"] = json!("suspended");
    }
    events.sort_by(|a, b| ts_of(a).cmp(ts_of(b)));
    events
}

fn write_jsonl(path: &Path, events: &[Value]) -> PathBuf {
    let text: String = events.iter().map(|e| format!("{e}\n")).collect();
    std::fs::write(path, text).unwrap();
    path.to_owned()
}

/// A CSV as a Windows collector writes it: UTF-8 with a BOM, CRLF, a
/// header naming the columns, an empty cell for null.
fn write_csv(path: &Path, events: &[Value]) -> PathBuf {
    let mut columns: Vec<String> = Vec::new();
    for e in events {
        for k in e.as_object().unwrap().keys() {
            if !columns.contains(k) {
                columns.push(k.clone());
            }
        }
    }
    let cell = |v: Option<&Value>| match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) if s.contains([',', '"', '\n']) => {
            format!("\"{}\"", s.replace('"', "\"\""))
        }
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    let mut text = String::from("\u{FEFF}");
    text += &columns.join(",");
    text += "\r\n";
    for e in events {
        let row: Vec<String> = columns.iter().map(|c| cell(e.get(c))).collect();
        text += &row.join(",");
        text += "\r\n";
    }
    std::fs::write(path, text).unwrap();
    path.to_owned()
}

fn policy(dir: &Path) -> PathBuf {
    let policy = dir.join("policy");
    let devices: Vec<(String, bool)> = fleet().into_iter().map(|(d, l, _)| (d, l)).collect();
    let refs: Vec<(&str, bool)> = devices.iter().map(|(d, l)| (d.as_str(), *l)).collect();
    write_policy(&policy, &refs, &[]);
    policy
}

fn audit_month(store: &Path, keys: &Path, policy: &Path, out: &Path) -> worklog::AuditOutput {
    worklog::audit(
        &worklog::AuditConfig {
            store: store.to_owned(),
            keys: keys.to_owned(),
            anchors: None,
            policy: policy.to_owned(),
            rules: None,
            first_day: day(FIRST),
            last_day: day(LAST),
            out: out.to_owned(),
            language: worklog::rules::Language::Ja,
            execution: worklog::Execution::default(),
            compare: None,
            pseudonymise: None,
            tsa: None,
        },
        &|_| {},
    )
    .unwrap()
}

fn ingest(store: &Path, keys: &Path, files: &[PathBuf]) -> worklog::IngestReport {
    let report = worklog::ingest(
        files,
        None,
        store,
        keys,
        &worklog::RejectsTo::BesideEachInput,
        true,
    )
    .unwrap();
    assert!(!report.refused_anything(), "{report:#?}");
    report
}

#[test]
fn at_least_once_delivery_stores_each_event_once_and_judges_as_in_order() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let policy = policy(dir);
    let all = events();
    let distinct = all.len() as u64;

    // The reference: every event once, in order.
    let (ref_store, ref_keys) = (dir.join("ref-store"), dir.join("ref-keys"));
    ingest(
        &ref_store,
        &ref_keys,
        &[write_jsonl(&dir.join("all.jsonl"), &all)],
    );
    let reference = audit_month(&ref_store, &ref_keys, &policy, &dir.join("ref-audit"));

    // The deliveries. Exports cut at these times, each from three hours
    // before the previous cut; the Osaka laptops' and one desktop's second
    // week held back and sent after the last export.
    let late_device =
        |e: &Value| ["L-01", "L-04", "D-02"].contains(&e["device_id"].as_str().unwrap());
    let late_week = |e: &Value| {
        let t = ts_of(e);
        late_device(e) && ("2026-03-09".."2026-03-14").contains(&t)
    };
    let cuts = [
        "2026-03-01",
        "2026-03-12T23:59:59+09:00",
        "2026-03-21",
        "2026-03-30",
    ];
    let back_three_hours = |t: &str| -> String {
        if t.len() == 10 {
            return t.to_owned();
        }
        let t = chrono::DateTime::parse_from_rfc3339(t).unwrap() - chrono::Duration::hours(3);
        t.to_rfc3339()
    };
    let in_range = |e: &Value, from: &str, to: &str| {
        let t = chrono::DateTime::parse_from_rfc3339(ts_of(e)).unwrap();
        let bound = |s: &str| {
            if s.len() == 10 {
                chrono::DateTime::parse_from_rfc3339(&format!("{s}T00:00:00+09:00")).unwrap()
            } else {
                chrono::DateTime::parse_from_rfc3339(s).unwrap()
            }
        };
        t >= bound(from) && t < bound(to)
    };
    let mut exports = Vec::new();
    for (n, pair) in cuts.windows(2).enumerate() {
        let from = back_three_hours(pair[0]);
        let export: Vec<Value> = all
            .iter()
            .filter(|e| in_range(e, &from, pair[1]) && !late_week(e))
            .cloned()
            .collect();
        exports.push(write_jsonl(&dir.join(format!("export-{n}.jsonl")), &export));
    }
    let late: Vec<Value> = all.iter().filter(|e| late_week(e)).cloned().collect();
    let late_file = write_jsonl(&dir.join("osaka-week.jsonl"), &late);
    // One branch's day also came as CSV from its own collector.
    let csv_day: Vec<Value> = all
        .iter()
        .filter(|e| {
            ts_of(e).starts_with("2026-03-17")
                && ["D-03", "D-06", "D-09"].contains(&e["device_id"].as_str().unwrap())
        })
        .cloned()
        .collect();
    assert!(!csv_day.is_empty());
    let csv = write_csv(&dir.join("fukuoka-0317.csv"), &csv_day);

    let (store, keys) = (dir.join("store"), dir.join("keys"));
    let mut duplicates = 0;
    let mut late_stored = 0;
    for batch in [
        vec![exports[0].clone()],
        vec![exports[1].clone()],
        vec![exports[2].clone()],
        vec![exports[1].clone()], // sent again
        vec![late_file],
        vec![csv],
    ] {
        let report = ingest(&store, &keys, &batch);
        duplicates += report.store.duplicates;
        late_stored += report.store.late;
    }
    assert_eq!(late_stored, late.len() as u64, "the held-back week is late");
    assert!(
        duplicates > csv_day.len() as u64,
        "repeats counted: {duplicates}"
    );

    let keyring = Keyring::load_dir(&keys).unwrap();
    let verification = Verifier::new(&keyring).verify(&store).unwrap();
    assert!(verification.is_clean());
    assert!(
        verification.anomalies().next().is_none(),
        "{:?}",
        verification.anomalies().collect::<Vec<_>>()
    );
    let stored: u64 = verification.devices.iter().map(|d| d.rows_verified).sum();
    assert_eq!(stored, distinct, "each distinct event stored once");
    let late_devices: Vec<&str> = verification
        .devices
        .iter()
        .filter(|d| !d.late_deliveries.is_empty())
        .map(|d| d.device_id.as_str())
        .collect();
    assert_eq!(late_devices, ["D-02", "L-01", "L-04"]);

    let delivered = audit_month(&store, &keys, &policy, &dir.join("audit"));
    let key = |a: &worklog::rules::Analysis| {
        let mut f: Vec<_> = a
            .findings
            .iter()
            .map(|f| {
                (
                    f.rule_id.clone(),
                    f.device_id.clone(),
                    f.ts,
                    f.detail.clone(),
                )
            })
            .collect();
        f.sort();
        f
    };
    assert_eq!(key(&delivered.analysis), key(&reference.analysis));
    let verdicts = |a: &worklog::rules::Analysis| {
        a.verdicts
            .iter()
            .map(|v| (v.item.clone(), v.device_id.clone(), v.verdict))
            .collect::<Vec<_>>()
    };
    assert_eq!(verdicts(&delivered.analysis), verdicts(&reference.analysis));
    assert_eq!(delivered.analysis.events, reference.analysis.events);

    // And the verdicts are the ones the criteria call for.
    let a = &delivered.analysis;
    let is = |item: &str, device: &str, expected: Verdict| {
        let v = verdict(a, item, device);
        assert_eq!(v.verdict, expected, "{item} {device}: {:?}", v.reason);
    };
    is("119", "L-01", Verdict::Fail);
    is("120", "D-05", Verdict::Fail);
    is("120", "D-06", Verdict::Pass);
    is("108", "D-07", Verdict::Fail);
    is("125-1", "L-05", Verdict::Pass);
    is("125-1", "L-06", Verdict::Fail);
    is("119", "L-04", Verdict::Pass);
    is("108", "D-02", Verdict::Pass);
    let night = a
        .findings
        .iter()
        .filter(|f| f.rule_id == "off_hours_activity" && f.device_id == "D-03")
        .count();
    assert_eq!(night, 1, "the night sign-in once");
}
