//! Runs a rule pack over an event store with polars: every rule's SQL is
//! planned lazily against one `events` view and the reference tables, and
//! all plans are collected together so the scan is shared.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use polars::prelude::*;
use polars::sql::SQLContext;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use worklog_ledger::VerifyReport;
use worklog_schema::policy::{Policy, Settings};

use crate::RulePack;
use crate::coverage::DeviceDays;
use crate::error::{Error, Result, RuleFileError};
use crate::model::*;
use crate::params::Params;
use crate::period::Period;
use crate::rule::Rule;
use crate::tables::{REFERENCE_TABLES, device_service_table, reference_tables, service_days_of};
use crate::verdict;
use crate::waiver::Waiver;

/// Where the events come from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EventSource {
    /// A ledger store (`device_id=<id>/seg-*.parquet`): segments outside the
    /// period are skipped by their signed record, without reading rows.
    Store(PathBuf),
    /// Plain Parquet files of the event schema (fixtures, exports).
    Files(Vec<PathBuf>),
}

/// A day in microseconds.
const DAY_US: i64 = 86_400_000_000;

/// Columns every rule's result must have, and their accepted types.
const REQUIRED_OUTPUT: &[&str] = &["device_id", "detail"];
/// Columns with a fixed meaning; anything else is evidence.
const KNOWN_OUTPUT: &[&str] = &["device_id", "detail", "seq", "ts", "user_name"];

/// Configures an [`Analyzer`].
#[derive(Debug)]
pub struct AnalyzerBuilder<'a> {
    pack: &'a RulePack,
    policy: &'a Policy,
    period: Option<Period>,
    waivers: Vec<Waiver>,
    problems: Vec<Problem>,
    verification: Option<&'a VerifyReport>,
    policy_dir: Option<PathBuf>,
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
    pub fn verification(mut self, report: &'a VerifyReport) -> Self {
        self.verification = Some(report);
        self
    }

    /// The policy folder, hashed into the manifest.
    pub fn policy_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.policy_dir = Some(dir.into());
        self
    }

    /// Checks the configuration.
    pub fn build(self) -> Result<Analyzer<'a>> {
        let settings = self.policy.settings.clone().ok_or_else(|| Error::Policy {
            file: "policy.toml".into(),
            detail: "missing: the settings (organisation, time zone, thresholds) are required"
                .into(),
        })?;
        let period = self
            .period
            .ok_or_else(|| Error::Period("no period given: set the first and last day".into()))?;
        let params = Params::new(&settings);
        Ok(Analyzer {
            pack: self.pack,
            policy: self.policy,
            settings,
            period,
            params,
            waivers: self.waivers,
            problems: self.problems,
            verification: self.verification,
            policy_dir: self.policy_dir,
        })
    }
}

/// Runs a rule pack over events.
#[derive(Debug)]
pub struct Analyzer<'a> {
    pack: &'a RulePack,
    policy: &'a Policy,
    settings: Settings,
    period: Period,
    params: Params,
    waivers: Vec<Waiver>,
    problems: Vec<Problem>,
    verification: Option<&'a VerifyReport>,
    policy_dir: Option<PathBuf>,
}

/// One rule's plan, ready to collect.
struct Planned<'r> {
    rule: &'r Rule,
    plan: LazyFrame,
    evidence: Vec<String>,
}

