//! Every text the report code and the CLI ask the catalog for exists in
//! both languages: the keys written in the code (`m.get("…")`, `fill("…")`, the
//! template's `t.…`), and the families the code builds from its own enums
//! (severities, comparison changes, check states, headline states). A
//! missing text would print its key in the report.

use std::collections::BTreeSet;
use std::path::Path;

use worklog_model::Severity;
use worklog_report::messages_catalog;

/// Every string literal that opens the argument list after one of
/// `calls` (`m.get(  "key"`), when it is a key (snake_case).
fn keys_after(text: &str, calls: &[&str]) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    for call in calls {
        let mut rest = text;
        while let Some(at) = rest.find(call) {
            rest = &rest[at + call.len()..];
            let Some(quoted) = rest.trim_start().strip_prefix('"') else {
                continue;
            };
            let key: String = quoted.chars().take_while(|c| *c != '"').collect();
            if !key.is_empty()
                && key
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            {
                keys.insert(key);
            }
        }
    }
    keys
}

fn sources(dir: &Path, out: &mut String) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            *out += &std::fs::read_to_string(&path).unwrap();
        }
    }
}

#[test]
fn every_text_the_code_asks_for_is_in_both_languages() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut code = String::new();
    sources(&root.join("src"), &mut code);
    // The CLI prints its summaries from the same catalog.
    sources(&root.join("../cli/src"), &mut code);
    let mut wanted = keys_after(&code, &["m.get(", "fill("]);
    let template = std::fs::read_to_string(root.join("../../templates/report.html")).unwrap();
    let mut rest = template.as_str();
    while let Some(at) = rest.find("t.") {
        let before = rest[..at].chars().last();
        rest = &rest[at + 2..];
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        let key: String = rest
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
            .collect();
        if !key.is_empty() {
            wanted.insert(key);
        }
    }
    for severity in [
        Severity::Fail,
        Severity::Review,
        Severity::Signal,
        Severity::Gap,
    ] {
        wanted.insert(format!("severity_{}", severity.as_str()));
    }
    for key in [
        "change_new",
        "change_still_open",
        "change_fixed",
        "change_verdict",
        "status_ok",
        "status_problem",
        "status_review",
        "status_not_checked",
        "overall_integrity",
        "overall_fail",
        "overall_insufficient",
        "overall_ok",
        "overall_review",
        "yes",
        "no",
        "no_anomalies",
        "not_verified",
        "stamp",
        "stamp_text",
    ] {
        wanted.insert(key.to_owned());
    }
    assert!(wanted.len() > 80, "the scan found too few keys: {wanted:?}");
    let catalog = messages_catalog();
    for language in ["ja", "en"] {
        let texts = &catalog[language];
        let missing: Vec<&String> = wanted.iter().filter(|k| !texts.contains_key(*k)).collect();
        assert!(missing.is_empty(), "{language} lacks {missing:?}");
    }
}
