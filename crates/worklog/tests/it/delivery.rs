//! Logs as collectors deliver them: at least once, late, out of order, with
//! display names. Each test builds its events by hand (the fleet of
//! `fleet.rs`, not the simulator), delivers them the way a collector does,
//! and checks what the store holds, what the verifier says and the
//! verdicts against the same events ingested once, in order.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use worklog::ledger::{AnomalyClass, Keyring, Verifier};
use worklog::rules::{Verdict, VerdictReason};

use crate::fleet::*;

/// Writes `events` as a JSON Lines file.
fn write_jsonl(path: &Path, events: &[Value]) {
    let text: String = events.iter().map(|e| format!("{e}\n")).collect();
    std::fs::write(path, text).unwrap();
}

/// Ingests files as one delivery (creating keys); no line may be rejected.
fn deliver(store: &Path, keys: &Path, files: &[PathBuf]) -> worklog::IngestReport {
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

fn verify(store: &Path, keys: &Path) -> worklog::ledger::VerifyReport {
    let keyring = Keyring::load_dir(keys).unwrap();
    Verifier::new(&keyring).verify(store).unwrap()
}

fn ts_of(e: &Value) -> &str {
    e["ts"].as_str().unwrap()
}

/// The verdicts as (item, device, verdict): what an auditor compares.
fn verdicts(a: &worklog::rules::Analysis) -> Vec<(String, String, Verdict)> {
    a.verdicts
        .iter()
        .map(|v| (v.item.clone(), v.device_id.clone(), v.verdict))
        .collect()
}

/// Findings as (rule, device, seq-free identity: time and detail).
fn findings(a: &worklog::rules::Analysis) -> Vec<(String, String, Option<i64>, String)> {
    let mut out: Vec<_> = a
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
    out.sort();
    out
}

/// The same events ingested once, in time order, into a fresh store, and
/// audited: the reference every delivery pattern must equal.
fn in_order_audit(dir: &Path, events: &[Value], policy: &Path) -> worklog::AuditOutput {
    let (store, keys) = (dir.join("ref-store"), dir.join("ref-keys"));
    let mut sorted = events.to_vec();
    sorted.sort_by(|a, b| ts_of(a).cmp(ts_of(b)));
    let file = dir.join("in-order.jsonl");
    write_jsonl(&file, &sorted);
    deliver(&store, &keys, &[file]);
    audit(&store, &keys, None, policy, &dir.join("ref-audit"))
}

/// Case 1. A collector's exports each repeat the previous one's last hour
/// (a 24/7 shared PC, a night sign-in in the repeated hour): every event is
/// stored once, the repeats are counted per device, the chain never goes
/// back in time, the night sign-in is one finding, and every verdict is
/// that of the events ingested once. (Before: the 20 repeated lines were
/// stored again, the chain carried `time_went_backwards` at each batch
/// boundary, and every item of the PC was 証跡不足.)
#[test]
fn re_sent_lines_are_stored_once_and_counted() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let policy = dir.join("policy");
    write_policy(&policy, &[("D-247", false), ("D-OK", false)], &[]);
    let mut events = every_working_day("D-247", "u-d-247", &Routine::desktop());
    events.extend(every_working_day("D-OK", "u-d-ok", &Routine::desktop()));
    // The shared PC is in use at night: a sign-in at 23:30 on Friday.
    events.push(event(
        "D-247",
        "2026-01-09T23:30:00+09:00",
        "session",
        "logon",
        json!({"user_name": "u-d-247"}),
    ));
    events.sort_by(|a, b| ts_of(a).cmp(ts_of(b)));
    // Three exports: each from an hour before the previous one ended.
    let cuts = [
        "2026-01-05T00:00:00+09:00",
        "2026-01-10T00:00:00+09:00",
        "2026-01-14T12:00:00+09:00",
        "2026-01-19T00:00:00+09:00",
    ];
    let hour_before = |t: &str| {
        let t = chrono::DateTime::parse_from_rfc3339(t).unwrap() - chrono::Duration::hours(1);
        t.to_rfc3339()
    };
    let (store, keys) = (dir.join("store"), dir.join("keys"));
    let mut repeated = 0;
    for (n, pair) in cuts.windows(2).enumerate() {
        let from = if n == 0 {
            pair[0].to_owned()
        } else {
            hour_before(pair[0])
        };
        let export: Vec<Value> = events
            .iter()
            .filter(|e| {
                let t = chrono::DateTime::parse_from_rfc3339(ts_of(e)).unwrap();
                t >= chrono::DateTime::parse_from_rfc3339(&from).unwrap()
                    && t < chrono::DateTime::parse_from_rfc3339(pair[1]).unwrap()
            })
            .cloned()
            .collect();
        let file = dir.join(format!("export-{n}.jsonl"));
        write_jsonl(&file, &export);
        let report = deliver(&store, &keys, &[file]);
        let expected_repeats = export
            .iter()
            .filter(|e| {
                n > 0
                    && chrono::DateTime::parse_from_rfc3339(ts_of(e)).unwrap()
                        < chrono::DateTime::parse_from_rfc3339(pair[0]).unwrap()
            })
            .count() as u64;
        assert_eq!(report.store.duplicates, expected_repeats, "export {n}");
        let d247 = &report.store.devices["D-247"];
        assert_eq!(
            report.store.duplicates,
            d247.duplicates + report.store.devices.get("D-OK").map_or(0, |d| d.duplicates)
        );
        assert_eq!(report.store.late, 0, "a repeat is not a late delivery");
        repeated += expected_repeats;
    }
    assert!(repeated >= 2, "the exports overlap: {repeated}");
    let verification = verify(&store, &keys);
    assert!(verification.is_clean(), "{verification:#?}");
    let stored: u64 = verification.devices.iter().map(|d| d.rows_verified).sum();
    assert_eq!(stored, events.len() as u64, "every event once");
    assert!(
        verification.anomalies().next().is_none(),
        "no anomaly at all: {:?}",
        verification.anomalies().collect::<Vec<_>>()
    );
    let delivered = audit(&store, &keys, None, &policy, &dir.join("audit"));
    let night: Vec<_> = delivered
        .analysis
        .findings
        .iter()
        .filter(|f| f.rule_id == "off_hours_activity" && f.device_id == "D-247")
        .collect();
    assert_eq!(night.len(), 1, "the night sign-in once: {night:?}");
    let reference = in_order_audit(dir, &events, &policy);
    assert_eq!(verdicts(&delivered.analysis), verdicts(&reference.analysis));
    assert_eq!(findings(&delivered.analysis), findings(&reference.analysis));
    assert!(
        delivered
            .analysis
            .verdicts
            .iter()
            .all(|v| v.verdict != Verdict::InsufficientEvidence),
        "{:?}",
        verdicts(&delivered.analysis)
    );
}

