//! Windows event logs, osquery result logs and the Microsoft 365 and proxy
//! exports ([`ExportFormat`]) into a store: every file read and mapped
//! (`worklog-import`), then delivered by the rules every
//! importer follows ([`crate::delivery`]): what the store already holds
//! (the same channel and EventRecordID, or the same content) is counted and
//! skipped, what is older than the device's newest stored event is stored
//! as a late delivery; with a per-file account of all of it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;
use worklog_import::{
    FileImport, ImportOptions, read_defender, read_evtx, read_intune, read_message_trace,
    read_osquery, read_squid,
};
use worklog_schema::Event;

use crate::delivery::{Delivered, FileOrder, FileOutcome, Run, StoreOutcome, deliver};
use crate::{Error, Result, io};

/// What became of one file's records.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EvtxFileReport {
    /// What was read and mapped (records, mapped per kind, not mapped per
    /// channel/provider/event id and reason, unparsed).
    #[serde(flatten)]
    pub read: FileImport,
    /// What became of its events in the store: ingested (per kind),
    /// duplicates (the store already held them, or an earlier file of this
    /// run), late (older than the device's newest stored event: stored as
    /// a late delivery), rejected per reason.
    #[serde(flatten)]
    pub outcome: FileOutcome,
}

/// Records missing from a channel of one device: the EventRecordIDs of
/// the records read (mapped or not, across the files of the import) jump.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordGap {
    /// The device.
    pub device_id: String,
    /// The channel.
    pub channel: String,
    /// First id missing.
    pub first: i64,
    /// Last id missing.
    pub last: i64,
    /// When the record after the gap was written (µs UTC).
    pub ts: i64,
}

/// What an EVTX import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EvtxReport {
    /// Per file, in the order read.
    pub files: Vec<EvtxFileReport>,
    /// Gaps in the channels' record ids, each also stored as an
    /// `agent source_gap` event (evidence of a cleared or lost log, which
    /// the audit reports under log management).
    pub gaps: Vec<RecordGap>,
    /// The store side: per device what was stored, duplicates, late.
    pub store: StoreOutcome,
}

/// The logs and exports an agency already has, each read by its importer
/// (`worklog-import`) and delivered by the same rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ExportFormat {
    /// Windows event logs (`.evtx`).
    Evtx,
    /// osquery result logs.
    Osquery,
    /// Exchange Online message trace (`Get-MessageTrace(V2) | Export-Csv`,
    /// the admin center's downloaded report).
    MessageTrace,
    /// Intune managed devices (admin center export, reports API, Graph).
    Intune,
    /// Defender for Endpoint advanced hunting (portal export, API JSON).
    Defender,
    /// Squid's native access log.
    Squid,
}

impl ExportFormat {
    /// Every format.
    pub const ALL: [ExportFormat; 6] = [
        ExportFormat::Evtx,
        ExportFormat::Osquery,
        ExportFormat::MessageTrace,
        ExportFormat::Intune,
        ExportFormat::Defender,
        ExportFormat::Squid,
    ];

    /// The name on the command line and in summary file names.
    pub fn name(self) -> &'static str {
        match self {
            ExportFormat::Evtx => "evtx",
            ExportFormat::Osquery => "osquery",
            ExportFormat::MessageTrace => "message-trace",
            ExportFormat::Intune => "intune",
            ExportFormat::Defender => "defender",
            ExportFormat::Squid => "squid",
        }
    }

    fn reader(self) -> fn(&Path, &ImportOptions) -> FileImport {
        match self {
            ExportFormat::Evtx => read_evtx,
            ExportFormat::Osquery => read_osquery,
            ExportFormat::MessageTrace => read_message_trace,
            ExportFormat::Intune => read_intune,
            ExportFormat::Defender => read_defender,
            ExportFormat::Squid => read_squid,
        }
    }

    /// The files of `inputs` in this format: a file is taken as given, a
    /// folder gives its files of the format's names, sorted.
    pub fn files(self, inputs: &[PathBuf]) -> Result<Vec<PathBuf>> {
        match self {
            ExportFormat::Evtx => evtx_files(inputs),
            ExportFormat::Osquery => osquery_files(inputs),
            ExportFormat::MessageTrace => files_of(inputs, &|p| has_extension(p, &["csv"])),
            ExportFormat::Intune | ExportFormat::Defender => {
                files_of(inputs, &|p| has_extension(p, &["csv", "json"]))
            }
            ExportFormat::Squid => files_of(inputs, &|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().to_lowercase().contains(".log"))
            }),
        }
    }
}

fn has_extension(path: &Path, wanted: &[&str]) -> bool {
    path.extension()
        .is_some_and(|x| wanted.iter().any(|w| x.eq_ignore_ascii_case(w)))
}

/// Imports the files of `inputs` in `format` into `store` (device keys as
/// for [`crate::ingest`]): each file read and mapped, then delivered by
/// the rules every importer follows, with a per-file account.
pub fn import_export(
    format: ExportFormat,
    inputs: &[PathBuf],
    store: &Path,
    keys: &Path,
    create_keys: bool,
    options: &ImportOptions,
) -> Result<EvtxReport> {
    let files = format.files(inputs)?;
    import_with(
        &files,
        format.reader(),
        inputs,
        store,
        keys,
        create_keys,
        options,
    )
}

