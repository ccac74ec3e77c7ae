//! Errors of the report renderers.

use std::path::PathBuf;

/// A report could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or folder could not be written.
    #[error("{}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The Excel writer failed.
    #[error("writing the Excel report {}: {detail}", path.display())]
    Excel {
        /// The workbook.
        path: PathBuf,
        /// What went wrong.
        detail: String,
    },
    /// The PDF binder could not be made.
    #[error("writing the PDF binder {}: {detail}", path.display())]
    Pdf {
        /// The binder.
        path: PathBuf,
        /// What went wrong.
        detail: String,
    },
    /// The HTML template failed (a bug in `templates/report.html`).
    #[error("HTML template: {0}")]
    Template(String),
    /// The pseudonymisation key is unusable.
    #[error("pseudonymisation key: {0}")]
    PseudonymKey(String),
    /// JSON serialisation failed.
    #[error("JSON report: {0}")]
    Json(String),
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
