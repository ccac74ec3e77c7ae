//! `worklog audit`: verify, analyse and report in one job, with settings
//! from flags, the environment and `worklog.toml`.

use std::path::PathBuf;

use anyhow::{Context, Result};
use worklog::ledger::VerifyReport;
use worklog::settings::{AuditSettings, ConfigFile};
use worklog::{DemoConfig, run_demo_with_progress};

use crate::args::{AuditArgs, Lang};
use crate::progress::{show_analysis, spinner};
use crate::text::{report_paths, summary};
use crate::{EXIT_ANOMALIES, EXIT_OK, print};
use worklog::report::console_summary;

/// `worklog audit`.
pub(crate) fn run(args: AuditArgs) -> Result<u8> {
    let bar = spinner(args.quiet);
    if args.demo {
        return demo(&args, &bar);
    }
    let fail_on_findings = args.fail_on.is_some();
    let json = args.json;
    let given = AuditSettings {
        store: args.store,
        keys: args.keys,
        anchors: args.anchors,
        policy: args.policy,
        rules: args.rules,
        from: args.from,
        to: args.to,
        out: args.out,
        language: args.lang.map(Lang::language),
        memory_bytes: args.memory,
    };
    let mut audit_config = given.over(ConfigFile::find(args.config.as_deref())?)?;
    let (out, language) = (audit_config.out.clone(), audit_config.language);
    audit_config.execution.engine =
        super::analysis::engine_choice(&args.engine, &audit_config.store)?;
    (audit_config.compare, audit_config.pseudonymise) =
        super::analysis::report_extras(&args.extras)?;
    audit_config.tsa = super::tsa_of(&args.tsa)?;
    let result = worklog::audit(&audit_config, &|step| match step {
        worklog::Step::Stage(stage) => bar.set_message(stage),
        worklog::Step::Analysis(p) => show_analysis(&bar, p),
        _ => {}
    })
    .with_context(|| format!("audit into {}", out.display()))?;
    bar.finish_and_clear();
    print(&if json {
        json_summary(&result)?
    } else {
        text_summary(&result, &out, language)
    })?;
    Ok(audit_exit(
        &result.verification,
        &result.analysis,
        fail_on_findings,
    ))
}

/// `worklog audit --demo`: the demo fleet simulated, then audited.
fn demo(args: &AuditArgs, bar: &indicatif::ProgressBar) -> Result<u8> {
    if args.tsa.tsa.is_some() {
        anyhow::bail!(
            "--tsa applies to an audit of a store, not to the demo: the demo's data is made up"
        );
    }
    if args.extras.compare.is_some() || args.extras.pseudonymise_key.is_some() {
        anyhow::bail!(
            "--compare and --pseudonymise-key apply to an audit of a store: run `worklog report --analysis <out>/analysis` with them on the demo's output instead"
        );
    }
    if args.engine.engine != crate::args::EngineKind::Polars {
        anyhow::bail!(
            "--engine applies to an audit of a store: run `worklog analyze --engine spark` on the demo's store (<out>/store, <out>/policy) instead"
        );
    }
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("worklog-out"));
    bar.set_message("simulating the demo fleet, signing, anchoring");
    let defaults = DemoConfig::default();
    let fleet = &args.fleet;
    let config = DemoConfig {
        language: args
            .lang
            .map_or(worklog::rules::Language::Ja, Lang::language),
        start: args.from,
        devices: fleet.devices.unwrap_or(defaults.devices),
        days: fleet.days.unwrap_or(defaults.days),
        events_per_device_day: fleet
            .events_per_day
            .unwrap_or(defaults.events_per_device_day),
        seed: fleet.seed.unwrap_or(defaults.seed),
    };
    let demo = run_demo_with_progress(&out, &config, &|step| match step {
        worklog::Step::Stage(stage) => bar.set_message(stage),
        worklog::Step::Analysis(p) => show_analysis(bar, p),
        _ => {}
    })
    .with_context(|| format!("demo audit in {}", out.display()))?;
    bar.finish_and_clear();
    let m = worklog::report::Messages::new(config.language);
    let mut text = m.fill(
        "console_simulated",
        &[
            ("devices", config.devices.to_string()),
            ("days", config.days.to_string()),
            ("events", demo.events.to_string()),
            ("labels", demo.labels.to_string()),
        ],
    ) + "\n";
    text += &summary(&demo.verification, &m);
    text += &console_summary(&demo.analysis, config.language);
    text += &format!(
        "\nanalysis:      {}\nstore:         {}\nkeys:          {}\nanchors:       {}\npolicy:        {}\nground truth:  {}\nverification:  {}\n",
        demo.analysis_dir.display(),
        demo.store.display(),
        demo.keys.display(),
        demo.anchors.display(),
        demo.policy.display(),
        demo.ground_truth.display(),
        demo.verification_json.display()
    );
    text += &report_paths(&demo.reports);
    print(&text)?;
    Ok(audit_exit(
        &demo.verification,
        &demo.analysis,
        args.fail_on.is_some(),
    ))
}

/// `--json`: anomalies, the organisation's verdicts, counts, the reports.
fn json_summary(result: &worklog::AuditOutput) -> Result<String> {
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
    Ok(serde_json::to_string_pretty(&value)? + "\n")
}

/// The verification, the verdicts and where everything was written.
fn text_summary(
    result: &worklog::AuditOutput,
    out: &std::path::Path,
    language: worklog::rules::Language,
) -> String {
    let m = worklog::report::Messages::new(language);
    let mut text = summary(&result.verification, &m);
    text += &console_summary(&result.analysis, language);
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
    text
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
