//! The report model: the analysis plus what a report adds (generation time,
//! tool version, language) and the tables every renderer shows, computed
//! once so that Excel, HTML and JSON agree.

use std::collections::BTreeMap;

use serde::Serialize;
use worklog_hash::Sha256Digest;
use worklog_model::{
    Analysis, Category, CheckStatus, Finding, Language, LocalTime, LogCheck, RuleRun, Verdict,
};

use crate::headline::{Headline, Overall};
use crate::messages::Messages;
use crate::summary::{self, DepartmentRow, ItemGroups};
use crate::words;

/// Generation details, the only part of a report that changes between two
/// runs on the same input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Generation {
    /// When, RFC 3339 UTC.
    pub generated_at: String,
    /// `worklog` version.
    pub tool_version: String,
    /// The time-stamp of the analysis this report shows, when the audit
    /// was stamped (RFC 3161): stated on the first page.
    pub stamp: Option<AnalysisStamp>,
    /// The id of the key this copy was pseudonymised with, when it was
    /// ([`crate::PseudonymKey::id`]): stated on the first page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pseudonymised_with: Option<String>,
}

/// A TSA's time-stamp of an audit's analysis manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnalysisStamp {
    /// The TSA, as its token names it.
    pub tsa: String,
    /// When the TSA stamped the manifest.
    pub time: chrono::DateTime<chrono::Utc>,
    /// SHA-256 of the manifest file (`stamp/analysis-manifest.json`).
    pub manifest_sha256: Sha256Digest,
}

impl Generation {
    /// Now, with this crate's version.
    pub fn now() -> Generation {
        Generation {
            generated_at: chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            tool_version: env!("CARGO_PKG_VERSION").to_owned(),
            stamp: None,
            pseudonymised_with: None,
        }
    }
}

/// One row of the items table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemRow {
    /// Item number.
    pub number: String,
    /// 基本項目 / 応用項目, in the report's language.
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
    /// Devices per verdict (every verdict that occurs).
    pub device_counts: BTreeMap<Verdict, u64>,
    /// Findings (not waived).
    pub findings: u64,
    /// Waived findings.
    pub waived: u64,
}

/// Devices with findings per week (Monday start, local; the first week
/// starts on the period's first day) and item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WeeklyCounts {
    /// First day of each week in the period, `YYYY-MM-DD`.
    pub weeks: Vec<String>,
    /// Items in catalog order that have at least one finding.
    pub items: Vec<String>,
    /// `counts[item index][week index]`: devices with findings.
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
    /// The overall state and what needs attention.
    pub headline: Headline,
    /// Department × item verdicts.
    pub departments: Vec<DepartmentRow>,
    /// Each item's findings grouped by device and rule, fail-level first.
    pub groups: Vec<ItemGroups>,
    /// Findings per week and item.
    pub weekly: WeeklyCounts,
    /// The comparison with the last audit, when one was given.
    pub comparison: Option<crate::compare::Comparison>,
    #[serde(skip)]
    rules: BTreeMap<&'a str, &'a RuleRun>,
}

