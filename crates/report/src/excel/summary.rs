//! 概要 (one printed page: facts, the headline, the items, the sign-off
//! block), 週次推移 (devices with findings per week) and the
//! reproducibility manifest.

use rust_xlsxwriter::{Chart, ChartType, Workbook, Worksheet, XlsxError};
use worklog_model::Verdict;

use super::{Context, LINE_HEIGHT, item_sheet_name, text_lines};
use crate::text::clean_cell;

pub(super) fn summary_sheet(
    cx: &Context<'_, '_>,
    workbook: &mut Workbook,
) -> Result<(), XlsxError> {
    let m = &cx.m;
    let sheet = workbook.add_worksheet();
    sheet.set_name(m.get("sheet_summary"))?;
    cx.page_setup(sheet, None)?;
    // 概要 is the page an auditor signs: it prints on one page.
    sheet.set_print_fit_to_pages(1, 1);
    for (col, width) in SUMMARY_WIDTHS.into_iter().enumerate() {
        sheet.set_column_width(col as u16, width as f64)?;
    }
    sheet.write_string_with_format(0, 0, m.get("title"), &cx.styles.title)?;
    sheet.write_string(1, 0, m.get("subtitle"))?;
    let row = summary_facts(cx, sheet, 3)?;
    let row = summary_headline(cx, sheet, row + 1)?;
    let row = summary_items(cx, sheet, row + 1)?;
    let row = verdict_legend(cx, sheet, row + 2)?;
    sign_off(cx, sheet, row + 1)
}

/// The organisation, period, generation and counts; the next free row.
fn summary_facts(
    cx: &Context<'_, '_>,
    sheet: &mut Worksheet,
    mut row: u32,
) -> Result<u32, XlsxError> {
    let (model, m, styles) = (cx.model, &cx.m, &cx.styles);
    let a = model.analysis;
    for (key, value) in model.page_one_facts(m) {
        sheet.write_string_with_format(row, 0, m.get(key), &styles.label)?;
        sheet.write_string(row, 2, clean_cell(&value))?;
        row += 1;
    }
    for (key, n) in [("events", a.events), ("devices", a.devices.len() as u64)] {
        sheet.write_string_with_format(row, 0, m.get(key), &styles.label)?;
        sheet.write_number_with_format(row, 2, n as f64, &styles.count)?;
        row += 1;
    }
    Ok(row)
}

/// The overall state and what needs attention; the next free row.
fn summary_headline(
    cx: &Context<'_, '_>,
    sheet: &mut Worksheet,
    mut row: u32,
) -> Result<u32, XlsxError> {
    let (model, m, styles) = (cx.model, &cx.m, &cx.styles);
    let state = model.overall();
    sheet.write_string_with_format(row, 0, m.get("overall_status"), &styles.label)?;
    sheet.merge_range(
        row,
        2,
        row,
        5,
        m.get(state.message_key()),
        styles.state(state),
    )?;
    sheet.set_row_height(row, 24)?;
    row += 1;
    sheet.write_string_with_format(row, 0, m.get("attention"), &styles.label)?;
    if model.headline.attention.is_empty() {
        sheet.write_string(row, 2, m.get("none"))?;
        row += 1;
    }
    for point in &model.headline.attention {
        sheet.write_string(row, 2, format!("・{}", clean_cell(&point.text)))?;
        row += 1;
    }
    Ok(row)
}

/// Column widths of 概要 (characters).
const SUMMARY_WIDTHS: [usize; 12] = [8, 10, 58, 11, 8, 8, 8, 8, 8, 9, 8, 10];

