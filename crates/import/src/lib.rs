//! Importers of Worklog Analyzer: events that PCs already record, mapped to
//! the event schema, with an account of every record.
//!
//! - Windows event logs (`.evtx`): [`read_evtx`] reads one file with the
//!   `evtx` parser and maps each record by the table in
//!   `docs/evtx-mapping.md` ([`mapping::RULES`]): sessions, process
//!   starts, log clears, boots and shutdowns, storage devices, Wi-Fi,
//!   installs. Every record is mapped, counted as not mapped (by channel,
//!   provider, event id and reason) or counted as not parsed (with the
//!   parser's reason); a damaged chunk never stops the file, nor a damaged
//!   file the job.
//!
//! - osquery's result log (JSON Lines: differential rows, `diffResults`
//!   batches, snapshots): [`read_osquery`] maps the queries of
//!   [`osquery::QUERIES`] (installed programs, OS version and patches,
//!   BitLocker, Wi-Fi, USB devices, logged-in users), the pack being
//!   `samples/osquery/osquery.conf`.
//!
//! - the exports an agency already has, each read as the vendor's tool
//!   writes it (the fixture folders cite every column): the Exchange
//!   Online message trace ([`read_message_trace`]), Intune managed devices
//!   ([`read_intune`]), Defender for Endpoint advanced hunting
//!   ([`read_defender`]) and Squid's access.log ([`read_squid`]);
//!   [`sources::SOURCES`] lists what each gives (`docs/sources.md`).
//!
//! - a collector's own output, one event per line by the schema's field
//!   names: [`lines::read_jsonl`] and [`lines::read_csv`].
//!
//! The events keep their source (`evtx:<channel>`, `intune:…`) and an
//! identity (the channel's EventRecordID, the export's own id), so that a
//! re-import skips what is stored and a hole in a channel's numbers shows
//! a cleared or lost log. Writing them into a store
//! (through the ledger writer) is the `worklog` crate's job: this crate
//! links neither the ledger nor polars.
//!
//! # Example
//! An osquery result log (the sample of `docs/osquery.md`):
//! ```
//! use worklog_import::{ImportOptions, read_osquery};
//!
//! let options = ImportOptions::with_time_zone("Asia/Tokyo")?;
//! let log = std::path::Path::new("../../samples/osquery/osqueryd.results.log");
//! let file = read_osquery(log, &options);
//! assert!(file.records > 0 && file.mapped_total() > 0);
//! assert!(file.mapped_total() + file.not_mapped_total() <= file.records);
//! # Ok::<(), worklog_import::Error>(())
//! ```
//! A Windows event log, the same way:
//! ```no_run
//! use worklog_import::{ImportOptions, read_evtx};
//! let options = ImportOptions::with_time_zone("Asia/Tokyo")?;
//! let file = read_evtx(std::path::Path::new("Security.evtx"), &options);
//! println!("{} records, {} events, {} not mapped", file.records, file.mapped_total(), file.not_mapped_total());
//! # Ok::<(), worklog_import::Error>(())
//! ```

mod bitlocker;
pub mod defender;
mod error;
mod evtx;
pub mod exchange;
pub mod intune;
pub mod lines;
pub mod mapping;
mod options;
pub mod osquery;
mod record;
pub mod sources;
pub mod squid;
mod storage;
pub mod table;
mod unparsed;
pub mod windows;

pub use defender::read_file as read_defender;
pub use error::{Error, Result};
pub use evtx::{FileImport, RecordSpan, read_file as read_evtx};
pub use exchange::read_file as read_message_trace;
pub use intune::read_file as read_intune;
pub use mapping::{Mapping, map};
pub use options::ImportOptions;
pub use osquery::read_file as read_osquery;
pub use record::Record;
pub use squid::read_file as read_squid;
pub use unparsed::{Place, Unparsed};