impl<'a> Analyzer<'a> {
    /// Starts configuring an analysis of `pack` under `policy`.
    pub fn builder(pack: &'a RulePack, policy: &'a Policy) -> AnalyzerBuilder<'a> {
        AnalyzerBuilder {
            pack,
            policy,
            period: None,
            waivers: Vec::new(),
            problems: Vec::new(),
            verification: None,
            policy_dir: None,
        }
    }

    /// The parameters rules see.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// Each rule's SQL with parameters substituted (what runs), by rule id.
    /// Rules whose template is broken are left out (see [`Self::check`]).
    pub fn rendered_sql(&self) -> Vec<(String, String)> {
        self.pack
            .rules
            .iter()
            .filter_map(|r| {
                r.render_sql(&self.params)
                    .ok()
                    .map(|sql| (r.id.clone(), sql))
            })
            .collect()
    }

    /// Writes what another SQL engine needs to run the same rules:
    /// `<dir>/<rule id>.sql` (parameters substituted) and
    /// `<dir>/tables/<table>.parquet` for every reference table, `period`
    /// included. `events` is the store's Parquet files plus the derived
    /// `local_ts` column (see `docs/rules.md`).
    pub fn export_sql(&self, dir: &Path) -> Result<()> {
        let io = |path: &Path| {
            let path = path.to_owned();
            move |source| Error::Io { path, source }
        };
        let tables_dir = dir.join("tables");
        std::fs::create_dir_all(&tables_dir).map_err(io(&tables_dir))?;
        for (id, sql) in self.rendered_sql() {
            let path = dir.join(format!("{id}.sql"));
            std::fs::write(&path, sql).map_err(io(&path))?;
        }
        let mut tables = reference_tables(self.policy)?;
        tables.push(("period", period_table(&self.period)?));
        tables.push((
            "device_service",
            device_service_table(self.policy, &self.period)?,
        ));
        for (name, mut frame) in tables {
            let path = tables_dir.join(format!("{name}.parquet"));
            let file = std::fs::File::create(&path).map_err(io(&path))?;
            ParquetWriter::new(file)
                .finish(&mut frame)
                .map_err(|e| Error::Output {
                    path: path.clone(),
                    detail: e.to_string(),
                })?;
        }
        Ok(())
    }

    /// Plans every rule against an empty `events` table: catches unknown
    /// tables and columns, bad SQL and results without the required columns
    /// before any data is read. Returns one problem per failing rule.
    pub fn check(&self) -> Result<Vec<RuleFileError>> {
        let ctx = self.context(self.events_frame(&[])?)?;
        let (_, problems) = self.plan_rules(ctx);
        Ok(problems)
    }

    /// Every rule's lazy plan over `source`, by rule id, as
    /// [`Self::analyze`] runs them: the period's events are read into
    /// memory here (the columns the pack uses), the plans run over that
    /// table. For developers: `explain` a plan, or time one rule on its own.
    /// Rules that do not plan are left out; [`Self::check`] names them.
    pub fn rule_plans(&self, source: &EventSource) -> Result<Vec<(String, LazyFrame)>> {
        let (files, _, _) = self.event_files(source)?;
        let ctx = self.context(self.load_events(&files)?)?;
        let (planned, _) = self.plan_rules(ctx);
        Ok(planned
            .into_iter()
            .map(|p| (p.rule.id.clone(), p.plan))
            .collect())
    }

    /// Runs the analysis.
    pub fn analyze(&self, source: &EventSource) -> Result<Analysis> {
        let (mut files, root, mut problems) = self.event_files(source)?;
        problems.extend(self.problems.iter().cloned());
        problems.extend(self.pack.problems.iter().map(|p| rule_problem(p.clone())));
        let mut probed = false;
        let (planned, frames, failed) = loop {
            // Read once, then every rule runs in memory: a shared scan that
            // polars' plan-level caching did not give us (each rule's
            // filters sat above its own scan of every file).
            let events = match self.load_events(&files) {
                Ok(frame) => frame,
                Err(_) if !probed && !files.is_empty() => {
                    probed = true;
                    self.leave_out_unreadable(&mut files, &root, &mut problems);
                    continue;
                }
                Err(e) => return Err(e),
            };
            let ctx = self.context(events.clone())?;
            let (mut planned, mut plan_problems) = self.plan_rules(ctx);
            // A rule that does not plan is reported as `check` reports it,
            // against every event column, not only those read into memory
            // (planned a second time only when something failed).
            if !plan_problems.is_empty() {
                let checked = self.check()?;
                for p in &mut plan_problems {
                    if let Some(full) = checked.iter().find(|c| c.file == p.file) {
                        *p = full.clone();
                    }
                }
            }
            let mut failed: BTreeSet<String> = BTreeSet::new();
            let mut rule_problems = Vec::new();
            for p in plan_problems {
                failed.insert(rule_id_of(&p.file));
                rule_problems.push(rule_problem(p));
            }
            planned.retain(|p| !failed.contains(&p.rule.id));
            // Device statistics ride along with the rules in one collect.
            // Per day too, for the evidence-over-time rule.
            let day = (col("ts").cast(DataType::Int64) - lit(self.period.start_utc_us))
                .floor_div(lit(DAY_US))
                .alias("day");
            let stats_plan = events.group_by([col("device_id"), col("kind"), day]).agg([
                len().alias("events"),
                col("ts").min().alias("first_ts"),
                col("ts").max().alias("last_ts"),
            ]);
            let mut plans: Vec<LazyFrame> = planned.iter().map(|p| p.plan.clone()).collect();
            plans.push(stats_plan.clone());
            match collect_all(plans) {
                Ok(frames) => {
                    problems.append(&mut rule_problems);
                    break (
                        planned,
                        frames.into_iter().map(Ok).collect::<Vec<_>>(),
                        failed,
                    );
                }
                // A file whose footer reads but whose pages do not fails
                // every rule: find such files, leave them out, try again.
                Err(_) if !probed && !files.is_empty() => {
                    probed = true;
                    self.leave_out_unreadable(&mut files, &root, &mut problems);
                }
                // One failing rule must not sink the others: one by one.
                Err(_) => {
                    problems.append(&mut rule_problems);
                    let frames = planned
                        .iter()
                        .map(|p| p.plan.clone())
                        .chain(std::iter::once(stats_plan))
                        .map(LazyFrame::collect)
                        .collect();
                    break (planned, frames, failed);
                }
            }
        };
        let mut failed = failed;
        let mut frames = frames.into_iter();
        let mut findings = Vec::new();
        let mut counts: BTreeMap<String, u64> = BTreeMap::new();
        let inventory: BTreeMap<&str, &worklog_schema::policy::Device> = self
            .policy
            .devices
            .iter()
            .map(|d| (d.device_id.as_str(), d))
            .collect();
        for p in &planned {
            let Some(frame) = frames.next() else { break };
            match frame.and_then(|df| self.findings_of(p, &df, &inventory)) {
                Ok(mut found) => {
                    counts.insert(p.rule.id.clone(), found.len() as u64);
                    findings.append(&mut found);
                }
                Err(e) => {
                    failed.insert(p.rule.id.clone());
                    problems.push(rule_problem(locate_error(p.rule, &e.to_string())));
                }
            }
        }
        let stats = match frames.next() {
            Some(frame) => frame?,
            None => return Err(Error::Engine(PolarsError::NoData("no statistics".into()))),
        };
        let (mut devices, days) = self.device_summaries(&stats, &inventory)?;
        self.apply_waivers(&mut findings);
        verdict::sort_findings(&mut findings, &self.pack.catalog);
        for device in &mut devices {
            device.gaps = findings
                .iter()
                .filter(|f| f.rule_id == "log_gap" && f.device_id == device.device_id)
                .count() as u64;
            if let Some(report) = self.verification {
                device.integrity = integrity_of(report, &device.device_id);
            }
        }
        let evidence = verdict::Evidence {
            days: &days,
            period_days: self.period.days(),
            required_pct: self.settings.evidence_min_weekly_coverage_pct,
        };
        let verdicts = verdict::device_verdicts(self.pack, &devices, &findings, &failed, &evidence);
        let rollups = verdict::rollups(&self.pack.catalog, &verdicts);
        let log_checks = verdict::log_checks(self.pack, &devices, &findings, self.verification);
        let (waived, findings): (Vec<Finding>, Vec<Finding>) =
            findings.into_iter().partition(|f| f.waived_by.is_some());
        problems.sort_by(|a, b| (&a.source, &a.file, a.line).cmp(&(&b.source, &b.file, b.line)));
        let manifest = self.manifest(&files, &root)?;
        let total_events = devices.iter().map(|d| d.events).sum();
        Ok(Analysis {
            organisation: self.settings.organisation.clone(),
            period: self.period.clone(),
            items: self
                .pack
                .catalog
                .items
                .iter()
                .map(|i| ItemInfo {
                    number: i.number.clone(),
                    level: i.level.name_ja().to_owned(),
                    parent: i.parent.clone(),
                    portable_only: i.applies_to == crate::Applicability::Portable,
                    question_ja: i.question_ja.clone(),
                    question_en: i.question_en.clone(),
                })
                .collect(),
            rules: self
                .pack
                .rules
                .iter()
                .map(|r| RuleRun {
                    id: r.id.clone(),
                    category: r.category,
                    items: r.items.clone(),
                    severity: r.severity,
                    title_ja: r.title_ja.clone(),
                    title_en: r.title_en.clone(),
                    remediation_ja: r.remediation_ja.clone(),
                    remediation_en: r.remediation_en.clone(),
                    findings: counts.get(&r.id).copied().unwrap_or(0),
                    ran: !failed.contains(&r.id),
                })
                .collect(),
            findings,
            waived,
            verdicts,
            rollups,
            devices,
            log_checks,
            problems,
            manifest,
            events: total_events,
        })
    }

    /// Leaves out, and reports, the files that cannot be read in full.
    fn leave_out_unreadable(
        &self,
        files: &mut Vec<PathBuf>,
        root: &Path,
        problems: &mut Vec<Problem>,
    ) {
        for (file, reason) in self.unreadable_files(files) {
            files.retain(|f| f != &file);
            problems.push(Problem {
                source: "input".into(),
                file: relative(&file, root),
                line: None,
                reason: format!("file skipped, its events are not analysed: {reason}"),
            });
        }
    }

    /// The `events` columns any rule of the pack may read (every event
    /// column whose name appears as a word in some rule's SQL), plus those
    /// the statistics need; every column when a rule may select `*`.
    /// Reading only these keeps the in-memory table small.
    fn used_columns(&self) -> Vec<Expr> {
        // `COUNT(*)` reads no column; any other `*` (`SELECT *`, `e.*`, or
        // a product, conservatively) may read them all.
        let star = self.pack.rules.iter().any(|r| {
            let compact: String = r
                .sql
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
                .to_ascii_lowercase();
            compact.replace("count(*)", "").contains('*')
        });
        if star {
            return vec![all().as_expr()];
        }
        let words: BTreeSet<&str> = self
            .pack
            .rules
            .iter()
            .flat_map(|r| {
                r.sql
                    .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .filter(|w| !w.is_empty())
            })
            .collect();
        let schema = worklog_schema::event_schema();
        schema
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .chain(std::iter::once("local_ts"))
            .filter(|name| {
                ["device_id", "kind", "ts", "seq"].contains(name) || words.contains(name)
            })
            .map(col)
            .collect()
    }

    /// Files that cannot be read in full, with the reason.
    fn unreadable_files(&self, files: &[PathBuf]) -> Vec<(PathBuf, String)> {
        files
            .par_iter()
            .filter_map(|f| {
                let whole = self
                    .events_frame(std::slice::from_ref(f))
                    .and_then(|lf| lf.select([all().as_expr()]).collect().map_err(Error::from));
                whole.err().map(|e| (f.clone(), e.to_string()))
            })
            .collect()
    }

    fn context(&self, events: LazyFrame) -> Result<SQLContext> {
        let ctx = SQLContext::new();
        ctx.register("events", events);
        for (name, frame) in reference_tables(self.policy)? {
            ctx.register(name, frame.lazy());
        }
        ctx.register("period", period_table(&self.period)?.lazy());
        ctx.register(
            "device_service",
            device_service_table(self.policy, &self.period)?.lazy(),
        );
        Ok(ctx)
    }

    fn plan_rules(&self, mut ctx: SQLContext) -> (Vec<Planned<'_>>, Vec<RuleFileError>) {
        let mut planned = Vec::new();
        let mut problems = Vec::new();
        for rule in &self.pack.rules {
            match plan_rule(rule, &self.params, &mut ctx) {
                Ok((plan, evidence)) => planned.push(Planned {
                    rule,
                    plan,
                    evidence,
                }),
                Err(problem) => problems.push(problem),
            }
        }
        (planned, problems)
    }

    /// The files to scan, the root they are relative to, and unusable ones.
    fn event_files(&self, source: &EventSource) -> Result<(Vec<PathBuf>, PathBuf, Vec<Problem>)> {
        match source {
            EventSource::Files(files) => {
                let root = files
                    .first()
                    .and_then(|f| f.parent())
                    .map(Path::to_path_buf)
                    .unwrap_or_default();
                Ok((files.clone(), root, Vec::new()))
            }
            EventSource::Store(store) => {
                let store_error = |e: worklog_ledger::Error| Error::Store {
                    path: store.clone(),
                    detail: worklog_ledger::chain(&e),
                };
                if !store.is_dir() {
                    return Err(Error::Store {
                        path: store.clone(),
                        detail:
                            "not a folder: give the store written by `worklog ingest` or the agent"
                                .into(),
                    });
                }
                let mut segments = Vec::new();
                for (_, dir) in worklog_ledger::store::list_devices(store).map_err(store_error)? {
                    segments
                        .extend(worklog_ledger::store::list_segments(&dir).map_err(store_error)?);
                }
                // Files the verifier could not read are left out up front.
                let unreadable: BTreeSet<String> = self
                    .verification
                    .map(|report| {
                        report
                            .anomalies()
                            .filter(|a| a.class == worklog_ledger::AnomalyClass::FileUnreadable)
                            .filter_map(|a| a.file.clone())
                            .collect()
                    })
                    .unwrap_or_default();
                let mut problems = Vec::new();
                segments.retain(|path| {
                    let name = relative(path, store);
                    let keep = !unreadable.contains(&name);
                    if !keep {
                        problems.push(Problem {
                            source: "input".into(),
                            file: name,
                            line: None,
                            reason: "segment skipped, its events are not analysed: the verifier could not read it (see the integrity section)".into(),
                        });
                    }
                    keep
                });
                let (start, end) = (self.period.start_utc_us, self.period.end_utc_us);
                let checked: Vec<(PathBuf, std::result::Result<bool, String>)> = segments
                    .into_par_iter()
                    .map(|path| {
                        let verdict = worklog_ledger::read_record(&path)
                            .map(|r| r.last_ts >= start && r.first_ts < end)
                            .map_err(|e| worklog_ledger::chain(&e));
                        (path, verdict)
                    })
                    .collect();
                let mut files = Vec::new();
                for (path, verdict) in checked {
                    match verdict {
                        Ok(true) => files.push(path),
                        Ok(false) => {}
                        Err(reason) => problems.push(Problem {
                            source: "input".into(),
                            file: relative(&path, store),
                            line: None,
                            reason: format!(
                                "segment skipped, its events are not analysed: {reason}; run `worklog verify` to see what happened to it"
                            ),
                        }),
                    }
                }
                Ok((files, store.clone(), problems))
            }
        }
    }

    /// The period's events, read once into memory (only the columns the
    /// pack uses), so that every rule runs over one table.
    ///
    /// Held compactly: files are read a chunk at a time and each chunk is
    /// split by kind, keeping for each kind only the columns with a value in
    /// it (most columns belong to one kind). `events` is the union of the
    /// per-kind tables, each widened back with typed null columns that
    /// polars computes only when a query reads them: the same rows and
    /// values as one wide table, in less memory.
    fn load_events(&self, files: &[PathBuf]) -> Result<LazyFrame> {
        /// Files read at once: bounds the transient wide table.
        const FILES_PER_CHUNK: usize = 64;
        let columns = self.used_columns();
        let schema = self
            .events_frame(&[])?
            .select(columns.clone())
            .collect_schema()?;
        let mut by_kind: BTreeMap<Option<String>, Vec<DataFrame>> = BTreeMap::new();
        for chunk in files.chunks(FILES_PER_CHUNK) {
            let mut wide = self
                .events_frame(chunk)?
                .select(columns.clone())
                .collect()?;
            // One chunk per column: gathering from it is much faster.
            wide.rechunk_mut_par();

            // Which columns have a value in some row of each kind: one
            // aggregation, so that only those columns are gathered.
            let names: Vec<PlSmallStr> = wide
                .get_column_names()
                .into_iter()
                .filter(|n| n.as_str() != "kind")
                .cloned()
                .collect();
            let mut counts = vec![len().alias("__rows")];
            counts.extend(
                names
                    .iter()
                    .map(|n| col(n.clone()).null_count().alias(n.clone())),
            );
            let nulls = wide
                .clone()
                .lazy()
                .group_by([col("kind")])
                .agg(counts)
                .collect()?;
            let count_of = |name: &str| -> PolarsResult<Vec<i64>> {
                let counts = nulls.column(name)?.cast(&DataType::Int64)?;
                Ok(counts.i64()?.iter().map(|v| v.unwrap_or(0)).collect())
            };
            let rows_of = count_of("__rows")?;
            let nulls_of = names
                .iter()
                .map(|name| count_of(name))
                .collect::<PolarsResult<Vec<_>>>()?;
            let kinds_col = nulls.column("kind")?.str()?.clone();
            let mut keep: BTreeMap<Option<String>, Vec<PlSmallStr>> = BTreeMap::new();
            for (g, total) in rows_of.iter().enumerate() {
                let mut kept = vec![PlSmallStr::from_static("kind")];
                for (name, nulls) in names.iter().zip(&nulls_of) {
                    if nulls[g] < *total {
                        kept.push(name.clone());
                    }
                }
                keep.insert(kinds_col.get(g).map(str::to_owned), kept);
            }
            let mut rows: BTreeMap<Option<&str>, Vec<IdxSize>> = BTreeMap::new();
            for (i, kind) in wide.column("kind")?.str()?.iter().enumerate() {
                rows.entry(kind).or_default().push(i as IdxSize);
            }
            for (kind, idx) in rows {
                let idx = IdxCa::from_vec("row".into(), idx);
                let kind = kind.map(str::to_owned);
                let wanted = keep.get(&kind).cloned().unwrap_or_default();
                let kept: Vec<Column> = wanted
                    .par_iter()
                    .map(|name| wide.column(name)?.take(&idx))
                    .collect::<PolarsResult<_>>()?;
                let height = idx.len();
                by_kind
                    .entry(kind)
                    .or_default()
                    .push(DataFrame::new(height, kept)?);
            }
        }
        let widen = |part: DataFrame, names: &dyn Fn(&str) -> bool| -> LazyFrame {
            let exprs: Vec<Expr> = schema
                .iter()
                .filter(|(name, _)| names(name.as_str()))
                .map(|(name, dtype)| {
                    if part.schema().contains(name) {
                        col(name.clone())
                    } else {
                        lit(NULL).cast(dtype.clone()).alias(name.clone())
                    }
                })
                .collect();
            part.lazy().select(exprs)
        };
        let mut tables = Vec::with_capacity(by_kind.len());
        for parts in by_kind.into_values() {
            // One table per kind, with the columns any of its parts kept.
            let used: BTreeSet<String> = parts
                .iter()
                .flat_map(|p| p.get_column_names_owned())
                .map(|n| n.to_string())
                .collect();
            let has = |name: &str| used.contains(name);
            let parts: Vec<LazyFrame> = parts.into_iter().map(|p| widen(p, &has)).collect();
            let table = concat(
                parts,
                UnionArgs {
                    rechunk: true,
                    ..Default::default()
                },
            )?
            .collect()?;
            tables.push(widen(table, &|_| true));
        }
        if tables.is_empty() {
            return Ok(self.events_frame(&[])?.select(columns));
        }
        Ok(concat(
            tables,
            UnionArgs {
                rechunk: false,
                ..Default::default()
            },
        )?)
    }

    /// `events`: the files, cut to the period, plus `local_ts`.
    fn events_frame(&self, files: &[PathBuf]) -> Result<LazyFrame> {
        let base = if files.is_empty() {
            empty_events()?.lazy()
        } else {
            let paths = files
                .iter()
                .map(|p| PlRefPath::try_from_path(p))
                .collect::<PolarsResult<Vec<_>>>()?;
            let args = ScanArgsParquet {
                hive_options: HiveOptions {
                    enabled: Some(false),
                    ..Default::default()
                },
                ..Default::default()
            };
            LazyFrame::scan_parquet_files(paths.into_iter().collect(), args)?
        };
        let ts_type = DataType::Datetime(TimeUnit::Microseconds, None);
        let at = |us: i64| lit(us).cast(ts_type.clone());
        Ok(base
            .filter(
                col("ts")
                    .gt_eq(at(self.period.start_utc_us))
                    .and(col("ts").lt(at(self.period.end_utc_us))),
            )
            .with_column(
                (col("ts")
                    + (col("utc_offset_min").cast(DataType::Int64) * lit(60_000_000i64))
                        .cast(DataType::Duration(TimeUnit::Microseconds)))
                .alias("local_ts"),
            ))
    }

    fn findings_of(
        &self,
        planned: &Planned<'_>,
        df: &DataFrame,
        inventory: &BTreeMap<&str, &worklog_schema::policy::Device>,
    ) -> PolarsResult<Vec<Finding>> {
        let rule = planned.rule;
        let n = df.height();
        let text = |name: &str| -> PolarsResult<Vec<Option<String>>> {
            match df.column(name) {
                Ok(c) => Ok(c
                    .cast(&DataType::String)?
                    .str()?
                    .iter()
                    .map(|v| v.map(str::to_owned))
                    .collect()),
                Err(_) => Ok(vec![None; n]),
            }
        };
        let int = |name: &str, dtype: DataType| -> PolarsResult<Vec<Option<i64>>> {
            match df.column(name) {
                Ok(c) => Ok(c
                    .cast(&dtype)?
                    .cast(&DataType::Int64)?
                    .i64()?
                    .iter()
                    .collect()),
                Err(_) => Ok(vec![None; n]),
            }
        };
        let device = text("device_id")?;
        let detail = text("detail")?;
        let user = text("user_name")?;
        let seq = int("seq", DataType::Int64)?;
        let ts = int("ts", DataType::Datetime(TimeUnit::Microseconds, None))?;
        let mut evidence_columns = Vec::with_capacity(planned.evidence.len());
        for name in &planned.evidence {
            evidence_columns.push((name.clone(), evidence_values(df.column(name)?, &ts)?));
        }
        let local_time = self.period.local_times();
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            let device_id = device[i].clone().unwrap_or_default();
            let department = inventory
                .get(device_id.as_str())
                .map(|d| d.department.clone())
                .unwrap_or_default();
            let ts = ts[i];
            out.push(Finding {
                rule_id: rule.id.clone(),
                category: rule.category,
                items: rule.items.clone(),
                severity: rule.severity,
                department,
                user_name: user[i].clone().unwrap_or_default(),
                ts,
                local_time: ts.map(&local_time).unwrap_or_default(),
                seq: seq[i].and_then(|s| u64::try_from(s).ok()),
                detail: detail[i].clone().unwrap_or_default(),
                evidence: evidence_columns
                    .iter()
                    .map(|(name, values)| (name.clone(), values[i].clone()))
                    .collect(),
                waived_by: None,
                device_id,
            });
        }
        Ok(out)
    }

    fn device_summaries(
        &self,
        stats: &DataFrame,
        inventory: &BTreeMap<&str, &worklog_schema::policy::Device>,
    ) -> Result<(Vec<DeviceSummary>, BTreeMap<String, DeviceDays>)> {
        let ids = stats.column("device_id")?.str()?.clone();
        let kinds = stats.column("kind")?.str()?.clone();
        let counts = stats.column("events")?.cast(&DataType::Int64)?;
        let counts = counts.i64()?;
        let day_numbers = stats.column("day")?.cast(&DataType::Int64)?;
        let day_numbers = day_numbers.i64()?;
        let ts_i64 = |name: &str| -> Result<Vec<Option<i64>>> {
            Ok(stats
                .column(name)?
                .cast(&DataType::Int64)?
                .i64()?
                .iter()
                .collect())
        };
        let (firsts, lasts) = (ts_i64("first_ts")?, ts_i64("last_ts")?);
        let mut by_device: BTreeMap<String, DeviceSummary> = BTreeMap::new();
        let mut days: BTreeMap<String, DeviceDays> = BTreeMap::new();
        // Inventory devices in service during the period, seen or not.
        for d in &self.policy.devices {
            if let Some(service) = service_days_of(d, &self.period) {
                by_device.insert(d.device_id.clone(), summary_of(&d.device_id, Some(d)));
                days.entry(d.device_id.clone()).or_default().service = Some(service);
            }
        }
        let last_day = self.period.days().saturating_sub(1);
        for i in 0..stats.height() {
            let (Some(id), Some(kind)) = (ids.get(i), kinds.get(i)) else {
                continue;
            };
            let entry = by_device
                .entry(id.to_owned())
                .or_insert_with(|| summary_of(id, inventory.get(id).copied()));
            let n = counts.get(i).unwrap_or(0).max(0) as u64;
            entry.events += n;
            *entry.kinds.entry(kind.to_owned()).or_default() += n;
            entry.first_ts = min_opt(entry.first_ts, firsts[i]);
            entry.last_ts = max_opt(entry.last_ts, lasts[i]);
            // Days of 24 hours from the period's start (events are cut to
            // the period, so the number is in range).
            if let Some(day) = day_numbers
                .get(i)
                .and_then(|d| u32::try_from(d).ok())
                .filter(|d| *d <= last_day)
            {
                days.entry(id.to_owned())
                    .or_default()
                    .by_kind
                    .entry(kind.to_owned())
                    .or_default()
                    .insert(day);
            }
        }
        for (id, summary) in &mut by_device {
            let Some(d) = days.get(id) else { continue };
            let (first, last) = d.service.unwrap_or((0, last_day));
            summary.in_service_days = last - first + 1;
            summary.active_days = d
                .active_days()
                .range(first..=last)
                .count()
                .try_into()
                .unwrap_or(u32::MAX);
        }
        Ok((by_device.into_values().collect(), days))
    }

    fn apply_waivers(&self, findings: &mut [Finding]) {
        if self.waivers.is_empty() {
            return;
        }
        for finding in findings.iter_mut() {
            let day = finding
                .local_time
                .get(..10)
                .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .unwrap_or(self.period.last_day);
            if let Some(w) = self.waivers.iter().find(|w| {
                w.covers(
                    &finding.rule_id,
                    &finding.device_id,
                    &finding.user_name,
                    day,
                )
            }) {
                finding.waived_by = Some(WaivedBy {
                    line: w.line,
                    reason: w.reason.clone(),
                    approver: w.approver.clone(),
                    expires: w.expires.format("%Y-%m-%d").to_string(),
                });
            }
        }
    }

    fn manifest(&self, files: &[PathBuf], root: &Path) -> Result<Manifest> {
        let event_files: Vec<InputFile> = files
            .par_iter()
            .map(|path| hash_file(path, root))
            .collect::<Result<_>>()?;
        let mut event_files = event_files;
        event_files.sort_by(|a, b| a.path.cmp(&b.path));
        let events_sha256 = combined(&event_files);
        let pack_files = folder_files(&self.pack.dir)?;
        let rule_pack_sha256 = combined(&pack_files);
        let policy_sha256 = match &self.policy_dir {
            Some(dir) => combined(&folder_files(dir)?),
            None => String::new(),
        };
        let parameters = self
            .params
            .names()
            .filter_map(|name| {
                let rendered =
                    crate::params::render_template(&format!("${{{name}}}"), &self.params).ok()?;
                Some((name.to_owned(), rendered))
            })
            .collect();
        Ok(Manifest {
            edition: self.pack.catalog.edition.clone(),
            rule_pack_sha256,
            policy_sha256,
            events_sha256,
            event_files,
            parameters,
        })
    }
}

