//! The writer's journal: every accepted event is framed and written here
//! before `append` returns, and replayed after a crash.
//!
//! A frame is `u32 length ‖ u32 CRC-32 of the payload ‖ payload` (big-endian),
//! the payload being the event as JSON. Replay stops at the first frame
//! that does not check (a crash mid-write tears the last one; a disk error
//! can damage one in the middle): everything from there on is copied,
//! byte for byte, into a quarantine file beside the journal before the
//! journal is cut, and reported, so that acknowledged events after a
//! damaged frame are never lost without a word.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use worklog_schema::Event;

use crate::error::{Error, Result};

/// Bytes or events the writer could not replay, kept in a file of their own.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Quarantined {
    /// The quarantine file (in the device's folder).
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// Why it could not be replayed.
    pub reason: String,
}

/// An open journal file.
#[derive(Debug)]
pub(crate) struct Journal {
    path: PathBuf,
    file: File,
}

impl Journal {
    /// Opens (or creates) the journal and returns the events it holds, and
    /// what could not be replayed, quarantined.
    pub(crate) fn open(path: &Path) -> Result<(Self, Vec<Event>, Option<Quarantined>)> {
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|e| Error::io(path, e))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .map_err(|e| Error::io(path, e))?;
        let mut events = Vec::new();
        let mut good = 0usize;
        let mut stop = None;
        let mut rest = bytes.as_slice();
        while !rest.is_empty() {
            let (Some(head), Some(crc)) = (rest.get(..4), rest.get(4..8)) else {
                stop = Some("a frame header cut short");
                break;
            };
            let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
            let crc = u32::from_be_bytes([crc[0], crc[1], crc[2], crc[3]]);
            let Some(payload) = 8usize.checked_add(len).and_then(|end| rest.get(8..end)) else {
                stop = Some("a frame longer than the bytes left");
                break;
            };
            if crc32fast::hash(payload) != crc {
                stop = Some("a frame whose checksum does not match");
                break;
            }
            let Ok(event) = serde_json::from_slice::<Event>(payload) else {
                stop = Some("a frame that is not an event");
                break;
            };
            events.push(event);
            good += 8 + len;
            rest = &rest[8 + len..];
        }
        let mut quarantined = None;
        if let (Some(why), Some(tail)) = (stop, bytes.get(good..)) {
            // Kept before the journal is cut: what follows the damage may
            // hold acknowledged events.
            let reason = format!(
                "journal bytes {good}..{} not replayed: {why} at byte {good}, after {} good events",
                bytes.len(),
                events.len()
            );
            quarantined = Some(quarantine(path, &format!("bytes{good}"), tail, reason)?);
            file.set_len(good as u64).map_err(|e| Error::io(path, e))?;
            file.sync_data().map_err(|e| Error::io(path, e))?;
        }
        file.seek(SeekFrom::End(0))
            .map_err(|e| Error::io(path, e))?;
        Ok((
            Journal {
                path: path.to_owned(),
                file,
            },
            events,
            quarantined,
        ))
    }

    /// Appends events in one write; with `sync`, waits until they are on disk.
    pub(crate) fn append(&mut self, events: &[Event], sync: bool) -> Result<()> {
        let mut buf = Vec::with_capacity(events.len() * 512);
        for event in events {
            let payload = serde_json::to_vec(event)
                .map_err(|e| Error::format(&self.path, format!("cannot encode event: {e}")))?;
            buf.extend_from_slice(&(payload.len() as u32).to_be_bytes());
            buf.extend_from_slice(&crc32fast::hash(&payload).to_be_bytes());
            buf.extend_from_slice(&payload);
        }
        self.file
            .write_all(&buf)
            .map_err(|e| Error::io(&self.path, e))?;
        if sync {
            self.file
                .sync_data()
                .map_err(|e| Error::io(&self.path, e))?;
        }
        Ok(())
    }

    /// Empties the journal once its events are in a committed segment.
    pub(crate) fn reset(&mut self) -> Result<()> {
        self.file.set_len(0).map_err(|e| Error::io(&self.path, e))?;
        self.file
            .seek(SeekFrom::Start(0))
            .map_err(|e| Error::io(&self.path, e))?;
        self.file.sync_data().map_err(|e| Error::io(&self.path, e))
    }
}

/// Writes `bytes` whole (fsynced) to a new file beside `journal`, named
/// `<journal>.quarantine-<label>-<n>` (`label` says where they came from);
/// never overwrites one.
pub(crate) fn quarantine(
    journal: &Path,
    label: &str,
    bytes: &[u8],
    reason: String,
) -> Result<Quarantined> {
    let dir = journal.parent().unwrap_or(Path::new("."));
    let stem = journal
        .file_name()
        .map_or_else(|| "journal".into(), |n| n.to_string_lossy().into_owned());
    let mut n = 0u32;
    loop {
        let path = dir.join(format!("{stem}.quarantine-{label}-{n}"));
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(mut file) => {
                file.write_all(bytes).map_err(|e| Error::io(&path, e))?;
                file.sync_all().map_err(|e| Error::io(&path, e))?;
                return Ok(Quarantined {
                    path,
                    bytes: bytes.len() as u64,
                    reason,
                });
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 10_000 => n += 1,
            Err(e) => return Err(Error::io(&path, e)),
        }
    }
}
