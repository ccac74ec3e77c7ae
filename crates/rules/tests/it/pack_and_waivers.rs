//! A broken rule file is reported with its file and line and the other
//! rules still run; waivers set findings apart until they expire.

use worklog_rules::parse_waivers;

use crate::common::*;

#[test]
fn bad_rules_are_reported_with_file_and_line_and_the_rest_still_run() {
    let unknown_column = format!(
        "id = \"bad_column\"\nitems = [\"120\"]\nseverity = \"fail\"\ntables = []\n{META}sql = \"\"\"\nSELECT device_id, seq,\n       'x' AS detail\nFROM events\nWHERE no_such_column = 1\n\"\"\"\n"
    );
    let unknown_table = format!(
        "id = \"bad_table\"\nitems = [\"120\"]\nseverity = \"fail\"\ntables = []\n{META}sql = \"\"\"\nSELECT device_id, 'x' AS detail FROM mail_log\n\"\"\"\n"
    );
    let undeclared = format!(
        "id = \"undeclared\"\nitems = [\"120\"]\nseverity = \"fail\"\ntables = []\n{META}sql = \"\"\"\nSELECT e.device_id, 'x' AS detail FROM events e JOIN mail_domains m ON e.sender_address = m.domain\n\"\"\"\n"
    );
    let no_detail = format!(
        "id = \"no_detail\"\nitems = [\"120\"]\nseverity = \"fail\"\ntables = []\n{META}sql = \"SELECT device_id FROM events\"\n"
    );
    let bad_param = format!(
        "id = \"bad_param\"\nitems = [\"120\"]\nseverity = \"fail\"\ntables = []\n{META}sql = \"\"\"\nSELECT device_id, 'x' AS detail\nFROM events WHERE seq > ${{no_such_setting}}\n\"\"\"\n"
    );
    // An item rule must say which events show the control was watched.
    let no_evidence = format!(
        "id = \"no_evidence\"\nitems = [\"120\"]\nseverity = \"fail\"\ntables = []\n{}sql = \"SELECT device_id, 'x' AS detail FROM events\"\n",
        META.replace("requires_kinds = [\"mail\"]", "requires_kinds = []")
    );
    let (_tmp, pack) = pack_with(&[
        ("bad_column.toml", &unknown_column),
        ("bad_table.toml", &unknown_table),
        ("undeclared.toml", &undeclared),
        ("no_detail.toml", &no_detail),
        ("bad_param.toml", &bad_param),
        ("no_evidence.toml", &no_evidence),
        (
            "bad_severity.toml",
            "id = \"bad_severity\"\nitems = [\"120\"]\nseverity = \"fatal\"\n",
        ),
        (
            "misnamed.toml",
            &format!(
                "id = \"other\"\nitems = [\"120\"]\nseverity = \"fail\"\ntables = []\n{META}sql = \"SELECT device_id, 'x' AS detail FROM events\"\n"
            ),
        ),
        (
            "unknown_item.toml",
            &format!(
                "id = \"unknown_item\"\nitems = [\"999\"]\nseverity = \"fail\"\ntables = []\n{META}sql = \"SELECT device_id, 'x' AS detail FROM events\"\n"
            ),
        ),
    ]);
    let policy = load_policy(&fixture_dir().join("policy"));
    let events = read_jsonl(&fixture_dir().join("unapproved_sender_domain.jsonl"));
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("events.parquet");
    write_parquet(&file, &events);
    let analysis = analyze_files(&pack, &policy, vec![file]);
    let report: Vec<String> = analysis
        .problems
        .iter()
        .map(|p| {
            let name = std::path::Path::new(&p.file)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            format!(
                "{} {name}:{}: {}",
                p.source,
                p.line.map_or("-".into(), |l| l.to_string()),
                p.reason
            )
        })
        .collect();
    insta::assert_snapshot!(report.join("\n"));
    // The good rules still ran and found what they should.
    assert_eq!(
        analysis
            .findings
            .iter()
            .filter(|f| f.rule_id == "unapproved_sender_domain")
            .count(),
        3
    );
    let rule = analysis
        .rules
        .iter()
        .find(|r| r.id == "bad_column")
        .unwrap();
    assert!(!rule.ran);
}

