//! The Excel workbook compliance officers open and keep.
//!
//! Every cell of log data is written as a string (never a formula) after
//! [`clean_cell`]; sheets of findings are written in constant-memory mode
//! and continue on another sheet before Excel's row limit.

use std::path::Path;

use rust_xlsxwriter::{
    Chart, ChartType, Color, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};
use worklog_model::{Finding, Verdict};

use crate::error::{Error, Result};
use crate::messages::Messages;
use crate::model::{ReportModel, evidence_text, log_check_texts};
use crate::text::clean_cell;

/// Rows Excel allows on a sheet (header included).
pub const EXCEL_MAX_ROWS: u32 = 1_048_576;

/// Options of the Excel renderer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExcelOptions {
    /// Data rows per findings sheet before it continues on another sheet
    /// (default: Excel's limit less the header row).
    pub max_rows_per_sheet: u32,
}

impl Default for ExcelOptions {
    fn default() -> Self {
        ExcelOptions {
            max_rows_per_sheet: EXCEL_MAX_ROWS - 1,
        }
    }
}

struct Styles {
    title: Format,
    header: Format,
    label: Format,
    wrap: Format,
    link: Format,
    verdicts: Vec<(Verdict, Format)>,
}

impl Styles {
    fn new() -> Styles {
        let verdict = |hex: u32| {
            Format::new()
                .set_background_color(Color::RGB(hex))
                .set_border(FormatBorder::Thin)
                .set_align(FormatAlign::Center)
                .set_bold()
        };
        Styles {
            title: Format::new().set_bold().set_font_size(16),
            header: Format::new()
                .set_bold()
                .set_background_color(Color::RGB(0x1F_3864))
                .set_font_color(Color::White)
                .set_border(FormatBorder::Thin)
                .set_text_wrap(),
            label: Format::new().set_bold(),
            wrap: Format::new().set_text_wrap().set_align(FormatAlign::Top),
            link: Format::new()
                .set_font_color(Color::RGB(0x00_05_63_C1))
                .set_underline(rust_xlsxwriter::FormatUnderline::Single),
            verdicts: vec![
                (Verdict::Fail, verdict(0xF8_CBAD)),
                (Verdict::InsufficientEvidence, verdict(0xFF_E699)),
                (Verdict::NeedsReview, verdict(0xBD_D7EE)),
                (Verdict::Pass, verdict(0xC6_EFCE)),
                (Verdict::NotApplicable, verdict(0xD9_D9D9)),
            ],
        }
    }

    fn verdict(&self, verdict: Verdict) -> &Format {
        self.verdicts
            .iter()
            .find(|(v, _)| *v == verdict)
            .map_or(&self.label, |(_, f)| f)
    }
}

/// Writes the workbook to `path`.
pub fn write_excel(model: &ReportModel<'_>, path: &Path, options: ExcelOptions) -> Result<()> {
    let mut workbook = Workbook::new();
    // The creation time is the report's generation time, so that the same
    // input and generation give the same bytes.
    let created = model.generation.generated_at.trim_end_matches('Z');
    let mut properties = rust_xlsxwriter::DocProperties::new()
        .set_title(Messages::new(model.language).get("title"))
        .set_author(format!("worklog {}", model.generation.tool_version));
    if let Ok(at) = rust_xlsxwriter::ExcelDateTime::parse_from_str(created) {
        properties = properties.set_creation_datetime(&at);
    }
    workbook.set_properties(&properties);
    build(model, &mut workbook, options).map_err(|e| xlsx(path, e))?;
    workbook.save(path).map_err(|e| xlsx(path, e))
}

fn xlsx(path: &Path, e: XlsxError) -> Error {
    Error::Excel {
        path: path.to_owned(),
        detail: e.to_string(),
    }
}

/// Sheet names of each item's findings (the first sheet; continuations
/// add ` (続き2)`, …). A parent item shares its first sub-item's sheet.
pub fn item_sheet_name(number: &str) -> String {
    sheet_safe(number)
}

fn sheet_safe(name: &str) -> String {
    name.chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .take(31)
        .collect()
}

