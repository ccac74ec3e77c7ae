//! Which event columns a pack reads: only those are loaded into memory.

use std::collections::BTreeSet;

use sqlparser::tokenizer::Token;

use crate::engine::Columns;
use crate::rule::Rule;
use crate::sql::Lexeme;

/// Columns the analysis itself reads (statistics, partitioning).
const ALWAYS: &[&str] = &["device_id", "kind", "ts", "seq", "source"];

/// The `events` columns any of `rules` may read: every event column whose
/// name appears as a word in some rule's SQL, plus those the statistics
/// need; every column when a rule selects `*` or `alias.*` (`COUNT(*)` and
/// a product read none), or when a rule's SQL cannot be read.
pub(crate) fn used_columns(rules: &[&Rule]) -> Columns {
    let mut words = BTreeSet::new();
    for rule in rules {
        let Ok(lexemes) = crate::sql::lexemes(&rule.sql) else {
            return Columns::All;
        };
        if selects_star(&lexemes) {
            return Columns::All;
        }
        words.extend(lexemes.into_iter().filter_map(|l| match l.token {
            Token::Word(w) => Some(w.value.to_lowercase()),
            _ => None,
        }));
    }
    let schema = worklog_schema::event_schema();
    Columns::Named(
        schema
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .chain(std::iter::once("local_ts"))
            .filter(|name| ALWAYS.contains(name) || words.contains(*name))
            .map(str::to_owned)
            .collect(),
    )
}

/// A `*` that stands for columns: after `SELECT`, `DISTINCT`, a comma or
/// `alias.` (not inside `COUNT(*)`, not a product `a * b`).
fn selects_star(lexemes: &[Lexeme]) -> bool {
    lexemes.windows(2).any(|pair| {
        matches!(pair[1].token, Token::Mul)
            && match &pair[0].token {
                Token::Comma | Token::Period => true,
                Token::Word(w) => {
                    w.quote_style.is_none()
                        && ["select", "distinct", "all"]
                            .iter()
                            .any(|k| w.value.eq_ignore_ascii_case(k))
                }
                _ => false,
            }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn star(sql: &str) -> bool {
        selects_star(&crate::sql::lexemes(sql).unwrap())
    }

    #[test]
    fn a_star_is_columns_only_where_a_select_list_has_it() {
        assert!(star("SELECT * FROM events"));
        assert!(star("SELECT DISTINCT e.* FROM events e"));
        assert!(star("SELECT device_id, * FROM events"));
        assert!(!star("SELECT COUNT(*) AS n FROM events"));
        assert!(!star("SELECT size_bytes * 2 AS twice FROM events"));
        assert!(!star("SELECT '*' AS detail FROM events -- SELECT *"));
    }
}
