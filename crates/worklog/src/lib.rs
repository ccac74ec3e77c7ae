//! Worklog Analyzer: PC operation logs in, tamper-evident evidence and
//! compliance findings out.
//!
//! This facade re-exports the crates ([`schema`], [`ledger`], [`synth`],
//! [`model`], [`rules`], [`polars_engine`], [`spark_engine`], [`report`]) and
//! offers the jobs the `worklog` CLI runs as plain library calls.
//!
//! # Example
//! The demo writes a signed store, its keys and policy; `audit` then
//! verifies, analyses and reports it, as `worklog audit` does.
//! ```
//! use worklog::{AuditConfig, DemoConfig, audit, run_demo};
//!
//! let out = tempfile::tempdir().unwrap();
//! let config = DemoConfig {
//!     devices: 6,
//!     days: 7,
//!     events_per_device_day: 80,
//!     start: "2026-10-01".parse().ok(),
//!     ..DemoConfig::default()
//! };
//! let demo = run_demo(out.path(), &config).unwrap();
//! assert!(demo.verification.is_clean());
//! assert_eq!(demo.verification.devices.len(), 5); // one simulated device is silent
//!
//! let result = audit(
//!     &AuditConfig {
//!         store: demo.store.clone(),
//!         keys: demo.keys.clone(),
//!         anchors: Some(demo.anchors.clone()),
//!         policy: demo.policy.clone(),
//!         rules: Some(demo.rules.clone()),
//!         first_day: "2026-10-01".parse().unwrap(),
//!         last_day: "2026-10-07".parse().unwrap(),
//!         out: out.path().join("audit"),
//!         language: worklog::rules::Language::En,
//!         execution: worklog::Execution::default(),
//!         compare: None,
//!         pseudonymise: None,
//!         tsa: None,
//!     },
//!     &|step| eprintln!("{step:?}"),
//! )
//! .unwrap();
//! assert!(result.verification.is_clean());
//! assert_eq!(result.analysis.rollups.iter().filter(|r| r.department.is_none()).count(), 9);
//! assert!(result.reports.excel.is_file() && result.reports.html.is_file());
//! ```

use std::path::{Path, PathBuf};

mod analyze;
mod anchoring;
mod audit;
mod default_pack;
mod delivery;
mod import;
pub(crate) mod import_rejects;
mod ingest;
mod ledger_view;
pub mod report_stamp;
pub mod settings;
pub mod tsa;
pub use analyze::{
    AnalyzeConfig, EngineChoice, Execution, analyze, analyze_with_progress, default_pack,
    load_analysis, load_policy, write_default_pack,
};
pub use anchoring::{ClaimsWritten, HeadsAnchored, anchor_head_claims, export_head_claims};
pub use audit::{AuditConfig, AuditOutput, Step, audit};
pub use default_pack::DEFAULT_PACK;
pub use delivery::{DeviceIngest, FileOutcome, REORDER_WINDOW_SECS, StoreOutcome};
pub use import::{
    EvtxFileReport, EvtxReport, ExportFormat, RecordGap, evtx_files, import_evtx, import_export,
    import_osquery, osquery_files,
};
pub use import_rejects::write_import_rejects;
pub use ingest::{IngestReport, InputFormat, LinesFileReport, RejectsTo, ingest};
pub use ledger_view::{store_segments, store_verification};
pub use worklog_import as import_formats;
pub use worklog_model as model;
pub use worklog_polars as polars_engine;
pub use worklog_report as report;
pub use worklog_rules as rules;
pub use worklog_spark as spark_engine;
pub use worklog_stamp as stamp;

