//! Windows event logs into a store: every file read and mapped
//! (`worklog-import`), each device's events put in time order and written
//! through its ledger writer, skipping what the store already holds (the
//! same channel and EventRecordID) and refusing what is older than the
//! device's newest stored event (appending it would put the chain's clock
//! backwards), with a per-file account of all of it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;
use worklog_import::{FileImport, ImportOptions, read_evtx};
use worklog_schema::Event;

use crate::sink::Sink;
use crate::{Error, IngestReport, Result, io};

/// What became of one file's records.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EvtxFileReport {
    /// What was read and mapped (records, mapped per kind, not mapped per
    /// channel/provider/event id and reason, unparsed).
    #[serde(flatten)]
    pub read: FileImport,
    /// Events written into the store.
    pub ingested: u64,
    /// Events the store already held, or that another file of this run
    /// held too (same device, channel and EventRecordID): skipped.
    pub duplicates: u64,
    /// Events older than the device's newest stored event: refused (import
    /// a PC's logs in one run, or oldest first).
    pub older_than_store: u64,
    /// Events the writer refused, per reason (no key for the device, an
    /// event the schema rejects, …).
    pub rejected: BTreeMap<String, u64>,
}

/// What an EVTX import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EvtxReport {
    /// Per file, in the order read.
    pub files: Vec<EvtxFileReport>,
    /// The store side: events accepted, per device the seq range written.
    pub store: IngestReport,
}

/// The `.evtx` files of `inputs` (a folder gives its `.evtx` files, by
/// name).
pub fn evtx_files(inputs: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(input)
                .map_err(io(input))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.is_file()
                        && p.extension()
                            .is_some_and(|x| x.eq_ignore_ascii_case("evtx"))
                })
                .collect();
            found.sort();
            files.extend(found);
        } else if input.is_file() {
            files.push(input.clone());
        } else {
            return Err(Error::Input {
                path: input.clone(),
                reason: "no such file or folder".into(),
            });
        }
    }
    Ok(files)
}

/// Imports the EVTX files of `inputs` into `store` (device keys as for
/// [`crate::ingest`]).
pub fn import_evtx(
    inputs: &[PathBuf],
    store: &Path,
    keys: &Path,
    create_keys: bool,
    options: &ImportOptions,
) -> Result<EvtxReport> {
    let files = evtx_files(inputs)?;
    let reads: Vec<FileImport> = files.par_iter().map(|f| read_evtx(f, options)).collect();
    let mut reports: Vec<EvtxFileReport> = Vec::with_capacity(reads.len());
    let mut per_device: BTreeMap<String, Vec<(usize, Event)>> = BTreeMap::new();
    for (index, mut read) in reads.into_iter().enumerate() {
        for event in std::mem::take(&mut read.events) {
            per_device
                .entry(event.device_id.clone())
                .or_default()
                .push((index, event));
        }
        reports.push(EvtxFileReport {
            read,
            ..EvtxFileReport::default()
        });
    }
    let mut sink = Sink::new(store, keys, create_keys);
    for (device, mut events) in per_device {
        let (mut seen, mut newest) = stored(store, &device);
        events.sort_by(|(fa, a), (fb, b)| {
            (a.ts, &a.source, a.source_record_id, fa).cmp(&(
                b.ts,
                &b.source,
                b.source_record_id,
                fb,
            ))
        });
        for (index, event) in events {
            let report = &mut reports[index];
            let key = (
                event.source.clone().unwrap_or_default(),
                event.source_record_id,
            );
            if event.source_record_id.is_some() && !seen.insert(key) {
                report.duplicates += 1;
                continue;
            }
            if newest.is_some_and(|n| event.ts.0 < n) {
                report.older_than_store += 1;
                continue;
            }
            let ts = event.ts.0;
            match sink.append(event)? {
                Ok(()) => {
                    report.ingested += 1;
                    newest = Some(newest.map_or(ts, |n| n.max(ts)));
                }
                Err(reason) => *report.rejected.entry(reason).or_default() += 1,
            }
        }
    }
    let store = sink.close()?;
    Ok(EvtxReport {
        files: reports,
        store,
    })
}

/// The `(source, source_record_id)` pairs the device's stored events hold,
/// and its newest event time (µs). A segment that cannot be read adds
/// nothing here: `worklog verify` is where it is reported.
fn stored(store: &Path, device: &str) -> (BTreeSet<(String, Option<i64>)>, Option<i64>) {
    let mut seen = BTreeSet::new();
    let mut newest: Option<i64> = None;
    let dir = worklog_ledger::store::device_dir(store, device);
    let Ok(segments) = worklog_ledger::store::list_segments(&dir) else {
        return (seen, newest);
    };
    for path in segments {
        let Ok(file) = std::fs::File::open(&path) else {
            continue;
        };
        let Ok(reader) =
            parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
                .and_then(|b| b.build())
        else {
            continue;
        };
        for batch in reader.flatten() {
            for event in worklog_schema::batch_to_events(&batch).unwrap_or_default() {
                newest = Some(newest.map_or(event.ts.0, |n| n.max(event.ts.0)));
                if let (Some(source), Some(id)) = (event.source, event.source_record_id) {
                    seen.insert((source, Some(id)));
                }
            }
        }
    }
    (seen, newest)
}
