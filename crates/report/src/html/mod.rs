//! The one-file HTML report: inline CSS, SVG and a small script (filter
//! and sort), nothing fetched, every value autoescaped by the template
//! engine and its control characters made visible.

use std::path::Path;

use minijinja::value::Value;
use minijinja::{AutoEscape, Environment};
use serde::Serialize;
use serde_json::json;
use worklog_model::{Finding, Verdict, list_separator};

use crate::error::{Error, Result};
use crate::messages::Messages;
use crate::model::{ReportModel, log_check_texts};
use crate::text::visible;
use crate::words::anomaly_text;

mod chart;

const TEMPLATE: &str = include_str!("../../../../templates/report.html");

/// Options of the HTML renderer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HtmlOptions {
    /// Rows shown per table of findings (groups per item, leak signals,
    /// waived findings), fail-level first; the total is always shown, and
    /// the Excel file lists them all.
    pub max_findings_per_item: usize,
}

impl Default for HtmlOptions {
    fn default() -> Self {
        HtmlOptions {
            max_findings_per_item: 200,
        }
    }
}

#[derive(Serialize)]
struct Row {
    device: String,
    user: String,
    department: String,
    time: String,
    seq: String,
    detail: String,
    rule: String,
    evidence: String,
    waiver_reason: String,
    approver: String,
    expires: String,
    blanket: bool,
}

#[derive(Serialize)]
struct GroupRow {
    severity: String,
    severity_class: &'static str,
    device: String,
    department: String,
    rule: String,
    count: u64,
    count_text: String,
    first: String,
    last: String,
    users: String,
    detail: String,
    evidence: String,
}

#[derive(Serialize)]
struct ItemCard {
    number: String,
    level: String,
    question: String,
    verdict_label: String,
    verdict_class: &'static str,
    counts: String,
    findings: String,
    waived: String,
    groups: Vec<GroupRow>,
    shown_note: String,
    top_devices: String,
    top_users: String,
    /// The 設問's evidence page: why the answer, the control's evidence,
    /// what to do, the rules.
    page: Option<crate::item_page::ItemPage>,
}

/// Renders the HTML text.
pub fn render_html(model: &ReportModel<'_>, options: HtmlOptions) -> Result<String> {
    let view = View {
        model,
        m: Messages::new(model.language),
        cap: options.max_findings_per_item,
        sep: list_separator(model.language),
    };
    let (m, a, cap) = (&view.m, model.analysis, view.cap);
    let leak: Vec<&Finding> = model.leak_findings().collect();
    let leak_rows: Vec<Row> = leak.iter().take(cap).map(|f| view.row(f)).collect();
    let period = format!(
        "{} – {}",
        m.date(a.period.first_day),
        m.date(a.period.last_day)
    );
    let context = json!({
        "lang": model.language.code(),
        "t": m.all(),
        "generation": model.generation,
        "generated_at": model.generated_text(m),
        "stamp": model.stamp_text(m),
        "pseudonymised": model.pseudonymised_text(m),
        "comparison_notes": model.comparison_notes(m),
        "scope": crate::scope::scope_text(a, m),
        "verdict_legend": worklog_model::Verdict::ALL.iter().map(|v| json!({ "label": v.name(model.language), "class": v.as_str(), "meaning": v.meaning(model.language) })).collect::<Vec<_>>(),
        "integrity_text": crate::integrity_summary::integrity_text(a, m),
        "organisation": a.organisation,
        "organisation_css": css_string(&visible(&a.organisation)),
        "period_css": css_string(&period),
        "period": period,
        "time_zone": a.period.time_zone,
        "edition": model.edition_text(m),
        "events": m.number(a.events),
        "devices_count": m.number(a.devices.len() as u64),
        "overall_key": model.overall().message_key(),
        "overall": m.get(model.overall().message_key()),
        "attention": view.attention(),
        "items": view.items(),
        "item_numbers": a.items.iter().map(|i| i.number.clone()).collect::<Vec<_>>(),
        "departments": view.departments(),
        "comparison": view.comparison(),
        "devices": view.devices(),
        "sources_legend": model.sources_legend().into_iter().map(|(name, what)| json!({ "name": name, "what": what })).collect::<Vec<_>>(),
        "chart": chart::chart(model, m),
        "integrity": view.integrity(),
        "log_checks": view.log_checks(),
        "log_rows": model.log_findings().take(cap).map(|f| view.row(f)).collect::<Vec<_>>(),
        "leak_note": view.shown(leak_rows.len(), leak.len()),
        "leak_rows": leak_rows,
        "waived_rows": a.waived.iter().take(cap).map(|f| view.row(f)).collect::<Vec<_>>(),
        "waived_note": view.shown(a.waived.len().min(cap), a.waived.len()),
        "problems": view.problems(),
        "manifest": a.manifest,
        "manifest_rows": model.manifest_rows(m),
        "glossary": model.glossary(),
    });
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    // Log data may carry NUL, ESC or BEL bytes: shown as visible symbols.
    env.set_formatter(|out, state, value| match value.as_str() {
        Some(text) => minijinja::escape_formatter(out, state, &Value::from(visible(text).as_ref())),
        None => minijinja::escape_formatter(out, state, value),
    });
    env.add_template("report.html", TEMPLATE)
        .map_err(|e| Error::Template(e.to_string()))?;
    env.get_template("report.html")
        .map_err(|e| Error::Template(e.to_string()))?
        .render(minijinja::value::Serde(context))
        .map_err(|e| Error::Template(format!("{e:#}")))
}

