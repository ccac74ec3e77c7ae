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
    /// For a log rule: what its findings count as in the log-management
    /// checks (`log_role`); `None` for the other categories.
    pub log_role: Option<LogRole>,
    /// Whether its findings are attempts against the logs themselves (an
    /// agent stopped, a log cleared): page one weighs them against the
    /// logs' integrity (`concerns_logs = true`).
    pub concerns_logs: bool,
}

/// What a log rule's findings count as in the log-management checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum LogRole {
    /// A silence while the device was in use: counted as the device's
    /// gaps, and in ログ取得の対象範囲.
    UseGap,
    /// Records missing from an imported source log: counted in ログ取得の
    /// 対象範囲.
    SourceGap,
    /// A device with no events at all: ログ取得の対象範囲 counts silent
    /// devices from the inventory, so the finding adds no gap.
    SilentDevice,
}

impl LogRole {
    const ALL: [LogRole; 3] = [LogRole::UseGap, LogRole::SourceGap, LogRole::SilentDevice];

    /// The name in rule files.
    pub fn as_str(self) -> &'static str {
        match self {
            LogRole::UseGap => "use_gap",
            LogRole::SourceGap => "source_gap",
            LogRole::SilentDevice => "silent_device",
        }
    }

    /// Whether its findings are gaps in ログ取得の対象範囲.
    pub fn is_gap(self) -> bool {
        matches!(self, LogRole::UseGap | LogRole::SourceGap)
    }
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
    #[serde(default)]
    log_role: Option<toml::Spanned<String>>,
    #[serde(default)]
    concerns_logs: bool,
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
        let at = Source { text, file };
        let raw: RawRule = toml::from_str(text)
            .map_err(|e| at.error(e.span().map(|s| s.start), e.message().trim().to_owned()))?;
        let id = at.id(&raw.id)?;
        let (category, severity) = at.category_and_severity(&raw)?;
        at.check_items_and_evidence(&raw, category)?;
        at.check_kinds_and_tables(&raw)?;
        at.check_texts(&raw)?;
        let log_role = at.log_role(raw.log_role.as_ref(), category)?;
        let details = match raw.details {
            None => BTreeMap::new(),
            Some(details) => at.details(details)?,
        };
        let sql_line = at.checked_sql(&raw.sql)?;
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
            log_role,
            concerns_logs: raw.concerns_logs,
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

/// A rule file's text and name, for the checks of [`Rule::parse`]: each
/// error names the file and the line.
struct Source<'a> {
    text: &'a str,
    file: &'a str,
}

