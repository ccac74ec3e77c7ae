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
    Ok(builder
        .build()?
        .analyze(&EventSource::Store(config.store.clone()))?)
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