/// The items table, each row linked to its sheet; the last row written.
fn summary_items(
    cx: &Context<'_, '_>,
    sheet: &mut Worksheet,
    mut row: u32,
) -> Result<u32, XlsxError> {
    let (model, m, styles) = (cx.model, &cx.m, &cx.styles);
    let a = model.analysis;
    let verdicts = Verdict::ALL;
    let mut heads: Vec<String> = ["item", "level", "question", "verdict"]
        .iter()
        .map(|k| m.get(k).to_owned())
        .collect();
    heads.extend(verdicts.iter().map(|v| v.name(model.language).to_owned()));
    heads.extend(
        ["findings", "waived", "details"]
            .iter()
            .map(|k| m.get(k).to_owned()),
    );
    let header_row = row;
    // A header wraps in its column, never cut ("Insufficie…"): the row is
    // as tall as its longest header's lines.
    let lines = heads
        .iter()
        .zip(SUMMARY_WIDTHS)
        .map(|(head, width)| text_lines(head, width as f64 - 1.0, 6))
        .max()
        .unwrap_or(1);
    sheet.set_row_height(row, LINE_HEIGHT * f64::from(lines))?;
    for (c, head) in heads.iter().enumerate() {
        sheet.write_string_with_format(row, c as u16, head, &styles.header)?;
    }
    let leaf = |number: &str| !a.items.iter().any(|c| c.parent.as_deref() == Some(number));
    for item in &model.item_rows {
        row += 1;
        // At the top of the row, beside the question's first line.
        sheet.write_string_with_format(row, 0, &item.number, &styles.wrap)?;
        sheet.write_string_with_format(row, 1, &item.level, &styles.wrap)?;
        sheet.write_string_with_format(row, 2, &item.question, &styles.wrap)?;
        // Neither Excel nor LibreOffice grows a row for wrapped text written
        // by a library: the height follows the question's printed lines.
        sheet.set_row_height(
            row,
            LINE_HEIGHT * f64::from(text_lines(&item.question, 56.0, 6)),
        )?;
        sheet.write_string_with_format(
            row,
            3,
            &item.verdict_label,
            styles.verdict(item.verdict),
        )?;
        for (i, verdict) in verdicts.iter().enumerate() {
            let n = item.device_counts.get(verdict).copied().unwrap_or(0);
            sheet.write_number_with_format(row, 4 + i as u16, n as f64, &styles.count)?;
        }
        sheet.write_number_with_format(row, 9, item.findings as f64, &styles.count)?;
        sheet.write_number_with_format(row, 10, item.waived as f64, &styles.count)?;
        if leaf(&item.number) {
            let url = rust_xlsxwriter::Url::new(format!(
                "internal:'{}'!A1",
                item_sheet_name(&item.number)
            ))
            .set_text(m.get("see_sheet"));
            sheet.write_url_with_format(row, 11, url, &styles.link)?;
        } else {
            // A parent has no sheet of its own: its sub-items' rows link
            // to theirs.
            let subs: Vec<&str> = a
                .items
                .iter()
                .filter(|c| c.parent.as_deref() == Some(&item.number))
                .map(|c| c.number.as_str())
                .collect();
            let sep = worklog_model::list_separator(model.language);
            sheet.write_string(
                row,
                11,
                m.fill("see_sub_items", &[("items", subs.join(sep))]),
            )?;
        }
    }
    sheet.autofilter(header_row, 0, row, 11)?;
    Ok(row)
}

/// The five verdicts and what each means; the next free row.
fn verdict_legend(
    cx: &Context<'_, '_>,
    sheet: &mut Worksheet,
    mut row: u32,
) -> Result<u32, XlsxError> {
    let (m, styles, language) = (&cx.m, &cx.styles, cx.model.language);
    sheet.write_string_with_format(row, 0, m.get("verdict_legend"), &styles.label)?;
    for verdict in Verdict::ALL {
        sheet.write_string_with_format(row, 3, verdict.name(language), styles.verdict(verdict))?;
        sheet.write_string(row, 4, verdict.meaning(language))?;
        row += 1;
    }
    Ok(row)
}

/// The sign-off block: who prepared, checked and approved the report.
fn sign_off(cx: &Context<'_, '_>, sheet: &mut Worksheet, mut row: u32) -> Result<(), XlsxError> {
    let (m, styles) = (&cx.m, &cx.styles);
    sheet.write_string_with_format(row, 0, m.get("sign_off"), &styles.label)?;
    row += 1;
    for (i, key) in ["prepared_by", "checked_by", "approved_by"]
        .iter()
        .enumerate()
    {
        let (first, last) = match i {
            0 => (2u16, 3u16),
            1 => (4, 7),
            _ => (8, 11),
        };
        sheet.merge_range(row, first, row, last, m.get(key), &styles.header)?;
        sheet.merge_range(row + 1, first, row + 1, last, "", &styles.sign)?;
        sheet.merge_range(
            row + 2,
            first,
            row + 2,
            last,
            m.get("sign_date"),
            &styles.sign,
        )?;
    }
    sheet.set_row_height(row + 1, 36)?;
    Ok(())
}

