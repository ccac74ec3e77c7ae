//! What a reader sees after the headline: verdicts per department, and
//! each item's findings grouped by device and rule, fail-level first.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use serde::Serialize;
use worklog_model::{Analysis, Category, LocalTime, Severity, Verdict};

/// One department's verdicts on every item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DepartmentRow {
    /// The department (empty: devices the inventory does not list).
    pub department: String,
    /// Devices of the department in the analysis.
    pub devices: u64,
    /// Per item in catalog order: the department's verdict, its devices
    /// per verdict (worst first) and findings.
    pub cells: Vec<DepartmentCell>,
}

/// A department's verdict on one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DepartmentCell {
    /// Item number.
    pub item: String,
    /// The worst verdict among the department's applicable devices.
    pub verdict: Verdict,
    /// Devices per verdict, worst first (only verdicts that occur).
    pub counts: Vec<(Verdict, u64)>,
    /// Findings (not waived).
    pub findings: u64,
}

/// Department × item verdicts from the analysis's rollups.
pub fn departments(analysis: &Analysis) -> Vec<DepartmentRow> {
    let mut devices: BTreeMap<&str, u64> = BTreeMap::new();
    for d in &analysis.devices {
        *devices.entry(d.department.as_str()).or_default() += 1;
    }
    let mut rows: BTreeMap<&str, Vec<DepartmentCell>> = BTreeMap::new();
    for item in &analysis.items {
        for rollup in analysis.rollups.iter().filter(|r| r.item == item.number) {
            let Some(department) = rollup.department.as_deref() else {
                continue;
            };
            rows.entry(department).or_default().push(DepartmentCell {
                item: item.number.clone(),
                verdict: rollup.verdict,
                counts: Verdict::ALL
                    .iter()
                    .filter_map(|v| rollup.counts.get(v).map(|n| (*v, *n)))
                    .filter(|(_, n)| *n > 0)
                    .collect(),
                findings: rollup.findings,
            });
        }
    }
    rows.into_iter()
        .map(|(department, cells)| DepartmentRow {
            department: department.to_owned(),
            devices: devices.get(department).copied().unwrap_or(0),
            cells,
        })
        .collect()
}

/// The findings of one rule on one device for one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FindingGroup {
    /// Fail or review.
    pub severity: Severity,
    /// The device.
    pub device_id: String,
    /// Its department.
    pub department: String,
    /// The rule.
    pub rule_id: String,
    /// Findings in the group.
    pub count: u64,
    /// Earliest and latest local time.
    pub first_time: Option<LocalTime>,
    /// Latest local time.
    pub last_time: Option<LocalTime>,
    /// Users seen, sorted (at most five).
    pub users: Vec<String>,
    /// Index in `Analysis::findings` of the group's first finding (for its
    /// detail and evidence).
    pub first: usize,
}

/// An item's findings grouped, and who has most of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemGroups {
    /// Item number.
    pub item: String,
    /// Groups: fail-level first, then the largest, then device and rule.
    pub groups: Vec<FindingGroup>,
    /// Devices with most findings (at most five), with their counts.
    pub top_devices: Vec<(String, u64)>,
    /// Users with most findings (at most five), with their counts.
    pub top_users: Vec<(String, u64)>,
}

/// Groups every item's findings (one pass over the findings).
pub fn item_groups(analysis: &Analysis) -> Vec<ItemGroups> {
    type Key<'a> = (Severity, &'a str, &'a str);
    let mut per_item: BTreeMap<&str, BTreeMap<Key<'_>, FindingGroup>> = BTreeMap::new();
    let mut users: BTreeMap<&str, BTreeMap<&str, u64>> = BTreeMap::new();
    for (index, f) in analysis.findings.iter().enumerate() {
        if f.category != Category::Item {
            continue;
        }
        for item in &f.items {
            if !f.user_name.is_empty() {
                *users
                    .entry(item.as_str())
                    .or_default()
                    .entry(f.user_name.as_str())
                    .or_default() += 1;
            }
            let group = per_item
                .entry(item.as_str())
                .or_default()
                .entry((f.severity, f.device_id.as_str(), f.rule_id.as_str()))
                .or_insert_with(|| FindingGroup {
                    severity: f.severity,
                    device_id: f.device_id.clone(),
                    department: f.department.clone(),
                    rule_id: f.rule_id.clone(),
                    count: 0,
                    first_time: f.local_time,
                    last_time: f.local_time,
                    users: Vec::new(),
                    first: index,
                });
            group.count += 1;
            if f.local_time < group.first_time {
                group.first_time = f.local_time;
                group.first = index;
            }
            if f.local_time > group.last_time {
                group.last_time = f.local_time;
            }
            if !f.user_name.is_empty()
                && group.users.len() < 5
                && !group.users.contains(&f.user_name)
            {
                group.users.push(f.user_name.clone());
                group.users.sort();
            }
        }
    }
    analysis
        .items
        .iter()
        .filter_map(|item| {
            let groups = per_item.remove(item.number.as_str())?;
            let mut groups: Vec<FindingGroup> = groups.into_values().collect();
            groups.sort_by(|a, b| {
                (a.severity, Reverse(a.count), &a.device_id, &a.rule_id).cmp(&(
                    b.severity,
                    Reverse(b.count),
                    &b.device_id,
                    &b.rule_id,
                ))
            });
            let mut devices: BTreeMap<&str, u64> = BTreeMap::new();
            for g in &groups {
                *devices.entry(g.device_id.as_str()).or_default() += g.count;
            }
            let top_devices = top_five(devices);
            let top_users = top_five(users.remove(item.number.as_str()).unwrap_or_default());
            Some(ItemGroups {
                item: item.number.clone(),
                groups,
                top_devices,
                top_users,
            })
        })
        .collect()
}

/// The five names with the highest counts (ties by name).
fn top_five(counts: BTreeMap<&str, u64>) -> Vec<(String, u64)> {
    let mut top: Vec<(String, u64)> = counts
        .into_iter()
        .map(|(name, n)| (name.to_owned(), n))
        .collect();
    top.sort_by(|a, b| (Reverse(a.1), &a.0).cmp(&(Reverse(b.1), &b.0)));
    top.truncate(5);
    top
}
