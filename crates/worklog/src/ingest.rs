//! Ingest: events from an external collector (JSON Lines or CSV, one event
//! per line, the schema's field names) into a store through the ledger
//! writer. Bad lines go to a reject file with their line number and reason;
//! the rest is ingested.
//!
//! Format (see `docs/ingest-format.md`): every field of the event schema by
//! its column name; `seq` may be omitted and is ignored (the ledger numbers
//! each device's events in input order); times are RFC 3339; in CSV an
//! empty cell is null and the header names the columns.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use serde::Serialize;

use crate::sink::Sink;
use crate::{Error, Result, io};

/// The input format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum InputFormat {
    /// One JSON object per line.
    JsonLines,
    /// A header line of column names, then one event per line.
    Csv,
}

impl InputFormat {
    /// The format a file name suggests (`.csv`, else JSON Lines).
    pub fn from_path(path: &Path) -> Self {
        if path
            .extension()
            .is_some_and(|x| x.eq_ignore_ascii_case("csv"))
        {
            InputFormat::Csv
        } else {
            InputFormat::JsonLines
        }
    }
}

/// What ingest did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IngestReport {
    /// Events accepted into the store.
    pub accepted: u64,
    /// Lines rejected (see the reject file).
    pub rejected: u64,
    /// Per device: first and last sequence number assigned.
    pub devices: BTreeMap<String, (u64, u64)>,
    /// What device journals held that their writers could not replay when
    /// they opened (damage after a crash), each kept in a quarantine file.
    pub quarantined: Vec<worklog_ledger::Quarantined>,
}

/// One rejected line, as written to the reject file (JSON Lines).
#[derive(Debug, Clone, Serialize)]
struct Reject<'a> {
    line: u64,
    reason: String,
    raw: &'a str,
}

/// Ingests `input` into `store`. Device secret keys are read from
/// `keys/secret/<device>.key`; with `create_keys`, a missing one is
/// generated there (and its public key written to `keys/<device>.pub`),
/// otherwise that device's lines are rejected. Rejected lines are written
/// to `rejects`.
pub fn ingest(
    input: &Path,
    format: InputFormat,
    store: &Path,
    keys: &Path,
    rejects: &Path,
    create_keys: bool,
) -> Result<IngestReport> {
    let bytes = std::fs::read(input).map_err(io(input))?;
    let mut reject_file =
        std::io::BufWriter::new(std::fs::File::create(rejects).map_err(io(rejects))?);
    let mut sink = Sink::new(store, keys, create_keys);
    let mut reject =
        |line: u64, reason: String, raw: &str, report: &mut IngestReport| -> Result<()> {
            report.rejected += 1;
            let entry = serde_json::to_string(&Reject { line, reason, raw }).unwrap_or_default();
            writeln!(reject_file, "{entry}").map_err(io(rejects))
        };
    let lines = match format {
        InputFormat::JsonLines => worklog_import::lines::read_jsonl(&bytes),
        InputFormat::Csv => {
            worklog_import::lines::read_csv(&bytes).map_err(|reason| Error::Input {
                path: input.to_owned(),
                reason,
            })?
        }
    };
    for (line, event, raw) in lines {
        match event {
            Ok(event) => {
                if let Err(reason) = sink.append(event)? {
                    reject(line, reason, &raw, &mut sink.report)?;
                }
            }
            Err(reason) => reject(line, reason, &raw, &mut sink.report)?,
        }
    }
    reject_file.flush().map_err(io(rejects))?;
    sink.close()
}
