//! From findings to verdicts: pure logic, no I/O.

use std::collections::{BTreeMap, BTreeSet};

use crate::RulePack;
use crate::catalog::{Applicability, Catalog};
use crate::coverage::{self, DeviceDays};
use crate::ledger_view::{DeviceVerification, StoreVerification};
use crate::rule::LogRole;
use worklog_model::*;

/// Sorts findings deterministically: catalog item order (leak and log
/// after the items), rule, device, time, sequence number.
pub(crate) fn sort_findings(findings: &mut [Finding], catalog: &Catalog) {
    let rank = |f: &Finding| -> usize {
        match f.category {
            Category::Item => f
                .items
                .first()
                .and_then(|i| catalog.items.iter().position(|c| &c.number == i))
                .unwrap_or(usize::MAX - 2),
            Category::Leak => usize::MAX - 1,
            _ => usize::MAX,
        }
    };
    // Every field takes part, so that the order does not depend on the
    // order the engine or the partitions returned rows in.
    findings.sort_by(|a, b| {
        (rank(a), &a.rule_id, &a.device_id, a.ts, a.seq, &a.detail)
            .cmp(&(rank(b), &b.rule_id, &b.device_id, b.ts, b.seq, &b.detail))
            .then_with(|| {
                (&a.user_name, &a.evidence, &a.local_time, &a.department).cmp(&(
                    &b.user_name,
                    &b.evidence,
                    &b.local_time,
                    &b.department,
                ))
            })
            .then_with(|| {
                let waiver = |f: &Finding| f.waived_by.as_ref().map(|w| w.line);
                waiver(a).cmp(&waiver(b))
            })
    });
}

/// What the verdicts are judged against besides the findings.
pub(crate) struct Evidence<'a> {
    /// Days with events per device and kind.
    pub days: &'a BTreeMap<String, DeviceDays>,
    /// Days in the period.
    pub period_days: u32,
    /// The period's start (UTC µs): day `n` is the `n`-th 24 hours from it.
    pub period_start_us: i64,
    /// The policy's weekly-coverage threshold (percent).
    pub required_pct: u32,
}

/// Findings of one item on one device that count toward its verdict.
#[derive(Debug, Clone, Copy, Default)]
struct Counted {
    fail: u64,
    review: u64,
    waived: u64,
    /// Of `fail`, those outside every window where the device's clock went
    /// back.
    fail_outside_clock: u64,
}

/// The verdict of every catalog item for every device.
///
/// Order of precedence: 対象外 (item not applicable to the device), then
/// 不適合 (a `fail` finding: evidence of non-compliance is enough; 要確認
/// when every such finding lies where the device's clock went back), then
/// 証跡不足 for no events, 要確認 when no rule of the item could run, then
/// 証跡不足 for an anomaly that lost or altered evidence, for a kind the
/// item's rules need that is absent, or for evidence that does not span
/// enough of the in-service period (also without the days where the clock
/// went back); then 要確認 (a `review` finding), else 適合. A parent item
/// takes the worst verdict of its sub-items.
pub(crate) fn device_verdicts(
    pack: &RulePack,
    devices: &[DeviceSummary],
    findings: &[Finding],
    failed_rules: &BTreeSet<String>,
    evidence: &Evidence<'_>,
) -> Vec<DeviceVerdict> {
    let counts = count_findings(devices, findings);
    let catalog = &pack.catalog;
    let mut out = Vec::with_capacity(catalog.items.len() * devices.len());
    // Sub-items first, so that parents can take their worst verdict.
    for parents_pass in [false, true] {
        for item in &catalog.items {
            let children: Vec<&str> = catalog
                .items
                .iter()
                .filter(|c| c.parent.as_deref() == Some(item.number.as_str()))
                .map(|c| c.number.as_str())
                .collect();
            if children.is_empty() == parents_pass {
                continue;
            }
            let judge = ItemJudge::new(pack, item, failed_rules);
            for device in devices {
                let counted = counts
                    .get(&(item.number.as_str(), device.device_id.as_str()))
                    .copied()
                    .unwrap_or_default();
                let verdict = if children.is_empty() {
                    judge.leaf(device, counted, evidence)
                } else {
                    parent_verdict(item, device, &children, &out)
                };
                out.push(verdict);
            }
        }
    }
    let position = |item: &str| catalog.items.iter().position(|i| i.number == item);
    out.sort_by(|a, b| (position(&a.item), &a.device_id).cmp(&(position(&b.item), &b.device_id)));
    out
}

