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

use arrow_schema::DataType;
use serde::Serialize;
use serde_json::{Map, Value};
use worklog_schema::{Event, event_schema};

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
    match format {
        InputFormat::JsonLines => {
            for (i, raw) in bytes.split(|b| *b == b'\n').enumerate() {
                let line = i as u64 + 1;
                let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
                if raw.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                let text = match std::str::from_utf8(raw) {
                    Ok(text) => text,
                    Err(e) => {
                        let lossy = String::from_utf8_lossy(raw);
                        reject(
                            line,
                            format!(
                                "not UTF-8 at byte {}; re-encode the collector's output as UTF-8",
                                e.valid_up_to()
                            ),
                            &lossy,
                            &mut sink.report,
                        )?;
                        continue;
                    }
                };
                let parsed = serde_json::from_str::<Value>(text)
                    .map_err(|e| format!("not JSON: {e}"))
                    .and_then(|v| match v {
                        Value::Object(map) => Ok(map),
                        _ => Err("not a JSON object".to_owned()),
                    });
                match parsed.and_then(to_event) {
                    Ok(event) => {
                        if let Err(reason) = sink.append(event)? {
                            reject(line, reason, text, &mut sink.report)?;
                        }
                    }
                    Err(reason) => reject(line, reason, text, &mut sink.report)?,
                }
            }
        }
        InputFormat::Csv => {
            let mut reader = csv::ReaderBuilder::new()
                .flexible(true)
                .from_reader(bytes.as_slice());
            let headers = reader
                .headers()
                .map_err(|e| Error::Input {
                    path: input.to_owned(),
                    reason: format!("line 1: cannot read the header: {e}"),
                })?
                .clone();
            let schema = event_schema();
            let mut types = Vec::new();
            for name in &headers {
                let field = schema.field_with_name(name).map_err(|_| Error::Input {
                    path: input.to_owned(),
                    reason: format!("line 1: column {name:?} is not an event field (see docs/field-reference.md)"),
                })?;
                types.push((name.to_owned(), field.data_type().clone()));
            }
            for record in reader.byte_records() {
                let (line, raw, parsed) = match record {
                    Err(e) => {
                        let line = e.position().map_or(0, |p| p.line());
                        (line, String::new(), Err(format!("unreadable CSV: {e}")))
                    }
                    Ok(record) => {
                        let line = record.position().map_or(0, |p| p.line());
                        let raw = record
                            .iter()
                            .map(String::from_utf8_lossy)
                            .collect::<Vec<_>>()
                            .join(",");
                        (line, raw, csv_object(&types, &record))
                    }
                };
                match parsed.and_then(to_event) {
                    Ok(event) => {
                        if let Err(reason) = sink.append(event)? {
                            reject(line, reason, &raw, &mut sink.report)?;
                        }
                    }
                    Err(reason) => reject(line, reason, &raw, &mut sink.report)?,
                }
            }
        }
    }
    reject_file.flush().map_err(io(rejects))?;
    sink.close()
}

fn csv_object(
    types: &[(String, DataType)],
    record: &csv::ByteRecord,
) -> std::result::Result<Map<String, Value>, String> {
    if record.len() != types.len() {
        return Err(format!(
            "{} cells where the header has {}",
            record.len(),
            types.len()
        ));
    }
    let mut map = Map::new();
    for ((name, data_type), cell) in types.iter().zip(record.iter()) {
        if cell.is_empty() {
            continue;
        }
        let text = std::str::from_utf8(cell).map_err(|_| format!("`{name}` is not UTF-8"))?;
        let value = match data_type {
            DataType::UInt64 | DataType::Int64 | DataType::Int32 => text
                .trim()
                .parse::<i64>()
                .map(Value::from)
                .map_err(|_| format!("`{name}`: {text:?} is not a whole number"))?,
            DataType::Boolean => match text.trim() {
                "true" | "TRUE" | "1" => Value::Bool(true),
                "false" | "FALSE" | "0" => Value::Bool(false),
                other => return Err(format!("`{name}`: {other:?} is not true or false")),
            },
            _ => Value::String(text.to_owned()),
        };
        map.insert(name.clone(), value);
    }
    Ok(map)
}

/// The event of a JSON object; `seq` is the ledger's to assign.
fn to_event(mut map: Map<String, Value>) -> std::result::Result<Event, String> {
    map.insert("seq".into(), Value::from(0u64));
    serde_json::from_value::<Event>(Value::Object(map)).map_err(|e| format!("not an event: {e}"))
}
