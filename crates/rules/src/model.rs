//! What an analysis produces: findings, verdicts, rollups, per-device log
//! checks and the problems met on the way. Every renderer reads this.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::period::Period;
use crate::rule::{Category, Severity};

/// Report language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Language {
    /// Japanese (the default).
    #[default]
    Ja,
    /// English.
    En,
}

impl Language {
    /// `ja` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Language::Ja => "ja",
            Language::En => "en",
        }
    }

    /// Parses `ja` or `en`.
    pub fn from_code(code: &str) -> Option<Language> {
        match code {
            "ja" => Some(Language::Ja),
            "en" => Some(Language::En),
            _ => None,
        }
    }
}

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
        classes: Vec<String>,
    },
    /// Evidence does not span enough of the device's in-service period.
    InsufficientCoverage {
        /// How much it spans.
        coverage: Coverage,
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
                format!("判定に必要なログ({})がない", kinds.join(", "))
            }
            (VerdictReason::MissingKinds { kinds }, En) => {
                format!("no {} events, which the rules need", kinds.join(", "))
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
                classes.join(", ")
            ),
            (VerdictReason::IntegrityAnomaly { classes }, En) => format!(
                "the log's integrity is broken ({}): what is left cannot show compliance",
                classes.join(", ")
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
            (VerdictReason::NothingFound, Ja) => "証跡あり、指摘なし".into(),
            (VerdictReason::NothingFound, En) => "evidence present, nothing found".into(),
            (VerdictReason::FromSubItems { items }, Ja) => {
                format!("細目({})の判定による", items.join(", "))
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
                "{kind} のログがある週 {w}/{n}(基準 {pct}% 以上)、{kind} のある日 {e} 日・ログのある日 {a} 日/在籍 {s} 日",
                kind = self.kind,
                w = self.weeks_with_evidence,
                n = self.weeks,
                pct = self.required_pct,
                e = self.evidence_days,
                a = self.active_days,
                s = self.in_service_days,
            ),
            Language::En => format!(
                "{w} of {n} weeks with {kind} events (at least {pct}% required); {e} day(s) with {kind} events, {a} day(s) with any events, of {s} in service",
                kind = self.kind,
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

/// A waiver that covered a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaivedBy {
    /// Line of the waiver in `waivers.csv`.
    pub line: usize,
    /// Why.
    pub reason: String,
    /// Who approved it.
    pub approver: String,
    /// Last day it applies.
    pub expires: String,
}

/// One finding: a rule matched an event (or a device, for device-level
/// rules).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The rule.
    pub rule_id: String,
    /// Item, leak or log.
    pub category: Category,
    /// Items the rule serves.
    pub items: Vec<String>,
    /// How it weighs.
    pub severity: Severity,
    /// The device.
    pub device_id: String,
    /// Its department (from the inventory; empty when not listed).
    pub department: String,
    /// The user, when known.
    pub user_name: String,
    /// Event time, µs UTC.
    pub ts: Option<i64>,
    /// Event time in the organisation's time zone, `YYYY-MM-DD HH:MM:SS`.
    pub local_time: String,
    /// Event sequence number on the device.
    pub seq: Option<u64>,
    /// What happened.
    pub detail: String,
    /// Further fields the rule selected, `(column, value)` in its order.
    pub evidence: Vec<(String, String)>,
    /// Set when a waiver covers it: the finding is shown apart and does not
    /// count toward verdicts.
    pub waived_by: Option<WaivedBy>,
}

/// The verdict on one item for one device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceVerdict {
    /// Item number.
    pub item: String,
    /// The device.
    pub device_id: String,
    /// Its department.
    pub department: String,
    /// The verdict.
    pub verdict: Verdict,
    /// Why.
    pub reason: VerdictReason,
    /// Findings counted (not waived).
    pub findings: u64,
    /// Waived findings.
    pub waived: u64,
    /// Events of the kinds the item's rules need.
    pub evidence_events: u64,
    /// How much of the in-service period that evidence covers (none for
    /// 対象外 and parent items).
    pub coverage: Option<Coverage>,
}

/// Verdict counts for one item over a department (or the organisation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rollup {
    /// Item number.
    pub item: String,
    /// Department, or `None` for the whole organisation.
    pub department: Option<String>,
    /// The worst verdict among applicable devices (対象外 only if all are).
    pub verdict: Verdict,
    /// Devices per verdict.
    pub counts: BTreeMap<Verdict, u64>,
    /// Findings (not waived).
    pub findings: u64,
}

/// The ledger verifier's result for one device, as the analysis shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Integrity {
    /// Segments verified.
    pub segments_verified: u64,
    /// Rows verified.
    pub rows_verified: u64,
    /// Anchors the chain matched.
    pub anchors_matched: u64,
    /// Sequence numbers up to this were pruned under a valid checkpoint.
    pub pruned_through: Option<u64>,
    /// Every anomaly, one line each.
    pub anomalies: Vec<String>,
    /// The anomaly classes, deduplicated.
    pub classes: Vec<String>,
}

