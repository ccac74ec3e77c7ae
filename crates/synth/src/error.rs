//! Errors of the simulator.

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong while planning or writing a simulated fleet.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The policy folder or a CSV file could not be written.
    #[error(transparent)]
    Policy(worklog_schema::policy::PolicyError),
    /// The configuration asks for something impossible.
    #[error("invalid simulator configuration: {0}")]
    Config(String),
    /// An EVTX file cannot hold what was asked (a record over a chunk).
    #[error("cannot write EVTX: {0}")]
    Evtx(String),
    /// A file could not be written.
    #[error("{path}: {source}")]
    Write {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}
