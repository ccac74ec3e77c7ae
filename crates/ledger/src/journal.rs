//! The writer's journal: every accepted event is framed and written here
//! before `append` returns, and replayed after a crash.
//!
//! A frame is `u32 length ‖ u32 CRC-32 of the payload ‖ payload` (big-endian),
//! the payload being the event as JSON. A torn or corrupt tail (a crash
//! mid-write) ends the replay and is cut off.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use worklog_schema::Event;

use crate::error::{Error, Result};

/// An open journal file.
#[derive(Debug)]
pub(crate) struct Journal {
    path: PathBuf,
    file: File,
}

impl Journal {
    /// Opens (or creates) the journal and returns the events it holds.
    pub(crate) fn open(path: &Path) -> Result<(Self, Vec<Event>)> {
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
        let mut rest = bytes.as_slice();
        while rest.len() >= 8 {
            let len = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
            let crc = u32::from_be_bytes([rest[4], rest[5], rest[6], rest[7]]);
            let Some(payload) = rest.get(8..8 + len) else {
                break;
            };
            if crc32fast::hash(payload) != crc {
                break;
            }
            let Ok(event) = serde_json::from_slice::<Event>(payload) else {
                break;
            };
            events.push(event);
            good += 8 + len;
            rest = &rest[8 + len..];
        }
        if good < bytes.len() {
            // Cut the torn tail so new frames follow the last good one.
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