/// Renders, plans and checks one rule against the registered tables.
fn plan_rule(
    rule: &Rule,
    params: &Params,
    ctx: &mut SQLContext,
) -> std::result::Result<(LazyFrame, Vec<String>), RuleFileError> {
    let sql = rule.render_sql(params)?;
    let fail = |message: String| locate_error(rule, &message);
    if let Ok(tables) = polars::sql::extract_table_identifiers(&sql, false, true) {
        for table in tables {
            if REFERENCE_TABLES.iter().any(|t| t.name == table) && !rule.tables.contains(&table) {
                return Err(RuleFileError {
                    file: rule.file.clone(),
                    line: None,
                    reason: format!(
                        "the SQL reads table `{table}` but `tables` does not list it: add it, so auditors see what the rule depends on"
                    ),
                });
            }
        }
    }
    let plan = ctx.execute(&sql).map_err(|e| fail(e.to_string()))?;
    let schema = plan
        .clone()
        .collect_schema()
        .map_err(|e| fail(e.to_string()))?;
    for required in REQUIRED_OUTPUT {
        match schema.get(required) {
            Some(DataType::String) => {}
            Some(other) => {
                return Err(fail(format!(
                    "the result column `{required}` must be text, found {other}"
                )));
            }
            None => {
                return Err(fail(format!(
                    "the result has no `{required}` column: a rule must select device_id and detail (and seq, ts, user_name when it has them)"
                )));
            }
        }
    }
    let expect = |name: &str, ok: fn(&DataType) -> bool, what: &str| match schema.get(name) {
        Some(t) if !ok(t) => Err(fail(format!(
            "the result column `{name}` must be {what}, found {t}"
        ))),
        _ => Ok(()),
    };
    expect("seq", |t| t.is_integer(), "an integer")?;
    expect(
        "ts",
        |t| matches!(t, DataType::Datetime(_, None)),
        "a timestamp",
    )?;
    expect("user_name", |t| matches!(t, DataType::String), "text")?;
    let evidence = schema
        .iter_names()
        .filter(|n| !KNOWN_OUTPUT.contains(&n.as_str()))
        .map(|n| n.to_string())
        .collect();
    Ok((plan, evidence))
}

