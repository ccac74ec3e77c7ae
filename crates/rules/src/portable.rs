//! The portable SQL subset, enforced: a rule's SQL must run unchanged in
//! polars, DuckDB and Spark SQL (`docs/rules.md`, "The portable subset").
//! The constructs below run in one or two of them and fail, or worse give
//! other results, in the rest; each is refused when the pack is loaded,
//! with what to write instead, so that a rule which passes its fixture in
//! polars cannot break on the cluster.

/// A construct outside the subset: the words that start it (lower case,
/// consecutive tokens of the SQL outside literals and comments) and what
/// to write instead.
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
        words: &[":", ":"],
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

/// One token of the SQL, with its byte offset.
struct Token<'a> {
    text: &'a str,
    offset: usize,
}

/// Checks `sql` (with `${…}` placeholders unrendered) against the subset.
/// On failure, the byte offset of the construct and why.
pub(crate) fn check(sql: &str) -> Result<(), (usize, String)> {
    let tokens = tokens(sql)?;
    for (index, token) in tokens.iter().enumerate() {
        for avoid in AVOID {
            let matches = avoid.words.iter().enumerate().all(|(k, word)| {
                tokens
                    .get(index + k)
                    .is_some_and(|t| t.text.eq_ignore_ascii_case(word))
            });
            // `::` is two tokens only when nothing stands between them.
            let adjacent = avoid.words != [":", ":"]
                || tokens
                    .get(index + 1)
                    .is_some_and(|next| next.offset == token.offset + 1);
            if matches && adjacent {
                return Err((token.offset, avoid.why.to_owned()));
            }
        }
    }
    Ok(())
}

/// Words, numbers and single punctuation marks; a string literal is one
/// token `'` (its text is checked here: a backslash in it is read as an
/// escape by Spark), comments are skipped, and a double-quoted name is
/// refused (Spark reads `"x"` as a string, not a column).
fn tokens(sql: &str) -> Result<Vec<Token<'_>>, (usize, String)> {
    let bytes = sql.as_bytes();
    let mut out = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let c = bytes[at];
        if c.is_ascii_whitespace() {
            at += 1;
        } else if sql[at..].starts_with("--") {
            at = sql[at..].find('\n').map_or(bytes.len(), |n| at + n);
        } else if sql[at..].starts_with("/*") {
            at = sql[at + 2..]
                .find("*/")
                .map_or(bytes.len(), |n| at + 2 + n + 2);
        } else if c == b'\'' {
            let start = at;
            at += 1;
            loop {
                match bytes.get(at) {
                    None => return Err((start, "a string literal is not closed".into())),
                    Some(b'\'') if bytes.get(at + 1) == Some(&b'\'') => at += 2,
                    Some(b'\'') => break,
                    Some(b'\\') => {
                        return Err((
                            at,
                            "a backslash in a string literal: Spark reads it as an escape, the other engines as itself; put such a value in a policy setting (`${…}`), which is written for each engine"
                                .into(),
                        ));
                    }
                    Some(_) => at += 1,
                }
            }
            at += 1;
            out.push(Token {
                text: "'",
                offset: start,
            });
        } else if c == b'"' {
            return Err((
                at,
                "a double-quoted name: Spark reads `\"x\"` as a string; write names without quotes"
                    .into(),
            ));
        } else if c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80 {
            let start = at;
            while let Some(&b) = bytes.get(at) {
                if b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80 {
                    at += 1;
                } else {
                    break;
                }
            }
            out.push(Token {
                text: &sql[start..at],
                offset: start,
            });
        } else {
            // One punctuation mark (ASCII here: every byte ≥ 0x80 is taken
            // by the word branch, so `at + 1` is a char boundary).
            out.push(Token {
                text: &sql[at..at + 1],
                offset: at,
            });
            at += 1;
        }
    }
    Ok(out)
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
        assert_eq!(
            check("SELECT 'open"),
            Err((7, "a string literal is not closed".into()))
        );
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
