//! The Excel workbook compliance officers open, print and keep.
//!
//! Every cell of log data is written as a string (never a formula) after
//! [`clean_cell`]; times are real date cells in the organisation's time
//! zone; every table has an autofilter; every sheet prints on A4
//! landscape, fit to the page width, with its header row repeated and the
//! organisation, period and page number in the header and footer. Sheets
//! of findings are written in constant-memory mode and continue on another
//! sheet before Excel's row limit.

mod item_page;
mod sheets;
mod summary;

use std::path::Path;

use rust_xlsxwriter::{
    Color, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};
use worklog_model::{LocalTime, Verdict};

use crate::headline::Overall;

use crate::error::{Error, Result};
use crate::messages::Messages;
use crate::model::ReportModel;
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

/// Formats shared by every sheet.
pub(crate) struct Styles {
    pub title: Format,
    pub header: Format,
    pub label: Format,
    /// A label beside wrapped text: bold, wrapped, at the top.
    pub label_top: Format,
    pub wrap: Format,
    pub link: Format,
    pub count: Format,
    pub date_time: Format,
    pub sign: Format,
    pub verdicts: Vec<(Verdict, Format)>,
    pub states: Vec<(Overall, Format)>,
}

/// Points per line of 11-point text (游ゴシック needs 18): neither Excel
/// nor LibreOffice grows a row for wrapped text a library wrote, so rows
/// are given the height of their lines.
pub(crate) const LINE_HEIGHT: f64 = 18.0;

/// Lines `text` takes in a column `width` characters wide: its own line
/// breaks, then wrapped at spaces, a word longer than the column broken
/// (East Asian wide characters count two); at most `max`.
pub(crate) fn text_lines(text: &str, width: f64, max: u32) -> u32 {
    let width = (width.floor() as usize).max(1);
    let lines: usize = text
        .split('\n')
        .map(|paragraph| {
            let (mut lines, mut used) = (1usize, 0usize);
            for word in paragraph.split(' ') {
                let w = crate::text::display_width(word);
                if used > 0 && used + 1 + w <= width {
                    used += 1 + w;
                    continue;
                }
                lines += usize::from(used > 0);
                // The word starts a line; a longer one runs over whole lines.
                let over = w.saturating_sub(1) / width;
                lines += over;
                used = w - over * width;
            }
            lines
        })
        .sum();
    u32::try_from(lines).unwrap_or(u32::MAX).min(max)
}

/// The workbook's font: 游ゴシック (Yu Gothic, Office's Japanese default;
/// applications without it substitute their Japanese Gothic) for a
/// Japanese report, Calibri for an English one.
pub(crate) fn base_format(language: worklog_model::Language) -> Format {
    match language {
        worklog_model::Language::En => Format::new(),
        _ => Format::new()
            .set_font_name("游ゴシック")
            .set_font_size(11)
            .set_font_charset(128),
    }
}

impl Styles {
    fn new(language: worklog_model::Language) -> Styles {
        let base = base_format(language);
        let new = || base.clone();
        let filled = |hex: u32| {
            new()
                .set_background_color(Color::RGB(hex))
                .set_border(FormatBorder::Thin)
                .set_align(FormatAlign::Center)
                .set_bold()
        };
        Styles {
            title: new().set_bold().set_font_size(16),
            header: new()
                .set_bold()
                .set_background_color(Color::RGB(0x1F_3864))
                .set_font_color(Color::White)
                .set_border(FormatBorder::Thin)
                .set_text_wrap()
                .set_align(FormatAlign::Top),
            label: new().set_bold(),
            label_top: new().set_bold().set_text_wrap().set_align(FormatAlign::Top),
            wrap: new().set_text_wrap().set_align(FormatAlign::Top),
            link: new()
                .set_font_color(Color::RGB(0x00_05_63_C1))
                .set_underline(rust_xlsxwriter::FormatUnderline::Single),
            // Top-aligned like the wrapped text beside them.
            count: new().set_num_format("#,##0").set_align(FormatAlign::Top),
            date_time: new()
                .set_num_format(Messages::new(language).date_time_cell_format())
                .set_align(FormatAlign::Top),
            sign: new()
                .set_border(FormatBorder::Thin)
                .set_align(FormatAlign::Top),
            verdicts: Verdict::ALL
                .into_iter()
                .map(|v| (v, filled(crate::colors::verdict_fill(v))))
                .collect(),
            states: [
                Overall::Integrity,
                Overall::Fail,
                Overall::Insufficient,
                Overall::Review,
                Overall::Ok,
            ]
            .into_iter()
            .map(|s| (s, filled(crate::colors::state_fill(s)).set_font_size(14)))
            .collect(),
        }
    }

    pub fn verdict(&self, verdict: Verdict) -> &Format {
        self.verdicts
            .iter()
            .find(|(v, _)| *v == verdict)
            .map_or(&self.label, |(_, f)| f)
    }

    pub fn state(&self, state: Overall) -> &Format {
        self.states
            .iter()
            .find(|(s, _)| *s == state)
            .map_or(&self.label, |(_, f)| f)
    }
}

/// What every sheet's page setup and texts need.
pub(crate) struct Context<'m, 'a> {
    pub model: &'m ReportModel<'a>,
    pub m: Messages,
    pub styles: Styles,
    pub options: ExcelOptions,
    /// Header text (`&L…&C…&R…`, `&` of the data doubled).
    pub page_header: String,
}