/// Case 2. One branch's week arrives after the weeks around it: it is
/// stored as a late delivery (said by ingest and by the verifier, with the
/// period it covers), never as a clock anomaly; the finding it holds (a
/// café's open Wi-Fi, 119) is found, and the other items keep the verdicts
/// of the events ingested in order. (Before: the late events poisoned the
/// branch with `time_went_backwards`, and its items became 証跡不足.)
#[test]
fn a_late_week_is_a_late_delivery_not_a_clock_anomaly() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let policy = dir.join("policy");
    let branch = [("L-OSK1", true), ("L-OSK2", true), ("D-OSK3", false)];
    write_policy(&policy, &branch, &[]);
    let mut events = Vec::new();
    for (device, laptop) in branch {
        let routine = if laptop {
            Routine::laptop()
        } else {
            Routine::desktop()
        };
        events.extend(every_working_day(device, &owner(device), &routine));
    }
    // In the late week, a laptop joins a café's open Wi-Fi.
    events.push(event(
        "L-OSK1",
        &at(day("2026-01-07"), 12 * 60 + 10),
        "network",
        "connect",
        json!({"if_type": "wifi", "ssid": "Cafe_Free_WiFi", "bssid": "02:00:5e:10:00:01", "auth_method": "open", "cipher": "none"}),
    ));
    events.sort_by(|a, b| ts_of(a).cmp(ts_of(b)));
    let late_week = |e: &Value| {
        let t = ts_of(e);
        ("2026-01-06".."2026-01-10").contains(&t)
    };
    let (store, keys) = (dir.join("store"), dir.join("keys"));
    let on_time: Vec<Value> = events.iter().filter(|e| !late_week(e)).cloned().collect();
    let late: Vec<Value> = events.iter().filter(|e| late_week(e)).cloned().collect();
    write_jsonl(&dir.join("on-time.jsonl"), &on_time);
    write_jsonl(&dir.join("late.jsonl"), &late);
    deliver(&store, &keys, &[dir.join("on-time.jsonl")]);
    let report = deliver(&store, &keys, &[dir.join("late.jsonl")]);
    assert_eq!(report.store.late, late.len() as u64);
    assert_eq!(report.files[0].outcome.late, late.len() as u64);
    let covers = report.store.devices["L-OSK1"].late_covers.unwrap();
    assert!(covers.0.to_string().starts_with("2026-01-06"), "{covers:?}");
    assert!(covers.1.to_string().starts_with("2026-01-09"), "{covers:?}");

    let verification = verify(&store, &keys);
    assert!(verification.is_clean());
    assert!(verification.anomalies().next().is_none());
    for (device, _) in branch {
        let d = verification
            .devices
            .iter()
            .find(|d| d.device_id == device)
            .unwrap();
        let late_events: u64 = d.late_deliveries.iter().map(|l| l.events).sum();
        assert_eq!(
            late_events,
            late.iter().filter(|e| e["device_id"] == device).count() as u64,
            "{device}"
        );
        assert!(
            d.newest_event
                .unwrap()
                .to_string()
                .starts_with("2026-01-16")
        );
    }
    let delivered = audit(&store, &keys, None, &policy, &dir.join("audit"));
    let cafe = delivered
        .analysis
        .findings
        .iter()
        .filter(|f| f.device_id == "L-OSK1" && f.items.contains(&"119".to_owned()))
        .count();
    assert!(cafe >= 1, "the café Wi-Fi is found");
    assert_eq!(
        verdict(&delivered.analysis, "119", "L-OSK1").verdict,
        Verdict::Fail
    );
    let reference = in_order_audit(dir, &events, &policy);
    assert_eq!(verdicts(&delivered.analysis), verdicts(&reference.analysis));
    assert_eq!(findings(&delivered.analysis), findings(&reference.analysis));
    // The report says what came late, on ログ取得状況.
    let integrity = delivered.analysis.devices[0].integrity.as_ref().unwrap();
    assert!(!integrity.late_deliveries.is_empty());
}