use rayon::prelude::*;
pub use worklog_fs as fs;
pub use worklog_ledger as ledger;
use worklog_ledger::{
    AnchorLog, Durability, KeysDir, Role, SecretKey, SegmentWriter, VerifyReport, export_heads,
};
pub use worklog_schema as schema;
pub use worklog_synth as synth;
use worklog_synth::{Fleet, FleetConfig, write_labels};

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong in a job.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The ledger failed (I/O, keys, format).
    #[error(transparent)]
    Ledger(#[from] worklog_ledger::Error),
    /// The simulator failed.
    #[error(transparent)]
    Synth(#[from] worklog_synth::Error),
    /// A file or folder could not be written (the cause is the source).
    #[error("{}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// An input file is malformed as a whole (a CSV header, say).
    #[error("{}: {reason}", path.display())]
    Input {
        /// The file.
        path: PathBuf,
        /// What is wrong, and what to do.
        reason: String,
    },
    /// The rule engine failed.
    #[error(transparent)]
    Rules(#[from] worklog_rules::Error),
    /// A time-stamp could not be had or does not verify.
    #[error("time-stamp from {tsa}: {reason}")]
    Stamp {
        /// The TSA's URL.
        tsa: String,
        /// Why, and what to do.
        reason: String,
    },
    /// The store holds no event in the period: most likely a wrong period
    /// or store (a real but silent fleet is reported by the analysis of a
    /// period that has some events).
    #[error("{} holds no event from {first_day} to {last_day} (local days): check --from/--to and --store", store.display())]
    NoEvents {
        /// The store.
        store: PathBuf,
        /// First day asked for.
        first_day: chrono::NaiveDate,
        /// Last day asked for.
        last_day: chrono::NaiveDate,
    },
    /// A report could not be written.
    #[error(transparent)]
    Report(#[from] worklog_report::Error),
    /// The policy folder has problems (one per line: file, line, field, reason).
    #[error("the policy in {} cannot be used:\n{problems}", path.display())]
    Policy {
        /// The policy folder.
        path: PathBuf,
        /// Every problem, one per line.
        problems: String,
    },
    /// The demo's period reaches today or later.
    #[error(
        "a demo of {days} day(s) from {first} reaches today ({today}) or later: an audit covers days that have ended; choose an earlier --from or fewer --days"
    )]
    DemoPeriod {
        /// Its first day.
        first: chrono::NaiveDate,
        /// Its length.
        days: u32,
        /// Today (Asia/Tokyo).
        today: chrono::NaiveDate,
    },
    /// An audit setting is missing or invalid (the text names it).
    #[error("{0}")]
    Settings(String),
    /// The output folder holds an earlier run.
    #[error("{} already holds a store; choose an empty folder or remove it", path.display())]
    NotEmpty {
        /// The folder.
        path: PathBuf,
    },
}

/// Writes `value` as pretty JSON, whole: into a temporary file beside
/// `path`, renamed over it once written.
fn write_json(path: &Path, value: &impl serde::Serialize) -> Result<()> {
    let json = serde_json::to_vec_pretty(value).map_err(|e| io(path)(std::io::Error::other(e)))?;
    write_whole(path, &json)
}

/// Writes `bytes` to `path` whole: aside, then renamed over it.
fn write_whole(path: &Path, bytes: &[u8]) -> Result<()> {
    worklog_fs::write_atomic(path, bytes).map_err(io(path))
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_owned(),
        source,
    }
}

/// What the demo job simulates.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoConfig {
    /// Simulator seed.
    pub seed: u64,
    /// Devices.
    pub devices: usize,
    /// Days.
    pub days: u32,
    /// Events per device per working day.
    pub events_per_device_day: u32,
    /// First simulated day (local date, Asia/Tokyo); `None`: the period
    /// of `days` that ends yesterday.
    pub start: Option<chrono::NaiveDate>,
    /// Language of the reports.
    pub language: worklog_rules::Language,
}

impl DemoConfig {
    /// The simulated period (first and last local day), given today's
    /// local date: from `start`, or the `days` ending yesterday. A period
    /// that reaches today or later is refused: an audit covers days that
    /// have ended, and the ledger refuses events more than a day after its
    /// clock.
    pub fn period(
        &self,
        today: chrono::NaiveDate,
    ) -> Result<(chrono::NaiveDate, chrono::NaiveDate)> {
        let span = u64::from(self.days.max(1) - 1);
        let yesterday = today.pred_opt().unwrap_or(today);
        let first = match self.start {
            Some(first) => first,
            None => yesterday
                .checked_sub_days(chrono::Days::new(span))
                .unwrap_or(yesterday),
        };
        let last = first
            .checked_add_days(chrono::Days::new(span))
            .ok_or(Error::DemoPeriod {
                first,
                days: self.days,
                today,
            })?;
        if last >= today {
            return Err(Error::DemoPeriod {
                first,
                days: self.days,
                today,
            });
        }
        Ok((first, last))
    }
}