impl Context<'_, '_> {
    /// A4 landscape, fit to the page width, header row repeated, header
    /// and footer with the organisation, period and page x/y.
    pub fn page_setup(
        &self,
        sheet: &mut Worksheet,
        header_row: Option<u32>,
    ) -> Result<(), XlsxError> {
        sheet.set_paper_size(9);
        sheet.set_landscape();
        sheet.set_print_fit_to_pages(1, 0);
        sheet.set_margins(0.4, 0.4, 0.6, 0.6, 0.3, 0.3);
        sheet.set_header(&self.page_header);
        sheet.set_footer(format!(
            "&C&P / &N&R{}",
            self.m.get("footer_generated").replace('&', "&&")
        ));
        if let Some(row) = header_row {
            sheet.set_repeat_rows(row, row)?;
        }
        Ok(())
    }

    /// Writes a local time as a date cell (the wall time; the column
    /// header names the zone); an empty cell when there is none.
    pub fn write_time(
        &self,
        sheet: &mut Worksheet,
        row: u32,
        col: u16,
        local: Option<LocalTime>,
    ) -> Result<(), XlsxError> {
        // Through the text form, as the cell has always been written, so
        // that the serial number is the same to the last bit.
        let wall = local.map(|t| t.wall_clock().format("%Y-%m-%d %H:%M:%S").to_string());
        match wall.and_then(|t| ExcelDateTime::parse_from_str(&t).ok()) {
            Some(t) => sheet.write_datetime_with_format(row, col, &t, &self.styles.date_time),
            None => sheet.write_string(row, col, ""),
        }
        .map(|_| ())
    }

    /// A header's text; a time column says its zone.
    pub fn header_text(&self, key: &str) -> String {
        match key {
            "local_time" | "first_seen" | "last_seen" | "first_event" | "last_event" => {
                self.m.fill(
                    "time_in_zone",
                    &[
                        ("label", self.m.get(key).to_owned()),
                        ("zone", self.model.analysis.period.time_zone.clone()),
                    ],
                )
            }
            _ => self.m.get(key).to_owned(),
        }
    }

    /// Writes a header row.
    pub fn headers(&self, sheet: &mut Worksheet, row: u32, keys: &[&str]) -> Result<(), XlsxError> {
        for (c, key) in keys.iter().enumerate() {
            sheet.write_string_with_format(
                row,
                c as u16,
                self.header_text(key),
                &self.styles.header,
            )?;
        }
        Ok(())
    }
}

/// Writes the workbook to `path`.
pub fn write_excel(model: &ReportModel<'_>, path: &Path, options: ExcelOptions) -> Result<()> {
    let mut workbook = Workbook::new();
    // The creation time is the report's generation time, so that the same
    // input and generation give the same bytes.
    let created = model.generation.generated_at.trim_end_matches('Z');
    let m = Messages::new(model.language);
    let mut properties = rust_xlsxwriter::DocProperties::new()
        .set_title(m.get("title"))
        .set_author(format!("worklog {}", model.generation.tool_version));
    if let Ok(at) = ExcelDateTime::parse_from_str(created) {
        properties = properties.set_creation_datetime(&at);
    }
    workbook.set_properties(&properties);
    if model.language != worklog_model::Language::En {
        // Before any sheet: every cell without a format of its own, and
        // the column widths, follow it.
        workbook
            .set_default_format(&base_format(model.language), 18, 72)
            .map_err(|e| xlsx(path, e))?;
    }
    let a = model.analysis;
    let page_header = format!(
        "&L{}&C{}&R{} {} – {}",
        clean_cell(&a.organisation).replace('&', "&&"),
        m.get("title").replace('&', "&&"),
        m.get("period"),
        m.date(a.period.first_day),
        m.date(a.period.last_day)
    );
    let context = Context {
        model,
        m,
        styles: Styles::new(model.language),
        options,
        page_header,
    };
    build(&context, &mut workbook).map_err(|e| xlsx(path, e))?;
    // Streamed into the file written aside (a workbook of a million
    // findings is not held in memory), renamed into place when whole.
    worklog_fs::write_atomic_by(path, |file| workbook.save_to_writer(file)).map_err(|e| match e {
        worklog_fs::WriteError::Writer(e) => xlsx(path, e),
        worklog_fs::WriteError::Io(source) => Error::Io {
            path: path.to_owned(),
            source,
        },
    })
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

pub(crate) fn sheet_safe(name: &str) -> String {
    name.chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .take(31)
        .collect()
}

fn build(cx: &Context<'_, '_>, workbook: &mut Workbook) -> Result<(), XlsxError> {
    summary::summary_sheet(cx, workbook)?;
    sheets::departments_sheet(cx, workbook)?;
    sheets::groups_sheet(cx, workbook)?;
    sheets::comparison_sheets(cx, workbook)?;
    sheets::item_sheets(cx, workbook)?;
    sheets::devices_sheets(cx, workbook)?;
    sheets::integrity_sheet(cx, workbook)?;
    sheets::log_sheets(cx, workbook)?;
    sheets::leak_sheet(cx, workbook)?;
    sheets::waived_sheet(cx, workbook)?;
    sheets::sources_sheet(cx, workbook)?;
    sheets::glossary_sheet(cx, workbook)?;
    sheets::rules_sheet(cx, workbook)?;
    summary::weekly_sheet(cx, workbook)?;
    summary::manifest_sheet(cx, workbook)?;
    sheets::problems_sheet(cx, workbook)?;
    Ok(())
}
