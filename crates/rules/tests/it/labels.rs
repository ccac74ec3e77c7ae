//! Every identifier a report can show has words in both languages:
//! schema columns, enumerated values, operations, event kinds and
//! integrity anomaly classes (`templates/labels.toml`).

use worklog_model::{Language, column_label, kind_label, label, value_label};

#[test]
fn every_identifier_of_the_schema_and_the_verifier_has_words() {
    let mut missing = Vec::new();
    for language in [Language::Ja, Language::En] {
        for column in worklog_schema::COLUMN_NAMES {
            if label("column", column, language).is_none() {
                missing.push(format!("column {column}"));
            }
        }
        for (column, values) in worklog_schema::spec::ENUMERATED {
            for value in *values {
                if value_label(column, value, language).is_none() {
                    missing.push(format!("value {column}={value}"));
                }
            }
        }
        for spec in worklog_schema::spec::OP_SPECS {
            for op in spec.ops {
                if value_label("op", op, language).is_none() {
                    missing.push(format!("op {op}"));
                }
            }
        }
        for kind in worklog_schema::EventKind::ALL {
            if kind_label(kind.as_str(), language) == kind.as_str() && language == Language::Ja {
                missing.push(format!("kind {}", kind.as_str()));
            }
            if label("kind", kind.as_str(), language).is_none() {
                missing.push(format!("kind {}", kind.as_str()));
            }
        }
        for class in worklog_model::AnomalyKind::ALL {
            if label("anomaly", class.as_str(), language).is_none() {
                missing.push(format!("anomaly {}", class.as_str()));
            }
        }
    }
    assert!(missing.is_empty(), "no words for: {missing:?}");
    assert_eq!(column_label("web_domain", Language::Ja), "ドメイン");
}
