//! Checks on a rule's SQL and on the shape of its result, before any data
//! is read, and the rule-file line an engine's message points at.

use arrow_schema::Schema;

use crate::error::RuleFileError;
use crate::findings::{KNOWN_OUTPUT, REQUIRED_OUTPUT};
use crate::rule::Rule;
use crate::tables::REFERENCE_TABLES;
use crate::values;

/// Fails when the SQL reads a reference table its `tables` does not list.
pub(crate) fn declared_tables(rule: &Rule, sql: &str) -> Result<(), RuleFileError> {
    for table in tables_read(sql) {
        if REFERENCE_TABLES.iter().any(|t| t.name == table) && !rule.tables.contains(&table) {
            return Err(RuleFileError {
                file: rule.file.clone(),
                line: None,
                reason: format!(
                    "the SQL reads table `{table}` but `tables` does not list it: add it, so auditors see what the rule depends on"
                ),
            });
        }
    }
    Ok(())
}

/// Checks the columns of a rule's result and returns its evidence columns
/// (every column without a fixed meaning, in order).
pub(crate) fn result_columns(rule: &Rule, schema: &Schema) -> Result<Vec<String>, RuleFileError> {
    let fail = |message: String| locate_error(rule, &message);
    let get = |name: &str| schema.field_with_name(name).ok().map(|f| f.data_type());
    for required in REQUIRED_OUTPUT {
        match get(required) {
            Some(t) if values::is_text(t) => {}
            Some(other) => {
                return Err(fail(format!(
                    "the result column `{required}` must be text, found {other}"
                )));
            }
            None => {
                return Err(fail(format!(
                    "the result has no `{required}` column: a rule must select device_id and detail (and seq, ts, user_name when it has them)"
                )));
            }
        }
    }
    let expect = |name: &str, ok: fn(&arrow_schema::DataType) -> bool, what: &str| match get(name) {
        Some(t) if !ok(t) => Err(fail(format!(
            "the result column `{name}` must be {what}, found {t}"
        ))),
        _ => Ok(()),
    };
    expect("seq", values::is_integer, "an integer")?;
    expect("ts", values::is_naive_timestamp, "a timestamp")?;
    expect("user_name", values::is_text, "text")?;
    Ok(schema
        .fields()
        .iter()
        .map(|f| f.name())
        .filter(|n| !KNOWN_OUTPUT.contains(&n.as_str()))
        .cloned()
        .collect())
}

/// Points an engine's message at the rule file line that names the
/// offending identifier, when the message quotes one that appears in the
/// SQL.
pub(crate) fn locate_error(rule: &Rule, message: &str) -> RuleFileError {
    let quoted = ['"', '\'', '`'].iter().find_map(|q| {
        let start = message.find(*q)? + 1;
        let len = message[start..].find(*q)?;
        let word = &message[start..start + len];
        (!word.is_empty()).then_some(word)
    });
    let line = quoted
        .and_then(|w| rule.sql.find(w))
        .map(|offset| rule.line_in_sql(offset))
        .unwrap_or(rule.sql_line);
    let first_line = message.lines().next().unwrap_or(message);
    RuleFileError {
        file: rule.file.clone(),
        line: Some(line),
        reason: format!(
            "the SQL does not run: {first_line}. Check it with `worklog rules check` after fixing"
        ),
    }
}

/// The names after `FROM` and `JOIN` (and after commas in a `FROM` list),
/// lowercased, outside string literals and comments: the tables and CTEs
/// a query reads.
pub(crate) fn tables_read(sql: &str) -> Vec<String> {
    let words = words_of(sql);
    let mut out = Vec::new();
    let mut in_from_list = false;
    let mut i = 0;
    while i < words.len() {
        let word = words[i].as_str();
        match word {
            "from" | "join" => {
                if let Some(next) = words.get(i + 1).filter(|w| is_identifier(w)) {
                    out.push(next.clone());
                    i += 1;
                }
                in_from_list = word == "from";
            }
            "," if in_from_list => {
                if let Some(next) = words.get(i + 1).filter(|w| is_identifier(w)) {
                    out.push(next.clone());
                    i += 1;
                }
            }
            "(" | ")" | "where" | "group" | "order" | "on" | "select" | "union" | "having"
            | "limit" => in_from_list = false,
            _ => {}
        }
        i += 1;
    }
    out.sort();
    out.dedup();
    out
}

fn is_identifier(word: &str) -> bool {
    word.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && !matches!(word, "select" | "lateral" | "unnest")
}

/// Lowercased identifiers and the punctuation `(`, `)`, `,`, with string
/// literals, quoted identifiers' quotes and comments dropped.
fn words_of(sql: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut chars = sql.chars().peekable();
    let mut word = String::new();
    let flush = |word: &mut String, words: &mut Vec<String>| {
        if !word.is_empty() {
            words.push(std::mem::take(word).to_lowercase());
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                flush(&mut word, &mut words);
                // A literal; '' inside it is an escaped quote.
                while let Some(c) = chars.next() {
                    if c == '\'' {
                        if chars.peek() == Some(&'\'') {
                            chars.next();
                        } else {
                            break;
                        }
                    }
                }
            }
            '-' if chars.peek() == Some(&'-') => {
                flush(&mut word, &mut words);
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                flush(&mut word, &mut words);
                chars.next();
                let mut last = ' ';
                for c in chars.by_ref() {
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
            }
            '"' | '`' => {
                flush(&mut word, &mut words);
                for c in chars.by_ref() {
                    if c == '"' || c == '`' {
                        break;
                    }
                    word.push(c);
                }
                flush(&mut word, &mut words);
            }
            '(' | ')' | ',' => {
                flush(&mut word, &mut words);
                words.push(c.to_string());
            }
            c if c.is_alphanumeric() || c == '_' || c == '.' => word.push(c),
            _ => flush(&mut word, &mut words),
        }
    }
    flush(&mut word, &mut words);
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_read_skips_literals_comments_and_subqueries() {
        let sql = "WITH seen AS (SELECT device_id FROM events) -- FROM networks\n\
                   SELECT 'FROM mail_domains' AS detail FROM devices d, period p \
                   LEFT JOIN seen s ON d.device_id = s.device_id \
                   JOIN (SELECT * FROM \"media_approvals\") a ON true /* JOIN eos_catalog */";
        assert_eq!(
            tables_read(sql),
            ["devices", "events", "media_approvals", "period", "seen"]
        );
    }
}
