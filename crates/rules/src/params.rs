//! `${parameter}` placeholders in rule SQL: thresholds from the policy and
//! the period, substituted as SQL literals before the query is planned.
//!
//! Substituting literals (rather than joining a settings table) keeps the
//! rendered SQL plain and portable: DuckDB or Spark run the same text.

use std::collections::BTreeMap;

use worklog_schema::policy::Settings;

/// How an engine's SQL writes a string literal: the one place where the
/// rule SQL's text depends on the engine (everything else is the portable
/// subset of `docs/rules.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Dialect {
    /// Standard SQL (polars, DuckDB): `'it''s \\fs01'`, a quote doubled,
    /// a backslash as it is.
    #[default]
    Standard,
    /// Spark SQL, whose literals treat `\\` as an escape: a backslash and
    /// a quote are both escaped with a backslash (`'it\\'s \\\\fs01'`).
    Spark,
}

/// A parameter's value.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParamValue {
    /// Rendered bare: `100`.
    Int(i64),
    /// Rendered as a quoted SQL string: `'a''b'`.
    Text(String),
}

impl ParamValue {
    /// The value as a person reads it: `100`, `a'b`.
    pub fn display(&self) -> String {
        match self {
            ParamValue::Int(n) => n.to_string(),
            ParamValue::Text(s) => s.clone(),
        }
    }

    fn literal(&self, dialect: Dialect) -> String {
        match (self, dialect) {
            (ParamValue::Int(n), _) => n.to_string(),
            (ParamValue::Text(s), Dialect::Standard) => format!("'{}'", s.replace('\'', "''")),
            (ParamValue::Text(s), Dialect::Spark) => {
                format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
            }
        }
    }
}

/// Named parameter values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    values: BTreeMap<String, ParamValue>,
}

impl Params {
    /// The policy's settings (numbers and text). The period is a table
    /// (`period`), not a parameter: date literals are where SQL dialects
    /// differ most.
    pub fn new(settings: &Settings) -> Params {
        let mut values = BTreeMap::new();
        if let Ok(serde_json::Value::Object(map)) = serde_json::to_value(settings) {
            for (name, value) in map {
                let value = match value {
                    serde_json::Value::Number(n) => n.as_i64().map(ParamValue::Int),
                    serde_json::Value::String(s) => Some(ParamValue::Text(s)),
                    _ => None,
                };
                if let Some(value) = value {
                    values.insert(name, value);
                }
            }
        }
        Params { values }
    }

    /// Sets one parameter.
    pub fn set(&mut self, name: impl Into<String>, value: ParamValue) {
        self.values.insert(name.into(), value);
    }

    /// The parameter called `name`.
    pub fn get(&self, name: &str) -> Option<&ParamValue> {
        self.values.get(name)
    }

    /// Parameter names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.values.keys().map(String::as_str)
    }
}

/// Replaces `${name}`, `${name + N}` and `${name - N}` (integers only for
/// the arithmetic) with standard SQL literals. On failure, the byte offset
/// of the placeholder and why.
pub(crate) fn render_template(sql: &str, params: &Params) -> Result<String, (usize, String)> {
    render_template_for(sql, params, Dialect::Standard)
}

/// [`render_template`] with the literals of `dialect`.
pub(crate) fn render_template_for(
    sql: &str,
    params: &Params,
    dialect: Dialect,
) -> Result<String, (usize, String)> {
    let mut out = String::with_capacity(sql.len() + 64);
    let mut rest = sql;
    let mut offset = 0;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            return Err((offset + start, "`${` without a closing `}`".into()));
        };
        let inner = after[..end].trim();
        let at = offset + start;
        let (name, delta) = match inner.find(['+', '-']) {
            Some(op) => {
                let amount: i64 = inner[op + 1..].trim().parse().map_err(|_| {
                    (
                        at,
                        format!(
                            "`${{{inner}}}`: expected `name + N` or `name - N` with an integer N"
                        ),
                    )
                })?;
                let sign = if inner.as_bytes()[op] == b'-' { -1 } else { 1 };
                (inner[..op].trim(), Some(sign * amount))
            }
            None => (inner, None),
        };
        let value = params.get(name).ok_or_else(|| {
            let known: Vec<&str> = params.names().collect();
            (
                at,
                format!("unknown parameter `{name}` (known: {})", known.join(", ")),
            )
        })?;
        match (value, delta) {
            (ParamValue::Int(n), Some(d)) => out.push_str(&(n + d).to_string()),
            (_, Some(_)) => {
                return Err((
                    at,
                    format!("`${{{inner}}}`: arithmetic needs an integer parameter"),
                ));
            }
            (value, None) => out.push_str(&value.literal(dialect)),
        }
        let consumed = start + 2 + end + 1;
        rest = &rest[consumed..];
        offset += consumed;
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> Params {
        let mut p = Params::default();
        p.set("n", ParamValue::Int(100));
        p.set("prefix", ParamValue::Text(r"\\fs01\顧客's".into()));
        p
    }

    #[test]
    fn substitutes_literals_and_arithmetic() {
        let sql = "LEAD(ts, ${n - 1}) ${ n } ${n+2} starts_with(p, ${prefix})";
        assert_eq!(
            render_template(sql, &params()).unwrap(),
            r"LEAD(ts, 99) 100 102 starts_with(p, '\\fs01\顧客''s')"
        );
    }

    #[test]
    fn spark_literals_escape_backslashes_and_quotes() {
        let sql = "starts_with(p, ${prefix}) ${n}";
        assert_eq!(
            render_template_for(sql, &params(), Dialect::Spark).unwrap(),
            r"starts_with(p, '\\\\fs01\\顧客\'s') 100"
        );
    }

    #[test]
    fn reports_unknown_and_malformed_placeholders_with_their_offset() {
        let (at, why) = render_template("SELECT ${nope}", &params()).unwrap_err();
        assert_eq!(at, 7);
        assert!(why.contains("unknown parameter `nope`"), "{why}");
        let (_, why) = render_template("x ${prefix - 1}", &params()).unwrap_err();
        assert!(why.contains("integer parameter"), "{why}");
        let (at, _) = render_template("ab ${n", &params()).unwrap_err();
        assert_eq!(at, 3);
    }
}
