//! The top of an item sheet: the 設問's evidence page (question, proposed
//! answer and why, the control's evidence, deviations, what to do, the
//! rules), above the findings in detail. Long texts sit in cells merged
//! across the table's columns, rows tall enough for their wrapped lines.

use rust_xlsxwriter::{Worksheet, XlsxError};

use super::{Context, LINE_HEIGHT, text_lines};
use crate::item_page::ItemPage;
use crate::text::clean_cell;

/// Writes `page` from row 0 over the columns of `widths`; returns the row
/// the findings table's header goes on.
pub(super) fn write_item_page(
    cx: &Context<'_, '_>,
    sheet: &mut Worksheet,
    page: &ItemPage,
    widths: &[f64],
) -> Result<u32, XlsxError> {
    let m = &cx.m;
    let mut block = Block {
        cx,
        sheet,
        row: 0,
        label_width: widths.first().copied().unwrap_or(10.0),
        text_width: widths.iter().skip(1).sum::<f64>(),
        last_col: widths.len().saturating_sub(1).max(1) as u16,
    };
    let title = format!("{} {}({})", m.get("item"), page.number, page.level);
    block.sheet.set_row_height(0, 24)?;
    block
        .sheet
        .write_string_with_format(0, 0, &title, &cx.styles.title)?;
    block.row = 1;
    block.labelled("item_page_question", &page.question)?;
    let answer = page.answer.name(cx.model.language);
    block.sheet.write_string_with_format(
        block.row,
        0,
        m.get("item_page_answer"),
        &cx.styles.label,
    )?;
    block
        .sheet
        .write_string_with_format(block.row, 1, answer, cx.styles.verdict(page.answer))?;
    block.row += 1;
    block.labelled("item_page_reason", &page.reason)?;
    block.labelled("item_page_control", &page.control)?;
    if !page.control_missing.is_empty() {
        let lines: Vec<String> = page
            .control_missing
            .iter()
            .map(|(device, why)| format!("{device}: {why}"))
            .collect();
        block.labelled("item_page_control_missing_title", &lines.join("\n"))?;
    }
    let deviations: Vec<String> = page
        .deviations
        .iter()
        .map(|d| deviation_line(cx, d))
        .chain(page.more.clone())
        .collect();
    let deviations = if deviations.is_empty() {
        m.get("item_page_no_deviation").to_owned()
    } else {
        deviations.join("\n")
    };
    block.labelled("item_page_deviations", &deviations)?;
    if !page.remedies.is_empty() {
        let lines: Vec<String> = page
            .remedies
            .iter()
            .map(|(title, remedy)| format!("{title}: {remedy}"))
            .collect();
        block.labelled("item_page_remedies", &lines.join("\n"))?;
    }
    block.labelled("item_page_rules", &page.rules.join("\n"))?;
    let heading_row = block.row + 1;
    block.sheet.write_string_with_format(
        heading_row,
        0,
        m.get("item_page_details"),
        &cx.styles.label,
    )?;
    Ok(heading_row + 1)
}

/// One deviation group in a line: PC (department), rule, how many, when,
/// status.
fn deviation_line(cx: &Context<'_, '_>, d: &crate::item_page::Deviation) -> String {
    let m = &cx.m;
    let when = match (d.first, d.last) {
        (Some(first), Some(last)) if first != last => {
            format!("{} – {}", m.date_time(first), m.date_time(last))
        }
        (Some(first), _) => m.date_time(first),
        _ => String::new(),
    };
    let department = if d.department.is_empty() {
        String::new()
    } else {
        format!(" ({})", d.department)
    };
    format!(
        "{}{department} — {} × {}; {when}; {}",
        d.device,
        d.detected_by,
        m.number(d.count),
        d.status
    )
}

/// The rows being written, and the width the merged text cells have.
struct Block<'c, 'm, 'a, 's> {
    cx: &'c Context<'m, 'a>,
    sheet: &'s mut Worksheet,
    row: u32,
    /// Characters across the label column.
    label_width: f64,
    /// Characters across the merged text cells.
    text_width: f64,
    last_col: u16,
}

impl Block<'_, '_, '_, '_> {
    /// A row: the label in column 0, `text` merged across the others,
    /// wrapped, the row as tall as its lines.
    fn labelled(&mut self, label_key: &str, text: &str) -> Result<(), XlsxError> {
        let text = clean_cell(text);
        let label = self.cx.m.get(label_key);
        // A little narrower than the cells: merged cells have no margin
        // to spare.
        let lines = text_lines(&text, self.text_width * 0.95, u32::MAX).max(text_lines(
            label,
            self.label_width * 0.95,
            u32::MAX,
        ));
        self.sheet
            .set_row_height(self.row, f64::from(lines) * LINE_HEIGHT)?;
        self.sheet
            .write_string_with_format(self.row, 0, label, &self.cx.styles.label_top)?;
        self.sheet.merge_range(
            self.row,
            1,
            self.row,
            self.last_col,
            &text,
            &self.cx.styles.wrap,
        )?;
        self.row += 1;
        Ok(())
    }
}
