//! Runs a rule pack over events through an [`Engine`], one partition of
//! devices at a time, and turns what the engine returns into an
//! [`Analysis`].
//!
//! The order of work: every rule is first run over no events (unknown
//! columns, bad SQL and malformed results are reported before any data is
//! read); the devices are cut into partitions that fit the memory budget;
//! a loader thread reads the next partition while the rules run over the
//! current one; findings and statistics are merged; verdicts, waivers,
//! rollups and log checks are pure logic over the merged results.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use worklog_model::{Analysis, Finding, Period, PeriodError, Problem};
use worklog_schema::policy::{Device, Policy, Settings};

use crate::RulePack;
use crate::assemble::{Outcome, assemble};
use crate::checks::{declared_tables, locate_error, result_columns};
use crate::columns::used_columns;
use crate::engine::{Columns, Engine, EventsSpec, Session, Table};
use crate::error::{Error, Result, RuleFileError};
use crate::findings::findings_of;
use crate::ledger_view::StoreVerification;
use crate::manifest::relative;
use crate::params::Params;
use crate::partition::{self, DEFAULT_MEMORY_BYTES, Partition};
use crate::rule::Rule;
use crate::sources::{self, EventSource, Inputs, skipped, unreadable_files};
use crate::statistics::{Statistics, statistics_sql};
use crate::tables::{all_tables, cut_to_devices};
use crate::waiver::Waiver;

/// What an analysis reports while it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Progress {
    /// The devices were cut into partitions.
    Planned {
        /// Partitions to run.
        partitions: usize,
        /// Devices in all (with events, or in service in the inventory).
        devices: usize,
        /// Events in the period, at most (whole segments counted).
        events: u64,
    },
    /// One device's events exceed a partition's share of the memory
    /// budget; it runs alone in its partition, above the budget.
    OverBudget {
        /// The device.
        device_id: String,
        /// Its events, at most.
        events: u64,
        /// Events a partition may hold under the budget.
        budget_events: u64,
    },
    /// A partition was analysed.
    PartitionDone {
        /// Its number (0-based, in the order they run).
        index: usize,
        /// Its devices.
        devices: usize,
        /// The events it read.
        events: u64,
    },
}

/// Configures an [`Analyzer`].
#[derive(Debug)]
pub struct AnalyzerBuilder<'a> {
    pack: &'a RulePack,
    policy: &'a Policy,
    engine: &'a dyn Engine,
    period: Option<Period>,
    waivers: Vec<Waiver>,
    problems: Vec<Problem>,
    verification: Option<&'a StoreVerification>,
    policy_dir: Option<PathBuf>,
    memory_bytes: u64,
    devices_per_partition: Option<usize>,
}

impl<'a> AnalyzerBuilder<'a> {
    /// The period to analyse (required).
    pub fn period(mut self, period: Period) -> Self {
        self.period = Some(period);
        self
    }

    /// Approved exceptions.
    pub fn waivers(mut self, waivers: Vec<Waiver>) -> Self {
        self.waivers = waivers;
        self
    }

    /// Problems met while loading inputs (a bad waiver line, say), carried
    /// into the analysis so that they are reported.
    pub fn problems(mut self, problems: impl IntoIterator<Item = Problem>) -> Self {
        self.problems.extend(problems);
        self
    }

    /// The ledger verifier's result, for the integrity and retention checks.
    pub fn verification(mut self, report: &'a StoreVerification) -> Self {
        self.verification = Some(report);
        self
    }

