//! The tables of the workbook: departments, grouped findings, each item's
//! full list, devices and why, integrity, log management, leak signals,
//! waivers, rules, unprocessed inputs. One autofilter per table.

use rust_xlsxwriter::{Workbook, Worksheet, XlsxError};
use worklog_model::{Finding, LocalTime, Severity, Verdict};

use super::{Context, LINE_HEIGHT, item_sheet_name, sheet_safe, text_lines};
use crate::model::log_check_texts;
use crate::text::clean_cell;
use crate::words::anomaly_text;

/// One cell of a table row.
#[derive(Clone)]
pub(super) enum Cell {
    Text(String),
    /// A local time, written as a date cell.
    Time(Option<LocalTime>),
    Number(u64),
    Verdict(Verdict),
}

/// Writes `rows` under `headers` on one sheet (continuing on `name
/// (続き2)`, … when full), in constant memory, with an autofilter, frozen
/// header and page setup.
fn table_sheets<T>(
    cx: &Context<'_, '_>,
    workbook: &mut Workbook,
    name: &str,
    headers: &[&str],
    rows: &[T],
    row_of: impl Fn(&T) -> Vec<Cell>,
) -> Result<(), XlsxError> {
    table_sheets_under(cx, workbook, name, headers, rows, row_of, None)
}

/// The link to row `index` (0-based) of the table [`table_sheets`] writes
/// as `name`: on its continuation sheet when the first is full.
fn table_cell(cx: &Context<'_, '_>, name: &str, index: usize) -> String {
    let per_sheet = cx.options.max_rows_per_sheet.max(1) as usize;
    let (part, row) = (index / per_sheet, index % per_sheet);
    // Row 1 is the header; Excel rows count from 1.
    format!("internal:'{}'!A{}", part_name(cx, name, part), row + 2)
}

/// The name of part `part` (0-based) of a table: `name`, then `name
/// (続き2)`, ….
fn part_name(cx: &Context<'_, '_>, name: &str, part: usize) -> String {
    if part == 0 {
        sheet_safe(name)
    } else {
        sheet_safe(&format!("{name} ({}{})", cx.m.get("continued"), part + 1))
    }
}

/// What a first sheet holds above its table: it writes from row 0 over
/// the table's column widths and returns the table's header row.
type Preamble<'p> = &'p dyn Fn(&mut Worksheet, &[f64]) -> Result<u32, XlsxError>;

/// [`table_sheets`], the first sheet's table under `preamble` (the
/// continuation sheets start at row 0).
fn table_sheets_under<T>(
    cx: &Context<'_, '_>,
    workbook: &mut Workbook,
    name: &str,
    headers: &[&str],
    rows: &[T],
    row_of: impl Fn(&T) -> Vec<Cell>,
    preamble: Option<Preamble<'_>>,
) -> Result<(), XlsxError> {
    let per_sheet = cx.options.max_rows_per_sheet.max(1) as usize;
    let widths = column_widths(cx, headers, rows.iter().take(2_000).map(&row_of));
    let chunks: Vec<&[T]> = if rows.is_empty() {
        vec![&[]]
    } else {
        rows.chunks(per_sheet).collect()
    };
    for (part, chunk) in chunks.iter().enumerate() {
        let sheet: &mut Worksheet = workbook.add_worksheet_with_constant_memory()?;
        let sheet_name = part_name(cx, name, part);
        sheet.set_name(sheet_name)?;
        for (c, width) in widths.iter().enumerate() {
            sheet.set_column_width(c as u16, *width)?;
        }
        let top = match preamble.filter(|_| part == 0) {
            Some(write) => write(sheet, &widths)?,
            None => 0,
        };
        cx.page_setup(sheet, Some(top))?;
        let header_cells: Vec<Cell> = headers
            .iter()
            .map(|h| Cell::Text(cx.header_text(h)))
            .collect();
        let header_lines = wrapped_lines(&header_cells, &widths);
        if header_lines > 1 {
            sheet.set_row_height(top, f64::from(header_lines) * LINE_HEIGHT)?;
        }
        cx.headers(sheet, top, headers)?;
        for (r, row) in chunk.iter().enumerate() {
            let r = top + 1 + r as u32;
            let cells = row_of(row);
            if rows.len() <= SIZED_ROWS {
                let lines = wrapped_lines(&cells, &widths);
                if lines > 1 {
                    sheet.set_row_height(r, f64::from(lines) * LINE_HEIGHT)?;
                }
            }
            for (c, cell) in cells.into_iter().enumerate() {
                write_cell(cx, sheet, r, c as u16, cell)?;
            }
        }
        if chunk.is_empty() {
            // An empty table says so rather than showing a bare header.
            sheet.write_string(top + 1, 0, cx.m.get("no_rows"))?;
        }
        // A page above the table scrolls away; a bare table keeps its
        // header in view.
        if top == 0 {
            sheet.set_freeze_panes(1, 0)?;
        }
        sheet.autofilter(
            top,
            0,
            top + chunk.len() as u32,
            headers.len().saturating_sub(1) as u16,
        )?;
    }
    Ok(())
}

