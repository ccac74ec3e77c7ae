//! The analysis the report crate's tests render (`crates/report/tests/
//! fixtures/analysis.json`), produced here by the real pipeline: a
//! simulated fleet analysed with the default pack on the polars engine.
//! The report crate does not compile polars, so it reads this file; this
//! test fails when the file is no longer what the pipeline produces
//! (`WORKLOG_UPDATE_FIXTURES=1 cargo test -p worklog report_fixture`
//! writes it anew).

use std::path::Path;

use worklog::rules::{Analysis, Analyzer, EventSource, Period, RulePack};
use worklog::synth::{Fleet, FleetConfig};

fn current_analysis() -> Analysis {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let fleet = Fleet::new(FleetConfig {
        devices: 30,
        days: 14,
        events_per_device_day: 120,
        ..FleetConfig::default()
    })
    .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for log in fleet.generate() {
        if log.events.is_empty() {
            continue;
        }
        let path = tmp.path().join(format!("{}.parquet", log.device_id));
        let batch = worklog::schema::events_to_batch(&log.events).unwrap();
        let file = std::fs::File::create(&path).unwrap();
        let mut w = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None).unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
        files.push(path);
    }
    let pack = RulePack::load(&repo.join("rules/default")).unwrap();
    let day = |s| Period::parse_day(s, "day").unwrap();
    let period = Period::new(day("2026-10-01"), day("2026-10-14"), "Asia/Tokyo").unwrap();
    let engine = worklog::polars_engine::PolarsEngine::new();
    // Event files are named relative to their folder: the manifest does
    // not depend on where the test put them.
    Analyzer::builder(&pack, fleet.policy(), &engine)
        .period(period)
        .build()
        .unwrap()
        .analyze(&EventSource::Files(files))
        .unwrap()
}

#[test]
fn the_report_fixture_is_the_current_analysis_of_its_fleet() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../report/tests/fixtures/analysis.json");
    let current = serde_json::to_string_pretty(&current_analysis()).unwrap() + "\n";
    if std::env::var_os("WORKLOG_UPDATE_FIXTURES").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &current).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == current,
        "{} is not the analysis the pipeline produces now: run `WORKLOG_UPDATE_FIXTURES=1 cargo test -p worklog report_fixture` and review the change",
        path.display()
    );
}
