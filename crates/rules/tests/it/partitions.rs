//! The partition contract (`docs/rules.md`): a rule's findings for a device
//! depend only on that device's events and the reference tables. Every
//! rule's fixture, and all fixtures together, give the same findings,
//! verdicts and device statistics with every device in one partition as
//! with each device alone; a rule that looks across devices is caught.

use std::collections::BTreeSet;
use std::path::PathBuf;

use worklog_polars::PolarsEngine;
use worklog_rules::{Analysis, Analyzer, EventSource, Progress, RulePack};
use worklog_schema::policy::Policy;

use crate::common::*;
use crate::fixtures::expected;

/// The analysis of `files`, and how many partitions it ran in.
fn run(
    pack: &RulePack,
    policy: &Policy,
    files: &[PathBuf],
    per_partition: Option<usize>,
) -> (Analysis, usize) {
    let engine = PolarsEngine::new();
    let mut builder = Analyzer::builder(pack, policy, &engine).period(october());
    if let Some(n) = per_partition {
        builder = builder.devices_per_partition(n);
    }
    let partitions = std::sync::Mutex::new(0);
    let analysis = builder
        .build()
        .unwrap()
        .analyze_with_progress(&EventSource::Files(files.to_vec()), &|p| {
            if let Progress::Planned { partitions: n, .. } = p {
                *partitions.lock().unwrap() = n;
            }
        })
        .unwrap();
    let n = *partitions.lock().unwrap();
    (analysis, n)
}

/// Fails with the first difference between two analyses.
pub fn assert_same(what: &str, one: &Analysis, many: &Analysis) {
    assert_eq!(one.findings, many.findings, "{what}: findings differ");
    assert_eq!(one.waived, many.waived, "{what}: waived findings differ");
    assert_eq!(one.verdicts, many.verdicts, "{what}: verdicts differ");
    assert_eq!(one.rollups, many.rollups, "{what}: rollups differ");
    assert_eq!(
        one.devices, many.devices,
        "{what}: device statistics differ"
    );
    assert_eq!(one.rules, many.rules, "{what}: rule runs differ");
    assert_eq!(one.log_checks, many.log_checks, "{what}: log checks differ");
    assert_eq!(one.problems, many.problems, "{what}: problems differ");
    assert_eq!(one, many, "{what}: analyses differ");
}

/// Every rule's fixture in one store, each fixture's devices renamed
/// apart (`F07-PC-0002`) with their inventory and approval rows, so that
/// fixtures cannot meet: the whole inventory for rules that read it, the
/// devices a fixture logs from otherwise. Returns the files, the policy and
/// each rule's device prefix.
pub fn isolated_fixtures(
    pack: &RulePack,
    policy: &Policy,
    dir: &std::path::Path,
) -> (Vec<PathBuf>, Policy, Vec<(String, String)>) {
    let mut combined = policy.clone();
    combined.devices.clear();
    combined.media_approvals.clear();
    let mut files = Vec::new();
    let mut prefixes = Vec::new();
    for (i, rule) in pack.rules.iter().enumerate() {
        let prefix = format!("F{i:02}-");
        let mut events = read_jsonl(&fixture_dir().join(format!("{}.jsonl", rule.id)));
        let logged: BTreeSet<String> = events.iter().map(|e| e.device_id.clone()).collect();
        let whole_inventory = rule
            .tables
            .iter()
            .any(|t| t == "devices" || t == "device_service");
        for d in &policy.devices {
            if whole_inventory || logged.contains(&d.device_id) {
                let mut d = d.clone();
                d.device_id = format!("{prefix}{}", d.device_id);
                combined.devices.push(d);
            }
        }
        for a in &policy.media_approvals {
            if logged.contains(&a.device_id) {
                let mut a = a.clone();
                a.device_id = format!("{prefix}{}", a.device_id);
                combined.media_approvals.push(a);
            }
        }
        for e in &mut events {
            e.device_id = format!("{prefix}{}", e.device_id);
        }
        let file = dir.join(format!("{}.parquet", rule.id));
        write_parquet(&file, &events);
        files.push(file);
        prefixes.push((rule.id.clone(), prefix));
    }
    (files, combined, prefixes)
}

#[test]
fn every_rule_finds_the_same_with_one_device_per_partition() {
    let pack = default_pack();
    let policy = load_policy(&fixture_dir().join("policy"));
    let tmp = tempfile::tempdir().unwrap();
    let (files, policy, prefixes) = isolated_fixtures(&pack, &policy, tmp.path());
    let (one, one_n) = run(&pack, &policy, &files, None);
    assert_eq!(one_n, 1, "the default budget holds every fixture");
    assert!(one.problems.is_empty(), "{:?}", one.problems);
    // Side by side, each rule still finds exactly its fixture's
    // expectations on its own devices.
    for (rule, prefix) in &prefixes {
        let found: BTreeSet<(String, Option<u64>)> = one
            .findings
            .iter()
            .chain(&one.waived)
            .filter(|f| &f.rule_id == rule)
            .filter_map(|f| Some((f.device_id.strip_prefix(prefix.as_str())?.to_owned(), f.seq)))
            .collect();
        assert_eq!(found, expected(rule), "{rule}, beside every other fixture");
    }
    let (alone, alone_n) = run(&pack, &policy, &files, Some(1));
    assert_eq!(alone_n, one.devices.len(), "one partition per device");
    assert!(alone_n > 40, "{alone_n} devices");
    assert_same("one device per partition", &one, &alone);
    let (fives, fives_n) = run(&pack, &policy, &files, Some(5));
    assert_eq!(fives_n, one.devices.len().div_ceil(5));
    assert_same("five devices per partition", &one, &fives);
}

/// The check above is only worth something if it catches a rule that
/// breaks the contract: here, a user seen on two devices, which no
/// partition of one device can see.
#[test]
fn a_rule_that_looks_across_devices_is_caught() {
    let rule = format!(
        r#"id = "shared_user"
items = ["120"]
severity = "review"
tables = []
{META}sql = """
WITH users AS (
    SELECT user_name FROM events GROUP BY user_name HAVING COUNT(DISTINCT device_id) > 1
)
SELECT DISTINCT e.device_id, e.user_name, 'signed in on more than one PC' AS detail
FROM events e JOIN users u ON e.user_name = u.user_name
"""
"#
    );
    let (_tmp, pack) = pack_with(&[("shared_user.toml", &rule)]);
    let policy = load_policy(&fixture_dir().join("policy"));
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("events.parquet");
    let mut events = read_jsonl(&fixture_dir().join("unapproved_sender_domain.jsonl"));
    let mut other = events.clone();
    for e in &mut other {
        e.device_id = "PC-0002".into();
    }
    events.extend(other);
    write_parquet(&file, &events);
    let (one, _) = run(&pack, &policy, std::slice::from_ref(&file), None);
    let (many, _) = run(&pack, &policy, std::slice::from_ref(&file), Some(1));
    let count = |a: &Analysis| {
        a.findings
            .iter()
            .filter(|f| f.rule_id == "shared_user")
            .count()
    };
    assert_eq!(count(&one), 2, "both devices, seen together");
    assert_eq!(count(&many), 0, "neither device, seen alone");
    assert_ne!(one.findings, many.findings);
}
