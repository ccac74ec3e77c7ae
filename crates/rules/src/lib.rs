//! The rule engine of Worklog Analyzer. So far: the evaluation-item
//! catalog, which is data (`rules/catalog/*.toml`) because the standard's
//! item numbers move every year.
//!
//! # Example
//! ```
//! let text = r#"
//! edition = "example"
//! title_ja = "業務品質評価基準"
//! title_en = "Business-quality standard"
//! [[item]]
//! number = "119"
//! level = "基本項目"
//! parent = ""
//! applies_to = "all"
//! question_ja = "業務用パソコンにおいて、安全性が確保されたネットワーク接続を行っている"
//! question_en = "Business PCs use secured networks only."
//! summary_en = "secured networks only"
//! "#;
//! let catalog = worklog_rules::Catalog::parse(text, "example.toml").unwrap();
//! assert_eq!(catalog.item("119").unwrap().level, worklog_rules::Level::Basic);
//! ```

mod catalog;

pub use catalog::{Applicability, Catalog, CatalogError, Item, Level};
