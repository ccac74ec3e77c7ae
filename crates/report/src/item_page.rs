//! One 設問's evidence page: what an evaluator reading that question alone
//! needs — the question, the proposed answer and why, the evidence that the
//! control works (PCs where its logs were seen, over how much of the
//! period), the deviations apart from it (PC, rule, when, status), what to
//! do, and the rules that decided. The workbook's item sheet, the page's
//! item section and the PDF's item page all print this.
//!
//! The organisation's answer is the worst device verdict (docs/rules.md,
//! "From devices to the organisation"): one deviation left open on one PC
//! makes the answer 不適合, whatever the other PCs show; an approved
//! exception (a waiver) is not a deviation.

use serde::Serialize;
use worklog_model::{DeviceVerdict, LocalTime, Verdict};

use crate::messages::Messages;
use crate::model::ReportModel;
use crate::summary::FindingGroup;

/// Deviation groups a page lists before pointing to the full table.
pub const DEVIATIONS_ON_PAGE: usize = 20;

/// One 設問's evidence page, in the report's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemPage {
    /// Item number.
    pub number: String,
    /// 基本項目 / 応用項目.
    pub level: String,
    /// The question (verbatim in Japanese).
    pub question: String,
    /// The proposed answer: the organisation's verdict.
    pub answer: Verdict,
    /// Why, in one or two sentences with the counts.
    pub reason: String,
    /// The control's evidence in one sentence.
    pub control: String,
    /// PCs where the control's logs fall short, each with why.
    pub control_missing: Vec<(String, String)>,
    /// Deviations by PC and rule, worst first (at most
    /// [`DEVIATIONS_ON_PAGE`]).
    pub deviations: Vec<Deviation>,
    /// What the page leaves to the full table, when it does.
    pub more: Option<String>,
    /// The deviations in one sentence: how many, or none.
    pub deviations_summary: String,
    /// What to do: each rule with deviations, by title, and its remedy.
    pub remedies: Vec<(String, String)>,
    /// The rules that decided the item, by title, with their findings.
    pub rules: Vec<String>,
}

/// Deviations of one rule on one PC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deviation {
    /// The PC.
    pub device: String,
    /// Its department.
    pub department: String,
    /// The rule that detected it, by title.
    pub detected_by: String,
    /// How many times.
    pub count: u64,
    /// When first and last.
    pub first: Option<LocalTime>,
    /// When last.
    pub last: Option<LocalTime>,
    /// Corrected, approved or still open, in words.
    pub status: String,
}

