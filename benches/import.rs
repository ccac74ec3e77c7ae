//! The EVTX importer on the real samples of `../shared/evtx/`: records per
//! second of the whole import of a file (parse, map, account), against the
//! `evtx` parser alone rendering the same records to JSON, in the same run.
//!
//! `cargo bench -p worklog-benches --bench import` (`WORKLOG_BENCH_ROUNDS`
//! repeats the samples, default 20).

use std::hint::black_box;
use std::path::PathBuf;

use worklog_benches::{best_of, env_or, peak_rss_mib};
use worklog_import::{ImportOptions, read_evtx};

fn main() {
    let quick = !std::env::args().any(|a| a == "--bench");
    let rounds = env_or("WORKLOG_BENCH_ROUNDS", if quick { 1 } else { 20 }) as usize;
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/evtx");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "evtx"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    if files.is_empty() {
        eprintln!("import bench: no samples in {}", dir.display());
        return;
    }
    let bytes: u64 = files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    let runs = if quick { 1 } else { 3 };
    let (parser, parsed) = best_of(runs, || {
        let mut records = 0u64;
        for _ in 0..rounds {
            for file in &files {
                if let Ok(mut parser) = evtx::EvtxParser::from_path(file) {
                    for record in parser.records_json_value().flatten() {
                        black_box(&record.data);
                        records += 1;
                    }
                }
            }
        }
        records
    });
    let options = ImportOptions::default();
    let (import, (records, events)) = best_of(runs, || {
        let (mut records, mut events) = (0u64, 0u64);
        for _ in 0..rounds {
            for file in &files {
                let read = read_evtx(file, &options);
                records += read.records;
                events += read.mapped_total();
                black_box(&read.events);
            }
        }
        (records, events)
    });
    let per_sec = |n: u64, t: std::time::Duration| n as f64 / t.as_secs_f64();
    println!(
        "import bench: {} files, {:.1} MB, × {rounds} rounds, 1 thread",
        files.len(),
        bytes as f64 / 1e6
    );
    println!(
        "  evtx parser to JSON alone : {:>9.0} records/s ({parsed} records, {:.2} s)",
        per_sec(parsed, parser),
        parser.as_secs_f64()
    );
    println!(
        "  import (parse, map, count): {:>9.0} records/s ({records} records, {events} events, {:.2} s)",
        per_sec(records, import),
        import.as_secs_f64()
    );
    println!(
        "  ratio import / parser alone: {:.2}; peak RSS {:.0} MiB",
        per_sec(records, import) / per_sec(parsed, parser),
        peak_rss_mib()
    );
}
