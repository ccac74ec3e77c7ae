//! One rule file: metadata plus a SQL query over `events` and the
//! reference tables.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use worklog_model::{Category, DetailText, Severity};

use crate::error::RuleFileError;
use crate::params::{Dialect, Params, render_template_for};
use crate::tables::REFERENCE_TABLES;

/// A rule, checked and ready to render.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Rule {
    /// Unique id (snake_case), also the file's stem.
    pub id: String,
    /// Item, leak signal or log check.
    pub category: Category,
    /// Catalog items it serves (empty unless the category is `item`).
    pub items: Vec<String>,
    /// How its findings weigh.
    pub severity: Severity,
    /// Title, Japanese.
    pub title_ja: String,
    /// Title, English.
    pub title_en: String,
    /// Why the rule exists, Japanese.
    pub rationale_ja: String,
    /// Why the rule exists, English.
    pub rationale_en: String,
    /// What to do about a finding, Japanese.
    pub remediation_ja: String,
    /// What to do about a finding, English.
    pub remediation_en: String,
    /// Event kinds the logic reads.
    pub kinds: Vec<String>,
    /// Reference tables the logic reads.
    pub tables: Vec<String>,
    /// Event kinds a device must have in the period for its verdict to be
    /// anything but 証跡不足 (insufficient evidence).
    pub requires_kinds: Vec<String>,
    /// The query, with `${parameter}` placeholders.
    pub sql: String,
    /// The file it was read from.
    pub file: String,
    /// 1-based line of the first line of the `sql` text in the file.
    pub sql_line: usize,
    /// What a finding says, per `detail` code the SQL emits (`[details]`),
    /// in both languages, with `{name}` placeholders for the finding's
    /// evidence columns and the policy's settings. A finding whose detail
    /// is not a code here is shown as the SQL wrote it.
    pub details: BTreeMap<String, DetailText>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDetail {
    ja: String,
    en: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: toml::Spanned<String>,
    #[serde(default)]
    category: Option<toml::Spanned<String>>,
    #[serde(default)]
    items: Vec<String>,
    severity: toml::Spanned<String>,
    title_ja: String,
    title_en: String,
    rationale_ja: String,
    rationale_en: String,
    remediation_ja: String,
    remediation_en: String,
    kinds: toml::Spanned<Vec<String>>,
    tables: toml::Spanned<Vec<String>>,
    requires_kinds: toml::Spanned<Vec<String>>,
    sql: toml::Spanned<String>,
    #[serde(default)]
    details: Option<toml::Spanned<BTreeMap<String, RawDetail>>>,
}

impl Rule {
    /// Reads and checks one rule file (metadata only; the SQL is checked
    /// against the data by [`crate::RulePack::check`]).
    pub fn load(path: &Path) -> Result<Rule, RuleFileError> {
        let text = std::fs::read_to_string(path).map_err(|e| RuleFileError {
            file: path.display().to_string(),
            line: None,
            reason: format!("cannot read the rule file: {e}"),
        })?;
        Rule::parse(&text, &path.display().to_string())
    }

