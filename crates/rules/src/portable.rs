//! The portable SQL subset, enforced: a rule's SQL must run unchanged in
//! polars, DuckDB and Spark SQL (`docs/rules.md`, "The portable subset").
//! The constructs below run in one or two of them and fail, or worse give
//! other results, in the rest; each is refused when the pack is loaded,
//! with what to write instead, so that a rule which passes its fixture in
//! polars cannot break on the cluster.

use sqlparser::tokenizer::Token;

use crate::sql::Lexeme;

/// A construct outside the subset: the tokens that start it (words in
/// lower case, `(`, `::`, and `'` for a string literal; consecutive tokens
/// of the SQL, comments left out) and what to write instead.
struct Avoid {
    words: &'static [&'static str],
    why: &'static str,
}

const AVOID: &[Avoid] = &[
    Avoid {
        words: &["starts_with", "("],
        why: "`starts_with` does not exist in Spark (it is `startswith` there): write `left(x, length(p)) = p`",
    },
    Avoid {
        words: &["startswith", "("],
        why: "`startswith` does not exist in polars or DuckDB: write `left(x, length(p)) = p`",
    },
    Avoid {
        words: &["ends_with", "("],
        why: "`ends_with` is not in every engine: write `right(x, length(p)) = p`",
    },
    Avoid {
        words: &["endswith", "("],
        why: "`endswith` is not in every engine: write `right(x, length(p)) = p`",
    },
    Avoid {
        words: &["regexp_like", "("],
        why: "regular-expression functions are named differently in each engine: use `left`, `lower`, `split_part`, `IN (…)`",
    },
    Avoid {
        words: &["regexp_matches", "("],
        why: "regular-expression functions are named differently in each engine: use `left`, `lower`, `split_part`, `IN (…)`",
    },
    Avoid {
        words: &["rlike"],
        why: "regular-expression matching is named differently in each engine: use `left`, `lower`, `split_part`, `IN (…)`",
    },
    Avoid {
        words: &["ilike"],
        why: "`ILIKE` is not in every engine: compare `lower(x)`",
    },
    Avoid {
        words: &["varchar"],
        why: "Spark wants a length for VARCHAR (and then pads or cuts): cast to `STRING`",
    },
    Avoid {
        words: &["exists", "("],
        why: "polars rejects `EXISTS`/`NOT EXISTS` subqueries: use the anti-join pattern (`LEFT JOIN … WHERE k IS NULL`)",
    },
    Avoid {
        words: &["date", "'"],
        why: "date literals differ between engines: take dates from the `period` table",
    },
    Avoid {
        words: &["timestamp", "'"],
        why: "timestamp literals differ between engines: take times from the `period` table",
    },
    Avoid {
        words: &["::"],
        why: "`::` casts are not Spark SQL: write `CAST(x AS type)`",
    },
    Avoid {
        words: &["strftime", "("],
        why: "time formatting functions are named differently in each engine: use `EXTRACT`, `CAST(… AS DATE)`",
    },
    Avoid {
        words: &["date_diff", "("],
        why: "date differences are named differently in each engine: compare with `+ INTERVAL '…'`",
    },
    Avoid {
        words: &["datediff", "("],
        why: "date differences are named differently in each engine: compare with `+ INTERVAL '…'`",
    },
    Avoid {
        words: &["epoch", "("],
        why: "epoch functions are named differently in each engine: compare timestamps directly",
    },
    Avoid {
        words: &["now", "("],
        why: "the current time makes a rule's result depend on when it runs: use the `period` table",
    },
    Avoid {
        words: &["current_timestamp"],
        why: "the current time makes a rule's result depend on when it runs: use the `period` table",
    },
    Avoid {
        words: &["current_date"],
        why: "the current date makes a rule's result depend on when it runs: use the `period` table",
    },
];

/// Checks `sql` (with `${…}` placeholders unrendered) against the subset.
/// On failure, the byte offset of the construct and why.
pub(crate) fn check(sql: &str) -> Result<(), (usize, String)> {
    let lexemes = crate::sql::lexemes(sql)
        .map_err(|(at, message)| (at, format!("the SQL cannot be read: {message}")))?;
    for lexeme in &lexemes {
        literal_and_name_rules(sql, lexeme)?;
    }
    for (index, lexeme) in lexemes.iter().enumerate() {
        let starts = |avoid: &&Avoid| {
            avoid.words.iter().enumerate().all(|(k, word)| {
                lexemes
                    .get(index + k)
                    .is_some_and(|l| is_word(&l.token, word))
            })
        };
        if let Some(avoid) = AVOID.iter().find(starts) {
            return Err((lexeme.start, avoid.why.to_owned()));
        }
    }
    Ok(())
}