/// Points a polars message at the rule file line that names the offending
/// identifier, when the message quotes one that appears in the SQL.
fn locate_error(rule: &Rule, message: &str) -> RuleFileError {
    let quoted = ['"', '\'', '`'].iter().find_map(|q| {
        let start = message.find(*q)? + 1;
        let len = message[start..].find(*q)?;
        let word = &message[start..start + len];
        (!word.is_empty()).then_some(word)
    });
    let line = quoted
        .and_then(|w| rule.sql.find(w))
        .map(|offset| rule.line_in_sql(offset))
        .unwrap_or(rule.sql_line);
    let first_line = message.lines().next().unwrap_or(message);
    RuleFileError {
        file: rule.file.clone(),
        line: Some(line),
        reason: format!(
            "the SQL does not run: {first_line}. Check it with `worklog rules check` after fixing"
        ),
    }
}

/// Collects plans together, as [`Analyzer::analyze`] runs the pack: one
/// polars `collect_all`, so that work the plans share is done once.
pub fn collect_all(plans: Vec<LazyFrame>) -> PolarsResult<Vec<DataFrame>> {
    let opt = plans
        .first()
        .map(LazyFrame::get_current_optimizations)
        .unwrap_or_default();
    let plans = plans.into_iter().map(|lf| lf.logical_plan).collect();
    LazyFrame::collect_all_with_engine(plans, Engine::Auto, opt)
}

