//! Errors of the importers.

use std::path::PathBuf;

/// An import could not start (the files themselves never fail a job: their
/// problems are in the per-file account).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read.
    #[error("{}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// An option is unusable.
    #[error("{0}")]
    Options(String),
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