/// Item findings per (item, device).
fn count_findings<'a>(
    devices: &[DeviceSummary],
    findings: &'a [Finding],
) -> BTreeMap<(&'a str, &'a str), Counted> {
    let windows: BTreeMap<&str, &[ClockWindow]> = devices
        .iter()
        .filter_map(|d| {
            let i = d.integrity.as_ref()?;
            Some((d.device_id.as_str(), i.clock_windows.as_slice()))
        })
        .collect();
    let mut counts: BTreeMap<(&str, &str), Counted> = BTreeMap::new();
    for f in findings.iter().filter(|f| f.category == Category::Item) {
        let in_clock_window = f.ts.is_some_and(|ts| {
            windows
                .get(f.device_id.as_str())
                .is_some_and(|ws| ws.iter().any(|w| w.contains(ts)))
        });
        for item in &f.items {
            let entry = counts.entry((item, &f.device_id)).or_default();
            match (f.waived_by.is_some(), f.severity) {
                (true, _) => entry.waived += 1,
                (false, Severity::Fail) => {
                    entry.fail += 1;
                    entry.fail_outside_clock += u64::from(!in_clock_window);
                }
                (false, _) => entry.review += 1,
            }
        }
    }
    counts
}

/// A parent item (125): the worst verdict of its sub-items.
fn parent_verdict(
    item: &crate::catalog::Item,
    device: &DeviceSummary,
    children: &[&str],
    judged: &[DeviceVerdict],
) -> DeviceVerdict {
    let of_children = || {
        judged
            .iter()
            .filter(|v| v.device_id == device.device_id && children.contains(&v.item.as_str()))
    };
    let applicable = item.applies_to != Applicability::Portable || device.portable;
    let (verdict, reason) = if applicable {
        let worst = of_children()
            .map(|v| v.verdict)
            .filter(|v| *v != Verdict::NotApplicable)
            .min()
            .unwrap_or(Verdict::NotApplicable);
        (
            worst,
            VerdictReason::FromSubItems {
                items: children.iter().map(|c| (*c).to_owned()).collect(),
            },
        )
    } else {
        (Verdict::NotApplicable, VerdictReason::NotPortable)
    };
    let (findings, waived) =
        of_children().fold((0, 0), |acc, v| (acc.0 + v.findings, acc.1 + v.waived));
    DeviceVerdict {
        item: item.number.clone(),
        device_id: device.device_id.clone(),
        department: device.department.clone(),
        verdict,
        reason,
        findings,
        waived,
        evidence_events: 0,
        coverage: None,
        sources: of_children()
            .flat_map(|v| v.sources.iter().copied())
            .collect(),
    }
}

/// What judging one leaf item needs, the same for every device.
struct ItemJudge<'a> {
    item: &'a crate::catalog::Item,
    has_rules: bool,
    failed: Vec<String>,
    required: BTreeSet<&'a str>,
    /// Every kind the item's rules read: their findings and the events they
    /// found fine rest on these (a 不適合 of 123 rests on the install
    /// events, though only the inventory is required).
    read: BTreeSet<&'a str>,
}

impl<'a> ItemJudge<'a> {
    fn new(
        pack: &'a RulePack,
        item: &'a crate::catalog::Item,
        failed_rules: &BTreeSet<String>,
    ) -> Self {
        let rules: Vec<&crate::Rule> = pack.rules_for_item(&item.number).collect();
        ItemJudge {
            item,
            has_rules: !rules.is_empty(),
            failed: failed_rules
                .iter()
                .filter(|id| {
                    pack.rule(id)
                        .is_some_and(|r| r.items.contains(&item.number))
                })
                .cloned()
                .collect(),
            required: rules
                .iter()
                .flat_map(|r| r.requires_kinds.iter().map(String::as_str))
                .collect(),
            read: rules
                .iter()
                .flat_map(|r| r.kinds.iter().chain(&r.requires_kinds))
                .map(String::as_str)
                .collect(),
        }
    }

