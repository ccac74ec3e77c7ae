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
    // The catalog is compiled in: `label_catalog_errors` (a test) fails the build
    // on any flaw, so at run time a flawed entry is only left out.
    TABLE.get_or_init(|| parse(LABELS).0)
}

/// The table, and every flaw of the text: not TOML, a group that is not a
/// table, an entry that is not `[Japanese, English]`, an empty text.
fn parse(text: &str) -> (Table, Vec<String>) {
    let mut out = Table::new();
    let mut errors = Vec::new();
    let root = match text.parse::<toml::Table>() {
        Ok(root) => root,
        Err(e) => return (out, vec![format!("not TOML: {e}")]),
    };
    let mut add = |group: String, entries: &toml::Table, errors: &mut Vec<String>| {
        for (key, pair) in entries {
            let texts: Option<Vec<String>> = pair.as_array().and_then(|a| {
                a.iter()
                    .map(|v| v.as_str().map(str::to_owned))
                    .collect::<Option<Vec<String>>>()
            });
            match texts.and_then(|t| <[String; 2]>::try_from(t).ok()) {
                Some(pair) if pair.iter().all(|t| !t.trim().is_empty()) => {
                    out.insert((group.clone(), key.clone()), pair);
                }
                _ => errors.push(format!("[{group}] {key}: not [Japanese, English] texts")),
            }
        }
    };
    for (group, entries) in &root {
        let Some(entries) = entries.as_table() else {
            errors.push(format!("{group}: not a table"));
            continue;
        };
        if group == "value" {
            for (column, values) in entries {
                match values.as_table() {
                    Some(values) => add(format!("value.{column}"), values, &mut errors),
                    None => errors.push(format!("value.{column}: not a table")),
                }
            }
        } else {
            add(group.clone(), entries, &mut errors);
        }
    }
    (out, errors)
}

/// The flaws of the compiled-in catalog (none: a test holds it so).
pub fn label_catalog_errors() -> Vec<String> {
    parse(LABELS).1
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

/// Every `(key, text)` of `group` in `language`, in the order of the keys.
pub fn labels_of(group: &str, language: Language) -> Vec<(&'static str, &'static str)> {
    table()
        .iter()
        .filter(|((g, _), _)| g == group)
        .map(|((_, key), [ja, en])| {
            (
                key.as_str(),
                match language {
                    Language::En => en.as_str(),
                    Language::Ja => ja.as_str(),
                },
            )
        })
        .collect()
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
    fn the_catalog_has_no_flaw_and_flaws_are_found() {
        assert_eq!(label_catalog_errors(), Vec::<String>::new());
        let (_, errors) = parse("[kind]\nweb = [\"ウェブ\"]\nmail = [\"\", \"Mail\"]\nx = 3\n");
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(!parse("[kind\n").1.is_empty());
    }

    #[test]
    fn every_verdict_reason_has_its_sentence() {
        use crate::VerdictReason as R;
        let coverage = crate::Coverage {
            in_service_days: 14,
            active_days: 10,
            kind: "web".into(),
            evidence_days: 3,
            weeks: 2,
            weeks_with_evidence: 1,
            required_pct: 75,
        };
        let windows = vec![crate::ClockWindow {
            from: 0,
            to: 7_200_000_000,
        }];
        let reasons = [
            R::Findings { fail: 2, review: 1 },
            R::NoEvents,
            R::MissingKinds {
                kinds: vec!["web".into()],
            },
            R::NotPortable,
            R::NoUsableRule {
                failed_rules: vec!["eos_os".into()],
            },
            R::IntegrityAnomaly {
                classes: vec![crate::AnomalyKind::RowDeleted],
            },
            R::InsufficientCoverage {
                coverage: coverage.clone(),
            },
            R::FindingsInClockWindow {
                fail: 1,
                windows: windows.clone(),
            },
            R::CoverageInClockWindow { coverage, windows },
            R::NothingFound,
            R::FromSubItems {
                items: vec!["125-1".into()],
            },
        ];
        for reason in &reasons {
            for language in [Language::Ja, Language::En] {
                let text = reason.text(language);
                assert!(
                    label("verdict_reason", reason.key(), language).is_some()
                        && !text.contains('{')
                        && text != reason.key(),
                    "{reason:?}: {text}"
                );
            }
        }
        assert_eq!(reasons[0].text(Language::Ja), "指摘 2 件(要確認 1 件)");
        assert_eq!(
            reasons[7].text(Language::En),
            "all 1 finding(s) lie where the device's clock went back (1 stretch(es), 2 hour(s) in all): their order in time is uncertain"
        );
    }

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
