//! The report model: the analysis plus what a report adds (generation time,
//! tool version, language) and the tables every renderer shows, computed
//! once so that Excel, HTML and JSON agree.

use std::collections::BTreeMap;

use serde::Serialize;
use worklog_model::{Analysis, Category, CheckStatus, Finding, Language, LogCheck, Verdict};

/// Generation details, the only part of a report that changes between two
/// runs on the same input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Generation {
    /// When, RFC 3339 UTC.
    pub generated_at: String,
    /// `worklog` version.
    pub tool_version: String,
}

impl Generation {
    /// Now, with this crate's version.
    pub fn now() -> Generation {
        Generation {
            generated_at: chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            tool_version: env!("CARGO_PKG_VERSION").to_owned(),
        }
    }
}

/// One row of the items table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemRow {
    /// Item number.
    pub number: String,
    /// 基本項目 / 応用項目.
    pub level: String,
    /// Whether it is a sub-item.
    pub sub_item: bool,
    /// The question (verbatim in Japanese; our rendering in English).
    pub question: String,
    /// The organisation's verdict.
    pub verdict: Verdict,
    /// Its label in the report language.
    pub verdict_label: String,
    /// `fail`, `insufficient_evidence`, … (for styling).
    pub verdict_class: &'static str,
    /// Devices per verdict, in the report language, worst first.
    pub counts: Vec<(String, u64)>,
    /// Findings (not waived).
    pub findings: u64,
    /// Waived findings.
    pub waived: u64,
}

/// Findings per ISO week (Monday start, local) and item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WeeklyCounts {
    /// Monday of each week, `YYYY-MM-DD`.
    pub weeks: Vec<String>,
    /// Items in catalog order that have at least one finding.
    pub items: Vec<String>,
    /// `counts[item index][week index]`.
    pub counts: Vec<Vec<u64>>,
}

/// Everything a renderer needs.
#[derive(Debug, Clone, Serialize)]
pub struct ReportModel<'a> {
    /// Language of the texts.
    pub language: Language,
    /// Generation details.
    pub generation: Generation,
    /// The analysis (findings, verdicts, devices, manifest, …).
    pub analysis: &'a Analysis,
    /// The items table.
    pub item_rows: Vec<ItemRow>,
    /// `overall_ok`, `overall_findings` or `overall_integrity` (message key).
    pub overall: &'static str,
    /// Findings per week and item.
    pub weekly: WeeklyCounts,
}

impl<'a> ReportModel<'a> {
    /// Builds the model of `analysis` in `language`.
    pub fn new(analysis: &'a Analysis, language: Language, generation: Generation) -> Self {
        let item_rows = analysis
            .items
            .iter()
            .map(|item| {
                let rollup = analysis.organisation_verdict(&item.number);
                let verdict = rollup.map_or(Verdict::InsufficientEvidence, |r| r.verdict);
                let counts = Verdict::ALL
                    .iter()
                    .filter_map(|v| {
                        let n = rollup.and_then(|r| r.counts.get(v)).copied().unwrap_or(0);
                        (n > 0).then(|| (v.name(language).to_owned(), n))
                    })
                    .collect();
                ItemRow {
                    number: item.number.clone(),
                    level: item.level.clone(),
                    sub_item: item.parent.is_some(),
                    question: match language {
                        Language::En => item.question_en.clone(),
                        _ => item.question_ja.clone(),
                    },
                    verdict,
                    verdict_label: verdict.name(language).to_owned(),
                    verdict_class: verdict.as_str(),
                    counts,
                    findings: rollup.map_or(0, |r| r.findings),
                    waived: analysis
                        .waived
                        .iter()
                        .filter(|f| f.items.contains(&item.number))
                        .count() as u64,
                }
            })
            .collect();
        let integrity_broken = analysis.has_integrity_anomalies()
            || analysis
                .log_checks
                .iter()
                .any(|c| c.id == "tamper" && c.status == CheckStatus::Problem);
        let overall = if integrity_broken {
            "overall_integrity"
        } else if analysis
            .findings
            .iter()
            .any(|f| f.category == Category::Item)
        {
            "overall_findings"
        } else {
            "overall_ok"
        };
        ReportModel {
            language,
            generation,
            analysis,
            item_rows,
            overall,
            weekly: weekly(analysis),
        }
    }

