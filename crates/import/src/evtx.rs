//! Reading one EVTX file: every record the parser yields is mapped, or
//! counted as not mapped (by `channel | provider | event id` and reason),
//! or as not parsed (with the parser's reason). A damaged chunk costs its
//! records, never the file's other chunks, and a file that cannot be
//! opened at all is one problem, never the end of the job.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;
use worklog_schema::Event;

use crate::mapping::{Mapping, complete, map};
use crate::options::ImportOptions;
use crate::record::Record;

/// What one file gave.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FileImport {
    /// The file.
    pub file: String,
    /// Records the parser yielded (read and parsed).
    pub records: u64,
    /// Events mapped, per `kind op`.
    pub mapped: BTreeMap<String, u64>,
    /// Records not mapped, per `channel | provider | event id — reason`.
    pub not_mapped: BTreeMap<String, u64>,
    /// Records (or chunks) the parser could not read, with its reason.
    pub unparsed: Vec<String>,
    /// Whether the file could not be opened at all (then `unparsed` says
    /// why and nothing else was read).
    pub unreadable: bool,
    /// The events, in the file's order (not serialised in summaries).
    #[serde(skip)]
    pub events: Vec<Event>,
}

impl FileImport {
    /// Events mapped.
    pub fn mapped_total(&self) -> u64 {
        self.mapped.values().sum()
    }

    /// Records not mapped.
    pub fn not_mapped_total(&self) -> u64 {
        self.not_mapped.values().sum()
    }
}

/// Reads and maps every record of the EVTX file at `path`.
pub fn read_file(path: &Path, options: &ImportOptions) -> FileImport {
    let mut out = FileImport {
        file: path.display().to_string(),
        ..FileImport::default()
    };
    // The parser reads hostile bytes: a panic in it costs this file only.
    let parsed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut documents = Vec::new();
        let mut errors = Vec::new();
        match evtx::EvtxParser::from_path(path) {
            Err(e) => errors.push(format!("not an EVTX file, or unreadable: {e}")),
            Ok(mut parser) => {
                for record in parser.records_json_value() {
                    match record {
                        Ok(record) => documents.push(record.data),
                        Err(e) => errors.push(e.to_string()),
                    }
                }
            }
        }
        (documents, errors)
    }));
    let (documents, errors) = match parsed {
        Ok(result) => result,
        Err(_) => {
            out.unreadable = true;
            out.unparsed
                .push("the EVTX parser failed on this file (a crafted or badly damaged file); nothing was read".into());
            return out;
        }
    };
    if documents.is_empty() && errors.len() == 1 && errors[0].starts_with("not an EVTX file") {
        out.unreadable = true;
    }
    out.unparsed = errors;
    out.records = documents.len() as u64;
    for document in &documents {
        let record = Record::new(document);
        let not_mapped = |out: &mut FileImport, reason: &str| {
            *out.not_mapped
                .entry(format!("{} — {reason}", record.key()))
                .or_default() += 1;
        };
        match map(&record) {
            Mapping::NotMapped(reason) => not_mapped(&mut out, &reason),
            Mapping::Event(mut event) => {
                let Some(ts) = record.time_us() else {
                    not_mapped(&mut out, "no TimeCreated");
                    continue;
                };
                let device = match options.device_of(&record.computer()) {
                    Ok(device) => device,
                    Err(reason) => {
                        not_mapped(&mut out, &reason);
                        continue;
                    }
                };
                complete(&mut event, &device, ts, options.utc_offset_min(ts), &record);
                *out.mapped
                    .entry(format!("{} {}", event.kind.as_str(), event.op))
                    .or_default() += 1;
                out.events.push(*event);
            }
        }
    }
    out
}