/// Case 3 and the proportionate rule. A PC's clock jumps back an hour in
/// the middle of a day: the verifier reports and locates it (the window of
/// time recorded twice), nothing is lost (verification is clean), and only
/// what depends on that window is downgraded — here 108 and 109, whose one
/// finding (the shutter switched off without approval) lies inside the
/// window (要確認, not 不適合 nor 適合). The other items keep their
/// verdicts. (Before: every item of the PC was 証跡不足 for the
/// whole period.)
#[test]
fn a_clock_going_back_downgrades_only_what_depends_on_its_window() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let policy = dir.join("policy");
    write_policy(&policy, &[("D-CLK", false), ("D-REF", false)], &[]);
    let jump_day = day("2026-01-07");
    let mut events = every_working_day("D-REF", "u-d-ref", &Routine::desktop());
    let mut clock = Vec::new();
    for d in period_days().into_iter().filter(|d| is_working_day(*d)) {
        let mut today = working_day("D-CLK", "u-d-clk", d, &Routine::desktop());
        if d == jump_day {
            // The shutter is switched off with no approval at 13:30 and
            // switched back on at 14:40…
            for (minute, op) in [(13 * 60 + 30, "disable"), (14 * 60 + 40, "enable")] {
                today.push(event(
                    "D-CLK",
                    &at(d, minute),
                    "shutter",
                    op,
                    json!({"user_name": "u-d-clk"}),
                ));
            }
            today.sort_by(|a, b| ts_of(a).cmp(ts_of(b)));
            // …and at 14:00 the clock is set back an hour: everything from
            // then on is recorded an hour early, in the order it happened
            // (the re-enabling as 13:40).
            let jump = chrono::DateTime::parse_from_rfc3339(&at(d, 14 * 60)).unwrap();
            for e in &mut today {
                let t = chrono::DateTime::parse_from_rfc3339(ts_of(e)).unwrap();
                if t >= jump {
                    e["ts"] = json!((t - chrono::Duration::hours(1)).to_rfc3339());
                }
            }
        }
        clock.extend(today);
    }
    events.extend(clock.iter().cloned());
    let (store, keys) = (dir.join("store"), dir.join("keys"));
    // The collector's file, in the order the PC recorded (clock jump kept).
    write_jsonl(&dir.join("export.jsonl"), &events);
    deliver(&store, &keys, &[dir.join("export.jsonl")]);
    let verification = verify(&store, &keys);
    assert!(verification.is_clean(), "a clock going back loses nothing");
    let back: Vec<_> = verification
        .anomalies()
        .filter(|a| a.class == AnomalyClass::TimeWentBackwards)
        .collect();
    assert_eq!(back.len(), 1, "{back:?}");
    let window = back[0].window.unwrap();
    // From 13:00 (the 14:00 heartbeat, recorded an hour early) to 13:30,
    // the newest time recorded before the jump (JST).
    assert_eq!(window.0.to_string(), "2026-01-07T04:00:00Z");
    assert_eq!(window.1.to_string(), "2026-01-07T04:30:00Z");
    assert_eq!(back[0].device_id, "D-CLK");

    let delivered = audit(&store, &keys, None, &policy, &dir.join("audit"));
    let a = &delivered.analysis;
    // The shutter switched off without approval is a finding of 108 and
    // 109; it lies in the window.
    for item in ["108", "109"] {
        let v = verdict(a, item, "D-CLK");
        assert_eq!(v.verdict, Verdict::NeedsReview, "{item}: {:?}", v.reason);
        assert!(
            matches!(v.reason, VerdictReason::FindingsInClockWindow { .. }),
            "{item}: {:?}",
            v.reason
        );
    }
    for item in ["119", "120", "123", "124"] {
        let v = verdict(a, item, "D-CLK");
        assert_eq!(
            v.verdict,
            verdict(a, item, "D-REF").verdict,
            "{item}: {:?}",
            v.reason
        );
        assert_eq!(v.verdict, Verdict::Pass, "{item}: {:?}", v.reason);
    }
    assert_eq!(
        a.devices
            .iter()
            .find(|d| d.device_id == "D-CLK")
            .unwrap()
            .integrity
            .as_ref()
            .unwrap()
            .clock_windows
            .len(),
        1
    );
    // The clock going back is no tampering: ログの改ざん防止 stays as for
    // an intact store (no anchors here: 要確認, never 問題あり).
    assert_ne!(
        check(a, worklog::model::LogCheckId::Tamper).status,
        worklog::rules::CheckStatus::Problem
    );
}