pub(super) fn weekly_sheet(cx: &Context<'_, '_>, workbook: &mut Workbook) -> Result<(), XlsxError> {
    let (model, m, styles) = (cx.model, &cx.m, &cx.styles);
    let weekly = workbook.add_worksheet();
    let name = m.get("sheet_weekly").to_owned();
    weekly.set_name(&name)?;
    cx.page_setup(weekly, Some(0))?;
    weekly.write_string_with_format(0, 0, m.get("week"), &styles.header)?;
    weekly.set_column_width(0, 14)?;
    for (i, item) in model.weekly.items.iter().enumerate() {
        weekly.write_string_with_format(0, 1 + i as u16, item, &styles.header)?;
    }
    for (w, week) in model.weekly.weeks.iter().enumerate() {
        match rust_xlsxwriter::ExcelDateTime::parse_from_str(week) {
            Ok(day) => weekly.write_datetime_with_format(
                1 + w as u32,
                0,
                &day,
                &super::base_format(cx.model.language).set_num_format(m.date_cell_format()),
            )?,
            Err(_) => weekly.write_string(1 + w as u32, 0, week)?,
        };
        for (i, counts) in model.weekly.counts.iter().enumerate() {
            let n = counts.get(w).copied().unwrap_or(0);
            weekly.write_number_with_format(1 + w as u32, 1 + i as u16, n as f64, &styles.count)?;
        }
    }
    let last = model.weekly.weeks.len() as u32;
    weekly.autofilter(0, 0, last, model.weekly.items.len() as u16)?;
    if !model.weekly.items.is_empty() && last > 0 {
        let mut chart = Chart::new(ChartType::Line);
        chart.title().set_name(m.get("chart_title"));
        for i in 0..model.weekly.items.len() {
            let col = 1 + i as u16;
            chart
                .add_series()
                .set_name((name.as_str(), 0, col))
                .set_categories((name.as_str(), 1, 0, last, 0))
                .set_values((name.as_str(), 1, col, last, col));
        }
        chart.y_axis().set_name(m.get("devices_with_findings"));
        // The weeks are dates: shown as dates, not as serial numbers.
        chart
            .x_axis()
            .set_date_axis(true)
            .set_num_format(m.date_cell_format());
        weekly.insert_chart(1, model.weekly.items.len() as u16 + 2, &chart)?;
    }
    Ok(())
}

pub(super) fn manifest_sheet(
    cx: &Context<'_, '_>,
    workbook: &mut Workbook,
) -> Result<(), XlsxError> {
    let (model, m) = (cx.model, &cx.m);
    let sheet = workbook.add_worksheet();
    sheet.set_name(m.get("sheet_manifest"))?;
    cx.page_setup(sheet, Some(0))?;
    sheet.set_column_width(0, 50)?;
    sheet.set_column_width(1, 80)?;
    cx.headers(sheet, 0, &["manifest_entry", "manifest_value"])?;
    let rows = model.manifest_rows(m);
    for (r, (name, value)) in rows.iter().enumerate() {
        // Wrapped in their columns: a long name never runs into its value.
        sheet.write_string_with_format(1 + r as u32, 0, name, &cx.styles.wrap)?;
        sheet.write_string_with_format(1 + r as u32, 1, clean_cell(value), &cx.styles.wrap)?;
    }
    sheet.autofilter(0, 0, rows.len() as u32, 1)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::text_lines;

    /// Issue 29's trial: the English summary cut "Insufficient evidence" to
    /// "Insufficie". Its header row is as tall as the words wrapped.
    #[test]
    fn headers_wrap_by_words() {
        assert_eq!(text_lines("Fail", 7.0, 6), 1);
        assert_eq!(text_lines("Needs review", 7.0, 6), 2);
        assert_eq!(text_lines("Insufficient evidence", 7.0, 6), 4);
        assert_eq!(text_lines("証跡不足", 7.0, 6), 2);
    }
}
