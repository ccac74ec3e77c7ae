//! Scenario tests written from `../shared/reference/criteria.md` and
//! `docs/rules.md`, not from the simulator: small hand-built event sets,
//! ingested through `worklog::ingest`, audited with the built-in pack, and
//! the verdict a Japanese auditor would expect for each item and device.

use serde_json::json;
use worklog::rules::{CheckStatus, Verdict, VerdictReason};

use crate::fleet::*;

const ITEMS_ALL: [&str; 6] = ["108", "109", "119", "120", "123", "124"];
const ITEMS_PORTABLE: [&str; 3] = ["125", "125-1", "125-2"];

#[test]
fn each_case_gets_the_verdict_an_auditor_expects() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (store, keys, policy) = (dir.join("store"), dir.join("keys"), dir.join("policy"));
    let d = |s: &str| day(s);
    let mut events = Vec::new();

    // Everything in order, desktop and laptop.
    events.extend(every_working_day("D-OK", "u-d-ok", &Routine::desktop()));
    events.extend(every_working_day("L-OK", "u-l-ok", &Routine::laptop()));

    // Case 1: logs seven hours on the first day, then nothing for 13 days
    // (no shutdown: the agent just stops being heard from).
    events.extend(
        working_day("D-STOP", "u-d-stop", d(FIRST_DAY), &Routine::desktop())
            .into_iter()
            .filter(|e| e["ts"].as_str().unwrap() < at(d(FIRST_DAY), 16 * 60).as_str()),
    );

    // Case 4: no mail, no web, no inventory: 120, 123 and 124 have nothing
    // to stand on. A laptop without encryption status: 125-1 likewise.
    events.extend(every_working_day(
        "D-NOEVID",
        "u-d-noevid",
        &Routine {
            mail: false,
            web: false,
            inventory: false,
            ..Routine::desktop()
        },
    ));
    events.extend(every_working_day(
        "L-NOENC",
        "u-l-noenc",
        &Routine {
            encryption: false,
            ..Routine::laptop()
        },
    ));

    // Case 5: the shutter switched off with no approval.
    events.extend(every_working_day("D-SHUT", "u-d-shut", &Routine::desktop()));
    events.push(event(
        "D-SHUT",
        &at(d("2026-01-07"), 10 * 60),
        "shutter",
        "disable",
        json!({"user_name": "u-d-shut"}),
    ));

    // Case 6: a registered network joined with weaker authentication than
    // its min_auth (WPA2-PSK on the WPA2-Enterprise office Wi-Fi).
    events.extend(every_working_day("L-WPA", "u-l-wpa", &Routine::laptop()));
    events.push(event(
        "L-WPA",
        &at(d("2026-01-06"), 14 * 60),
        "network",
        "connect",
        json!({"if_type": "wifi", "ssid": "CORP-WIFI", "bssid": "66:77:88:99:aa:bb", "auth_method": "wpa2_psk", "cipher": "ccmp"}),
    ));

    // Case 6: unapproved software already installed (in every inventory).
    events.extend(every_working_day(
        "D-SOFT",
        "u-d-soft",
        &Routine {
            extra_software: &["TeamViewer"],
            ..Routine::desktop()
        },
    ));

    // An unapproved install removed within the deadline is compliant; a
    // personal webmail visit needs review.
    events.extend(every_working_day("D-INST", "u-d-inst", &Routine::desktop()));
    for (minute, op) in [(10 * 60, "install"), (12 * 60, "uninstall")] {
        events.push(event(
            "D-INST",
            &at(d("2026-01-08"), minute),
            "software",
            op,
            json!({"user_name": "u-d-inst", "product_name": "Free VPN", "blocked": false, "elevated": true}),
        ));
    }
    events.push(event(
        "D-INST",
        &at(d("2026-01-09"), 11 * 60),
        "web",
        "visit",
        json!({"user_name": "u-d-inst", "url": "https://mail.google.com/mail/u/0/", "web_domain": "mail.google.com"}),
    ));

    // End-of-support OS.
    events.extend(every_working_day(
        "D-EOS",
        "u-d-eos",
        &Routine {
            os: ("Windows 10 Pro", "22H2"),
            ..Routine::desktop()
        },
    ));

    // The protected drive mounted on a home network.
    events.extend(every_working_day(
        "L-GHOST",
        "u-l-ghost",
        &Routine::laptop(),
    ));
    events.push(event(
        "L-GHOST",
        &at(d("2026-01-09"), 13 * 60),
        "ghost_drive",
        "mount",
        json!({"volume_name": "G:", "if_type": "wifi", "ssid": "HOME-AP"}),
    ));

    // A sign-in at 23:30 local: a leak signal, its local time with +09:00.
    events.extend(every_working_day(
        "D-NIGHT",
        "u-d-night",
        &Routine::desktop(),
    ));
    let night = d("2026-01-13");
    events.push(event(
        "D-NIGHT",
        &at(night, 23 * 60 + 20),
        "agent",
        "start",
        json!({}),
    ));
    events.push(event(
        "D-NIGHT",
        &at(night, 23 * 60 + 30),
        "session",
        "logon",
        json!({"user_name": "u-d-night"}),
    ));
    events.push(event(
        "D-NIGHT",
        &at(night, 23 * 60 + 50),
        "agent",
        "shutdown",
        json!({}),
    ));

    // A temporary permission used as approved: disable with the ticket,
    // the approved stick, a copy, re-enabled in time.
    events.extend(every_working_day("D-USB", "u-d-usb", &Routine::desktop()));
    let usb = d("2026-01-08");
    events.push(event(
        "D-USB",
        &at(usb, 10 * 60),
        "shutter",
        "disable",
        json!({"user_name": "u-d-usb", "ticket_id": "REQ-1", "approver": "it-admin", "media_serial": "SN-1"}),
    ));
    events.push(event(
        "D-USB",
        &at(usb, 10 * 60 + 5),
        "media",
        "connect",
        json!({"media_class": "mass_storage", "blocked": false, "media_serial": "SN-1", "vendor_id": "0781", "product_id": "5583", "volume_name": "E:"}),
    ));
    events.push(event(
        "D-USB",
        &at(usb, 10 * 60 + 10),
        "file",
        "copy",
        json!({"user_name": "u-d-usb", "file_path": "C:\\Users\\u-d-usb\\提案書.docx", "target_path": "E:\\提案書.docx", "src_removable": false, "dst_removable": true}),
    ));
    events.push(event(
        "D-USB",
        &at(usb, 10 * 60 + 50),
        "shutter",
        "enable",
        json!({}),
    ));

    let devices = [
        ("D-OK", false),
        ("L-OK", true),
        ("D-STOP", false),
        ("D-NOEVID", false),
        ("L-NOENC", true),
        ("D-SHUT", false),
        ("L-WPA", true),
        ("D-SOFT", false),
        ("D-INST", false),
        ("D-EOS", false),
        ("L-GHOST", true),
        ("D-NIGHT", false),
        ("D-USB", false),
    ];
    write_policy(
        &policy,
        &devices,
        &["REQ-1,it-admin,D-USB,SN-1,2026-01-08T01:00:00Z,2026-01-08T02:00:00Z"],
    );
    events.sort_by(|a, b| a["ts"].as_str().cmp(&b["ts"].as_str()));
    ingest(dir, "fleet", &events, &store, &keys);
    let anchors = anchor(dir, &store, &keys);
    let out = audit(&store, &keys, Some(anchors), &policy, &dir.join("audit"));
    assert!(out.verification.is_clean());
    let a = &out.analysis;
    let is = |item: &str, device: &str, want: Verdict| {
        let v = verdict(a, item, device);
        assert_eq!(v.verdict, want, "{item} on {device}: {v:?}");
    };

    for item in ITEMS_ALL {
        is(item, "D-OK", Verdict::Pass);
        is(item, "L-OK", Verdict::Pass);
    }
    for item in ITEMS_PORTABLE {
        is(item, "D-OK", Verdict::NotApplicable);
        is(item, "L-OK", Verdict::Pass);
    }
    // Pass carries how much of the period the evidence covers.
    let c = verdict(a, "119", "D-OK").coverage.clone().unwrap();
    assert_eq!((c.weeks_with_evidence, c.weeks), (2, 2));
    assert_eq!(
        (c.evidence_days, c.active_days, c.in_service_days),
        (10, 10, 14)
    );

    // Case 1: one day of fourteen is not evidence over the period.
    for item in ITEMS_ALL {
        let v = verdict(a, item, "D-STOP");
        assert_eq!(v.verdict, Verdict::InsufficientEvidence, "{item}: {v:?}");
        assert!(
            matches!(&v.reason, VerdictReason::InsufficientCoverage { coverage }
                if coverage.weeks_with_evidence == 1 && coverage.weeks == 2 && coverage.active_days == 1),
            "{item}: {v:?}"
        );
    }
    let scope = check(a, worklog::model::LogCheckId::Scope);
    assert_eq!(scope.status, CheckStatus::Problem);
    assert_eq!(scope.devices, vec!["D-STOP".to_owned()], "{scope:?}");
    let gaps: Vec<&str> = a
        .findings
        .iter()
        .filter(|f| f.rule_id == "log_gap")
        .map(|f| f.device_id.as_str())
        .collect();
    assert_eq!(gaps, vec!["D-STOP"], "only the silent tail is a gap");

    // Case 4: nothing to judge 120, 123, 124 by.
    for item in ["120", "123", "124"] {
        let v = verdict(a, item, "D-NOEVID");
        assert_eq!(v.verdict, Verdict::InsufficientEvidence, "{item}: {v:?}");
        assert!(
            matches!(v.reason, VerdictReason::MissingKinds { .. }),
            "{v:?}"
        );
        assert_eq!(v.evidence_events, 0);
    }
    is("119", "D-NOEVID", Verdict::Pass);
    is("125-1", "L-NOENC", Verdict::InsufficientEvidence);
    is("125-2", "L-NOENC", Verdict::Pass);
    // ログの記録 names each device with exactly the kinds it lacks; a
    // desktop is not asked for the laptop-only kinds.
    let recorded = check(a, worklog::model::LogCheckId::Recorded);
    assert_eq!(recorded.status, CheckStatus::Problem);
    assert_eq!(
        recorded.devices,
        vec!["D-NOEVID".to_owned(), "L-NOENC".to_owned()]
    );
    assert!(
        recorded
            .detail_en
            .contains("D-NOEVID (inventory, mail, web)")
            && recorded.detail_en.contains("L-NOENC (encryption)"),
        "{}",
        recorded.detail_en
    );

    // Case 5: a shutter off without approval fails 108 as well as 109.
    is("108", "D-SHUT", Verdict::Fail);
    is("109", "D-SHUT", Verdict::Fail);
    is("119", "D-SHUT", Verdict::Pass);

    // Case 6: min_auth, unapproved software present, local times.
    is("119", "L-WPA", Verdict::Fail);
    let weak: Vec<_> = a
        .findings
        .iter()
        .filter(|f| f.device_id == "L-WPA")
        .map(|f| f.rule_id.as_str())
        .collect();
    assert_eq!(weak, vec!["weak_network_security"]);
    is("123", "D-SOFT", Verdict::Fail);
    assert!(
        a.findings
            .iter()
            .any(|f| f.device_id == "D-SOFT" && f.rule_id == "unapproved_software_present")
    );
    is("123", "D-INST", Verdict::Pass);
    is("120", "D-INST", Verdict::NeedsReview);
    is("124", "D-EOS", Verdict::Fail);
    is("125-2", "L-GHOST", Verdict::Fail);
    is("125", "L-GHOST", Verdict::Fail);
    is("108", "D-USB", Verdict::Pass);
    is("109", "D-USB", Verdict::Pass);
    for item in ITEMS_ALL {
        is(item, "D-NIGHT", Verdict::Pass);
    }
    let night = a
        .findings
        .iter()
        .find(|f| f.rule_id == "off_hours_activity")
        .expect("the night sign-in is a leak signal");
    assert_eq!(night.device_id, "D-NIGHT");
    assert_eq!(
        night.local_time.map(|t| t.to_string()).as_deref(),
        Some("2026-01-13 23:30:00+09:00")
    );
    let local_ts = night
        .evidence
        .iter()
        .find(|(k, _)| k == "local_ts")
        .map(|(_, v)| v.as_str());
    assert_eq!(local_ts, Some("2026-01-13 23:30:00+09:00"));
    // An orderly shutdown is no tamper signal.
    assert!(!a.findings.iter().any(|f| f.rule_id == "agent_tamper"));

    // Every device anchored and intact: the tamper check holds.
    assert_eq!(
        check(a, worklog::model::LogCheckId::Tamper).status,
        CheckStatus::Ok
    );
    assert_eq!(
        check(a, worklog::model::LogCheckId::Retention).status,
        CheckStatus::Ok
    );
}