/// Today's date in the demo fleet's time zone (Asia/Tokyo).
fn demo_today() -> chrono::NaiveDate {
    let now = chrono::Utc::now() + chrono::Duration::hours(9);
    now.date_naive()
}

impl Default for DemoConfig {
    /// 30 devices × 14 days × 500 events: a few hundred thousand events,
    /// seconds to build.
    fn default() -> Self {
        DemoConfig {
            seed: FleetConfig::default().seed,
            devices: 30,
            days: 14,
            events_per_device_day: 500,
            start: None,
            language: worklog_rules::Language::Ja,
        }
    }
}

/// Where the demo job put things, and what it found.
#[derive(Debug)]
pub struct DemoOutput {
    /// The signed event store.
    pub store: PathBuf,
    /// Device public keys and the authority key (`keys/`, secrets in `keys/secret/`).
    pub keys: PathBuf,
    /// The anchor log.
    pub anchors: PathBuf,
    /// The policy folder matching the fleet.
    pub policy: PathBuf,
    /// The ground-truth labels of injected violations.
    pub ground_truth: PathBuf,
    /// The verification report (JSON).
    pub verification_json: PathBuf,
    /// Events written.
    pub events: u64,
    /// Ground-truth labels written.
    pub labels: usize,
    /// The verification result.
    pub verification: VerifyReport,
    /// The rule pack written for the demo (the embedded default pack).
    pub rules: PathBuf,
    /// The analysis of the demo fleet.
    pub analysis: worklog_rules::Analysis,
    /// Where `analysis.json`, `findings.parquet` and `verdicts.parquet` are.
    pub analysis_dir: PathBuf,
    /// The reports (Excel, HTML, JSON, CSV).
    pub reports: worklog_report::ReportFiles,
}

/// The demo: a fleet simulated into `out` ([`simulate_demo`]), then
/// audited there like any store ([`audit`]): verification, analysis and
/// reports.
pub fn run_demo(out: &Path, config: &DemoConfig) -> Result<DemoOutput> {
    run_demo_with_progress(out, config, &|_| {})
}

/// [`run_demo`], telling `progress` how the audit goes.
pub fn run_demo_with_progress(
    out: &Path,
    config: &DemoConfig,
    progress: &(dyn Fn(Step) + Sync),
) -> Result<DemoOutput> {
    let fleet = simulate_demo(out, config)?;
    let audited = audit(
        &AuditConfig {
            store: fleet.store.clone(),
            keys: fleet.keys.clone(),
            anchors: Some(fleet.anchors.clone()),
            policy: fleet.policy.clone(),
            rules: None,
            first_day: fleet.first_day,
            last_day: fleet.last_day,
            out: out.to_owned(),
            language: config.language,
            execution: Execution::default(),
            compare: None,
            pseudonymise: None,
            tsa: None,
        },
        progress,
    )?;
    Ok(DemoOutput {
        store: fleet.store,
        keys: fleet.keys,
        anchors: fleet.anchors,
        policy: fleet.policy,
        ground_truth: fleet.ground_truth,
        verification_json: out.join("verification.json"),
        events: fleet.events,
        labels: fleet.labels,
        verification: audited.verification,
        rules: out.join("rules"),
        analysis: audited.analysis,
        analysis_dir: out.join("analysis"),
        reports: audited.reports,
    })
}

