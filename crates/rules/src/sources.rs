//! Where the events come from, resolved into devices and their files
//! before anything is read.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use worklog_model::{Period, Problem};

use crate::engine::{Columns, Engine, EventsSpec};
use crate::error::{Error, Result};
use crate::ledger_view::{SegmentListing, StoreVerification};
use crate::manifest::relative;
use crate::partition::DeviceInput;
use crate::values;

/// Where the events come from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EventSource {
    /// A ledger store's segments in the period (`device_id=<id>/seg-*.parquet`,
    /// listed by `worklog::store_segments` from their signed records,
    /// without reading rows): each device's segments are read only by its
    /// partition.
    Store(SegmentListing),
    /// Plain Parquet files of the event schema (fixtures, exports). Any
    /// file may hold any device, so every partition reads every file and
    /// keeps its own devices' rows.
    Files(Vec<PathBuf>),
}

/// The events of a source, by device, before reading them.
#[derive(Debug)]
pub(crate) struct Inputs {
    /// Devices with events in the period (at most `rows` each), sorted.
    pub devices: Vec<DeviceInput>,
    /// Files every partition reads (a `Files` source), or `None` when each
    /// device's files are its own.
    pub shared_files: Option<Vec<PathBuf>>,
    /// Every file to be read.
    pub files: Vec<PathBuf>,
    /// The folder file names are reported relative to.
    pub root: PathBuf,
    /// Files left out, and why.
    pub problems: Vec<Problem>,
}

/// Problem text for a file left out.
pub(crate) fn skipped(file: String, reason: String) -> Problem {
    Problem {
        source: worklog_model::ProblemSource::Input,
        file,
        line: None,
        reason: format!("file skipped, its events are not analysed: {reason}"),
    }
}

/// A store's segments by device. Files the verifier could not read, and
/// files whose footer does not read, are left out and reported.
pub(crate) fn store_inputs(
    listing: &SegmentListing,
    verification: Option<&StoreVerification>,
) -> Inputs {
    let store = listing.root.as_path();
    let no_file = BTreeSet::new();
    let unreadable = verification.map_or(&no_file, |report| &report.unreadable_files);
    let skipped_segment = |file: String, reason: String| Problem {
        source: worklog_model::ProblemSource::Input,
        file,
        line: None,
        reason: format!("segment skipped, its events are not analysed: {reason}"),
    };
    let by_verifier = || "the verifier could not read it (see the integrity section)".to_owned();
    let mut problems = Vec::new();
    let mut by_device: BTreeMap<String, DeviceInput> = BTreeMap::new();
    let mut files = Vec::new();
    for segment in &listing.segments {
        let name = relative(&segment.path, store);
        if unreadable.contains(&name) {
            problems.push(skipped_segment(name, by_verifier()));
            continue;
        }
        let device = by_device
            .entry(segment.device_id.clone())
            .or_insert_with(|| DeviceInput {
                device_id: segment.device_id.clone(),
                files: Vec::new(),
                rows: 0,
            });
        device.rows = device.rows.saturating_add(segment.rows);
        device.files.push(segment.path.clone());
        files.push(segment.path.clone());
    }
    for (path, error) in &listing.unreadable {
        let name = relative(path, store);
        let reason = if unreadable.contains(&name) {
            by_verifier()
        } else {
            format!("{error}; run `worklog verify` to see what happened to it")
        };
        problems.push(skipped_segment(name, reason));
    }
    Inputs {
        devices: by_device.into_values().collect(),
        shared_files: None,
        files,
        root: store.to_owned(),
        problems,
    }
}

/// Finds the devices of plain event files: one query over their
/// `device_id` column. Files that cannot be read are left out and
/// reported.
pub(crate) fn files_inputs(
    files: &[PathBuf],
    period: &Period,
    engine: &dyn Engine,
) -> Result<Inputs> {
    let root = files
        .first()
        .and_then(|f| f.parent())
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let mut files = files.to_vec();
    let mut problems = Vec::new();
    let spec = |files: &[PathBuf]| {
        EventsSpec::new(files.to_vec(), period.start_utc_us, period.end_utc_us)
            .columns(Columns::Named(vec!["device_id".into()]))
    };
    let session = match engine.load(&spec(&files), &[]) {
        Ok(session) => session,
        Err(first) => {
            for (file, reason) in unreadable_files(engine, &files, period) {
                files.retain(|f| f != &file);
                problems.push(skipped(relative(&file, &root), reason));
            }
            if problems.is_empty() {
                return Err(Error::Engine(first));
            }
            engine.load(&spec(&files), &[])?
        }
    };
    let counted = session
        .run(&["SELECT device_id, COUNT(*) AS events FROM events GROUP BY device_id"])
        .pop()
        .ok_or_else(|| Error::Engine(crate::EngineError::new("no result for the device list")))??;
    let mut devices = Vec::new();
    for batch in &counted.batches {
        let column = |name: &str| batch.column_by_name(name).map(|c| c.as_ref());
        let ids = column("device_id").and_then(values::texts);
        let counts = column("events").and_then(values::integers);
        let (Some(ids), Some(counts)) = (ids, counts) else {
            continue;
        };
        for (id, count) in ids.into_iter().zip(counts) {
            devices.push(DeviceInput {
                device_id: id.unwrap_or_default(),
                files: Vec::new(),
                rows: count.and_then(|c| u64::try_from(c).ok()).unwrap_or(0),
            });
        }
    }
    devices.sort_by(|a, b| a.device_id.cmp(&b.device_id));
    Ok(Inputs {
        devices,
        shared_files: Some(files.clone()),
        files,
        root,
        problems,
    })
}

/// Files that cannot be read in full, each read alone, with the reason.
pub(crate) fn unreadable_files(
    engine: &dyn Engine,
    files: &[PathBuf],
    period: &Period,
) -> Vec<(PathBuf, String)> {
    files
        .iter()
        .filter_map(|f| {
            let spec = EventsSpec::new(vec![f.clone()], period.start_utc_us, period.end_utc_us);
            engine
                .load(&spec, &[])
                .err()
                .map(|e| (f.clone(), e.chain()))
        })
        .collect()
}
