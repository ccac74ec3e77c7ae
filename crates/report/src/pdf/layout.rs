//! Lays text out on A4 pages: paragraphs wrapped to the measured width,
//! labelled rows, tables whose header repeats on every page, headings
//! kept with what follows. The result is a list of drawing operations per
//! page; nothing is drawn outside the text area, and a line goes to the
//! next page rather than past the bottom margin.

use super::font::PdfFont;
use crate::text::visible;

/// A4 portrait, in points.
pub(crate) const PAGE_WIDTH: f32 = 595.28;
/// A4 portrait, in points.
pub(crate) const PAGE_HEIGHT: f32 = 841.89;
/// Left and right margins.
pub(crate) const MARGIN_X: f32 = 48.0;
/// Where the text area starts (below the running header).
pub(crate) const TOP: f32 = 64.0;
/// Where the text area ends (above the footer).
pub(crate) const BOTTOM: f32 = PAGE_HEIGHT - 56.0;
/// Body text size; nothing is smaller than [`SMALL`].
pub(crate) const BODY: f32 = 9.5;
/// Table text size.
pub(crate) const SMALL: f32 = 8.0;
/// Line height as a multiple of the text size.
const LEADING: f32 = 1.45;
/// Lines a cell shows at most; a longer value is cut with a mark (the
/// workbook and the CSV hold it whole).
const MAX_CELL_LINES: usize = 12;

/// An RGB colour.
pub(crate) type Rgb = (u8, u8, u8);
/// Body text.
pub(crate) const INK: Rgb = (26, 32, 44);
/// Secondary text.
pub(crate) const MUTED: Rgb = (90, 100, 115);

/// One drawing operation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Op {
    /// Text with its baseline starting at `(x, y)` (y down from the top).
    Text {
        x: f32,
        y: f32,
        size: f32,
        color: Rgb,
        text: String,
    },
    /// A filled rectangle, top-left at `(x, y)`.
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Rgb,
    },
}

/// A table column: its header and its share of the text width.
pub(crate) struct Column<'a> {
    pub header: &'a str,
    pub share: f32,
}

/// The pages being laid out.
pub(crate) struct Layout<'f> {
    font: &'f PdfFont,
    pages: Vec<Vec<Op>>,
    y: f32,
}

impl<'f> Layout<'f> {
    pub fn new(font: &'f PdfFont) -> Self {
        Layout {
            font,
            pages: vec![Vec::new()],
            y: TOP,
        }
    }

    /// The width text may take.
    pub fn text_width() -> f32 {
        PAGE_WIDTH - 2.0 * MARGIN_X
    }

    /// Starts a new page (unless the current one is still empty).
    pub fn new_page(&mut self) {
        if self.pages.last().is_some_and(|p| !p.is_empty()) {
            self.pages.push(Vec::new());
        }
        self.y = TOP;
    }

    /// Goes to a new page unless `height` points fit on this one.
    pub fn ensure(&mut self, height: f32) {
        if self.y + height > BOTTOM {
            self.new_page();
        }
    }

    /// Vertical space.
    pub fn gap(&mut self, points: f32) {
        self.y = (self.y + points).min(BOTTOM);
    }

    fn push(&mut self, op: Op) {
        if let Some(page) = self.pages.last_mut() {
            page.push(op);
        }
    }

    /// `text` broken into lines no wider than `width` at `size`: at line
    /// breaks in the text, then between words where there are spaces, else
    /// between any two characters (Japanese has no spaces). Control and
    /// invisible format characters are shown as symbols.
    pub fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<String> {
        let shown = visible(text).replace('\t', " ");
        let mut lines = Vec::new();
        for paragraph in shown.split('\n') {
            self.wrap_paragraph(paragraph, size, width, &mut lines);
        }
        lines
    }

    fn wrap_paragraph(&self, text: &str, size: f32, width: f32, lines: &mut Vec<String>) {
        let mut line = String::new();
        let mut line_width = 0.0;
        // The last place the line may break at: after a space.
        let mut last_space: Option<usize> = None;
        for c in text.chars() {
            let w = self.font.width(c.encode_utf8(&mut [0; 4]), size);
            if line_width + w > width && !line.is_empty() {
                // At the last space when that keeps most of the line (Latin
                // words stay whole); else here (Japanese breaks anywhere).
                let keeps_most = |at: usize| self.font.width(&line[..at], size) > 0.7 * width;
                let rest = match last_space {
                    Some(at) if at > 0 && keeps_most(at) => line.split_off(at),
                    _ => String::new(),
                };
                lines.push(line.trim_end().to_owned());
                line = rest.trim_start().to_owned();
                line_width = self.font.width(&line, size);
                last_space = None;
            }
            line.push(c);
            line_width += w;
            if c == ' ' {
                last_space = Some(line.len());
            }
        }
        lines.push(line.trim_end().to_owned());
    }

    /// Lines of text at `x`, `size`, `color`, each on the page it fits.
    fn lines_at(&mut self, lines: &[String], x: f32, size: f32, color: Rgb) {
        let height = size * LEADING;
        for line in lines {
            self.ensure(height);
            self.y += height;
            let baseline = self.y - size * 0.3;
            if !line.is_empty() {
                self.push(Op::Text {
                    x,
                    y: baseline,
                    size,
                    color,
                    text: line.clone(),
                });
            }
        }
    }

