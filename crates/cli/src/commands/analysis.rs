//! The analysis's commands: demo, analyze, report, rules.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use worklog::AnalyzeConfig;
use worklog::polars_engine::PolarsEngine;

use crate::args::{AnalyzeArgs, EngineArgs, EngineKind, ReportArgs, ReportCommand};
use crate::progress::{show_analysis, spinner};
use crate::text::report_paths;
use crate::{EXIT_ANOMALIES, EXIT_ERROR, EXIT_OK, print};
use worklog::report::console_summary;

/// `worklog analyze`.
pub(crate) fn analyze(args: AnalyzeArgs) -> Result<u8> {
    let AnalyzeArgs {
        store,
        policy,
        rules,
        from,
        to,
        out,
        json,
        lang,
        fail_on,
        memory,
        engine,
        quiet,
    } = args;
    let engine = engine_choice(&engine, &store)?;
    let rules = match rules {
        Some(dir) => dir,
        None => {
            let dir = out.join("rules");
            worklog::write_default_pack(&dir)
                .with_context(|| format!("writing the default rule pack into {}", dir.display()))?;
            dir
        }
    };
    let config = AnalyzeConfig {
        store,
        policy,
        rules,
        first_day: from,
        last_day: to,
        verification: None,
        execution: worklog::Execution {
            memory_bytes: memory.unwrap_or(worklog::rules::DEFAULT_MEMORY_BYTES),
            engine,
            ..worklog::Execution::default()
        },
    };
    let bar = spinner(quiet);
    let analysis =
        worklog::analyze_with_progress(&config, &|p| show_analysis(&bar, p)).context("analysis")?;
    bar.finish_and_clear();
    worklog::rules::write_analysis(&analysis, &out)
        .with_context(|| format!("writing the analysis into {}", out.display()))?;
    if json {
        let rollups: Vec<_> = analysis
            .rollups
            .iter()
            .filter(|r| r.department.is_none())
            .collect();
        print(&(serde_json::to_string_pretty(&rollups)? + "\n"))?;
    } else {
        print(
            &(console_summary(&analysis, lang.language())
                + &format!("\nanalysis:      {}\n", out.display())),
        )?;
    }
    let gate = fail_on.is_some() && !analysis.findings.is_empty();
    Ok(if gate { EXIT_ANOMALIES } else { EXIT_OK })
}

/// The engine `--engine` and the `--spark-…` flags ask for; a Spark flag
/// without `--engine spark` is refused rather than ignored.
pub(crate) fn engine_choice(args: &EngineArgs, store: &Path) -> Result<worklog::EngineChoice> {
    let spark_flags = args.spark_submit.is_some()
        || args.spark_master.is_some()
        || !args.spark_conf.is_empty()
        || args.spark_driver_memory.is_some()
        || args.spark_store_uri.is_some();
    match args.engine {
        EngineKind::Polars if spark_flags => {
            bail!(
                "the --spark-… options need --engine spark (the polars engine runs in this process)"
            )
        }
        EngineKind::Polars => Ok(worklog::EngineChoice::Polars),
        EngineKind::Spark => {
            let mut options = worklog::spark_engine::SparkOptions::new();
            if let Some(command) = &args.spark_submit {
                if command.split_whitespace().next().is_none() {
                    bail!("--spark-submit is empty: give the spark-submit command to run");
                }
                options = options.submit_command(command);
            }
            if let Some(master) = &args.spark_master {
                options = options.master(master);
            }
            if let Some(memory) = &args.spark_driver_memory {
                options = options.driver_memory(memory);
            }
            for setting in &args.spark_conf {
                let Some((key, value)) = setting.split_once('=') else {
                    bail!(
                        "--spark-conf {setting:?}: write it as KEY=VALUE (spark.executor.memory=8g)"
                    );
                };
                options = options.conf(key.trim(), value.trim());
            }
            if let Some(uri) = &args.spark_store_uri {
                options = options.store_uri(store, uri);
            }
            Ok(worklog::EngineChoice::Spark(options))
        }
    }
}

/// `worklog report`.
pub(crate) fn report(args: ReportArgs) -> Result<u8> {
    let ReportArgs {
        command,
        analysis,
        out,
        lang,
        extras,
    } = args;
    if let Some(ReportCommand::Verify {
        dir,
        tsa_ca,
        tsa_policy,
    }) = command
    {
        return report_verify(&dir, &tsa_ca, tsa_policy);
    }
    let Some(analysis) = analysis else {
        bail!("give the analysis: --analysis <folder or analysis.json>");
    };
    let analysis = worklog::load_analysis(&analysis)?;
    let (compare, pseudonymise) = report_extras(&extras)?;
    let files = worklog::report::write_reports(
        &analysis,
        &out,
        &worklog::report::ReportOptions {
            language: lang.language(),
            compare,
            pseudonymise,
            ..Default::default()
        },
        worklog::report::Generation::now(),
    )
    .with_context(|| format!("writing the reports into {}", out.display()))?;
    print(&report_paths(&files))?;
    Ok(EXIT_OK)
}

