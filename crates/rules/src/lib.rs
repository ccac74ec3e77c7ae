//! The rule engine of Worklog Analyzer: maps PC operation events to the
//! evaluation items of the Life Insurance Association's business-quality
//! standard (items 108–125) and to leak-prevention signals, with a verdict
//! per item and device.
//!
//! Everything that changes with the standard is data: a rule pack is a
//! folder with the item catalog (`catalog.toml`) and one file per rule
//! (`rules/<id>.toml`) whose logic is a SQL query over `events` and the
//! policy's reference tables, run through polars' SQL front end. The SQL
//! keeps to a subset that DuckDB and Spark SQL also run (see
//! `docs/rules.md`), so the same rules can move to a distributed engine.
//!
//! Rules run on any SQL engine behind the [`Engine`] trait: it reads one
//! partition's events and the reference tables, runs the rendered SQL and
//! returns Arrow record batches. `worklog-polars` is the engine the tools
//! use. The analysis cuts the devices into partitions that fit a memory
//! budget and runs them one after another, a loader thread reading the
//! next while the rules run over the current one; verdicts, waivers,
//! rollups and log checks are pure logic over what the engine returned.
//!
//! # Example
//! The default pack, as the tools load it:
//! ```
//! use std::path::Path;
//! use worklog_rules::RulePack;
//!
//! let pack = RulePack::load(Path::new("../../rules/default"))?;
//! let item_124: Vec<&str> = pack.rules_for_item("124").map(|r| r.id.as_str()).collect();
//! assert!(item_124.contains(&"eos_os"), "{item_124:?}");
//! # Ok::<(), worklog_rules::Error>(())
//! ```
//! An analysis with an engine:
//! ```no_run
//! use std::path::Path;
//! use worklog_rules::{Analyzer, Engine, EventSource, Period, RulePack};
//! use worklog_schema::policy::Policy;
//!
//! # fn run(engine: &dyn Engine) -> Result<(), Box<dyn std::error::Error>> {
//! let pack = RulePack::load(Path::new("rules/default"))?;
//! let policy = Policy::load(Path::new("samples/policy")).map_err(|problems| {
//!     problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
//! })?;
//! let day = |s| Period::parse_day(s, "day");
//! let period = Period::new(day("2026-10-01")?, day("2026-10-31")?, "Asia/Tokyo")?;
//! let analysis = Analyzer::builder(&pack, &policy, engine)
//!     .period(period)
//!     .memory(1 << 30)
//!     .build()?
//!     .analyze(&EventSource::Files(vec!["events.parquet".into()]))?;
//! for v in analysis.rollups.iter().filter(|r| r.department.is_none()) {
//!     println!("{}: {}", v.item, v.verdict);
//! }
//! # Ok(())
//! # }
//! ```
//! (`worklog_polars::PolarsEngine` is such an engine; the `worklog` facade
//! crate runs this with it, over a ledger store's segments listed by
//! `worklog::store_segments` as an [`EventSource::Store`].)

mod analyzer;
mod assemble;
mod catalog;
mod checks;
mod columns;
mod coverage;
mod engine;
mod error;
mod findings;
mod ledger_view;
mod manifest;
mod output;
mod pack;
mod params;
mod partition;
mod portable;
mod rule;
mod sources;
mod sql;
mod statistics;
mod tables;
mod values;
mod verdict;
mod waiver;

pub use analyzer::{Analyzer, AnalyzerBuilder, Progress};
pub use catalog::{Applicability, Catalog, CatalogError, Item, Level};
pub use engine::{Columns, Engine, EngineError, EventsSpec, QueryResult, Session, Table};
pub use error::{Error, Result, RuleFileError};
pub use ledger_view::{DeviceVerification, ProvenFile, Segment, SegmentListing, StoreVerification};
pub use output::{ANALYSIS_JSON, FINDINGS_PARQUET, VERDICTS_PARQUET, write_analysis};
pub use pack::RulePack;
pub use params::{Dialect, ParamValue, Params};
pub use partition::{
    BYTES_PER_EVENT, DEFAULT_MEMORY_BYTES, PARTITIONS_IN_FLIGHT, TARGET_PARTITION_EVENTS,
};
pub use rule::{LogRole, Rule};
pub use sources::EventSource;
pub use tables::{ColumnType, REFERENCE_TABLES, TableSpec, reference_tables};
pub use waiver::{WAIVER_FILE, Waiver, load_waivers, parse_waivers};
pub use worklog_model::{
    Analysis, Category, CheckStatus, Coverage, DeviceSummary, DeviceVerdict, Finding, InputFile,
    Integrity, ItemInfo, Language, LogCheck, Manifest, NaiveDate, Period, PeriodError, Problem,
    Rollup, RuleRun, Severity, Verdict, VerdictReason, WaivedBy,
};