/// What the template's sections are made from: the model and its words.
struct View<'a, 'm> {
    model: &'m ReportModel<'a>,
    m: Messages,
    /// Rows shown per table.
    cap: usize,
    /// The language's list separator.
    sep: &'static str,
}

impl View<'_, '_> {
    /// A finding as a table row.
    fn row(&self, f: &Finding) -> Row {
        let (m, model) = (&self.m, self.model);
        let waiver = f.waived_by.as_ref();
        Row {
            device: f.device_id.clone(),
            user: f.user_name.clone(),
            department: f.department.clone(),
            time: m.date_time_or_empty(f.local_time),
            seq: f.seq.map(|s| s.to_string()).unwrap_or_default(),
            detail: model.detail(f),
            rule: model.rule_texts(&f.rule_id).0,
            evidence: model.evidence(f),
            waiver_reason: waiver.map(|w| w.reason.clone()).unwrap_or_default(),
            approver: waiver.map(|w| w.approver.clone()).unwrap_or_default(),
            expires: waiver.map(|w| w.expires.clone()).unwrap_or_default(),
            blanket: waiver.is_some_and(|w| w.all_devices),
        }
    }

    /// 「{shown} of {total} shown」.
    fn shown(&self, shown: usize, total: usize) -> String {
        self.m
            .get("shown_of")
            .replace("{shown}", &self.m.number(shown as u64))
            .replace("{total}", &self.m.number(total as u64))
    }

    /// `name n、name n`.
    fn counted(&self, pairs: &[(String, u64)]) -> String {
        pairs
            .iter()
            .map(|(name, n)| format!("{name} {}", self.m.number(*n)))
            .collect::<Vec<_>>()
            .join(self.sep)
    }

    fn attention(&self) -> Vec<serde_json::Value> {
        self.model
            .headline
            .attention
            .iter()
            .map(|p| json!({ "kind": p.kind.as_str(), "text": p.text, "anchor": p.anchor }))
            .collect()
    }

    /// One card per item: its verdict, counts and finding groups.
    fn items(&self) -> Vec<ItemCard> {
        let (m, model) = (&self.m, self.model);
        model
            .item_rows
            .iter()
            .map(|item| {
                let grouped = model.item_groups(&item.number);
                let all = grouped.map_or(&[][..], |g| g.groups.as_slice());
                let groups: Vec<GroupRow> = all
                    .iter()
                    .take(self.cap)
                    .map(|g| self.group_row(g))
                    .collect();
                ItemCard {
                    number: item.number.clone(),
                    level: item.level.clone(),
                    question: item.question.clone(),
                    verdict_label: item.verdict_label.clone(),
                    verdict_class: item.verdict_class,
                    counts: self.counted(&item.counts),
                    findings: m.number(item.findings),
                    waived: m.number(item.waived),
                    shown_note: self.shown(groups.len(), all.len()),
                    groups,
                    top_devices: grouped
                        .map(|g| self.counted(&g.top_devices))
                        .unwrap_or_default(),
                    top_users: grouped
                        .map(|g| self.counted(&g.top_users))
                        .unwrap_or_default(),
                    page: model.item_page(&item.number),
                }
            })
            .collect()
    }

