//! What the binder holds, in order: the cover (page one's facts with scope
//! and integrity, the headline, the items, the verdicts' legend, the
//! sign-off), one page per 設問, the log-management checks, the glossary
//! and the manifest.

use std::path::Path;

use worklog_model::Verdict;

use super::font::PdfFont;
use super::layout::{BODY, Column, INK, Layout, MUTED, SMALL};
use super::render::{Frame, render};
use crate::error::{Error, Result};
use crate::item_page::ItemPage;
use crate::messages::Messages;
use crate::model::{ReportModel, log_check_texts};

/// Width of the label column of labelled rows.
const LABEL_WIDTH: f32 = 118.0;

/// How the binder is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PdfOptions {}

/// Writes the binder of `model` to `path`, whole or not at all.
pub fn write_pdf(model: &ReportModel<'_>, path: &Path, options: PdfOptions) -> Result<()> {
    let bytes = render_pdf(model, options).map_err(|detail| Error::Pdf {
        path: path.to_owned(),
        detail,
    })?;
    worklog_fs::write_atomic(path, &bytes).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })
}

/// The binder's bytes, or why it could not be made.
pub fn render_pdf(model: &ReportModel<'_>, _options: PdfOptions) -> Result<Vec<u8>, String> {
    let font = PdfFont::load().ok_or_else(|| "the embedded font does not load".to_owned())?;
    let m = Messages::new(model.language);
    let mut layout = Layout::new(&font);
    cover(&mut layout, model, &m);
    for row in &model.item_rows {
        if let Some(page) = model.item_page(&row.number) {
            layout.new_page();
            item_page(&mut layout, &page, &m);
        }
    }
    layout.new_page();
    log_management(&mut layout, model, &m);
    glossary(&mut layout, model, &m);
    manifest(&mut layout, model, &m);
    let a = model.analysis;
    // Log data is hostile: the organisation's name is shown, not obeyed.
    let organisation = crate::text::visible(&a.organisation).into_owned();
    let frame = Frame {
        left: organisation.clone(),
        right: format!(
            "{} {} – {}",
            m.get("title"),
            m.date(a.period.first_day),
            m.date(a.period.last_day)
        ),
        footer: m.get("footer_generated").to_owned(),
        title: format!("{} — {organisation}", m.get("title")),
        language: model.language.code().to_owned(),
        created: chrono::DateTime::parse_from_rfc3339(&model.generation.generated_at)
            .ok()
            .map(|t| t.naive_utc()),
    };
    render(&font, &layout.finish(), &frame)
}

/// The first pages: title, facts, headline, items, legend, sign-off.
fn cover(layout: &mut Layout<'_>, model: &ReportModel<'_>, m: &Messages) {
    layout.heading(m.get("title"), 20.0, 60.0);
    layout.paragraph(m.get("binder_subtitle"), BODY, MUTED);
    layout.gap(8.0);
    for (key, value) in model.page_one_facts(m) {
        layout.labelled(m.get(key), &value, LABEL_WIDTH);
    }
    // The sign-off on the page it signs.
    sign_off(layout, m);
    layout.heading(m.get("overall_status"), 13.0, 40.0);
    let state = model.overall();
    layout.tag(
        m.get(state.message_key()),
        11.0,
        rgb(crate::colors::state_fill(state)),
    );
    for attention in &model.headline.attention {
        layout.paragraph(&format!("・{}", attention.text), BODY, INK);
    }
    layout.heading(m.get("items"), 13.0, 60.0);
    let rows: Vec<Vec<String>> = model
        .item_rows
        .iter()
        .map(|r| {
            let counts: Vec<String> = r.counts.iter().map(|(v, n)| format!("{v} {n}")).collect();
            vec![
                r.number.clone(),
                r.verdict_label.clone(),
                counts.join(" "),
                m.number(r.findings),
            ]
        })
        .collect();
    let columns = [
        Column {
            header: m.get("item"),
            share: 0.12,
        },
        Column {
            header: m.get("verdict"),
            share: 0.18,
        },
        Column {
            header: m.get("verdict_counts"),
            share: 0.55,
        },
        Column {
            header: m.get("findings"),
            share: 0.15,
        },
    ];
    layout.table(&columns, &rows);
    verdict_legend(layout, model, m);
}

fn verdict_legend(layout: &mut Layout<'_>, model: &ReportModel<'_>, m: &Messages) {
    layout.heading(m.get("verdict_legend"), 11.0, 40.0);
    for verdict in Verdict::ALL {
        layout.labelled(
            verdict.name(model.language),
            verdict.meaning(model.language),
            LABEL_WIDTH,
        );
    }
}

