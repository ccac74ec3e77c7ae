//! Ingest: events from an external collector (JSON Lines or CSV, one event
//! per line, the schema's field names) into a store through the ledger
//! writer. Bad lines go to a reject file with their line number and reason;
//! the rest is ingested, by the delivery rules of [`crate::delivery`]:
//! each event stored once, late ones stored as late deliveries.
//!
//! Format (see `docs/ingest-format.md`): every field of the event schema by
//! its column name; `seq` may be omitted and is ignored (the ledger numbers
//! each device's events); times are RFC 3339; in CSV an empty cell is null
//! and the header names the columns.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::delivery::{
    Delivered, FileOrder, FileOutcome, Rejection, Run, StoreOutcome, default_rejects, deliver,
};
use crate::{Result, io};

/// The input format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
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

/// What ingest did with one input file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinesFileReport {
    /// The file.
    pub file: PathBuf,
    /// How it was read.
    pub format: InputFormat,
    /// Its non-blank lines (records), header excluded.
    pub lines: u64,
    /// Why the whole file was refused (unreadable, a CSV header naming no
    /// event field), nothing of it ingested.
    pub refused: Option<String>,
    /// What became of its events.
    #[serde(flatten)]
    pub outcome: FileOutcome,
    /// Lines refused: not an event, or an event validation refused.
    pub rejected_lines: u64,
    /// Where its rejected lines are.
    pub rejects: Option<PathBuf>,
    /// The first line refused and why (the reject file has them all).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_rejection: Option<(u64, String)>,
}

/// What ingest did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IngestReport {
    /// Per input file, in the order given.
    pub files: Vec<LinesFileReport>,
    /// The store side: per device what was stored, duplicates, late.
    pub store: StoreOutcome,
}

impl IngestReport {
    /// Lines or files that were refused (the job's exit code says so).
    pub fn refused_anything(&self) -> bool {
        self.files
            .iter()
            .any(|f| f.refused.is_some() || f.rejected_lines > 0)
    }
}

/// One rejected line, as written to the reject file (JSON Lines).
#[derive(Debug, Clone, Serialize)]
struct Reject<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<String>,
    line: u64,
    reason: &'a str,
    raw: &'a str,
}

/// Where rejected lines go.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RejectsTo {
    /// `<input>.rejects.jsonl` beside each input.
    BesideEachInput,
    /// One file for every input (each entry names its file).
    File(PathBuf),
}

/// Ingests `inputs` into `store`, as one delivery: an event already in the
/// store, or in an earlier file of `inputs`, is counted as a duplicate and
/// not stored again; events older than a device's newest stored event are
/// stored as a late delivery. `format` forces every file's format (else
/// [`InputFormat::from_path`]). Device secret keys are read from
/// `keys/secret/<device>.key`; with `create_keys`, a missing one is
/// generated there (and its public key written to `keys/<device>.pub`),
/// otherwise that device's lines are rejected. A file that cannot be read
/// at all is refused and the others are ingested.
pub fn ingest(
    inputs: &[PathBuf],
    format: Option<InputFormat>,
    store: &Path,
    keys: &Path,
    rejects: &RejectsTo,
    create_keys: bool,
) -> Result<IngestReport> {
    let ReadLines {
        mut files,
        texts,
        events,
        rejections: parse_rejections,
    } = read_lines(inputs, format);
    let run = Run {
        store,
        keys,
        create_keys,
        orders: vec![FileOrder::Collector; inputs.len()],
    };
    let (store_outcome, outcomes, mut rejections) = deliver(&run, events)?;
    for (report, outcome) in files.iter_mut().zip(outcomes) {
        report.outcome = outcome;
    }
    for r in &parse_rejections {
        *files[r.file]
            .outcome
            .rejected
            .entry(r.reason.clone())
            .or_default() += 1;
    }
    rejections.extend(parse_rejections);
    rejections.sort_by_key(|r| (r.file, r.origin));
    write_rejects(&mut files, &texts, &rejections, rejects)?;
    Ok(IngestReport {
        files,
        store: store_outcome,
    })
}

/// What the files of lines hold, before anything is stored.
struct ReadLines {
    /// One report per file, in the order given.
    files: Vec<LinesFileReport>,
    /// Each file's bytes (empty when unreadable), for the reject file.
    texts: Vec<Vec<u8>>,
    /// The events read, with their file and line.
    events: Vec<Delivered>,
    /// The lines that are not events, with why.
    rejections: Vec<Rejection>,
}