impl ReportModel<'_> {
    /// The evidence page of item `number` (`None` when the catalog has no
    /// such item).
    pub fn item_page(&self, number: &str) -> Option<ItemPage> {
        let m = Messages::new(self.language);
        let row = self.item_rows.iter().find(|r| r.number == number)?;
        let verdicts: Vec<&DeviceVerdict> = self
            .analysis
            .verdicts
            .iter()
            .filter(|v| v.item == number && v.verdict != Verdict::NotApplicable)
            .collect();
        let groups: &[FindingGroup] = self.item_groups(number).map_or(&[], |g| &g.groups);
        let (deviations, more) = self.deviations(groups, &m);
        let deviations_summary = if groups.is_empty() {
            m.get("item_page_no_deviation").to_owned()
        } else {
            m.fill(
                "item_page_deviations_summary",
                &[
                    ("groups", m.number(groups.len() as u64)),
                    ("findings", m.number(row.findings)),
                ],
            )
        };
        Some(ItemPage {
            number: number.to_owned(),
            level: row.level.clone(),
            question: row.question.clone(),
            answer: row.verdict,
            reason: answer_reason(row.verdict, &verdicts, row.findings, row.waived, &m),
            control: control_text(&verdicts, &m),
            control_missing: verdicts
                .iter()
                .filter(|v| v.verdict == Verdict::InsufficientEvidence)
                .map(|v| (v.device_id.clone(), v.reason.text(self.language)))
                .collect(),
            deviations,
            more,
            deviations_summary,
            remedies: self.remedies(groups),
            rules: self.deciding_rules(number, &m),
        })
    }

    /// The rules of the item or of its sub-items, by title, with their
    /// findings.
    fn deciding_rules(&self, number: &str, m: &Messages) -> Vec<String> {
        let is_sub_item = |i: &String| {
            self.analysis
                .items
                .iter()
                .any(|c| &c.number == i && c.parent.as_deref() == Some(number))
        };
        self.analysis
            .rules
            .iter()
            .filter(|r| r.items.iter().any(|i| i == number || is_sub_item(i)))
            .map(|r| {
                m.fill(
                    "item_page_rule",
                    &[
                        ("title", self.rule_texts(&r.id).0),
                        ("findings", m.number(r.findings)),
                    ],
                )
            })
            .collect()
    }

    /// The item's deviation groups (at most [`DEVIATIONS_ON_PAGE`]) and what
    /// is left to the table.
    fn deviations(
        &self,
        groups: &[FindingGroup],
        m: &Messages,
    ) -> (Vec<Deviation>, Option<String>) {
        let open = m.get("item_page_status_open").to_owned();
        let rows = groups
            .iter()
            .take(DEVIATIONS_ON_PAGE)
            .map(|g| Deviation {
                device: g.device_id.clone(),
                department: g.department.clone(),
                detected_by: self.rule_texts(&g.rule_id).0,
                count: g.count,
                first: g.first_time,
                last: g.last_time,
                status: open.clone(),
            })
            .collect();
        let left = groups.len().saturating_sub(DEVIATIONS_ON_PAGE);
        let more =
            (left > 0).then(|| m.fill("item_page_more", &[("count", m.number(left as u64))]));
        (rows, more)
    }

    /// Each rule with deviations on the item, by title, and its remedy.
    fn remedies(&self, groups: &[FindingGroup]) -> Vec<(String, String)> {
        let mut rules: Vec<&str> = groups.iter().map(|g| g.rule_id.as_str()).collect();
        rules.sort_unstable();
        rules.dedup();
        rules
            .into_iter()
            .map(|id| self.rule_texts(id))
            .filter(|(_, remedy)| !remedy.is_empty())
            .collect()
    }
}

/// Why the organisation's answer is what it is, with the counts.
fn answer_reason(
    answer: Verdict,
    verdicts: &[&DeviceVerdict],
    findings: u64,
    waived: u64,
    m: &Messages,
) -> String {
    let count = |v: Verdict| verdicts.iter().filter(|d| d.verdict == v).count() as u64;
    let devices = ("devices", m.number(verdicts.len() as u64));
    let mut text = match answer {
        Verdict::Fail => m.fill(
            "item_page_answer_fail",
            &[
                devices,
                ("failing", m.number(count(Verdict::Fail))),
                ("findings", m.number(findings)),
            ],
        ),
        Verdict::InsufficientEvidence => m.fill(
            "item_page_answer_insufficient",
            &[
                devices,
                ("missing", m.number(count(Verdict::InsufficientEvidence))),
            ],
        ),
        Verdict::NeedsReview => m.fill(
            "item_page_answer_review",
            &[devices, ("review", m.number(count(Verdict::NeedsReview)))],
        ),
        Verdict::Pass => m.fill("item_page_answer_pass", &[devices]),
        _ => m.get("item_page_answer_not_applicable").to_owned(),
    };
    if waived > 0 {
        text += &m.fill("item_page_waived", &[("waived", m.number(waived))]);
    }
    text
}

/// On how many PCs the control's logs were seen, and over how much of the
/// period at least.
fn control_text(verdicts: &[&DeviceVerdict], m: &Messages) -> String {
    let observed: Vec<&DeviceVerdict> = verdicts
        .iter()
        .copied()
        .filter(|v| match &v.coverage {
            Some(coverage) => coverage.holds(),
            None => v.verdict == Verdict::Pass,
        })
        .collect();
    if observed.is_empty() {
        return m.get("item_page_control_none").to_owned();
    }
    let min_pct = observed
        .iter()
        .filter_map(|v| v.coverage.as_ref())
        .filter(|c| c.weeks > 0)
        .map(|c| u64::from(c.weeks_with_evidence) * 100 / u64::from(c.weeks))
        .min();
    let key = match min_pct {
        Some(100) => "item_page_control_observed_every_week",
        Some(_) => "item_page_control_observed",
        None => "item_page_control_observed_no_weeks",
    };
    m.fill(
        key,
        &[
            ("devices", m.number(verdicts.len() as u64)),
            ("observed", m.number(observed.len() as u64)),
            ("min_pct", min_pct.unwrap_or(0).to_string()),
        ],
    )
}