/// Case 2 and 3: a laptop's second week (where its disk was unencrypted)
/// is cut from the store. Without anchors it cannot be detected, but the
/// verdict must not become 適合; with anchors the cut reaches the verdict
/// and the retention check.
#[test]
fn a_cut_segment_never_turns_a_failure_into_a_pass() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (store, keys, policy) = (dir.join("store"), dir.join("keys"), dir.join("policy"));
    write_policy(&policy, &[("L-CUT", true), ("L-REF", true)], &[]);
    let days = period_days();
    let (week1, week2) = days.split_at(7);
    let laptop = Routine::laptop();
    let unencrypted = Routine {
        encrypted: false,
        ..Routine::laptop()
    };
    let week = |days: &[chrono::NaiveDate], cut_routine: &Routine| {
        let mut events = Vec::new();
        for d in days.iter().filter(|d| is_working_day(**d)) {
            events.extend(working_day("L-CUT", "u-l-cut", *d, cut_routine));
            events.extend(working_day("L-REF", "u-l-ref", *d, &laptop));
        }
        events
    };
    // Two ingests: one segment per device and week.
    ingest(dir, "week1", &week(week1, &laptop), &store, &keys);
    ingest(dir, "week2", &week(week2, &unencrypted), &store, &keys);
    let anchors = anchor(dir, &store, &keys);

    let intact = audit(
        &store,
        &keys,
        Some(anchors.clone()),
        &policy,
        &dir.join("intact"),
    );
    assert!(
        intact.verification.is_clean(),
        "{:?}",
        intact
            .verification
            .anomalies()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
    );
    assert_eq!(
        verdict(&intact.analysis, "125-1", "L-CUT").verdict,
        Verdict::Fail
    );
    assert_eq!(
        verdict(&intact.analysis, "125-1", "L-REF").verdict,
        Verdict::Pass
    );

    let device_dir = store.join("device_id=L-CUT");
    let mut segments: Vec<_> = std::fs::read_dir(&device_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "parquet"))
        .collect();
    segments.sort();
    assert_eq!(segments.len(), 2, "{segments:?}");
    std::fs::remove_file(segments.last().unwrap()).unwrap();

    // No anchors, the seal kept: the seal names the deleted segment, so the
    // cut is an anomaly and reaches the verdict.
    let sealed = audit(&store, &keys, None, &policy, &dir.join("sealed"));
    assert!(!sealed.verification.is_clean());
    let v = verdict(&sealed.analysis, "125-1", "L-CUT");
    assert_eq!(v.verdict, Verdict::InsufficientEvidence, "{v:?}");
    assert!(
        matches!(&v.reason, VerdictReason::IntegrityAnomaly { classes } if classes.contains(&worklog::model::AnomalyKind::TailTruncated)),
        "{v:?}"
    );

    // No anchors and the seal removed too: the cut is invisible to the
    // verifier, so the tamper check says what was not checked, and the
    // verdict falls to 証跡不足.
    std::fs::remove_file(device_dir.join("_seal.json")).unwrap();
    let blind = audit(&store, &keys, None, &policy, &dir.join("blind"));
    assert!(blind.verification.is_clean());
    let v = verdict(&blind.analysis, "125-1", "L-CUT");
    assert_eq!(v.verdict, Verdict::InsufficientEvidence, "{v:?}");
    assert!(
        matches!(&v.reason, VerdictReason::InsufficientCoverage { coverage } if coverage.weeks_with_evidence == 1),
        "{v:?}"
    );
    let tamper = check(&blind.analysis, worklog::model::LogCheckId::Tamper);
    assert_eq!(tamper.status, CheckStatus::NeedsReview, "{tamper:?}");
    assert!(
        tamper
            .detail_en
            .contains("truncation and rewrite by the key holder not checked"),
        "{}",
        tamper.detail_en
    );
    assert_eq!(tamper.devices, vec!["L-CUT".to_owned(), "L-REF".to_owned()]);

    // With anchors: the cut is an anomaly, and it reaches the verdicts and
    // both log-management checks.
    let seen = audit(&store, &keys, Some(anchors), &policy, &dir.join("seen"));
    assert!(!seen.verification.is_clean());
    for item in ["108", "109", "119", "120", "123", "124", "125-1", "125-2"] {
        let v = verdict(&seen.analysis, item, "L-CUT");
        assert_eq!(v.verdict, Verdict::InsufficientEvidence, "{item}: {v:?}");
        assert!(
            matches!(&v.reason, VerdictReason::IntegrityAnomaly { classes } if classes.contains(&worklog::model::AnomalyKind::TailTruncated)),
            "{item}: {v:?}"
        );
        assert_ne!(
            verdict(&seen.analysis, item, "L-REF").verdict,
            Verdict::InsufficientEvidence
        );
    }
    let retention = check(&seen.analysis, worklog::model::LogCheckId::Retention);
    assert_eq!(retention.status, CheckStatus::Problem);
    assert_eq!(retention.devices, vec!["L-CUT".to_owned()]);
    assert_eq!(
        check(&seen.analysis, worklog::model::LogCheckId::Tamper).status,
        CheckStatus::Problem
    );
}

