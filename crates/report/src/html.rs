//! The one-file HTML report: inline CSS and SVG, nothing fetched, every
//! value autoescaped by the template engine.

use std::path::Path;

use minijinja::{AutoEscape, Environment};
use serde::Serialize;
use serde_json::json;
use worklog_model::Finding;

use crate::error::{Error, Result};
use crate::messages::Messages;
use crate::model::{ReportModel, evidence_text, log_check_texts};

const TEMPLATE: &str = include_str!("../../../templates/report.html");

/// Options of the HTML renderer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HtmlOptions {
    /// Findings shown per item (and for leak signals); the total is always
    /// shown, and the Excel file lists them all.
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
    detail: String,
    rule: String,
    evidence: String,
    waiver_reason: String,
    approver: String,
    expires: String,
}

#[derive(Serialize)]
struct ItemCard {
    number: String,
    level: String,
    question: String,
    verdict_label: String,
    verdict_class: &'static str,
    counts: String,
    findings: u64,
    waived: u64,
    rows: Vec<Row>,
    shown_note: String,
}

#[derive(Serialize)]
struct Bar {
    x: u32,
    y: u32,
    w: u32,
    h: u32,
    color: &'static str,
    label: String,
}

#[derive(Serialize)]
struct Label {
    x: u32,
    y: u32,
    text: String,
}

#[derive(Serialize)]
struct SvgChart {
    width: u32,
    height: u32,
    bars: Vec<Bar>,
    labels: Vec<Label>,
}

/// Renders the HTML text.
pub fn render_html(model: &ReportModel<'_>, options: HtmlOptions) -> Result<String> {
    let m = Messages::new(model.language);
    let a = model.analysis;
    let cap = options.max_findings_per_item;
    let row = |f: &Finding| {
        let waiver = f.waived_by.clone();
        Row {
            device: f.device_id.clone(),
            user: f.user_name.clone(),
            department: f.department.clone(),
            time: m.date_time(&f.local_time),
            detail: f.detail.clone(),
            rule: model.rule_texts(&f.rule_id).0,
            evidence: evidence_text(f),
            waiver_reason: waiver
                .as_ref()
                .map(|w| w.reason.clone())
                .unwrap_or_default(),
            approver: waiver
                .as_ref()
                .map(|w| w.approver.clone())
                .unwrap_or_default(),
            expires: waiver.map(|w| w.expires).unwrap_or_default(),
        }
    };
    let shown = |shown: usize, total: usize| {
        m.get("shown_of")
            .replace("{shown}", &m.number(shown as u64))
            .replace("{total}", &m.number(total as u64))
    };
    let items: Vec<ItemCard> = model
        .item_rows
        .iter()
        .map(|item| {
            let all: Vec<&Finding> = model.item_findings(&item.number).collect();
            let rows: Vec<Row> = all.iter().take(cap).map(|f| row(f)).collect();
            ItemCard {
                number: item.number.clone(),
                level: item.level.clone(),
                question: item.question.clone(),
                verdict_label: item.verdict_label.clone(),
                verdict_class: item.verdict_class,
                counts: item
                    .counts
                    .iter()
                    .map(|(v, n)| format!("{v} {n}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                findings: item.findings,
                waived: item.waived,
                shown_note: shown(rows.len(), all.len()),
                rows,
            }
        })
        .collect();
    let leak: Vec<&Finding> = model.leak_findings().collect();
    let leak_rows: Vec<Row> = leak.iter().take(cap).map(|f| row(f)).collect();
    let integrity: Vec<_> = a
        .devices
        .iter()
        .map(|d| {
            let i = d.integrity.as_ref();
            json!({
                "device": d.device_id,
                "segments": i.map(|i| m.number(i.segments_verified)),
                "rows": i.map(|i| m.number(i.rows_verified)),
                "anchors": i.map(|i| m.number(i.anchors_matched)),
                "anomalies": i.map(|i| i.anomalies.clone()).unwrap_or_default(),
                "status": m.get(if i.is_some() { "no_anomalies" } else { "not_verified" }),
            })
        })
        .collect();
    let log_checks: Vec<_> = a
        .log_checks
        .iter()
        .map(|c| {
            let (name, status, detail) = log_check_texts(c, model.language);
            json!({ "name": name, "status": m.get(status), "detail": detail, "devices": c.devices.join(", ") })
        })
        .collect();
    let problems: Vec<_> = a
        .problems
        .iter()
        .map(|p| json!({ "source": p.source, "file": p.file, "line": p.line, "reason": p.reason }))
        .collect();
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    env.add_template("report.html", TEMPLATE)
        .map_err(|e| Error::Template(e.to_string()))?;
    let template = env
        .get_template("report.html")
        .map_err(|e| Error::Template(e.to_string()))?;
    template
        .render(minijinja::value::Serde(json!({
            "lang": model.language.code(),
            "t": m.all(),
            "generation": model.generation,
            "organisation": a.organisation,
            "period": format!("{} – {}", m.date(a.period.first_day), m.date(a.period.last_day)),
            "time_zone": a.period.time_zone,
            "edition": a.manifest.edition,
            "events": m.number(a.events),
            "devices": m.number(a.devices.len() as u64),
            "overall_key": model.overall,
            "overall": m.get(model.overall),
            "items": items,
            "chart": chart(model),
            "integrity": integrity,
            "log_checks": log_checks,
            "log_rows": model.log_findings().take(cap).map(row).collect::<Vec<_>>(),
            "leak_note": shown(leak_rows.len(), leak.len()),
            "leak_rows": leak_rows,
            "waived_rows": a.waived.iter().take(cap).map(row).collect::<Vec<_>>(),
            "problems": problems,
            "manifest": a.manifest,
            "segment_files": m.number(a.manifest.event_files.len() as u64),
            "segment_verification": m.verification_depths(&a.manifest),
            "parameters": a.manifest.parameters.iter().collect::<Vec<_>>(),
        })))
        .map_err(|e| Error::Template(format!("{e:#}")))
}

/// Writes the HTML report to `path`.
pub fn write_html(model: &ReportModel<'_>, path: &Path, options: HtmlOptions) -> Result<()> {
    let html = render_html(model, options)?;
    std::fs::write(path, html).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })
}

