//! Integration tests of the reports: read back with independent readers
//! (calamine for Excel, headless Chromium for HTML), hostile values, both
//! languages.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod browser;
mod excel;
mod html;

use std::path::Path;
use std::sync::OnceLock;

use worklog_report::Generation;
use worklog_rules::{
    Analysis, Analyzer, Category, EventSource, Finding, Period, RulePack, Severity,
};
use worklog_synth::{Fleet, FleetConfig};

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

/// The default pack over a small simulated fleet, plus one hostile finding.
pub fn analysis() -> &'static Analysis {
    static ANALYSIS: OnceLock<Analysis> = OnceLock::new();
    ANALYSIS.get_or_init(|| {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let config = FleetConfig {
            devices: 30,
            days: 14,
            events_per_device_day: 120,
            ..FleetConfig::default()
        };
        let fleet = Fleet::new(config).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let mut files = Vec::new();
        for log in fleet.generate() {
            if log.events.is_empty() {
                continue;
            }
            let path = tmp.path().join(format!("{}.parquet", log.device_id));
            let batch = worklog_schema::events_to_batch(&log.events).unwrap();
            let file = std::fs::File::create(&path).unwrap();
            let mut w = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None).unwrap();
            w.write(&batch).unwrap();
            w.close().unwrap();
            files.push(path);
        }
        let pack = RulePack::load(&repo.join("rules/default")).unwrap();
        let day = |s| Period::parse_day(s, "day").unwrap();
        let period = Period::new(day("2026-10-01"), day("2026-10-14"), "Asia/Tokyo").unwrap();
        let mut analysis = Analyzer::builder(&pack, fleet.policy())
            .period(period)
            .build()
            .unwrap()
            .analyze(&EventSource::Files(files))
            .unwrap();
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
