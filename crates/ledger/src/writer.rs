//! The agent-side writer: validated events in, signed segments out.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use worklog_schema::{Event, SCHEMA_VERSION, Timestamp};

use crate::checkpoint::PruneCheckpoint;
use crate::error::{Error, Result};
use crate::journal::{self, Journal, Quarantined};
use crate::keys::{Role, SecretKey};
use crate::merkle::Hash;
use crate::record::{Delivery, FORMAT, SegmentRecord, genesis_head};
use crate::seal::Seal;
use crate::segment::{self, read_record};
use crate::signature::SignatureBytes;
use crate::store::{self, JOURNAL_FILE, device_dir, list_segments, segment_file_name};
use worklog_hash::Sha256Digest;

/// When `append` may return: how durable an acknowledged event is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Durability {
    /// The journal is fsynced before `append` returns: an acknowledged
    /// event survives a process kill and a power loss.
    Sync,
    /// The journal is written (not fsynced) before `append` returns: an
    /// acknowledged event survives a process kill, not a power loss.
    Process,
}

/// Configures a [`SegmentWriter`].
#[derive(Debug)]
pub struct SegmentWriterBuilder {
    store: PathBuf,
    key: SecretKey,
    max_rows: usize,
    max_bytes: usize,
    max_age: Duration,
    durability: Durability,
}

impl SegmentWriterBuilder {
    /// Commit a segment once it holds this many events (default 65,536).
    pub fn max_rows(mut self, rows: usize) -> Self {
        self.max_rows = rows.max(1);
        self
    }

    /// Commit a segment once its buffered events occupy this many bytes of
    /// memory (default 16 MiB). Bounds the writer's memory (see
    /// [`SegmentWriter`]).
    pub fn max_bytes(mut self, bytes: usize) -> Self {
        self.max_bytes = bytes.max(1);
        self
    }

    /// Commit a segment once its oldest event is this old (default 15 min),
    /// checked on `append` and [`SegmentWriter::commit_if_due`].
    pub fn max_age(mut self, age: Duration) -> Self {
        self.max_age = age;
        self
    }

    /// How durable an acknowledged event is (default [`Durability::Sync`]).
    pub fn durability(mut self, durability: Durability) -> Self {
        self.durability = durability;
        self
    }

    /// Opens the device's partition: continues its chain after the last
    /// committed segment (or a prune checkpoint), removes half-written
    /// temporary files, and replays the journal.
    pub fn build(self) -> Result<SegmentWriter> {
        if self.key.role != Role::Device {
            return Err(Error::WrongKey {
                device_id: self.key.id.clone(),
                role: self.key.role,
                key_id: self.key.id.clone(),
            });
        }
        let device_id = self.key.id.clone();
        if !worklog_schema::is_identifier(&device_id) {
            return Err(Error::NotFound(format!(
                "key id {device_id:?} is not a valid device id (1-64 of A-Z a-z 0-9 . _ -)"
            )));
        }
        let dir = device_dir(&self.store, &device_id);
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        remove_temporaries(&dir)?;

        let ChainEnd {
            next_seq,
            prev_head,
            prev_file_digest,
            segment_no,
            high_water,
        } = chain_end(&self.store, &dir, &self.key)?;

        let journal_path = dir.join(JOURNAL_FILE);
        let (journal, replay, damaged) = Journal::open(&journal_path)?;
        let mut writer = SegmentWriter {
            device_id,
            dir,
            key: self.key,
            max_rows: self.max_rows,
            max_bytes: self.max_bytes,
            max_age: self.max_age,
            durability: self.durability,
            next_seq,
            prev_head,
            prev_file_digest,
            segment_no,
            high_water,
            buffer: Vec::new(),
            buffered_bytes: 0,
            oldest: None,
            journal,
            replayed: 0,
            quarantined: damaged.into_iter().collect(),
        };
        writer.replay(replay, &journal_path)?;
        Ok(writer)
    }
}

/// Where a device's chain stands when a writer opens it.
struct ChainEnd {
    next_seq: u64,
    prev_head: Hash,
    prev_file_digest: Option<Hash>,
    segment_no: u64,
    high_water: Option<i64>,
}

