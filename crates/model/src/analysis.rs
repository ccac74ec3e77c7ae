//! What an analysis produces: findings, verdicts, rollups, per-device log
//! checks and the problems met on the way. Every renderer reads this.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::detail::DetailText;
use worklog_hash::Sha256Digest;

use crate::local_time::LocalTime;
use crate::period::Period;
use crate::rule_kind::{Category, ItemLevel, Severity};
use crate::source::SourceFamily;
use crate::verdict::{Coverage, Verdict, VerdictReason};

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
    /// The waiver names no device, so it covers the rule on every device:
    /// a blanket waiver, which the report flags.
    #[serde(default)]
    pub all_devices: bool,
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
    /// Event time in the organisation's time zone (`""` in JSON when the
    /// finding has no event time).
    #[serde(with = "crate::local_time::or_empty")]
    pub local_time: Option<LocalTime>,
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
    /// Where the item's evidence came from: the sources of the device's
    /// events of every kind the item's rules read (a finding's events
    /// included, not only the kinds required for a verdict).
    #[serde(default)]
    pub sources: BTreeSet<SourceFamily>,
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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
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
    /// The classes of the anomalies that lose or alter evidence,
    /// deduplicated (a clock going back is in `entries` and
    /// `clock_windows`, not here: it loses nothing).
    pub classes: Vec<crate::AnomalyKind>,
    /// Every anomaly with its parts, for reports in either language.
    #[serde(default)]
    pub entries: Vec<AnomalyEntry>,
    /// Where the device's clock went back (genuine signed events whose
    /// order in time is uncertain there; nothing lost).
    #[serde(default)]
    pub clock_windows: Vec<crate::ClockWindow>,
    /// Events delivered late, stored afterwards as late segments.
    #[serde(default)]
    pub late_deliveries: Vec<LateDeliveryEntry>,
    /// The newest event time the device's chain holds (its data cut-off),
    /// µs UTC.
    #[serde(default)]
    pub newest_event: Option<i64>,
}

/// Events delivered late: one late segment of the device's chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LateDeliveryEntry {
    /// The segment file, relative to the store.
    pub file: String,
    /// Its first and last sequence number.
    pub first_seq: u64,
    /// See `first_seq`.
    pub last_seq: u64,
    /// Its events.
    pub events: u64,
    /// The oldest event time it holds, µs UTC.
    pub from: i64,
    /// The newest event time it holds, µs UTC.
    pub to: i64,
    /// When it was written, µs UTC.
    pub written_at: i64,
}

/// One integrity anomaly: its class and where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnomalyEntry {
    /// The class ([`crate::anomaly_label`] words it).
    pub class: crate::AnomalyKind,
    /// The segment file, relative to the store.
    pub file: Option<String>,
    /// First sequence number concerned.
    pub first_seq: Option<u64>,
    /// Last sequence number concerned.
    pub last_seq: Option<u64>,
    /// Event time at the location, µs UTC.
    pub ts: Option<i64>,
    /// The verifier's explanation (English, technical).
    pub detail_en: String,
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
    /// Per kind, the sources its events came from.
    #[serde(default)]
    pub sources: BTreeMap<String, BTreeSet<SourceFamily>>,
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
    /// Which check.
    pub id: LogCheckId,
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
    /// What the check found, typed (the texts above are its words;
    /// absent in analyses written before it was kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facts: Option<crate::CheckFacts>,
}

/// A file that could not be used; the analysis went on without it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// What it came from.
    pub source: ProblemSource,
    /// The file.
    pub file: String,
    /// Line, when known.
    pub line: Option<usize>,
    /// What is wrong and what to do.
    pub reason: String,
}

/// What a [`Problem`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ProblemSource {
    /// A rule file of the pack.
    Rule,
    /// The waiver list.
    Waiver,
    /// An input: an event file, a policy file.
    Input,
}

impl ProblemSource {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemSource::Rule => "rule",
            ProblemSource::Waiver => "waiver",
            ProblemSource::Input => "input",
        }
    }
}

impl std::fmt::Display for ProblemSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The log-management checks (ログ管理).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum LogCheckId {
    /// ログの記録: every device with events has the kinds its items need.
    Recorded,
    /// ログの取得範囲: every monitored device logs.
    Scope,
    /// ログの保管期間.
    Retention,
    /// ログの改ざん防止.
    Tamper,
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
    /// What a finding says, per `detail` code the rule's SQL emits, with
    /// `{name}` placeholders for the finding's evidence columns and the
    /// policy's settings (already filled in by the analysis).
    #[serde(default)]
    pub details: BTreeMap<String, DetailText>,
    /// Whether its findings are attempts against the logs themselves (an
    /// agent stopped, a log cleared).
    #[serde(default)]
    pub concerns_logs: bool,
}

/// An input file and its SHA-256, for the reproducibility manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputFile {
    /// Path relative to its root (store, policy or pack folder).
    pub path: String,
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256.
    pub sha256: Sha256Digest,
    /// How this run's integrity verification proved the file (an event
    /// file): `bytes` (its SHA-256 is the one a signed record, seal or
    /// anchor commits to; the digest is the verifier's, the file was not
    /// read again), `rows` (every row checked against the signed Merkle
    /// root) or `unproven`. Absent when the file was not verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified: Option<ProvenBy>,
}

/// How the integrity verification proved an event file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ProvenBy {
    /// Its SHA-256 is the one a signed record, seal or anchor commits to.
    Bytes,
    /// Every row was checked against the signed Merkle root.
    Rows,
    /// Not proven (unreadable, or its record forged).
    Unproven,
}

/// What went in: enough to reproduce the analysis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Catalog edition (its identifier).
    pub edition: String,
    /// The edition as the catalog states it (name, year, source), when it
    /// does (absent in analyses written before catalogs said).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edition_info: Option<crate::Edition>,
    /// SHA-256 over the pack's files (path and content hashes, sorted).
    pub rule_pack_sha256: Sha256Digest,
    /// SHA-256 over the policy's files (`""` in JSON without a policy
    /// folder).
    #[serde(with = "worklog_hash::empty_is_none")]
    pub policy_sha256: Option<Sha256Digest>,
    /// SHA-256 over the event files read.
    pub events_sha256: Sha256Digest,
    /// Event files read (segments).
    pub event_files: Vec<InputFile>,
    /// Parameters the rules saw, rendered as SQL literals.
    pub parameters: BTreeMap<String, String>,
}

impl Manifest {
    /// Event files by how this run's verification proved them: by their
    /// bytes, row by row, not proven, not verified.
    pub fn verification_depths(&self) -> [u64; 4] {
        let mut counts = [0u64; 4];
        for file in &self.event_files {
            let slot = match file.verified {
                Some(ProvenBy::Bytes) => 0,
                Some(ProvenBy::Rows) => 1,
                Some(ProvenBy::Unproven) => 2,
                None => 3,
            };
            counts[slot] += 1;
        }
        counts
    }
}

/// An item of the catalog, as reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemInfo {
    /// Number (`108`).
    pub number: String,
    /// 基本項目 or 応用項目.
    pub level: ItemLevel,
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
