//! The Apache Spark engine of Worklog Analyzer's rule engine.
//!
//! [`SparkEngine`] implements [`worklog_rules::Engine`]: the rule pack's SQL
//! runs in Spark over the store's Parquet files, and everything else of the
//! analysis (verdicts, waivers, rollups, log checks, reports) runs unchanged
//! on the rows it returns. The Spark side is a small PySpark job shipped in
//! this crate (`src/job.py`), started once per engine with `spark-submit`
//! (local mode by default, or the master and options given) and kept
//! running for every query of the analysis; the SQL renders string literals
//! in Spark's dialect, and the job pins the session settings that make
//! Spark read the store as the other engines do (see `docs/spark.md`).
//!
//! # Example
//! The engine is made without starting Spark; it renders the pack's
//! string literals in Spark's dialect:
//! ```
//! use worklog_rules::{Dialect, Engine};
//! use worklog_spark::{SparkEngine, SparkOptions};
//!
//! let engine = SparkEngine::new(SparkOptions::new().master("local[2]"))?;
//! assert_eq!(engine.dialect(), Dialect::Spark);
//! # Ok::<(), worklog_rules::EngineError>(())
//! ```
//! Running a query starts Spark (spark-submit on the PATH):
//! ```no_run
//! use worklog_rules::{Engine, EventsSpec};
//! use worklog_spark::{SparkEngine, SparkOptions};
//!
//! // Local mode on this machine; `.master("yarn")` or a spark-submit
//! // command of the cluster's for a cluster.
//! let engine = SparkEngine::new(SparkOptions::new().conf("spark.sql.shuffle.partitions", "8"))?;
//! let started = engine.start()?;
//! println!("Spark {} on {}", started.spark_version, started.master);
//! let session = engine.load(&EventsSpec::new(Vec::new(), 0, 1), &[])?;
//! let results = session.run(&["SELECT device_id, COUNT(*) AS n FROM events GROUP BY device_id"]);
//! assert_eq!(results.into_iter().next().unwrap()?.rows(), 0);
//! # Ok::<(), worklog_rules::EngineError>(())
//! ```

mod driver;
mod files;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use arrow_array::RecordBatch;
use serde_json::{Value, json};
use worklog_rules::{
    Columns, Dialect, Engine, EngineError, EventsSpec, QueryResult, Session, Table,
};

pub use driver::Started;

/// The PySpark job the engine submits.
pub const JOB: &str = include_str!("job.py");

/// How to start Spark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SparkOptions {
    submit: Vec<String>,
    master: Option<String>,
    driver_memory: String,
    conf: Vec<(String, String)>,
    store_uri: Option<(PathBuf, String)>,
    start_timeout: std::time::Duration,
}

impl Default for SparkOptions {
    fn default() -> Self {
        SparkOptions::new()
    }
}

impl SparkOptions {
    /// `spark-submit` from the `PATH`, master `local[*]`, driver memory 4g,
    /// 300 s for the session to start.
    pub fn new() -> SparkOptions {
        SparkOptions {
            submit: vec!["spark-submit".into()],
            master: None,
            driver_memory: "4g".into(),
            conf: Vec::new(),
            store_uri: None,
            start_timeout: std::time::Duration::from_secs(300),
        }
    }

    /// The spark-submit command and its own options (split on white
    /// space), e.g. `spark-submit --deploy-mode client --queue audit`.
    /// A `--master` or `--driver-memory` here wins over the options below.
    pub fn submit_command(mut self, command: &str) -> SparkOptions {
        let words: Vec<String> = command.split_whitespace().map(str::to_owned).collect();
        if !words.is_empty() {
            self.submit = words;
        }
        self
    }

    /// The master URL (`local[4]`, `yarn`, `spark://host:7077`, `k8s://…`).
    pub fn master(mut self, master: impl Into<String>) -> SparkOptions {
        self.master = Some(master.into());
        self
    }

    /// The driver's memory (`4g`): results are collected on the driver.
    pub fn driver_memory(mut self, memory: impl Into<String>) -> SparkOptions {
        self.driver_memory = memory.into();
        self
    }

    /// How long the job may take to start its session and connect back
    /// (a cluster may queue the application for resources first).
    pub fn start_timeout(mut self, timeout: std::time::Duration) -> SparkOptions {
        self.start_timeout = timeout;
        self
    }

    /// One `--conf key=value` for spark-submit.
    pub fn conf(mut self, key: impl Into<String>, value: impl Into<String>) -> SparkOptions {
        self.conf.push((key.into(), value.into()));
        self
    }

