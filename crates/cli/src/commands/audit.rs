//! `worklog audit`: verify, analyse and report in one job, with settings
//! from flags, the environment and `worklog.toml`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use worklog::ledger::VerifyReport;
use worklog::{DemoConfig, run_demo};

use crate::args::{AuditArgs, Lang, parse_size};
use crate::progress::{show_analysis, spinner};
use crate::text::{report_paths, summary, verdict_summary};
use crate::{EXIT_ANOMALIES, EXIT_OK, print};

/// `worklog.toml`: every audit setting; paths relative to the file.
#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    store: Option<PathBuf>,
    keys: Option<PathBuf>,
    anchors: Option<PathBuf>,
    policy: Option<PathBuf>,
    rules: Option<PathBuf>,
    from: Option<worklog::model::NaiveDate>,
    to: Option<worklog::model::NaiveDate>,
    out: Option<PathBuf>,
    language: Option<String>,
    /// Memory for the period's events, as `--memory` takes it (`2GiB`).
    memory: Option<String>,
}

/// `worklog audit`.
pub(crate) fn run(args: AuditArgs) -> Result<u8> {
    let bar = spinner(args.quiet);
    let fail_on_findings = args.fail_on.is_some();
    if args.demo && args.tsa.tsa.is_some() {
        anyhow::bail!(
            "--tsa applies to an audit of a store, not to the demo: the demo's data is made up"
        );
    }
    if args.demo && (args.extras.compare.is_some() || args.extras.pseudonymise_key.is_some()) {
        anyhow::bail!(
            "--compare and --pseudonymise-key apply to an audit of a store: run `worklog report --analysis <out>/analysis` with them on the demo's output instead"
        );
    }
    if args.demo && args.engine.engine != crate::args::EngineKind::Polars {
        anyhow::bail!(
            "--engine applies to an audit of a store: run `worklog analyze --engine spark` on the demo's store (<out>/store, <out>/policy) instead"
        );
    }
    if args.demo {
        let out = args
            .out
            .clone()
            .unwrap_or_else(|| PathBuf::from("worklog-out"));
        bar.set_message(
            "simulating the demo fleet, signing, anchoring, verifying, analysing, reporting",
        );
        let start = args.from;
        let config = DemoConfig {
            language: args
                .lang
                .map_or(worklog::rules::Language::Ja, Lang::language),
            start,
            ..DemoConfig::default()
        };
        let demo =
            run_demo(&out, &config).with_context(|| format!("demo audit in {}", out.display()))?;
        bar.finish_and_clear();
        let mut text = format!(
            "Simulated {} devices × {} days: {} events, signed, anchored; {} ground-truth labels in {}.\n",
            config.devices,
            config.days,
            demo.events,
            demo.labels,
            demo.ground_truth.display()
        );
        text += &summary(&demo.verification);
        text += &verdict_summary(&demo.analysis);
        text += &format!("\nanalysis:      {}\n", demo.analysis_dir.display());
        text += &report_paths(&demo.reports);
        print(&text)?;
        return Ok(audit_exit(
            &demo.verification,
            &demo.analysis,
            fail_on_findings,
        ));
    }
    let (file, base) = match &args.config {
        Some(path) => (
            Some(path.clone()),
            path.parent().map(Path::to_path_buf).unwrap_or_default(),
        ),
        None if Path::new("worklog.toml").is_file() => {
            (Some(PathBuf::from("worklog.toml")), PathBuf::new())
        }
        None => (None, PathBuf::new()),
    };
    let config: ConfigFile = match &file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading the configuration {}", path.display()))?;
            toml::from_str(&text).with_context(|| {
                format!("configuration {} is not valid (fields: store, keys, anchors, policy, rules, from, to, out, language, memory)", path.display())
            })?
        }
        None => ConfigFile::default(),
    };
    let from_file = |p: Option<PathBuf>| p.map(|p| base.join(p));
    let need = |value: Option<PathBuf>, flag: &str| {
        value.with_context(|| {
            format!("{flag} is required (or set it in worklog.toml, or use --demo)")
        })
    };
    let store = need(args.store.or(from_file(config.store)), "--store")?;
    let engine = super::analysis::engine_choice(&args.engine, &store)?;
    let keys = need(args.keys.or(from_file(config.keys)), "--keys")?;
    let policy = need(args.policy.or(from_file(config.policy)), "--policy")?;
    let anchors = args.anchors.or(from_file(config.anchors));
    let rules = args.rules.or(from_file(config.rules));
    let out = args
        .out
        .or(from_file(config.out))
        .unwrap_or_else(|| PathBuf::from("worklog-out"));
    let language = match (args.lang, config.language.as_deref()) {
        (Some(lang), _) => lang.language(),
        (None, Some(code)) => worklog::rules::Language::from_code(code)
            .with_context(|| format!("language {code:?} in the configuration: use ja or en"))?,
        (None, None) => worklog::rules::Language::Ja,
    };
    let day = |value: Option<worklog::model::NaiveDate>, flag: &str| {
        value.with_context(|| format!("{flag} is required (YYYY-MM-DD)"))
    };
    let first_day = day(args.from.or(config.from), "--from")?;
    let last_day = day(args.to.or(config.to), "--to")?;
    let (compare, pseudonymise) = super::analysis::report_extras(&args.extras)?;
    let audit_config = worklog::AuditConfig {
        compare,
        pseudonymise,
        tsa: super::tsa_of(&args.tsa)?,
        store,
        keys,
        anchors,
        policy,
        rules,
        first_day,
        last_day,
        out: out.clone(),
        language,
        execution: worklog::Execution {
            memory_bytes: match (args.memory, config.memory.as_deref()) {
                (Some(bytes), _) => bytes,
                (None, Some(text)) => parse_size(text)
                    .map_err(anyhow::Error::msg)
                    .context("memory in the configuration")?,
                (None, None) => worklog::rules::DEFAULT_MEMORY_BYTES,
            },
            engine,
            ..worklog::Execution::default()
        },
    };
    let result = worklog::audit(&audit_config, &|step| match step {
        worklog::Step::Stage(stage) => bar.set_message(stage),
        worklog::Step::Analysis(p) => show_analysis(&bar, p),
        _ => {}
    })
    .with_context(|| format!("audit into {}", out.display()))?;
    bar.finish_and_clear();
    if args.json {
        let rollups: Vec<_> = result
            .analysis
            .rollups
            .iter()
            .filter(|r| r.department.is_none())
            .collect();
        let anomalies: Vec<String> = result
            .verification
            .anomalies()
            .map(ToString::to_string)
            .collect();
        let value = serde_json::json!({
            "anomalies": anomalies,
            "verdicts": rollups,
            "findings": result.analysis.findings.len(),
            "problems": result.analysis.problems,
            "reports": {
                "excel": result.reports.excel,
                "html": result.reports.html,
                "json": result.reports.json,
                "csv": result.reports.csv,
            },
        });
        print(&(serde_json::to_string_pretty(&value)? + "\n"))?;
    } else {
        let mut text = summary(&result.verification);
        text += &verdict_summary(&result.analysis);
        text += &format!("\nanalysis:      {}\n", out.join("analysis").display());
        text += &report_paths(&result.reports);
        for stamped in &result.stamps {
            text += &format!(
                "time-stamp:    {} by {} at {}\n",
                stamped.manifest.display(),
                stamped.stamp.tsa,
                stamped.stamp.time.format("%Y-%m-%dT%H:%M:%SZ")
            );
        }
        if !result.stamps.is_empty() {
            text += &format!(
                "check later:   worklog report verify {} --tsa-ca <roots.pem>\n",
                out.display()
            );
        }
        print(&text)?;
    }
    Ok(audit_exit(
        &result.verification,
        &result.analysis,
        fail_on_findings,
    ))
}

fn audit_exit(
    verification: &VerifyReport,
    analysis: &worklog::rules::Analysis,
    fail_on_findings: bool,
) -> u8 {
    if !verification.is_clean() || (fail_on_findings && !analysis.findings.is_empty()) {
        EXIT_ANOMALIES
    } else {
        EXIT_OK
    }
}
