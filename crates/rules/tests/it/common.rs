//! Shared helpers: paths, Parquet fixtures, a one-call analysis.

use std::path::{Path, PathBuf};

use worklog_rules::{Analysis, Analyzer, EventSource, Period, RulePack};
use worklog_schema::Event;
use worklog_schema::policy::Policy;

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn default_pack() -> RulePack {
    RulePack::load(&repo().join("rules/default")).unwrap()
}

pub fn fixture_dir() -> PathBuf {
    repo().join("rules/default/fixtures")
}

pub fn load_policy(dir: &Path) -> Policy {
    Policy::load(dir).unwrap_or_else(|problems| {
        panic!(
            "{}",
            problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    })
}

pub fn october() -> Period {
    let day = |s| Period::parse_day(s, "day").unwrap();
    Period::new(day("2026-10-01"), day("2026-10-31"), "Asia/Tokyo").unwrap()
}

/// Writes events to one plain Parquet file of the event schema.
pub fn write_parquet(path: &Path, events: &[Event]) {
    let batch = worklog_schema::events_to_batch(events).unwrap();
    let file = std::fs::File::create(path).unwrap();
    let mut writer = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
}

/// Reads a fixture's JSON Lines events.
pub fn read_jsonl(path: &Path) -> Vec<Event> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            let event: Event = serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("{} line {}: {e}", path.display(), i + 1));
            if let Err(e) = event.validate(None) {
                panic!("{} line {}: {e}", path.display(), i + 1);
            }
            event
        })
        .collect()
}

pub fn analyze_files(pack: &RulePack, policy: &Policy, files: Vec<PathBuf>) -> Analysis {
    Analyzer::builder(pack, policy, &worklog_polars::PolarsEngine)
        .period(october())
        .build()
        .unwrap()
        .analyze(&EventSource::Files(files))
        .unwrap()
}

/// The default pack plus `extra` rule files, in a temporary folder.
pub fn pack_with(extra: &[(&str, &str)]) -> (tempfile::TempDir, RulePack) {
    let tmp = tempfile::tempdir().unwrap();
    let src = repo().join("rules/default");
    std::fs::create_dir_all(tmp.path().join("rules")).unwrap();
    std::fs::copy(src.join("catalog.toml"), tmp.path().join("catalog.toml")).unwrap();
    for entry in std::fs::read_dir(src.join("rules")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(
            &path,
            tmp.path().join("rules").join(path.file_name().unwrap()),
        )
        .unwrap();
    }
    for (name, text) in extra {
        std::fs::write(tmp.path().join("rules").join(name), text).unwrap();
    }
    let pack = RulePack::load(tmp.path()).unwrap();
    (tmp, pack)
}

/// A rule file's required texts and kinds, for test rules.
pub const META: &str = r#"
title_ja = "t"
title_en = "t"
rationale_ja = "r"
rationale_en = "r"
remediation_ja = "m"
remediation_en = "m"
kinds = ["mail"]
requires_kinds = ["mail"]
"#;
