//! A year's audit on one machine: the whole audit (verify, analyse, Excel,
//! HTML and JSON reports) of about 10^8 events (100 PCs, one fiscal year),
//! and of about 10^7 (the same fleet, 37 days), beside DuckDB running the
//! same exported SQL over the same files, both ways a DuckDB user would:
//! views over the files, and the period's events loaded once into a table.
//!
//! `cargo bench -p worklog-benches --bench year`. The stores are generated
//! through the ledger writer once and cached (`target/bench-data/`, or
//! `WORKLOG_BENCH_CACHE`): about 3.5 GB for 10^8 events. DuckDB comes from
//! `benches/duckdb/setup.sh`; without it that half is skipped with a
//! message. `WORKLOG_BENCH_SIZES=7` or `=8` runs one size only;
//! `WORKLOG_BENCH_DUCKDB=views` skips the (slow) table way;
//! `WORKLOG_BENCH_MEMORY_MIB` sets the audit's memory budget (default
//! `DEFAULT_MEMORY_BYTES`).
//!
//! Each audit runs in a child process (this program again), so that its
//! peak memory is its own; each step's peak is measured by resetting the
//! kernel's high-water mark when the step starts. Prints events, wall time
//! and peak RSS of each step and of the whole audit, DuckDB's times, the
//! ratio, and every rule's result count from both engines; fails when any
//! count differs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::Instant;

use rayon::prelude::*;
use serde_json::{Value, json};
use worklog_benches::{peak_rss_mib, reset_peak_rss};
use worklog_ledger::{AnchorLog, Durability, Keyring, Role, SecretKey, SegmentWriter};
use worklog_synth::{Fleet, FleetConfig};

/// One store the bench audits.
#[derive(Debug, Clone)]
struct Size {
    label: &'static str,
    /// Fewest events the store must hold for the size to mean what its
    /// label says.
    at_least: u64,
    devices: usize,
    days: u32,
    events_per_day: u32,
}

/// First day of the audited year: Japanese fiscal year 2025 (in the past:
/// the writer refuses events from the future).
fn start() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2025, 4, 1).unwrap_or_default()
}

