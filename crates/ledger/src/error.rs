//! Errors of the ledger crate.

use std::path::{Path, PathBuf};

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong writing, reading or checking the ledger.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or folder could not be read or written (the cause is the
    /// error's source).
    #[error("{}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A key file is malformed.
    #[error("{}{}: {reason}", path.display(), if *line > 0 { format!(" line {line}") } else { String::new() })]
    KeyFile {
        /// The key file.
        path: PathBuf,
        /// 1-based line, 0 when not tied to a line.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// The OS random source failed.
    #[error("cannot read the operating system's random source: {0}")]
    Random(String),
    /// An event was refused by validation.
    #[error(transparent)]
    Invalid(#[from] worklog_schema::ValidationError),
    /// An event belongs to another device than the writer's.
    #[error("event for device {found:?} given to the writer of device {expected:?}")]
    WrongDevice {
        /// The writer's device.
        expected: String,
        /// The event's device.
        found: String,
    },
    /// The writer's key is not for its device.
    #[error("signing key is for {role} {key_id:?}, not for device {device_id:?}")]
    WrongKey {
        /// The device the writer writes for.
        device_id: String,
        /// The key's role.
        role: crate::keys::Role,
        /// The key's id field.
        key_id: String,
    },
    /// Parquet encoding or decoding failed (the cause is the source).
    #[error("{}", path.display())]
    Parquet {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: parquet::errors::ParquetError,
    },
    /// Arrow refused a batch.
    #[error(transparent)]
    Schema(#[from] worklog_schema::Error),
    /// A store, journal, anchor log or checkpoint is not in the expected format.
    #[error("{}: {reason}", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong, and what to do.
        reason: String,
    },
    /// Events given as late are not: one is newer than the chain's newest.
    #[error("late events for device {device_id:?} reach {newest}, after the chain's newest event ({}): append them live", high_water.map_or_else(|| "none".to_owned(), |t| t.to_string()))]
    NotLate {
        /// The device.
        device_id: String,
        /// The newest of the events given.
        newest: worklog_schema::Timestamp,
        /// The chain's newest event time.
        high_water: Option<worklog_schema::Timestamp>,
    },
    /// A request that cannot be served (an event not in the store, say).
    #[error("{0}")]
    NotFound(String),
}

impl Error {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        Error::Io {
            path: path.to_owned(),
            source,
        }
    }

    pub(crate) fn format(path: &Path, reason: impl Into<String>) -> Self {
        Error::Format {
            path: path.to_owned(),
            reason: reason.into(),
        }
    }
}

/// An error and its causes, joined with `: `.
pub fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
