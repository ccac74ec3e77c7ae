//! What a rule reports on and how its findings weigh.

use std::fmt;

/// What a rule reports on.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Category {
    /// An evaluation item of the catalog (its findings decide verdicts).
    Item,
    /// A leak-prevention signal (reported, no verdict).
    Leak,
    /// A log-management check (coverage of the log itself).
    Log,
}

impl Category {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Item => "item",
            Category::Leak => "leak",
            Category::Log => "log",
        }
    }
}

/// How a finding weighs.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Severity {
    /// Non-compliance: the item fails (不適合).
    Fail,
    /// Needs a person to look (要確認).
    Review,
    /// A leak-prevention signal.
    Signal,
    /// A hole in the evidence (log management).
    Gap,
}

impl Severity {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Fail => "fail",
            Severity::Review => "review",
            Severity::Signal => "signal",
            Severity::Gap => "gap",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An item's level in the standard: 基本項目 (basic) or 応用項目 (advanced).
/// Its JSON form is the standard's Japanese name.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[non_exhaustive]
pub enum ItemLevel {
    /// 基本項目
    #[serde(rename = "基本項目")]
    Basic,
    /// 応用項目
    #[serde(rename = "応用項目")]
    Advanced,
}

impl ItemLevel {
    /// The standard's name for it (the catalogs' `level` key).
    pub fn name_ja(self) -> &'static str {
        match self {
            ItemLevel::Basic => "基本項目",
            ItemLevel::Advanced => "応用項目",
        }
    }

    /// The level in the report's language.
    pub fn name(self, language: crate::Language) -> &'static str {
        crate::label("level", self.name_ja(), language).unwrap_or(self.name_ja())
    }

    /// The level named by the standard's Japanese name.
    pub fn from_name_ja(name: &str) -> Option<ItemLevel> {
        [ItemLevel::Basic, ItemLevel::Advanced]
            .into_iter()
            .find(|l| l.name_ja() == name)
    }
}

impl fmt::Display for ItemLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name_ja())
    }
}
