//! The analysis job: rule pack + policy + store + period → findings and
//! verdicts.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use worklog_ledger::VerifyReport;
use worklog_rules::{Analysis, Analyzer, EventSource, Period, Problem, RulePack, load_waivers};

use worklog_schema::policy::Policy;

use crate::{Error, Result, io};

/// What to analyse.
#[derive(Debug, Clone)]
pub struct AnalyzeConfig {
    /// The event store.
    pub store: PathBuf,
    /// The policy folder (policy.toml, CSV tables, optional waivers.csv).
    pub policy: PathBuf,
    /// The rule pack folder (catalog.toml, rules/).
    pub rules: PathBuf,
    /// First local day of the period.
    pub first_day: NaiveDate,
    /// Last local day (included).
    pub last_day: NaiveDate,
    /// The ledger verifier's result, for the integrity and retention checks.
    pub verification: Option<VerifyReport>,
}

/// Loads the pack, the policy and its waivers, and runs the analysis. The
/// time zone of the period is the policy's.
pub fn analyze(config: &AnalyzeConfig) -> Result<Analysis> {
    let pack = RulePack::load(&config.rules)?;
    let policy = load_policy(&config.policy)?;
    let time_zone = policy
        .settings
        .as_ref()
        .map_or("Asia/Tokyo", |s| s.time_zone.as_str())
        .to_owned();
    let period = Period::new(config.first_day, config.last_day, &time_zone)?;
    let rule_ids: Vec<&str> = pack.rules.iter().map(|r| r.id.as_str()).collect();
    let (waivers, waiver_problems) = load_waivers(&config.policy, &rule_ids);
    let mut builder = Analyzer::builder(&pack, &policy)
        .period(period)
        .waivers(waivers)
        .policy_dir(&config.policy)
        .problems(waiver_problems.into_iter().map(|p| Problem {
            source: "waiver".into(),
            file: p.file,
            line: p.line,
            reason: p.reason,
        }));
    if let Some(report) = &config.verification {
        builder = builder.verification(report);
    }
    let analysis = builder
        .build()?
        .analyze(&EventSource::Store(config.store.clone()))?;
    if analysis.events == 0 {
        return Err(Error::NoEvents {
            store: config.store.clone(),
            first_day: config.first_day,
            last_day: config.last_day,
        });
    }
    Ok(analysis)
}

/// Loads and validates a policy folder; every problem is listed.
pub fn load_policy(dir: &Path) -> Result<Policy> {
    Policy::load(dir).map_err(|problems| Error::Policy {
        path: dir.to_owned(),
        problems: problems
            .iter()
            .map(|p| format!("  {p}"))
            .collect::<Vec<_>>()
            .join("\n"),
    })
}

/// The default rule pack built into this library, written to a private
/// temporary folder (removed when this is dropped), for commands that read
/// a pack but write nothing of their own (`worklog rules list`).
#[derive(Debug)]
pub struct EmbeddedPack {
    dir: PathBuf,
}

impl EmbeddedPack {
    /// Writes the embedded pack to a new temporary folder.
    pub fn write() -> Result<EmbeddedPack> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let dir = std::env::temp_dir().join(format!(
            "worklog-default-pack-{}-{nanos}",
            std::process::id()
        ));
        let pack = EmbeddedPack { dir };
        write_default_pack(&pack.dir)?;
        Ok(pack)
    }

    /// The folder it was written to.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for EmbeddedPack {
    fn drop(&mut self) {
        // Best effort: a temporary copy left behind harms nothing.
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Writes the embedded default rule pack into `dir`.
pub fn write_default_pack(dir: &Path) -> Result<()> {
    for (path, text) in crate::DEFAULT_PACK {
        let target = dir.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        std::fs::write(&target, text).map_err(io(&target))?;
    }
    Ok(())
}

/// Reads an `analysis.json` written by `worklog analyze` (a file, or the
/// folder holding it).
pub fn load_analysis(path: &Path) -> Result<Analysis> {
    let file = if path.is_dir() {
        path.join(worklog_rules::ANALYSIS_JSON)
    } else {
        path.to_owned()
    };
    let text = std::fs::read_to_string(&file).map_err(io(&file))?;
    serde_json::from_str(&text).map_err(|e| Error::Input {
        path: file.clone(),
        reason: format!(
            "not an analysis written by `worklog analyze` ({e}); run `worklog analyze` again"
        ),
    })
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
}

/// Verify, analyse and report in one call: what `worklog audit` runs. The
/// analysis carries the verification result (integrity and retention), and
/// segments the verifier could not read are left out of it and reported.
/// `progress` is told each stage as it starts.
pub fn audit(config: &AuditConfig, progress: &dyn Fn(&str)) -> Result<AuditOutput> {
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
    progress("verifying the hash chains, signatures and anchors");
    let keyring = worklog_ledger::Keyring::load_dir(&config.keys)?;
    let anchor_log = match &config.anchors {
        Some(path) => Some(worklog_ledger::AnchorLog::open(path)?.0),
        None => None,
    };
    let mut verifier = worklog_ledger::Verifier::new(&keyring);
    if let (Some(log), Some(path)) = (&anchor_log, &config.anchors) {
        verifier = verifier.anchors(log, path.display().to_string());
    }
    let verification = verifier.verify(&config.store)?;
    let verification_json = config.out.join("verification.json");
    let json = serde_json::to_string_pretty(&verification).unwrap_or_default();
    std::fs::write(&verification_json, json).map_err(io(&verification_json))?;

    progress("analysing events against the rules");
    let analysis = analyze(&AnalyzeConfig {
        store: config.store.clone(),
        policy: config.policy.clone(),
        rules,
        first_day: config.first_day,
        last_day: config.last_day,
        verification: Some(verification.clone()),
    })?;
    let analysis_files = worklog_rules::write_analysis(&analysis, &config.out.join("analysis"))?;

    progress("writing the reports");
    let reports = worklog_report::write_reports(
        &analysis,
        &config.out.join("report"),
        &worklog_report::ReportOptions {
            language: config.language,
            ..Default::default()
        },
        worklog_report::Generation::now(),
    )?;
    Ok(AuditOutput {
        verification,
        analysis,
        analysis_files,
        reports,
    })
}
