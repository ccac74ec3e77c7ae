//! Verdicts and why they are what they are.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::language::Language;

/// The verdict on one item for one device (or a rollup).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Verdict {
    /// 不適合: a finding that fails the item.
    Fail,
    /// 証跡不足: the evidence needed to judge is missing.
    InsufficientEvidence,
    /// 要確認: a finding a person must look at.
    NeedsReview,
    /// 適合: evidence present, nothing found.
    Pass,
    /// 対象外: the item does not apply (item 125 for a desktop).
    NotApplicable,
}

impl Verdict {
    /// Every verdict, worst first (the order rollups use).
    pub const ALL: [Verdict; 5] = [
        Verdict::Fail,
        Verdict::InsufficientEvidence,
        Verdict::NeedsReview,
        Verdict::Pass,
        Verdict::NotApplicable,
    ];

    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Fail => "fail",
            Verdict::InsufficientEvidence => "insufficient_evidence",
            Verdict::NeedsReview => "needs_review",
            Verdict::Pass => "pass",
            Verdict::NotApplicable => "not_applicable",
        }
    }

    /// The Japanese label.
    pub fn name_ja(self) -> &'static str {
        match self {
            Verdict::Fail => "不適合",
            Verdict::InsufficientEvidence => "証跡不足",
            Verdict::NeedsReview => "要確認",
            Verdict::Pass => "適合",
            Verdict::NotApplicable => "対象外",
        }
    }

    /// The English label.
    pub fn name_en(self) -> &'static str {
        match self {
            Verdict::Fail => "Fail",
            Verdict::InsufficientEvidence => "Insufficient evidence",
            Verdict::NeedsReview => "Needs review",
            Verdict::Pass => "Pass",
            Verdict::NotApplicable => "Not applicable",
        }
    }

    /// The label in `language`.
    pub fn name(self, language: Language) -> &'static str {
        match language {
            Language::Ja => self.name_ja(),
            Language::En => self.name_en(),
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name_ja())
    }
}

/// Why a verdict is what it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
#[non_exhaustive]
pub enum VerdictReason {
    /// Findings that fail the item.
    Findings {
        /// Findings of severity `fail` (not waived).
        fail: u64,
        /// Findings of severity `review` (not waived).
        review: u64,
    },
    /// The device recorded no events in the period.
    NoEvents,
    /// The device lacks event kinds the item's rules need.
    MissingKinds {
        /// The kinds with no events.
        kinds: Vec<String>,
    },
    /// The item applies to portable devices only.
    NotPortable,
    /// No usable rule serves the item (a rule file failed to load or run).
    NoUsableRule {
        /// Rules of the item that could not run.
        failed_rules: Vec<String>,
    },
    /// The device's hash chain has anomalies (missing, forged or changed
    /// segments or rows, truncation): what is left cannot show compliance.
    IntegrityAnomaly {
        /// The anomaly classes found on the device.
        classes: Vec<crate::AnomalyKind>,
    },
    /// Evidence does not span enough of the device's in-service period.
    InsufficientCoverage {
        /// How much it spans.
        coverage: Coverage,
    },
    /// Every finding that fails the item lies where the device's clock went
    /// back: events recorded twice over that stretch of time, so their
    /// order (and a time window a rule judged) is uncertain. The events
    /// are genuine: a person decides (要確認, not 不適合 nor 適合).
    FindingsInClockWindow {
        /// Those findings.
        fail: u64,
        /// The stretches of time concerned.
        windows: Vec<ClockWindow>,
    },
    /// The evidence covers the period only with the days where the
    /// device's clock went back, whose events' times are uncertain.
    CoverageInClockWindow {
        /// The coverage without those days.
        coverage: Coverage,
        /// The stretches of time concerned.
        windows: Vec<ClockWindow>,
    },
    /// Evidence present, nothing found.
    NothingFound,
    /// Derived from the sub-items.
    FromSubItems {
        /// The sub-items.
        items: Vec<String>,
    },
}

impl VerdictReason {
    /// A sentence in `language`.
    pub fn text(&self, language: Language) -> String {
        use Language::{En, Ja};
        match (self, language) {
            (VerdictReason::Findings { fail, review }, Ja) => {
                format!("指摘 {fail} 件(要確認 {review} 件)")
            }
            (VerdictReason::Findings { fail, review }, En) => {
                format!("{fail} finding(s), {review} to review")
            }
            (VerdictReason::NoEvents, Ja) => "期間中のログが1件もない".into(),
            (VerdictReason::NoEvents, En) => "no events in the period".into(),
            (VerdictReason::MissingKinds { kinds }, Ja) => {
                format!("判定に必要なログ({})がない", kinds_text(kinds, Ja))
            }
            (VerdictReason::MissingKinds { kinds }, En) => {
                format!("no {} events, which the rules need", kinds_text(kinds, En))
            }
            (VerdictReason::NotPortable, Ja) => "持ち出し可能な端末ではない".into(),
            (VerdictReason::NotPortable, En) => "not a portable device".into(),
            (VerdictReason::NoUsableRule { failed_rules }, Ja) => {
                format!("判定ルールを実行できなかった({})", failed_rules.join(", "))
            }
            (VerdictReason::NoUsableRule { failed_rules }, En) => {
                format!("no usable rule (failed: {})", failed_rules.join(", "))
            }
            (VerdictReason::IntegrityAnomaly { classes }, Ja) => format!(
                "ログの完全性に異常があり({})、残るログでは適合を示せない",
                classes_text(classes, Ja)
            ),
            (VerdictReason::IntegrityAnomaly { classes }, En) => format!(
                "the log's integrity is broken ({}): what is left cannot show compliance",
                classes_text(classes, En)
            ),
            (VerdictReason::InsufficientCoverage { coverage }, Ja) => {
                format!("期間の一部にしか証跡がない: {}", coverage.text(Ja))
            }
            (VerdictReason::InsufficientCoverage { coverage }, En) => {
                format!(
                    "evidence covers too little of the period: {}",
                    coverage.text(En)
                )
            }
            (VerdictReason::FindingsInClockWindow { fail, windows }, Ja) => format!(
                "指摘 {fail} 件はすべて端末の時計が戻った区間({})にあり、前後関係を確認できない",
                windows_text(windows, Ja)
            ),
            (VerdictReason::FindingsInClockWindow { fail, windows }, En) => format!(
                "all {fail} finding(s) lie where the device's clock went back ({}): their order in time is uncertain",
                windows_text(windows, En)
            ),
            (VerdictReason::CoverageInClockWindow { coverage, windows }, Ja) => format!(
                "端末の時計が戻った区間({})のある日を除くと証跡が期間を満たさない: {}",
                windows_text(windows, Ja),
                coverage.text(Ja)
            ),
            (VerdictReason::CoverageInClockWindow { coverage, windows }, En) => format!(
                "without the days where the device's clock went back ({}), the evidence covers too little of the period: {}",
                windows_text(windows, En),
                coverage.text(En)
            ),
            (VerdictReason::NothingFound, Ja) => "証跡あり、指摘なし".into(),
            (VerdictReason::NothingFound, En) => "evidence present, nothing found".into(),
            (VerdictReason::FromSubItems { items }, Ja) => {
                format!("細目({})の判定による", items.join("、"))
            }
            (VerdictReason::FromSubItems { items }, En) => {
                format!("from sub-items {}", items.join(", "))
            }
        }
    }
}

