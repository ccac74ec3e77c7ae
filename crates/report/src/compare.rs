//! The comparison with the last audit: per item and device, what is new,
//! fixed, still open, and how verdicts changed — what an agency shows the
//! association year over year.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use worklog_model::{Analysis, Category, NaiveDate, Verdict};

/// How an item × device stands against the last audit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Change {
    /// Findings now, none last time.
    New,
    /// Findings now and last time.
    StillOpen,
    /// Findings last time, none now.
    Fixed,
    /// No findings either time, but the verdict changed.
    VerdictChanged,
}

impl Change {
    /// Message key of its name.
    pub fn key(self) -> &'static str {
        match self {
            Change::New => "change_new",
            Change::StillOpen => "change_still_open",
            Change::Fixed => "change_fixed",
            Change::VerdictChanged => "change_verdict",
        }
    }
}

/// One item × device that changed or still has findings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceChange {
    /// Item number.
    pub item: String,
    /// The device.
    pub device_id: String,
    /// Its department (now, or last time when it is gone).
    pub department: String,
    /// Verdict last time (`None`: the device was not in that audit).
    pub previous: Option<Verdict>,
    /// Verdict now (`None`: the device is not in this audit).
    pub current: Option<Verdict>,
    /// New, still open, fixed or a verdict change alone.
    pub change: Change,
    /// Findings (not waived) last time.
    pub previous_findings: u64,
    /// Findings (not waived) now.
    pub current_findings: u64,
    /// Rules with findings now and none last time.
    pub new_rules: Vec<String>,
    /// Rules with findings last time and none now.
    pub fixed_rules: Vec<String>,
}

/// One item against the last audit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemChange {
    /// Item number.
    pub item: String,
    /// The organisation's verdict last time (`None`: not in that audit).
    pub previous: Option<Verdict>,
    /// The organisation's verdict now.
    pub current: Option<Verdict>,
    /// Devices with new findings.
    pub new: u64,
    /// Devices whose findings remain.
    pub still_open: u64,
    /// Devices whose findings are gone.
    pub fixed: u64,
    /// Devices whose verdict changed.
    pub verdict_changed: u64,
}

/// This audit against the last one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comparison {
    /// The last audit's organisation.
    pub previous_organisation: String,
    /// The last audit's first day.
    pub previous_first_day: NaiveDate,
    /// The last audit's last day.
    pub previous_last_day: NaiveDate,
    /// Per item, catalog order of this audit (then items only the last
    /// audit had).
    pub items: Vec<ItemChange>,
    /// Per item × device that changed or still has findings: new first,
    /// then still open, fixed, verdict changes; then item and device.
    pub devices: Vec<DeviceChange>,
}

type Key<'a> = (&'a str, &'a str);

/// Findings per item × device and the rules behind them.
fn findings_by_device(a: &Analysis) -> BTreeMap<Key<'_>, (u64, BTreeSet<&str>)> {
    let mut out: BTreeMap<Key<'_>, (u64, BTreeSet<&str>)> = BTreeMap::new();
    for f in a.findings.iter().filter(|f| f.category == Category::Item) {
        for item in &f.items {
            let slot = out
                .entry((item.as_str(), f.device_id.as_str()))
                .or_default();
            slot.0 += 1;
            slot.1.insert(f.rule_id.as_str());
        }
    }
    out
}

/// Verdict and department per item × device.
fn verdicts_by_device(a: &Analysis) -> BTreeMap<Key<'_>, (Verdict, String)> {
    a.verdicts
        .iter()
        .map(|v| {
            (
                (v.item.as_str(), v.device_id.as_str()),
                (v.verdict, v.department.clone()),
            )
        })
        .collect()
}

/// Compares `current` with `previous`.
pub fn compare(previous: &Analysis, current: &Analysis) -> Comparison {
    let order = item_order(previous, current);
    let position = |item: &str| order.iter().position(|n| *n == item).unwrap_or(usize::MAX);
    let mut devices = device_changes(previous, current);
    devices.sort_by(|a, b| {
        (a.change, position(&a.item), &a.device_id).cmp(&(
            b.change,
            position(&b.item),
            &b.device_id,
        ))
    });
    let items = order
        .iter()
        .map(|item| item_change(item, previous, current, &devices))
        .collect();
    Comparison {
        previous_organisation: previous.organisation.clone(),
        previous_first_day: previous.period.first_day,
        previous_last_day: previous.period.last_day,
        items,
        devices,
    }
}

/// The current catalog's items, then those only the previous one had.
fn item_order<'a>(previous: &'a Analysis, current: &'a Analysis) -> Vec<&'a str> {
    current
        .items
        .iter()
        .map(|i| i.number.as_str())
        .chain(
            previous
                .items
                .iter()
                .map(|i| i.number.as_str())
                .filter(|n| !current.items.iter().any(|i| i.number == *n)),
        )
        .collect()
}

/// Per item and device: new, still open, fixed, or only the verdict
/// changed (nothing else is listed).
fn device_changes(previous: &Analysis, current: &Analysis) -> Vec<DeviceChange> {
    let (old_verdicts, new_verdicts) = (verdicts_by_device(previous), verdicts_by_device(current));
    let (old_findings, new_findings) = (findings_by_device(previous), findings_by_device(current));
    let keys: BTreeSet<Key<'_>> = old_verdicts
        .keys()
        .chain(new_verdicts.keys())
        .chain(old_findings.keys())
        .chain(new_findings.keys())
        .copied()
        .collect();
    let empty = (0u64, BTreeSet::new());
    let mut devices = Vec::new();
    for key in keys {
        let (old_n, old_rules) = old_findings.get(&key).unwrap_or(&empty);
        let (new_n, new_rules) = new_findings.get(&key).unwrap_or(&empty);
        let previous_verdict = old_verdicts.get(&key).map(|v| v.0);
        let current_verdict = new_verdicts.get(&key).map(|v| v.0);
        let change = match (*old_n > 0, *new_n > 0) {
            (false, true) => Change::New,
            (true, true) => Change::StillOpen,
            (true, false) => Change::Fixed,
            (false, false) if previous_verdict != current_verdict => Change::VerdictChanged,
            (false, false) => continue,
        };
        let department = new_verdicts
            .get(&key)
            .or_else(|| old_verdicts.get(&key))
            .map(|v| v.1.clone())
            .unwrap_or_default();
        devices.push(DeviceChange {
            item: key.0.to_owned(),
            device_id: key.1.to_owned(),
            department,
            previous: previous_verdict,
            current: current_verdict,
            change,
            previous_findings: *old_n,
            current_findings: *new_n,
            new_rules: new_rules
                .difference(old_rules)
                .map(|r| (*r).to_owned())
                .collect(),
            fixed_rules: old_rules
                .difference(new_rules)
                .map(|r| (*r).to_owned())
                .collect(),
        });
    }
    devices
}

/// One item's counts of changes and its verdicts then and now.
fn item_change(
    item: &str,
    previous: &Analysis,
    current: &Analysis,
    devices: &[DeviceChange],
) -> ItemChange {
    let of = |change: Change| {
        devices
            .iter()
            .filter(|d| d.item == item && d.change == change)
            .count() as u64
    };
    ItemChange {
        item: item.to_owned(),
        previous: previous.organisation_verdict(item).map(|r| r.verdict),
        current: current.organisation_verdict(item).map(|r| r.verdict),
        new: of(Change::New),
        still_open: of(Change::StillOpen),
        fixed: of(Change::Fixed),
        verdict_changed: devices
            .iter()
            .filter(|d| d.item == item && d.previous != d.current)
            .count() as u64,
    }
}
