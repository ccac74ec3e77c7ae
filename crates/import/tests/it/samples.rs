//! Every sample file of `../shared/evtx/`: what was read, mapped, not
//! mapped and not parsed, against the reference parsers' counts. CI has
//! the folder; a missing folder fails unless WORKLOG_SKIP_EVTX_SAMPLES=1
//! (which CI does not set).

use std::collections::BTreeMap;
use std::path::PathBuf;

use worklog_import::{ImportOptions, read_evtx};

pub fn samples() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/evtx");
    if dir.is_dir() {
        return Some(dir);
    }
    let skip = std::env::var("WORKLOG_SKIP_EVTX_SAMPLES").is_ok_and(|v| v == "1");
    assert!(
        skip,
        "{} is missing (set WORKLOG_SKIP_EVTX_SAMPLES=1 to skip on purpose)",
        dir.display()
    );
    eprintln!("skipped: no {}", dir.display());
    None
}

/// `{file: (records, {"channel | provider | id": count})}` of a counts file.
fn reference(dir: &std::path::Path, name: &str) -> BTreeMap<String, (u64, BTreeMap<String, u64>)> {
    let text = std::fs::read_to_string(dir.join(name)).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    value
        .as_object()
        .unwrap()
        .iter()
        .map(|(file, v)| {
            let events = v["events"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, n)| (k.clone(), n.as_u64().unwrap()))
                .collect();
            (file.clone(), (v["records"].as_u64().unwrap(), events))
        })
        .collect()
}

#[test]
fn every_sample_is_read_and_every_record_accounted_for() {
    let Some(dir) = samples() else { return };
    let crate_counts = reference(&dir, "counts-evtx-crate.json");
    let python_counts = reference(&dir, "counts-python-evtx.json");
    let options = ImportOptions::default();
    let damaged = [
        "sample_with_a_bad_chunk_magic.evtx",
        "sample-with-zero-data-size-event.evtx",
    ];
    for (file, (records, per_key)) in &crate_counts {
        let read = read_evtx(&dir.join(file), &options);
        assert!(!read.unreadable, "{file}: {:?}", read.unparsed);
        // Every record read is mapped or counted as not mapped.
        assert_eq!(
            read.mapped_total() + read.not_mapped_total(),
            read.records,
            "{file}"
        );
        assert_eq!(read.events.len() as u64, read.mapped_total(), "{file}");
        if damaged.contains(&file.as_str()) {
            // The reference parsers stop early on these (13 and 2 records
            // through the Rust binding, 270 and 335 in python-evtx); this
            // importer reads past the damage and says what it skipped.
            let python = python_counts[file].0;
            assert!(
                read.records >= python,
                "{file}: {} < {python}",
                read.records
            );
            assert!(!read.unparsed.is_empty(), "{file}: the damage is reported");
            continue;
        }
        assert_eq!(read.records, *records, "{file}: records read");
        // Chunks that are neither a chunk nor unused (zeros) cannot be
        // parsed: each is reported, nothing else is.
        assert_eq!(
            read.unparsed.len(),
            garbage_chunks(&dir.join(file)),
            "{file}: {:?}",
            read.unparsed
        );
        // Per channel | provider | event id, the same counts as the
        // reference: mapped and not mapped together.
        let mut ours: BTreeMap<String, u64> = BTreeMap::new();
        for (key, n) in &read.not_mapped {
            let key = key.split(" — ").next().unwrap().to_owned();
            *ours.entry(key).or_default() += n;
        }
        // Records whose event id the table does not map are all counted,
        // key by key, as not mapped; mapped keys at most as often.
        let table: Vec<String> = worklog_import::mapping::RULES
            .iter()
            .flat_map(|r| {
                r.ids
                    .iter()
                    .map(move |id| format!("{} | {} | {id}", r.channel, r.provider))
            })
            .collect();
        for (key, n) in per_key {
            let not_mapped = ours.get(key).copied().unwrap_or(0);
            if table.contains(key) {
                assert!(not_mapped <= *n, "{file}: {key}");
            } else {
                assert_eq!(not_mapped, *n, "{file}: {key} not mapped");
            }
        }
        assert!(
            ours.keys().all(|k| per_key.contains_key(k)),
            "{file}: a key the reference does not have"
        );
    }
}

/// Chunks of a file (after its 4 KiB header) that neither start with the
/// chunk signature nor are all zeros (unused): found here by looking at
/// the bytes, independently of any parser.
fn garbage_chunks(path: &std::path::Path) -> usize {
    let bytes = std::fs::read(path).unwrap();
    bytes
        .get(4096..)
        .unwrap_or_default()
        .chunks_exact(65536)
        .filter(|c| !c.starts_with(b"ElfChnk\0") && c.iter().any(|b| *b != 0))
        .count()
}

#[test]
fn the_samples_map_sessions_processes_boots_and_devices() {
    let Some(dir) = samples() else { return };
    let options = ImportOptions::default();
    let security = read_evtx(&dir.join("security.evtx"), &options);
    // 4624 with interactive logon types only: fewer sessions than 4624s.
    let logons = security.mapped.get("session logon").copied().unwrap_or(0);
    assert!(
        logons > 0 && logons < 583,
        "{logons} of 583 logons are interactive"
    );
    assert!(
        security
            .not_mapped
            .keys()
            .any(|k| k.contains("| 4624 — logon type 5")),
        "{:?}",
        security.not_mapped.keys().collect::<Vec<_>>()
    );
    let sysmon = read_evtx(&dir.join("sysmon.evtx"), &options);
    assert!(sysmon.mapped.get("app start").copied().unwrap_or(0) > 0);
    let system = read_evtx(&dir.join("2-vss_7-System.evtx"), &options);
    assert!(system.mapped.get("agent start").copied().unwrap_or(0) > 0);
    // Every event carries its source and the channel's record number, and
    // validates against the schema.
    for file in [&security, &sysmon, &system] {
        for event in &file.events {
            assert!(
                event
                    .source
                    .as_deref()
                    .is_some_and(|s| s.starts_with("evtx:"))
            );
            assert!(event.source_record_id.is_some());
            let mut numbered = event.clone();
            numbered.seq = 1;
            numbered
                .validate(None)
                .unwrap_or_else(|e| panic!("{}: {e}: {event:?}", file.file));
        }
    }
}

#[test]
fn a_file_that_is_not_evtx_is_one_problem() {
    let tmp = std::env::temp_dir().join(format!("worklog-not-evtx-{}", std::process::id()));
    std::fs::write(&tmp, b"ElfFile\0 but not really").unwrap();
    let read = read_evtx(&tmp, &ImportOptions::default());
    let _ = std::fs::remove_file(&tmp);
    assert!(read.unreadable);
    assert_eq!(read.records, 0);
    assert_eq!(read.unparsed.len(), 1, "{:?}", read.unparsed);
}