/// The last audit's analysis and the pseudonymisation key, read from the
/// files the options name.
/// `worklog report verify`: the stamp holds and every file is as stamped.
fn report_verify(
    dir: &Path,
    tsa_ca: &Path,
    policy: Option<worklog::stamp::ObjectIdentifier>,
) -> Result<u8> {
    let trust = worklog::stamp::TrustAnchors::load(tsa_ca)?;
    let check = worklog::report_stamp::verify_folder(dir, &trust, policy)
        .with_context(|| format!("checking {}", dir.display()))?;
    let mut text = format!(
        "{}: time-stamped by {} at {}; {} file(s) as stamped\n",
        dir.display(),
        check.stamp.tsa,
        check.stamp.time.format("%Y-%m-%dT%H:%M:%SZ"),
        check.unchanged
    );
    for (what, files) in [
        ("CHANGED since the stamp", &check.changed),
        ("MISSING since the stamp", &check.missing),
        ("ADDED after the stamp", &check.added),
    ] {
        for file in files {
            text += &format!("  {what}: {file}\n");
        }
    }
    text += if check.unchanged_since_stamp() {
        "unchanged since the stamp\n"
    } else {
        "NOT as stamped: the folder was changed after its time-stamp\n"
    };
    print(&text)?;
    Ok(if check.unchanged_since_stamp() {
        EXIT_OK
    } else {
        EXIT_ANOMALIES
    })
}

pub(crate) fn report_extras(
    extras: &crate::args::ReportExtras,
) -> Result<(
    Option<std::sync::Arc<worklog::rules::Analysis>>,
    Option<worklog::report::PseudonymKey>,
)> {
    let compare = match &extras.compare {
        Some(path) => Some(std::sync::Arc::new(
            worklog::load_analysis(path)
                .with_context(|| format!("--compare {}", path.display()))?,
        )),
        None => None,
    };
    let key = match &extras.pseudonymise_key {
        Some(path) => Some(
            worklog::report::PseudonymKey::read(path)
                .with_context(|| format!("--pseudonymise-key {}", path.display()))?,
        ),
        None => None,
    };
    Ok((compare, key))
}

/// `worklog rules list`.
pub(crate) fn rules_list(rules: Option<PathBuf>) -> Result<u8> {
    let pack = load_pack(rules.as_deref())?;
    let mut text = format!("{} ({} rules)\n", pack.catalog.edition, pack.rules.len());
    for r in &pack.rules {
        text += &format!(
            "{:<36} {:<5} {:<8} {:<7} {}\n",
            r.id,
            r.category.as_str(),
            r.items.join(","),
            r.severity.as_str(),
            r.title_ja
        );
    }
    for p in &pack.problems {
        text += &format!("unusable: {p}\n");
    }
    print(&text)?;
    Ok(if pack.problems.is_empty() {
        EXIT_OK
    } else {
        EXIT_ERROR
    })
}

/// `worklog rules check`.
pub(crate) fn rules_check(rules: Option<PathBuf>, policy: &Path) -> Result<u8> {
    let pack = load_pack(rules.as_deref())?;
    let policy = worklog::load_policy(policy)?;
    let problems = rules_checker(&pack, &policy, &PolarsEngine::new())?.check()?;
    for p in pack.problems.iter().chain(&problems) {
        eprintln!("error: {p}");
    }
    let bad = pack.problems.len() + problems.len();
    print(&format!(
        "{} rules, {bad} with problems\n",
        pack.rules.len() + pack.problems.len()
    ))?;
    Ok(if bad == 0 { EXIT_OK } else { EXIT_ERROR })
}

/// `worklog rules show`.
pub(crate) fn rules_show(id: &str, rules: Option<PathBuf>, policy: &Path) -> Result<u8> {
    let pack = load_pack(rules.as_deref())?;
    let policy = worklog::load_policy(policy)?;
    let Some(rule) = pack.rule(id) else {
        bail!(
            "no rule {id:?} in {}: see `worklog rules list`",
            rules.map_or("the default pack".into(), |r| r.display().to_string())
        );
    };
    let params = rules_checker(&pack, &policy, &PolarsEngine::new())?
        .params()
        .clone();
    let sql = rule.render_sql(&params)?;
    print(&format!(
        "{}  [{} {} {}]\n{}\n{}\n\n{}\n{}\n\n対処 / remediation:\n{}\n{}\n\nSQL ({} line {}):\n{}\n",
        rule.id,
        rule.category.as_str(),
        rule.items.join(","),
        rule.severity,
        rule.title_ja,
        rule.title_en,
        rule.rationale_ja,
        rule.rationale_en,
        rule.remediation_ja,
        rule.remediation_en,
        rule.file,
        rule.sql_line,
        sql.trim()
    ))?;
    Ok(EXIT_OK)
}

/// An analyzer over a one-day period, for checking and rendering rules.
fn rules_checker<'a>(
    pack: &'a worklog::rules::RulePack,
    policy: &'a worklog::schema::policy::Policy,
    engine: &'a PolarsEngine,
) -> Result<worklog::rules::Analyzer<'a>> {
    let day = worklog::rules::Period::parse_day("2026-01-01", "day")?;
    let zone = policy
        .settings
        .as_ref()
        .map_or("Asia/Tokyo", |s| s.time_zone.as_str());
    let period = worklog::rules::Period::new(day, day, zone)?;
    Ok(worklog::rules::Analyzer::builder(pack, policy, engine)
        .period(period)
        .build()?)
}

/// The pack at `dir`, or the one built into the program.
fn load_pack(dir: Option<&Path>) -> Result<worklog::rules::RulePack> {
    match dir {
        Some(dir) => worklog::rules::RulePack::load(dir)
            .with_context(|| format!("loading the rule pack {}", dir.display())),
        None => worklog::default_pack().context("loading the default rule pack"),
    }
}
