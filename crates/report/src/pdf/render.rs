//! Draws laid-out pages with krilla: each page's operations, the running
//! header (organisation, title, period) and the footer (page n / N).

use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::{DateTime, Metadata};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::surface::Surface;
use krilla::text::TextDirection;
use krilla::{Document, SerializeSettings};

use super::font::PdfFont;
use super::layout::{MARGIN_X, MUTED, Op, PAGE_HEIGHT, PAGE_WIDTH, Rgb};

/// What every page carries besides its content.
pub(crate) struct Frame {
    /// Top left: the organisation.
    pub left: String,
    /// Top right: the title and period.
    pub right: String,
    /// Bottom right: made by the tool.
    pub footer: String,
    /// The document's title (metadata).
    pub title: String,
    /// The report's language, `ja` or `en` (metadata).
    pub language: String,
    /// The generation time, UTC (metadata; the PDF carries no other time).
    pub created: Option<chrono::NaiveDateTime>,
}

/// The PDF of `pages`, or krilla's reason why not.
pub(crate) fn render(font: &PdfFont, pages: &[Vec<Op>], frame: &Frame) -> Result<Vec<u8>, String> {
    let mut document = Document::new_with(SerializeSettings::default());
    let mut metadata = Metadata::new()
        .title(frame.title.clone())
        .language(frame.language.clone())
        .creator("worklog".to_owned());
    if let Some(at) = frame.created {
        metadata = metadata.creation_date(date_time(at));
    }
    document.set_metadata(metadata);
    let total = pages.len();
    for (index, ops) in pages.iter().enumerate() {
        let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT)
            .ok_or_else(|| "A4 is not a valid page size".to_owned())?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        for op in ops {
            draw(&mut surface, font, op);
        }
        for op in frame_ops(font, frame, index + 1, total) {
            draw(&mut surface, font, &op);
        }
        surface.finish();
        page.finish();
    }
    document.finish().map_err(|e| format!("{e:?}"))
}

/// The running header and the footer of page `number` of `total`.
fn frame_ops(font: &PdfFont, frame: &Frame, number: usize, total: usize) -> Vec<Op> {
    let size = 7.5;
    let right_x = |text: &str| PAGE_WIDTH - MARGIN_X - font.width(text, size);
    let page = format!("{number} / {total}");
    let mut ops = vec![
        text(MARGIN_X, 36.0, size, &frame.left),
        text(right_x(&frame.right), 36.0, size, &frame.right),
        text(
            (PAGE_WIDTH - font.width(&page, size)) / 2.0,
            PAGE_HEIGHT - 28.0,
            size,
            &page,
        ),
        text(
            right_x(&frame.footer),
            PAGE_HEIGHT - 28.0,
            size,
            &frame.footer,
        ),
    ];
    ops.retain(|op| !matches!(op, Op::Text { text, .. } if text.is_empty()));
    ops
}

fn text(x: f32, y: f32, size: f32, text: &str) -> Op {
    Op::Text {
        x,
        y,
        size,
        color: MUTED,
        text: text.to_owned(),
    }
}

fn draw(surface: &mut Surface<'_>, font: &PdfFont, op: &Op) {
    match op {
        Op::Text {
            x,
            y,
            size,
            color,
            text,
        } => {
            surface.set_fill(Some(fill(*color)));
            surface.draw_text(
                Point::from_xy(*x, *y),
                font.font.clone(),
                *size,
                text,
                false,
                TextDirection::Auto,
            );
        }
        Op::Rect {
            x,
            y,
            w,
            h,
            fill: f,
        } => {
            let Some(rect) = Rect::from_xywh(*x, *y, *w, *h) else {
                return;
            };
            let mut builder = PathBuilder::new();
            builder.push_rect(rect);
            if let Some(path) = builder.finish() {
                surface.set_fill(Some(fill(*f)));
                surface.draw_path(&path);
            }
        }
    }
}

fn fill((r, g, b): Rgb) -> Fill {
    Fill {
        paint: rgb::Color::new(r, g, b).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }
}

fn date_time(at: chrono::NaiveDateTime) -> DateTime {
    use chrono::{Datelike, Timelike};
    DateTime::new(u16::try_from(at.year()).unwrap_or(2000))
        .month(at.month() as u8)
        .day(at.day() as u8)
        .hour(at.hour() as u8)
        .minute(at.minute() as u8)
        .second(at.second() as u8)
        .utc_offset_hour(0)
        .utc_offset_minute(0)
}
