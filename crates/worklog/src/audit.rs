//! The audit job: verify, analyse, report, in one call.

use std::path::PathBuf;

use chrono::NaiveDate;
use worklog_ledger::VerifyReport;
use worklog_rules::{Analysis, Progress, RulePack};

use crate::analyze::{
    AnalyzeConfig, Execution, analyze_with_progress, load_policy, write_default_pack,
};
use crate::{Result, io, write_json};

/// What an audit reports while it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Step {
    /// A stage starts (a sentence: "verifying the hash chains…").
    Stage(&'static str),
    /// How the analysis goes, partition by partition.
    Analysis(Progress),
}

/// Everything one audit needs: the store and its keys, the policy and
/// rules, the period, where to write, and the report language.
#[derive(Debug, Clone)]
pub struct AuditConfig {
    /// The event store.
    pub store: PathBuf,
    /// Folder of trusted public keys.
    pub keys: PathBuf,
    /// The anchor log, when there is one.
    pub anchors: Option<PathBuf>,
    /// The policy folder.
    pub policy: PathBuf,
    /// The rule pack folder; `None`: the default pack built into this
    /// library, written to `<out>/rules` so that the audit keeps the exact
    /// rules it ran.
    pub rules: Option<PathBuf>,
    /// First local day.
    pub first_day: NaiveDate,
    /// Last local day (included).
    pub last_day: NaiveDate,
    /// Output folder: `verification.json`, `rules/` (when the default pack
    /// is used), `analysis/`, `report/`.
    pub out: PathBuf,
    /// Report language.
    pub language: worklog_rules::Language,
    /// Memory budget and partitioning of the analysis.
    pub execution: Execution,
    /// The last audit's analysis, to compare with (new, fixed, still
    /// open, verdict changes), when given.
    pub compare: Option<std::sync::Arc<Analysis>>,
    /// Write the reports pseudonymised with this key (for external
    /// parties); `analysis/` keeps the real names for the agency.
    pub pseudonymise: Option<worklog_report::PseudonymKey>,
    /// Have the analysis and then the whole audit folder time-stamped by
    /// this TSA (`stamp/`): the report states the analysis's stamp, and
    /// [`crate::report_stamp::verify_folder`] checks the folder later.
    pub tsa: Option<crate::tsa::Tsa>,
}

/// What an audit produced.
#[derive(Debug)]
pub struct AuditOutput {
    /// The verifier's report.
    pub verification: VerifyReport,
    /// The analysis.
    pub analysis: Analysis,
    /// `analysis.json`, `findings.parquet`, `verdicts.parquet`.
    pub analysis_files: Vec<PathBuf>,
    /// The reports.
    pub reports: worklog_report::ReportFiles,
    /// The stamped manifests (analysis, then the whole folder), when a TSA
    /// was given.
    pub stamps: Vec<crate::report_stamp::StampedManifest>,
}

/// Verify, analyse and report in one call: what `worklog audit` runs. The
/// analysis carries the verification result (integrity and retention), and
/// segments the verifier could not read are left out of it and reported.
/// `progress` is told each stage as it starts, and how the analysis goes.
pub fn audit(config: &AuditConfig, progress: &(dyn Fn(Step) + Sync)) -> Result<AuditOutput> {
    std::fs::create_dir_all(&config.out).map_err(io(&config.out))?;
    // Inputs are checked before anything is written, so that a bad path
    // fails the job with nothing half-done.
    let rules = match &config.rules {
        Some(dir) => dir.clone(),
        None => {
            let dir = config.out.join("rules");
            write_default_pack(&dir)?;
            dir
        }
    };
    RulePack::load(&rules)?;
    load_policy(&config.policy)?;
    progress(Step::Stage(
        "verifying the hash chains, signatures and anchors",
    ));
    let verification = verify_store(config)?;
    let verification_json = config.out.join("verification.json");
    write_json(&verification_json, &verification)?;

    progress(Step::Stage("analysing events against the rules"));
    let analysis = analyze_with_progress(
        &AnalyzeConfig {
            store: config.store.clone(),
            policy: config.policy.clone(),
            rules,
            first_day: config.first_day,
            last_day: config.last_day,
            verification: Some(verification.clone()),
            execution: config.execution.clone(),
        },
        &|p| progress(Step::Analysis(p)),
    )?;
    let analysis_files = worklog_rules::write_analysis(&analysis, &config.out.join("analysis"))?;
    // A report left from an earlier run in this folder is no part of
    // what is stamped now.
    let mut stamps = Vec::new();
    let mut generation = worklog_report::Generation::now();
    if let Some(tsa) = &config.tsa {
        progress(Step::Stage("time-stamping the analysis"));
        let stamped = stamp_analysis(config, tsa)?;
        generation.stamp = Some(worklog_report::AnalysisStamp {
            tsa: stamped.stamp.tsa.clone(),
            time: stamped.stamp.time,
            manifest_sha256: stamped.digest,
        });
        stamps.push(stamped);
    }

    progress(Step::Stage("writing the reports"));
    let reports = worklog_report::write_reports(
        &analysis,
        &config.out.join("report"),
        &worklog_report::ReportOptions {
            language: config.language,
            compare: config.compare.clone(),
            pseudonymise: config.pseudonymise.clone(),
            ..Default::default()
        },
        generation,
    )?;
    if let Some(tsa) = &config.tsa {
        progress(Step::Stage("time-stamping the audit folder"));
        stamps.push(crate::report_stamp::stamp_folder(
            &config.out,
            crate::report_stamp::MANIFEST,
            &[],
            tsa,
        )?);
    }
    Ok(AuditOutput {
        verification,
        analysis,
        analysis_files,
        reports,
        stamps,
    })
}

/// The store verified with the keys and, when given, the anchor log.
fn verify_store(config: &AuditConfig) -> Result<VerifyReport> {
    let keyring = worklog_ledger::Keyring::load_dir(&config.keys)?;
    let anchor_log = match &config.anchors {
        Some(path) => Some(worklog_ledger::AnchorLog::open_existing(path)?.0),
        None => None,
    };
    let mut verifier = worklog_ledger::Verifier::new(&keyring);
    if let (Some(log), Some(path)) = (&anchor_log, &config.anchors) {
        verifier = verifier.anchors(log, path.display().to_string());
    }
    Ok(verifier.verify(&config.store)?)
}

/// The analysis (and verification) time-stamped, before any report.
fn stamp_analysis(
    config: &AuditConfig,
    tsa: &crate::tsa::Tsa,
) -> Result<crate::report_stamp::StampedManifest> {
    crate::report_stamp::stamp_folder(
        &config.out,
        crate::report_stamp::ANALYSIS_MANIFEST,
        &["report"],
        tsa,
    )
}