impl Source<'_> {
    fn line_of(&self, offset: usize) -> usize {
        self.text[..offset.min(self.text.len())]
            .matches('\n')
            .count()
            + 1
    }

    fn error(&self, offset: Option<usize>, reason: String) -> RuleFileError {
        RuleFileError {
            file: self.file.to_owned(),
            line: offset.map(|o| self.line_of(o)),
            reason,
        }
    }

    fn id(&self, id: &toml::Spanned<String>) -> Result<String, RuleFileError> {
        let text = id.get_ref();
        if !is_snake_case(text) {
            return Err(self.error(
                Some(id.span().start),
                format!("`id` must be snake_case ASCII (a-z, 0-9, _), found {text:?}"),
            ));
        }
        Ok(text.clone())
    }

    fn category_and_severity(&self, raw: &RawRule) -> Result<(Category, Severity), RuleFileError> {
        let category = match raw.category.as_ref().map(|c| c.get_ref().as_str()) {
            None | Some("item") => Category::Item,
            Some("leak") => Category::Leak,
            Some("log") => Category::Log,
            Some(other) => {
                return Err(self.error(
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
                return Err(self.error(
                    Some(raw.severity.span().start),
                    format!(
                        "`severity` of a {} rule must be {allowed}, found {other:?}",
                        category.as_str()
                    ),
                ));
            }
        };
        Ok((category, severity))
    }

    fn check_items_and_evidence(
        &self,
        raw: &RawRule,
        category: Category,
    ) -> Result<(), RuleFileError> {
        if category == Category::Item && raw.items.is_empty() {
            return Err(self.error(
                None,
                "`items` is empty: an item rule must name the catalog items it serves".into(),
            ));
        }
        // An item rule that names no evidence would let a device with no
        // relevant events at all come out 適合: the verdict needs to know
        // which events show that the control was watched.
        if category == Category::Item && raw.requires_kinds.get_ref().is_empty() {
            return Err(self.error(
                Some(raw.requires_kinds.span().start),
                "`requires_kinds` is empty: an item rule must name the event kinds that show the control was monitored (e.g. [\"network\"]), so that a device without them is 証跡不足, not 適合".into(),
            ));
        }
        if category != Category::Item && !raw.items.is_empty() {
            return Err(self.error(
                None,
                format!(
                    "`items` must be empty for a {} rule (only item rules decide verdicts)",
                    category.as_str()
                ),
            ));
        }
        Ok(())
    }

    fn check_kinds_and_tables(&self, raw: &RawRule) -> Result<(), RuleFileError> {
        for (field, list) in [
            ("kinds", &raw.kinds),
            ("requires_kinds", &raw.requires_kinds),
        ] {
            for kind in list.get_ref() {
                if worklog_schema::EventKind::from_name(kind).is_none() {
                    return Err(self.error(
                        Some(list.span().start),
                        format!("`{field}` names {kind:?}, which is not an event kind"),
                    ));
                }
            }
        }
        for table in raw.tables.get_ref() {
            if !REFERENCE_TABLES.iter().any(|t| t.name == table) {
                let known: Vec<&str> = REFERENCE_TABLES.iter().map(|t| t.name).collect();
                return Err(self.error(
                    Some(raw.tables.span().start),
                    format!(
                        "`tables` names {table:?}, which is not a reference table (known: {})",
                        known.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }

    fn check_texts(&self, raw: &RawRule) -> Result<(), RuleFileError> {
        for (field, value) in [
            ("title_ja", &raw.title_ja),
            ("title_en", &raw.title_en),
            ("rationale_ja", &raw.rationale_ja),
            ("rationale_en", &raw.rationale_en),
            ("remediation_ja", &raw.remediation_ja),
            ("remediation_en", &raw.remediation_en),
        ] {
            if value.trim().is_empty() {
                return Err(self.error(None, format!("`{field}` is empty")));
            }
        }
        Ok(())
    }

    /// A log rule must say what its findings count as; no other rule may.
    fn log_role(
        &self,
        role: Option<&toml::Spanned<String>>,
        category: Category,
    ) -> Result<Option<LogRole>, RuleFileError> {
        let names = || LogRole::ALL.map(LogRole::as_str).join(", ");
        match (role, category) {
            (None, Category::Log) => Err(self.error(
                None,
                format!(
                    "`log_role` is missing: a log rule must say what its findings count as ({})",
                    names()
                ),
            )),
            (None, _) => Ok(None),
            (Some(role), Category::Log) => LogRole::ALL
                .into_iter()
                .find(|r| r.as_str() == role.get_ref())
                .map(Some)
                .ok_or_else(|| {
                    self.error(
                        Some(role.span().start),
                        format!(
                            "`log_role` must be one of {}, found {:?}",
                            names(),
                            role.get_ref()
                        ),
                    )
                }),
            (Some(role), _) => Err(self.error(
                Some(role.span().start),
                format!(
                    "`log_role` is for log rules only, not a {} rule",
                    category.as_str()
                ),
            )),
        }
    }

    fn details(
        &self,
        details: toml::Spanned<BTreeMap<String, RawDetail>>,
    ) -> Result<BTreeMap<String, DetailText>, RuleFileError> {
        let at = Some(details.span().start);
        let mut out = BTreeMap::new();
        for (code, text) in details.into_inner() {
            if !is_snake_case(&code) {
                return Err(self.error(
                    at,
                    format!("`details` code {code:?} must be snake_case ASCII (a-z, 0-9, _)"),
                ));
            }
            for (language, value) in [("ja", &text.ja), ("en", &text.en)] {
                if value.trim().is_empty() {
                    return Err(self.error(at, format!("`details.{code}.{language}` is empty")));
                }
                if let Err(reason) = check_placeholders(value) {
                    return Err(self.error(at, format!("`details.{code}.{language}`: {reason}")));
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
        Ok(out)
    }

    /// The line the SQL starts on, once it is known to be in the portable
    /// subset.
    fn checked_sql(&self, sql: &toml::Spanned<String>) -> Result<usize, RuleFileError> {
        let text = sql.get_ref();
        if text.trim().is_empty() {
            return Err(self.error(Some(sql.span().start), "`sql` is empty".into()));
        }
        // A multi-line basic string starts on the line after `"""`.
        let start = sql.span().start;
        let after = &self.text[start.min(self.text.len())..];
        let sql_line = self.line_of(start)
            + usize::from(after.starts_with("\"\"\"\n") || after.starts_with("'''\n"));
        if let Err((offset, reason)) = crate::portable::check(text) {
            return Err(RuleFileError {
                file: self.file.to_owned(),
                line: Some(sql_line + text[..offset.min(text.len())].matches('\n').count()),
                reason: format!(
                    "not in the portable SQL subset (docs/rules.md), which every engine runs alike: {reason}"
                ),
            });
        }
        Ok(sql_line)
    }
}

/// Non-empty snake_case ASCII (a-z, 0-9, _).
fn is_snake_case(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log_rule(extra: &str) -> String {
        format!(
            "id = \"quiet\"\ncategory = \"log\"\nseverity = \"gap\"\n{extra}title_ja = \"t\"\ntitle_en = \"t\"\n\
             rationale_ja = \"r\"\nrationale_en = \"r\"\nremediation_ja = \"m\"\nremediation_en = \"m\"\n\
             kinds = []\ntables = []\nrequires_kinds = []\nsql = \"SELECT device_id, 'x' AS detail FROM events\"\n"
        )
    }

    #[test]
    fn a_log_rule_says_what_its_findings_count_as() {
        let rule = Rule::parse(&log_rule("log_role = \"source_gap\"\n"), "quiet.toml").unwrap();
        assert_eq!(rule.log_role, Some(LogRole::SourceGap));
        assert!(rule.log_role.is_some_and(LogRole::is_gap));

        let missing = Rule::parse(&log_rule(""), "quiet.toml").unwrap_err();
        assert!(
            missing.reason.contains("`log_role` is missing"),
            "{missing}"
        );
        let unknown = Rule::parse(&log_rule("log_role = \"gap\"\n"), "quiet.toml").unwrap_err();
        assert_eq!(unknown.line, Some(4), "{unknown}");
        assert!(
            unknown
                .reason
                .contains("use_gap, source_gap, silent_device"),
            "{unknown}"
        );

        let item = log_rule("log_role = \"use_gap\"\n")
            .replace("category = \"log\"", "category = \"leak\"")
            .replace("severity = \"gap\"", "severity = \"signal\"");
        let refused = Rule::parse(&item, "quiet.toml").unwrap_err();
        assert!(refused.reason.contains("log rules only"), "{refused}");
    }
}