    /// The policy folder, hashed into the manifest.
    pub fn policy_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.policy_dir = Some(dir.into());
        self
    }

    /// The memory the period's events may take, in bytes (default
    /// [`DEFAULT_MEMORY_BYTES`]): devices are grouped into partitions of at
    /// most half of it (one partition is read while the one before it is
    /// analysed), at [`partition::BYTES_PER_EVENT`] bytes an event, and of
    /// at most [`partition::TARGET_PARTITION_EVENTS`] events whatever the
    /// budget.
    pub fn memory(mut self, bytes: u64) -> Self {
        self.memory_bytes = bytes;
        self
    }

    /// At most this many devices per partition, whatever the budget (1: each
    /// device alone). Results do not depend on it; for tests and tuning.
    pub fn devices_per_partition(mut self, devices: usize) -> Self {
        self.devices_per_partition = Some(devices.max(1));
        self
    }

    /// Checks the configuration and builds the reference tables.
    pub fn build(self) -> Result<Analyzer<'a>> {
        let settings = self.policy.settings.clone().ok_or_else(|| Error::Policy {
            file: "policy.toml".into(),
            detail: "missing: the settings (organisation, time zone, thresholds) are required"
                .into(),
        })?;
        let period = self.period.ok_or_else(|| {
            Error::Period(PeriodError(
                "no period given: set the first and last day".into(),
            ))
        })?;
        let params = Params::new(&settings);
        let tables = all_tables(self.policy, &period)?;
        Ok(Analyzer {
            pack: self.pack,
            policy: self.policy,
            engine: self.engine,
            settings,
            period,
            params,
            tables,
            waivers: self.waivers,
            problems: self.problems,
            verification: self.verification,
            policy_dir: self.policy_dir,
            memory_bytes: self.memory_bytes,
            devices_per_partition: self.devices_per_partition,
        })
    }
}

/// Runs a rule pack over events.
#[derive(Debug)]
pub struct Analyzer<'a> {
    pub(crate) pack: &'a RulePack,
    pub(crate) policy: &'a Policy,
    engine: &'a dyn Engine,
    pub(crate) settings: Settings,
    pub(crate) period: Period,
    pub(crate) params: Params,
    tables: Vec<Table>,
    pub(crate) waivers: Vec<Waiver>,
    problems: Vec<Problem>,
    pub(crate) verification: Option<&'a StoreVerification>,
    pub(crate) policy_dir: Option<PathBuf>,
    memory_bytes: u64,
    devices_per_partition: Option<usize>,
}

/// A rule that passed the checks, with the SQL that runs.
struct CheckedRule<'r> {
    rule: &'r Rule,
    sql: String,
}

/// What each partition's analysis needs.
struct PartitionRun<'q, 'r, 'i> {
    queries: &'q [&'q str],
    rules: &'q [CheckedRule<'r>],
    inventory: &'i BTreeMap<&'i str, &'i Device>,
    done: &'q mpsc::Sender<()>,
}

/// One partition, read (or not), with the files left out on the way.
struct Loaded {
    index: usize,
    devices: usize,
    session: Result<Box<dyn Session>>,
    left_out: Vec<PathBuf>,
    problems: Vec<Problem>,
}