/// Anchor freshness (`anchor_interval_hours`, default 24): a device whose
/// newest anchor was made in the first week, while it logged for another
/// week, could have had that week cut or rewritten by its key holder
/// without any anchor showing it — as when someone removes the anchor
/// log's last line together with the device's last segment. The tamper
/// check says so; a device anchored after the period holds.
#[test]
fn an_anchor_older_than_the_policy_interval_is_not_taken_as_cover() {
    use worklog::ledger::{AnchorLog, Keyring, Role, SecretKey, export_heads};
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (store, keys, policy) = (dir.join("store"), dir.join("keys"), dir.join("policy"));
    write_policy(&policy, &[("D-OLD", false), ("D-NEW", false)], &[]);
    let days = period_days();
    let (week1, week2) = days.split_at(7);
    let week = |days: &[chrono::NaiveDate]| {
        let mut events = Vec::new();
        for d in days.iter().filter(|d| is_working_day(**d)) {
            events.extend(working_day("D-OLD", "u-old", *d, &Routine::desktop()));
            events.extend(working_day("D-NEW", "u-new", *d, &Routine::desktop()));
        }
        events
    };
    let authority = SecretKey::generate(Role::Authority, "hq").unwrap();
    let anchor_at = |devices: &[&str], at_us: i64| {
        let keyring = Keyring::load_dir(&keys).unwrap();
        let (mut log, _) = AnchorLog::open(&dir.join("anchors.jsonl")).unwrap();
        for claim in export_heads(&store).unwrap() {
            if devices.contains(&claim.record.device_id.as_str()) {
                log.anchor(&claim, &keyring, &authority, at_us).unwrap();
            }
        }
    };

    ingest(dir, "week1", &week(week1), &store, &keys);
    authority.public().write(&keys.join("hq.pub")).unwrap();
    // Both anchored at the start of the second week (00:00 UTC)...
    let week2_start = week2[0]
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp_micros();
    anchor_at(&["D-OLD", "D-NEW"], week2_start);
    ingest(dir, "week2", &week(week2), &store, &keys);
    // ... and only D-NEW again after the period.
    anchor_at(&["D-NEW"], 1_800_000_000_000_000);

    let out = audit(
        &store,
        &keys,
        Some(dir.join("anchors.jsonl")),
        &policy,
        &dir.join("audit"),
    );
    // Nothing is wrong with the chains themselves: both anchors match.
    assert!(out.verification.is_clean());
    let tamper = check(&out.analysis, worklog::model::LogCheckId::Tamper);
    assert_eq!(tamper.status, CheckStatus::NeedsReview, "{tamper:?}");
    assert_eq!(tamper.devices, vec!["D-OLD".to_owned()]);
    assert!(
        tamper.detail_en.contains(
            "for 1 device(s) the newest anchor was made more than 24 hours (the policy's anchoring interval)"
        ),
        "{}",
        tamper.detail_en
    );
}
