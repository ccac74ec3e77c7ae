//! Integration tests of the rule crate.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

mod common;
mod duckdb;
mod fixtures;
mod ground_truth;
mod labels;
mod pack_and_waivers;
mod partitions;
mod spark;
mod statistics;

use worklog_rules::{Applicability, Catalog, Level};

fn default_catalog() -> Catalog {
    Catalog::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules/default/catalog.toml"))
        .unwrap()
}

#[test]
fn default_catalog_holds_the_items_of_criteria_md_verbatim() {
    let catalog = default_catalog();
    let numbers: Vec<&str> = catalog.items.iter().map(|i| i.number.as_str()).collect();
    assert_eq!(
        numbers,
        [
            "108", "109", "119", "120", "123", "124", "125", "125-1", "125-2"
        ]
    );
    assert_eq!(catalog.item("108").unwrap().level, Level::Advanced);
    assert_eq!(
        catalog.item("125-1").unwrap().parent.as_deref(),
        Some("125")
    );
    assert_eq!(
        catalog.item("125-2").unwrap().applies_to,
        Applicability::Portable
    );

    // Against the reference itself, where the checkout has it beside.
    let reference = Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|a| a.join("shared/reference/criteria.md"))
        .find(|p| p.is_file());
    let Some(reference) = reference else {
        eprintln!("SKIPPED verbatim check: shared/reference/criteria.md not found");
        return;
    };
    let text = std::fs::read_to_string(reference).unwrap();
    for item in &catalog.items {
        let row = format!(
            "| {} | {} | {} |",
            item.number, item.level, item.question_ja
        );
        assert!(
            text.contains(&row),
            "item {} differs from criteria.md",
            item.number
        );
    }
}

#[test]
fn catalog_errors_name_file_line_and_field() {
    let good = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules/default/catalog.toml"),
    )
    .unwrap();
    let bad_level = good.replacen("level = \"基本項目\"", "level = \"basic\"", 1);
    let err = Catalog::parse(&bad_level, "edition.toml").unwrap_err();
    let line = bad_level
        .lines()
        .position(|l| l == "level = \"basic\"")
        .unwrap()
        + 1;
    assert_eq!(
        err.to_string(),
        format!("edition.toml line {line}: `level` must be 基本項目 or 応用項目, found \"basic\"")
    );

    let typo = good.replacen("question_en", "question_eng", 1);
    let err = Catalog::parse(&typo, "edition.toml").unwrap_err();
    assert!(
        err.to_string().contains("unknown field `question_eng`"),
        "{err}"
    );
    assert!(err.line.is_some());

    let orphan = good.replacen("parent = \"125\"", "parent = \"126\"", 1);
    let err = Catalog::parse(&orphan, "edition.toml").unwrap_err();
    assert!(err.reason.contains("names parent `126`"), "{err}");
}
