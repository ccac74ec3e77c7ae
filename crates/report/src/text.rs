//! Log data is hostile: cell text is cleaned of what spreadsheets reject,
//! and CSV cells are kept from becoming formulas.

/// Excel's limit on a cell's text.
pub const EXCEL_CELL_LIMIT: usize = 32_767;

/// Characters that change how text around them is shown without being
/// seen: the bidirectional controls (Unicode's Bidi_Control: a file name
/// `invoice\u{202E}fdp.exe` displays as `invoiceexe.pdf`), the zero-width
/// characters and the invisible operators, the soft hyphen and the byte
/// order mark.
fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

/// Pushes `c` as it is shown in a report: control characters as their
/// "control picture" (U+2400 block), invisible format characters as
/// `[U+202E]`; tab and newline as they are.
fn push_shown(out: &mut String, c: char) {
    let code = c as u32;
    match c {
        '\t' | '\n' => out.push(c),
        _ if code < 0x20 => out.push(char::from_u32(0x2400 + code).unwrap_or('\u{FFFD}')),
        '\u{7F}' => out.push('\u{2421}'),
        '\u{80}'..='\u{9F}' | '\u{FFFE}' | '\u{FFFF}' => out.push('\u{FFFD}'),
        _ if is_invisible_format(c) => out.push_str(&format!("[U+{code:04X}]")),
        _ => out.push(c),
    }
}

fn needs_showing(c: char) -> bool {
    (c.is_control() && c != '\t' && c != '\n')
        || matches!(c, '\u{FFFE}' | '\u{FFFF}')
        || is_invisible_format(c)
}

/// Text safe for an Excel cell: control characters (which XML 1.0 cannot
/// carry and Excel rejects) become their visible Unicode "control picture"
/// (U+2400 block), bidirectional and zero-width characters become `[U+…]`,
/// tab and newline stay, and text beyond Excel's limit is cut with a
/// marker. Never fails.
pub fn clean_cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        push_shown(&mut out, c);
    }
    if out.chars().count() > EXCEL_CELL_LIMIT {
        let marker = "…[truncated]";
        let keep = EXCEL_CELL_LIMIT - marker.chars().count();
        out = out.chars().take(keep).collect::<String>() + marker;
    }
    out
}

/// Text with every control character (tab and newline aside) replaced by
/// its visible "control picture" (U+2400 block) and every bidirectional or
/// zero-width character by `[U+…]`: what the HTML report shows for log
/// data, so that NUL, ESC or BEL bytes, or a right-to-left override, in a
/// log are seen, not obeyed.
pub fn visible(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(needs_showing) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        push_shown(&mut out, c);
    }
    std::borrow::Cow::Owned(out)
}

/// Columns `text` takes in a fixed-width rendering: East Asian wide and
/// full-width characters count two (Unicode's East Asian Width, UAX #11).
pub(crate) fn display_width(text: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(text)
}

/// A CSV field that no spreadsheet will evaluate: a value starting with
/// `=`, `+`, `-`, `@`, tab or carriage return gets a leading `'` (the
/// OWASP recommendation), then the field is quoted as CSV requires.
pub fn csv_field(text: &str) -> String {
    let cleaned = clean_cell(text);
    let guarded = if cleaned.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cleaned}")
    } else {
        cleaned
    };
    if guarded.contains([',', '"', '\n']) || guarded != guarded.trim() {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_become_visible_and_formulas_stay_text() {
        assert_eq!(
            clean_cell("設計書\u{7}\u{1b}[31m"),
            "設計書\u{2407}\u{241B}[31m"
        );
        assert_eq!(clean_cell("a\tb\nc"), "a\tb\nc");
        let long = "x".repeat(40_000);
        let cut = clean_cell(&long);
        assert_eq!(cut.chars().count(), EXCEL_CELL_LIMIT);
        assert!(cut.ends_with("[truncated]"));
        assert_eq!(csv_field("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
        assert_eq!(csv_field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(
            visible("a\u{0}b\u{1b}c\u{7}"),
            "a\u{2400}b\u{241B}c\u{2407}"
        );
        assert_eq!(visible("改行\nタブ\t"), "改行\nタブ\t");
        assert_eq!(csv_field("a,\"b\""), "\"a,\"\"b\"\"\"");
    }

    #[test]
    fn bidirectional_and_zero_width_characters_are_shown_not_obeyed() {
        let name = "請求書\u{202E}fdp.exe";
        assert_eq!(clean_cell(name), "請求書[U+202E]fdp.exe");
        assert_eq!(visible(name), "請求書[U+202E]fdp.exe");
        assert_eq!(csv_field(name), "請求書[U+202E]fdp.exe");
        assert_eq!(
            visible("a\u{200B}b\u{2066}c\u{FEFF}"),
            "a[U+200B]b[U+2066]c[U+FEFF]"
        );
        assert!(matches!(
            visible("顧客一覧.xlsx"),
            std::borrow::Cow::Borrowed(_)
        ));
    }
}
