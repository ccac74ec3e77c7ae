//! `worklog analyze --engine spark`: the demo store analysed in Spark
//! (local mode) gives the same findings and verdicts, byte for byte, as
//! the polars engine, and `worklog report` renders them.
//!
//! Spark must be installed (`pip install pyspark==4.3.0 pyarrow`, Java 17).
//! Without it this test says so and passes, unless `WORKLOG_REQUIRE_SPARK`
//! is set, as CI sets it: there a missing Spark fails it.

use std::path::Path;

use crate::{demo, text, worklog};

fn analyze(demo: &Path, out: &Path, engine: &[&str]) -> std::process::Output {
    let path = |name: &str| demo.join(name).to_str().unwrap().to_owned();
    let mut args = vec![
        "analyze".to_owned(),
        "--store".into(),
        path("store"),
        "--policy".into(),
        path("policy"),
        "--from".into(),
        "2026-10-01".into(),
        "--to".into(),
        "2026-10-07".into(),
        "--out".into(),
        out.to_str().unwrap().into(),
        "--quiet".into(),
    ];
    args.extend(engine.iter().map(|s| (*s).to_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    worklog(&args)
}

fn spark_is_there() -> bool {
    let found = std::process::Command::new("spark-submit")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found && std::env::var_os("WORKLOG_REQUIRE_SPARK").is_some() {
        panic!("Spark is required (WORKLOG_REQUIRE_SPARK) but `spark-submit --version` failed");
    }
    if !found {
        eprintln!("SKIPPED: no spark-submit; set WORKLOG_REQUIRE_SPARK to fail");
    }
    found
}

#[test]
fn analyze_with_spark_writes_the_polars_findings_and_verdicts_and_report_renders_them() {
    if !spark_is_there() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("demo");
    let made = demo(&store);
    assert_eq!(made.status.code(), Some(0), "{}", text(&made.stderr));

    let polars_out = dir.path().join("polars");
    let spark_out = dir.path().join("spark");
    let polars = analyze(&store, &polars_out, &[]);
    assert_eq!(polars.status.code(), Some(0), "{}", text(&polars.stderr));
    let spark = analyze(
        &store,
        &spark_out,
        &[
            "--engine",
            "spark",
            "--spark-master",
            "local[2]",
            "--spark-conf",
            "spark.sql.shuffle.partitions=4",
        ],
    );
    assert_eq!(spark.status.code(), Some(0), "{}", text(&spark.stderr));
    assert_eq!(
        text(&polars.stdout),
        text(&spark.stdout).replace(
            &spark_out.display().to_string(),
            &polars_out.display().to_string(),
        )
    );
    for name in ["analysis.json", "findings.parquet", "verdicts.parquet"] {
        let want = std::fs::read(polars_out.join(name)).unwrap();
        let got = std::fs::read(spark_out.join(name)).unwrap();
        assert!(want == got, "{name} differs between polars and Spark");
    }
    let analysis: serde_json::Value =
        serde_json::from_slice(&std::fs::read(spark_out.join("analysis.json")).unwrap()).unwrap();
    let findings = analysis["findings"].as_array().unwrap().len();
    assert!(findings > 20, "{findings} findings");

    let report_out = dir.path().join("report");
    let report = worklog(&[
        "report",
        "--analysis",
        spark_out.to_str().unwrap(),
        "--out",
        report_out.to_str().unwrap(),
    ]);
    assert_eq!(report.status.code(), Some(0), "{}", text(&report.stderr));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(report_out.join("report.json")).unwrap()).unwrap();
    assert_eq!(
        json["analysis"]["findings"].as_array().map(Vec::len),
        Some(findings)
    );
    for file in ["report.xlsx", "report.html", "findings.csv"] {
        assert!(
            std::fs::metadata(report_out.join(file)).unwrap().len() > 1000,
            "{file}"
        );
    }
}

#[test]
fn spark_options_without_the_spark_engine_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let run = worklog(&[
        "analyze",
        "--store",
        dir.path().to_str().unwrap(),
        "--policy",
        dir.path().to_str().unwrap(),
        "--from",
        "2026-10-01",
        "--to",
        "2026-10-07",
        "--spark-master",
        "yarn",
        "--out",
        dir.path().join("out").to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(2));
    assert!(
        text(&run.stderr).contains("--engine spark"),
        "{}",
        text(&run.stderr)
    );
    // A Spark that cannot start fails the job, naming the command.
    let policy = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples/policy");
    let broken = worklog(&[
        "analyze",
        "--store",
        dir.path().to_str().unwrap(),
        "--policy",
        policy.to_str().unwrap(),
        "--from",
        "2026-10-01",
        "--to",
        "2026-10-07",
        "--engine",
        "spark",
        "--spark-submit",
        "/nonexistent/spark-submit",
        "--out",
        dir.path().join("out").to_str().unwrap(),
    ]);
    assert_eq!(broken.status.code(), Some(2));
    let stderr = text(&broken.stderr);
    assert!(
        stderr.contains("cannot start \"/nonexistent/spark-submit\": install Spark"),
        "{stderr}"
    );
}
