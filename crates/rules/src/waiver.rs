//! Waivers: approved exceptions that turn matching findings into "waived"
//! (shown separately, never dropped) until they expire.
//!
//! File: `waivers.csv` in the policy folder (optional), columns
//! `rule_id,device_id,user_name,reason,approver,expires`. An empty
//! `device_id` or `user_name` matches any; `expires` is the last local day
//! on which the waiver applies (`YYYY-MM-DD`), compared with the finding's
//! local date so that the result does not depend on when the job runs.

use std::path::Path;

use chrono::NaiveDate;
use serde::Deserialize;
use worklog_model::{Finding, WaivedBy};

use crate::error::RuleFileError;

/// The waiver file's name inside the policy folder.
pub const WAIVER_FILE: &str = "waivers.csv";

/// One approved exception.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Waiver {
    /// 1-based line in the waiver file (for the report).
    pub line: usize,
    /// The rule it applies to.
    pub rule_id: String,
    /// The device, or `None` for any.
    pub device_id: Option<String>,
    /// The user, or `None` for any.
    pub user_name: Option<String>,
    /// Why the exception was granted.
    pub reason: String,
    /// Who granted it.
    pub approver: String,
    /// Last local day it applies.
    pub expires: NaiveDate,
}

impl Waiver {
    /// Whether it covers a finding of `rule_id` on `device_id` by `user_name`
    /// on local day `day`.
    pub fn covers(&self, rule_id: &str, device_id: &str, user_name: &str, day: NaiveDate) -> bool {
        self.rule_id == rule_id
            && self.device_id.as_deref().is_none_or(|d| d == device_id)
            && self.user_name.as_deref().is_none_or(|u| u == user_name)
            && day <= self.expires
    }
}

/// Marks every finding a waiver covers with that waiver (the first that
/// does, in file order). A finding's day is its local date; one without a
/// time counts as on `last_day` (the period's last day).
pub(crate) fn apply_waivers(waivers: &[Waiver], findings: &mut [Finding], last_day: NaiveDate) {
    if waivers.is_empty() {
        return;
    }
    for finding in findings.iter_mut() {
        let day = finding
            .local_time
            .map_or(last_day, |t| t.wall_clock().date());
        if let Some(w) = waivers.iter().find(|w| {
            w.covers(
                &finding.rule_id,
                &finding.device_id,
                &finding.user_name,
                day,
            )
        }) {
            finding.waived_by = Some(WaivedBy {
                line: w.line,
                reason: w.reason.clone(),
                approver: w.approver.clone(),
                expires: w.expires.format("%Y-%m-%d").to_string(),
                all_devices: w.device_id.is_none(),
            });
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWaiver {
    rule_id: String,
    device_id: String,
    user_name: String,
    reason: String,
    approver: String,
    expires: String,
}

/// Reads `<policy>/waivers.csv`; no file means no waivers. Each bad line is
/// one problem; the good lines are still returned.
pub fn load_waivers(policy_dir: &Path, known_rules: &[&str]) -> (Vec<Waiver>, Vec<RuleFileError>) {
    let path = policy_dir.join(WAIVER_FILE);
    let file = path.display().to_string();
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (Vec::new(), Vec::new()),
        Err(e) => {
            return (
                Vec::new(),
                vec![RuleFileError {
                    file,
                    line: None,
                    reason: format!("cannot read: {e}"),
                }],
            );
        }
    };
    parse_waivers(&text, &file, known_rules)
}

/// Parses waiver CSV text; `file` names it in problems.
pub fn parse_waivers(
    text: &str,
    file: &str,
    known_rules: &[&str],
) -> (Vec<Waiver>, Vec<RuleFileError>) {
    let mut waivers = Vec::new();
    let mut problems = Vec::new();
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let expected = "expected the columns rule_id,device_id,user_name,reason,approver,expires";
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            problems.push(RuleFileError {
                file: file.to_owned(),
                line: Some(1),
                reason: format!("{e}; {expected}"),
            });
            return (waivers, problems);
        }
    };
    for record in reader.records() {
        let parsed = record.and_then(|r| {
            let line = r.position().map_or(0, |p| p.line() as usize);
            r.deserialize::<RawWaiver>(Some(&headers))
                .map(|raw| (line, raw))
        });
        let (line, raw) = match parsed {
            Ok(ok) => ok,
            Err(e) => {
                problems.push(RuleFileError {
                    file: file.to_owned(),
                    line: e.position().map(|p| p.line() as usize),
                    reason: format!("{e}; {expected}"),
                });
                continue;
            }
        };
        let problem = |reason: String| RuleFileError {
            file: file.to_owned(),
            line: Some(line),
            reason,
        };
        if !known_rules.contains(&raw.rule_id.as_str()) {
            problems.push(problem(format!(
                "field `rule_id`: {:?} is not a rule of the pack",
                raw.rule_id
            )));
            continue;
        }
        if raw.reason.is_empty() || raw.approver.is_empty() {
            problems.push(problem(
                "fields `reason` and `approver` must both be filled in: a waiver needs a reason and who approved it"
                    .into(),
            ));
            continue;
        }
        let Ok(expires) = NaiveDate::parse_from_str(&raw.expires, "%Y-%m-%d") else {
            problems.push(problem(format!(
                "field `expires`: {:?} is not a date (YYYY-MM-DD)",
                raw.expires
            )));
            continue;
        };
        let optional = |s: String| (!s.is_empty()).then_some(s);
        waivers.push(Waiver {
            line,
            rule_id: raw.rule_id,
            device_id: optional(raw.device_id),
            user_name: optional(raw.user_name),
            reason: raw.reason,
            approver: raw.approver,
            expires,
        });
    }
    (waivers, problems)
}
