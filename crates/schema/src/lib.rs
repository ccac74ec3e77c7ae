//! The event model of Worklog Analyzer: one record per action observed on a
//! PC, one Arrow schema for every kind of event.
//!
//! Every other crate (the ledger that stores events, the rule engine that
//! judges them, the reports) shares these types. This crate depends on
//! Arrow only, never on polars, so the endpoint agent can link it.
//!
//! # Why one wide table
//! All kinds share one schema: the common columns (`seq`, `ts`,
//! `utc_offset_min`, `device_id`, `user_name`, `kind`, `op`) plus nullable
//! typed columns that each kind sets ([`spec::OP_SPECS`] says which).
//! Columnar storage keeps the unused columns nearly free (a null run
//! compresses to a few bytes), a rule scans only the columns it names, and
//! every SQL engine (polars, DuckDB, Spark) reads plain scalar columns. An
//! inventory snapshot is therefore several rows sharing a `snapshot_id`,
//! never a nested list. Times are UTC microseconds stored without a time
//! zone so that SQL engines compare them with plain literals; the device's
//! offset at the time is kept beside them to recover local time.
//!
//! # Example
//! ```
//! use worklog_schema::{Event, EventKind, Timestamp, events_to_batch, batch_to_events};
//!
//! let ts = Timestamp::parse_rfc3339("2026-04-01T09:30:00+09:00").unwrap();
//! let mut visit = Event::new("PC-0001", 1, ts, 540, EventKind::Web, "visit");
//! visit.user_name = Some("sato".into());
//! visit.url = Some("https://mail.example.com/inbox".into());
//! visit.web_domain = Some("mail.example.com".into());
//! visit.validate(None).unwrap();
//!
//! let batch = events_to_batch(&[visit.clone()]).unwrap();
//! assert_eq!(batch_to_events(&batch).unwrap(), vec![visit]);
//!
//! // A record missing what its kind needs is rejected, naming the field.
//! let bad = Event::new("PC-0001", 2, ts, 540, EventKind::Mail, "send");
//! let err = bad.validate(None).unwrap_err();
//! assert!(err.to_string().contains("`sender_address`: is required for mail/send"));
//! ```

mod error;
mod event;
pub mod mail;
pub mod policy;
pub mod spec;
mod validate;
mod value;

pub use error::{Error, FieldError, Result, ValidationError};
pub use event::{COLUMN_NAMES, Event, EventKind, batch_to_events, event_schema, events_to_batch};
pub use validate::{EARLIEST, LATEST, MAX_FUTURE_SKEW_SECS, MAX_TEXT_BYTES, is_identifier};
pub use value::{ColumnValue, Date, Timestamp};

/// Version of the event schema. Stored in every file's metadata under
/// [`SCHEMA_VERSION_KEY`] and in the ledger's canonical encoding; bump it
/// when a column is added, removed, renamed or retyped.
pub const SCHEMA_VERSION: u32 = 3;

/// Metadata key holding [`SCHEMA_VERSION`] in Arrow schemas and Parquet files.
pub const SCHEMA_VERSION_KEY: &str = "worklog.schema_version";