    fn group_row(&self, g: &crate::summary::FindingGroup) -> GroupRow {
        let (m, model) = (&self.m, self.model);
        let first = model.analysis.findings.get(g.first);
        GroupRow {
            severity: m
                .get(&format!("severity_{}", g.severity.as_str()))
                .to_owned(),
            severity_class: g.severity.as_str(),
            device: g.device_id.clone(),
            department: g.department.clone(),
            rule: model.rule_texts(&g.rule_id).0,
            count: g.count,
            count_text: m.number(g.count),
            first: m.date_time_or_empty(g.first_time),
            last: m.date_time_or_empty(g.last_time),
            users: g.users.join(self.sep),
            detail: first.map(|f| model.detail(f)).unwrap_or_default(),
            evidence: first.map(|f| model.evidence(f)).unwrap_or_default(),
        }
    }

    /// Each device's verification: counts, anomalies, late deliveries.
    fn integrity(&self) -> Vec<serde_json::Value> {
        let (m, model) = (&self.m, self.model);
        let local = model.analysis.period.local_times();
        model
            .analysis
            .devices
            .iter()
            .map(|d| {
                let i = d.integrity.as_ref();
                // A device the verifier never saw (it logged nothing) has no
                // counts: empty cells, never a null printed as text.
                let count = |n: fn(&worklog_model::Integrity) -> u64| {
                    i.map(|i| m.number(n(i))).unwrap_or_default()
                };
                let late = crate::words::late_deliveries_text(d, m, &local);
                json!({
                    "device": d.device_id,
                    "segments": count(|i| i.segments_verified),
                    "rows": count(|i| i.rows_verified),
                    "anchors": count(|i| i.anchors_matched),
                    "anomalies": i.map(|i| i.entries.iter().map(|e| anomaly_text(e, model.language, &local)).collect::<Vec<_>>()).unwrap_or_default(),
                    "late": late.lines().map(str::to_owned).collect::<Vec<_>>(),
                    "status": m.get(if i.is_some() { "no_anomalies" } else { "not_verified" }),
                })
            })
            .collect()
    }

    fn log_checks(&self) -> Vec<serde_json::Value> {
        self.model
            .analysis
            .log_checks
            .iter()
            .map(|c| {
                let (name, status, detail) = log_check_texts(c, self.model.language);
                json!({ "name": name, "status": self.m.get(status), "status_class": c.status, "detail": detail, "devices": c.devices.join(self.sep) })
            })
            .collect()
    }

    fn problems(&self) -> Vec<serde_json::Value> {
        self.model
            .analysis
            .problems
            .iter()
            .map(|p| json!({ "source": p.source.as_str(), "file": p.file, "line": p.line, "reason": p.reason }))
            .collect()
    }

    /// 端末別: each device's verdict per item, with the reason.
    fn devices(&self) -> Vec<serde_json::Value> {
        let (m, model) = (&self.m, self.model);
        let verdicts = model.verdict_index();
        model
            .analysis
            .devices
            .iter()
            .map(|d| {
                let cells: Vec<_> = model
                    .analysis
                    .items
                    .iter()
                    .map(|item| match verdicts.get(&(d.device_id.as_str(), item.number.as_str())) {
                        Some(v) => json!({
                            "item": item.number,
                            "target": self.findings_table_of(&item.number, &d.device_id),
                            "label": v.verdict.name(model.language),
                            "class": v.verdict.as_str(),
                            "reason": if v.sources.is_empty() {
                                v.reason.text(model.language)
                            } else {
                                format!("{} — {}: {}", v.reason.text(model.language), m.get("sources"), model.sources_text(&v.sources))
                            },
                        }),
                        None => json!({ "item": item.number, "label": "", "class": "", "reason": "" }),
                    })
                    .collect();
                json!({
                    "device": d.device_id,
                    "device_url": percent_encoded(&d.device_id),
                    "department": d.department,
                    "cells": cells,
                    "sources": model.sources_text(&model.device_sources(&d.device_id)),
                })
            })
            .collect()
    }