/// The chain's end: after its last segment, or after the prune
/// checkpoint, or the genesis of a new chain. The last file's bytes are
/// vouched for only by the seal this writer signed when it committed it:
/// the file on disk may have been altered since, and must not be committed
/// to blindly.
fn chain_end(store: &Path, dir: &Path, key: &SecretKey) -> Result<ChainEnd> {
    let device_id = &key.id;
    let segments = list_segments(dir)?;
    let mut end = ChainEnd {
        next_seq: 1,
        prev_head: genesis_head(device_id),
        prev_file_digest: None,
        segment_no: 0,
        high_water: chain_high_water(&segments)?,
    };
    if let Some(last) = segments.last() {
        let record = read_record(last)?;
        end.next_seq = record.last_seq + 1;
        end.prev_head = record.head.0;
        end.segment_no = record.segment_no + 1;
        // An unreadable seal only costs the verifier a row-level check.
        end.prev_file_digest = Seal::read_for(store, device_id)
            .ok()
            .flatten()
            .filter(|seal| seal.covers(&record) && seal.signature_valid(&key.public()))
            .map(|seal| seal.file_digest_bytes());
    } else if let Some(checkpoint) = PruneCheckpoint::read_for(store, device_id)? {
        end.next_seq = checkpoint.cut_seq + 1;
        end.prev_head = checkpoint.cut_head.0;
        end.segment_no = checkpoint.cut_segment_no + 1;
        end.high_water = Some(checkpoint.cut_last_ts);
    }
    Ok(end)
}

impl SegmentWriter {
    /// Buffers the journal's events that continue the chain; events
    /// already committed are skipped, and from the first that does not
    /// follow, the rest is quarantined (kept, not replayed; the journal is
    /// emptied at the next commit).
    fn replay(&mut self, replay: Vec<Event>, journal_path: &Path) -> Result<()> {
        let mut replay = replay.into_iter();
        while let Some(event) = replay.next() {
            // Events already in a committed segment (a crash after the
            // rename, before the journal was emptied) are skipped.
            if event.seq < self.next_seq {
                continue;
            }
            if event.seq != self.next_seq || event.device_id != self.device_id {
                let reason = format!(
                    "journal events from seq {} of device {:?} do not follow seq {} of device {:?}",
                    event.seq, event.device_id, self.next_seq, self.device_id
                );
                let label = format!("events{}", event.seq);
                let mut lines = Vec::new();
                for event in std::iter::once(event).chain(replay.by_ref()) {
                    serde_json::to_writer(&mut lines, &event)
                        .map_err(|e| Error::format(journal_path, e.to_string()))?;
                    lines.push(b'\n');
                }
                let kept = journal::quarantine(journal_path, &label, &lines, reason)?;
                self.quarantined.push(kept);
                break;
            }
            self.buffer_event(event);
            self.replayed += 1;
        }
        Ok(())
    }
}

/// The chain's time: the highest `max_ts` of its segments. Late segments
/// never raise it, so the newest live segment's record holds it (read
/// from the newest segment back to the first live one).
fn chain_high_water(segments: &[PathBuf]) -> Result<Option<i64>> {
    let mut high = None;
    for path in segments.iter().rev() {
        let record = read_record(path)?;
        high = high.max(Some(record.max_ts));
        if record.delivery == Delivery::Live {
            break;
        }
    }
    Ok(high)
}

fn remove_temporaries(dir: &Path) -> Result<()> {
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let path = entry.map_err(|e| Error::io(dir, e))?.path();
        if path.extension().is_some_and(|x| x == "tmp") {
            std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
        }
    }
    Ok(())
}

/// Appends one device's events to its hash chain of segments.
///
/// Every accepted event is validated, given the next sequence number and
/// written to the journal before `append` returns; a segment is committed
/// (temporary file, fsync, rename, fsync of the folder, then the journal is
/// emptied) when it reaches `max_rows`, `max_bytes` or `max_age`. After a
/// crash at any point, [`SegmentWriterBuilder::build`] finds every
/// acknowledged event in a committed segment or in the journal.
///
/// Memory: the buffered events (at most `max_bytes` of in-memory size plus
/// one event, itself at most 55 columns × 8 KiB of text) and, while
/// committing, the segment's Arrow batch and Parquet encoder, each smaller
/// than the buffer (about 210 canonical bytes an event against about 1.5 KB
/// buffered). The bound is therefore about 3 × `max_bytes`: under 50 MiB
/// with the default 16 MiB (about 10,000 typical events a segment); the
/// agent can lower `max_bytes` to trade segment size for memory.
#[derive(Debug)]
pub struct SegmentWriter {
    device_id: String,
    dir: PathBuf,
    key: SecretKey,
    max_rows: usize,
    max_bytes: usize,
    max_age: Duration,
    durability: Durability,
    next_seq: u64,
    prev_head: Hash,
    /// SHA-256 of the last committed file, when this writer can vouch for it.
    prev_file_digest: Option<Hash>,
    segment_no: u64,
    /// The newest event time the chain holds, committed or buffered.
    high_water: Option<i64>,
    buffer: Vec<Event>,
    buffered_bytes: usize,
    oldest: Option<Instant>,
    journal: Journal,
    replayed: usize,
    quarantined: Vec<Quarantined>,
}