fn write_cell(
    cx: &Context<'_, '_>,
    sheet: &mut Worksheet,
    r: u32,
    c: u16,
    cell: Cell,
) -> Result<(), XlsxError> {
    match cell {
        Cell::Text(text) => {
            // Wrapped in its column rather than running into the next
            // one; the row grows to fit when the workbook is opened.
            sheet.write_string_with_format(r, c, clean_cell(&text), &cx.styles.wrap)?;
        }
        Cell::Time(local) => cx.write_time(sheet, r, c, local)?,
        Cell::Number(n) => {
            sheet.write_number_with_format(r, c, n as f64, &cx.styles.count)?;
        }
        Cell::Verdict(v) => {
            sheet.write_string_with_format(
                r,
                c,
                v.name(cx.model.language),
                cx.styles.verdict(v),
            )?;
        }
    }
    Ok(())
}

/// Column widths that fit the header and a sample of values, counting
/// East Asian wide characters as two columns; dates get room for
/// 「2026年12月31日 23:59:59」.
fn column_widths(
    cx: &Context<'_, '_>,
    headers: &[&str],
    rows: impl Iterator<Item = Vec<Cell>>,
) -> Vec<f64> {
    let width = crate::text::display_width;
    let mut widths: Vec<usize> = headers
        .iter()
        .map(|h| width(&cx.header_text(h)).min(24) + 3)
        .collect();
    for row in rows {
        for (c, cell) in row.iter().enumerate() {
            let w = match cell {
                Cell::Text(text) => width(text),
                Cell::Time(_) => 22,
                Cell::Number(n) => n.to_string().len() + 2,
                Cell::Verdict(v) => width(v.name(cx.model.language)),
            };
            if let Some(slot) = widths.get_mut(c) {
                *slot = (*slot).max(w + 2);
            }
        }
    }
    let widths: Vec<usize> = widths.into_iter().map(|w| w.clamp(8, 70)).collect();
    fit_to_page(widths).into_iter().map(|w| w as f64).collect()
}

/// Tables up to this many rows get rows as tall as their wrapped text, so
/// that they print whole. A larger table is for filtering, not for paper
/// (20,000 rows are already a thousand pages): its rows keep the default
/// height, as the writer would otherwise hold every row's options in
/// memory (half a gigabyte for a million findings).
const SIZED_ROWS: usize = 20_000;

/// The lines the row's tallest text cell wraps to in its column (at most
/// 15: a longer value is cut on paper, whole in the cell).
fn wrapped_lines(cells: &[Cell], widths: &[f64]) -> u32 {
    cells
        .iter()
        .zip(widths)
        .map(|(cell, width)| match cell {
            Cell::Text(text) if !text.is_empty() => text_lines(text, width - 1.0, 15),
            _ => 1,
        })
        .max()
        .unwrap_or(1)
}

/// Characters across an A4 landscape page at 100 % (11-point text,
/// 0.4-inch margins): wider tables are not shrunk to fit, their widest
/// columns are narrowed and wrap.
const PAGE_WIDTH_CHARS: usize = 135;

