//! What a reader must see first: the headline (the overall state and, in
//! words, what needs attention), verdicts per department, and each item's
//! findings grouped by device and rule, fail-level first.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use worklog_model::{Analysis, Category, CheckStatus, Finding, LocalTime, Severity, Verdict};

use crate::messages::Messages;

/// What a headline point is about (its snake_case name is the HTML's
/// `data-kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AttentionKind {
    /// Devices whose logs show integrity anomalies.
    Integrity,
    /// Items judged 不適合.
    Fail,
    /// Items judged 証跡不足.
    Insufficient,
    /// Items judged 要確認.
    Review,
    /// The devices and departments behind the 不適合.
    FailDevices,
    /// Leak-prevention signals.
    Leak,
    /// A waiver that hid findings without naming devices or users.
    BlanketWaiver,
    /// Log-management checks that did not pass.
    Log,
    /// Inputs or rules that could not be used.
    Problems,
}

impl AttentionKind {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            AttentionKind::Integrity => "integrity",
            AttentionKind::Fail => "fail",
            AttentionKind::Insufficient => "insufficient",
            AttentionKind::Review => "review",
            AttentionKind::FailDevices => "fail_devices",
            AttentionKind::Leak => "leak",
            AttentionKind::BlanketWaiver => "blanket_waiver",
            AttentionKind::Log => "log",
            AttentionKind::Problems => "problems",
        }
    }
}

/// The overall state on page one, worst first (its JSON form is its
/// catalog key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum Overall {
    /// The logs show integrity anomalies.
    #[serde(rename = "overall_integrity")]
    Integrity,
    /// An item is 不適合.
    #[serde(rename = "overall_fail")]
    Fail,
    /// An item lacks evidence.
    #[serde(rename = "overall_insufficient")]
    Insufficient,
    /// Something needs a person to look.
    #[serde(rename = "overall_review")]
    Review,
    /// Nothing needs attention.
    #[serde(rename = "overall_ok")]
    Ok,
}

impl Overall {
    /// The catalog key of its sentence.
    pub fn message_key(self) -> &'static str {
        match self {
            Overall::Integrity => "overall_integrity",
            Overall::Fail => "overall_fail",
            Overall::Insufficient => "overall_insufficient",
            Overall::Review => "overall_review",
            Overall::Ok => "overall_ok",
        }
    }
}

/// One thing the headline says needs attention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attention {
    /// What it is about.
    pub kind: AttentionKind,
    /// The sentence, in the report language.
    pub text: String,
    /// Where the details are in the HTML report (`#…`).
    pub anchor: String,
}

/// The overall state and what needs attention, worst first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Headline {
    /// The overall state.
    pub state: Overall,
    /// What needs attention; empty only when the state is [`Overall::Ok`].
    pub attention: Vec<Attention>,
}

