//! Integration tests of the reports: read back with independent readers
//! (calamine for Excel, headless Chromium for HTML), hostile values, both
//! languages.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod browser;
mod catalog_keys;
mod compare;
mod excel;
mod headline;
mod html;
mod print;
mod visible;

use std::path::Path;
use std::sync::OnceLock;

use worklog_model::{Analysis, Category, Finding, Severity};
use worklog_report::Generation;

/// Markup in a log value.
pub const HOSTILE_SCRIPT: &str = "<script>alert(1)</script>";
/// A spreadsheet formula in a log value.
pub const HOSTILE_FORMULA: &str = "=cmd|' /C calc'!A0";

/// A fixed generation, so that output can be compared byte for byte.
pub fn generation() -> Generation {
    Generation {
        pseudonymised_with: None,
        generated_at: "2026-11-01T00:00:00Z".into(),
        tool_version: "test".into(),
        stamp: None,
    }
}

/// The default pack's analysis of a small simulated fleet (written by the
/// `worklog` crate's `report_fixture` test, which runs the real pipeline),
/// plus one hostile finding.
pub fn analysis() -> &'static Analysis {
    static ANALYSIS: OnceLock<Analysis> = OnceLock::new();
    ANALYSIS.get_or_init(|| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/analysis.json");
        let text = std::fs::read_to_string(&path).unwrap();
        let mut analysis: Analysis = serde_json::from_str(&text).unwrap();
        let template = analysis
            .findings
            .iter()
            .find(|f| f.category == Category::Item && f.items == ["119"])
            .cloned()
            .unwrap();
        // On a device of its own, so that it heads its group.
        analysis.findings.push(Finding {
            device_id: "PC-HOSTILE".into(),
            department: HOSTILE_SCRIPT.into(),
            detail: format!("{HOSTILE_SCRIPT} window"),
            user_name: HOSTILE_FORMULA.into(),
            evidence: vec![("ssid".into(), format!("{HOSTILE_FORMULA}\u{7}\u{1b}[31m"))],
            severity: Severity::Fail,
            ..template
        });
        analysis
    })
}

/// Every value that comes from the logs, the policy or the inputs (names,
/// paths, products, hashes, …): text a Japanese report may show as it is.
pub fn log_values(analysis: &Analysis) -> Vec<String> {
    let mut values: Vec<String> = vec![analysis.organisation.clone()];
    for f in analysis.findings.iter().chain(&analysis.waived) {
        values.extend([
            f.device_id.clone(),
            f.user_name.clone(),
            f.department.clone(),
            f.detail.clone(),
        ]);
        values.extend(f.evidence.iter().map(|(_, v)| v.clone()));
        if let Some(w) = &f.waived_by {
            values.extend([w.reason.clone(), w.approver.clone()]);
        }
    }
    for d in &analysis.devices {
        values.extend([d.device_id.clone(), d.department.clone(), d.owner.clone()]);
    }
    values.extend(analysis.rules.iter().map(|r| r.id.clone()));
    // Settings of policy.toml, by the name the agency writes there.
    values.extend(analysis.manifest.parameters.keys().cloned());
    values.extend(analysis.manifest.parameters.values().cloned());
    values.extend(
        analysis
            .problems
            .iter()
            .flat_map(|p| [p.file.clone(), p.reason.clone()]),
    );
    values.retain(|v| v.len() > 1);
    // Longest first, so that a value containing another goes whole.
    values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    values.dedup();
    values
}

/// Runs of three or more ASCII words, and snake_case identifiers
/// (`media_class`, `mass_storage`), left in `text` once every log value is
/// taken out: English or code where the report should be Japanese.
pub fn english_runs(text: &str, values: &[String]) -> Vec<String> {
    let mut rest = text.to_owned();
    for v in values {
        if rest.contains(v.as_str()) {
            rest = rest.replace(v.as_str(), " ");
        }
    }
    let mut runs = Vec::new();
    let mut words: Vec<&str> = Vec::new();
    let flush = |words: &mut Vec<&str>, runs: &mut Vec<String>| {
        if words.len() >= 3 {
            runs.push(words.join(" "));
        }
        words.clear();
    };
    for word in rest.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
        let parts: Vec<&str> = word.split('_').collect();
        if parts.len() > 1
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        {
            runs.push(word.to_owned());
        }
    }
    for token in
        rest.split(|c: char| !(c.is_ascii_alphabetic() || c == ' ' || c == '\'' || c == '-'))
    {
        for word in token.split(' ') {
            if word.len() >= 2 && word.chars().any(|c| c.is_ascii_lowercase()) {
                words.push(word);
            } else if !word.is_empty() {
                flush(&mut words, &mut runs);
            }
        }
        flush(&mut words, &mut runs);
    }
    runs
}