/// What an event occupies in memory: the struct and its text.
fn event_bytes(event: &Event) -> usize {
    std::mem::size_of::<Event>() + event.text_fields().map(|(_, v)| v.len()).sum::<usize>()
}

fn now_micros() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

impl SegmentWriter {
    /// A builder writing into `store` for the device that `key` belongs to.
    pub fn builder(store: impl Into<PathBuf>, key: SecretKey) -> SegmentWriterBuilder {
        SegmentWriterBuilder {
            store: store.into(),
            key,
            max_rows: 65_536,
            max_bytes: 16 << 20,
            max_age: Duration::from_secs(15 * 60),
            durability: Durability::Sync,
        }
    }

    /// Events of the journal put back into the buffer when the writer
    /// opened (acknowledged before a crash, not yet in a segment).
    pub fn replayed(&self) -> usize {
        self.replayed
    }

    /// What the journal held that could not be replayed when the writer
    /// opened (damaged frames and what followed them, or events that do
    /// not continue the chain), each kept whole in a quarantine file beside
    /// the journal. A crash in the middle of a write leaves a torn last
    /// frame, which is kept here too (its events were not yet acknowledged).
    pub fn quarantined(&self) -> &[Quarantined] {
        &self.quarantined
    }

    /// The device this writer writes for.
    pub fn device_id(&self) -> &str {
        &self.device_id
    }

    /// The sequence number the next event will get.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// Events accepted but not yet in a committed segment.
    pub fn pending(&self) -> usize {
        self.buffer.len()
    }

    /// The newest event time (µs UTC) the chain holds, committed or
    /// accepted: an event older than this is late ([`Self::append_late`]);
    /// appended live, it is a step back of the device's clock.
    pub fn high_water(&self) -> Option<i64> {
        self.high_water
    }

    /// Accepts one event: its `seq` is assigned (any value given is
    /// replaced), it is validated and journaled. Returns its sequence number.
    pub fn append(&mut self, event: Event) -> Result<u64> {
        let seqs = self.append_batch(vec![event])?;
        Ok(seqs.start)
    }

    /// Accepts several events with one journal write: all or none. Returns
    /// the range of sequence numbers assigned.
    pub fn append_batch(&mut self, mut events: Vec<Event>) -> Result<std::ops::Range<u64>> {
        if self.is_due() {
            self.commit()?;
        }
        let first = self.next_seq;
        self.prepare(&mut events, first)?;
        self.journal
            .append(&events, self.durability == Durability::Sync)?;
        for event in events {
            self.buffer_event(event);
        }
        Ok(first..self.next_seq)
    }

    /// Numbers from `first`, normalises ([`Event::normalize`]) and
    /// validates `events`: all or none.
    fn prepare(&self, events: &mut [Event], first: u64) -> Result<()> {
        let now = Timestamp(now_micros());
        for (i, event) in events.iter_mut().enumerate() {
            if event.device_id != self.device_id {
                return Err(Error::WrongDevice {
                    expected: self.device_id.clone(),
                    found: event.device_id.clone(),
                });
            }
            event.seq = first + i as u64;
            event.normalize();
            event.validate(Some(now))?;
        }
        Ok(())
    }

    /// Stores events delivered late — every one older than (or as old as)
    /// [`Self::high_water`] — as late segments (`delivery = backfill`):
    /// what is buffered is committed first, then these events, put in time
    /// order, are numbered after it and committed before this returns
    /// (segments of at most `max_rows` events and `max_bytes`). All or
    /// none are accepted; a crash part-way leaves whole segments, which a
    /// re-delivery recognises as already stored. Returns the sequence
    /// numbers assigned.
    pub fn append_late(&mut self, mut events: Vec<Event>) -> Result<std::ops::Range<u64>> {
        self.commit()?;
        let first = self.next_seq;
        if events.is_empty() {
            return Ok(first..first);
        }
        let newest = events.iter().map(|e| e.ts.0).max();
        if self.high_water.is_none() || newest > self.high_water {
            return Err(Error::NotLate {
                device_id: self.device_id.clone(),
                newest: Timestamp(newest.unwrap_or_default()),
                high_water: self.high_water.map(Timestamp),
            });
        }
        events.sort_by_key(|e| e.ts);
        self.prepare(&mut events, first)?;
        let mut start = 0;
        while start < events.len() {
            let mut end = start;
            let mut bytes = 0;
            while end < events.len() && end - start < self.max_rows && bytes < self.max_bytes {
                bytes += event_bytes(&events[end]);
                end += 1;
            }
            self.write_segment(&events[start..end], Delivery::Backfill)?;
            start = end;
        }
        self.next_seq = first + events.len() as u64;
        Ok(first..self.next_seq)
    }