/// The rule's other half: when the only evidence of a week lies on the day
/// the clock went back, the coverage depends on the window and the item is
/// 証跡不足 with that reason; the verifier's exit is still clean.
#[test]
fn evidence_that_stands_only_in_a_clock_window_does_not_cover_the_period() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let policy = dir.join("policy");
    write_policy(&policy, &[("D-MAIL", false)], &[]);
    let mut events = Vec::new();
    for d in period_days().into_iter().filter(|d| is_working_day(*d)) {
        // Mail goes out only on the first Monday and in the second week.
        let mail = d == day("2026-01-05") || d >= day("2026-01-12");
        let mut today = working_day(
            "D-MAIL",
            "u-d-mail",
            d,
            &Routine {
                mail,
                ..Routine::desktop()
            },
        );
        if d == day("2026-01-05") {
            // At noon the clock goes back three hours: 09:00 to noon is
            // recorded twice, and the day's one mail (09:45) lies in it.
            for e in &mut today {
                let t = chrono::DateTime::parse_from_rfc3339(ts_of(e)).unwrap();
                if t >= chrono::DateTime::parse_from_rfc3339(&at(d, 12 * 60)).unwrap() {
                    e["ts"] = json!((t - chrono::Duration::hours(3)).to_rfc3339());
                }
            }
        }
        events.extend(today);
    }
    let (store, keys) = (dir.join("store"), dir.join("keys"));
    write_jsonl(&dir.join("export.jsonl"), &events);
    deliver(&store, &keys, &[dir.join("export.jsonl")]);
    let delivered = audit(&store, &keys, None, &policy, &dir.join("audit"));
    assert!(delivered.verification.is_clean());
    let v = verdict(&delivered.analysis, "120", "D-MAIL");
    assert_eq!(v.verdict, Verdict::InsufficientEvidence, "{:?}", v.reason);
    assert!(
        matches!(v.reason, VerdictReason::CoverageInClockWindow { .. }),
        "{:?}",
        v.reason
    );
    // Items whose evidence does not depend on that day keep 適合.
    assert_eq!(
        verdict(&delivered.analysis, "119", "D-MAIL").verdict,
        Verdict::Pass
    );
}

