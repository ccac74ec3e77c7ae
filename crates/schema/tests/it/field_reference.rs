//! The auditor-facing field reference must describe exactly the schema.

use std::collections::BTreeMap;

use arrow_schema::DataType;
use worklog_schema::{EventKind, event_schema, spec};

fn reference_rows() -> BTreeMap<String, (String, String)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/field-reference.md");
    let text = std::fs::read_to_string(path).expect("docs/field-reference.md");
    let columns = text
        .split("## Columns")
        .nth(1)
        .expect("a `## Columns` section");
    let mut rows = BTreeMap::new();
    for line in columns.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let name = cells[1].trim_matches('`').to_owned();
        assert!(cells.len() >= 7, "row for {name} needs 5 cells: {line}");
        assert!(
            !cells[4].is_empty() && !cells[5].is_empty(),
            "{name}: meaning and example"
        );
        let previous = rows.insert(name.clone(), (cells[2].to_owned(), cells[3].to_owned()));
        assert!(previous.is_none(), "{name} is described twice");
    }
    rows
}

fn doc_type(data_type: &DataType) -> &'static str {
    match data_type {
        DataType::UInt64 => "UInt64",
        DataType::Int64 => "Int64",
        DataType::Int32 => "Int32",
        DataType::Boolean => "Boolean",
        DataType::Utf8 => "Utf8",
        DataType::Date32 => "Date32",
        DataType::Timestamp(_, _) => "Timestamp(µs, UTC)",
        other => panic!("no documented spelling for {other}"),
    }
}

#[test]
fn every_column_has_a_matching_entry_and_every_entry_a_column() {
    let rows = reference_rows();
    let schema = event_schema();
    for field in schema.fields() {
        let Some((doc_ty, kinds)) = rows.get(field.name()) else {
            panic!(
                "column `{}` has no entry in docs/field-reference.md",
                field.name()
            );
        };
        assert_eq!(
            doc_ty,
            doc_type(field.data_type()),
            "type of `{}`",
            field.name()
        );
        let expected = spec::kinds_setting(field.name());
        let expected = if expected.len() == EventKind::ALL.len() {
            "all".to_owned()
        } else {
            expected
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        assert_eq!(kinds, &expected, "kinds that set `{}`", field.name());
    }
    for name in rows.keys() {
        assert!(
            schema.field_with_name(name).is_ok(),
            "docs/field-reference.md describes `{name}`, which is not a column"
        );
    }
}

#[test]
fn column_names_are_snake_case_and_not_sql_reserved_words() {
    const RESERVED: &[&str] = &[
        "user",
        "time",
        "timestamp",
        "date",
        "action",
        "order",
        "group",
        "select",
        "from",
        "where",
        "table",
        "key",
        "value",
        "domain",
        "path",
        "size",
        "type",
        "name",
        "start",
        "end",
        "window",
    ];
    for field in event_schema().fields() {
        let name = field.name();
        assert!(
            name.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
            "{name} is not snake_case"
        );
        assert!(
            !RESERVED.contains(&name.as_str()),
            "{name} is an SQL reserved word"
        );
    }
}
