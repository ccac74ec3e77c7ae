//! The evaluation-item catalog.

use std::path::Path;

use serde::Deserialize;

/// A catalog file could not be used; names the file, the line and the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}{}: {reason}", line.map(|l| format!(" line {l}")).unwrap_or_default())]
pub struct CatalogError {
    /// The catalog file.
    pub file: String,
    /// 1-based line, when the problem is tied to one.
    pub line: Option<usize>,
    /// What is wrong (naming the field) and what to do.
    pub reason: String,
}

/// 基本項目 (basic) or 応用項目 (advanced): the model's [`ItemLevel`].
pub use worklog_model::ItemLevel as Level;

/// Which devices an item is judged on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Applicability {
    /// Every device.
    All,
    /// Portable devices only (対象外 for a desktop).
    Portable,
}

/// One evaluation item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Item number as printed in the edition (`108`, `125-1`).
    pub number: String,
    /// 基本項目 or 応用項目.
    pub level: Level,
    /// The parent item for a sub-item (`125` for `125-1`).
    pub parent: Option<String>,
    /// Which devices it is judged on.
    pub applies_to: Applicability,
    /// The question, verbatim from the standard.
    pub question_ja: String,
    /// Our English rendering.
    pub question_en: String,
    /// A short English summary for tables.
    pub summary_en: String,
}

/// The items of one edition of the standard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalog {
    /// Edition identifier.
    pub edition: String,
    /// The edition as the catalog states it (an `[edition]` table; a
    /// catalog with `edition = "…"` only states its identifier).
    pub edition_info: Option<worklog_model::Edition>,
    /// Title, Japanese.
    pub title_ja: String,
    /// Title, English.
    pub title_en: String,
    /// Items in file order.
    pub items: Vec<Item>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalog {
    edition: RawEdition,
    title_ja: String,
    title_en: String,
    item: Vec<toml::Spanned<RawItem>>,
}

/// `edition = "id"`, or a table that states the edition.
#[derive(Deserialize)]
#[serde(untagged)]
enum RawEdition {
    Id(String),
    Stated(RawEditionTable),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEditionTable {
    id: String,
    /// The edition's year; absent when the source names none.
    year: Option<u16>,
    name_ja: String,
    name_en: String,
    source_ja: String,
    source_en: String,
    not_judged_ja: String,
    not_judged_en: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItem {
    number: String,
    level: toml::Spanned<String>,
    parent: String,
    applies_to: toml::Spanned<String>,
    question_ja: toml::Spanned<String>,
    question_en: String,
    summary_en: String,
}

impl Catalog {
    /// Reads and checks a catalog file.
    pub fn load(path: &Path) -> Result<Self, CatalogError> {
        let text = std::fs::read_to_string(path).map_err(|e| CatalogError {
            file: path.display().to_string(),
            line: None,
            reason: format!("cannot read: {e}"),
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses and checks catalog text; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Self, CatalogError> {
        let line_of =
            |offset: usize| Some(text[..offset.min(text.len())].matches('\n').count() + 1);
        let error = |offset: Option<usize>, reason: String| CatalogError {
            file: file.to_owned(),
            line: offset.and_then(line_of),
            reason,
        };
        let raw: RawCatalog = toml::from_str(text).map_err(|e| {
            let reason = e.message().to_owned();
            error(e.span().map(|s| s.start), reason)
        })?;
        let mut items: Vec<Item> = Vec::with_capacity(raw.item.len());
        for spanned in raw.item {
            let at = spanned.span().start;
            let item = parse_item(spanned.into_inner(), &items, &|offset, reason| {
                error(Some(offset.unwrap_or(at)), reason)
            })?;
            items.push(item);
        }
        if items.is_empty() {
            return Err(error(None, "no `[[item]]` entries".into()));
        }
        let (edition, edition_info) = match raw.edition {
            RawEdition::Id(id) => (id, None),
            RawEdition::Stated(e) => (
                e.id.clone(),
                Some(worklog_model::Edition {
                    id: e.id,
                    year: e.year,
                    name_ja: e.name_ja,
                    name_en: e.name_en,
                    source_ja: e.source_ja,
                    source_en: e.source_en,
                    not_judged_ja: e.not_judged_ja,
                    not_judged_en: e.not_judged_en,
                }),
            ),
        };
        Ok(Catalog {
            edition,
            edition_info,
            title_ja: raw.title_ja,
            title_en: raw.title_en,
            items,
        })
    }

    /// The item numbered `number`.
    pub fn item(&self, number: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.number == number)
    }
}

/// One `[[item]]` checked against the items listed before it; `error`
/// makes an error at an offset of the file (`None`: the item's start).
fn parse_item(
    item: RawItem,
    items: &[Item],
    error: &dyn Fn(Option<usize>, String) -> CatalogError,
) -> Result<Item, CatalogError> {
    if item.number.trim().is_empty() {
        return Err(error(None, "`number` is empty".into()));
    }
    if items.iter().any(|i| i.number == item.number) {
        return Err(error(
            None,
            format!("item `{}` is listed twice", item.number),
        ));
    }
    let level = match item.level.get_ref().as_str() {
        "基本項目" => Level::Basic,
        "応用項目" => Level::Advanced,
        other => {
            return Err(error(
                Some(item.level.span().start),
                format!("`level` must be 基本項目 or 応用項目, found {other:?}"),
            ));
        }
    };
    let applies_to = match item.applies_to.get_ref().as_str() {
        "all" => Applicability::All,
        "portable" => Applicability::Portable,
        other => {
            return Err(error(
                Some(item.applies_to.span().start),
                format!("`applies_to` must be all or portable, found {other:?}"),
            ));
        }
    };
    if item.question_ja.get_ref().trim().is_empty() {
        return Err(error(
            Some(item.question_ja.span().start),
            format!("`question_ja` of item {} is empty", item.number),
        ));
    }
    let parent = (!item.parent.is_empty()).then_some(item.parent);
    if let Some(parent) = &parent
        && !items.iter().any(|i| &i.number == parent)
    {
        return Err(error(
            None,
            format!(
                "item `{}` names parent `{parent}`, which is not listed before it",
                item.number
            ),
        ));
    }
    Ok(Item {
        number: item.number,
        level,
        parent,
        applies_to,
        question_ja: item.question_ja.into_inner(),
        question_en: item.question_en,
        summary_en: item.summary_en,
    })
}