/// Case 4. BitLocker suspended by Windows Update and resumed 16 minutes
/// later at the next boot is no finding of 125-1; suspended and not resumed
/// within the policy's grace stays 不適合.
#[test]
fn an_encryption_suspension_resumed_within_the_grace_is_no_finding() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let policy = dir.join("policy");
    write_policy(&policy, &[("L-UPD", true), ("L-SUS", true)], &[]);
    let toml = policy.join("policy.toml");
    let text = std::fs::read_to_string(&toml).unwrap() + "encryption_suspend_grace_minutes = 60\n";
    std::fs::write(&toml, text).unwrap();
    let mut events = every_working_day("L-UPD", &owner("L-UPD"), &Routine::laptop());
    events.extend(every_working_day(
        "L-SUS",
        &owner("L-SUS"),
        &Routine::laptop(),
    ));
    let patch_day = day("2026-01-14");
    for (device, resumed) in [("L-UPD", true), ("L-SUS", false)] {
        events.push(event(
            device,
            &at(patch_day, 17 * 60 + 40),
            "encryption",
            "status",
            json!({"volume_name": "C:", "volume_role": "system", "protection_on": false, "protection_state": "suspended", "detail": "BitLocker 773: protection suspended"}),
        ));
        if resumed {
            events.push(event(
                device,
                &at(patch_day, 17 * 60 + 56),
                "encryption",
                "resume",
                json!({"volume_name": "C:", "volume_role": "system", "detail": "BitLocker 774: protection resumed"}),
            ));
        }
    }
    // An export, in time order.
    events.sort_by(|a, b| ts_of(a).cmp(ts_of(b)));
    let (store, keys) = (dir.join("store"), dir.join("keys"));
    write_jsonl(&dir.join("export.jsonl"), &events);
    deliver(&store, &keys, &[dir.join("export.jsonl")]);
    let a = audit(&store, &keys, None, &policy, &dir.join("audit")).analysis;
    assert_eq!(verdict(&a, "125-1", "L-UPD").verdict, Verdict::Pass);
    let sus = verdict(&a, "125-1", "L-SUS");
    assert_eq!(sus.verdict, Verdict::Fail, "{:?}", sus.reason);
    let finding = a
        .findings
        .iter()
        .find(|f| f.device_id == "L-SUS" && f.rule_id == "portable_unencrypted")
        .unwrap();
    assert_eq!(finding.detail, "portable_suspended_not_resumed");
}

