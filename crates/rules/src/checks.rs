//! Checks on a rule's SQL and on the shape of its result, before any data
//! is read, and the rule-file line an engine's message points at.

use arrow_schema::Schema;

use crate::error::RuleFileError;
use crate::findings::{KNOWN_OUTPUT, REQUIRED_OUTPUT};
use crate::rule::Rule;
use crate::tables::REFERENCE_TABLES;
use crate::values;

/// Fails when the SQL reads a reference table its `tables` does not list.
/// SQL that does not parse passes here: running it reports the engine's
/// own message, located by [`locate_error`].
pub(crate) fn declared_tables(rule: &Rule, sql: &str) -> Result<(), RuleFileError> {
    for table in crate::sql::relations(sql).unwrap_or_default() {
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