/// The `.evtx` files of `inputs` (a folder gives its `.evtx` files, by
/// name).
pub fn evtx_files(inputs: &[PathBuf]) -> Result<Vec<PathBuf>> {
    files_of(inputs, &|p| {
        p.extension()
            .is_some_and(|x| x.eq_ignore_ascii_case("evtx"))
    })
}

/// The osquery result logs of `inputs` (a folder gives its `*.log*`,
/// `.json` and `.jsonl` files, by name: `osqueryd.results.log` and its
/// rotations).
pub fn osquery_files(inputs: &[PathBuf]) -> Result<Vec<PathBuf>> {
    files_of(inputs, &|p| {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        name.contains(".log") || name.ends_with(".json") || name.ends_with(".jsonl")
    })
}

fn files_of(inputs: &[PathBuf], wanted: &dyn Fn(&Path) -> bool) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(input)
                .map_err(io(input))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file() && wanted(p))
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
    import_export(
        ExportFormat::Evtx,
        inputs,
        store,
        keys,
        create_keys,
        options,
    )
}

/// Imports the osquery result logs of `inputs` into `store`, as
/// [`import_evtx`] does Windows event logs.
pub fn import_osquery(
    inputs: &[PathBuf],
    store: &Path,
    keys: &Path,
    create_keys: bool,
    options: &ImportOptions,
) -> Result<EvtxReport> {
    import_export(
        ExportFormat::Osquery,
        inputs,
        store,
        keys,
        create_keys,
        options,
    )
}

fn import_with(
    files: &[PathBuf],
    read: fn(&Path, &ImportOptions) -> FileImport,
    inputs: &[PathBuf],
    store: &Path,
    keys: &Path,
    create_keys: bool,
    options: &ImportOptions,
) -> Result<EvtxReport> {
    let reads: Vec<FileImport> = files.par_iter().map(|f| read(f, options)).collect();
    let mut reports: Vec<EvtxFileReport> = Vec::with_capacity(reads.len());
    let mut events = Vec::new();
    for (index, mut read) in reads.into_iter().enumerate() {
        for (n, event) in std::mem::take(&mut read.events).into_iter().enumerate() {
            events.push(Delivered {
                file: index,
                origin: n as u64 + 1,
                event,
            });
        }
        reports.push(EvtxFileReport {
            read,
            ..EvtxFileReport::default()
        });
    }
    let mut devices: BTreeSet<String> = events.iter().map(|d| d.event.device_id.clone()).collect();
    for report in &reports {
        devices.extend(report.read.record_times.iter().map(|(d, ..)| d.clone()));
    }
    let stored_state: BTreeMap<String, Stored> = devices
        .into_iter()
        .map(|d| {
            let state = stored(store, &d);
            (d, state)
        })
        .collect();
    let (gaps, read_spans) = record_gaps(&reports, &stored_state);
    // Bookkeeping events (gaps, spans read) are no file's: one more slot.
    let bookkeeping = reports.len();
    let own = gaps
        .iter()
        .map(|gap| gap_event(gap, options))
        .chain(read_spans.iter().map(|span| span_event(span, options)));
    for (n, event) in own.enumerate() {
        events.push(Delivered {
            file: bookkeeping,
            origin: n as u64 + 1,
            event,
        });
    }
    let run = Run {
        store,
        keys,
        create_keys,
        orders: vec![FileOrder::Time; bookkeeping + 1],
    };
    let (store_outcome, mut outcomes, rejections) = deliver(&run, events)?;
    if let Some(r) = rejections.iter().find(|r| r.file == bookkeeping) {
        return Err(Error::Input {
            path: inputs.first().cloned().unwrap_or_default(),
            reason: format!("a record-gap event was refused: {}", r.reason),
        });
    }
    outcomes.truncate(bookkeeping);
    for (report, outcome) in reports.iter_mut().zip(outcomes) {
        report.outcome = outcome;
    }
    Ok(EvtxReport {
        files: reports,
        gaps,
        store: store_outcome,
    })
}