impl<'a> ReportModel<'a> {
    /// Builds the model of `analysis` in `language`.
    pub fn new(analysis: &'a Analysis, language: Language, generation: Generation) -> Self {
        let item_rows: Vec<ItemRow> = analysis
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
                    device_counts: rollup.map(|r| r.counts.clone()).unwrap_or_default(),
                    number: item.number.clone(),
                    level: item.level.name(language).to_owned(),
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
        let verdicts: Vec<(String, Verdict)> = item_rows
            .iter()
            .map(|r: &ItemRow| (r.number.clone(), r.verdict))
            .collect();
        let headline = crate::headline::headline(analysis, &verdicts, &Messages::new(language));
        ReportModel {
            language,
            generation,
            analysis,
            item_rows,
            headline,
            departments: summary::departments(analysis),
            groups: summary::item_groups(analysis),
            weekly: weekly(analysis),
            comparison: None,
            rules: analysis.rules.iter().map(|r| (r.id.as_str(), r)).collect(),
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

    /// The model with a comparison against `previous`, the last audit.
    pub fn compared_with(mut self, previous: &Analysis) -> Self {
        self.comparison = Some(crate::compare::compare(previous, self.analysis));
        self
    }

    /// When the report was generated, in the organisation's time zone
    /// with its offset (`YYYY-MM-DD HH:MM:SS+09:00`).
    pub fn generated_local(&self) -> Option<LocalTime> {
        let t = chrono::DateTime::parse_from_rfc3339(&self.generation.generated_at).ok()?;
        self.analysis.period.local_time(t.timestamp_micros())
    }

    /// What this report is compared with, in words: the last audit's
    /// organisation and period, a warning when it is the same period or
    /// another organisation, and what new, still open and fixed mean.
    /// Empty without a comparison.
    pub fn comparison_notes(&self, m: &Messages) -> Vec<String> {
        let Some(c) = &self.comparison else {
            return Vec::new();
        };
        let a = self.analysis;
        let period = |first, last| format!("{} – {}", m.date(first), m.date(last));
        let mut notes = vec![m.fill(
            "compared_with",
            &[
                ("organisation", c.previous_organisation.clone()),
                ("period", period(c.previous_first_day, c.previous_last_day)),
            ],
        )];
        if (c.previous_first_day, c.previous_last_day) == (a.period.first_day, a.period.last_day) {
            notes.push(m.get("compare_same_period").to_owned());
        }
        if c.previous_organisation != a.organisation {
            notes.push(m.fill(
                "compare_other_organisation",
                &[("previous", c.previous_organisation.clone())],
            ));
        }
        notes.push(m.get("compare_legend").to_owned());
        notes
    }

    /// That the copy is pseudonymised and with which key, in words.
    pub fn pseudonymised_text(&self, messages: &Messages) -> Option<String> {
        let id = self.generation.pseudonymised_with.as_ref()?;
        Some(messages.fill("pseudonymised_text", &[("key_id", id.clone())]))
    }

    /// The generation time in words, in the organisation's time zone (as
    /// given when it is not an RFC 3339 time).
    pub fn generated_text(&self, messages: &Messages) -> String {
        match self.generated_local() {
            Some(t) => messages.date_time(t),
            None => self.generation.generated_at.clone(),
        }
    }

    /// The analysis's time-stamp in words (when, in the organisation's
    /// time zone, by which TSA, over which manifest), when it has one.
    pub fn stamp_text(&self, messages: &Messages) -> Option<String> {
        let stamp = self.generation.stamp.as_ref()?;
        let when = match self
            .analysis
            .period
            .local_time(stamp.time.timestamp_micros())
        {
            Some(t) => messages.date_time(t),
            None => self.generation.generated_at.clone(),
        };
        Some(
            messages
                .get("stamp_text")
                .replace("{time}", &when)
                .replace("{tsa}", &crate::text::visible(&stamp.tsa))
                .replace("{digest}", &stamp.manifest_sha256.to_hex()),
        )
    }

    /// Source families in words, in the report's order, joined as a list.
    pub fn sources_text(
        &self,
        sources: &std::collections::BTreeSet<worklog_model::SourceFamily>,
    ) -> String {
        let words: Vec<&str> = sources
            .iter()
            .map(|f| worklog_model::source_label(*f, self.language))
            .collect();
        words.join(worklog_model::list_separator(self.language))
    }

    /// Every source a device's verdicts rest on.
    pub fn device_sources(
        &self,
        device: &str,
    ) -> std::collections::BTreeSet<worklog_model::SourceFamily> {
        self.analysis
            .verdicts
            .iter()
            .filter(|v| v.device_id == device)
            .flat_map(|v| v.sources.iter().copied())
            .collect()
    }

    /// The legend of the sources the verdicts rest on: `(name, what it
    /// is)`, in the report's order.
    pub fn sources_legend(&self) -> Vec<(&'static str, &'static str)> {
        let used: std::collections::BTreeSet<worklog_model::SourceFamily> = self
            .analysis
            .verdicts
            .iter()
            .flat_map(|v| v.sources.iter().copied())
            .collect();
        worklog_model::SourceFamily::ALL
            .into_iter()
            .filter(|f| used.contains(f))
            .map(|f| {
                (
                    worklog_model::source_label(f, self.language),
                    worklog_model::source_legend(f, self.language),
                )
            })
            .collect()
    }

    /// Every device verdict by `(device, item)`.
    pub fn verdict_index(&self) -> BTreeMap<(&'a str, &'a str), &'a worklog_model::DeviceVerdict> {
        self.analysis
            .verdicts
            .iter()
            .map(|v| ((v.device_id.as_str(), v.item.as_str()), v))
            .collect()
    }

    /// The overall state.
    pub fn overall(&self) -> Overall {
        self.headline.state
    }

    /// What `finding` says, in the report language.
    pub fn detail(&self, finding: &Finding) -> String {
        words::finding_detail(
            self.rules.get(finding.rule_id.as_str()).copied(),
            finding,
            self.language,
        )
    }

    /// The finding's evidence in words of the report language.
    pub fn evidence(&self, finding: &Finding) -> String {
        words::evidence_text(finding, self.language)
    }

    /// The grouped findings of `item` (none when it has no findings).
    pub fn item_groups(&self, item: &str) -> Option<&ItemGroups> {
        self.groups.iter().find(|g| g.item == item)
    }

    /// Page one's facts, each with its label's catalog key: organisation,
    /// period, scope, integrity, generation, edition, and the stamp, the
    /// pseudonymisation and the comparison when there are. Values are raw
    /// log text where they come from the data: writers clean them.
    pub fn page_one_facts(&self, m: &Messages) -> Vec<(&'static str, String)> {
        let a = self.analysis;
        let period = format!(
            "{} – {}({})",
            m.date(a.period.first_day),
            m.date(a.period.last_day),
            a.period.time_zone
        );
        let mut facts: Vec<(&'static str, String)> = vec![
            ("organisation", a.organisation.clone()),
            ("period", period),
            ("scope", crate::scope::scope_text(a, m)),
            ("integrity", crate::integrity_summary::integrity_text(a, m)),
            ("generated_at", self.generated_text(m)),
            ("tool_version", self.generation.tool_version.clone()),
            ("edition", self.edition_text(m)),
        ];
        if let Some(stamp) = self.stamp_text(m) {
            facts.push(("stamp", stamp));
        }
        if let Some(notice) = self.pseudonymised_text(m) {
            facts.push(("pseudonymised", notice));
        }
        for note in self.comparison_notes(m) {
            facts.push(("comparison", note));
        }
        facts
    }

    /// The manifest in words: the digests of the rule pack, the policy and
    /// the events, the files and how they were proven, then each policy
    /// setting by its name in words with its value (quotes of SQL text
    /// literals removed). Values are raw: writers clean them.
    pub fn manifest_rows(&self, m: &Messages) -> Vec<(String, String)> {
        let manifest = &self.analysis.manifest;
        let mut rows: Vec<(String, String)> = vec![
            (
                m.get("rule_pack_sha256").into(),
                manifest.rule_pack_sha256.to_hex(),
            ),
            (
                m.get("policy_sha256").into(),
                manifest
                    .policy_sha256
                    .map(|d| d.to_hex())
                    .unwrap_or_default(),
            ),
            (
                m.get("events_sha256").into(),
                manifest.events_sha256.to_hex(),
            ),
            (
                m.get("segment_files").into(),
                m.number(manifest.event_files.len() as u64),
            ),
            (
                m.get("segment_verification").into(),
                m.verification_depths(manifest),
            ),
        ];
        for (name, value) in &manifest.parameters {
            let words = worklog_model::label("parameter", name, self.language).unwrap_or(name);
            let value = value
                .strip_prefix('\'')
                .and_then(|v| v.strip_suffix('\''))
                .map_or_else(|| value.clone(), |v| v.replace("''", "'"));
            rows.push((format!("{}: {words}", m.get("parameters")), value));
        }
        rows
    }

    /// The edition of the standard in words: its name, year (or that the
    /// source names none) and source; the identifier when the catalog
    /// states no more.
    pub fn edition_text(&self, m: &Messages) -> String {
        let manifest = &self.analysis.manifest;
        let Some(edition) = &manifest.edition_info else {
            return manifest.edition.clone();
        };
        let year = match edition.year {
            Some(year) => m.fill("edition_year", &[("year", year.to_string())]),
            None => m.get("edition_year_unknown").to_owned(),
        };
        m.fill(
            "edition_text",
            &[
                ("name", edition.name(self.language).to_owned()),
                ("year", year),
                ("source", edition.source(self.language).to_owned()),
            ],
        )
    }

    /// The glossary (用語集): each term the reports use that a reader may
    /// not know, with what it means, in the report language (catalog
    /// groups `glossary_term` and `glossary_definition`).
    pub fn glossary(&self) -> Vec<(&'static str, &'static str)> {
        let definitions = worklog_model::labels_of("glossary_definition", self.language);
        worklog_model::labels_of("glossary_term", self.language)
            .into_iter()
            .filter_map(|(key, term)| {
                let (_, definition) = definitions.iter().find(|(k, _)| *k == key)?;
                Some((term, *definition))
            })
            .collect()
    }

    /// The rule's title and remediation in the report language.
    pub fn rule_texts(&self, rule_id: &str) -> (String, String) {
        self.rules
            .get(rule_id)
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

fn weekly(analysis: &Analysis) -> WeeklyCounts {
    use chrono::Datelike;
    let (first, last) = (analysis.period.first_day, analysis.period.last_day);
    // Weeks start on Monday; the first is clipped to the period's start.
    let week_of = |day: chrono::NaiveDate| -> chrono::NaiveDate {
        day.checked_sub_days(chrono::Days::new(u64::from(
            day.weekday().num_days_from_monday(),
        )))
        .map_or(first, |monday| monday.max(first))
    };
    let mut weeks = Vec::new();
    let mut day = Some(first);
    while let Some(d) = day.filter(|d| *d <= last) {
        let week = week_of(d);
        if weeks.last() != Some(&week) {
            weeks.push(week);
        }
        day = d.checked_add_days(chrono::Days::new(1));
    }
    let mut devices: BTreeMap<&str, Vec<std::collections::BTreeSet<&str>>> = BTreeMap::new();
    for f in analysis
        .findings
        .iter()
        .filter(|f| f.category == Category::Item)
    {
        let Some(day) = f
            .local_time
            .map(|t| t.wall_clock().date())
            .filter(|d| (first..=last).contains(d))
        else {
            continue;
        };
        let Ok(index) = weeks.binary_search(&week_of(day)) else {
            continue;
        };
        for item in &f.items {
            devices
                .entry(item)
                .or_insert_with(|| vec![Default::default(); weeks.len()])[index]
                .insert(f.device_id.as_str());
        }
    }
    let items: Vec<String> = analysis
        .items
        .iter()
        .filter(|i| devices.contains_key(i.number.as_str()))
        .map(|i| i.number.clone())
        .collect();
    let counts = items
        .iter()
        .map(|i| {
            devices
                .get(i.as_str())
                .map(|weeks| weeks.iter().map(|d| d.len() as u64).collect())
                .unwrap_or_default()
        })
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
