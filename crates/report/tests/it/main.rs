//! Integration tests of the reports: read back with independent readers
//! (calamine for Excel, headless Chromium for HTML), hostile values, both
//! languages.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod browser;
mod excel;
mod html;

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
        generated_at: "2026-11-01T00:00:00Z".into(),
        tool_version: "test".into(),
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
        analysis.findings.push(Finding {
            detail: format!("{HOSTILE_SCRIPT} window"),
            user_name: HOSTILE_FORMULA.into(),
            evidence: vec![("ssid".into(), format!("{HOSTILE_FORMULA}\u{7}\u{1b}[31m"))],
            severity: Severity::Fail,
            ..template
        });
        analysis
    })
}
