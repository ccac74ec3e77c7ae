//! Words for identifiers: evidence columns, enumerated values, event kinds
//! and integrity anomaly classes, in both report languages
//! (`templates/labels.toml`, compiled in).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::language::Language;

const LABELS: &str = include_str!("../../../templates/labels.toml");

/// `(group, key)` → `[ja, en]`; groups are `column`, `value.<column>`,
/// `kind` and `anomaly`.
type Table = BTreeMap<(String, String), [String; 2]>;

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut out = Table::new();
        let Ok(root) = LABELS.parse::<toml::Table>() else {
            return out;
        };
        let mut add = |group: String, entries: &toml::Table| {
            for (key, pair) in entries {
                if let Some([ja, en]) = pair.as_array().and_then(|a| {
                    let texts: Vec<String> = a
                        .iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect();
                    <[String; 2]>::try_from(texts).ok()
                }) {
                    out.insert((group.clone(), key.clone()), [ja, en]);
                }
            }
        };
        for (group, entries) in &root {
            let Some(entries) = entries.as_table() else {
                continue;
            };
            if group == "value" {
                for (column, values) in entries {
                    if let Some(values) = values.as_table() {
                        add(format!("value.{column}"), values);
                    }
                }
            } else {
                add(group.clone(), entries);
            }
        }
        out
    })
}

/// The label of `key` in `group` (`column`, `value.<column>`, `kind`,
/// `anomaly`), if the table has one.
pub fn label(group: &str, key: &str, language: Language) -> Option<&'static str> {
    let [ja, en] = table().get(&(group.to_owned(), key.to_owned()))?;
    Some(match language {
        Language::En => en.as_str(),
        Language::Ja => ja.as_str(),
    })
}

/// An evidence column's label (its name when the table has none).
pub fn column_label(column: &str, language: Language) -> &str {
    label("column", column, language).unwrap_or(column)
}

/// A column's value in words, when it is an enumerated value the table
/// knows (media class, operation, authentication, yes/no, …); other
/// values (names, paths, times) are `None`: shown as they are.
pub fn value_label(column: &str, value: &str, language: Language) -> Option<&'static str> {
    label(&format!("value.{column}"), value, language).or_else(|| match value {
        "true" | "false" => label("value.bool", value, language),
        _ => None,
    })
}

/// An event kind in words (the identifier when unknown).
pub fn kind_label(kind: &str, language: Language) -> &str {
    label("kind", kind, language).unwrap_or(kind)
}

/// A source family in words (for the report's 証跡の出所 and its legend).
pub fn source_label(family: crate::SourceFamily, language: Language) -> &'static str {
    label("source", family.as_str(), language).unwrap_or(family.as_str())
}

/// A source family's legend line: what it is and how it is read.
pub fn source_legend(family: crate::SourceFamily, language: Language) -> &'static str {
    label("source_legend", family.as_str(), language).unwrap_or("")
}

/// An integrity anomaly class in words (the identifier when unknown).
pub fn anomaly_label(class: &str, language: Language) -> &str {
    label("anomaly", class, language).unwrap_or(class)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_parses_and_falls_back_to_identifiers() {
        assert!(table().len() > 150, "{}", table().len());
        assert_eq!(column_label("web_domain", Language::Ja), "ドメイン");
        assert_eq!(
            column_label("no_such_column", Language::Ja),
            "no_such_column"
        );
        assert_eq!(
            value_label("media_class", "sd_card", Language::En),
            Some("SD card")
        );
        assert_eq!(value_label("elevated", "true", Language::Ja), Some("はい"));
        assert_eq!(value_label("ssid", "true-net", Language::Ja), None);
        assert_eq!(kind_label("network", Language::Ja), "ネットワーク接続");
        assert_eq!(anomaly_label("row_deleted", Language::Ja), "行の削除");
        for family in crate::SourceFamily::ALL {
            assert!(label("source", family.as_str(), Language::Ja).is_some());
            assert!(label("source", family.as_str(), Language::En).is_some());
            assert!(!source_legend(family, Language::Ja).is_empty());
            assert!(!source_legend(family, Language::En).is_empty());
        }
    }
}