/// Log coverage of one device in the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceSummary {
    /// The device.
    pub device_id: String,
    /// Department (inventory).
    pub department: String,
    /// desktop or laptop (inventory).
    pub device_type: String,
    /// Portable (inventory).
    pub portable: bool,
    /// Main user (inventory).
    pub owner: String,
    /// Whether the inventory lists it.
    pub in_inventory: bool,
    /// Events in the period.
    pub events: u64,
    /// First event, µs UTC.
    pub first_ts: Option<i64>,
    /// Last event, µs UTC.
    pub last_ts: Option<i64>,
    /// Events per kind.
    pub kinds: BTreeMap<String, u64>,
    /// Log gaps found (`log_gap` findings).
    pub gaps: u64,
    /// Days of the period the device was in service (the whole period for
    /// a device outside the inventory).
    #[serde(default)]
    pub in_service_days: u32,
    /// Of those, days with any event.
    #[serde(default)]
    pub active_days: u32,
    /// The verifier's result, when one was given.
    pub integrity: Option<Integrity>,
}

/// Status of one log-management requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CheckStatus {
    /// Holds.
    Ok,
    /// Does not hold.
    Problem,
    /// Could not be checked (no verification result given).
    NotChecked,
    /// Checked only in part: a person must look (no anchors, so truncation
    /// and a rewrite by the key holder were not checked).
    NeedsReview,
}

/// One requirement of the FSA guideline's log management (§2.3.4.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogCheck {
    /// `recorded`, `scope`, `retention` or `tamper`.
    pub id: String,
    /// Japanese name.
    pub name_ja: String,
    /// English name.
    pub name_en: String,
    /// The status.
    pub status: CheckStatus,
    /// Devices concerned when there is a problem.
    pub devices: Vec<String>,
    /// Details, English.
    pub detail_en: String,
    /// Details, Japanese.
    pub detail_ja: String,
}

/// A file that could not be used; the analysis went on without it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// `rule`, `waiver` or `input`.
    pub source: String,
    /// The file.
    pub file: String,
    /// Line, when known.
    pub line: Option<usize>,
    /// What is wrong and what to do.
    pub reason: String,
}

/// A rule as run, with its finding count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleRun {
    /// Rule id.
    pub id: String,
    /// Category.
    pub category: Category,
    /// Items served.
    pub items: Vec<String>,
    /// Severity.
    pub severity: Severity,
    /// Title, Japanese.
    pub title_ja: String,
    /// Title, English.
    pub title_en: String,
    /// Remediation, Japanese.
    pub remediation_ja: String,
    /// Remediation, English.
    pub remediation_en: String,
    /// Findings (waived included).
    pub findings: u64,
    /// Whether it ran (false when its SQL failed).
    pub ran: bool,
}

/// An input file and its SHA-256, for the reproducibility manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputFile {
    /// Path relative to its root (store, policy or pack folder).
    pub path: String,
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256, hex.
    pub sha256: String,
}

/// What went in: enough to reproduce the analysis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Catalog edition.
    pub edition: String,
    /// SHA-256 over the pack's files (path and content hashes, sorted).
    pub rule_pack_sha256: String,
    /// SHA-256 over the policy's files.
    pub policy_sha256: String,
    /// SHA-256 over the event files read.
    pub events_sha256: String,
    /// Event files read (segments).
    pub event_files: Vec<InputFile>,
    /// Parameters the rules saw, rendered as SQL literals.
    pub parameters: BTreeMap<String, String>,
}

/// An item of the catalog, as reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemInfo {
    /// Number (`108`).
    pub number: String,
    /// 基本項目 or 応用項目.
    pub level: String,
    /// Parent item, for a sub-item.
    pub parent: Option<String>,
    /// Whether it applies to portable devices only.
    pub portable_only: bool,
    /// The question, verbatim.
    pub question_ja: String,
    /// English rendering.
    pub question_en: String,
}

/// The whole result of one analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    /// Organisation name (policy).
    pub organisation: String,
    /// The period.
    pub period: Period,
    /// Catalog items in order.
    pub items: Vec<ItemInfo>,
    /// Rules, sorted by id.
    pub rules: Vec<RuleRun>,
    /// Findings, not waived, sorted (item order, rule, device, time, seq).
    pub findings: Vec<Finding>,
    /// Waived findings, same order.
    pub waived: Vec<Finding>,
    /// Verdicts per item × device (catalog order, then device).
    pub verdicts: Vec<DeviceVerdict>,
    /// Rollups per item: organisation first, then each department.
    pub rollups: Vec<Rollup>,
    /// Devices, sorted by id.
    pub devices: Vec<DeviceSummary>,
    /// The four log-management requirements.
    pub log_checks: Vec<LogCheck>,
    /// Files that could not be used.
    pub problems: Vec<Problem>,
    /// Inputs and parameters.
    pub manifest: Manifest,
    /// Events analysed.
    pub events: u64,
}

impl Analysis {
    /// The organisation-wide rollup of `item`.
    pub fn organisation_verdict(&self, item: &str) -> Option<&Rollup> {
        self.rollups
            .iter()
            .find(|r| r.item == item && r.department.is_none())
    }

    /// Whether the integrity check found any anomaly.
    pub fn has_integrity_anomalies(&self) -> bool {
        self.devices.iter().any(|d| {
            d.integrity
                .as_ref()
                .is_some_and(|i| !i.anomalies.is_empty())
        })
    }
}
