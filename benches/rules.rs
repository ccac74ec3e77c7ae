//! Rule pack over a generated store, beside DuckDB running the same SQL
//! over the same Parquet files.
//!
//! `cargo bench -p worklog-benches --bench rules` (about 10^7 events by
//! default; `WORKLOG_BENCH_DEVICES`, `WORKLOG_BENCH_DAYS`,
//! `WORKLOG_BENCH_EVENTS_PER_DAY` resize it). DuckDB comes from
//! `benches/duckdb/setup.sh`; without it the DuckDB half is skipped with a
//! message. Prints both times, their ratio and each rule's result count
//! from both engines, and fails when any count differs.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use worklog_benches::{best_of, peak_rss_mib};
use worklog_rules::{Analyzer, EventSource, Period, RulePack};
use worklog_synth::Fleet;

fn main() {
    let quick = !std::env::args().any(|a| a == "--bench");
    let config = worklog_benches::rules_fleet_config(quick);
    let runs = if quick { 1 } else { 3 };
    let Ok(fleet) = Fleet::new(config.clone()) else {
        eprintln!("rules bench: bad fleet configuration");
        std::process::exit(2);
    };
    let Ok(work) = tempfile::tempdir() else {
        return;
    };
    let store = work.path().join("store");
    let written = worklog_benches::write_fleet_store(&fleet, config.devices, &store);
    let policy_dir = work.path().join("policy");
    if fleet.write_policy(&policy_dir).is_err() {
        return;
    }
    let pack_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules/default");
    let pack = match RulePack::load(&pack_dir) {
        Ok(pack) => pack,
        Err(e) => {
            eprintln!("rules bench: cannot load the rule pack: {e}");
            std::process::exit(2);
        }
    };
    let policy = fleet.policy().clone();
    let last_day = config
        .start
        .checked_add_days(chrono_days(config.days.saturating_sub(1)))
        .unwrap_or(config.start);
    let Ok(period) = Period::new(config.start, last_day, "Asia/Tokyo") else {
        return;
    };
    let engine = worklog_polars::PolarsEngine::new();
    let Ok(analyzer) = Analyzer::builder(&pack, &policy, &engine)
        .period(period.clone())
        .policy_dir(&policy_dir)
        .build()
    else {
        return;
    };
    println!(
        "rules bench: {} devices × {} days, {} rules, {} threads (events: see the analysis below)",
        config.devices,
        config.days,
        pack.rules.len(),
        rayon::current_num_threads()
    );

    // The segment records are listed inside the timed run, as an audit does.
    let (engine_time, analysis) = best_of(runs, || {
        worklog::store_segments(&store, &period)
            .and_then(|listing| analyzer.analyze(&EventSource::Store(listing)))
    });
    let analysis = match analysis {
        Ok(a) => a,
        Err(e) => {
            eprintln!("rules bench: analysis failed: {e}");
            std::process::exit(2);
        }
    };
    // No waivers here: each count is the rule's result rows.
    let ours: BTreeMap<String, u64> = analysis
        .rules
        .iter()
        .map(|r| (r.id.clone(), r.findings))
        .collect();
    println!(
        "  polars engine (full analysis: segment records, scan, {} rules, verdicts, manifest hashes): {:.2} s best of {runs}, {:.2} M events/s, peak RSS {:.0} MiB",
        pack.rules.len(),
        engine_time.as_secs_f64(),
        analysis.events as f64 / engine_time.as_secs_f64() / 1e6,
        peak_rss_mib()
    );
    let events = analysis.events as usize;
    println!(
        "  {events} events analysed ({written} acknowledged by the writers' summed counts), findings {}, verdicts {}, problems {}",
        analysis.findings.len(),
        analysis.verdicts.len(),
        analysis.problems.len()
    );

    // The pack's SQL alone, the same work DuckDB does below: the period's
    // events read once, every rule run together, then each rule on its own.
    let source = match worklog::store_segments(&store, &period) {
        Ok(listing) => EventSource::Store(listing),
        Err(e) => {
            eprintln!("rules bench: listing the store failed: {e}");
            std::process::exit(2);
        }
    };
    let (read_time, session) = best_of(runs, || analyzer.load_whole_period(&source));
    let session = match session {
        Ok(session) => session,
        Err(e) => {
            eprintln!("rules bench: reading the events failed: {e}");
            std::process::exit(2);
        }
    };
    let rules = analyzer.rendered_sql();
    // `WORKLOG_BENCH_EXPLAIN=<rule id>,…` prints those rules' optimised plans.
    let explain = std::env::var("WORKLOG_BENCH_EXPLAIN").unwrap_or_default();
    for (id, sql) in &rules {
        if explain.split(',').any(|wanted| wanted == id) {
            match session.explain(sql) {
                Ok(text) => println!("  plan of {id}:\n{text}"),
                Err(e) => println!("  plan of {id}: {e}"),
            }
        }
    }
    let queries: Vec<&str> = rules.iter().map(|(_, sql)| sql.as_str()).collect();
    let (rules_time, results) = best_of(runs, || session.run(&queries));
    if let Some(e) = results.iter().find_map(|r| r.as_ref().err()) {
        eprintln!("rules bench: a rule failed: {e}");
        std::process::exit(2);
    }
    // What DuckDB does below: read the Parquet files, run every rule.
    let pack_time = read_time + rules_time;
    println!(
        "  polars, the pack's SQL only: {:.2} s (reading the period's events {:.2} s + {} rules together {:.2} s, each best of {runs})",
        pack_time.as_secs_f64(),
        read_time.as_secs_f64(),
        rules.len(),
        rules_time.as_secs_f64()
    );
    let rule_times: BTreeMap<&str, f64> = rules
        .iter()
        .map(|(id, sql)| {
            let (took, _) = best_of(runs, || session.run(&[sql.as_str()]));
            (id.as_str(), took.as_secs_f64())
        })
        .collect();
    drop(session);

    let sql_dir = work.path().join("sql");
    if let Err(e) = analyzer.export_sql(&sql_dir) {
        eprintln!("rules bench: export failed: {e}");
        std::process::exit(2);
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("duckdb/run_rules.py");
    let output = Command::new("python3")
        .arg(&script)
        .arg(&sql_dir)
        .arg(&store)
        .arg(period.start_utc_us.to_string())
        .arg(period.end_utc_us.to_string())
        .arg(runs.to_string())
        .output();
    let duck: serde_json::Value = match output {
        Ok(out) if out.status.success() => match serde_json::from_slice(&out.stdout) {
            Ok(v) => v,
            Err(e) => {
                eprintln!("rules bench: DuckDB output unreadable: {e}");
                std::process::exit(2);
            }
        },
        Ok(out) => {
            println!(
                "  DuckDB: not measured ({}). Install it with benches/duckdb/setup.sh",
                String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .last()
                    .unwrap_or("python3 failed")
            );
            return;
        }
        Err(e) => {
            println!("  DuckDB: not measured (python3: {e})");
            return;
        }
    };
    let duck_time = duck["seconds"].as_f64().unwrap_or(f64::NAN);
    println!(
        "  DuckDB, same SQL over the same {} files: {duck_time:.2} s best of {runs}",
        duck["files"]
    );
    println!(
        "  ratio DuckDB / polars, the pack's SQL: {:.2}; DuckDB / polars, full analysis: {:.2} (above 1: polars is faster)",
        duck_time / pack_time.as_secs_f64(),
        duck_time / engine_time.as_secs_f64()
    );
    let mut mismatches = 0;
    println!(
        "  {:<36} {:>10} {:>10} {:>10} {:>10}",
        "rule", "polars", "duckdb", "polars s*", "duckdb s"
    );
    for (rule, count) in &ours {
        let theirs = duck["counts"][rule].as_u64();
        let mark = if theirs == Some(*count) {
            ""
        } else {
            "  <- differs"
        };
        if theirs != Some(*count) {
            mismatches += 1;
        }
        println!(
            "  {rule:<36} {count:>10} {:>10} {:>10.3} {:>10.3}{mark}",
            theirs.map_or("-".into(), |n| n.to_string()),
            rule_times.get(rule.as_str()).copied().unwrap_or(f64::NAN),
            duck["rule_seconds"][rule].as_f64().unwrap_or(f64::NAN),
        );
    }
    println!("  * polars per rule: over the events already in memory (the read is timed above)");
    let total_ours: u64 = ours.values().sum();
    let total_duck: u64 = duck["counts"]
        .as_object()
        .map(|m| m.values().filter_map(serde_json::Value::as_u64).sum())
        .unwrap_or(0);
    println!("  total results: polars {total_ours}, DuckDB {total_duck}");
    if mismatches > 0 {
        eprintln!("rules bench: {mismatches} rule(s) disagree between the engines");
        std::process::exit(1);
    }
}

fn chrono_days(n: u32) -> chrono::Days {
    chrono::Days::new(u64::from(n))
}
