//! One fixture and one expected result per rule (`rules/default/fixtures`):
//! each rule, run alone over its fixture, finds exactly the expected
//! events, no more and no fewer.

use std::collections::BTreeSet;

use crate::common::*;

/// The `device_id,seq` pairs a rule must find in its fixture.
pub fn expected(rule: &str) -> BTreeSet<(String, Option<u64>)> {
    let path = fixture_dir().join(format!("{rule}.expected"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("rule {rule} has no expected result {}: {e}", path.display()));
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let (device, seq) = l.split_once(',').unwrap();
            (device.to_owned(), seq.trim().parse().ok())
        })
        .collect()
}

#[test]
fn every_rule_finds_exactly_its_fixture_expectations() {
    let pack = default_pack();
    assert!(pack.problems.is_empty(), "{:?}", pack.problems);
    let policy = load_policy(&fixture_dir().join("policy"));
    let tmp = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for rule in &pack.rules {
        let events = read_jsonl(&fixture_dir().join(format!("{}.jsonl", rule.id)));
        let file = tmp.path().join(format!("{}.parquet", rule.id));
        write_parquet(&file, &events);
        let analysis = analyze_files(&pack, &policy, vec![file]);
        assert!(
            analysis.problems.is_empty(),
            "{}: {:?}",
            rule.id,
            analysis.problems
        );
        let found: BTreeSet<(String, Option<u64>)> = analysis
            .findings
            .iter()
            .filter(|f| f.rule_id == rule.id)
            .map(|f| (f.device_id.clone(), f.seq))
            .collect();
        // Every finding says what happened in words of the rule file, in
        // both languages: its detail is a code the rule declares.
        for f in analysis.findings.iter().filter(|f| f.rule_id == rule.id) {
            for (column, _) in &f.evidence {
                if worklog_model::label("column", column, worklog_model::Language::Ja).is_none() {
                    failures.push(format!(
                        "{}: evidence column {column:?} has no label in templates/labels.toml",
                        rule.id
                    ));
                }
            }
            if !rule.details.contains_key(&f.detail) {
                failures.push(format!(
                    "{}: detail {:?} is not a code of its [details] table",
                    rule.id, f.detail
                ));
            }
        }
        let want = expected(&rule.id);
        if found != want {
            failures.push(format!("{}: found {found:?}, expected {want:?}", rule.id));
        }
        // A fixture also proves something: it holds at least one finding.
        assert!(
            !want.is_empty(),
            "{}: the expected result is empty",
            rule.id
        );
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn every_fixture_belongs_to_a_rule() {
    let pack = default_pack();
    for entry in std::fs::read_dir(fixture_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path
            .extension()
            .is_some_and(|e| e == "jsonl" || e == "expected")
        {
            let stem = path.file_stem().unwrap().to_str().unwrap();
            assert!(pack.rule(stem).is_some(), "{} has no rule", path.display());
        }
    }
}
