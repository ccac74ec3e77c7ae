//! Files written whole or not at all.
//!
//! Evidence must never be half a file: a seal, a checkpoint, an analysis,
//! a report. [`write_atomic`] writes into a hidden `.<name>.tmp` beside the
//! target, syncs it, renames it over the target and syncs the folder, so
//! that a crash or a failed write leaves the old file or the new one,
//! never a part of either. Every writer of the workspace goes through it.
//!
//! # Example
//! ```
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("verification.json");
//! worklog_fs::write_atomic(&path, b"{}")?;
//! assert_eq!(std::fs::read(&path)?, b"{}");
//! // A writer that fails leaves the old file, and no temporary file.
//! let failed = worklog_fs::write_atomic_with(&path, |_| Err(std::io::Error::other("disk full")));
//! assert!(failed.is_err());
//! assert_eq!(std::fs::read(&path)?, b"{}");
//! assert_eq!(std::fs::read_dir(dir.path())?.count(), 1);
//! # Ok::<(), std::io::Error>(())
//! ```

use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` whole or not at all.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_atomic_with(path, |file| file.write_all(bytes))
}

/// [`write_atomic`] of what `write` puts in the file (streamed, for large
/// outputs). The temporary file is removed when `write` fails.
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut File) -> std::io::Result<()>,
) -> std::io::Result<()> {
    write_atomic_by(path, write).map_err(|e| match e {
        WriteError::Writer(e) | WriteError::Io(e) => e,
    })
}

/// Why [`write_atomic_by`] failed: the caller's writer, with its own error,
/// or the file system.
#[derive(Debug)]
pub enum WriteError<E> {
    /// The writer given failed.
    Writer(E),
    /// Creating, syncing or renaming the file failed.
    Io(std::io::Error),
}

/// [`write_atomic_with`] for a writer with an error type of its own (a
/// Parquet or workbook writer), kept apart from the file system's.
pub fn write_atomic_by<E>(
    path: &Path,
    write: impl FnOnce(&mut File) -> Result<(), E>,
) -> Result<(), WriteError<E>> {
    let tmp = temporary_path(path);
    let mut file = File::create(&tmp).map_err(WriteError::Io)?;
    let written = match write(&mut file) {
        Ok(()) => file.sync_all().map_err(WriteError::Io),
        Err(e) => Err(WriteError::Writer(e)),
    };
    drop(file);
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    if let Err(e) = std::fs::rename(&tmp, path) {
        let _ = std::fs::remove_file(&tmp);
        return Err(WriteError::Io(e));
    }
    match path.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(dir) => sync_dir(dir).map_err(WriteError::Io),
        None => Ok(()),
    }
}

/// Where [`write_atomic`] writes before the rename: `.<name>.tmp` beside
/// `path` (a leftover of a crash is recognisable by its name).
pub fn temporary_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp"))
}

/// Syncs a folder, so that a rename in it survives a crash (a no-op where
/// folders cannot be opened as files).
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_replaced_whole_and_nothing_is_left_aside() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        write_atomic(&path, b"old").unwrap();
        write_atomic_with(&path, |f| {
            f.write_all(b"half")?;
            Err(std::io::Error::other("full"))
        })
        .unwrap_err();
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        write_atomic(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().collect();
        assert_eq!(names.len(), 1);
        assert_eq!(temporary_path(&path), dir.path().join(".a.json.tmp"));
        // A folder that is not there: an error, not a panic.
        assert!(write_atomic(&dir.path().join("missing/x"), b"x").is_err());
    }
}