    /// A paragraph of wrapped text.
    pub fn paragraph(&mut self, text: &str, size: f32, color: Rgb) {
        let lines = self.wrap(text, size, Self::text_width());
        self.lines_at(&lines, MARGIN_X, size, color);
    }

    /// A heading, on the page where at least `keep` points of what
    /// follows fit too: a heading never ends a page.
    pub fn heading(&mut self, text: &str, size: f32, keep: f32) {
        let lines = self.wrap(text, size, Self::text_width());
        let height = lines.len() as f32 * size * LEADING;
        self.ensure(height + keep);
        self.gap(size * 0.4);
        self.lines_at(&lines, MARGIN_X, size, INK);
        self.gap(size * 0.2);
    }

    /// A coloured tag (a verdict) with its text, on a line of its own.
    pub fn tag(&mut self, text: &str, size: f32, fill: Rgb) {
        let width = self.font.width(text, size) + size;
        let height = size * 1.6;
        self.ensure(height + 2.0);
        self.push(Op::Rect {
            x: MARGIN_X,
            y: self.y + 1.0,
            w: width,
            h: height,
            fill,
        });
        self.push(Op::Text {
            x: MARGIN_X + size * 0.5,
            y: self.y + 1.0 + size * 1.15,
            size,
            color: INK,
            text: text.to_owned(),
        });
        self.y += height + 2.0;
    }

    /// A row: `label` in a column `label_width` wide, `text` wrapped beside
    /// it, line by line (a long text continues on the next page).
    pub fn labelled(&mut self, label: &str, text: &str, label_width: f32) {
        let size = BODY;
        let labels = self.wrap(label, size, label_width - 6.0);
        let lines = self.wrap(text, size, Self::text_width() - label_width);
        let height = size * LEADING;
        for i in 0..labels.len().max(lines.len()) {
            self.ensure(height);
            self.y += height;
            let baseline = self.y - size * 0.3;
            let pairs = [
                (labels.get(i), MARGIN_X, MUTED),
                (lines.get(i), MARGIN_X + label_width, INK),
            ];
            for (line, x, color) in pairs {
                if let Some(line) = line.filter(|l| !l.is_empty()) {
                    self.push(Op::Text {
                        x,
                        y: baseline,
                        size,
                        color,
                        text: line.clone(),
                    });
                }
            }
        }
        self.gap(size * 0.3);
    }

    /// A table: the header on every page it spans, each row's cells
    /// wrapped to their column, a row kept on one page.
    pub fn table(&mut self, columns: &[Column<'_>], rows: &[Vec<String>]) {
        let size = SMALL;
        let width = Self::text_width();
        let widths: Vec<f32> = columns.iter().map(|c| c.share * width).collect();
        let headers: Vec<Vec<String>> = columns
            .iter()
            .zip(&widths)
            .map(|(c, w)| self.wrap(c.header, size, w - 4.0))
            .collect();
        let header_height = row_height(&headers, size);
        self.ensure(header_height + size * LEADING * 2.0);
        self.table_header(&headers, &widths, header_height);
        for row in rows {
            let cells: Vec<Vec<String>> = row
                .iter()
                .zip(&widths)
                .map(|(text, w)| cut(self.wrap(text, size, w - 4.0)))
                .collect();
            let height = row_height(&cells, size);
            if self.y + height > BOTTOM {
                self.new_page();
                self.table_header(&headers, &widths, header_height);
            }
            self.cells(&cells, &widths, size, INK);
            self.y += height;
        }
        self.gap(size);
    }

    fn table_header(&mut self, headers: &[Vec<String>], widths: &[f32], height: f32) {
        self.push(Op::Rect {
            x: MARGIN_X,
            y: self.y,
            w: widths.iter().sum(),
            h: height,
            fill: (226, 232, 240),
        });
        self.cells(headers, widths, SMALL, INK);
        self.y += height;
    }

    /// Draws `cells` from the current line, left to right.
    fn cells(&mut self, cells: &[Vec<String>], widths: &[f32], size: f32, color: Rgb) {
        let mut x = MARGIN_X;
        for (lines, w) in cells.iter().zip(widths) {
            for (i, line) in lines.iter().enumerate() {
                if line.is_empty() {
                    continue;
                }
                self.push(Op::Text {
                    x: x + 2.0,
                    y: self.y + (i as f32 + 1.0) * size * LEADING - size * 0.3,
                    size,
                    color,
                    text: line.clone(),
                });
            }
            x += w;
        }
    }

    /// The pages laid out.
    pub fn finish(self) -> Vec<Vec<Op>> {
        self.pages
    }
}

/// The height of a row of wrapped cells, with a little padding.
fn row_height(cells: &[Vec<String>], size: f32) -> f32 {
    let lines = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
    lines as f32 * size * LEADING + 3.0
}

/// At most [`MAX_CELL_LINES`] lines, the last marked when some were cut.
fn cut(mut lines: Vec<String>) -> Vec<String> {
    if lines.len() > MAX_CELL_LINES {
        lines.truncate(MAX_CELL_LINES);
        if let Some(last) = lines.last_mut() {
            last.pop();
            last.push('…');
        }
    }
    lines
}