/// How much of a device's in-service period the evidence of one item
/// covers (see `docs/rules.md`, "Evidence over the period").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    /// Days of the period the device was in service.
    pub in_service_days: u32,
    /// Of those, days with any event.
    pub active_days: u32,
    /// The required kind with the least coverage (it decides).
    pub kind: String,
    /// Days with events of that kind.
    pub evidence_days: u32,
    /// Weeks of the in-service period (7 days from its first day; a
    /// shorter remainder joins the last week).
    pub weeks: u32,
    /// Weeks with an event of that kind.
    pub weeks_with_evidence: u32,
    /// The policy's threshold: percentage of weeks that must have evidence.
    pub required_pct: u32,
}

impl Coverage {
    /// Whether the evidence spans enough of the period for 適合.
    pub fn holds(&self) -> bool {
        u64::from(self.weeks_with_evidence) * 100
            >= u64::from(self.required_pct) * u64::from(self.weeks)
            && self.weeks > 0
    }

    /// A sentence in `language`.
    pub fn text(&self, language: Language) -> String {
        match language {
            Language::Ja => format!(
                "{kind}のログがある週 {w}/{n}(基準 {pct}% 以上)、{kind}のある日 {e} 日・ログのある日 {a} 日/在籍 {s} 日",
                kind = crate::kind_label(&self.kind, language),
                w = self.weeks_with_evidence,
                n = self.weeks,
                pct = self.required_pct,
                e = self.evidence_days,
                a = self.active_days,
                s = self.in_service_days,
            ),
            Language::En => format!(
                "{w} of {n} weeks with {kind} events (at least {pct}% required); {e} day(s) with {kind} events, {a} day(s) with any events, of {s} in service",
                kind = crate::kind_label(&self.kind, language),
                w = self.weeks_with_evidence,
                n = self.weeks,
                pct = self.required_pct,
                e = self.evidence_days,
                a = self.active_days,
                s = self.in_service_days,
            ),
        }
    }
}

/// A stretch of event time a device recorded twice: its clock went back
/// from `to` to `from` (µs UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ClockWindow {
    /// The time the clock went back to.
    pub from: i64,
    /// The newest time recorded before it went back.
    pub to: i64,
}

impl ClockWindow {
    /// Whether `ts` (µs UTC) lies in it.
    pub fn contains(&self, ts: i64) -> bool {
        (self.from..=self.to).contains(&ts)
    }
}

/// How many stretches and how long in all, in words.
fn windows_text(windows: &[ClockWindow], language: Language) -> String {
    let seconds: i64 = windows
        .iter()
        .map(|w| w.to.saturating_sub(w.from) / 1_000_000)
        .fold(0i64, i64::saturating_add);
    let (amount, unit_ja, unit_en) = if seconds >= 3600 {
        (seconds / 3600, "時間", "hour(s)")
    } else if seconds >= 60 {
        (seconds / 60, "分", "minute(s)")
    } else {
        (seconds, "秒", "second(s)")
    };
    match language {
        Language::Ja => format!("{} か所、計 {amount} {unit_ja}", windows.len()),
        Language::En => format!("{} stretch(es), {amount} {unit_en} in all", windows.len()),
    }
}

/// Event kinds in words, joined as the language joins a list.
fn kinds_text(kinds: &[String], language: Language) -> String {
    let words: Vec<&str> = kinds
        .iter()
        .map(|k| crate::kind_label(k, language))
        .collect();
    words.join(list_separator(language))
}

/// Anomaly classes in words, joined as the language joins a list.
fn classes_text(classes: &[crate::AnomalyKind], language: Language) -> String {
    let words: Vec<&str> = classes
        .iter()
        .map(|c| crate::anomaly_label(c.as_str(), language))
        .collect();
    words.join(list_separator(language))
}

/// `、` in Japanese, `, ` in English.
pub fn list_separator(language: Language) -> &'static str {
    match language {
        Language::Ja => "、",
        Language::En => ", ",
    }
}