/// Narrows the columns wider than 20 characters (text: times and numbers
/// are narrower), in proportion to what they have beyond it, until the
/// table fits [`PAGE_WIDTH_CHARS`] (or they are all down to 20).
fn fit_to_page(mut widths: Vec<usize>) -> Vec<usize> {
    const FLOOR: usize = 20;
    let total: usize = widths.iter().sum();
    if total <= PAGE_WIDTH_CHARS {
        return widths;
    }
    let excess = total - PAGE_WIDTH_CHARS;
    let spare: usize = widths.iter().map(|w| w.saturating_sub(FLOOR)).sum();
    if spare == 0 {
        return widths;
    }
    for w in &mut widths {
        let own = w.saturating_sub(FLOOR);
        let cut = (own * excess).div_ceil(spare).min(own);
        *w -= cut;
    }
    widths
}

fn severity_text(cx: &Context<'_, '_>, severity: Severity) -> String {
    cx.m.get(&format!("severity_{}", severity.as_str()))
        .to_owned()
}

/// 部署別: department × item verdicts with device counts as numbers.
pub(super) fn departments_sheet(
    cx: &Context<'_, '_>,
    workbook: &mut Workbook,
) -> Result<(), XlsxError> {
    let m = &cx.m;
    let mut rows = Vec::new();
    for department in &cx.model.departments {
        for cell in &department.cells {
            rows.push((department, cell));
        }
    }
    let mut headers = vec!["department", "department_devices", "item", "verdict"];
    headers.extend([
        "verdict_fail",
        "verdict_insufficient",
        "verdict_review",
        "verdict_pass",
        "verdict_na",
    ]);
    headers.push("findings");
    let unlisted = m.get("department_unlisted").to_owned();
    table_sheets(
        cx,
        workbook,
        m.get("sheet_departments"),
        &headers,
        &rows,
        |(d, cell)| {
            let mut out = vec![
                Cell::Text(if d.department.is_empty() {
                    unlisted.clone()
                } else {
                    d.department.clone()
                }),
                Cell::Number(d.devices),
                Cell::Text(cell.item.clone()),
                Cell::Verdict(cell.verdict),
            ];
            for v in Verdict::ALL {
                let n = cell
                    .counts
                    .iter()
                    .find(|(c, _)| *c == v)
                    .map_or(0, |(_, n)| *n);
                out.push(Cell::Number(n));
            }
            out.push(Cell::Number(cell.findings));
            out
        },
    )
}

/// 指摘(集約): every item's findings, one row per item × device × rule,
/// fail-level first.
pub(super) fn groups_sheet(cx: &Context<'_, '_>, workbook: &mut Workbook) -> Result<(), XlsxError> {
    let model = cx.model;
    let findings = &model.analysis.findings;
    let rows: Vec<_> = model
        .groups
        .iter()
        .flat_map(|g| g.groups.iter().map(move |group| (g.item.as_str(), group)))
        .collect();
    let headers = [
        "item",
        "severity",
        "device",
        "department",
        "rule",
        "count",
        "first_seen",
        "last_seen",
        "users",
        "what_happened",
    ];
    table_sheets(
        cx,
        workbook,
        cx.m.get("sheet_groups"),
        &headers,
        &rows,
        |(item, g)| {
            let first = findings.get(g.first);
            vec![
                Cell::Text((*item).to_owned()),
                Cell::Text(severity_text(cx, g.severity)),
                Cell::Text(g.device_id.clone()),
                Cell::Text(g.department.clone()),
                Cell::Text(model.rule_texts(&g.rule_id).0),
                Cell::Number(g.count),
                Cell::Time(g.first_time),
                Cell::Time(g.last_time),
                Cell::Text(g.users.join(worklog_model::list_separator(model.language))),
                Cell::Text(first.map(|f| model.detail(f)).unwrap_or_default()),
            ]
        },
    )
}