/// Case 5. Senders as collectors export them: a display name, angle
/// brackets, upper case, an ACE domain, a display name that looks like an
/// address. The normalised address is compared; the original is kept.
/// (Before: `佐藤 花子 <h.sato@…>` was judged by the domain `…co.jp>`, a
/// false 不適合; `"t.yamada@company" <x@gmail.com>` was rejected and the
/// personal address's use vanished.)
#[test]
fn senders_are_compared_by_their_normalised_address() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let policy = dir.join("policy");
    write_policy(&policy, &[("D-NAME", false), ("D-GMAIL", false)], &[]);
    std::fs::write(
        policy.join("mail_domains.csv"),
        "domain\nexample-agency.co.jp\nxn--eckwd4c7c.xn--zckzah\n",
    )
    .unwrap();
    let mut events = Vec::new();
    for device in ["D-NAME", "D-GMAIL"] {
        events.extend(every_working_day(
            device,
            &owner(device),
            &Routine {
                mail: false,
                ..Routine::desktop()
            },
        ));
    }
    for (n, d) in period_days()
        .into_iter()
        .filter(|d| is_working_day(*d))
        .enumerate()
    {
        let named = if n % 2 == 0 {
            "佐藤 花子 <H.Sato@Example-Agency.CO.JP>"
        } else {
            "info@xn--eckwd4c7c.xn--zckzah"
        };
        events.push(event(
            "D-NAME",
            &at(d, 10 * 60),
            "mail",
            "send",
            json!({"user_name": owner("D-NAME"), "sender_address": named}),
        ));
        events.push(event(
            "D-GMAIL",
            &at(d, 10 * 60),
            "mail",
            "send",
            json!({"user_name": owner("D-GMAIL"), "sender_address": "\"t.yamada@example-agency.co.jp\" <t.yamada.home@gmail.com>"}),
        ));
    }
    // The PCs' export and the mail log's, as two files of one delivery.
    let (store, keys) = (dir.join("store"), dir.join("keys"));
    let (mail, pc): (Vec<Value>, Vec<Value>) =
        events.iter().cloned().partition(|e| e["kind"] == "mail");
    write_jsonl(&dir.join("pc.jsonl"), &pc);
    let file = dir.join("mail.jsonl");
    write_jsonl(&file, &mail);
    let report = deliver(&store, &keys, &[dir.join("pc.jsonl"), file.clone()]);
    assert_eq!(report.store.accepted, events.len() as u64);
    assert!(
        verify(&store, &keys).anomalies().next().is_none(),
        "two files of the same days are merged by time"
    );
    let a = audit(&store, &keys, None, &policy, &dir.join("audit")).analysis;
    let name = verdict(&a, "120", "D-NAME");
    assert_eq!(name.verdict, Verdict::Pass, "{:?}", name.reason);
    assert_eq!(verdict(&a, "120", "D-GMAIL").verdict, Verdict::Fail);
    let gmail: Vec<_> = a
        .findings
        .iter()
        .filter(|f| f.rule_id == "unapproved_sender_domain")
        .collect();
    assert!(gmail.iter().all(|f| f.device_id == "D-GMAIL"));
    let evidence = &gmail[0].evidence;
    let value = |column: &str| {
        evidence
            .iter()
            .find(|(c, _)| c == column)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(
        value("sender_address").as_deref(),
        Some("t.yamada.home@gmail.com")
    );
    assert_eq!(
        value("sender_original").as_deref(),
        Some("\"t.yamada@example-agency.co.jp\" <t.yamada.home@gmail.com>")
    );

    // A sender that is not one address is refused, with line and reason.
    let bad = dir.join("bad.jsonl");
    write_jsonl(
        &bad,
        &[event(
            "D-NAME",
            &at(day("2026-01-16"), 11 * 60),
            "mail",
            "send",
            json!({"user_name": owner("D-NAME"), "sender_address": "a@example-agency.co.jp, b@example-agency.co.jp"}),
        )],
    );
    let refused = worklog::ingest(
        &[bad],
        None,
        &store,
        &keys,
        &worklog::RejectsTo::BesideEachInput,
        false,
    )
    .unwrap();
    assert_eq!(refused.files[0].rejected_lines, 1);
    let rejects = std::fs::read_to_string(dir.join("bad.jsonl.rejects.jsonl")).unwrap();
    assert!(rejects.contains("holds 2 addresses"), "{rejects}");
}