    /// Parses and checks rule text; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Rule, RuleFileError> {
        let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
        let error = |offset: Option<usize>, reason: String| RuleFileError {
            file: file.to_owned(),
            line: offset.map(line_of),
            reason,
        };
        let raw: RawRule = toml::from_str(text)
            .map_err(|e| error(e.span().map(|s| s.start), e.message().trim().to_owned()))?;
        let id = raw.id.get_ref().clone();
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(error(
                Some(raw.id.span().start),
                format!("`id` must be snake_case ASCII (a-z, 0-9, _), found {id:?}"),
            ));
        }
        let category = match raw.category.as_ref().map(|c| c.get_ref().as_str()) {
            None | Some("item") => Category::Item,
            Some("leak") => Category::Leak,
            Some("log") => Category::Log,
            Some(other) => {
                return Err(error(
                    raw.category.as_ref().map(|c| c.span().start),
                    format!("`category` must be item, leak or log, found {other:?}"),
                ));
            }
        };
        let severity = match (raw.severity.get_ref().as_str(), category) {
            ("fail", Category::Item) => Severity::Fail,
            ("review", Category::Item) => Severity::Review,
            ("signal", Category::Leak) => Severity::Signal,
            ("gap", Category::Log) => Severity::Gap,
            (other, _) => {
                let allowed = match category {
                    Category::Item => "fail or review",
                    Category::Leak => "signal",
                    Category::Log => "gap",
                    _ => "fail, review, signal or gap",
                };
                return Err(error(
                    Some(raw.severity.span().start),
                    format!(
                        "`severity` of a {} rule must be {allowed}, found {other:?}",
                        category.as_str()
                    ),
                ));
            }
        };
        if category == Category::Item && raw.items.is_empty() {
            return Err(error(
                None,
                "`items` is empty: an item rule must name the catalog items it serves".into(),
            ));
        }
        // An item rule that names no evidence would let a device with no
        // relevant events at all come out 適合: the verdict needs to know
        // which events show that the control was watched.
        if category == Category::Item && raw.requires_kinds.get_ref().is_empty() {
            return Err(error(
                Some(raw.requires_kinds.span().start),
                "`requires_kinds` is empty: an item rule must name the event kinds that show the control was monitored (e.g. [\"network\"]), so that a device without them is 証跡不足, not 適合".into(),
            ));
        }
        if category != Category::Item && !raw.items.is_empty() {
            return Err(error(
                None,
                format!(
                    "`items` must be empty for a {} rule (only item rules decide verdicts)",
                    category.as_str()
                ),
            ));
        }
        for (field, list) in [
            ("kinds", &raw.kinds),
            ("requires_kinds", &raw.requires_kinds),
        ] {
            for kind in list.get_ref() {
                if worklog_schema::EventKind::from_name(kind).is_none() {
                    return Err(error(
                        Some(list.span().start),
                        format!("`{field}` names {kind:?}, which is not an event kind"),
                    ));
                }
            }
        }
        for table in raw.tables.get_ref() {
            if !REFERENCE_TABLES.iter().any(|t| t.name == table) {
                let known: Vec<&str> = REFERENCE_TABLES.iter().map(|t| t.name).collect();
                return Err(error(
                    Some(raw.tables.span().start),
                    format!(
                        "`tables` names {table:?}, which is not a reference table (known: {})",
                        known.join(", ")
                    ),
                ));
            }
        }
        for (field, value) in [
            ("title_ja", &raw.title_ja),
            ("title_en", &raw.title_en),
            ("rationale_ja", &raw.rationale_ja),
            ("rationale_en", &raw.rationale_en),
            ("remediation_ja", &raw.remediation_ja),
            ("remediation_en", &raw.remediation_en),
        ] {
            if value.trim().is_empty() {
                return Err(error(None, format!("`{field}` is empty")));
            }
        }
        if raw.sql.get_ref().trim().is_empty() {
            return Err(error(Some(raw.sql.span().start), "`sql` is empty".into()));
        }
        let details = match raw.details {
            None => BTreeMap::new(),
            Some(details) => {
                let at = Some(details.span().start);
                let mut out = BTreeMap::new();
                for (code, text) in details.into_inner() {
                    if code.is_empty()
                        || !code
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                    {
                        return Err(error(
                            at,
                            format!(
                                "`details` code {code:?} must be snake_case ASCII (a-z, 0-9, _)"
                            ),
                        ));
                    }
                    for (language, value) in [("ja", &text.ja), ("en", &text.en)] {
                        if value.trim().is_empty() {
                            return Err(error(at, format!("`details.{code}.{language}` is empty")));
                        }
                        if let Err(reason) = check_placeholders(value) {
                            return Err(error(
                                at,
                                format!("`details.{code}.{language}`: {reason}"),
                            ));
                        }
                    }
                    out.insert(
                        code,
                        DetailText {
                            ja: text.ja,
                            en: text.en,
                        },
                    );
                }
                out
            }
        };
        // A multi-line basic string starts on the line after `"""`.
        let sql_start = raw.sql.span().start;
        let sql_line = line_of(sql_start)
            + usize::from(
                text[sql_start..].starts_with("\"\"\"\n") || text[sql_start..].starts_with("'''\n"),
            );
        if let Err((offset, reason)) = crate::portable::check(raw.sql.get_ref()) {
            let sql = raw.sql.get_ref();
            return Err(RuleFileError {
                file: file.to_owned(),
                line: Some(sql_line + sql[..offset.min(sql.len())].matches('\n').count()),
                reason: format!(
                    "not in the portable SQL subset (docs/rules.md), which every engine runs alike: {reason}"
                ),
            });
        }
        Ok(Rule {
            id,
            category,
            items: raw.items,
            severity,
            title_ja: raw.title_ja,
            title_en: raw.title_en,
            rationale_ja: raw.rationale_ja,
            rationale_en: raw.rationale_en,
            remediation_ja: raw.remediation_ja,
            remediation_en: raw.remediation_en,
            kinds: raw.kinds.into_inner(),
            tables: raw.tables.into_inner(),
            requires_kinds: raw.requires_kinds.into_inner(),
            sql: raw.sql.into_inner(),
            file: file.to_owned(),
            sql_line,
            details,
        })
    }

    /// The detail texts with every `{setting}` placeholder naming one of
    /// `params` replaced by its value as a person reads it (`{name}` of an
    /// evidence column stays for the report to fill per finding).
    pub fn details_with(&self, params: &Params) -> BTreeMap<String, DetailText> {
        self.details
            .iter()
            .map(|(code, text)| {
                let fill = |s: &str| {
                    worklog_model::fill_placeholders(s, |name| {
                        params.get(name).map(|v| v.display())
                    })
                };
                (
                    code.clone(),
                    DetailText {
                        ja: fill(&text.ja),
                        en: fill(&text.en),
                    },
                )
            })
            .collect()
    }

    /// The title in `language` (`ja` or `en`).
    pub fn title(&self, language: crate::Language) -> &str {
        match language {
            crate::Language::En => &self.title_en,
            _ => &self.title_ja,
        }
    }

    /// The remediation text in `language`.
    pub fn remediation(&self, language: crate::Language) -> &str {
        match language {
            crate::Language::En => &self.remediation_en,
            _ => &self.remediation_ja,
        }
    }

    /// The SQL with every `${parameter}` replaced by its literal (standard
    /// SQL literals, as polars and DuckDB read them).
    pub fn render_sql(&self, params: &Params) -> Result<String, RuleFileError> {
        self.render_sql_for(params, Dialect::Standard)
    }

    /// The SQL with every `${parameter}` replaced by its literal, written
    /// for `dialect`.
    pub fn render_sql_for(
        &self,
        params: &Params,
        dialect: Dialect,
    ) -> Result<String, RuleFileError> {
        render_template_for(&self.sql, params, dialect).map_err(|(offset, reason)| RuleFileError {
            file: self.file.clone(),
            line: Some(self.line_in_sql(offset)),
            reason,
        })
    }

    /// The file line of a byte offset in the (unrendered) SQL text.
    pub fn line_in_sql(&self, offset: usize) -> usize {
        self.sql_line + self.sql[..offset.min(self.sql.len())].matches('\n').count()
    }
}

/// Checks that every `{` opens a placeholder `{name}` (snake_case) that
/// closes.
fn check_placeholders(text: &str) -> Result<(), String> {
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let end = after
            .find('}')
            .ok_or_else(|| "`{` without a closing `}`".to_owned())?;
        let name = &after[..end];
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(format!(
                "placeholder `{{{name}}}` must name a column or setting (snake_case)"
            ));
        }
        rest = &after[end + 1..];
    }
    Ok(())
}