/// What [`simulate_demo`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DemoFleet {
    /// The signed event store.
    pub store: PathBuf,
    /// Device and authority keys (`keys/`, secrets in `keys/secret/`).
    pub keys: PathBuf,
    /// The anchor log.
    pub anchors: PathBuf,
    /// The policy folder matching the fleet.
    pub policy: PathBuf,
    /// The ground-truth labels of injected violations.
    pub ground_truth: PathBuf,
    /// First day simulated.
    pub first_day: chrono::NaiveDate,
    /// Last day simulated.
    pub last_day: chrono::NaiveDate,
    /// Events written.
    pub events: u64,
    /// Ground-truth labels written.
    pub labels: usize,
}

/// Simulates a fleet and writes what an audit reads under `out`: device
/// keys, a signed store written through the ledger writer, anchors
/// countersigned by an authority key, the policy and the ground truth.
pub fn simulate_demo(out: &Path, config: &DemoConfig) -> Result<DemoFleet> {
    let (first_day, last_day) = config.period(demo_today())?;
    let store = out.join("store");
    if store.exists() {
        return Err(Error::NotEmpty {
            path: out.to_owned(),
        });
    }
    let keys = KeysDir::new(out.join("keys"));
    std::fs::create_dir_all(&store).map_err(io(&store))?;

    let fleet = Fleet::new(FleetConfig {
        seed: config.seed,
        devices: config.devices,
        days: config.days,
        events_per_device_day: config.events_per_device_day,
        start: first_day,
        ..FleetConfig::default()
    })?;
    let authority = SecretKey::generate(Role::Authority, "authority")?;
    keys.add(&authority)?;

    let (events, labels) = write_fleet(&fleet, &store, &keys)?;
    let anchors = out.join("anchors.jsonl");
    anchor_heads(&store, &keys, &authority, &anchors)?;
    let policy = out.join("policy");
    fleet.write_policy(&policy)?;
    let ground_truth = out.join("ground-truth.csv");
    write_labels(&ground_truth, &labels)?;
    Ok(DemoFleet {
        store,
        keys: keys.root().to_owned(),
        anchors,
        policy,
        ground_truth,
        first_day,
        last_day,
        events,
        labels: labels.len(),
    })
}

/// Each device's chain written with its own new key; devices in parallel,
/// each a simulated day at a time (memory holds a day per device, whatever
/// the period). The events written and the ground truth.
fn write_fleet(
    fleet: &Fleet,
    store: &Path,
    keys: &KeysDir,
) -> Result<(u64, Vec<worklog_synth::Label>)> {
    let ids: Vec<String> = fleet.device_ids().map(str::to_owned).collect();
    let results: Vec<Result<(u64, Vec<worklog_synth::Label>)>> = ids
        .par_iter()
        .enumerate()
        .map(|(i, device_id)| {
            let key = SecretKey::generate(Role::Device, device_id.clone())?;
            keys.add(&key)?;
            let mut writer: Option<SegmentWriter> = None;
            let (mut n, mut labels) = (0, Vec::new());
            fleet.stream(i, &mut |events, day_labels| -> Result<()> {
                labels.extend(day_labels);
                if events.is_empty() {
                    return Ok(());
                }
                n += events.len() as u64;
                let writer = match &mut writer {
                    Some(writer) => writer,
                    None => writer.insert(
                        SegmentWriter::builder(store, key.clone())
                            .max_rows(50_000)
                            .durability(Durability::Process)
                            .build()?,
                    ),
                };
                writer.append_batch(events)?;
                Ok(())
            })?;
            if let Some(writer) = writer {
                writer.close()?;
            }
            Ok((n, labels))
        })
        .collect();
    let mut events = 0;
    let mut labels = Vec::new();
    for result in results {
        let (n, device_labels) = result?;
        events += n;
        labels.extend(device_labels);
    }
    Ok((events, labels))
}

/// Every device's latest head countersigned by `authority` into the anchor
/// log at `anchors`.
fn anchor_heads(store: &Path, keys: &KeysDir, authority: &SecretKey, anchors: &Path) -> Result<()> {
    let keyring = keys.keyring()?;
    let (mut log, _) = AnchorLog::open(anchors)?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64);
    for claim in export_heads(store)? {
        log.anchor(&claim, &keyring, authority, now)?;
    }
    Ok(())
}