/// Gaps in the record ids of each device's channels: between the records
/// read in this import (every file), and between the last id an earlier
/// import read and the first one this import read; and, per channel read,
/// the span this import read beyond what the store had seen (stored, so
/// that the next import finds a hole across imports).
fn record_gaps(
    reports: &[EvtxFileReport],
    stored: &BTreeMap<String, Stored>,
) -> (Vec<RecordGap>, Vec<RecordGap>) {
    let mut ids: BTreeMap<(&str, &str), BTreeMap<i64, i64>> = BTreeMap::new();
    for file in reports {
        for (device, channel, id, ts) in &file.read.record_times {
            ids.entry((device.as_str(), channel.as_str()))
                .or_default()
                .insert(*id, *ts);
        }
    }
    let mut gaps = Vec::new();
    let mut spans = Vec::new();
    for ((device, channel), ids) in ids {
        let read_before = stored
            .get(device)
            .and_then(|s| s.read_up_to.get(channel))
            .copied();
        let ids: Vec<(i64, i64)> = ids.into_iter().collect();
        let gap = |a: i64, (b, ts): (i64, i64)| {
            // Ids come from files: i128 so that no pair overflows.
            (i128::from(b) - i128::from(a) > 1).then(|| RecordGap {
                device_id: device.to_owned(),
                channel: channel.to_owned(),
                first: a + 1,
                last: b - 1,
                ts,
            })
        };
        if let (Some(before), Some(&first)) = (read_before, ids.first()) {
            gaps.extend(gap(before, first));
        }
        gaps.extend(ids.windows(2).filter_map(|pair| gap(pair[0].0, pair[1])));
        if let (Some(&(first, _)), Some(&(last, ts))) = (ids.first(), ids.last())
            && read_before.is_none_or(|before| last > before)
        {
            spans.push(RecordGap {
                device_id: device.to_owned(),
                channel: channel.to_owned(),
                first,
                last,
                ts,
            });
        }
    }
    (gaps, spans)
}

/// The event that stores a gap: `agent source_gap` at the time of the
/// record after it, numbered by that record's id (so that a re-import
/// stores it once).
fn gap_event(gap: &RecordGap, options: &ImportOptions) -> Event {
    let missing = i128::from(gap.last) - i128::from(gap.first) + 1;
    let detail = format!(
        "{}: record ids {}–{} missing ({missing})",
        gap.channel, gap.first, gap.last
    );
    let id = gap.last.checked_add(1);
    bookkeeping_event(gap, "source_gap", "evtx-gap", id, detail, options)
}

/// The event that stores which record ids of a channel an import read
/// (`agent source_span` at the time of the last, numbered by it), so that
/// the next import of the channel finds a hole between the two.
fn span_event(span: &RecordGap, options: &ImportOptions) -> Event {
    let detail = format!(
        "{}: record ids {}–{} read",
        span.channel, span.first, span.last
    );
    bookkeeping_event(
        span,
        "source_span",
        "evtx-span",
        Some(span.last),
        detail,
        options,
    )
}

/// An `agent` event of the import itself about a device's channel, at
/// `ids.ts`, from `<source>:<channel>`.
fn bookkeeping_event(
    ids: &RecordGap,
    op: &str,
    source: &str,
    source_record_id: Option<i64>,
    detail: String,
    options: &ImportOptions,
) -> Event {
    Event {
        device_id: ids.device_id.clone(),
        ts: worklog_schema::Timestamp(ids.ts),
        utc_offset_min: options.utc_offset_min(ids.ts),
        kind: worklog_schema::EventKind::Agent,
        op: op.into(),
        detail: Some(detail),
        source: Some(format!("{source}:{}", ids.channel)),
        source_record_id,
        ..Event::default()
    }
}

/// What the store holds of a device, as the import needs it.
#[derive(Default)]
struct Stored {
    /// Per EVTX channel, the highest record id an earlier import read
    /// (from its span events, its events and its gap events).
    read_up_to: BTreeMap<String, i64>,
}

/// What the device's stored events hold ([`Stored`]): only `source` and
/// `source_record_id` are decoded. A segment that cannot be read adds
/// nothing here: `worklog verify` is where it is reported.
fn stored(store: &Path, device: &str) -> Stored {
    use arrow_array::Array;
    use arrow_array::cast::AsArray;
    use arrow_array::types::Int64Type;
    use parquet::arrow::ProjectionMask;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    let mut state = Stored::default();
    let dir = worklog_ledger::store::device_dir(store, device);
    let Ok(segments) = worklog_ledger::store::list_segments(&dir) else {
        return state;
    };
    for path in segments {
        let Ok(file) = std::fs::File::open(&path) else {
            continue;
        };
        let Ok(builder) = ParquetRecordBatchReaderBuilder::try_new(file) else {
            continue;
        };
        let mask =
            ProjectionMask::columns(builder.parquet_schema(), ["source", "source_record_id"]);
        let Ok(reader) = builder.with_projection(mask).build() else {
            continue;
        };
        for batch in reader.flatten() {
            let column = |name: &str| batch.column_by_name(name);
            let (Some(source), Some(id)) = (column("source"), column("source_record_id")) else {
                continue;
            };
            let (Some(source), Some(id)) = (
                source.as_string_opt::<i32>(),
                id.as_primitive_opt::<Int64Type>(),
            ) else {
                continue;
            };
            for row in 0..batch.num_rows() {
                if source.is_valid(row) && id.is_valid(row) {
                    let (source, id) = (source.value(row), id.value(row));
                    let channel = ["evtx:", "evtx-gap:", "evtx-span:"]
                        .iter()
                        .find_map(|prefix| source.strip_prefix(prefix));
                    if let Some(channel) = channel {
                        let up_to = state.read_up_to.entry(channel.to_owned()).or_insert(id);
                        *up_to = (*up_to).max(id);
                    }
                }
            }
        }
    }
    state
}