impl<'a> Analyzer<'a> {
    /// Starts configuring an analysis of `pack` under `policy`, run on
    /// `engine`.
    pub fn builder(
        pack: &'a RulePack,
        policy: &'a Policy,
        engine: &'a dyn Engine,
    ) -> AnalyzerBuilder<'a> {
        AnalyzerBuilder {
            pack,
            policy,
            engine,
            period: None,
            waivers: Vec::new(),
            problems: Vec::new(),
            verification: None,
            policy_dir: None,
            memory_bytes: DEFAULT_MEMORY_BYTES,
            devices_per_partition: None,
        }
    }

    /// The parameters rules see.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The period analysed.
    pub fn period(&self) -> &Period {
        &self.period
    }

    /// Every table rules may read besides `events`: the policy's tables,
    /// `period` and `device_service`, with every device's rows.
    pub fn tables(&self) -> &[Table] {
        &self.tables
    }

    /// Each rule's SQL with parameters substituted (what runs), by rule id.
    /// Rules whose template is broken are left out (see [`Self::check`]).
    pub fn rendered_sql(&self) -> Vec<(String, String)> {
        self.pack
            .rules
            .iter()
            .filter_map(|r| {
                r.render_sql_for(&self.params, self.engine.dialect())
                    .ok()
                    .map(|sql| (r.id.clone(), sql))
            })
            .collect()
    }

    /// Writes what another SQL engine needs to run the same rules:
    /// `<dir>/<rule id>.sql` (parameters substituted) and
    /// `<dir>/tables/<table>.parquet` for every table, `period` included.
    /// `events` is the store's Parquet files plus the derived `local_ts`
    /// column (see `docs/rules.md`).
    pub fn export_sql(&self, dir: &Path) -> Result<()> {
        let tables_dir = dir.join("tables");
        std::fs::create_dir_all(&tables_dir).map_err(|source| Error::Io {
            path: tables_dir.clone(),
            source,
        })?;
        for (id, sql) in self.rendered_sql() {
            let path = dir.join(format!("{id}.sql"));
            std::fs::write(&path, sql).map_err(|source| Error::Io { path, source })?;
        }
        for table in &self.tables {
            let path = tables_dir.join(format!("{}.parquet", table.name));
            crate::output::write_batch(&path, &table.batch)?;
        }
        Ok(())
    }

    /// Runs every rule over no events: catches unknown tables and columns,
    /// bad SQL and results without the required columns before any data
    /// is read. Returns one problem per failing rule.
    pub fn check(&self) -> Result<Vec<RuleFileError>> {
        self.checked_rules().map(|(_, problems)| problems)
    }

    /// The period's events of every device read as one partition (the
    /// columns the pack uses), for developers: run or explain one rule's
    /// SQL over a whole store, as a benchmark does.
    pub fn load_whole_period(&self, source: &EventSource) -> Result<Box<dyn Session>> {
        let inputs = self.inputs(source)?;
        let rules: Vec<&Rule> = self.pack.rules.iter().collect();
        let files = inputs
            .shared_files
            .clone()
            .unwrap_or_else(|| inputs.files.clone());
        let spec = EventsSpec::new(files, self.period.start_utc_us, self.period.end_utc_us)
            .columns(used_columns(&rules));
        Ok(self.engine.load(&spec, &self.tables)?)
    }

    /// Runs the analysis.
    pub fn analyze(&self, source: &EventSource) -> Result<Analysis> {
        self.analyze_with_progress(source, &|_| {})
    }

    /// Runs the analysis, telling `progress` how it goes.
    pub fn analyze_with_progress(
        &self,
        source: &EventSource,
        progress: &(dyn Fn(Progress) + Sync),
    ) -> Result<Analysis> {
        let mut inputs = self.inputs(source)?;
        let (rules, render_problems) = self.rendered_rules();
        let mut problems = std::mem::take(&mut inputs.problems);
        problems.extend(self.problems.iter().cloned());
        problems.extend(self.pack.problems.iter().cloned().map(rule_problem));
        let mut failed: BTreeSet<String> = BTreeSet::new();
        for p in render_problems {
            failed.insert(rule_id_of(&p.file));
            problems.push(rule_problem(p));
        }
        let partitions = self.partitions(&inputs, progress);
        let mut outcome = self.run_partitions(&rules, &inputs, partitions, progress)?;
        if !outcome.failed.is_empty() {
            // Reported as `check` reports it, against every event column
            // rather than those read for this pack (checked only when a
            // rule failed).
            let (_, checked) = self.checked_rules()?;
            for problem in &mut outcome.problems {
                if let Some(full) = checked.iter().find(|c| c.file == problem.file) {
                    *problem = rule_problem(full.clone());
                }
            }
        }
        let mut files = inputs.files;
        files.retain(|f| !outcome.left_out.contains(f));
        failed.extend(outcome.failed.iter().cloned());
        problems.extend(outcome.problems.iter().cloned());
        assemble(
            self,
            Outcome {
                failed,
                problems,
                files,
                root: inputs.root,
                ..outcome
            },
        )
    }

    fn inputs(&self, source: &EventSource) -> Result<Inputs> {
        match source {
            EventSource::Store(listing) => Ok(sources::store_inputs(listing, self.verification)),
            EventSource::Files(files) => sources::files_inputs(files, &self.period, self.engine),
        }
    }

    /// Every rule's SQL with its parameters, when they render and the SQL
    /// reads only the tables the rule declares; the others as problems.
    fn rendered_rules(&self) -> (Vec<CheckedRule<'_>>, Vec<RuleFileError>) {
        let mut problems = Vec::new();
        let mut rendered = Vec::new();
        for rule in &self.pack.rules {
            match rule
                .render_sql_for(&self.params, self.engine.dialect())
                .and_then(|sql| declared_tables(rule, &sql).map(|()| sql))
            {
                Ok(sql) => rendered.push(CheckedRule { rule, sql }),
                Err(problem) => problems.push(problem),
            }
        }
        (rendered, problems)
    }

    /// Every rule run over no events; those that fail are reported and
    /// left out.
    fn checked_rules(&self) -> Result<(Vec<CheckedRule<'_>>, Vec<RuleFileError>)> {
        let empty = EventsSpec::new(Vec::new(), self.period.start_utc_us, self.period.end_utc_us);
        let session = self.engine.load(&empty, &self.tables)?;
        let (rendered, mut problems) = self.rendered_rules();
        let stats = statistics_sql(&self.period);
        let queries: Vec<&str> = rendered
            .iter()
            .map(|r| r.sql.as_str())
            .chain(std::iter::once(stats.as_str()))
            .collect();
        let mut results = session.run(&queries);
        match results.pop() {
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(Error::Engine(e)),
            None => {
                return Err(Error::Engine(crate::EngineError::new(
                    "the engine returned no result for the statistics",
                )));
            }
        }
        let mut rules = Vec::with_capacity(rendered.len());
        for (checked, result) in rendered.into_iter().zip(results) {
            let verdict = match result {
                Ok(result) => result_columns(checked.rule, &result.schema).map(|_| ()),
                Err(e) => Err(locate_error(checked.rule, &e.chain())),
            };
            match verdict {
                Ok(()) => rules.push(checked),
                Err(problem) => problems.push(problem),
            }
        }
        problems.sort_by(|a, b| a.file.cmp(&b.file));
        Ok((rules, problems))
    }

    /// Every device with events, and every inventory device in service,
    /// cut into partitions that fit the budget.
    fn partitions(&self, inputs: &Inputs, progress: &(dyn Fn(Progress) + Sync)) -> Vec<Partition> {
        let mut devices = inputs.devices.clone();
        let known: BTreeSet<String> = devices.iter().map(|d| d.device_id.clone()).collect();
        for d in &self.policy.devices {
            if !known.contains(&d.device_id)
                && crate::tables::service_days_of(d, &self.period).is_some()
            {
                devices.push(partition::DeviceInput {
                    device_id: d.device_id.clone(),
                    files: Vec::new(),
                    rows: 0,
                });
            }
        }
        devices.sort_by(|a, b| a.device_id.cmp(&b.device_id));
        devices.dedup_by(|a, b| a.device_id == b.device_id);
        // An engine that distributes the work itself gets every device at
        // once (unless partitions were asked for): its memory is the
        // cluster's, not this process's.
        let (target, budget) = if self.engine.distributes() {
            (u64::MAX, u64::MAX)
        } else {
            (
                partition::TARGET_PARTITION_EVENTS,
                partition::rows_for(self.memory_bytes),
            )
        };
        let mut parts = partition::plan(&devices, target, budget, self.devices_per_partition);
        if parts.is_empty() {
            // No device at all: the rules still run once, over no events,
            // so that a broken rule is reported.
            parts.push(Partition {
                devices: BTreeSet::new(),
                files: Vec::new(),
                rows: 0,
                oversized: false,
            });
        }
        progress(Progress::Planned {
            partitions: parts.len(),
            devices: devices.len(),
            events: devices.iter().map(|d| d.rows).sum(),
        });
        for part in parts.iter().filter(|p| p.oversized) {
            for device in &part.devices {
                progress(Progress::OverBudget {
                    device_id: device.clone(),
                    events: part.rows,
                    budget_events: budget,
                });
            }
        }
        parts
    }

    /// Reads the partitions on a loader thread, one ahead, and runs the
    /// rules over each on this one.
    fn run_partitions(
        &self,
        rules: &[CheckedRule<'_>],
        inputs: &Inputs,
        partitions: Vec<Partition>,
        progress: &(dyn Fn(Progress) + Sync),
    ) -> Result<Outcome> {
        let stats_sql = statistics_sql(&self.period);
        let queries: Vec<&str> = rules
            .iter()
            .map(|r| r.sql.as_str())
            .chain(std::iter::once(stats_sql.as_str()))
            .collect();
        let inventory: BTreeMap<&str, &Device> = self
            .policy
            .devices
            .iter()
            .map(|d| (d.device_id.as_str(), d))
            .collect();
        let columns = used_columns(&rules.iter().map(|r| r.rule).collect::<Vec<_>>());
        let mut outcome = Outcome::new(Statistics::new(&self.policy.devices, &self.period));
        let mut by_rule: BTreeMap<&str, Vec<Finding>> = BTreeMap::new();
        std::thread::scope(|scope| -> Result<()> {
            // Rendezvous: the loader holds at most one read partition
            // while this thread analyses another.
            let (sender, receiver) = mpsc::sync_channel::<Loaded>(0);
            // This thread says when it is done with a partition.
            let (done_sender, done_receiver) = mpsc::channel::<()>();
            let (columns, partitions) = (&columns, &partitions);
            let loader =
                scope.spawn(move || self.feed(partitions, inputs, columns, sender, done_receiver));
            let mut result = Ok(());
            for loaded in receiver.iter() {
                let index = loaded.index;
                let devices = loaded.devices;
                let partition = PartitionRun {
                    queries: &queries,
                    rules,
                    inventory: &inventory,
                    done: &done_sender,
                };
                match self.analyse_loaded(loaded, &partition, &mut outcome, &mut by_rule) {
                    Ok(events) => progress(Progress::PartitionDone {
                        index,
                        devices,
                        events,
                    }),
                    Err(e) => {
                        result = Err(e);
                        break;
                    }
                }
            }
            drop(done_sender);
            drop(receiver);
            if loader.join().is_err() {
                return Err(Error::Engine(crate::EngineError::new(
                    "the thread reading partitions stopped unexpectedly",
                )));
            }
            result
        })?;
        for (id, found) in by_rule {
            outcome.counts.insert(id.to_owned(), found.len() as u64);
            outcome.findings.extend(found);
        }
        Ok(outcome)
    }

    /// The loader thread: reads each partition in turn and hands it over,
    /// reading ahead only while the one being analysed and the next fit the
    /// memory budget together.
    fn feed(
        &self,
        partitions: &[Partition],
        inputs: &Inputs,
        columns: &Columns,
        sender: mpsc::SyncSender<Loaded>,
        done_receiver: mpsc::Receiver<()>,
    ) {
        // Events the budget lets be in memory at once, over the partitions
        // in flight.
        let in_flight =
            partition::rows_for(self.memory_bytes).saturating_mul(partition::PARTITIONS_IN_FLIGHT);
        let single = partitions.len() <= 1;
        let mut left_out = BTreeSet::new();
        let mut done = 0;
        for (index, part) in partitions.iter().enumerate() {
            let wait = index
                .checked_sub(1)
                .and_then(|previous| partitions.get(previous))
                .is_some_and(|previous| previous.rows.saturating_add(part.rows) > in_flight);
            while wait && done < index {
                if done_receiver.recv().is_err() {
                    return;
                }
                done += 1;
            }
            let loaded = self.load_partition(index, part, inputs, columns, single, &mut left_out);
            let failed = loaded.session.is_err();
            if sender.send(loaded).is_err() || failed {
                break;
            }
        }
    }

    /// Runs the queries over one read partition and keeps what they found;
    /// returns the partition's events.
    fn analyse_loaded<'r>(
        &self,
        loaded: Loaded,
        run: &PartitionRun<'_, 'r, '_>,
        outcome: &mut Outcome,
        by_rule: &mut BTreeMap<&'r str, Vec<Finding>>,
    ) -> Result<u64> {
        outcome.problems.extend(loaded.problems);
        outcome.left_out.extend(loaded.left_out);
        let session = loaded.session?;
        let mut results = session.run(run.queries);
        let events = session.events();
        drop(session);
        // The loader may be waiting for room (it stops on its own when
        // nobody listens).
        let _ = run.done.send(());
        match results.pop() {
            Some(Ok(stats)) => outcome.statistics.add(&stats, run.inventory),
            Some(Err(e)) => return Err(Error::Engine(e)),
            None => {
                return Err(Error::Engine(crate::EngineError::new(
                    "the engine returned no result for the statistics",
                )));
            }
        }
        for (checked, result) in run.rules.iter().zip(results) {
            let id = checked.rule.id.as_str();
            if outcome.failed.contains(id) {
                continue;
            }
            // A rule that does not plan, returns malformed rows or fails on
            // any partition did not run: none of its findings count.
            let rows = result
                .map_err(|e| locate_error(checked.rule, &e.chain()))
                .and_then(|rows| result_columns(checked.rule, &rows.schema).map(|_| rows));
            match rows {
                Ok(rows) => by_rule.entry(id).or_default().extend(findings_of(
                    checked.rule,
                    &rows,
                    &self.period,
                    run.inventory,
                )),
                Err(problem) => {
                    outcome.failed.insert(id.to_owned());
                    by_rule.remove(id);
                    outcome.problems.push(rule_problem(problem));
                }
            }
        }
        Ok(events)
    }

    /// Reads one partition; when that fails, finds the files that cannot be
    /// read, leaves them out (reported) and reads the rest.
    fn load_partition(
        &self,
        index: usize,
        part: &Partition,
        inputs: &Inputs,
        columns: &Columns,
        single: bool,
        left_out: &mut BTreeSet<PathBuf>,
    ) -> Loaded {
        let mut loaded = Loaded {
            index,
            devices: part.devices.len(),
            session: Err(Error::Engine(crate::EngineError::new("not read"))),
            left_out: Vec::new(),
            problems: Vec::new(),
        };
        let tables = match cut_to_devices(&self.tables, &part.devices) {
            Ok(tables) => tables,
            Err(e) => {
                loaded.session = Err(e);
                return loaded;
            }
        };
        let (mut files, devices) = match &inputs.shared_files {
            Some(shared) => (shared.clone(), (!single).then(|| part.devices.clone())),
            None => (part.files.clone(), None),
        };
        files.retain(|f| !left_out.contains(f));
        let mut spec = EventsSpec::new(files, self.period.start_utc_us, self.period.end_utc_us)
            .columns(columns.clone());
        spec.devices = devices;
        let first = match self.engine.load(&spec, &tables) {
            Ok(session) => {
                loaded.session = Ok(session);
                return loaded;
            }
            Err(e) => e,
        };
        let unreadable = unreadable_files(self.engine, &spec.files, &self.period);
        if unreadable.is_empty() {
            loaded.session = Err(Error::Engine(first));
            return loaded;
        }
        for (file, reason) in unreadable {
            loaded
                .problems
                .push(skipped(relative(&file, &inputs.root), reason));
            left_out.insert(file.clone());
            loaded.left_out.push(file);
        }
        spec.files.retain(|f| !left_out.contains(f));
        loaded.session = self.engine.load(&spec, &tables).map_err(Error::Engine);
        loaded
    }
}

pub(crate) fn rule_problem(p: RuleFileError) -> Problem {
    Problem {
        source: worklog_model::ProblemSource::Rule,
        file: p.file,
        line: p.line,
        reason: p.reason,
    }
}

fn rule_id_of(file: &str) -> String {
    Path::new(file)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .to_owned()
}