/// A grouped bar chart of findings per week and item, as inline SVG.
fn chart(model: &ReportModel<'_>) -> Option<SvgChart> {
    const COLORS: [&str; 8] = [
        "#c0392b", "#2b6cb0", "#2f855a", "#b7791f", "#6b46c1", "#319795", "#d53f8c", "#4a5568",
    ];
    let w = &model.weekly;
    if w.items.is_empty() || w.weeks.is_empty() {
        return None;
    }
    let max = w.counts.iter().flatten().copied().max().unwrap_or(1).max(1);
    let (plot_h, bar_w, gap) = (160u32, 10u32, 14u32);
    let group_w = bar_w * w.items.len() as u32 + gap;
    let width = 40 + group_w * w.weeks.len() as u32 + 120;
    let mut bars = Vec::new();
    let mut labels = Vec::new();
    for (week_index, week) in w.weeks.iter().enumerate() {
        let x0 = 40 + group_w * week_index as u32;
        for (item_index, counts) in w.counts.iter().enumerate() {
            let n = counts.get(week_index).copied().unwrap_or(0);
            let h = (n * u64::from(plot_h) / max) as u32;
            bars.push(Bar {
                x: x0 + bar_w * item_index as u32,
                y: 10 + plot_h - h,
                w: bar_w - 1,
                h,
                color: COLORS[item_index % COLORS.len()],
                label: format!("{} {}: {n}", w.items[item_index], week),
            });
        }
        labels.push(Label {
            x: x0,
            y: plot_h + 24,
            text: week.get(5..).unwrap_or(week).to_owned(),
        });
    }
    for (item_index, item) in w.items.iter().enumerate() {
        let y = 20 + 14 * item_index as u32;
        bars.push(Bar {
            x: width - 100,
            y: y - 9,
            w: 10,
            h: 10,
            color: COLORS[item_index % COLORS.len()],
            label: item.clone(),
        });
        labels.push(Label {
            x: width - 85,
            y,
            text: item.clone(),
        });
    }
    labels.push(Label {
        x: 0,
        y: 18,
        text: max.to_string(),
    });
    Some(SvgChart {
        width,
        height: plot_h + 34,
        bars,
        labels,
    })
}
