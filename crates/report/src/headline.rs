//! What a reader must see first: the overall state and, in words, what
//! needs attention, worst first.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use worklog_model::{Analysis, Category, CheckStatus, Finding, Verdict};

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
    let points = Points {
        analysis,
        m,
        sep: worklog_model::list_separator(m.language()),
    };
    let mut attention: Vec<Attention> = Vec::new();
    attention.extend(points.integrity());
    attention.extend(points.verdicts(item_verdicts));
    attention.extend(points.fail_devices());
    attention.extend(points.leak());
    attention.extend(points.blanket_waiver());
    attention.extend(points.log_checks());
    attention.extend(points.problems());
    Headline {
        state: overall(&attention),
        attention,
    }
}

/// The worst state the points show.
fn overall(attention: &[Attention]) -> Overall {
    let has = |kind: AttentionKind| attention.iter().any(|a| a.kind == kind);
    if has(AttentionKind::Integrity) {
        Overall::Integrity
    } else if has(AttentionKind::Fail) || has(AttentionKind::FailDevices) {
        Overall::Fail
    } else if has(AttentionKind::Insufficient) {
        Overall::Insufficient
    } else if attention.is_empty() {
        Overall::Ok
    } else {
        Overall::Review
    }
}

/// The analysis and the words of each point.
struct Points<'a> {
    analysis: &'a Analysis,
    m: &'a Messages,
    sep: &'static str,
}

impl Points<'_> {
    fn point(
        &self,
        kind: AttentionKind,
        key: &str,
        pairs: &[(&str, String)],
        anchor: &str,
    ) -> Attention {
        Attention {
            kind,
            text: self.m.fill(key, pairs),
            anchor: anchor.to_owned(),
        }
    }

    /// Devices whose logs show integrity anomalies.
    fn integrity(&self) -> Option<Attention> {
        let anomalous: Vec<&str> = self
            .analysis
            .devices
            .iter()
            .filter(|d| d.integrity.as_ref().is_some_and(|i| !i.classes.is_empty()))
            .map(|d| d.device_id.as_str())
            .collect();
        (!anomalous.is_empty()).then(|| {
            self.point(
                AttentionKind::Integrity,
                "attention_integrity",
                &[
                    ("n", self.m.number(anomalous.len() as u64)),
                    ("devices", shortened(&anomalous, self.sep)),
                ],
                "#integrity",
            )
        })
    }

    /// The items judged 不適合, 証跡不足 and 要確認.
    fn verdicts(&self, item_verdicts: &[(String, Verdict)]) -> Vec<Attention> {
        let mut out = Vec::new();
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
                out.push(self.point(
                    kind,
                    key,
                    &[
                        ("n", self.m.number(items.len() as u64)),
                        ("items", items.join(self.sep)),
                    ],
                    &format!("#item-{first}"),
                ));
            }
        }
        out
    }

    /// Which devices and departments fail, on page one.
    fn fail_devices(&self) -> Option<Attention> {
        let mut failing: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for v in self
            .analysis
            .verdicts
            .iter()
            .filter(|v| v.verdict == Verdict::Fail)
        {
            failing
                .entry(v.department.as_str())
                .or_default()
                .insert(v.device_id.as_str());
        }
        if failing.is_empty() {
            return None;
        }
        let devices: usize = failing.values().map(BTreeSet::len).sum();
        let mut departments: Vec<(&str, usize)> =
            failing.iter().map(|(d, set)| (*d, set.len())).collect();
        departments.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let unlisted = self.m.get("department_unlisted");
        let named: Vec<String> = departments
            .iter()
            .map(|(d, n)| {
                format!(
                    "{} {}",
                    if d.is_empty() { unlisted } else { d },
                    self.m.number(*n as u64)
                )
            })
            .collect();
        Some(self.point(
            AttentionKind::FailDevices,
            "attention_fail_devices",
            &[
                ("n", self.m.number(devices as u64)),
                ("departments", named.join(self.sep)),
            ],
            "#departments",
        ))
    }

    /// Leak-prevention signals, counted per rule.
    fn leak(&self) -> Option<Attention> {
        let leak: Vec<&Finding> = self
            .analysis
            .findings
            .iter()
            .filter(|f| f.category == Category::Leak)
            .collect();
        if leak.is_empty() {
            return None;
        }
        let mut per_rule: BTreeMap<&str, u64> = BTreeMap::new();
        for f in &leak {
            *per_rule.entry(f.rule_id.as_str()).or_default() += 1;
        }
        let signals: Vec<String> = per_rule
            .iter()
            .map(|(rule, n)| {
                let title =
                    self.analysis.rules.iter().find(|r| r.id == *rule).map_or(
                        *rule,
                        |r| match self.m.language() {
                            worklog_model::Language::En => r.title_en.as_str(),
                            _ => r.title_ja.as_str(),
                        },
                    );
                format!("{title} {}", self.m.number(*n))
            })
            .collect();
        Some(self.point(
            AttentionKind::Leak,
            "attention_leak",
            &[
                ("n", self.m.number(leak.len() as u64)),
                ("signals", signals.join(self.sep)),
            ],
            "#leak",
        ))
    }

    /// Waivers that hid findings on every device.
    fn blanket_waiver(&self) -> Option<Attention> {
        let blanket: Vec<&Finding> = self
            .analysis
            .waived
            .iter()
            .filter(|f| f.waived_by.as_ref().is_some_and(|w| w.all_devices))
            .collect();
        if blanket.is_empty() {
            return None;
        }
        let lines: BTreeSet<usize> = blanket
            .iter()
            .filter_map(|f| f.waived_by.as_ref().map(|w| w.line))
            .collect();
        let lines: Vec<String> = lines.iter().map(ToString::to_string).collect();
        Some(self.point(
            AttentionKind::BlanketWaiver,
            "attention_blanket_waiver",
            &[
                ("n", self.m.number(lines.len() as u64)),
                ("findings", self.m.number(blanket.len() as u64)),
                ("lines", lines.join(self.sep)),
            ],
            "#waived",
        ))
    }

    /// Log-management checks that did not hold.
    fn log_checks(&self) -> Option<Attention> {
        let m = self.m;
        let checks: Vec<String> = self
            .analysis
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
        (!checks.is_empty()).then(|| {
            self.point(
                AttentionKind::Log,
                "attention_log",
                &[
                    ("n", m.number(checks.len() as u64)),
                    ("checks", checks.join(self.sep)),
                ],
                "#log-management",
            )
        })
    }

    /// Inputs or rules that could not be used.
    fn problems(&self) -> Option<Attention> {
        let n = self.analysis.problems.len();
        (n > 0).then(|| {
            self.point(
                AttentionKind::Problems,
                "attention_problems",
                &[("n", self.m.number(n as u64))],
                "#problems",
            )
        })
    }
}

/// At most ten names, then how many more.
pub(crate) fn shortened(names: &[&str], sep: &str) -> String {
    let mut text = names.iter().take(10).copied().collect::<Vec<_>>().join(sep);
    if names.len() > 10 {
        text.push_str(&format!("{sep}… (+{})", names.len() - 10));
    }
    text
}
