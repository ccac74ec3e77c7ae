//! The analysis job: rule pack + policy + store + period → findings and
//! verdicts.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use worklog_ledger::VerifyReport;
use worklog_polars::PolarsEngine;
use worklog_rules::{
    Analysis, Analyzer, Engine, EventSource, Period, Problem, Progress, RulePack, load_waivers,
};
use worklog_schema::policy::Policy;
use worklog_spark::{SparkEngine, SparkOptions};

use crate::{Error, Result, io};

/// Which engine runs the rules' SQL. The findings do not depend on it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum EngineChoice {
    /// polars, in this process, one partition of devices at a time within
    /// the memory budget.
    #[default]
    Polars,
    /// Apache Spark through `spark-submit` (local mode or a cluster): the
    /// whole period in one job, spread by Spark.
    Spark(SparkOptions),
}

impl EngineChoice {
    /// A short name for messages (`polars`, `spark`).
    pub fn name(&self) -> &'static str {
        match self {
            EngineChoice::Polars => "polars",
            EngineChoice::Spark(_) => "spark",
        }
    }
}

/// How the analysis runs: its engine, memory budget and how devices are
/// grouped. Results do not depend on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Execution {
    /// Bytes the period's events may take in memory (two partitions in
    /// flight, [`worklog_rules::BYTES_PER_EVENT`] bytes an event).
    pub memory_bytes: u64,
    /// At most this many devices per partition (`None`: as the budget
    /// allows).
    pub devices_per_partition: Option<usize>,
    /// The engine that runs the rules.
    pub engine: EngineChoice,
}

impl Default for Execution {
    fn default() -> Self {
        Execution {
            memory_bytes: worklog_rules::DEFAULT_MEMORY_BYTES,
            devices_per_partition: None,
            engine: EngineChoice::Polars,
        }
    }
}

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
    /// Memory budget and partitioning.
    pub execution: Execution,
}

/// Loads the pack, the policy and its waivers, and runs the analysis with
/// the engine of `config.execution` (polars by default). The time zone of
/// the period is the policy's.
pub fn analyze(config: &AnalyzeConfig) -> Result<Analysis> {
    analyze_with_progress(config, &|_| {})
}

/// [`analyze`], telling `progress` how the partitions go.
pub fn analyze_with_progress(
    config: &AnalyzeConfig,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Analysis> {
    let pack = RulePack::load(&config.rules)?;
    let policy = load_policy(&config.policy)?;
    let time_zone = policy
        .settings
        .as_ref()
        .map_or("Asia/Tokyo", |s| s.time_zone.as_str())
        .to_owned();
    let period = Period::new(config.first_day, config.last_day, &time_zone)
        .map_err(worklog_rules::Error::from)?;
    let rule_ids: Vec<&str> = pack.rules.iter().map(|r| r.id.as_str()).collect();
    let (waivers, waiver_problems) = load_waivers(&config.policy, &rule_ids);
    let engine: Box<dyn Engine> = match &config.execution.engine {
        EngineChoice::Polars => Box::new(PolarsEngine::new()),
        EngineChoice::Spark(options) => {
            Box::new(SparkEngine::new(options.clone()).map_err(worklog_rules::Error::from)?)
        }
    };
    let mut builder = Analyzer::builder(&pack, &policy, engine.as_ref())
        .period(period.clone())
        .memory(config.execution.memory_bytes)
        .waivers(waivers)
        .policy_dir(&config.policy)
        .problems(waiver_problems.into_iter().map(|p| Problem {
            source: worklog_model::ProblemSource::Waiver,
            file: p.file,
            line: p.line,
            reason: p.reason,
        }));
    let verification = config
        .verification
        .as_ref()
        .map(crate::ledger_view::store_verification);
    if let Some(report) = &verification {
        builder = builder.verification(report);
    }
    if let Some(devices) = config.execution.devices_per_partition {
        builder = builder.devices_per_partition(devices);
    }
    let analyzer = builder.build()?;
    let listing = crate::ledger_view::store_segments(&config.store, &period)?;
    let analysis = analyzer.analyze_with_progress(&EventSource::Store(listing), progress)?;
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

/// The default rule pack built into this library, loaded from memory
/// (for commands that read a pack but write nothing of their own, such as
/// `worklog rules list`).
pub fn default_pack() -> Result<RulePack> {
    let files: Vec<(&str, &[u8])> = crate::DEFAULT_PACK
        .iter()
        .map(|(path, text)| (*path, text.as_bytes()))
        .collect();
    Ok(RulePack::from_files("(built-in default pack)", &files)?)
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
