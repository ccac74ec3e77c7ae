//! From the merged results of every partition to the [`Analysis`]: waivers,
//! order, verdicts, rollups, log checks and the manifest. Pure logic apart
//! from hashing the input files.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use worklog_model::{Analysis, DeviceSummary, Finding, ItemInfo, Problem, RuleRun};

use crate::analyzer::Analyzer;
use crate::error::Result;
use crate::manifest::manifest;
use crate::rule::LogRole;
use crate::statistics::Statistics;
use crate::verdict;
use crate::waiver::apply_waivers;

/// What running the partitions produced.
#[derive(Debug)]
pub(crate) struct Outcome {
    /// Findings of every rule that ran everywhere, in no particular order.
    pub findings: Vec<Finding>,
    /// Result rows per rule that ran.
    pub counts: BTreeMap<String, u64>,
    /// Rules that failed to plan or to run.
    pub failed: BTreeSet<String>,
    /// Statistics of every device.
    pub statistics: Statistics,
    /// Everything that went wrong on the way.
    pub problems: Vec<Problem>,
    /// Files left out because they could not be read.
    pub left_out: BTreeSet<PathBuf>,
    /// The event files read (for the manifest).
    pub files: Vec<PathBuf>,
    /// The folder they are named relative to.
    pub root: PathBuf,
}

impl Outcome {
    pub fn new(statistics: Statistics) -> Outcome {
        Outcome {
            findings: Vec::new(),
            counts: BTreeMap::new(),
            failed: BTreeSet::new(),
            statistics,
            problems: Vec::new(),
            left_out: BTreeSet::new(),
            files: Vec::new(),
            root: PathBuf::new(),
        }
    }
}

/// Builds the analysis. The result does not depend on how the devices were
/// partitioned or on the order partitions finished: findings are sorted by
/// every field, everything else is keyed by device.
pub(crate) fn assemble(analyzer: &Analyzer<'_>, outcome: Outcome) -> Result<Analysis> {
    let Outcome {
        mut findings,
        counts,
        failed,
        mut statistics,
        mut problems,
        files,
        root,
        ..
    } = outcome;
    let pack = analyzer.pack;
    statistics.finish();
    apply_waivers(&analyzer.waivers, &mut findings, analyzer.period.last_day);
    verdict::sort_findings(&mut findings, &pack.catalog);
    let devices = device_summaries(analyzer, statistics.devices.into_values(), &findings);
    let evidence = verdict::Evidence {
        days: &statistics.days,
        period_days: analyzer.period.days(),
        period_start_us: analyzer.period.start_utc_us,
        required_pct: analyzer.settings.evidence_min_weekly_coverage_pct,
    };
    let verdicts = verdict::device_verdicts(pack, &devices, &findings, &failed, &evidence);
    let rollups = verdict::rollups(&pack.catalog, &verdicts);
    let log_checks = verdict::log_checks(
        pack,
        &devices,
        &findings,
        analyzer.verification,
        &anchoring(analyzer),
    );
    let (waived, findings): (Vec<Finding>, Vec<Finding>) =
        findings.into_iter().partition(|f| f.waived_by.is_some());
    problems.sort_by(|a, b| {
        (&a.source, &a.file, a.line, &a.reason).cmp(&(&b.source, &b.file, b.line, &b.reason))
    });
    problems.dedup();
    let manifest = manifest(
        pack,
        &analyzer.params,
        analyzer.policy_dir.as_deref(),
        &files,
        &root,
        analyzer.verification,
    )?;
    let events = devices.iter().map(|d| d.events).sum();
    Ok(Analysis {
        organisation: analyzer.settings.organisation.clone(),
        period: analyzer.period.clone(),
        items: items(pack),
        rules: rule_runs(analyzer, &counts, &failed),
        findings,
        waived,
        verdicts,
        rollups,
        devices,
        log_checks,
        problems,
        manifest,
        events,
    })
}

/// Each device's summary with its gaps in use (the findings of `use_gap`
/// rules) and, when the store was verified, its integrity.
fn device_summaries(
    analyzer: &Analyzer<'_>,
    devices: impl Iterator<Item = DeviceSummary>,
    findings: &[Finding],
) -> Vec<DeviceSummary> {
    let mut gaps: BTreeMap<&str, u64> = BTreeMap::new();
    for f in findings
        .iter()
        .filter(|f| verdict::log_role(analyzer.pack, f) == Some(LogRole::UseGap))
    {
        *gaps.entry(f.device_id.as_str()).or_default() += 1;
    }
    devices
        .map(|mut device| {
            device.gaps = gaps.get(device.device_id.as_str()).copied().unwrap_or(0);
            if let Some(report) = analyzer.verification {
                device.integrity = report
                    .devices
                    .iter()
                    .find(|d| d.device_id == device.device_id)
                    .map(|d| d.integrity.clone());
            }
            device
        })
        .collect()
}

/// The anchoring policy and when each device's service ends in the period.
fn anchoring(analyzer: &Analyzer<'_>) -> verdict::Anchoring {
    verdict::Anchoring {
        interval_hours: analyzer.settings.anchor_interval_hours,
        period_end_us: analyzer.period.end_utc_us,
        service_ends: analyzer
            .policy
            .devices
            .iter()
            .filter_map(|d| {
                let (first, last) = crate::tables::service_days_of(d, &analyzer.period)?;
                let (_, end) = analyzer.period.utc_bounds_of_days(first, last)?;
                Some((d.device_id.clone(), end))
            })
            .collect(),
    }
}

/// The catalog's items as the model reports them.
fn items(pack: &crate::RulePack) -> Vec<ItemInfo> {
    pack.catalog
        .items
        .iter()
        .map(|i| ItemInfo {
            number: i.number.clone(),
            level: i.level,
            parent: i.parent.clone(),
            portable_only: i.applies_to == crate::Applicability::Portable,
            question_ja: i.question_ja.clone(),
            question_en: i.question_en.clone(),
        })
        .collect()
}

/// Every rule as it ran: its texts, finding count and whether it ran.
fn rule_runs(
    analyzer: &Analyzer<'_>,
    counts: &BTreeMap<String, u64>,
    failed: &BTreeSet<String>,
) -> Vec<RuleRun> {
    analyzer
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
            details: r.details_with(&analyzer.params),
            concerns_logs: r.concerns_logs,
        })
        .collect()
}