/// Case 8, in part: two events 118 ms apart, written by a collector in the
/// wrong order, are put in time order (no anomaly, nothing downgraded).
#[test]
fn events_swapped_by_milliseconds_are_put_in_order() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut events = vec![
        event(
            "D-SWAP",
            "2026-01-06T10:00:00.118+09:00",
            "app",
            "start",
            json!({"user_name": "u", "exe_name": "EXCEL.EXE"}),
        ),
        event(
            "D-SWAP",
            "2026-01-06T10:00:00.000+09:00",
            "session",
            "unlock",
            json!({"user_name": "u"}),
        ),
    ];
    events.push(event(
        "D-SWAP",
        "2026-01-06T10:05:00+09:00",
        "session",
        "lock",
        json!({"user_name": "u"}),
    ));
    let (store, keys) = (dir.join("store"), dir.join("keys"));
    write_jsonl(&dir.join("swapped.jsonl"), &events);
    deliver(&store, &keys, &[dir.join("swapped.jsonl")]);
    let verification = verify(&store, &keys);
    assert!(verification.anomalies().next().is_none());
}

/// Case 8: an osquery week that arrives after the next one is stored as a
/// late delivery, not refused (before, its events were dropped with exit 0
/// and its AnyDesk install vanished from the audit).
#[test]
fn a_late_osquery_week_is_stored() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let line = |name: &str, unix: i64, action: &str, columns: Value| {
        json!({"name": name, "hostIdentifier": "L-OSQ", "unixTime": unix, "epoch": 0, "counter": 1, "action": action, "columns": columns}).to_string()
    };
    // 2026-01-05 09:00 JST is 2026-01-05T00:00:00Z.
    let jan = |d: i64, hour: i64| 1_767_571_200 + (d - 5) * 86_400 + (hour - 9) * 3600;
    let week2 = [
        line(
            "logged_in_users",
            jan(12, 9),
            "added",
            json!({"type": "active", "user": "kato", "host": "", "time": "0"}),
        ),
        line(
            "logged_in_users",
            jan(13, 9),
            "added",
            json!({"type": "active", "user": "kato", "host": "", "time": "1"}),
        ),
    ]
    .join("\n");
    let week1 = [
        line(
            "logged_in_users",
            jan(6, 9),
            "added",
            json!({"type": "active", "user": "kato", "host": "", "time": "2"}),
        ),
        line(
            "programs",
            jan(7, 11),
            "added",
            json!({"name": "AnyDesk", "version": "8.0.9", "publisher": "AnyDesk Software GmbH"}),
        ),
    ]
    .join("\n");
    std::fs::write(dir.join("week2.log"), week2 + "\n").unwrap();
    std::fs::write(dir.join("week1.log"), week1 + "\n").unwrap();
    let (store, keys) = (dir.join("store"), dir.join("keys"));
    let options = worklog::import_formats::ImportOptions::default();
    let first =
        worklog::import_osquery(&[dir.join("week2.log")], &store, &keys, true, &options).unwrap();
    assert_eq!(first.store.accepted, 2);
    let late =
        worklog::import_osquery(&[dir.join("week1.log")], &store, &keys, true, &options).unwrap();
    assert_eq!(late.files[0].outcome.ingested, 2);
    assert_eq!(late.files[0].outcome.late, 2);
    assert!(late.files[0].outcome.rejected.is_empty());
    let verification = verify(&store, &keys);
    assert!(verification.is_clean());
    assert_eq!(verification.devices[0].late_deliveries.len(), 1);
    // Delivered again: nothing is stored twice.
    let again = worklog::import_osquery(
        &[dir.join("week1.log"), dir.join("week2.log")],
        &store,
        &keys,
        true,
        &options,
    )
    .unwrap();
    assert_eq!(again.store.accepted, 0);
    assert_eq!(again.store.duplicates, 4);
}
