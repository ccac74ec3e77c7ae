//! One reading of a rule's SQL for the checks made before it runs: the
//! tokenizer and parser of `sqlparser` with the dialect polars' SQL front
//! end uses, so a check sees the words, literals and tables the engine
//! will see (comments, quoted names and `''` inside literals included).

use sqlparser::ast::{ObjectNamePart, visit_relations};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Location, Token, Tokenizer};

/// One token of the SQL (comments and white space left out) with the byte
/// range it covers in the text given.
pub(crate) struct Lexeme {
    pub token: Token,
    pub start: usize,
    pub end: usize,
}

/// The tokens of `sql`, `${…}` placeholders read as a number (their values
/// are written for each engine when the rule runs). On failure, the byte
/// offset the tokenizer stopped at and its message.
pub(crate) fn lexemes(sql: &str) -> Result<Vec<Lexeme>, (usize, String)> {
    let masked = mask_placeholders(sql);
    let offsets = LineOffsets::new(&masked);
    let tokens = Tokenizer::new(&GenericDialect, &masked)
        .tokenize_with_location()
        .map_err(|e| (offsets.byte(e.location), e.message))?;
    Ok(tokens
        .into_iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_) | Token::EOF))
        .map(|t| Lexeme {
            start: offsets.byte(t.span.start),
            end: offsets.byte(t.span.end),
            token: t.token,
        })
        .collect())
}

/// The tables and common table expressions `sql` reads (rendered, without
/// placeholders), lower-cased and sorted; `None` when the SQL does not
/// parse (the engine then reports the error itself, with its words).
pub(crate) fn relations(sql: &str) -> Option<Vec<String>> {
    let statements = Parser::parse_sql(&GenericDialect, sql).ok()?;
    let mut out = Vec::new();
    let _ = visit_relations(&statements, |name| {
        if let Some(ObjectNamePart::Identifier(ident)) = name.0.last() {
            out.push(ident.value.to_lowercase());
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
    out.sort();
    out.dedup();
    Some(out)
}

/// `sql` with each complete `${…}` replaced by `0` and spaces, the same
/// number of bytes, so offsets still point into the rule's text.
fn mask_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    while let Some(start) = rest.find("${") {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        out.push_str(&rest[..start]);
        out.push('0');
        out.extend(std::iter::repeat_n(' ', len));
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    out
}

/// Turns the tokenizer's line and column (1-based, columns in characters)
/// into byte offsets.
struct LineOffsets<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineOffsets<'a> {
    fn new(text: &'a str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(at, _)| at + 1))
            .collect();
        Self { text, starts }
    }

    fn byte(&self, location: Location) -> usize {
        let line = usize::try_from(location.line.saturating_sub(1)).unwrap_or(usize::MAX);
        let Some(&start) = self.starts.get(line) else {
            return self.text.len();
        };
        let column = usize::try_from(location.column.saturating_sub(1)).unwrap_or(usize::MAX);
        self.text[start..]
            .char_indices()
            .nth(column)
            .map_or(self.text.len(), |(at, _)| start + at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_bytes_in_the_text_given() {
        let sql = "SELECT 'é'\n  , ${n - 1} AS x -- c\nFROM events";
        let lexemes = lexemes(sql).unwrap();
        let texts: Vec<&str> = lexemes.iter().map(|l| &sql[l.start..l.end]).collect();
        assert_eq!(
            texts,
            // The placeholder is read as the number `0` over its first byte.
            ["SELECT", "'é'", ",", "$", "AS", "x", "FROM", "events"]
        );
    }

    #[test]
    fn relations_include_ctes_and_quoted_names_but_not_literals() {
        let sql = "WITH seen AS (SELECT device_id FROM events) -- FROM networks\n\
                   SELECT 'FROM mail_domains' AS detail FROM devices d, period p \
                   LEFT JOIN seen s ON d.device_id = s.device_id \
                   JOIN (SELECT * FROM \"media_approvals\") a ON true /* JOIN eos_catalog */";
        assert_eq!(
            relations(sql).unwrap(),
            ["devices", "events", "media_approvals", "period", "seen"]
        );
        assert_eq!(relations("SELECT x FROM events WHERE"), None);
    }
}