/// One sheet per leaf item: every finding, fail-level first.
pub(super) fn item_sheets(cx: &Context<'_, '_>, workbook: &mut Workbook) -> Result<(), XlsxError> {
    let model = cx.model;
    let a = model.analysis;
    let headers = [
        "device",
        "user",
        "department",
        "local_time",
        "seq",
        "severity",
        "what_happened",
        "rule",
        "evidence",
    ];
    for item in a.items.iter().filter(|i| {
        !a.items
            .iter()
            .any(|c| c.parent.as_deref() == Some(&i.number))
    }) {
        let mut findings: Vec<&Finding> = model.item_findings(&item.number).collect();
        // Stable: within a severity the analysis's order stays.
        findings.sort_by_key(|f| f.severity);
        let page = model.item_page(&item.number);
        let preamble = |sheet: &mut Worksheet, widths: &[f64]| match &page {
            Some(page) => super::item_page::write_item_page(cx, sheet, page, widths),
            None => Ok(0),
        };
        table_sheets_under(
            cx,
            workbook,
            &item_sheet_name(&item.number),
            &headers,
            &findings,
            |f| {
                vec![
                    Cell::Text(f.device_id.clone()),
                    Cell::Text(f.user_name.clone()),
                    Cell::Text(f.department.clone()),
                    Cell::Time(f.local_time),
                    f.seq.map_or(Cell::Text(String::new()), Cell::Number),
                    Cell::Text(severity_text(cx, f.severity)),
                    Cell::Text(model.detail(f)),
                    Cell::Text(model.rule_texts(&f.rule_id).0),
                    Cell::Text(model.evidence(f)),
                ]
            },
            Some(&preamble),
        )?;
    }
    Ok(())
}

/// 端末別 (device × item verdict matrix) and 判定理由 (every verdict with
/// its reason).
pub(super) fn devices_sheets(
    cx: &Context<'_, '_>,
    workbook: &mut Workbook,
) -> Result<(), XlsxError> {
    let (model, m, styles) = (cx.model, &cx.m, &cx.styles);
    let a = model.analysis;
    let matrix = workbook.add_worksheet();
    matrix.set_name(m.get("sheet_devices"))?;
    cx.page_setup(matrix, Some(0))?;
    cx.headers(matrix, 0, &["device", "department"])?;
    matrix.set_column_width(0, 14)?;
    matrix.set_column_width(1, 18)?;
    for (i, item) in a.items.iter().enumerate() {
        matrix.write_string_with_format(0, 2 + i as u16, &item.number, &styles.header)?;
        matrix.set_column_width(2 + i as u16, 11)?;
    }
    let verdicts = cx.model.verdict_index();
    let reason_rows: std::collections::HashMap<(&str, &str), usize> = a
        .verdicts
        .iter()
        .enumerate()
        .map(|(i, v)| ((v.device_id.as_str(), v.item.as_str()), i))
        .collect();
    for (r, device) in a.devices.iter().enumerate() {
        let r = 1 + r as u32;
        matrix.write_string(r, 0, clean_cell(&device.device_id))?;
        matrix.write_string(r, 1, clean_cell(&device.department))?;
        for (i, item) in a.items.iter().enumerate() {
            if let Some(v) = verdicts.get(&(device.device_id.as_str(), item.number.as_str())) {
                // The verdict's own row of 判定理由, which gives its reason.
                let index = reason_rows.get(&(v.device_id.as_str(), v.item.as_str()));
                let link = table_cell(cx, m.get("sheet_reasons"), index.copied().unwrap_or(0));
                let url = rust_xlsxwriter::Url::new(link).set_text(v.verdict.name(model.language));
                matrix.write_url_with_format(r, 2 + i as u16, url, styles.verdict(v.verdict))?;
            }
        }
    }
    matrix.set_freeze_panes(1, 2)?;
    matrix.autofilter(0, 0, a.devices.len() as u32, 1 + a.items.len() as u16)?;
    let headers = [
        "device",
        "department",
        "item",
        "verdict",
        "reason",
        "sources",
        "findings",
        "waived",
    ];
    table_sheets(
        cx,
        workbook,
        m.get("sheet_reasons"),
        &headers,
        &a.verdicts,
        |v| {
            vec![
                Cell::Text(v.device_id.clone()),
                Cell::Text(v.department.clone()),
                Cell::Text(v.item.clone()),
                Cell::Verdict(v.verdict),
                Cell::Text(v.reason.text(model.language)),
                Cell::Text(model.sources_text(&v.sources)),
                Cell::Number(v.findings),
                Cell::Number(v.waived),
            ]
        },
    )
}