fn build(
    model: &ReportModel<'_>,
    workbook: &mut Workbook,
    options: ExcelOptions,
) -> Result<(), XlsxError> {
    let m = Messages::new(model.language);
    let styles = Styles::new();
    let a = model.analysis;
    let leaf_items: Vec<&str> = a
        .items
        .iter()
        .filter(|i| {
            !a.items
                .iter()
                .any(|c| c.parent.as_deref() == Some(&i.number))
        })
        .map(|i| i.number.as_str())
        .collect();

    // 概要 / Summary
    let summary = workbook.add_worksheet();
    summary.set_name(m.get("sheet_summary"))?;
    summary.set_column_width(0, 22)?;
    summary.set_column_width(1, 12)?;
    summary.set_column_width(2, 70)?;
    summary.set_column_width(3, 14)?;
    summary.set_column_width(4, 40)?;
    summary.set_column_width(5, 10)?;
    summary.set_column_width(6, 10)?;
    summary.set_column_width(7, 14)?;
    summary.write_string_with_format(0, 0, m.get("title"), &styles.title)?;
    summary.write_string(1, 0, m.get("subtitle"))?;
    let period = format!(
        "{} – {}",
        m.date(a.period.first_day),
        m.date(a.period.last_day)
    );
    let facts: Vec<(&str, String)> = vec![
        ("organisation", clean_cell(&a.organisation)),
        ("period", period),
        ("time_zone", a.period.time_zone.clone()),
        ("generated_at", model.generation.generated_at.clone()),
        ("tool_version", model.generation.tool_version.clone()),
        ("edition", a.manifest.edition.clone()),
        ("overall_status", m.get(model.overall).to_owned()),
        ("events", m.number(a.events)),
        ("devices", m.number(a.devices.len() as u64)),
    ];
    let mut row = 3;
    for (key, value) in &facts {
        summary.write_string_with_format(row, 0, m.get(key), &styles.label)?;
        summary.write_string(row, 1, value)?;
        row += 1;
    }
    row += 1;
    summary.write_string_with_format(row, 0, m.get("verdict_basis_title"), &styles.label)?;
    summary.merge_range(row, 1, row, 7, m.get("verdict_basis"), &styles.wrap)?;
    summary.set_row_height(row, 90)?;
    row += 2;
    summary.write_string_with_format(row, 0, m.get("items"), &styles.title)?;
    row += 1;
    for (col, key) in [
        "item",
        "level",
        "question",
        "verdict",
        "verdict_counts",
        "findings",
        "waived",
        "details",
    ]
    .iter()
    .enumerate()
    {
        summary.write_string_with_format(row, col as u16, m.get(key), &styles.header)?;
    }
    for item in &model.item_rows {
        row += 1;
        summary.write_string(row, 0, &item.number)?;
        summary.write_string(row, 1, &item.level)?;
        summary.write_string_with_format(row, 2, &item.question, &styles.wrap)?;
        summary.write_string_with_format(
            row,
            3,
            &item.verdict_label,
            styles.verdict(item.verdict),
        )?;
        let counts: Vec<String> = item
            .counts
            .iter()
            .map(|(v, n)| format!("{v} {n}"))
            .collect();
        summary.write_string(row, 4, counts.join(", "))?;
        summary.write_number(row, 5, item.findings as f64)?;
        summary.write_number(row, 6, item.waived as f64)?;
        let target = if leaf_items.contains(&item.number.as_str()) {
            Some(item.number.clone())
        } else {
            a.items
                .iter()
                .find(|c| c.parent.as_deref() == Some(&item.number))
                .map(|c| c.number.clone())
        };
        if let Some(target) = target {
            let url =
                rust_xlsxwriter::Url::new(format!("internal:'{}'!A1", item_sheet_name(&target)))
                    .set_text(m.get("see_sheet"));
            summary.write_url_with_format(row, 7, url, &styles.link)?;
        }
    }
    row += 2;
    summary.write_string_with_format(row, 0, m.get("manifest"), &styles.title)?;
    let manifest: Vec<(&str, String)> = vec![
        ("rule_pack_sha256", a.manifest.rule_pack_sha256.clone()),
        ("policy_sha256", a.manifest.policy_sha256.clone()),
        ("events_sha256", a.manifest.events_sha256.clone()),
        (
            "segment_files",
            m.number(a.manifest.event_files.len() as u64),
        ),
        ("segment_verification", m.verification_depths(&a.manifest)),
    ];
    for (key, value) in manifest {
        row += 1;
        summary.write_string_with_format(row, 0, m.get(key), &styles.label)?;
        summary.write_string(row, 1, value)?;
    }
    for (name, value) in &a.manifest.parameters {
        row += 1;
        summary.write_string(row, 0, format!("{}: {name}", m.get("parameters")))?;
        summary.write_string(row, 1, clean_cell(value))?;
    }

    // One sheet per leaf item.
    let finding_headers = [
        "device",
        "user",
        "department",
        "local_time",
        "what_happened",
        "rule",
        "evidence",
        "remediation",
    ];
    for item in &leaf_items {
        let findings: Vec<&Finding> = model.item_findings(item).collect();
        findings_sheets(
            workbook,
            &m,
            &styles,
            &item_sheet_name(item),
            &finding_headers,
            &findings,
            options,
            |f| {
                let (title, remediation) = model.rule_texts(&f.rule_id);
                vec![
                    f.device_id.clone(),
                    f.user_name.clone(),
                    f.department.clone(),
                    f.local_time.clone(),
                    f.detail.clone(),
                    title,
                    evidence_text(f),
                    remediation,
                ]
            },
        )?;
    }

    // 端末別 / Devices: device × item matrix.
    let matrix = workbook.add_worksheet();
    matrix.set_name(m.get("sheet_devices"))?;
    matrix.write_string_with_format(0, 0, m.get("device"), &styles.header)?;
    matrix.write_string_with_format(0, 1, m.get("department"), &styles.header)?;
    matrix.set_column_width(0, 12)?;
    matrix.set_column_width(1, 16)?;
    for (i, item) in a.items.iter().enumerate() {
        matrix.write_string_with_format(0, 2 + i as u16, &item.number, &styles.header)?;
        matrix.set_column_width(2 + i as u16, 12)?;
    }
    for (r, device) in a.devices.iter().enumerate() {
        let r = 1 + r as u32;
        matrix.write_string(r, 0, clean_cell(&device.device_id))?;
        matrix.write_string(r, 1, clean_cell(&device.department))?;
        for (i, item) in a.items.iter().enumerate() {
            if let Some(v) = a
                .verdicts
                .iter()
                .find(|v| v.item == item.number && v.device_id == device.device_id)
            {
                matrix.write_string_with_format(
                    r,
                    2 + i as u16,
                    v.verdict.name(model.language),
                    styles.verdict(v.verdict),
                )?;
            }
        }
    }
    matrix.set_freeze_panes(1, 2)?;

    // 完全性 / Integrity.
    let integrity = workbook.add_worksheet();
    integrity.set_name(m.get("sheet_integrity"))?;
    let heads = [
        "device",
        "segments_verified",
        "rows_verified",
        "anchors_matched",
        "anomalies",
    ];
    for (c, key) in heads.iter().enumerate() {
        integrity.write_string_with_format(0, c as u16, m.get(key), &styles.header)?;
        integrity.set_column_width(c as u16, if c == 4 { 100 } else { 16 })?;
    }
    let mut r = 0;
    for device in &a.devices {
        r += 1;
        integrity.write_string(r, 0, clean_cell(&device.device_id))?;
        match &device.integrity {
            None => {
                integrity.write_string(r, 4, m.get("not_verified"))?;
            }
            Some(i) => {
                integrity.write_number(r, 1, i.segments_verified as f64)?;
                integrity.write_number(r, 2, i.rows_verified as f64)?;
                integrity.write_number(r, 3, i.anchors_matched as f64)?;
                if i.anomalies.is_empty() {
                    integrity.write_string(r, 4, m.get("no_anomalies"))?;
                }
                for (k, anomaly) in i.anomalies.iter().enumerate() {
                    if k > 0 {
                        r += 1;
                        integrity.write_string(r, 0, clean_cell(&device.device_id))?;
                    }
                    integrity.write_string(r, 4, clean_cell(anomaly))?;
                }
            }
        }
    }
    integrity.set_freeze_panes(1, 0)?;

    // 証跡 / Log management.
    let log = workbook.add_worksheet();
    log.set_name(m.get("sheet_log"))?;
    for (c, key) in ["requirement", "status", "details", "devices"]
        .iter()
        .enumerate()
    {
        log.write_string_with_format(0, c as u16, m.get(key), &styles.header)?;
    }
    log.set_column_width(0, 24)?;
    log.set_column_width(1, 12)?;
    log.set_column_width(2, 80)?;
    log.set_column_width(3, 40)?;
    let mut r = 0;
    for check in &a.log_checks {
        r += 1;
        let (name, status, detail) = log_check_texts(check, model.language);
        log.write_string(r, 0, name)?;
        log.write_string(r, 1, m.get(status))?;
        log.write_string_with_format(r, 2, detail, &styles.wrap)?;
        log.write_string(r, 3, clean_cell(&check.devices.join(", ")))?;
    }
    r += 2;
    let coverage = [
        "device",
        "department",
        "in_inventory",
        "events",
        "first_event",
        "last_event",
        "gaps",
        "kinds",
    ];
    for (c, key) in coverage.iter().enumerate() {
        log.write_string_with_format(r, c as u16, m.get(key), &styles.header)?;
    }
    for device in &a.devices {
        r += 1;
        let at = |t: Option<i64>| t.map(|t| a.period.local_time(t)).unwrap_or_default();
        let kinds: Vec<String> = device
            .kinds
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        log.write_string(r, 0, clean_cell(&device.device_id))?;
        log.write_string(r, 1, clean_cell(&device.department))?;
        log.write_string(r, 2, m.get(if device.in_inventory { "yes" } else { "no" }))?;
        log.write_number(r, 3, device.events as f64)?;
        log.write_string(r, 4, at(device.first_ts))?;
        log.write_string(r, 5, at(device.last_ts))?;
        log.write_number(r, 6, device.gaps as f64)?;
        log.write_string(r, 7, kinds.join(", "))?;
    }
    r += 2;
    for (c, key) in ["device", "local_time", "what_happened", "rule", "evidence"]
        .iter()
        .enumerate()
    {
        log.write_string_with_format(r, c as u16, m.get(key), &styles.header)?;
    }
    for f in model.log_findings() {
        r += 1;
        log.write_string(r, 0, clean_cell(&f.device_id))?;
        log.write_string(r, 1, &f.local_time)?;
        log.write_string(r, 2, clean_cell(&f.detail))?;
        log.write_string(r, 3, model.rule_texts(&f.rule_id).0)?;
        log.write_string(r, 4, clean_cell(&evidence_text(f)))?;
    }

    // 漏洩兆候 / Leak signals.
    let leak: Vec<&Finding> = model.leak_findings().collect();
    let leak_headers = [
        "device",
        "user",
        "department",
        "local_time",
        "signal",
        "what_happened",
        "evidence",
        "remediation",
    ];
    findings_sheets(
        workbook,
        &m,
        &styles,
        m.get("sheet_leak"),
        &leak_headers,
        &leak,
        options,
        |f| {
            let (title, remediation) = model.rule_texts(&f.rule_id);
            vec![
                f.device_id.clone(),
                f.user_name.clone(),
                f.department.clone(),
                f.local_time.clone(),
                title,
                f.detail.clone(),
                evidence_text(f),
                remediation,
            ]
        },
    )?;

    // 例外 / Waived findings.
    let waived: Vec<&Finding> = a.waived.iter().collect();
    let waived_headers = [
        "device",
        "user",
        "local_time",
        "rule",
        "what_happened",
        "waiver_reason",
        "approver",
        "expires",
    ];
    findings_sheets(
        workbook,
        &m,
        &styles,
        m.get("sheet_waived"),
        &waived_headers,
        &waived,
        options,
        |f| {
            let w = f.waived_by.clone();
            vec![
                f.device_id.clone(),
                f.user_name.clone(),
                f.local_time.clone(),
                model.rule_texts(&f.rule_id).0,
                f.detail.clone(),
                w.as_ref().map(|w| w.reason.clone()).unwrap_or_default(),
                w.as_ref().map(|w| w.approver.clone()).unwrap_or_default(),
                w.map(|w| w.expires).unwrap_or_default(),
            ]
        },
    )?;

    // 週次推移 / Weekly: the table and its chart.
    let weekly = workbook.add_worksheet();
    let weekly_name = m.get("sheet_weekly").to_owned();
    weekly.set_name(&weekly_name)?;
    weekly.write_string_with_format(0, 0, m.get("week"), &styles.header)?;
    weekly.set_column_width(0, 14)?;
    for (i, item) in model.weekly.items.iter().enumerate() {
        weekly.write_string_with_format(0, 1 + i as u16, item, &styles.header)?;
    }
    for (w, week) in model.weekly.weeks.iter().enumerate() {
        weekly.write_string(1 + w as u32, 0, week)?;
        for (i, counts) in model.weekly.counts.iter().enumerate() {
            weekly.write_number(
                1 + w as u32,
                1 + i as u16,
                counts.get(w).copied().unwrap_or(0) as f64,
            )?;
        }
    }
    if !model.weekly.items.is_empty() && !model.weekly.weeks.is_empty() {
        let last = model.weekly.weeks.len() as u32;
        let mut chart = Chart::new(ChartType::Column);
        chart.title().set_name(m.get("chart_title"));
        for i in 0..model.weekly.items.len() {
            let col = 1 + i as u16;
            chart
                .add_series()
                .set_name((weekly_name.as_str(), 0, col))
                .set_categories((weekly_name.as_str(), 1, 0, last, 0))
                .set_values((weekly_name.as_str(), 1, col, last, col));
        }
        weekly.insert_chart(1, model.weekly.items.len() as u16 + 2, &chart)?;
    }

    // Inputs that could not be processed.
    if !a.problems.is_empty() {
        let problems = workbook.add_worksheet();
        problems.set_name(m.get("sheet_problems"))?;
        for (c, key) in ["source", "file", "line", "reason"].iter().enumerate() {
            problems.write_string_with_format(0, c as u16, m.get(key), &styles.header)?;
        }
        problems.set_column_width(1, 60)?;
        problems.set_column_width(3, 100)?;
        for (i, p) in a.problems.iter().enumerate() {
            let r = 1 + i as u32;
            problems.write_string(r, 0, &p.source)?;
            problems.write_string(r, 1, clean_cell(&p.file))?;
            if let Some(line) = p.line {
                problems.write_number(r, 2, line as f64)?;
            }
            problems.write_string(r, 3, clean_cell(&p.reason))?;
        }
    }
    Ok(())
}

