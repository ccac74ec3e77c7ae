//! Errors of the simulator.

use std::path::{Path, PathBuf};

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong while writing a simulated fleet.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or folder could not be written.
    #[error("cannot write {}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A CSV file could not be written.
    #[error("cannot write CSV {}", path.display())]
    Csv {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: csv::Error,
    },
    /// The settings could not be encoded.
    #[error("cannot encode {}", path.display())]
    Toml {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: toml::ser::Error,
    },
    /// The configuration asks for something impossible.
    #[error("invalid simulator configuration: {0}")]
    Config(String),
}

impl Error {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        Error::Io {
            path: path.to_owned(),
            source,
        }
    }
}