/// 用語集: each term the reports use that a reader may not know.
pub(super) fn glossary_sheet(
    cx: &Context<'_, '_>,
    workbook: &mut Workbook,
) -> Result<(), XlsxError> {
    let glossary = cx.model.glossary();
    let headers = ["glossary_term", "glossary_definition"];
    pairs_sheet(cx, workbook, cx.m.get("glossary"), headers, &glossary)
}

/// 証跡の出所: what each source the verdicts rest on is.
pub(super) fn sources_sheet(
    cx: &Context<'_, '_>,
    workbook: &mut Workbook,
) -> Result<(), XlsxError> {
    let legend = cx.model.sources_legend();
    let headers = ["sources", "details"];
    pairs_sheet(cx, workbook, cx.m.get("sheet_sources"), headers, &legend)
}

/// A two-column table of catalog texts.
fn pairs_sheet(
    cx: &Context<'_, '_>,
    workbook: &mut Workbook,
    name: &str,
    headers: [&str; 2],
    pairs: &[(&'static str, &'static str)],
) -> Result<(), XlsxError> {
    table_sheets(cx, workbook, name, &headers, pairs, |(a, b)| {
        vec![Cell::Text((*a).to_owned()), Cell::Text((*b).to_owned())]
    })
}

/// 完全性: per device what was verified, and each anomaly in words.
pub(super) fn integrity_sheet(
    cx: &Context<'_, '_>,
    workbook: &mut Workbook,
) -> Result<(), XlsxError> {
    let (model, m) = (cx.model, &cx.m);
    let a = model.analysis;
    let local = a.period.local_times();
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    for device in &a.devices {
        let id = || Cell::Text(device.device_id.clone());
        match &device.integrity {
            None => rows.push(vec![
                id(),
                Cell::Text(String::new()),
                Cell::Text(String::new()),
                Cell::Text(String::new()),
                Cell::Text(m.get("not_verified").into()),
            ]),
            Some(i) => {
                let counts =
                    || [i.segments_verified, i.rows_verified, i.anchors_matched].map(Cell::Number);
                if i.entries.is_empty() && i.anomalies.is_empty() {
                    let mut row = vec![id()];
                    row.extend(counts());
                    row.push(Cell::Text(m.get("no_anomalies").into()));
                    rows.push(row);
                }
                for entry in &i.entries {
                    let mut row = vec![id()];
                    row.extend(counts());
                    row.push(Cell::Text(anomaly_text(entry, model.language, &local)));
                    rows.push(row);
                }
            }
        }
    }
    let headers = [
        "device",
        "segments_verified",
        "rows_verified",
        "anchors_matched",
        "anomalies",
    ];
    table_sheets(
        cx,
        workbook,
        m.get("sheet_integrity"),
        &headers,
        &rows,
        Vec::clone,
    )
}

/// 証跡 (the four log-management requirements), ログ取得状況 (each device's
/// log coverage) and ログ欠落 (the gaps found): three tables, three sheets,
/// each with its filter and its own column widths.
pub(super) fn log_sheets(cx: &Context<'_, '_>, workbook: &mut Workbook) -> Result<(), XlsxError> {
    let (model, m) = (cx.model, &cx.m);
    let a = model.analysis;
    let sep = worklog_model::list_separator(model.language);
    let headers = ["requirement", "status", "details", "devices_concerned"];
    table_sheets(
        cx,
        workbook,
        m.get("sheet_log"),
        &headers,
        &a.log_checks,
        |check| {
            let (name, status, detail) = log_check_texts(check, model.language);
            vec![
                Cell::Text(name.to_owned()),
                Cell::Text(m.get(status).to_owned()),
                Cell::Text(detail.to_owned()),
                Cell::Text(check.devices.join(sep)),
            ]
        },
    )?;
    coverage_sheet(cx, workbook)?;
    let gaps: Vec<&Finding> = model.log_findings().collect();
    let headers = [
        "device",
        "local_time",
        "seq",
        "what_happened",
        "rule",
        "evidence",
    ];
    table_sheets(cx, workbook, m.get("sheet_gaps"), &headers, &gaps, |f| {
        vec![
            Cell::Text(f.device_id.clone()),
            Cell::Time(f.local_time),
            f.seq.map_or(Cell::Text(String::new()), Cell::Number),
            Cell::Text(model.detail(f)),
            Cell::Text(model.rule_texts(&f.rule_id).0),
            Cell::Text(model.evidence(f)),
        ]
    })
}