    /// Where the executors find the store: event files under `local_root`
    /// are given to Spark as `uri` plus their path below it
    /// (`hdfs:///audit/store`, `s3a://bucket/store`, `abfss://…`). Without
    /// it, files are given by their local paths (local mode, or a store on
    /// a file system every node mounts at the same path).
    pub fn store_uri(mut self, local_root: impl Into<PathBuf>, uri: impl Into<String>) -> Self {
        self.store_uri = Some((local_root.into(), uri.into()));
        self
    }

    /// The path or URI Spark reads for the local file `path`.
    fn spark_path(&self, path: &Path) -> String {
        if let Some((root, uri)) = &self.store_uri
            && let Ok(rest) = path.strip_prefix(root)
        {
            let parts: Vec<String> = rest
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            return format!("{}/{}", uri.trim_end_matches('/'), parts.join("/"));
        }
        path.to_string_lossy().into_owned()
    }
}

/// What the engine and its sessions share: the options, the running job
/// (started on first use) and the folder of exchanged files.
struct Shared {
    options: SparkOptions,
    work: tempfile::TempDir,
    driver: Mutex<Option<driver::Driver>>,
    next: AtomicU64,
    timings: Mutex<Vec<(String, f64)>>,
}

impl Shared {
    fn job_path(&self) -> PathBuf {
        self.work.path().join("worklog_spark_job.py")
    }

    fn empty_events(&self) -> PathBuf {
        self.work.path().join("empty-events.parquet")
    }

    /// Runs `work` with the job, starting it when it is not running (or
    /// stopped after an error).
    fn with_driver<T>(
        &self,
        work: impl FnOnce(&mut driver::Driver) -> Result<T, EngineError>,
    ) -> Result<T, EngineError> {
        let mut slot = self
            .driver
            .lock()
            .map_err(|_| EngineError::new("the Spark job's lock was poisoned"))?;
        if slot.is_none() {
            *slot = Some(driver::Driver::start(&self.options, &self.job_path())?);
        }
        let Some(running) = slot.as_mut() else {
            return Err(EngineError::new("the Spark job did not start"));
        };
        let result = work(running);
        if result.is_err() {
            // Start afresh next time rather than talk to a job in an
            // unknown state.
            *slot = None;
        }
        result
    }
}

/// Runs rules with Apache Spark through `spark-submit`.
#[derive(Clone)]
pub struct SparkEngine {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for SparkEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SparkEngine")
            .field("options", &self.shared.options)
            .finish_non_exhaustive()
    }
}

impl SparkEngine {
    /// The engine (Spark starts on first use, or with [`Self::start`]).
    pub fn new(options: SparkOptions) -> Result<SparkEngine, EngineError> {
        let work = tempfile::Builder::new()
            .prefix("worklog-spark-")
            .tempdir()
            .map_err(|e| EngineError::with_source("cannot make a work folder for Spark", e))?;
        let shared = Shared {
            options,
            work,
            driver: Mutex::new(None),
            next: AtomicU64::new(1),
            timings: Mutex::new(Vec::new()),
        };
        std::fs::write(shared.job_path(), JOB).map_err(|e| {
            EngineError::with_source(format!("cannot write {}", shared.job_path().display()), e)
        })?;
        files::write_parquet(
            &shared.empty_events(),
            &RecordBatch::new_empty(worklog_schema::event_schema()),
        )?;
        Ok(SparkEngine {
            shared: Arc::new(shared),
        })
    }

    /// Starts Spark now (it starts on first use otherwise) and says which
    /// Spark, on which master, and how long it took.
    pub fn start(&self) -> Result<Started, EngineError> {
        self.shared.with_driver(|d| Ok(d.started.clone()))
    }

    /// Each query of the last run, with the seconds Spark took for it
    /// (planning, running and collecting its rows).
    pub fn last_timings(&self) -> Vec<(String, f64)> {
        self.shared
            .timings
            .lock()
            .map(|t| t.clone())
            .unwrap_or_default()
    }
}

impl Engine for SparkEngine {
    fn name(&self) -> &str {
        "spark"
    }

    fn dialect(&self) -> Dialect {
        Dialect::Spark
    }

    fn distributes(&self) -> bool {
        true
    }

