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

    /// What the verdict means, in `language` (the reports' legend).
    pub fn meaning(self, language: Language) -> &'static str {
        crate::label("verdict_meaning", self.as_str(), language).unwrap_or(self.as_str())
    }

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
    /// Its catalog key (`templates/labels.toml`, group `verdict_reason`).
    pub fn key(&self) -> &'static str {
        match self {
            VerdictReason::Findings { .. } => "findings",
            VerdictReason::NoEvents => "no_events",
            VerdictReason::MissingKinds { .. } => "missing_kinds",
            VerdictReason::NotPortable => "not_portable",
            VerdictReason::NoUsableRule { .. } => "no_usable_rule",
            VerdictReason::IntegrityAnomaly { .. } => "integrity_anomaly",
            VerdictReason::InsufficientCoverage { .. } => "insufficient_coverage",
            VerdictReason::FindingsInClockWindow { .. } => "findings_in_clock_window",
            VerdictReason::CoverageInClockWindow { .. } => "coverage_in_clock_window",
            VerdictReason::NothingFound => "nothing_found",
            VerdictReason::FromSubItems { .. } => "from_sub_items",
        }
    }

    /// A sentence in `language`: the catalog's text with the reason's
    /// parts filled in.
    pub fn text(&self, language: Language) -> String {
        let parts: Vec<(&str, String)> = match self {
            VerdictReason::Findings { fail, review } => {
                vec![("fail", fail.to_string()), ("review", review.to_string())]
            }
            VerdictReason::MissingKinds { kinds } => vec![("kinds", kinds_text(kinds, language))],
            VerdictReason::NoUsableRule { failed_rules } => {
                vec![("rules", failed_rules.join(", "))]
            }
            VerdictReason::IntegrityAnomaly { classes } => {
                vec![("classes", classes_text(classes, language))]
            }
            VerdictReason::InsufficientCoverage { coverage } => {
                vec![("coverage", coverage.text(language))]
            }
            VerdictReason::FindingsInClockWindow { fail, windows } => vec![
                ("fail", fail.to_string()),
                ("windows", windows_text(windows, language)),
            ],
            VerdictReason::CoverageInClockWindow { coverage, windows } => vec![
                ("windows", windows_text(windows, language)),
                ("coverage", coverage.text(language)),
            ],
            VerdictReason::FromSubItems { items } => {
                vec![("items", items.join(list_separator(language)))]
            }
            VerdictReason::NoEvents | VerdictReason::NotPortable | VerdictReason::NothingFound => {
                Vec::new()
            }
        };
        sentence(self.key(), &parts, language)
    }
}

/// The catalog's sentence `key` of the `verdict_reason` group with
/// `parts` filled in (the key itself when missing: a test checks that
/// none is).
fn sentence(key: &str, parts: &[(&str, String)], language: Language) -> String {
    let text = crate::label("verdict_reason", key, language).unwrap_or(key);
    crate::fill_placeholders(text, |name| {
        parts
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
    })
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
        let parts = [
            ("kind", crate::kind_label(&self.kind, language).to_owned()),
            ("w", self.weeks_with_evidence.to_string()),
            ("n", self.weeks.to_string()),
            ("pct", self.required_pct.to_string()),
            ("e", self.evidence_days.to_string()),
            ("a", self.active_days.to_string()),
            ("s", self.in_service_days.to_string()),
        ];
        sentence("coverage", &parts, language)
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
    let (amount, key) = if seconds >= 3600 {
        (seconds / 3600, "clock_windows_hours")
    } else if seconds >= 60 {
        (seconds / 60, "clock_windows_minutes")
    } else {
        (seconds, "clock_windows_seconds")
    };
    let parts = [
        ("n", windows.len().to_string()),
        ("amount", amount.to_string()),
    ];
    sentence(key, &parts, language)
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
