//! Errors of the rule engine.

use std::path::PathBuf;

use worklog_model::PeriodError;

use crate::engine::EngineError;

/// A rule file, waiver file or catalog that cannot be used: names the file,
/// the line when there is one, and what to do.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, thiserror::Error)]
#[error("{file}{}: {reason}", line.map(|l| format!(" line {l}")).unwrap_or_default())]
pub struct RuleFileError {
    /// The file.
    pub file: String,
    /// 1-based line, when the problem is tied to one.
    pub line: Option<usize>,
    /// What is wrong and what to do.
    pub reason: String,
}

/// Everything that can stop an analysis.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or folder could not be read or written.
    #[error("{}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The policy folder is unusable.
    #[error("policy {file}: {detail}")]
    Policy {
        /// The policy file.
        file: String,
        /// What is wrong.
        detail: String,
    },
    /// The rule pack is unusable as a whole (no catalog, no rules).
    #[error(transparent)]
    Pack(#[from] RuleFileError),
    /// The period is not valid.
    #[error("period: {0}")]
    Period(PeriodError),
    /// The event store could not be read.
    #[error("event store {}: {detail}", path.display())]
    Store {
        /// The store or file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// The query engine failed outside any one rule.
    #[error("query engine")]
    Engine(#[from] EngineError),
    /// Writing the analysis failed.
    #[error("writing {}: {detail}", path.display())]
    Output {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        detail: String,
    },
}

impl From<PeriodError> for Error {
    fn from(e: PeriodError) -> Error {
        Error::Period(e)
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
