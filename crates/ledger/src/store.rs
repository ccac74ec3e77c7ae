//! The store layout: a plain, Hive-partitioned folder of Parquet files.
//!
//! ```text
//! <store>/device_id=<device>/seg-<first_seq, 20 digits>.parquet
//! <store>/device_id=<device>/_journal.wal         (writer's journal)
//! <store>/device_id=<device>/_prune.json         (prune checkpoint)
//! ```
//! Any engine that reads Hive-partitioned Parquet (polars, DuckDB, Spark)
//! reads `<store>/*/*.parquet`; names starting with `_` are not data.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Folder-name prefix of a device partition.
pub const DEVICE_PREFIX: &str = "device_id=";
/// File name of the writer's journal.
pub const JOURNAL_FILE: &str = "_journal.wal";
/// File name of a prune checkpoint.
pub const CHECKPOINT_FILE: &str = "_prune.json";

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

/// Fsyncs a folder so a rename in it is durable.
pub fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        std::fs::File::open(dir)
            .and_then(|f| f.sync_all())
            .map_err(|e| Error::io(dir, e))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}