    fn load(&self, events: &EventsSpec, tables: &[Table]) -> Result<Box<dyn Session>, EngineError> {
        if let Some((path, why)) = files::unreadable(&events.files) {
            return Err(EngineError::new(format!("{}: {why}", path.display())));
        }
        let id = self.shared.next.fetch_add(1, Ordering::Relaxed);
        let dir = self.shared.work.path().join(format!("load-{id}"));
        std::fs::create_dir_all(&dir)
            .map_err(|e| EngineError::with_source(format!("cannot make {}", dir.display()), e))?;
        let mut table_list = Vec::with_capacity(tables.len());
        for table in tables {
            let path = dir.join(format!("{}.parquet", table.name));
            files::write_parquet(&path, &table.batch)?;
            table_list.push(json!({"name": table.name, "path": path}));
        }
        let options = &self.shared.options;
        let spec = json!({
            "files": events.files.iter().map(|f| options.spark_path(f)).collect::<Vec<_>>(),
            "empty": self.shared.empty_events(),
            "devices": events.devices.as_ref().map(|d| d.iter().collect::<Vec<_>>()),
            "start_us": events.start_utc_us,
            "end_us": events.end_utc_us,
            "columns": match &events.columns {
                Columns::Named(names) => Some(names.clone()),
                _ => None,
            },
        });
        Ok(Box::new(SparkSession {
            shared: Arc::clone(&self.shared),
            dir,
            events: spec,
            tables: Value::Array(table_list),
            rows: AtomicU64::new(0),
        }))
    }
}

/// One partition's events and tables, ready to send with its queries.
struct SparkSession {
    shared: Arc<Shared>,
    dir: PathBuf,
    events: Value,
    tables: Value,
    rows: AtomicU64,
}

impl Drop for SparkSession {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl SparkSession {
    fn run_all(
        &self,
        queries: &[&str],
    ) -> Result<Vec<Result<QueryResult, EngineError>>, EngineError> {
        let id = self.shared.next.fetch_add(1, Ordering::Relaxed);
        let out = self.dir.join(format!("results-{id}"));
        std::fs::create_dir_all(&out)
            .map_err(|e| EngineError::with_source(format!("cannot make {}", out.display()), e))?;
        let request = json!({
            "id": id,
            "events": self.events,
            "tables": self.tables,
            "queries": queries,
            "out": out,
        });
        let answer = self.shared.with_driver(|d| d.request(&request))?;
        if answer.get("id").and_then(Value::as_u64) != Some(id) {
            return Err(EngineError::new(format!(
                "the Spark job answered another request than {id}"
            )));
        }
        self.rows.store(
            answer.get("events").and_then(Value::as_u64).unwrap_or(0),
            Ordering::Relaxed,
        );
        let answers = answer
            .get("results")
            .and_then(Value::as_array)
            .filter(|a| a.len() == queries.len())
            .ok_or_else(|| EngineError::new("the Spark job answered a result per query"))?;
        let mut timings = Vec::with_capacity(queries.len());
        let results = queries
            .iter()
            .zip(answers)
            .map(|(query, answer)| {
                if let Some(error) = answer.get("error").and_then(Value::as_str) {
                    return Err(EngineError::new(error.to_owned()));
                }
                let path = answer
                    .get("path")
                    .and_then(Value::as_str)
                    .ok_or_else(|| EngineError::new("the Spark job gave no result file"))?;
                if !Path::new(path).starts_with(&out) {
                    return Err(EngineError::new(format!(
                        "the Spark job wrote its result outside {}",
                        out.display()
                    )));
                }
                let seconds = answer.get("seconds").and_then(Value::as_f64).unwrap_or(0.0);
                timings.push(((*query).to_owned(), seconds));
                files::read_result(Path::new(path))
            })
            .collect();
        let _ = std::fs::remove_dir_all(&out);
        if let Ok(mut last) = self.shared.timings.lock() {
            *last = timings;
        }
        Ok(results)
    }
}

impl Session for SparkSession {
    fn events(&self) -> u64 {
        self.rows.load(Ordering::Relaxed)
    }

    fn run(&self, queries: &[&str]) -> Vec<Result<QueryResult, EngineError>> {
        match self.run_all(queries) {
            Ok(results) => results,
            Err(e) => {
                let text = e.chain();
                queries
                    .iter()
                    .map(|_| Err(EngineError::new(text.clone())))
                    .collect()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::SparkOptions;

    #[test]
    fn files_under_the_store_are_given_under_its_uri() {
        let options = SparkOptions::new().store_uri("/audit/store", "hdfs:///audit/store/");
        assert_eq!(
            options.spark_path(Path::new("/audit/store/device_id=PC-0001/seg-1.parquet")),
            "hdfs:///audit/store/device_id=PC-0001/seg-1.parquet"
        );
        // Outside the store, and without a URI: the local path.
        assert_eq!(
            options.spark_path(Path::new("/tmp/x.parquet")),
            "/tmp/x.parquet"
        );
        assert_eq!(
            SparkOptions::new().spark_path(Path::new("/audit/store/a.parquet")),
            "/audit/store/a.parquet"
        );
    }
}