/// Builds the headline: [`Overall::Ok`] only when every item is 適合 or 対象外,
/// the logs are intact and fully checked, no leak signal was raised, no
/// blanket waiver hid findings and every input was read.
pub fn headline(
    analysis: &Analysis,
    item_verdicts: &[(String, Verdict)],
    m: &Messages,
) -> Headline {
    let mut attention = Vec::new();
    let fill = |key: &str, pairs: &[(&str, String)]| {
        pairs
            .iter()
            .fold(m.get(key).to_owned(), |text, (name, value)| {
                text.replace(&format!("{{{name}}}"), value)
            })
    };
    let sep = worklog_model::list_separator(m.language());
    let anomalous: Vec<&str> = analysis
        .devices
        .iter()
        .filter(|d| d.integrity.as_ref().is_some_and(|i| !i.classes.is_empty()))
        .map(|d| d.device_id.as_str())
        .collect();
    if !anomalous.is_empty() {
        attention.push(Attention {
            kind: AttentionKind::Integrity,
            text: fill(
                "attention_integrity",
                &[
                    ("n", m.number(anomalous.len() as u64)),
                    ("devices", shortened(&anomalous, sep)),
                ],
            ),
            anchor: "#integrity".into(),
        });
    }
    for (verdict, kind, key) in [
        (Verdict::Fail, AttentionKind::Fail, "attention_fail"),
        (
            Verdict::InsufficientEvidence,
            AttentionKind::Insufficient,
            "attention_insufficient",
        ),
        (
            Verdict::NeedsReview,
            AttentionKind::Review,
            "attention_review",
        ),
    ] {
        let items: Vec<&str> = item_verdicts
            .iter()
            .filter(|(_, v)| *v == verdict)
            .map(|(i, _)| i.as_str())
            .collect();
        if let Some(first) = items.first() {
            attention.push(Attention {
                kind,
                text: fill(
                    key,
                    &[
                        ("n", m.number(items.len() as u64)),
                        ("items", items.join(sep)),
                    ],
                ),
                anchor: format!("#item-{first}"),
            });
        }
    }
    // Which devices and departments fail, on page one.
    let mut failing: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for v in analysis
        .verdicts
        .iter()
        .filter(|v| v.verdict == Verdict::Fail)
    {
        failing
            .entry(v.department.as_str())
            .or_default()
            .insert(v.device_id.as_str());
    }
    if !failing.is_empty() {
        let devices: usize = failing.values().map(BTreeSet::len).sum();
        let mut departments: Vec<(&str, usize)> =
            failing.iter().map(|(d, set)| (*d, set.len())).collect();
        departments.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let unlisted = m.get("department_unlisted");
        let named: Vec<String> = departments
            .iter()
            .map(|(d, n)| {
                format!(
                    "{} {}",
                    if d.is_empty() { unlisted } else { d },
                    m.number(*n as u64)
                )
            })
            .collect();
        attention.push(Attention {
            kind: AttentionKind::FailDevices,
            text: fill(
                "attention_fail_devices",
                &[
                    ("n", m.number(devices as u64)),
                    ("departments", named.join(sep)),
                ],
            ),
            anchor: "#departments".into(),
        });
    }
    let leak: Vec<&Finding> = analysis
        .findings
        .iter()
        .filter(|f| f.category == Category::Leak)
        .collect();
    if !leak.is_empty() {
        let mut per_rule: BTreeMap<&str, u64> = BTreeMap::new();
        for f in &leak {
            *per_rule.entry(f.rule_id.as_str()).or_default() += 1;
        }
        let signals: Vec<String> = per_rule
            .iter()
            .map(|(rule, n)| {
                let title =
                    analysis
                        .rules
                        .iter()
                        .find(|r| r.id == *rule)
                        .map_or(*rule, |r| match m.language() {
                            worklog_model::Language::En => r.title_en.as_str(),
                            _ => r.title_ja.as_str(),
                        });
                format!("{title} {}", m.number(*n))
            })
            .collect();
        attention.push(Attention {
            kind: AttentionKind::Leak,
            text: fill(
                "attention_leak",
                &[
                    ("n", m.number(leak.len() as u64)),
                    ("signals", signals.join(sep)),
                ],
            ),
            anchor: "#leak".into(),
        });
    }
    let blanket: Vec<&Finding> = analysis
        .waived
        .iter()
        .filter(|f| f.waived_by.as_ref().is_some_and(|w| w.all_devices))
        .collect();
    if !blanket.is_empty() {
        let lines: BTreeSet<usize> = blanket
            .iter()
            .filter_map(|f| f.waived_by.as_ref().map(|w| w.line))
            .collect();
        let lines: Vec<String> = lines.iter().map(ToString::to_string).collect();
        attention.push(Attention {
            kind: AttentionKind::BlanketWaiver,
            text: fill(
                "attention_blanket_waiver",
                &[
                    ("n", m.number(lines.len() as u64)),
                    ("findings", m.number(blanket.len() as u64)),
                    ("lines", lines.join(sep)),
                ],
            ),
            anchor: "#waived".into(),
        });
    }
    let checks: Vec<String> = analysis
        .log_checks
        .iter()
        .filter(|c| c.status != CheckStatus::Ok)
        .map(|c| {
            let (name, status, _) = crate::model::log_check_texts(c, m.language());
            match m.language() {
                worklog_model::Language::En => format!("{name} ({})", m.get(status)),
                _ => format!("{name}({})", m.get(status)),
            }
        })
        .collect();
    if !checks.is_empty() {
        attention.push(Attention {
            kind: AttentionKind::Log,
            text: fill(
                "attention_log",
                &[
                    ("n", m.number(checks.len() as u64)),
                    ("checks", checks.join(sep)),
                ],
            ),
            anchor: "#log-management".into(),
        });
    }
    if !analysis.problems.is_empty() {
        attention.push(Attention {
            kind: AttentionKind::Problems,
            text: fill(
                "attention_problems",
                &[("n", m.number(analysis.problems.len() as u64))],
            ),
            anchor: "#problems".into(),
        });
    }
    let has = |kind: AttentionKind| attention.iter().any(|a| a.kind == kind);
    let state = if has(AttentionKind::Integrity) {
        Overall::Integrity
    } else if has(AttentionKind::Fail) || has(AttentionKind::FailDevices) {
        Overall::Fail
    } else if has(AttentionKind::Insufficient) {
        Overall::Insufficient
    } else if attention.is_empty() {
        Overall::Ok
    } else {
        Overall::Review
    };
    Headline { state, attention }
}

/// At most ten names, then how many more.
fn shortened(names: &[&str], sep: &str) -> String {
    let mut text = names.iter().take(10).copied().collect::<Vec<_>>().join(sep);
    if names.len() > 10 {
        text.push_str(&format!("{sep}… (+{})", names.len() - 10));
    }
    text
}

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