#[test]
fn waivers_set_findings_apart_until_they_expire() {
    let pack = default_pack();
    let policy = load_policy(&fixture_dir().join("policy"));
    let mut events = read_jsonl(&fixture_dir().join("unapproved_sender_domain.jsonl"));
    // Item 120 also needs web evidence: one harmless visit the same day.
    let visit: worklog_schema::Event = serde_json::from_str(
        r#"{"seq":5,"ts":"2026-10-06T02:00:00Z","utc_offset_min":540,"device_id":"PC-0001","user_name":"user001","kind":"web","op":"visit","url":"https://intra.example-agency.co.jp/","web_domain":"intra.example-agency.co.jp"}"#,
    )
    .unwrap();
    events.push(visit);
    // One day: the evidence spans the whole period.
    let day = worklog_rules::Period::parse_day("2026-10-06", "day").unwrap();
    let period = worklog_rules::Period::new(day, day, "Asia/Tokyo").unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("events.parquet");
    write_parquet(&file, &events);
    let known: Vec<&str> = pack.rules.iter().map(|r| r.id.as_str()).collect();
    let text = "rule_id,device_id,user_name,reason,approver,expires\n\
        unapproved_sender_domain,PC-0001,,group mail migration,compliance-head,2026-10-06\n\
        unapproved_sender_domain,PC-0001,,expired before the finding,compliance-head,2026-10-05\n\
        no_such_rule,,,x,y,2026-12-31\n\
        unapproved_sender_domain,,,,,2026-12-31\n\
        unapproved_sender_domain,,,x,y,someday\n";
    let (waivers, problems) = parse_waivers(text, "waivers.csv", &known);
    assert_eq!(waivers.len(), 2);
    let lines: Vec<(Option<usize>, &str)> = problems
        .iter()
        .map(|p| (p.line, p.reason.as_str()))
        .collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert_eq!(lines[0].0, Some(4));
    assert!(lines[0].1.contains("`rule_id`"), "{lines:?}");
    assert!(lines[1].1.contains("`reason` and `approver`"), "{lines:?}");
    assert!(lines[2].1.contains("`expires`"), "{lines:?}");

    let analyze = |waivers: Vec<worklog_rules::Waiver>| {
        worklog_rules::Analyzer::builder(&pack, &policy, &worklog_polars::PolarsEngine)
            .period(period.clone())
            .waivers(waivers)
            .build()
            .unwrap()
            .analyze(&worklog_rules::EventSource::Files(vec![file.clone()]))
            .unwrap()
    };
    let waived = analyze(waivers.clone());
    // The three findings fall on 2026-10-06 local: the first waiver covers
    // them.
    assert_eq!(waived.waived.len(), 3);
    assert!(
        waived
            .findings
            .iter()
            .all(|f| f.rule_id != "unapproved_sender_domain")
    );
    assert_eq!(waived.waived[0].waived_by.as_ref().unwrap().line, 2);
    let v = waived
        .verdicts
        .iter()
        .find(|v| v.item == "120" && v.device_id == "PC-0001")
        .unwrap();
    assert_eq!(v.verdict, worklog_rules::Verdict::Pass);
    assert_eq!(v.waived, 3);
    // Only the expired waiver: it no longer applies.
    let expired = analyze(waivers.into_iter().filter(|w| w.line == 3).collect());
    assert!(expired.waived.is_empty());
    let v = expired
        .verdicts
        .iter()
        .find(|v| v.item == "120" && v.device_id == "PC-0001")
        .unwrap();
    assert_eq!(v.verdict, worklog_rules::Verdict::Fail);
}

#[test]
fn the_default_pack_checks_clean_against_the_schema() {
    let pack = default_pack();
    let policy = load_policy(&repo().join("samples/policy"));
    let analyzer = worklog_rules::Analyzer::builder(&pack, &policy, &worklog_polars::PolarsEngine)
        .period(october())
        .build()
        .unwrap();
    assert_eq!(analyzer.check().unwrap(), Vec::new());
    // And the check catches a broken rule before any data is read.
    let (_tmp, broken) = pack_with(&[(
        "broken.toml",
        &format!(
            "id = \"broken\"\nitems = [\"120\"]\nseverity = \"fail\"\ntables = []\n{META}sql = \"SELECT device_id, 'x' AS detail FROM events WHERE nope = 1\"\n"
        ),
    )]);
    let analyzer =
        worklog_rules::Analyzer::builder(&broken, &policy, &worklog_polars::PolarsEngine)
            .period(october())
            .build()
            .unwrap();
    let problems = analyzer.check().unwrap();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].file.ends_with("broken.toml"));
}

/// Only the event columns the pack names are read into memory, unless a
/// rule selects `*`: then it sees every column, as in any SQL engine.
#[test]
fn a_rule_selecting_star_sees_every_event_column() {
    let star = format!(
        "id = \"every_column\"\nitems = [\"120\"]\nseverity = \"review\"\ntables = []\n{META}sql = \"SELECT * FROM events WHERE kind = 'mail'\"\n"
    );
    let (_tmp, pack) = pack_with(&[("every_column.toml", &star)]);
    let policy = load_policy(&fixture_dir().join("policy"));
    let events = read_jsonl(&fixture_dir().join("unapproved_sender_domain.jsonl"));
    let mails = events
        .iter()
        .filter(|e| e.kind == worklog_schema::EventKind::Mail)
        .count();
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("events.parquet");
    write_parquet(&file, &events);
    let analysis = analyze_files(&pack, &policy, vec![file]);
    assert!(analysis.problems.is_empty(), "{:?}", analysis.problems);
    let found: Vec<_> = analysis
        .findings
        .iter()
        .filter(|f| f.rule_id == "every_column")
        .collect();
    assert_eq!(found.len(), mails);
    // No default rule names `window_title` or `file_sha256`; `*` still
    // brings them (and every other column) as evidence.
    for name in [
        "window_title",
        "file_sha256",
        "mail_client",
        "sender_address",
    ] {
        assert!(
            found[0].evidence.iter().any(|(column, _)| column == name),
            "no `{name}` in {:?}",
            found[0].evidence
        );
    }
}