/// The `period` table: one row with the analysis period.
fn period_table(period: &Period) -> Result<DataFrame> {
    let days = |d: chrono::NaiveDate| worklog_schema::Date::from_naive(d).0;
    let ts = DataType::Datetime(TimeUnit::Microseconds, None);
    Ok(DataFrame::new(
        1,
        vec![
            Column::new("first_day".into(), [days(period.first_day)]).cast(&DataType::Date)?,
            Column::new("last_day".into(), [days(period.last_day)]).cast(&DataType::Date)?,
            Column::new("start_utc".into(), [period.start_utc_us]).cast(&ts)?,
            Column::new("end_utc".into(), [period.end_utc_us]).cast(&ts)?,
            Column::new("time_zone".into(), [period.time_zone.as_str()]),
        ],
    )?)
}

/// An empty frame with the event schema (for checking rules and for a
/// store with nothing in the period).
pub fn empty_events() -> Result<DataFrame> {
    let schema = worklog_schema::event_schema();
    let mut columns = Vec::with_capacity(schema.fields().len());
    for field in schema.fields() {
        use arrow_schema::DataType as A;
        let dtype = match field.data_type() {
            A::Utf8 | A::LargeUtf8 => DataType::String,
            A::UInt64 => DataType::UInt64,
            A::Int64 => DataType::Int64,
            A::Int32 => DataType::Int32,
            A::Boolean => DataType::Boolean,
            A::Date32 => DataType::Date,
            A::Timestamp(_, _) => DataType::Datetime(TimeUnit::Microseconds, None),
            _ => DataType::Binary,
        };
        columns.push(Column::new_empty(field.name().as_str().into(), &dtype));
    }
    Ok(DataFrame::new(0, columns)?)
}

