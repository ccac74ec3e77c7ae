//! A rule pack: one edition's catalog plus its rule files.
//!
//! Layout: `<pack>/catalog.toml` and `<pack>/rules/<rule id>.toml`. A new
//! edition of the standard is a new pack folder; no code changes.

use std::path::{Path, PathBuf};

use crate::catalog::Catalog;
use crate::error::{Error, Result, RuleFileError};
use crate::rule::Rule;
use worklog_model::Category;

/// A loaded rule pack. Rule files that could not be used are kept in
/// [`RulePack::problems`] and left out; the others still run.
#[derive(Debug, Clone)]
pub struct RulePack {
    /// The pack folder.
    pub dir: PathBuf,
    /// The item catalog.
    pub catalog: Catalog,
    /// Usable rules, sorted by id.
    pub rules: Vec<Rule>,
    /// Rule files that could not be used, sorted by file.
    pub problems: Vec<RuleFileError>,
}

impl RulePack {
    /// Loads `<dir>/catalog.toml` and every `<dir>/rules/*.toml`.
    ///
    /// Fails only when the pack as a whole is unusable (no catalog, no rules
    /// folder); a bad rule file is reported in `problems`.
    pub fn load(dir: &Path) -> Result<RulePack> {
        let catalog_path = dir.join("catalog.toml");
        let catalog = Catalog::load(&catalog_path).map_err(|e| RuleFileError {
            file: e.file,
            line: e.line,
            reason: e.reason,
        })?;
        let rules_dir = dir.join("rules");
        let entries = std::fs::read_dir(&rules_dir).map_err(|source| Error::Io {
            path: rules_dir.clone(),
            source,
        })?;
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        files.sort();
        let mut rules: Vec<Rule> = Vec::new();
        let mut problems = Vec::new();
        for file in files {
            match Rule::load(&file).and_then(|rule| check_against(&rule, &file, &catalog, &rules)) {
                Ok(rule) => rules.push(rule),
                Err(problem) => problems.push(problem),
            }
        }
        if rules.is_empty() && problems.is_empty() {
            return Err(Error::Pack(RuleFileError {
                file: rules_dir.display().to_string(),
                line: None,
                reason: "no rule files (*.toml) in the pack's rules folder".into(),
            }));
        }
        rules.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(RulePack {
            dir: dir.to_owned(),
            catalog,
            rules,
            problems,
        })
    }

    /// The rule with `id`.
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// Item rules serving `item` (directly).
    pub fn rules_for_item<'a>(&'a self, item: &'a str) -> impl Iterator<Item = &'a Rule> + 'a {
        self.rules
            .iter()
            .filter(move |r| r.category == Category::Item && r.items.iter().any(|i| i == item))
    }
}

fn check_against(
    rule: &Rule,
    file: &Path,
    catalog: &Catalog,
    earlier: &[Rule],
) -> std::result::Result<Rule, RuleFileError> {
    let problem = |reason: String| RuleFileError {
        file: file.display().to_string(),
        line: None,
        reason,
    };
    let stem = file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    if stem != rule.id {
        return Err(problem(format!(
            "`id` is {:?} but the file is named {stem:?}: name the file after the id",
            rule.id
        )));
    }
    if earlier.iter().any(|r| r.id == rule.id) {
        return Err(problem(format!("rule id {:?} is used twice", rule.id)));
    }
    for item in &rule.items {
        if catalog.item(item).is_none() {
            return Err(problem(format!(
                "`items` names {item:?}, which is not in the catalog ({})",
                catalog.edition
            )));
        }
    }
    Ok(rule.clone())
}
