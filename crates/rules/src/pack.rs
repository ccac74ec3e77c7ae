//! A rule pack: one edition's catalog plus its rule files.
//!
//! Layout: `<pack>/catalog.toml` and `<pack>/rules/<rule id>.toml`. A new
//! edition of the standard is a new pack folder; no code changes. A pack
//! loads from a folder ([`RulePack::load`]) or from files in memory
//! ([`RulePack::from_files`]: a pack built into a program), alike.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use worklog_hash::Sha256Digest;
use worklog_model::{Category, InputFile};

use crate::catalog::Catalog;
use crate::error::{Error, Result, RuleFileError};
use crate::rule::Rule;

/// The catalog's path in a pack.
const CATALOG: &str = "catalog.toml";
/// The rules folder's path in a pack.
const RULES: &str = "rules";

/// A loaded rule pack. Rule files that could not be used are kept in
/// [`RulePack::problems`] and left out; the others still run.
#[derive(Debug, Clone)]
pub struct RulePack {
    /// Where it came from: the folder, or the name of the files given.
    pub origin: String,
    /// Every file of the pack (fixtures too), path relative to the pack,
    /// with its SHA-256: the manifest's record of the rules that ran.
    pub files: Vec<InputFile>,
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
        let mut paths = Vec::new();
        walk(dir, &mut paths)?;
        let mut files = Vec::with_capacity(paths.len());
        for path in paths {
            let bytes = std::fs::read(&path).map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })?;
            files.push((relative(&path, dir), bytes));
        }
        let named: Vec<(&str, &[u8])> = files
            .iter()
            .map(|(path, bytes)| (path.as_str(), bytes.as_slice()))
            .collect();
        RulePack::from_files(&dir.display().to_string(), &named)
    }

    /// The pack of `files`, `(path inside the pack, contents)`, named
    /// `origin` in errors (`<origin>/rules/x.toml`).
    pub fn from_files(origin: &str, files: &[(&str, &[u8])]) -> Result<RulePack> {
        let name = |path: &str| Path::new(origin).join(path).display().to_string();
        let text_of = |path: &str, bytes: &[u8]| {
            String::from_utf8(bytes.to_vec()).map_err(|_| RuleFileError {
                file: name(path),
                line: None,
                reason: "not UTF-8 text: save the file as UTF-8".into(),
            })
        };
        let catalog_bytes = files
            .iter()
            .find(|(path, _)| *path == CATALOG)
            .map(|(_, bytes)| *bytes)
            .ok_or_else(|| RuleFileError {
                file: name(CATALOG),
                line: None,
                reason: "missing: a rule pack holds catalog.toml and rules/<rule id>.toml".into(),
            })?;
        let catalog =
            Catalog::parse(&text_of(CATALOG, catalog_bytes)?, &name(CATALOG)).map_err(|e| {
                RuleFileError {
                    file: e.file,
                    line: e.line,
                    reason: e.reason,
                }
            })?;
        let mut rule_files: Vec<(&str, &[u8])> = files
            .iter()
            .copied()
            .filter(|(path, _)| is_rule_file(path))
            .collect();
        rule_files.sort_by(|a, b| a.0.cmp(b.0));
        let mut rules: Vec<Rule> = Vec::new();
        let mut problems = Vec::new();
        for (path, bytes) in rule_files {
            let file = name(path);
            let rule = text_of(path, bytes)
                .and_then(|text| Rule::parse(&text, &file))
                .and_then(|rule| check_against(rule, path, &file, &catalog, &rules));
            match rule {
                Ok(rule) => rules.push(rule),
                Err(problem) => problems.push(problem),
            }
        }
        if rules.is_empty() && problems.is_empty() {
            return Err(Error::Pack(RuleFileError {
                file: name(RULES),
                line: None,
                reason: "no rule files (*.toml) in the pack's rules folder".into(),
            }));
        }
        rules.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(RulePack {
            origin: origin.to_owned(),
            files: hashed(files),
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

/// `rules/<name>.toml`, directly in the rules folder.
fn is_rule_file(path: &str) -> bool {
    path.strip_prefix("rules/")
        .is_some_and(|name| !name.contains('/') && name.ends_with(".toml"))
}

/// Every file of the pack with its digest, sorted by path.
fn hashed(files: &[(&str, &[u8])]) -> Vec<InputFile> {
    let mut out: Vec<InputFile> = files
        .iter()
        .map(|(path, bytes)| InputFile {
            path: (*path).to_owned(),
            bytes: bytes.len() as u64,
            sha256: Sha256Digest(Sha256::digest(bytes).into()),
            verified: None,
        })
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// Every file under `dir`, recursively.
pub(crate) fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|source| Error::Io {
        path: dir.to_owned(),
        source,
    })?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// `path` below `root`, `/`-separated.
fn relative(path: &Path, root: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn check_against(
    rule: Rule,
    path: &str,
    file: &str,
    catalog: &Catalog,
    earlier: &[Rule],
) -> std::result::Result<Rule, RuleFileError> {
    let problem = |reason: String| RuleFileError {
        file: file.to_owned(),
        line: None,
        reason,
    };
    let stem = path
        .rsplit('/')
        .next()
        .and_then(|name| name.strip_suffix(".toml"))
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
    Ok(rule)
}