/// ログ取得状況: each device's events, first and last, gaps, kinds, late
/// deliveries and data cut-off.
fn coverage_sheet(cx: &Context<'_, '_>, workbook: &mut Workbook) -> Result<(), XlsxError> {
    let (model, m) = (cx.model, &cx.m);
    let a = model.analysis;
    let sep = worklog_model::list_separator(model.language);
    let headers = [
        "device",
        "department",
        "in_inventory",
        "events",
        "first_event",
        "last_event",
        "gaps",
        "kinds",
        "late_deliveries",
        "data_cutoff",
    ];
    let local = a.period.local_times();
    table_sheets(
        cx,
        workbook,
        m.get("sheet_coverage"),
        &headers,
        &a.devices,
        |device| {
            let at = |t: Option<i64>| t.map(&local).unwrap_or_default();
            let kinds: Vec<String> = device
                .kinds
                .iter()
                .map(|(k, n)| {
                    format!(
                        "{} {}",
                        worklog_model::kind_label(k, model.language),
                        m.number(*n)
                    )
                })
                .collect();
            vec![
                Cell::Text(device.device_id.clone()),
                Cell::Text(device.department.clone()),
                Cell::Text(
                    m.get(if device.in_inventory { "yes" } else { "no" })
                        .to_owned(),
                ),
                Cell::Number(device.events),
                Cell::Time(at(device.first_ts)),
                Cell::Time(at(device.last_ts)),
                Cell::Number(device.gaps),
                Cell::Text(kinds.join(sep)),
                Cell::Text(crate::words::late_deliveries_text(device, m, &local)),
                Cell::Time(at(device.integrity.as_ref().and_then(|i| i.newest_event))),
            ]
        },
    )
}

/// 漏洩兆候.
pub(super) fn leak_sheet(cx: &Context<'_, '_>, workbook: &mut Workbook) -> Result<(), XlsxError> {
    let model = cx.model;
    let leak: Vec<&Finding> = model.leak_findings().collect();
    let headers = [
        "device",
        "user",
        "department",
        "local_time",
        "seq",
        "signal",
        "what_happened",
        "evidence",
    ];
    table_sheets(cx, workbook, cx.m.get("sheet_leak"), &headers, &leak, |f| {
        vec![
            Cell::Text(f.device_id.clone()),
            Cell::Text(f.user_name.clone()),
            Cell::Text(f.department.clone()),
            Cell::Time(f.local_time),
            f.seq.map_or(Cell::Text(String::new()), Cell::Number),
            Cell::Text(model.rule_texts(&f.rule_id).0),
            Cell::Text(model.detail(f)),
            Cell::Text(model.evidence(f)),
        ]
    })
}

/// 例外: waived findings with the waiver, blanket waivers said so.
pub(super) fn waived_sheet(cx: &Context<'_, '_>, workbook: &mut Workbook) -> Result<(), XlsxError> {
    let (model, m) = (cx.model, &cx.m);
    let waived: Vec<&Finding> = model.analysis.waived.iter().collect();
    let headers = [
        "device",
        "user",
        "local_time",
        "seq",
        "rule",
        "what_happened",
        "waiver_line",
        "waiver_scope",
        "waiver_reason",
        "approver",
        "expires",
    ];
    table_sheets(
        cx,
        workbook,
        m.get("sheet_waived"),
        &headers,
        &waived,
        |f| {
            let w = f.waived_by.as_ref();
            vec![
                Cell::Text(f.device_id.clone()),
                Cell::Text(f.user_name.clone()),
                Cell::Time(f.local_time),
                f.seq.map_or(Cell::Text(String::new()), Cell::Number),
                Cell::Text(model.rule_texts(&f.rule_id).0),
                Cell::Text(model.detail(f)),
                w.map_or(Cell::Text(String::new()), |w| Cell::Number(w.line as u64)),
                Cell::Text(
                    m.get(if w.is_some_and(|w| w.all_devices) {
                        "waiver_all_devices"
                    } else {
                        "waiver_named_device"
                    })
                    .to_owned(),
                ),
                Cell::Text(w.map(|w| w.reason.clone()).unwrap_or_default()),
                Cell::Text(w.map(|w| w.approver.clone()).unwrap_or_default()),
                Cell::Text(w.map(|w| w.expires.clone()).unwrap_or_default()),
            ]
        },
    )
}