    /// The item whose findings table lists `device`'s findings on `item`:
    /// the item itself, or for an item decided by its sub-items (125) the
    /// first sub-item the device fails.
    fn findings_table_of(&self, item: &str, device: &str) -> String {
        let model = self.model;
        let has_groups = |number: &str| {
            model
                .item_groups(number)
                .is_some_and(|g| g.groups.iter().any(|g| g.device_id == device))
        };
        if has_groups(item) {
            return item.to_owned();
        }
        model
            .analysis
            .items
            .iter()
            .filter(|c| c.parent.as_deref() == Some(item))
            .map(|c| c.number.as_str())
            .find(|c| has_groups(c))
            .unwrap_or(item)
            .to_owned()
    }

    /// 部署別: each department's verdict per item, with the counts.
    fn departments(&self) -> Vec<serde_json::Value> {
        let (m, model) = (&self.m, self.model);
        model
            .departments
            .iter()
            .map(|d| {
                let cells: Vec<_> = d
                    .cells
                    .iter()
                    .map(|c| {
                        let counts: Vec<String> = c
                            .counts
                            .iter()
                            .map(|(v, n)| format!("{} {}", v.name(model.language), m.number(*n)))
                            .collect();
                        json!({
                            "item": c.item,
                            "label": c.verdict.name(model.language),
                            "class": c.verdict.as_str(),
                            "counts": counts.join(self.sep),
                            "failing": c.counts.iter().find(|(v, _)| *v == Verdict::Fail).map_or(0, |(_, n)| *n),
                        })
                    })
                    .collect();
                json!({
                    "department": if d.department.is_empty() { m.get("department_unlisted").to_owned() } else { d.department.clone() },
                    "devices": m.number(d.devices),
                    "cells": cells,
                })
            })
            .collect()
    }

    /// 前回比較, when the report compares with a previous audit.
    fn comparison(&self) -> Option<serde_json::Value> {
        let (m, model, cap) = (&self.m, self.model, self.cap);
        let c = model.comparison.as_ref()?;
        let verdict = |v: Option<Verdict>| match v {
            Some(v) => json!({ "label": v.name(model.language), "class": v.as_str() }),
            None => json!({ "label": m.get("not_in_audit"), "class": "" }),
        };
        let titles = |rules: &[String]| {
            rules
                .iter()
                .map(|r| model.rule_texts(r).0)
                .collect::<Vec<_>>()
                .join(self.sep)
        };
        Some(json!({
            "previous_period": format!("{} – {}", m.date(c.previous_first_day), m.date(c.previous_last_day)),
            "items": c.items.iter().map(|i| json!({
                "item": i.item,
                "previous": verdict(i.previous),
                "current": verdict(i.current),
                "new": m.number(i.new),
                "still_open": m.number(i.still_open),
                "fixed": m.number(i.fixed),
                "verdict_changed": m.number(i.verdict_changed),
            })).collect::<Vec<_>>(),
            "devices": c.devices.iter().take(cap).map(|d| json!({
                "item": d.item,
                "device": d.device_id,
                "department": d.department,
                "change": m.get(d.change.key()),
                "change_class": d.change.key(),
                "previous": verdict(d.previous),
                "current": verdict(d.current),
                "previous_findings": m.number(d.previous_findings),
                "current_findings": m.number(d.current_findings),
                "new_rules": titles(&d.new_rules),
                "fixed_rules": titles(&d.fixed_rules),
            })).collect::<Vec<_>>(),
            "note": self.shown(c.devices.len().min(cap), c.devices.len()),
        }))
    }
}

/// Text for a CSS string (the printed page header): every character but
/// letters, digits and spaces as a CSS hex escape, so that no `"`, `\`,
/// `<` or newline of log data can end the string or the style block.
fn css_string(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_alphanumeric() || c == ' ' {
                c.to_string()
            } else {
                format!("\\{:06X}", c as u32)
            }
        })
        .collect()
}

/// Text for a URL fragment: every byte but `A-Z a-z 0-9 - _ . ~` as `%XX`.
fn percent_encoded(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Writes the HTML report to `path`.
pub fn write_html(model: &ReportModel<'_>, path: &Path, options: HtmlOptions) -> Result<()> {
    let html = render_html(model, options)?;
    worklog_fs::write_atomic(path, html.as_bytes()).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_css_string_cannot_be_ended_by_its_text() {
        let text = css_string("A&B 株式会社\"; } </style><script>\n\\");
        assert!(text.starts_with("A\\000026B 株式会社\\000022"));
        assert!(!text.contains(['"', '<', '>', '\n', ';', '}']));
        assert_eq!(text.matches('\\').count(), 11);
    }
}
