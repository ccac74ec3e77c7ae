//! Errors of the schema crate.

use std::fmt;

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong while converting or checking events.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A record batch lacks a column the schema requires.
    #[error(
        "column `{column}` is missing from the record batch; was it written with schema version {}?",
        crate::SCHEMA_VERSION
    )]
    MissingColumn {
        /// The missing column.
        column: &'static str,
    },
    /// A column has another Arrow type than the schema says.
    #[error("column `{column}` has type {found}, the schema expects {expected}")]
    ColumnType {
        /// The column.
        column: &'static str,
        /// The type the schema declares.
        expected: String,
        /// The type found.
        found: String,
    },
    /// A required column holds a null.
    #[error("column `{column}` is null at row {row}, but it is required for every event")]
    UnexpectedNull {
        /// The column.
        column: &'static str,
        /// Zero-based row in the batch.
        row: usize,
    },
    /// A value cannot be represented (an unknown event kind, say).
    #[error("column `{column}` row {row}: {reason}")]
    BadValue {
        /// The column.
        column: &'static str,
        /// Zero-based row in the batch.
        row: usize,
        /// Why it is rejected.
        reason: String,
    },
    /// Arrow refused to build a batch.
    #[error("building the Arrow record batch failed")]
    Arrow(#[from] arrow_schema::ArrowError),
}

/// One reason a record is invalid, naming the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The column name the problem is about.
    pub field: &'static str,
    /// Why the value is rejected, in words an operator can act on.
    pub reason: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`: {}", self.field, self.reason)
    }
}

/// Every reason a record failed validation (never empty).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ValidationError {
    /// The device the record claims to come from (may itself be invalid).
    pub device_id: String,
    /// The record's sequence number.
    pub seq: u64,
    /// One entry per problem, in column order.
    pub problems: Vec<FieldError>,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid event (device {:?}, seq {}): ",
            self.device_id, self.seq
        )?;
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}
