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
//! # Example
//! ```no_run
//! use std::path::Path;
//! use worklog_rules::{Analyzer, EventSource, Period, RulePack};
//! use worklog_schema::policy::Policy;
//!
//! let pack = RulePack::load(Path::new("rules/default"))?;
//! let policy = Policy::load(Path::new("samples/policy")).map_err(|problems| {
//!     problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
//! })?;
//! let day = |s| Period::parse_day(s, "day");
//! let period = Period::new(day("2026-10-01")?, day("2026-10-31")?, "Asia/Tokyo")?;
//! let analysis = Analyzer::builder(&pack, &policy)
//!     .period(period)
//!     .build()?
//!     .analyze(&EventSource::Store("store".into()))?;
//! for v in analysis.rollups.iter().filter(|r| r.department.is_none()) {
//!     println!("{}: {}", v.item, v.verdict);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod catalog;
mod coverage;
mod engine;
mod error;
mod model;
mod output;
mod pack;
mod params;
mod period;
mod rule;
mod tables;
mod verdict;
mod waiver;

pub use catalog::{Applicability, Catalog, CatalogError, Item, Level};
pub use chrono::NaiveDate;
pub use engine::{Analyzer, AnalyzerBuilder, EventSource, collect_all, empty_events};
pub use error::{Error, Result, RuleFileError};
pub use model::{
    Analysis, CheckStatus, Coverage, DeviceSummary, DeviceVerdict, Finding, InputFile, Integrity,
    ItemInfo, Language, LogCheck, Manifest, Problem, Rollup, RuleRun, Verdict, VerdictReason,
    WaivedBy,
};
pub use output::{ANALYSIS_JSON, FINDINGS_PARQUET, VERDICTS_PARQUET, write_analysis};
pub use pack::RulePack;
pub use params::{ParamValue, Params};
pub use period::Period;
pub use rule::{Category, Rule, Severity};
pub use tables::{ColumnType, REFERENCE_TABLES, TableSpec, reference_tables};
pub use waiver::{WAIVER_FILE, Waiver, load_waivers, parse_waivers};

/// Re-exported so that callers need not depend on polars themselves.
pub use polars;
