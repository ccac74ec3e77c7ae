//! The rule pack in Spark (local mode) beside polars, on the same generated
//! store: times, each rule's time in Spark, and the equality of the two
//! analyses (every finding, verdict, rollup and log check).
//!
//! `cargo bench -p worklog-benches --bench spark` (about 10^7 events by
//! default, as the rules bench; `WORKLOG_BENCH_DEVICES`,
//! `WORKLOG_BENCH_DAYS`, `WORKLOG_BENCH_EVENTS_PER_DAY` resize it;
//! `WORKLOG_BENCH_SPARK_MASTER` (default `local[*]`) and
//! `WORKLOG_BENCH_SPARK_MEMORY` (driver memory, default 8g) say where Spark
//! runs; `WORKLOG_BENCH_SPARK_CONF=key=value,…` adds session settings). Needs `pip install pyspark==4.3.0 pyarrow` and Java 17. Fails
//! when the analyses differ.

use std::path::Path;
use std::time::Instant;

use worklog_benches::peak_rss_mib;
use worklog_rules::{Analysis, Analyzer, Engine, EventSource, Period, RulePack};
use worklog_spark::{SparkEngine, SparkOptions};
use worklog_synth::Fleet;

fn main() {
    let quick = !std::env::args().any(|a| a == "--bench");
    let config = worklog_benches::rules_fleet_config(quick);
    let fail = |what: &str, e: &dyn std::fmt::Display| -> ! {
        eprintln!("spark bench: {what}: {e}");
        std::process::exit(2)
    };
    let fleet = Fleet::new(config.clone()).unwrap_or_else(|e| fail("fleet", &e));
    let work = tempfile::tempdir().unwrap_or_else(|e| fail("work folder", &e));
    let store = work.path().join("store");
    let began = Instant::now();
    let written = worklog_benches::write_fleet_store(&fleet, config.devices, &store);
    let files = std::fs::read_dir(&store)
        .map(|d| d.flatten().count())
        .unwrap_or(0);
    println!(
        "spark bench: {} devices × {} days, {written} events written in {:.1} s ({files} device folders)",
        config.devices,
        config.days,
        began.elapsed().as_secs_f64()
    );
    let pack_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules/default");
    let pack = RulePack::load(&pack_dir).unwrap_or_else(|e| fail("rule pack", &e));
    let last_day = config
        .start
        .checked_add_days(chrono::Days::new(u64::from(config.days.saturating_sub(1))))
        .unwrap_or(config.start);
    let period =
        Period::new(config.start, last_day, "Asia/Tokyo").unwrap_or_else(|e| fail("period", &e));
    let policy = fleet.policy().clone();
    // The time of the whole analysis, the analysis, and each rule's SQL as
    // this engine runs it.
    let analyze = |engine: &dyn Engine| -> (f64, Analysis, Vec<(String, String)>) {
        let analyzer = Analyzer::builder(&pack, &policy, engine)
            .period(period.clone())
            .build()
            .unwrap_or_else(|e| fail("analyzer", &e));
        let began = Instant::now();
        let analysis = worklog::store_segments(&store, &period)
            .and_then(|listing| analyzer.analyze(&EventSource::Store(listing)))
            .unwrap_or_else(|e| fail("analysis", &e));
        (
            began.elapsed().as_secs_f64(),
            analysis,
            analyzer.rendered_sql(),
        )
    };

    let (polars_s, polars, _) = analyze(&worklog_polars::PolarsEngine::new());
    println!(
        "  polars: {:.2} s, {} events, {} findings, peak RSS {:.0} MiB (this process)",
        polars_s,
        polars.events,
        polars.findings.len(),
        peak_rss_mib()
    );

    let master = std::env::var("WORKLOG_BENCH_SPARK_MASTER").unwrap_or_else(|_| "local[*]".into());
    let memory = std::env::var("WORKLOG_BENCH_SPARK_MEMORY").unwrap_or_else(|_| "8g".into());
    let mut options = SparkOptions::new().master(&master).driver_memory(&memory);
    // Extra session settings to compare: `key=value,key=value`.
    for setting in std::env::var("WORKLOG_BENCH_SPARK_CONF")
        .unwrap_or_default()
        .split(',')
        .filter(|s| !s.trim().is_empty())
    {
        let (key, value) = setting
            .split_once('=')
            .unwrap_or_else(|| fail("WORKLOG_BENCH_SPARK_CONF", &"want key=value,…"));
        println!("  Spark setting {}={}", key.trim(), value.trim());
        options = options.conf(key.trim(), value.trim());
    }
    let spark = SparkEngine::new(options).unwrap_or_else(|e| fail("Spark engine", &e));
    let started = spark.start().unwrap_or_else(|e| fail("Spark start", &e));
    println!(
        "  Spark {} on {}: session up in {:.1} s (spark-submit to the job's first answer)",
        started.spark_version, started.master, started.seconds
    );
    let (spark_s, in_spark, rendered) = analyze(&spark);
    println!(
        "  Spark: {:.2} s for the whole analysis (session already up), {} events, {} findings; ratio Spark / polars {:.2}",
        spark_s,
        in_spark.events,
        in_spark.findings.len(),
        spark_s / polars_s
    );
    let mut timings = spark.last_timings();
    let total: f64 = timings.iter().map(|(_, s)| s).sum();
    println!(
        "  Spark per query ({} queries, {:.2} s together; the rest is reading the events into Spark's cache, the reference tables and the results):",
        timings.len(),
        total
    );
    timings.sort_by(|a, b| b.1.total_cmp(&a.1));
    for (query, seconds) in &timings {
        let name = rendered
            .iter()
            .find(|(_, sql)| sql == query)
            .map_or("(device statistics)", |(id, _)| id.as_str());
        println!("    {name:<36} {seconds:>8.2} s");
    }

    let same = polars.findings == in_spark.findings
        && polars.waived == in_spark.waived
        && polars.verdicts == in_spark.verdicts
        && polars.rollups == in_spark.rollups
        && polars.devices == in_spark.devices
        && polars.log_checks == in_spark.log_checks;
    println!(
        "  analyses equal (findings, waived, verdicts, rollups, device statistics, log checks): {same}; findings per rule: {}",
        polars
            .rules
            .iter()
            .map(|r| format!("{} {}", r.id, r.findings))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if !same {
        eprintln!("spark bench: Spark and polars disagree");
        std::process::exit(1);
    }
}