    /// The verdict of a leaf item for one device, by the order of
    /// precedence of [`device_verdicts`].
    fn leaf(&self, device: &DeviceSummary, c: Counted, evidence: &Evidence<'_>) -> DeviceVerdict {
        let applicable = self.item.applies_to != Applicability::Portable || device.portable;
        let no_days = DeviceDays::default();
        let days = evidence.days.get(&device.device_id).unwrap_or(&no_days);
        let coverage = applicable
            .then(|| {
                coverage::coverage(
                    days,
                    evidence.period_days,
                    &self.required,
                    evidence.required_pct,
                )
            })
            .flatten();
        let (verdict, reason) = if applicable {
            self.decide(device, c, coverage.as_ref(), days, evidence)
        } else {
            (Verdict::NotApplicable, VerdictReason::NotPortable)
        };
        DeviceVerdict {
            item: self.item.number.clone(),
            device_id: device.device_id.clone(),
            department: device.department.clone(),
            verdict,
            reason,
            findings: c.fail + c.review,
            waived: c.waived,
            evidence_events: self
                .required
                .iter()
                .map(|k| device.kinds.get(*k).copied().unwrap_or(0))
                .sum(),
            coverage,
            sources: if applicable {
                self.read
                    .iter()
                    .filter_map(|k| device.sources.get(*k))
                    .flatten()
                    .copied()
                    .collect()
            } else {
                Default::default()
            },
        }
    }

    fn decide(
        &self,
        device: &DeviceSummary,
        c: Counted,
        coverage: Option<&Coverage>,
        days: &DeviceDays,
        evidence: &Evidence<'_>,
    ) -> (Verdict, VerdictReason) {
        let integrity = device.integrity.as_ref();
        let windows: Vec<ClockWindow> = integrity
            .map(|i| i.clock_windows.clone())
            .unwrap_or_default();
        let anomalies: Vec<worklog_model::AnomalyKind> =
            integrity.map(|i| i.classes.clone()).unwrap_or_default();
        let missing: Vec<String> = self
            .required
            .iter()
            .filter(|k| device.kinds.get(**k).copied().unwrap_or(0) == 0)
            .map(|k| (*k).to_owned())
            .collect();
        let without_clock = || {
            coverage::without_windows(days, &windows, evidence.period_start_us)
                .and_then(|days| {
                    coverage::coverage(
                        &days,
                        evidence.period_days,
                        &self.required,
                        evidence.required_pct,
                    )
                })
                .filter(|c| !c.holds())
        };
        if c.fail > 0 && c.fail_outside_clock == 0 && !windows.is_empty() {
            let reason = VerdictReason::FindingsInClockWindow {
                fail: c.fail,
                windows,
            };
            (Verdict::NeedsReview, reason)
        } else if c.fail > 0 {
            let reason = VerdictReason::Findings {
                fail: c.fail,
                review: c.review,
            };
            (Verdict::Fail, reason)
        } else if device.events == 0 {
            (Verdict::InsufficientEvidence, VerdictReason::NoEvents)
        } else if !self.has_rules || !self.failed.is_empty() {
            let reason = VerdictReason::NoUsableRule {
                failed_rules: self.failed.clone(),
            };
            (Verdict::NeedsReview, reason)
        } else if !anomalies.is_empty() {
            let reason = VerdictReason::IntegrityAnomaly { classes: anomalies };
            (Verdict::InsufficientEvidence, reason)
        } else if !missing.is_empty() {
            let reason = VerdictReason::MissingKinds { kinds: missing };
            (Verdict::InsufficientEvidence, reason)
        } else if let Some(c) = coverage.filter(|c| !c.holds()) {
            let reason = VerdictReason::InsufficientCoverage {
                coverage: c.clone(),
            };
            (Verdict::InsufficientEvidence, reason)
        } else if let Some(coverage) = without_clock() {
            let reason = VerdictReason::CoverageInClockWindow { coverage, windows };
            (Verdict::InsufficientEvidence, reason)
        } else if c.review > 0 {
            let reason = VerdictReason::Findings {
                fail: c.fail,
                review: c.review,
            };
            (Verdict::NeedsReview, reason)
        } else {
            (Verdict::Pass, VerdictReason::NothingFound)
        }
    }
}

/// Per item: the organisation's rollup, then one per department (sorted).
pub(crate) fn rollups(catalog: &Catalog, verdicts: &[DeviceVerdict]) -> Vec<Rollup> {
    let mut out = Vec::new();
    for item in &catalog.items {
        let of_item: Vec<&DeviceVerdict> =
            verdicts.iter().filter(|v| v.item == item.number).collect();
        let departments: BTreeSet<&str> = of_item.iter().map(|v| v.department.as_str()).collect();
        let scopes = std::iter::once(None).chain(departments.into_iter().map(Some));
        for scope in scopes {
            let members: Vec<&&DeviceVerdict> = of_item
                .iter()
                .filter(|v| scope.is_none_or(|d| v.department == d))
                .collect();
            let mut counts: BTreeMap<Verdict, u64> = BTreeMap::new();
            for v in &members {
                *counts.entry(v.verdict).or_default() += 1;
            }
            let verdict = members
                .iter()
                .map(|v| v.verdict)
                .filter(|v| *v != Verdict::NotApplicable)
                .min()
                .unwrap_or(Verdict::NotApplicable);
            out.push(Rollup {
                item: item.number.clone(),
                department: scope.map(str::to_owned),
                verdict,
                counts,
                findings: members.iter().map(|v| v.findings).sum(),
            });
        }
    }
    out
}

