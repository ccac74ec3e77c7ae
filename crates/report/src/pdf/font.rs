//! The binder's one font, compiled in: IPA P Gothic (IPA Font License
//! v1.0, `templates/fonts/`), which covers Japanese (JIS X 0213) and Latin
//! and may be embedded in documents. krilla embeds the glyphs a binder
//! uses; skrifa measures them for line breaking.

use skrifa::instance::{LocationRef, Size};
use skrifa::metrics::GlyphMetrics;
use skrifa::{FontRef, MetadataProvider, charmap::Charmap};

static FONT: &[u8] = include_bytes!("../../../../templates/fonts/ipagp.ttf");

/// The font, for drawing and for measuring.
pub(crate) struct PdfFont {
    /// What krilla draws with.
    pub font: krilla::text::Font,
    charmap: Charmap<'static>,
    metrics: GlyphMetrics<'static>,
    units_per_em: f32,
}

impl PdfFont {
    /// The compiled-in font (`None` only if the file in the binary is not
    /// a font: a test holds that it is).
    pub fn load() -> Option<PdfFont> {
        let font = krilla::text::Font::new(FONT.into(), 0)?;
        let face = FontRef::new(FONT).ok()?;
        Some(PdfFont {
            font,
            charmap: face.charmap(),
            metrics: face.glyph_metrics(Size::unscaled(), LocationRef::default()),
            units_per_em: f32::from(
                face.metrics(Size::unscaled(), LocationRef::default())
                    .units_per_em,
            ),
        })
    }

    /// The width of `text` at `size` points (advances only: the font has
    /// no kerning that the shaper would apply to these scripts).
    pub fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.advance(c)).sum::<f32>() * size / self.units_per_em
    }

    /// One character's advance in font units (the missing glyph's for a
    /// character the font lacks).
    fn advance(&self, c: char) -> f32 {
        let glyph = self.charmap.map(c).unwrap_or_default();
        self.metrics
            .advance_width(glyph)
            .unwrap_or(self.units_per_em)
    }
}