fn sizes(quick: bool) -> Vec<Size> {
    if quick {
        return vec![Size {
            label: "quick",
            at_least: 1,
            devices: 6,
            days: 9,
            events_per_day: 60,
        }];
    }
    let wanted = std::env::var("WORKLOG_BENCH_SIZES").unwrap_or_else(|_| "7,8".into());
    // The simulator's office calendar (weekends, holidays, days off) logs
    // about 64 % of the nominal rate: 4,400 a day gives 10^8 over the year.
    let per_day = 4_400;
    let mut out = Vec::new();
    if wanted.split(',').any(|s| s.trim() == "7") {
        out.push(Size {
            label: "1e7",
            at_least: 10_000_000,
            devices: 100,
            days: 37,
            events_per_day: per_day,
        });
    }
    if wanted.split(',').any(|s| s.trim() == "8") {
        out.push(Size {
            label: "1e8",
            at_least: 100_000_000,
            devices: 100,
            days: 365,
            events_per_day: per_day,
        });
    }
    out
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--audit-child") {
        std::process::exit(child(&args[i + 1..]));
    }
    let quick = !args.iter().any(|a| a == "--bench");
    let cache = std::env::var_os("WORKLOG_BENCH_CACHE").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-data"),
        PathBuf::from,
    );
    let duck_mode = std::env::var("WORKLOG_BENCH_DUCKDB").unwrap_or_else(|_| "both".into());
    let mut peaks = Vec::new();
    let mut failed = false;
    for size in sizes(quick) {
        let dir = if quick {
            std::env::temp_dir().join(format!("worklog-year-quick-{}", std::process::id()))
        } else {
            // Keyed by the schema and ledger format too: a store written by
            // an older format is never reused.
            cache.join(format!(
                "year-schema{}-{}-{}x{}x{}",
                worklog_schema::SCHEMA_VERSION,
                worklog_ledger::FORMAT.replace('/', "-"),
                size.devices,
                size.days,
                size.events_per_day
            ))
        };
        let events = match ensure_store(&dir, &size) {
            Ok(n) => n,
            Err(e) => {
                eprintln!("year bench: generating {}: {e}", dir.display());
                std::process::exit(2);
            }
        };
        if events < size.at_least {
            eprintln!(
                "year bench, {}: the store holds {events} events, fewer than {}: raise events_per_day in sizes()",
                size.label, size.at_least
            );
            std::process::exit(2);
        }
        println!(
            "year bench, {}: {} devices × {} days from {}, {} events through the ledger writer ({}), {} threads",
            size.label,
            size.devices,
            size.days,
            start(),
            events,
            dir.display(),
            rayon::current_num_threads()
        );
        let Some(audit) = audit_in_child(&dir, &size) else {
            std::process::exit(2);
        };
        print_audit(&audit);
        let whole_peak = audit["whole"]["peak_rss_mib"].as_f64().unwrap_or(f64::NAN);
        peaks.push((
            size.label,
            audit["events"].as_u64().unwrap_or(0),
            whole_peak,
        ));
        let analysis_s = audit["steps"]
            .as_array()
            .and_then(|s| s.iter().find(|s| s["name"] == "analyze"))
            .and_then(|s| s["seconds"].as_f64())
            .unwrap_or(f64::NAN);
        if !quick {
            failed |= compare_with_duckdb(&dir, &size, &audit, analysis_s, &duck_mode);
        }
        if quick {
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
    if let [(a, ea, pa), (b, eb, pb)] = peaks.as_slice() {
        println!(
            "growth: {a} ({ea} events) peak {pa:.0} MiB → {b} ({eb} events) peak {pb:.0} MiB: {:.2}× the memory for {:.1}× the events",
            pb / pa,
            *eb as f64 / (*ea).max(1) as f64
        );
    }
    if failed {
        std::process::exit(1);
    }
}

/// Generates the fleet's signed store, keys, anchors and policy under
/// `dir` unless a complete one is there; returns the events written.
fn ensure_store(dir: &Path, size: &Size) -> Result<u64, String> {
    let marker = dir.join("complete.json");
    if let Ok(text) = std::fs::read_to_string(&marker)
        && let Ok(v) = serde_json::from_str::<Value>(&text)
        && let Some(n) = v["events"].as_u64()
    {
        return Ok(n);
    }
    let _ = std::fs::remove_dir_all(dir);
    let (store, keys) = (dir.join("store"), dir.join("keys"));
    std::fs::create_dir_all(keys.join("secret")).map_err(|e| e.to_string())?;
    let config = FleetConfig {
        devices: size.devices,
        days: size.days,
        events_per_device_day: size.events_per_day,
        start: start(),
        ..FleetConfig::default()
    };
    let fleet = Fleet::new(config).map_err(|e| e.to_string())?;
    let started = Instant::now();
    // One device at a time per thread: memory stays at two devices' logs.
    let written: Vec<Result<u64, String>> = (0..fleet.len())
        .into_par_iter()
        .map(|i| {
            let Some(log) = fleet.device(i) else {
                return Ok(0);
            };
            let seed: [u8; 32] = std::array::from_fn(|b| (i + b) as u8);
            let key = SecretKey::from_seed(Role::Device, &log.device_id, seed);
            key.public()
                .write(&keys.join(format!("{}.pub", log.device_id)))
                .map_err(|e| e.to_string())?;
            if log.events.is_empty() {
                return Ok(0);
            }
            let n = log.events.len() as u64;
            let mut writer = SegmentWriter::builder(&store, key)
                .max_rows(50_000)
                .durability(Durability::Process)
                .build()
                .map_err(|e| format!("{}: {e}", log.device_id))?;
            for chunk in log.events.chunks(10_000) {
                writer
                    .append_batch(chunk.to_vec())
                    .map_err(|e| format!("{}: {e}", log.device_id))?;
            }
            writer
                .close()
                .map_err(|e| format!("{}: {e}", log.device_id))?;
            Ok(n)
        })
        .collect();
    let mut events = 0;
    for n in written {
        events += n?;
    }
    let authority = SecretKey::from_seed(Role::Authority, "head-office", [7; 32]);
    authority
        .public()
        .write(&keys.join("authority.pub"))
        .map_err(|e| e.to_string())?;
    let keyring = Keyring::load_dir(&keys).map_err(|e| e.to_string())?;
    let (mut log, _) = AnchorLog::open(&dir.join("anchors.jsonl")).map_err(|e| e.to_string())?;
    let now = chrono::Utc::now().timestamp_micros();
    for claim in worklog_ledger::export_heads(&store).map_err(|e| e.to_string())? {
        log.anchor(&claim, &keyring, &authority, now)
            .map_err(|e| e.to_string())?;
    }
    fleet
        .write_policy(&dir.join("policy"))
        .map_err(|e| e.to_string())?;
    println!(
        "  generated {events} events in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    let done = json!({ "events": events, "devices": size.devices, "days": size.days });
    std::fs::write(&marker, done.to_string()).map_err(|e| e.to_string())?;
    Ok(events)
}

fn last_day(size: &Size) -> chrono::NaiveDate {
    start()
        .checked_add_days(chrono::Days::new(u64::from(size.days.saturating_sub(1))))
        .unwrap_or_else(start)
}

/// Runs the audit in a child process and reads what it measured.
fn audit_in_child(dir: &Path, size: &Size) -> Option<Value> {
    let exe = std::env::current_exe().ok()?;
    let output = Command::new(exe)
        .arg("--audit-child")
        .arg(dir)
        .arg(start().to_string())
        .arg(last_day(size).to_string())
        .output();
    match output {
        Ok(out) if out.status.success() => serde_json::from_slice(&out.stdout).ok(),
        Ok(out) => {
            eprintln!(
                "year bench: the audit failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            None
        }
        Err(e) => {
            eprintln!("year bench: cannot start the audit: {e}");
            None
        }
    }
}

/// The child: one whole audit, each step's time and peak memory, then the
/// pack's SQL exported for DuckDB. Prints JSON on stdout.
fn child(args: &[String]) -> i32 {
    let [dir, first, last] = args else {
        eprintln!("usage: year --audit-child DIR FIRST_DAY LAST_DAY");
        return 2;
    };
    let dir = PathBuf::from(dir);
    let day = |s: &str| s.parse::<chrono::NaiveDate>().ok();
    let (Some(first_day), Some(last_day)) = (day(first), day(last)) else {
        return 2;
    };
    let out = dir.join("audit");
    let _ = std::fs::remove_dir_all(&out);
    let config = worklog::AuditConfig {
        store: dir.join("store"),
        keys: dir.join("keys"),
        anchors: Some(dir.join("anchors.jsonl")),
        policy: dir.join("policy"),
        rules: None,
        first_day,
        last_day,
        out: out.clone(),
        language: worklog::rules::Language::Ja,
        compare: None,
        pseudonymise: None,
        tsa: None,
        execution: worklog::Execution {
            memory_bytes: std::env::var("WORKLOG_BENCH_MEMORY_MIB")
                .ok()
                .and_then(|v| v.parse::<u64>().ok())
                .map_or(worklog::rules::DEFAULT_MEMORY_BYTES, |mib| mib << 20),
            ..worklog::Execution::default()
        },
    };
    // (step, started, peak of the step) as the steps go.
    let steps: Mutex<Vec<(&'static str, Instant, f64)>> = Mutex::new(Vec::new());
    let partitions = Mutex::new(0usize);
    let close_step = |steps: &mut Vec<(&'static str, Instant, f64)>| {
        if let Some(last) = steps.last_mut() {
            last.2 = peak_rss_mib();
        }
    };
    let started = Instant::now();
    let result = worklog::audit(&config, &|step| match step {
        worklog::Step::Stage(stage) => {
            let name = if stage.starts_with("verifying") {
                "verify"
            } else if stage.starts_with("analysing") {
                "analyze"
            } else {
                "reports"
            };
            let mut steps = steps.lock().unwrap_or_else(|e| e.into_inner());
            close_step(&mut steps);
            reset_peak_rss();
            steps.push((name, Instant::now(), 0.0));
        }
        worklog::Step::Analysis(worklog::rules::Progress::Planned { partitions: n, .. }) => {
            *partitions.lock().unwrap_or_else(|e| e.into_inner()) = n;
        }
        _ => {}
    });
    let whole = started.elapsed().as_secs_f64();
    let mut steps = steps.into_inner().unwrap_or_else(|e| e.into_inner());
    close_step(&mut steps);
    let result = match result {
        Ok(r) => r,
        Err(e) => {
            eprintln!("audit: {e}");
            return 2;
        }
    };
    let ends: Vec<Instant> = steps
        .iter()
        .skip(1)
        .map(|s| s.1)
        .chain(std::iter::once(
            started + std::time::Duration::from_secs_f64(whole),
        ))
        .collect();
    let steps_json: Vec<Value> = steps
        .iter()
        .zip(ends)
        .map(|((name, from, peak), to)| {
            json!({ "name": name, "seconds": (to - *from).as_secs_f64(), "peak_rss_mib": peak })
        })
        .collect();
    let counts: BTreeMap<String, u64> = result
        .analysis
        .rules
        .iter()
        .map(|r| (r.id.clone(), r.findings))
        .collect();
    // The same SQL for DuckDB (not timed).
    let exported = export_sql(&config, &out.join("sql"));
    if let Err(e) = exported {
        eprintln!("exporting the SQL: {e}");
        return 2;
    }
    let value = json!({
        "events": result.analysis.events,
        "rows_verified": result
            .verification
            .devices
            .iter()
            .map(|d| d.rows_verified)
            .sum::<u64>(),
        "files_by_bytes": result.verification.files_at(worklog::ledger::Depth::Bytes),
        "files": result.verification.files,
        "clean": result.verification.is_clean(),
        "findings": result.analysis.findings.len(),
        "partitions": *partitions.lock().unwrap_or_else(|e| e.into_inner()),
        "steps": steps_json,
        "whole": {
            "seconds": whole,
            "peak_rss_mib": steps.iter().map(|s| s.2).fold(0.0, f64::max),
        },
        "counts": counts,
        "sql": out.join("sql"),
        "start_utc_us": result.analysis.period.start_utc_us,
        "end_utc_us": result.analysis.period.end_utc_us,
    });
    println!("{value}");
    0
}

fn export_sql(config: &worklog::AuditConfig, dir: &Path) -> Result<(), String> {
    let pack =
        worklog::rules::RulePack::load(&config.out.join("rules")).map_err(|e| e.to_string())?;
    let policy = worklog::load_policy(&config.policy).map_err(|e| e.to_string())?;
    let period = worklog::rules::Period::new(config.first_day, config.last_day, "Asia/Tokyo")
        .map_err(|e| e.to_string())?;
    let engine = worklog::polars_engine::PolarsEngine::new();
    worklog::rules::Analyzer::builder(&pack, &policy, &engine)
        .period(period)
        .build()
        .and_then(|a| a.export_sql(dir))
        .map_err(|e| e.to_string())
}

fn print_audit(audit: &Value) {
    let events = audit["events"].as_f64().unwrap_or(f64::NAN);
    println!(
        "  audit: {} events analysed ({} events verified, {} of {} files by their bytes, chains {}), {} partitions, {} findings",
        audit["events"],
        audit["rows_verified"],
        audit["files_by_bytes"],
        audit["files"],
        if audit["clean"].as_bool() == Some(true) {
            "intact"
        } else {
            "NOT intact"
        },
        audit["partitions"],
        audit["findings"]
    );
    println!(
        "  {:<10} {:>10} {:>14} {:>14}",
        "step", "seconds", "M events/s", "peak RSS MiB"
    );
    for step in audit["steps"].as_array().into_iter().flatten() {
        let s = step["seconds"].as_f64().unwrap_or(f64::NAN);
        println!(
            "  {:<10} {:>10.2} {:>14.2} {:>14.0}",
            step["name"].as_str().unwrap_or("?"),
            s,
            events / s / 1e6,
            step["peak_rss_mib"].as_f64().unwrap_or(f64::NAN)
        );
    }
    let whole = audit["whole"]["seconds"].as_f64().unwrap_or(f64::NAN);
    println!(
        "  {:<10} {:>10.2} {:>14.2} {:>14.0}",
        "audit",
        whole,
        events / whole / 1e6,
        audit["whole"]["peak_rss_mib"].as_f64().unwrap_or(f64::NAN)
    );
}

/// DuckDB over the same files and SQL; prints times, ratio and every
/// rule's counts. Returns whether any count differs.
fn compare_with_duckdb(
    dir: &Path,
    size: &Size,
    audit: &Value,
    analysis_s: f64,
    mode: &str,
) -> bool {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("duckdb/run_rules.py");
    let runs = if size.days > 100 { 1 } else { 3 };
    let started = Instant::now();
    let output = Command::new("python3")
        .arg(&script)
        .arg(audit["sql"].as_str().unwrap_or_default())
        .arg(dir.join("store"))
        .arg(audit["start_utc_us"].to_string())
        .arg(audit["end_utc_us"].to_string())
        .arg(runs.to_string())
        .arg(mode)
        .arg(dir)
        .output();
    let duck: Value = match output {
        Ok(out) if out.status.success() => match serde_json::from_slice(&out.stdout) {
            Ok(v) => v,
            Err(e) => {
                eprintln!("year bench: DuckDB output unreadable: {e}");
                return true;
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
            return false;
        }
        Err(e) => {
            println!("  DuckDB: not measured (python3: {e})");
            return false;
        }
    };
    let duck = if mode == "views" {
        json!({ "views": duck })
    } else {
        duck
    };
    println!(
        "  DuckDB 2 threads, the same SQL over the same {} files ({:.0} s in all, best of {runs}):",
        duck["views"]["files"],
        started.elapsed().as_secs_f64()
    );
    let views = duck["views"]["seconds"].as_f64();
    let table = duck["table"]["seconds"]
        .as_f64()
        .zip(duck["table"]["load_seconds"].as_f64())
        .map(|(rules, load)| (load, rules));
    if let Some(v) = views {
        println!("    views over the files: {v:.2} s");
    }
    if let Some((load, rules)) = table {
        println!(
            "    loaded into a table once: {:.2} s (load {load:.2} s + rules {rules:.2} s)",
            load + rules
        );
    }
    let faster = [views, table.map(|(l, r)| l + r)]
        .into_iter()
        .flatten()
        .fold(f64::INFINITY, f64::min);
    println!(
        "  ratio: the faster DuckDB way {faster:.2} s / our analysis {analysis_s:.2} s = {:.2} (above 1: ours is faster)",
        faster / analysis_s
    );
    let mut mismatches = 0;
    println!(
        "  {:<36} {:>10} {:>12} {:>12}",
        "rule", "polars", "duckdb view", "duckdb table"
    );
    for (rule, count) in audit["counts"].as_object().into_iter().flatten() {
        let ours = count.as_u64();
        let v = duck["views"]["counts"][rule].as_u64();
        let t = duck["table"]["counts"][rule].as_u64();
        let differs =
            [v, t].iter().any(|c| c.is_some() && *c != ours) || (v.is_none() && t.is_none());
        if differs {
            mismatches += 1;
        }
        let show = |c: Option<u64>| c.map_or("-".into(), |n| n.to_string());
        println!(
            "  {rule:<36} {:>10} {:>12} {:>12}{}",
            show(ours),
            show(v),
            show(t),
            if differs { "  <- differs" } else { "" }
        );
    }
    if mismatches > 0 {
        eprintln!("year bench: {mismatches} rule(s) disagree between the engines");
    }
    mismatches > 0
}
