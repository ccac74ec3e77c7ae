//! What a Worklog Analyzer analysis produces: findings, verdicts per item
//! and device, rollups, the FSA log-management checks, the problems met on
//! the way and the reproducibility manifest, with the period they cover.
//!
//! Every renderer (Excel, HTML, JSON, CSV) reads these types and nothing
//! else, so this crate carries no query engine: the reports compile
//! without polars, and an analysis written as JSON by one program can be
//! rendered by another.
//!
//! # Example
//! ```
//! use worklog_model::{Language, Period, Verdict};
//!
//! let day = |s| Period::parse_day(s, "day");
//! let period = Period::new(day("2026-04-01")?, day("2027-03-31")?, "Asia/Tokyo")?;
//! assert_eq!(period.days(), 365);
//! let start = period.local_time(period.start_utc_us).expect("representable");
//! assert_eq!(start.to_string(), "2026-04-01 00:00:00+09:00");
//! assert_eq!(Verdict::InsufficientEvidence.name(Language::Ja), "証跡不足");
//! # Ok::<(), worklog_model::PeriodError>(())
//! ```

mod analysis;
mod anomaly;
mod check_words;
mod detail;
mod edition;
mod labels;
mod language;
mod local_time;
mod period;
mod rule_kind;
mod source;
mod verdict;

pub use analysis::{
    Analysis, AnomalyEntry, CheckStatus, DeviceSummary, DeviceVerdict, Finding, InputFile,
    Integrity, ItemInfo, LateDeliveryEntry, LogCheck, LogCheckId, Manifest, Problem, ProblemSource,
    ProvenBy, Rollup, RuleRun, WaivedBy,
};
pub use anomaly::AnomalyKind;
pub use check_words::CheckFacts;
pub use chrono::NaiveDate;
pub use detail::{DetailText, fill_placeholders};
pub use edition::Edition;
pub use labels::{
    anomaly_label, column_label, kind_label, label, label_catalog_errors, labels_of, source_label,
    source_legend, value_label,
};
pub use language::Language;
pub use local_time::{LocalTime, LocalTimeError, or_empty as local_time_or_empty};
pub use period::{Period, PeriodError};
pub use rule_kind::{Category, ItemLevel, Severity};
pub use source::SourceFamily;
pub use verdict::{ClockWindow, Coverage, Verdict, VerdictReason, list_separator};
