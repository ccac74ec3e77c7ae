//! Results do not depend on how the analysis is partitioned or on the
//! number of threads: the same store audited with every device in one
//! partition and with one device per partition (`--memory 1`), at 1 and 2
//! threads, gives byte-identical findings, verdicts and reports (apart
//! from the generation time).

use std::path::Path;
use std::process::Command;

use crate::{demo, text};

/// Audits the demo store into `out` with `memory` and `threads`; returns
/// stderr.
fn audit(demo: &Path, out: &Path, memory: &str, threads: &str) -> String {
    let path = |name: &str| demo.join(name).to_str().unwrap().to_owned();
    let run = Command::new(env!("CARGO_BIN_EXE_worklog"))
        .args([
            "audit",
            "--store",
            &path("store"),
            "--keys",
            &path("keys"),
            "--anchors",
            &path("anchors.jsonl"),
            "--policy",
            &path("policy"),
            "--from",
            "2026-10-01",
            "--to",
            "2026-10-07",
            "--out",
            out.to_str().unwrap(),
            "--memory",
            memory,
            "--quiet",
        ])
        .env("POLARS_MAX_THREADS", threads)
        .env("RAYON_NUM_THREADS", threads)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    text(&run.stderr)
}

/// The outputs that must not change, as bytes; the reports' generation
/// time taken out.
fn outputs(out: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for name in [
        "analysis/analysis.json",
        "analysis/findings.parquet",
        "analysis/verdicts.parquet",
        "report/findings.csv",
    ] {
        files.push((name.to_owned(), std::fs::read(out.join(name)).unwrap()));
    }
    let mut report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report/report.json")).unwrap()).unwrap();
    let generation = report
        .pointer_mut("/generation")
        .expect("report.json has its generation");
    assert!(generation.get("generated_at").is_some());
    *generation = serde_json::Value::Null;
    files.push((
        "report/report.json".into(),
        serde_json::to_vec(&report).unwrap(),
    ));
    files
}

#[test]
fn one_partition_or_one_device_each_at_one_or_two_threads_gives_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("demo");
    let made = demo(&store);
    assert_eq!(made.status.code(), Some(0), "{}", text(&made.stderr));
    let mut runs = Vec::new();
    for (memory, threads) in [("2GiB", "1"), ("1", "1"), ("2GiB", "2"), ("1", "2")] {
        let out = dir.path().join(format!("audit-{memory}-{threads}"));
        let stderr = audit(&store, &out, memory, threads);
        let alone = stderr.matches("is analysed alone").count();
        if memory == "1" {
            // Every device that logged is its own partition, above a
            // one-byte budget, and says so.
            assert!(alone >= 6, "{stderr}");
        } else {
            assert_eq!(alone, 0, "{stderr}");
        }
        runs.push(((memory, threads), outputs(&out)));
    }
    let (first, expected) = &runs[0];
    for (run, files) in &runs[1..] {
        for ((name, want), (_, got)) in expected.iter().zip(files) {
            assert!(
                want == got,
                "{name} differs between {first:?} and {run:?} (memory, threads)"
            );
        }
    }
}
