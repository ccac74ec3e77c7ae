//! Equality is the test: the same store, rules and policy give the same
//! analysis in Spark (local mode) as in polars — every finding row, every
//! verdict, rollup, log check and device statistic.
//!
//! Spark must be installed (`pip install pyspark==4.3.0 pyarrow`, Java 17).
//! Without it these tests say so and pass, unless `WORKLOG_REQUIRE_SPARK`
//! is set, as CI sets it: there a missing Spark fails them.

use std::path::PathBuf;
use std::sync::OnceLock;

use worklog_polars::PolarsEngine;
use worklog_rules::{Analysis, Analyzer, Engine, EventSource, RulePack};
use worklog_schema::policy::Policy;
use worklog_spark::{SparkEngine, SparkOptions};
use worklog_synth::{Fleet, FleetConfig};

use crate::common::*;
use crate::partitions::{assert_same, isolated_fixtures};

/// One Spark for every test of this binary (it takes 10–20 s to start).
fn spark() -> Option<&'static SparkEngine> {
    static ENGINE: OnceLock<Result<SparkEngine, String>> = OnceLock::new();
    let engine = ENGINE.get_or_init(|| {
        let engine = SparkEngine::new(
            SparkOptions::new()
                .master("local[2]")
                .conf("spark.sql.shuffle.partitions", "4"),
        )
        .map_err(|e| e.chain())?;
        let started = engine.start().map_err(|e| e.chain())?;
        eprintln!(
            "Spark {} on {} started in {:.1} s",
            started.spark_version, started.master, started.seconds
        );
        Ok(engine)
    });
    match engine {
        Ok(engine) => Some(engine),
        Err(why) if std::env::var_os("WORKLOG_REQUIRE_SPARK").is_some() => {
            panic!("Spark is required (WORKLOG_REQUIRE_SPARK) but did not start: {why}")
        }
        Err(why) => {
            eprintln!("SKIPPED: Spark did not start ({why}); set WORKLOG_REQUIRE_SPARK to fail");
            None
        }
    }
}

fn analyze_with(
    engine: &dyn Engine,
    pack: &RulePack,
    policy: &Policy,
    files: &[PathBuf],
) -> Analysis {
    Analyzer::builder(pack, policy, engine)
        .period(october())
        .build()
        .unwrap()
        .analyze(&EventSource::Files(files.to_vec()))
        .unwrap()
}

#[test]
fn every_rule_s_fixture_gives_the_same_analysis_in_spark_as_in_polars() {
    let Some(spark) = spark() else { return };
    let pack = default_pack();
    let policy = load_policy(&fixture_dir().join("policy"));
    let tmp = tempfile::tempdir().unwrap();
    let (files, policy, prefixes) = isolated_fixtures(&pack, &policy, tmp.path());
    let polars = analyze_with(&PolarsEngine, &pack, &policy, &files);
    let in_spark = analyze_with(spark, &pack, &policy, &files);
    assert!(in_spark.problems.is_empty(), "{:?}", in_spark.problems);
    // Every rule found something in its fixture, in both engines.
    for (rule, _) in &prefixes {
        assert!(
            in_spark
                .findings
                .iter()
                .chain(&in_spark.waived)
                .any(|f| &f.rule_id == rule),
            "{rule} found nothing in Spark"
        );
    }
    assert_same("Spark against polars, fixtures", &polars, &in_spark);
}

#[test]
fn the_simulated_fleet_gives_the_same_analysis_in_spark_as_in_polars() {
    let Some(spark) = spark() else { return };
    let fleet = Fleet::new(FleetConfig {
        devices: 40,
        days: 31,
        events_per_device_day: 300,
        ..FleetConfig::default()
    })
    .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for log in fleet.generate() {
        if !log.events.is_empty() {
            let file = tmp.path().join(format!("{}.parquet", log.device_id));
            write_parquet(&file, &log.events);
            files.push(file);
        }
    }
    let pack = default_pack();
    let polars = analyze_with(&PolarsEngine, &pack, fleet.policy(), &files);
    let in_spark = analyze_with(spark, &pack, fleet.policy(), &files);
    assert!(in_spark.problems.is_empty(), "{:?}", in_spark.problems);
    let rules: std::collections::BTreeSet<&str> =
        polars.findings.iter().map(|f| f.rule_id.as_str()).collect();
    eprintln!(
        "fleet: {} findings of {} rules",
        polars.findings.len(),
        rules.len()
    );
    assert!(
        rules.len() >= 10,
        "{} findings of only {rules:?}",
        polars.findings.len()
    );
    assert_same("Spark against polars, fleet", &polars, &in_spark);
}