/// Whether `token` is the word (a keyword or an unquoted name, any case)
/// or the mark `word` stands for; `'` stands for any string literal.
fn is_word(token: &Token, word: &str) -> bool {
    match token {
        Token::Word(w) => w.quote_style.is_none() && w.value.eq_ignore_ascii_case(word),
        Token::LParen => word == "(",
        Token::DoubleColon => word == "::",
        Token::SingleQuotedString(_) => word == "'",
        _ => false,
    }
}

/// A backslash in a string literal (Spark reads it as an escape, the other
/// engines as itself) and a double-quoted name (Spark reads `"x"` as a
/// string, not a column) are refused.
fn literal_and_name_rules(sql: &str, lexeme: &Lexeme) -> Result<(), (usize, String)> {
    let text = sql.get(lexeme.start..lexeme.end).unwrap_or_default();
    match &lexeme.token {
        Token::SingleQuotedString(_) if text.contains('\\') => Err((
            lexeme.start + text.find('\\').unwrap_or(0),
            "a backslash in a string literal: Spark reads it as an escape, the other engines as itself; put such a value in a policy setting (`${…}`), which is written for each engine"
                .into(),
        )),
        Token::Word(w) if w.quote_style == Some('"') => Err((
            lexeme.start,
            "a double-quoted name: Spark reads `\"x\"` as a string; write names without quotes"
                .into(),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::check;

    fn refused(sql: &str) -> String {
        match check(sql) {
            Err((_, why)) => why,
            Ok(()) => panic!("accepted: {sql}"),
        }
    }

    #[test]
    fn the_subset_passes() {
        let sql = "WITH t AS (SELECT device_id, LEAD(ts, ${n - 1}) OVER (PARTITION BY device_id ORDER BY ts, seq) AS nth \
                   FROM events WHERE kind = 'file' AND left(file_path, length(${prefix})) = ${prefix}) -- starts_with(\n\
                   SELECT device_id, CAST(NULL AS STRING) AS user_name, 'it''s' AS detail /* DATE '2026' */ \
                   FROM t CROSS JOIN period p WHERE nth <= ts + INTERVAL '${m} minutes' AND lower(x) IN ('a', 'b')";
        assert_eq!(check(sql), Ok(()));
    }

    #[test]
    fn what_one_engine_lacks_is_refused_with_what_to_write() {
        assert!(refused("SELECT * FROM events WHERE starts_with(p, 'x')").contains("left("));
        assert!(refused("SELECT * FROM events WHERE STARTSWITH (p, 'x')").contains("left("));
        assert!(refused("SELECT CAST(NULL AS VARCHAR) AS u").contains("STRING"));
        assert!(refused("SELECT * FROM e WHERE NOT EXISTS (SELECT 1)").contains("anti-join"));
        assert!(refused("SELECT * FROM e WHERE ts > DATE '2026-10-01'").contains("period"));
        assert!(refused("SELECT seq::BIGINT FROM e").contains("CAST"));
        assert!(refused("SELECT * FROM e WHERE p LIKE 'C:\\%'").contains("backslash"));
        assert!(refused("SELECT \"seq\" FROM e").contains("double-quoted"));
        assert!(refused("SELECT now() AS t").contains("period"));
        assert!(refused("SELECT * FROM e WHERE x ILIKE 'a'").contains("lower"));
    }

    #[test]
    fn the_offset_points_at_the_construct() {
        let sql = "SELECT 1\nFROM e\nWHERE starts_with(p, 'x')";
        let (at, _) = check(sql).unwrap_err();
        assert_eq!(&sql[at..at + 11], "starts_with");
        let (at, why) = check("SELECT 'open").unwrap_err();
        assert!(at >= 7, "{at}");
        assert!(why.contains("cannot be read"), "{why}");
    }

    #[test]
    fn hostile_text_never_panics() {
        for sql in [
            "'",
            "/*",
            "--",
            "é'",
            "'\u{1F600}",
            ":",
            "::",
            "a::",
            "\"",
            "'\\",
        ] {
            let _ = check(sql);
        }
    }
}