    fn buffer_event(&mut self, event: Event) {
        self.buffered_bytes += event_bytes(&event);
        self.oldest.get_or_insert_with(Instant::now);
        self.next_seq = event.seq + 1;
        self.high_water = self.high_water.max(Some(event.ts.0));
        self.buffer.push(event);
    }

    fn is_due(&self) -> bool {
        self.buffer.len() >= self.max_rows
            || self.buffered_bytes >= self.max_bytes
            || self.oldest.is_some_and(|t| t.elapsed() >= self.max_age)
    }

    /// Commits a segment if one is due by size or age; returns its record.
    pub fn commit_if_due(&mut self) -> Result<Option<SegmentRecord>> {
        if self.is_due() {
            self.commit()
        } else {
            Ok(None)
        }
    }

    /// Commits the buffered events as one signed segment (nothing if none
    /// are buffered); returns its record.
    pub fn commit(&mut self) -> Result<Option<SegmentRecord>> {
        if self.buffer.is_empty() {
            return Ok(None);
        }
        let buffer = std::mem::take(&mut self.buffer);
        let record = match self.write_segment(&buffer, Delivery::Live) {
            Ok(record) => record,
            Err(e) => {
                self.buffer = buffer;
                return Err(e);
            }
        };
        // Only now may the journal forget these events.
        self.journal.reset()?;
        self.buffered_bytes = 0;
        self.oldest = None;
        Ok(Some(record))
    }

    /// Writes `rows` (numbered, validated, not empty) as the chain's next
    /// segment: temporary file, fsync, seal, rename, fsync of the folder.
    fn write_segment(&mut self, rows: &[Event], delivery: Delivery) -> Result<SegmentRecord> {
        let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
            return Err(Error::NotFound("no events to commit".into()));
        };
        let encoded = segment::encode(rows)?;
        let (min_ts, max_ts) = rows.iter().fold((i64::MAX, i64::MIN), |(lo, hi), e| {
            (lo.min(e.ts.0), hi.max(e.ts.0))
        });
        let mut record = SegmentRecord {
            format: FORMAT.to_owned(),
            schema_version: SCHEMA_VERSION,
            device_id: self.device_id.clone(),
            segment_no: self.segment_no,
            first_seq: first.seq,
            last_seq: last.seq,
            row_count: rows.len() as u64,
            first_ts: first.ts.0,
            last_ts: last.ts.0,
            ts_regressions: rows.windows(2).filter(|w| w[1].ts < w[0].ts).count() as u64,
            min_ts,
            max_ts,
            delivery,
            prev_head: Sha256Digest(self.prev_head),
            prev_file_digest: self.prev_file_digest.map(Sha256Digest),
            merkle_root: Sha256Digest(encoded.root),
            committed_at: now_micros(),
            key_id: String::new(),
            head: Sha256Digest::ZERO,
            signature: SignatureBytes([0; 64]),
        };
        record.seal(&self.key);

        let name = segment_file_name(first.seq);
        let path = self.dir.join(&name);
        let tmp = self.dir.join(format!("{name}.tmp"));
        if path.exists() {
            return Err(Error::format(
                &path,
                "a segment with this first sequence number already exists",
            ));
        }
        let (file, file_digest) = segment::write_file(&tmp, &encoded.batch, &record)?;
        file.sync_all().map_err(|e| Error::io(&tmp, e))?;
        drop(file);
        // The seal first: if it cannot be written, nothing is committed and
        // the commit can be retried. A crash between the two leaves a seal
        // of a segment that is not there, which covers nothing: the last
        // file is then checked row by row and the next segment commits to
        // no file digest.
        Seal::new(&record, &file_digest, &self.key).write(&self.dir)?;
        std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
        store::sync_dir(&self.dir)?;

        self.prev_head = record.head.0;
        self.prev_file_digest = Some(file_digest);
        self.segment_no += 1;
        Ok(record)
    }

    /// Commits what is buffered and closes the writer.
    pub fn close(mut self) -> Result<Option<SegmentRecord>> {
        self.commit()
    }
}
