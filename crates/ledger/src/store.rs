//! The store layout: a plain, Hive-partitioned folder of Parquet files.
//!
//! ```text
//! <store>/device_id=<device>/seg-<first_seq, 20 digits>.parquet
//! <store>/device_id=<device>/_journal.wal         (writer's journal)
//! <store>/device_id=<device>/_prune.json         (prune checkpoint)
//! <store>/device_id=<device>/_seal.json          (seal of the last file)
//! ```
//! Any engine that reads Hive-partitioned Parquet (polars, DuckDB, Spark)
//! reads `<store>/*/*.parquet`; names starting with `_` are not data.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::error::{Error, Result};

/// Folder-name prefix of a device partition.
pub const DEVICE_PREFIX: &str = "device_id=";
/// File name of the writer's journal.
pub const JOURNAL_FILE: &str = "_journal.wal";
/// File name of a prune checkpoint.
pub const CHECKPOINT_FILE: &str = "_prune.json";
/// File name of the seal of a device's last segment file.
pub const SEAL_FILE: &str = "_seal.json";

/// The partition folder of `device_id`.
pub fn device_dir(store: &Path, device_id: &str) -> PathBuf {
    store.join(format!("{DEVICE_PREFIX}{device_id}"))
}

/// The file name of the segment starting at `first_seq`.
pub fn segment_file_name(first_seq: u64) -> String {
    format!("seg-{first_seq:020}.parquet")
}

/// The first sequence number a segment's file name claims.
pub fn first_seq_of_name(name: &str) -> Option<u64> {
    name.strip_prefix("seg-")?
        .strip_suffix(".parquet")?
        .parse()
        .ok()
}

/// Device partitions of a store, sorted: (device id, folder).
pub fn list_devices(store: &Path) -> Result<Vec<(String, PathBuf)>> {
    let mut devices = Vec::new();
    for entry in std::fs::read_dir(store).map_err(|e| Error::io(store, e))? {
        let entry = entry.map_err(|e| Error::io(store, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(device) = name.strip_prefix(DEVICE_PREFIX)
            && entry.path().is_dir()
        {
            devices.push((device.to_owned(), entry.path()));
        }
    }
    devices.sort();
    Ok(devices)
}

/// Segment files of a device folder, sorted by name (= by first seq).
pub fn list_segments(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("seg-") && n.ends_with(".parquet"))
        })
        .collect();
    files.sort();
    Ok(files)
}

/// A segment file as its footer describes it, read without its rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentFile {
    /// The device, from the partition folder's name.
    pub device_id: String,
    /// The file.
    pub path: PathBuf,
    /// Rows the file holds (its Parquet footer's count: what a reader
    /// finds, whatever the signed record claims).
    pub rows: u64,
    /// Time of the first row, µs UTC, as the segment record says.
    pub first_ts: i64,
    /// Time of the last row, µs UTC, as the segment record says.
    pub last_ts: i64,
}

/// The segments of a store that may hold events of a time range, and the
/// files whose footer could not be read.
#[derive(Debug, Default)]
pub struct SegmentListing {
    /// Segments whose record overlaps the range, sorted by device, then
    /// file name (= first sequence number).
    pub segments: Vec<SegmentFile>,
    /// Segment files whose footer or record could not be read, with why;
    /// sorted by path. Their events are unknown: report them.
    pub unreadable: Vec<(PathBuf, Error)>,
    /// Every device partition of the store, sorted, with or without events
    /// in the range.
    pub devices: Vec<String>,
}

/// Lists the segments of `store` whose signed record says they hold events
/// in `[start_utc_us, end_utc_us)`, reading only footers (in parallel).
/// Segments wholly outside the range are skipped without reading rows; a
/// record that lies about its times is the verifier's to find.
pub fn segments_between(
    store: &Path,
    start_utc_us: i64,
    end_utc_us: i64,
) -> Result<SegmentListing> {
    if !store.is_dir() {
        return Err(Error::format(
            store,
            "not a folder: give the store written by `worklog ingest` or the agent",
        ));
    }
    let mut files = Vec::new();
    let mut devices = Vec::new();
    for (device, dir) in list_devices(store)? {
        for path in list_segments(&dir)? {
            files.push((device.clone(), path));
        }
        devices.push(device);
    }
    type Footer = Result<(crate::SegmentRecord, u64)>;
    let read: Vec<(String, PathBuf, Footer)> = files
        .into_par_iter()
        .map(|(device, path)| {
            let footer = crate::segment::read_footer(&path);
            (device, path, footer)
        })
        .collect();
    let mut listing = SegmentListing {
        devices,
        ..SegmentListing::default()
    };
    for (device_id, path, footer) in read {
        match footer {
            Ok((record, rows)) => {
                if record.last_ts >= start_utc_us && record.first_ts < end_utc_us {
                    listing.segments.push(SegmentFile {
                        device_id,
                        path,
                        rows,
                        first_ts: record.first_ts,
                        last_ts: record.last_ts,
                    });
                }
            }
            Err(e) => listing.unreadable.push((path, e)),
        }
    }
    listing.unreadable.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(listing)
}

pub use worklog_fs::{write_atomic, write_atomic_with};

/// Fsyncs a folder so a rename in it is durable.
pub fn sync_dir(dir: &Path) -> Result<()> {
    worklog_fs::sync_dir(dir).map_err(|e| Error::io(dir, e))
}

/// Largest seal, prune checkpoint or key file read (docs/ledger-format.md
/// §9): a few hundred bytes each in practice.
pub const MAX_SMALL_FILE: u64 = 64 * 1024;

/// Largest anchor log read: a line per device and anchoring, ten years of
/// daily anchors for thousands of PCs.
pub const MAX_ANCHOR_LOG: u64 = 4 << 30;

/// The text of a file the verifier trusts nothing about: a regular file
/// (a FIFO would block forever, a device such as `/dev/zero` never ends),
/// of at most `max` bytes, read through a bounded reader (it may grow
/// while read). `NotFound` is passed through for callers to whom an absent
/// file means something.
pub(crate) fn read_bounded_text(path: &Path, max: u64) -> std::io::Result<String> {
    use std::io::{Error as IoError, ErrorKind, Read};
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(IoError::new(
            ErrorKind::InvalidInput,
            "not a regular file (a FIFO, device or folder): not read",
        ));
    }
    let too_big = || {
        IoError::new(
            ErrorKind::InvalidData,
            format!("larger than {max} bytes: not read"),
        )
    };
    if meta.len() > max {
        return Err(too_big());
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    std::fs::File::open(path)?
        .take(max.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(too_big());
    }
    String::from_utf8(bytes).map_err(|e| IoError::new(ErrorKind::InvalidData, e))
}