/// ルール: each rule once, with its remediation (not repeated per finding).
pub(super) fn rules_sheet(cx: &Context<'_, '_>, workbook: &mut Workbook) -> Result<(), XlsxError> {
    let (model, m) = (cx.model, &cx.m);
    let headers = [
        "rule_id",
        "rule",
        "items",
        "severity",
        "findings",
        "remediation",
    ];
    table_sheets(
        cx,
        workbook,
        m.get("sheet_rules"),
        &headers,
        &model.analysis.rules,
        |r| {
            let (title, remediation) = model.rule_texts(&r.id);
            vec![
                Cell::Text(r.id.clone()),
                Cell::Text(title),
                Cell::Text(r.items.join(worklog_model::list_separator(model.language))),
                Cell::Text(severity_text(cx, r.severity)),
                Cell::Number(r.findings),
                Cell::Text(remediation),
            ]
        },
    )
}

/// Inputs that could not be processed (only when there are some).
pub(super) fn problems_sheet(
    cx: &Context<'_, '_>,
    workbook: &mut Workbook,
) -> Result<(), XlsxError> {
    let a = cx.model.analysis;
    if a.problems.is_empty() {
        return Ok(());
    }
    let headers = ["source", "file", "line", "reason"];
    table_sheets(
        cx,
        workbook,
        cx.m.get("sheet_problems"),
        &headers,
        &a.problems,
        |p| {
            vec![
                Cell::Text(p.source.as_str().to_owned()),
                Cell::Text(p.file.clone()),
                p.line
                    .map_or(Cell::Text(String::new()), |l| Cell::Number(l as u64)),
                Cell::Text(p.reason.clone()),
            ]
        },
    )
}

/// 前回比較 (per item) and 前回比較(端末) (per item × device that changed
/// or still has findings), when the last audit was given.
pub(super) fn comparison_sheets(
    cx: &Context<'_, '_>,
    workbook: &mut Workbook,
) -> Result<(), XlsxError> {
    let (model, m) = (cx.model, &cx.m);
    let Some(comparison) = &model.comparison else {
        return Ok(());
    };
    let verdict =
        |v: Option<Verdict>| v.map_or(Cell::Text(m.get("not_in_audit").to_owned()), Cell::Verdict);
    let headers = [
        "item",
        "previous_verdict",
        "current_verdict",
        "new_devices",
        "still_open_devices",
        "fixed_devices",
        "verdict_changed_devices",
    ];
    table_sheets(
        cx,
        workbook,
        m.get("sheet_compare"),
        &headers,
        &comparison.items,
        |i| {
            vec![
                Cell::Text(i.item.clone()),
                verdict(i.previous),
                verdict(i.current),
                Cell::Number(i.new),
                Cell::Number(i.still_open),
                Cell::Number(i.fixed),
                Cell::Number(i.verdict_changed),
            ]
        },
    )?;
    let headers = [
        "item",
        "device",
        "department",
        "change",
        "previous_verdict",
        "current_verdict",
        "previous_findings",
        "current_findings",
        "new_rules",
        "fixed_rules",
    ];
    let titles = |rules: &[String]| {
        rules
            .iter()
            .map(|r| model.rule_texts(r).0)
            .collect::<Vec<_>>()
            .join(worklog_model::list_separator(model.language))
    };
    table_sheets(
        cx,
        workbook,
        m.get("sheet_compare_devices"),
        &headers,
        &comparison.devices,
        |d| {
            vec![
                Cell::Text(d.item.clone()),
                Cell::Text(d.device_id.clone()),
                Cell::Text(d.department.clone()),
                Cell::Text(m.get(d.change.key()).to_owned()),
                verdict(d.previous),
                verdict(d.current),
                Cell::Number(d.previous_findings),
                Cell::Number(d.current_findings),
                Cell::Text(titles(&d.new_rules)),
                Cell::Text(titles(&d.fixed_rules)),
            ]
        },
    )
}
