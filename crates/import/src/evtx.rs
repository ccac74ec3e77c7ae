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
use crate::unparsed::Unparsed;

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
    pub unparsed: Vec<Unparsed>,
    /// Per channel, the EventRecordIDs of the records read: their span and
    /// the holes in it (records missing: cleared, lost, or not exported).
    pub record_ids: BTreeMap<String, RecordSpan>,
    /// Every record read that has a device, channel, EventRecordID and
    /// time, mapped or not: `(device, channel, id, µs)`, for the holes
    /// across the files of one import (not serialised in summaries).
    #[serde(skip)]
    pub record_times: Vec<(String, String, i64, i64)>,
    /// Whether the file could not be opened at all (then `unparsed` says
    /// why and nothing else was read).
    pub unreadable: bool,
    /// The events, in the file's order (not serialised in summaries).
    #[serde(skip)]
    pub events: Vec<Event>,
}

/// The EventRecordIDs one channel's records of a file hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RecordSpan {
    /// Lowest.
    pub first: i64,
    /// Highest.
    pub last: i64,
    /// Records read.
    pub records: u64,
    /// Ids missing between `first` and `last`, as inclusive ranges (the
    /// first 100).
    pub holes: Vec<(i64, i64)>,
    /// Ids missing in all.
    pub missing: u64,
}

/// The span and holes of a channel's record ids.
fn span_of(mut ids: Vec<i64>) -> RecordSpan {
    ids.sort_unstable();
    ids.dedup();
    let mut span = RecordSpan {
        first: ids.first().copied().unwrap_or(0),
        last: ids.last().copied().unwrap_or(0),
        records: ids.len() as u64,
        ..RecordSpan::default()
    };
    for pair in ids.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        // Record ids come from the file: i128 so that no pair overflows.
        let gap = i128::from(b) - i128::from(a);
        if gap > 1 {
            span.missing = span
                .missing
                .saturating_add(u64::try_from(gap - 1).unwrap_or(u64::MAX));
            if span.holes.len() < 100 {
                span.holes.push((a + 1, b - 1));
            }
        }
    }
    span
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
            out.unparsed.push(Unparsed::file(
                "the EVTX parser failed on this file (a crafted or badly damaged file); nothing was read",
            ));
            return out;
        }
    };
    if documents.is_empty() && errors.len() == 1 && errors[0].starts_with("not an EVTX file") {
        out.unreadable = true;
    }
    out.unparsed = errors.into_iter().map(Unparsed::file).collect();
    out.records = documents.len() as u64;
    let mut ids: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for document in &documents {
        let record = Record::new(document);
        // Each field read once per record: this loop runs for every record.
        let (channel, ts, device) = (
            record.channel(),
            record.time_us(),
            options.device_of(&record.computer()),
        );
        if let Some(id) = record.record_id() {
            if let (Some(ts), Ok(device)) = (ts, &device) {
                out.record_times
                    .push((device.clone(), channel.clone(), id, ts));
            }
            ids.entry(channel).or_default().push(id);
        }
        let not_mapped = |out: &mut FileImport, reason: &str| {
            *out.not_mapped
                .entry(format!("{} — {reason}", record.key()))
                .or_default() += 1;
        };
        let mut event = match map(&record) {
            Mapping::NotMapped(reason) => {
                not_mapped(&mut out, &reason);
                continue;
            }
            Mapping::Event(event) => event,
        };
        let Some(ts) = ts else {
            not_mapped(&mut out, "no TimeCreated");
            continue;
        };
        let device = match device {
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
    out.record_ids = ids.into_iter().map(|(c, ids)| (c, span_of(ids))).collect();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holes_in_record_ids_are_ranges() {
        let span = span_of(vec![5, 3, 4, 9, 12, 12]);
        assert_eq!((span.first, span.last, span.records), (3, 12, 5));
        assert_eq!(span.holes, [(6, 8), (10, 11)]);
        assert_eq!(span.missing, 5);
        assert_eq!(span_of(vec![i64::MIN, i64::MAX]).holes.len(), 1);
    }
}
