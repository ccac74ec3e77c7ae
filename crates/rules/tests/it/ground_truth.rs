//! The default pack over a simulated fleet, against the simulator's
//! ground truth: every injected violation found under the right item and
//! device, every finding explained by a label.

use std::collections::BTreeSet;

use worklog_rules::{Analysis, Category, Verdict, VerdictReason};
use worklog_synth::{Fleet, FleetConfig, Label, Signal};

use crate::common::*;

struct Run {
    analysis: Analysis,
    labels: Vec<Label>,
}

fn run_fleet() -> Run {
    let config = FleetConfig {
        devices: 40,
        days: 31,
        events_per_device_day: 300,
        ..FleetConfig::default()
    };
    let fleet = Fleet::new(config).unwrap();
    let logs = fleet.generate();
    let tmp = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for log in &logs {
        if log.events.is_empty() {
            continue;
        }
        let file = tmp.path().join(format!("{}.parquet", log.device_id));
        write_parquet(&file, &log.events);
        files.push(file);
    }
    let labels: Vec<Label> = logs.iter().flat_map(|l| l.labels.clone()).collect();
    let analysis = analyze_files(&default_pack(), fleet.policy(), files);
    Run { analysis, labels }
}

#[test]
fn simulated_fleet_findings_match_the_ground_truth_exactly() {
    let Run { analysis, labels } = run_fleet();
    assert!(analysis.problems.is_empty(), "{:?}", analysis.problems);
    let signals: BTreeSet<Signal> = labels.iter().map(|l| l.signal).collect();
    assert_eq!(
        signals.len(),
        Signal::ALL.len(),
        "the fleet must exercise every signal"
    );

    // Event-level truth: (signal, item, device, seq); devices-level truth
    // for log gaps (device, time of the last event before the gap) and
    // silent devices (device).
    let truth: BTreeSet<(String, String, String, String)> = labels
        .iter()
        .filter(|l| l.signal != Signal::NoInventory)
        .map(|l| {
            let at = match l.signal {
                Signal::LogGap => l.ts.0.to_string(),
                Signal::SilentDevice => String::new(),
                _ => l.seq.unwrap().to_string(),
            };
            (
                l.signal_name.to_owned(),
                l.item.to_owned(),
                l.device_id.clone(),
                at,
            )
        })
        .collect();
    let found: BTreeSet<(String, String, String, String)> = analysis
        .findings
        .iter()
        .map(|f| {
            let item = match f.category {
                Category::Item => f.items.join(","),
                Category::Leak => "leak".to_owned(),
                _ => "log".to_owned(),
            };
            let at = match f.rule_id.as_str() {
                "log_gap" => f.ts.unwrap().to_string(),
                "silent_device" => String::new(),
                _ => f.seq.unwrap().to_string(),
            };
            (f.rule_id.clone(), item, f.device_id.clone(), at)
        })
        .collect();
    let true_positives = truth.intersection(&found).count();
    let precision = true_positives as f64 / found.len().max(1) as f64;
    let recall = true_positives as f64 / truth.len().max(1) as f64;
    println!(
        "ground truth: {} labels, {} findings, {true_positives} matched: precision {:.1}%, recall {:.1}%",
        truth.len(),
        found.len(),
        precision * 100.0,
        recall * 100.0
    );
    let missed: Vec<_> = truth.difference(&found).collect();
    let unexplained: Vec<_> = found.difference(&truth).collect();
    assert!(missed.is_empty(), "missed: {missed:#?}");
    assert!(
        unexplained.is_empty(),
        "not in the ground truth: {unexplained:#?}"
    );
    assert_eq!(
        analysis.findings.len(),
        found.len(),
        "a finding was reported twice"
    );

    // Evidence gaps become verdicts.
    let verdict = |item: &str, device: &str| {
        analysis
            .verdicts
            .iter()
            .find(|v| v.item == item && v.device_id == device)
            .unwrap_or_else(|| panic!("no verdict for {item} on {device}"))
    };
    for label in labels.iter().filter(|l| l.signal == Signal::NoInventory) {
        let v = verdict("124", &label.device_id);
        assert_eq!(v.verdict, Verdict::InsufficientEvidence, "{v:?}");
        assert!(
            matches!(&v.reason, VerdictReason::MissingKinds { kinds } if kinds == &["inventory"])
        );
    }
    let silent: Vec<&str> = labels
        .iter()
        .filter(|l| l.signal == Signal::SilentDevice)
        .map(|l| l.device_id.as_str())
        .collect();
    assert!(!silent.is_empty());
    for device in &silent {
        let summary = analysis
            .devices
            .iter()
            .find(|d| &d.device_id == device)
            .unwrap();
        for v in analysis.verdicts.iter().filter(|v| &v.device_id == device) {
            let item = analysis.items.iter().find(|i| i.number == v.item).unwrap();
            if item.portable_only && !summary.portable {
                assert_eq!(v.verdict, Verdict::NotApplicable, "{v:?}");
            } else {
                assert_eq!(v.verdict, Verdict::InsufficientEvidence, "{v:?}");
            }
        }
    }

    // Every device with a labelled violation of an item fails that item;
    // a clean device (every tenth) passes or is not applicable.
    for label in labels
        .iter()
        .filter(|l| l.label_type == "finding" && l.item != "leak")
    {
        for item in label.item.split(',') {
            let v = verdict(item, &label.device_id);
            let expected = if label.signal == Signal::PersonalWebmail
                && !labels.iter().any(|o| {
                    o.device_id == label.device_id
                        && o.item == "120"
                        && o.signal != Signal::PersonalWebmail
                }) {
                Verdict::NeedsReview
            } else {
                Verdict::Fail
            };
            assert_eq!(v.verdict, expected, "{v:?} for {label:?}");
        }
    }
    for device in analysis
        .devices
        .iter()
        .filter(|d| !labels.iter().any(|l| l.device_id == d.device_id))
    {
        for v in analysis
            .verdicts
            .iter()
            .filter(|v| v.device_id == device.device_id)
        {
            let want = if analysis
                .items
                .iter()
                .any(|i| i.number == v.item && i.portable_only)
                && !device.portable
            {
                Verdict::NotApplicable
            } else {
                Verdict::Pass
            };
            assert_eq!(v.verdict, want, "{v:?}");
        }
    }
}