/// How fresh anchors must be: the policy's anchoring interval and, per
/// device, the end of its service in the period (the period's end for a
/// device outside the inventory).
pub(crate) struct Anchoring {
    /// `anchor_interval_hours`.
    pub interval_hours: u32,
    /// The period's end (UTC µs, excluded).
    pub period_end_us: i64,
    /// Inventory devices' end of service within the period (UTC µs).
    pub service_ends: BTreeMap<String, i64>,
}

impl Anchoring {
    /// Whether `device`'s newest anchor was made more than the interval
    /// before its last event or the end of its service in the period: then
    /// a truncation or rewrite after that anchor cannot be excluded. (A
    /// device with no anchor at all is reported as such, not here.)
    fn is_stale(&self, device: &DeviceVerification) -> bool {
        let end = self
            .service_ends
            .get(&device.device_id)
            .copied()
            .unwrap_or(self.period_end_us);
        device.anchor_is_stale(self.interval_hours, end)
    }
}

/// The four log-management requirements (FSA guideline §2.3.4.2).
pub(crate) fn log_checks(
    pack: &RulePack,
    devices: &[DeviceSummary],
    findings: &[Finding],
    verification: Option<&StoreVerification>,
    anchoring: &Anchoring,
) -> Vec<LogCheck> {
    let mut checks = vec![
        recorded_check(pack, devices),
        scope_check(pack, devices, findings),
    ];
    // ログの保管期間 and ログの改ざん防止 come from the verifier.
    match verification {
        Some(report) => {
            checks.push(retention_check(report));
            checks.push(tamper_check(report, anchoring));
        }
        None => {
            for id in [LogCheckId::Retention, LogCheckId::Tamper] {
                checks.push(LogCheck::new(
                    id,
                    CheckStatus::NotChecked,
                    Vec::new(),
                    CheckFacts::NotChecked,
                ));
            }
        }
    }
    checks
}

/// ログの記録: every device with events recorded the kinds the items that
/// apply to it need (the portable-only items' kinds only on portable
/// devices).
fn recorded_check(pack: &RulePack, devices: &[DeviceSummary]) -> LogCheck {
    let needed_by = |portable: bool| -> BTreeSet<&str> {
        pack.rules
            .iter()
            .filter(|r| {
                r.category == Category::Item
                    && r.items.iter().any(|i| {
                        pack.catalog
                            .item(i)
                            .is_some_and(|c| c.applies_to == Applicability::All || portable)
                    })
            })
            .flat_map(|r| r.requires_kinds.iter().map(String::as_str))
            .collect()
    };
    let (needed_desktop, needed_portable) = (needed_by(false), needed_by(true));
    let lacking: Vec<(String, Vec<String>)> = devices
        .iter()
        .filter(|d| d.events > 0)
        .filter_map(|d| {
            let needed = if d.portable {
                &needed_portable
            } else {
                &needed_desktop
            };
            let missing: Vec<String> = needed
                .iter()
                .filter(|k| !d.kinds.contains_key(**k))
                .map(|k| (*k).to_owned())
                .collect();
            (!missing.is_empty()).then(|| (d.device_id.clone(), missing))
        })
        .collect();
    let owned = |set: &mut dyn Iterator<Item = &&str>| set.map(|k| (*k).to_owned()).collect();
    LogCheck::new(
        LogCheckId::Recorded,
        status(lacking.is_empty()),
        lacking.iter().map(|(device, _)| device.clone()).collect(),
        CheckFacts::Recorded {
            needed: owned(&mut needed_desktop.iter()),
            portable_also: owned(&mut needed_portable.difference(&needed_desktop)),
            lacking,
            total: devices.len() as u64,
        },
    )
}