/// Evidence values as text. Times are UTC and say so, except a column named
/// `local_ts` or `local_*` (a device's wall-clock time, `ts` shifted by its
/// offset), which is shown with that offset, taken from the row's `ts`.
fn evidence_values(column: &Column, ts: &[Option<i64>]) -> PolarsResult<Vec<String>> {
    let n = column.len();
    let values: Vec<String> = match column.dtype() {
        DataType::Datetime(_, _) => {
            let local = column.name().as_str() == "local_ts" || column.name().starts_with("local_");
            column
                .cast(&DataType::Datetime(TimeUnit::Microseconds, None))?
                .cast(&DataType::Int64)?
                .i64()?
                .iter()
                .enumerate()
                .map(|(i, v)| match (v, local) {
                    (None, _) => String::new(),
                    (Some(v), false) => format_utc(v),
                    (Some(v), true) => format_local(v, ts.get(i).copied().flatten()),
                })
                .collect()
        }
        _ => column
            .cast(&DataType::String)?
            .str()?
            .iter()
            .map(|v| v.unwrap_or_default().to_owned())
            .collect(),
    };
    debug_assert_eq!(values.len(), n);
    Ok(values)
}

/// `2026-10-05 01:12:09 UTC`.
fn format_utc(us: i64) -> String {
    chrono::DateTime::from_timestamp_micros(us)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_default()
}

