//! The polars engine of Worklog Analyzer's rule engine.
//!
//! [`PolarsEngine`] implements [`worklog_rules::Engine`]: it reads one
//! partition's events into memory once (only the columns the pack reads),
//! registers them as `events` beside the reference tables, and runs every
//! rule's SQL with polars' SQL front end, all rules of a partition in one
//! `collect_all` so that they share the work. Results cross the seam as Arrow record batches; nothing of
//! polars shows in the analysis's API.
//!
//! # Example
//! ```
//! use worklog_polars::PolarsEngine;
//! use worklog_rules::{Engine, EventsSpec};
//!
//! // No files: an empty `events` with every column of the event schema.
//! let engine = PolarsEngine::new();
//! let session = engine.load(&EventsSpec::new(Vec::new(), 0, 1), &[])?;
//! let results = session.run(&["SELECT device_id, COUNT(*) AS n FROM events GROUP BY device_id"]);
//! let counted = results.into_iter().next().unwrap()?;
//! assert_eq!(counted.rows(), 0);
//! assert_eq!(counted.schema.field(0).name(), "device_id");
//! # Ok::<(), worklog_rules::EngineError>(())
//! ```

mod convert;
mod load;

use polars::prelude::*;
use polars::sql::SQLContext;
use worklog_rules::{Engine, EngineError, EventsSpec, QueryResult, Session, Table};

/// Runs rules with polars, in this process, on all cores.
#[derive(Debug, Clone, Copy, Default)]
pub struct PolarsEngine;

impl PolarsEngine {
    /// The engine.
    pub fn new() -> PolarsEngine {
        PolarsEngine
    }
}

impl Engine for PolarsEngine {
    fn name(&self) -> &str {
        "polars"
    }

    fn load(&self, events: &EventsSpec, tables: &[Table]) -> Result<Box<dyn Session>, EngineError> {
        let loaded = on_planning_stack(|| load::load_events(events))??;
        let tables = tables
            .iter()
            .map(|t| Ok((t.name.clone(), convert::frame_of(&t.batch)?)))
            .collect::<Result<Vec<_>, EngineError>>()?;
        Ok(Box::new(PolarsSession {
            events: loaded.frame,
            rows: loaded.rows,
            tables,
        }))
    }
}

/// One partition in memory.
struct PolarsSession {
    events: LazyFrame,
    rows: u64,
    tables: Vec<(String, DataFrame)>,
}

impl PolarsSession {
    fn context(&self) -> SQLContext {
        let ctx = SQLContext::new();
        ctx.register("events", self.events.clone());
        for (name, frame) in &self.tables {
            ctx.register(name, frame.clone().lazy());
        }
        ctx
    }
}

/// A query's polars error, its text as the message.
fn query_error(e: PolarsError) -> EngineError {
    EngineError::with_source(e.to_string(), e)
}

impl Session for PolarsSession {
    fn events(&self) -> u64 {
        self.rows
    }

    fn run(&self, queries: &[&str]) -> Vec<Result<QueryResult, EngineError>> {
        match on_planning_stack(|| self.run_here(queries)) {
            Ok(results) => results,
            Err(e) => queries
                .iter()
                .map(|_| Err(EngineError::new(e.chain())))
                .collect(),
        }
    }

    fn explain(&self, query: &str) -> Result<String, EngineError> {
        on_planning_stack(|| {
            let mut ctx = self.context();
            ctx.execute(query)
                .and_then(|plan| plan.explain(true))
                .map_err(query_error)
        })?
    }
}

/// Stack for parsing, planning and optimising a pack's SQL: polars
/// recurses over the SQL and the plans, and the whole pack's plans,
/// optimised together, go deeper than the 2 MiB a spawned thread (a test,
/// a caller's worker) gets by default — an unoptimised build overflowed it.
/// Only the pages used are ever committed.
const PLANNING_STACK_BYTES: usize = 64 << 20;

/// Runs `work` on a thread of its own with [`PLANNING_STACK_BYTES`] of
/// stack, whatever the caller's thread has.
fn on_planning_stack<T: Send>(work: impl FnOnce() -> T + Send) -> Result<T, EngineError> {
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .name("worklog-polars".into())
            .stack_size(PLANNING_STACK_BYTES)
            .spawn_scoped(scope, work)
            .map_err(|e| EngineError::with_source("could not start the polars thread", e))?;
        worker
            .join()
            .map_err(|_| EngineError::new("the polars thread stopped unexpectedly"))
    })
}

impl PolarsSession {
    /// [`Session::run`] on the calling thread.
    fn run_here(&self, queries: &[&str]) -> Vec<Result<QueryResult, EngineError>> {
        let mut ctx = self.context();
        let plans: Vec<PolarsResult<LazyFrame>> = queries.iter().map(|q| ctx.execute(q)).collect();
        let planned: Vec<LazyFrame> = plans
            .iter()
            .filter_map(|p| p.as_ref().ok().cloned())
            .collect();
        // Together first, so that work the plans share is done once; when
        // that fails, one by one, so one failing query does not sink the
        // others.
        let mut collected = match collect_all(planned.clone()) {
            Ok(frames) => frames.into_iter().map(Ok).collect::<Vec<_>>(),
            Err(_) => planned.into_iter().map(LazyFrame::collect).collect(),
        }
        .into_iter();
        plans
            .into_iter()
            .map(|plan| match plan {
                Err(e) => Err(query_error(e)),
                Ok(_) => match collected.next() {
                    Some(Ok(frame)) => convert::result_of(&frame),
                    Some(Err(e)) => Err(query_error(e)),
                    None => Err(EngineError::new(
                        "polars returned fewer results than queries",
                    )),
                },
            })
            .collect()
    }
}

/// Collects plans together: one polars `collect_all`.
fn collect_all(plans: Vec<LazyFrame>) -> PolarsResult<Vec<DataFrame>> {
    let opt = plans
        .first()
        .map(LazyFrame::get_current_optimizations)
        .unwrap_or_default();
    let plans = plans.into_iter().map(|lf| lf.logical_plan).collect();
    LazyFrame::collect_all_with_engine(plans, polars::prelude::Engine::Auto, opt)
}
