//! The seam between the analysis and a SQL engine.
//!
//! Everything an engine must do for the analysis is here: read one
//! partition's events (a set of Parquet files, cut to the period, with the
//! derived `local_ts`) and the reference tables, run SQL text over them, and
//! hand back Arrow record batches. Verdicts, waivers, rollups and the log
//! checks are pure logic over those batches, in this crate; the engine
//! never sees them. `worklog-polars` is the engine the tools use; another
//! (DuckDB, Spark) implements these two traits.

use std::collections::BTreeSet;
use std::fmt;
use std::path::PathBuf;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;

use crate::params::Dialect;

/// Which event columns to read into `events`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Columns {
    /// Every column of the event schema (and `local_ts`).
    All,
    /// Only these (event columns, or `local_ts`), in this order.
    Named(Vec<String>),
}

/// One partition's events, as the engine must present them to SQL as the
/// table `events`: the rows of `files`, restricted to `devices` when given,
/// with `start_utc_us <= ts < end_utc_us`, plus the derived column
/// `local_ts = ts + utc_offset_min minutes` (see `docs/rules.md`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EventsSpec {
    /// Parquet files of the event schema (no Hive partition columns are
    /// derived from their paths).
    pub files: Vec<PathBuf>,
    /// Keep only rows of these devices; `None`: every row of the files.
    pub devices: Option<BTreeSet<String>>,
    /// First instant, µs UTC (included).
    pub start_utc_us: i64,
    /// Last instant, µs UTC (excluded).
    pub end_utc_us: i64,
    /// The columns to read.
    pub columns: Columns,
}

impl EventsSpec {
    /// The events of `files` in `[start_utc_us, end_utc_us)`, every row,
    /// every column.
    pub fn new(files: Vec<PathBuf>, start_utc_us: i64, end_utc_us: i64) -> EventsSpec {
        EventsSpec {
            files,
            devices: None,
            start_utc_us,
            end_utc_us,
            columns: Columns::All,
        }
    }

    /// Keeps only rows of `devices`.
    pub fn devices(mut self, devices: BTreeSet<String>) -> EventsSpec {
        self.devices = Some(devices);
        self
    }

    /// Reads only `columns`.
    pub fn columns(mut self, columns: Columns) -> EventsSpec {
        self.columns = columns;
        self
    }
}

/// A reference table, registered under `name`.
#[derive(Debug, Clone)]
pub struct Table {
    /// The SQL name (`devices`, `period`, …).
    pub name: String,
    /// Its rows.
    pub batch: RecordBatch,
}

/// The rows a query returned.
#[derive(Debug, Clone)]
pub struct QueryResult {
    /// The result's columns (also when there are no rows).
    pub schema: SchemaRef,
    /// The rows, in any number of batches.
    pub batches: Vec<RecordBatch>,
}

impl QueryResult {
    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }
}

/// A SQL engine the analysis can run on.
pub trait Engine: Send + Sync + fmt::Debug {
    /// A short name for messages (`polars`).
    fn name(&self) -> &str;

    /// How the engine's SQL writes string literals (the rules' settings are
    /// rendered into the SQL as literals).
    fn dialect(&self) -> Dialect {
        Dialect::Standard
    }

    /// Whether the engine spreads one partition over many machines itself
    /// (Spark): the analysis then gives it every device in one partition
    /// instead of cutting them to this process's memory budget.
    fn distributes(&self) -> bool {
        false
    }

    /// Reads one partition's events and registers them as `events`, with
    /// `tables` under their names. Fails when a file cannot be read; the
    /// caller then finds which one and leaves it out.
    fn load(&self, events: &EventsSpec, tables: &[Table]) -> Result<Box<dyn Session>, EngineError>;
}

/// One partition's events and tables, loaded and ready for queries.
pub trait Session: Send {
    /// Rows registered as `events`.
    fn events(&self) -> u64;

    /// Runs every query over the registered tables; one result per query,
    /// in order. Queries may share work; one failing query must not fail
    /// the others.
    fn run(&self, queries: &[&str]) -> Vec<Result<QueryResult, EngineError>>;

    /// The engine's plan of `query`, for developers tuning a rule.
    fn explain(&self, query: &str) -> Result<String, EngineError> {
        let _ = query;
        Err(EngineError::new("this engine does not explain its plans"))
    }
}

/// What an engine reports when it cannot load or run something.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct EngineError {
    message: String,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl EngineError {
    /// An error with a message only.
    pub fn new(message: impl Into<String>) -> EngineError {
        EngineError {
            message: message.into(),
            source: None,
        }
    }

    /// An error caused by `source`, which is kept.
    pub fn with_source(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> EngineError {
        EngineError {
            message: message.into(),
            source: Some(Box::new(source)),
        }
    }

    /// The message and every cause, joined by `: `.
    pub fn chain(&self) -> String {
        let mut text = self.message.clone();
        let mut cause = std::error::Error::source(self);
        while let Some(c) = cause {
            let part = c.to_string();
            if !text.contains(&part) {
                text.push_str(": ");
                text.push_str(&part);
            }
            cause = c.source();
        }
        text
    }
}