/// Boxes for who prepared, checked and approved the binder, and when.
fn sign_off(layout: &mut Layout<'_>, m: &Messages) {
    let keys = ["prepared_by", "checked_by", "approved_by"];
    let columns: Vec<Column<'_>> = keys
        .iter()
        .map(|k| Column {
            header: m.get(k),
            share: 1.0 / 3.0,
        })
        .collect();
    let date = m.get("sign_date").to_owned();
    // Blank lines make the boxes tall enough to sign in.
    let space = "\n\n\n".to_owned();
    layout.heading(m.get("sign_off"), 11.0, 90.0);
    layout.table(
        &columns,
        &[
            vec![space.clone(), space.clone(), space],
            vec![date.clone(), date.clone(), date],
        ],
    );
}

/// One 設問's evidence page.
fn item_page(layout: &mut Layout<'_>, page: &ItemPage, m: &Messages) {
    layout.heading(
        &format!("{} {}({})", m.get("item"), page.number, page.level),
        15.0,
        60.0,
    );
    layout.labelled(m.get("item_page_question"), &page.question, LABEL_WIDTH);
    layout.gap(4.0);
    layout.tag(
        &format!(
            "{}: {}",
            m.get("item_page_answer"),
            page.answer.name(m.language())
        ),
        11.0,
        rgb(crate::colors::verdict_fill(page.answer)),
    );
    layout.labelled(m.get("item_page_reason"), &page.reason, LABEL_WIDTH);
    layout.labelled(m.get("item_page_control"), &page.control, LABEL_WIDTH);
    for (device, why) in &page.control_missing {
        layout.labelled(
            m.get("item_page_control_missing_title"),
            &format!("{device}: {why}"),
            LABEL_WIDTH,
        );
    }
    layout.heading(m.get("item_page_deviations"), 11.0, 40.0);
    layout.paragraph(&page.deviations_summary, BODY, INK);
    if !page.deviations.is_empty() {
        deviation_table(layout, page, m);
    }
    if !page.remedies.is_empty() {
        layout.heading(m.get("item_page_remedies"), 11.0, 30.0);
        for (title, remedy) in &page.remedies {
            layout.paragraph(&format!("■ {title}"), BODY, INK);
            layout.paragraph(remedy, BODY, INK);
            layout.gap(3.0);
        }
    }
    layout.heading(m.get("item_page_rules"), 11.0, 30.0);
    for rule in &page.rules {
        layout.paragraph(&format!("・{rule}"), BODY, INK);
    }
}

fn deviation_table(layout: &mut Layout<'_>, page: &ItemPage, m: &Messages) {
    let columns = [
        Column {
            header: m.get("device"),
            share: 0.13,
        },
        Column {
            header: m.get("department"),
            share: 0.10,
        },
        Column {
            header: m.get("item_page_detected_by"),
            share: 0.21,
        },
        Column {
            header: m.get("count"),
            share: 0.06,
        },
        Column {
            header: m.get("first_seen"),
            share: 0.19,
        },
        Column {
            header: m.get("last_seen"),
            share: 0.19,
        },
        Column {
            header: m.get("item_page_status"),
            share: 0.12,
        },
    ];
    let rows: Vec<Vec<String>> = page
        .deviations
        .iter()
        .map(|d| {
            vec![
                d.device.clone(),
                d.department.clone(),
                d.detected_by.clone(),
                m.number(d.count),
                m.date_time_or_empty(d.first),
                m.date_time_or_empty(d.last),
                d.status.clone(),
            ]
        })
        .collect();
    layout.table(&columns, &rows);
    if let Some(more) = &page.more {
        layout.paragraph(more, SMALL, MUTED);
    }
}

/// The four log-management checks and the integrity in words.
fn log_management(layout: &mut Layout<'_>, model: &ReportModel<'_>, m: &Messages) {
    layout.heading(m.get("log_management"), 15.0, 60.0);
    for check in &model.analysis.log_checks {
        let (name, status_key, detail) = log_check_texts(check, model.language);
        layout.labelled(
            name,
            &format!("{} — {detail}", m.get(status_key)),
            LABEL_WIDTH,
        );
    }
}

/// Every term the reports use that a reader may not know.
fn glossary(layout: &mut Layout<'_>, model: &ReportModel<'_>, m: &Messages) {
    layout.heading(m.get("glossary"), 15.0, 60.0);
    for (term, definition) in model.glossary() {
        layout.labelled(term, definition, LABEL_WIDTH);
    }
}

/// What the analysis read and with which parameters, by digest.
fn manifest(layout: &mut Layout<'_>, model: &ReportModel<'_>, m: &Messages) {
    layout.heading(m.get("manifest"), 15.0, 60.0);
    for (name, value) in model.manifest_rows(m) {
        layout.labelled(&name, &value, LABEL_WIDTH + 80.0);
    }
}

/// A fill of the shared palette as the layout's colour.
fn rgb(hex: u32) -> (u8, u8, u8) {
    ((hex >> 16) as u8, (hex >> 8) as u8, hex as u8)
}