/// A wall-clock time `local_us` (UTC shifted by the device's offset) with
/// that offset, `2026-10-05 10:12:09+09:00`; without `utc_us` the offset is
/// unknown and the text says so.
fn format_local(local_us: i64, utc_us: Option<i64>) -> String {
    let Some(t) = chrono::DateTime::from_timestamp_micros(local_us) else {
        return String::new();
    };
    let offset = utc_us
        .and_then(|u| local_us.checked_sub(u))
        .and_then(|d| i32::try_from(d / 1_000_000).ok())
        .and_then(chrono::FixedOffset::east_opt);
    match offset {
        Some(offset) => t
            .naive_utc()
            .and_local_timezone(offset)
            .single()
            .map(|t| t.format("%Y-%m-%d %H:%M:%S%:z").to_string())
            .unwrap_or_default(),
        None => t.format("%Y-%m-%d %H:%M:%S (local)").to_string(),
    }
}

fn rule_problem(p: RuleFileError) -> Problem {
    Problem {
        source: "rule".into(),
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

fn summary_of(id: &str, device: Option<&worklog_schema::policy::Device>) -> DeviceSummary {
    DeviceSummary {
        device_id: id.to_owned(),
        department: device.map(|d| d.department.clone()).unwrap_or_default(),
        device_type: device.map(|d| d.device_type.clone()).unwrap_or_default(),
        portable: device.is_some_and(|d| d.portable),
        owner: device.map(|d| d.owner.clone()).unwrap_or_default(),
        in_inventory: device.is_some(),
        events: 0,
        first_ts: None,
        last_ts: None,
        kinds: BTreeMap::new(),
        gaps: 0,
        in_service_days: 0,
        active_days: 0,
        integrity: None,
    }
}

fn min_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn max_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

fn integrity_of(report: &VerifyReport, device_id: &str) -> Option<Integrity> {
    let device = report.devices.iter().find(|d| d.device_id == device_id)?;
    let mut classes: Vec<String> = device
        .anomalies
        .iter()
        .map(|a| a.class.as_str().to_owned())
        .collect();
    classes.sort();
    classes.dedup();
    Some(Integrity {
        segments_verified: device.segments_verified,
        rows_verified: device.rows_verified,
        anchors_matched: device.anchors_matched,
        pruned_through: device.pruned_through,
        anomalies: device.anomalies.iter().map(ToString::to_string).collect(),
        classes,
    })
}

fn relative(path: &Path, root: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
        .replace('\\', "/")
}

fn hash_file(path: &Path, root: &Path) -> Result<InputFile> {
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    Ok(InputFile {
        path: relative(path, root),
        bytes: bytes.len() as u64,
        sha256: hex::encode(Sha256::digest(&bytes)),
    })
}

/// Every file under `dir`, hashed, sorted by relative path.
fn folder_files(dir: &Path) -> Result<Vec<InputFile>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(current) = stack.pop() {
        let entries = std::fs::read_dir(&current).map_err(|source| Error::Io {
            path: current.clone(),
            source,
        })?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(hash_file(&path, dir)?);
            }
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// One hash over a list of (path, hash) pairs.
fn combined(files: &[InputFile]) -> String {
    let mut hasher = Sha256::new();
    for f in files {
        hasher.update(f.path.as_bytes());
        hasher.update([0]);
        hasher.update(f.sha256.as_bytes());
        hasher.update([b'\n']);
    }
    hex::encode(hasher.finalize())
}