/// Reads every file of lines (JSON Lines or CSV); a file that cannot be
/// read or parsed as a whole is refused with the reason, the others go on.
fn read_lines(inputs: &[PathBuf], format: Option<InputFormat>) -> ReadLines {
    let mut files = Vec::with_capacity(inputs.len());
    let mut texts: Vec<Vec<u8>> = Vec::with_capacity(inputs.len());
    let mut events = Vec::new();
    let mut rejections = Vec::new();
    for (index, input) in inputs.iter().enumerate() {
        let format = format.unwrap_or_else(|| InputFormat::from_path(input));
        let mut report = LinesFileReport {
            file: input.clone(),
            format,
            lines: 0,
            refused: None,
            outcome: FileOutcome::default(),
            rejected_lines: 0,
            rejects: None,
            first_rejection: None,
        };
        let bytes = match std::fs::read(input) {
            Ok(bytes) => bytes,
            Err(e) => {
                report.refused = Some(format!("cannot be read: {e}"));
                files.push(report);
                texts.push(Vec::new());
                continue;
            }
        };
        let lines = match format {
            InputFormat::JsonLines => Ok(worklog_import::lines::read_jsonl(&bytes)),
            InputFormat::Csv => worklog_import::lines::read_csv(&bytes),
        };
        match lines {
            Err(reason) => report.refused = Some(reason),
            Ok(lines) => {
                report.lines = lines.len() as u64;
                for (line, event) in lines {
                    match event {
                        Ok(event) => events.push(Delivered {
                            file: index,
                            origin: line,
                            event,
                        }),
                        Err(reason) => rejections.push(Rejection {
                            file: index,
                            origin: line,
                            reason,
                        }),
                    }
                }
            }
        }
        files.push(report);
        texts.push(bytes);
    }
    ReadLines {
        files,
        texts,
        events,
        rejections,
    }
}

/// Writes each file's rejected lines (line, reason, the line's text) to its
/// reject file, whole: every input gets one, empty when nothing was
/// rejected, so that an old file never stands for this run.
fn write_rejects(
    files: &mut [LinesFileReport],
    texts: &[Vec<u8>],
    rejections: &[Rejection],
    to: &RejectsTo,
) -> Result<()> {
    // The shared file is written whole at the end, like each input's.
    let mut shared: Option<(PathBuf, Vec<u8>)> = match to {
        RejectsTo::File(path) => Some((path.clone(), Vec::new())),
        RejectsTo::BesideEachInput => None,
    };
    for (index, file) in files.iter_mut().enumerate() {
        let mine: Vec<&Rejection> = rejections.iter().filter(|r| r.file == index).collect();
        file.rejected_lines = mine.len() as u64;
        file.first_rejection = mine.first().map(|r| (r.origin, r.reason.clone()));
        let raw_lines: Vec<&[u8]> = texts[index].split(|b| *b == b'\n').collect();
        let raw = |line: u64| {
            let bytes = raw_lines
                .get((line as usize).wrapping_sub(1))
                .copied()
                .unwrap_or_default();
            String::from_utf8_lossy(bytes.strip_suffix(b"\r").unwrap_or(bytes)).into_owned()
        };
        let entries: Vec<String> = mine
            .iter()
            .map(|r| {
                let text = raw(r.origin);
                serde_json::to_string(&Reject {
                    file: shared.as_ref().map(|_| file.file.display().to_string()),
                    line: r.origin,
                    reason: &r.reason,
                    raw: &text,
                })
                .unwrap_or_default()
            })
            .collect();
        match &mut shared {
            Some((path, buffer)) => {
                for entry in &entries {
                    buffer.extend_from_slice(entry.as_bytes());
                    buffer.push(b'\n');
                }
                file.rejects = Some(path.clone());
            }
            None if file.refused.is_none() || !entries.is_empty() => {
                let path = default_rejects(&file.file);
                let text: String = entries.iter().map(|e| format!("{e}\n")).collect();
                worklog_fs::write_atomic(&path, text.as_bytes()).map_err(io(&path))?;
                file.rejects = Some(path);
            }
            None => {}
        }
    }
    if let Some((path, buffer)) = shared {
        worklog_fs::write_atomic(&path, &buffer).map_err(io(&path))?;
    }
    Ok(())
}
