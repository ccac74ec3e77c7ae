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
