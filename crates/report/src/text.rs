//! Log data is hostile: cell text is cleaned of what spreadsheets reject,
//! and CSV cells are kept from becoming formulas.

/// Excel's limit on a cell's text.
pub const EXCEL_CELL_LIMIT: usize = 32_767;

/// Text safe for an Excel cell: control characters (which XML 1.0 cannot
/// carry and Excel rejects) become their visible Unicode "control picture"
/// (U+2400 block), tab and newline stay, and text beyond Excel's limit is
/// cut with a marker. Never fails.
pub fn clean_cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let code = c as u32;
        match c {
            '\t' | '\n' => out.push(c),
            '\r' => out.push('\u{240D}'),
            _ if code < 0x20 => out.push(char::from_u32(0x2400 + code).unwrap_or('\u{FFFD}')),
            '\u{7F}' => out.push('\u{2421}'),
            '\u{80}'..='\u{9F}' | '\u{FFFE}' | '\u{FFFF}' => out.push('\u{FFFD}'),
            _ => out.push(c),
        }
    }
    if out.chars().count() > EXCEL_CELL_LIMIT {
        let marker = "…[truncated]";
        let keep = EXCEL_CELL_LIMIT - marker.chars().count();
        out = out.chars().take(keep).collect::<String>() + marker;
    }
    out
}

/// Text with every control character (tab and newline aside) replaced by
/// its visible "control picture" (U+2400 block): what the HTML report
/// shows for log data, so that NUL, ESC or BEL bytes in a log are seen,
/// not copied.
pub fn visible(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(is_hidden_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(
        text.chars()
            .map(|c| match c as u32 {
                code @ 0..0x20 if c != '\t' && c != '\n' => {
                    char::from_u32(0x2400 + code).unwrap_or('\u{FFFD}')
                }
                0x7F => '\u{2421}',
                0x80..=0x9F => '\u{FFFD}',
                _ => c,
            })
            .collect(),
    )
}

fn is_hidden_control(c: char) -> bool {
    (c.is_control() && c != '\t' && c != '\n') || c == '\u{7F}'
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
}