    /// Item findings of `item` (not waived), in the analysis's order.
    pub fn item_findings(&self, item: &str) -> impl Iterator<Item = &'a Finding> + '_ {
        let item = item.to_owned();
        self.analysis
            .findings
            .iter()
            .filter(move |f| f.category == Category::Item && f.items.contains(&item))
    }

    /// Leak-prevention signals (not waived).
    pub fn leak_findings(&self) -> impl Iterator<Item = &'a Finding> + '_ {
        self.analysis
            .findings
            .iter()
            .filter(|f| f.category == Category::Leak)
    }

    /// Log-management findings (gaps, silent devices).
    pub fn log_findings(&self) -> impl Iterator<Item = &'a Finding> + '_ {
        self.analysis
            .findings
            .iter()
            .filter(|f| f.category == Category::Log)
    }

    /// The rule's title and remediation in the report language.
    pub fn rule_texts(&self, rule_id: &str) -> (String, String) {
        self.analysis
            .rules
            .iter()
            .find(|r| r.id == rule_id)
            .map(|r| match self.language {
                Language::En => (r.title_en.clone(), r.remediation_en.clone()),
                _ => (r.title_ja.clone(), r.remediation_ja.clone()),
            })
            .unwrap_or_else(|| (rule_id.to_owned(), String::new()))
    }
}

/// A log check's name, status (message key) and detail in `language`.
pub fn log_check_texts(check: &LogCheck, language: Language) -> (&str, &'static str, &str) {
    let status = match check.status {
        CheckStatus::Ok => "status_ok",
        CheckStatus::Problem => "status_problem",
        CheckStatus::NeedsReview => "status_review",
        _ => "status_not_checked",
    };
    match language {
        Language::En => (&check.name_en, status, &check.detail_en),
        _ => (&check.name_ja, status, &check.detail_ja),
    }
}

/// `name=value; …` of a finding's evidence.
pub fn evidence_text(finding: &Finding) -> String {
    finding
        .evidence
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ")
}

fn weekly(analysis: &Analysis) -> WeeklyCounts {
    use chrono::Datelike;
    let monday = |local: &str| -> Option<chrono::NaiveDate> {
        let day = chrono::NaiveDate::parse_from_str(local.get(..10)?, "%Y-%m-%d").ok()?;
        day.checked_sub_days(chrono::Days::new(u64::from(
            day.weekday().num_days_from_monday(),
        )))
    };
    let mut weeks = Vec::new();
    let mut day = monday(&format!("{} 00:00:00", analysis.period.first_day));
    while let Some(d) = day {
        if d > analysis.period.last_day {
            break;
        }
        weeks.push(d);
        day = d.checked_add_days(chrono::Days::new(7));
    }
    let mut per_item: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
    for f in analysis
        .findings
        .iter()
        .filter(|f| f.category == Category::Item)
    {
        let Some(week) = monday(&f.local_time) else {
            continue;
        };
        let Some(index) = weeks.iter().position(|w| *w == week) else {
            continue;
        };
        for item in &f.items {
            per_item.entry(item).or_insert_with(|| vec![0; weeks.len()])[index] += 1;
        }
    }
    let items: Vec<String> = analysis
        .items
        .iter()
        .filter(|i| per_item.contains_key(i.number.as_str()))
        .map(|i| i.number.clone())
        .collect();
    let counts = items
        .iter()
        .map(|i| per_item.get(i.as_str()).cloned().unwrap_or_default())
        .collect();
    WeeklyCounts {
        weeks: weeks
            .iter()
            .map(|w| w.format("%Y-%m-%d").to_string())
            .collect(),
        items,
        counts,
    }
}