/// Writes findings on one sheet, continuing on `name (続き2)`, … when a
/// sheet is full. Constant memory: rows go out as they are written.
#[allow(clippy::too_many_arguments)]
fn findings_sheets(
    workbook: &mut Workbook,
    m: &Messages,
    styles: &Styles,
    name: &str,
    headers: &[&str],
    findings: &[&Finding],
    options: ExcelOptions,
    row_of: impl Fn(&Finding) -> Vec<String>,
) -> Result<(), XlsxError> {
    let per_sheet = options.max_rows_per_sheet.max(1) as usize;
    let widths = column_widths(headers, findings.iter().take(2_000).map(|f| row_of(f)), m);
    let chunks: Vec<&[&Finding]> = if findings.is_empty() {
        vec![&[]]
    } else {
        findings.chunks(per_sheet).collect()
    };
    for (part, chunk) in chunks.iter().enumerate() {
        let sheet: &mut Worksheet = workbook.add_worksheet_with_constant_memory()?;
        let sheet_name = if part == 0 {
            sheet_safe(name)
        } else {
            sheet_safe(&format!("{name} ({}{})", m.get("continued"), part + 1))
        };
        sheet.set_name(sheet_name)?;
        for (c, width) in widths.iter().enumerate() {
            sheet.set_column_width(c as u16, *width)?;
        }
        for (c, key) in headers.iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, m.get(key), &styles.header)?;
        }
        for (r, finding) in chunk.iter().enumerate() {
            for (c, value) in row_of(finding).iter().enumerate() {
                sheet.write_string((r + 1) as u32, c as u16, clean_cell(value))?;
            }
        }
        sheet.set_freeze_panes(1, 0)?;
        sheet.autofilter(
            0,
            0,
            chunk.len() as u32,
            headers.len().saturating_sub(1) as u16,
        )?;
    }
    Ok(())
}

/// Column widths that fit the header and a sample of values, counting
/// East Asian wide characters as two columns.
fn column_widths(
    headers: &[&str],
    rows: impl Iterator<Item = Vec<String>>,
    m: &Messages,
) -> Vec<f64> {
    let width = |s: &str| -> usize {
        s.chars()
            .map(|c| if (c as u32) >= 0x1100 { 2 } else { 1 })
            .sum()
    };
    let mut widths: Vec<usize> = headers.iter().map(|h| width(m.get(h)) + 2).collect();
    for row in rows {
        for (c, value) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(c) {
                *w = (*w).max(width(value) + 2);
            }
        }
    }
    widths.into_iter().map(|w| w.clamp(8, 80) as f64).collect()
}