/// ログ取得の対象範囲: every inventory device logged, with no gaps, and no
/// unknown device.
fn scope_check(pack: &RulePack, devices: &[DeviceSummary], findings: &[Finding]) -> LogCheck {
    let mut scope: BTreeSet<String> = devices
        .iter()
        .filter(|d| d.events == 0 || !d.in_inventory)
        .map(|d| d.device_id.clone())
        .collect();
    let gaps: Vec<&Finding> = findings
        .iter()
        .filter(|f| log_role(pack, f).is_some_and(LogRole::is_gap))
        .collect();
    scope.extend(gaps.iter().map(|f| f.device_id.clone()));
    LogCheck::new(
        LogCheckId::Scope,
        status(scope.is_empty()),
        scope.into_iter().collect(),
        CheckFacts::Scope {
            silent: devices.iter().filter(|d| d.events == 0).count() as u64,
            gaps: gaps.len() as u64,
            unlisted: devices.iter().filter(|d| !d.in_inventory).count() as u64,
        },
    )
}

/// What a finding of a log rule counts as (`None` for the other rules).
pub(crate) fn log_role(pack: &RulePack, finding: &Finding) -> Option<LogRole> {
    pack.rule(&finding.rule_id).and_then(|r| r.log_role)
}

/// The devices of `report` with an anomaly of a class `pred` accepts (one
/// entry per device: the report lists each once).
fn devices_with(
    report: &StoreVerification,
    pred: &dyn Fn(&DeviceVerification) -> bool,
) -> Vec<String> {
    report
        .devices
        .iter()
        .filter(|d| pred(d))
        .map(|d| d.device_id.clone())
        .collect()
}

/// ログの保管期間: no records missing (a chain cut at either end or in the
/// middle, or a file that could not be read) but under a signed prune
/// checkpoint.
fn retention_check(report: &StoreVerification) -> LogCheck {
    const MISSING: [AnomalyKind; 5] = [
        AnomalyKind::PruneWithoutCheckpoint,
        AnomalyKind::SegmentMissing,
        AnomalyKind::TailTruncated,
        AnomalyKind::RowDeleted,
        AnomalyKind::FileUnreadable,
    ];
    let retention = devices_with(report, &|d| d.has_any(&MISSING));
    let pruned = report
        .devices
        .iter()
        .filter(|d| d.integrity.pruned_through.is_some())
        .count();
    LogCheck::new(
        LogCheckId::Retention,
        status(retention.is_empty()),
        retention.clone(),
        CheckFacts::Retention {
            missing: retention.len() as u64,
            pruned: pruned as u64,
        },
    )
}

/// ログの改ざん防止: no anomaly that loses evidence; a person must look
/// where no anchor, or none recent enough, covers a chain's end.
fn tamper_check(report: &StoreVerification, anchoring: &Anchoring) -> LogCheck {
    let tampered = devices_with(report, &DeviceVerification::lost_evidence);
    let store_level = report.store_anomalies;
    // Without an anchor, a chain cut at its end, or rewritten whole by the
    // holder of the device key, still verifies: that part is not checked.
    let unanchored: Vec<String> = report
        .devices
        .iter()
        .filter(|d| d.integrity.anchors_matched == 0)
        .map(|d| d.device_id.clone())
        .collect();
    // Anchored, but not since the interval before the device's last event
    // or the end of the period: the part after the anchor is not checked.
    let stale: Vec<String> = report
        .devices
        .iter()
        .filter(|d| anchoring.is_stale(d))
        .map(|d| d.device_id.clone())
        .collect();
    let (tamper_status, concerned) = if !tampered.is_empty() || store_level > 0 {
        (CheckStatus::Problem, tampered.clone())
    } else if !unanchored.is_empty() || !stale.is_empty() {
        let mut concerned: Vec<String> = unanchored.iter().chain(&stale).cloned().collect();
        concerned.sort();
        (CheckStatus::NeedsReview, concerned)
    } else {
        (CheckStatus::Ok, Vec::new())
    };
    LogCheck::new(
        LogCheckId::Tamper,
        tamper_status,
        concerned,
        CheckFacts::Tamper {
            verified: report.devices.len() as u64,
            anchored: (report.devices.len() - unanchored.len()) as u64,
            anomalous: tampered.len() as u64,
            store_level,
            unanchored: unanchored.len() as u64,
            stale: stale.len() as u64,
            interval_hours: anchoring.interval_hours,
        },
    )
}

fn status(ok: bool) -> CheckStatus {
    if ok {
        CheckStatus::Ok
    } else {
        CheckStatus::Problem
    }
}
