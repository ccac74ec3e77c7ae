//! The first pass over a segment file: its bytes hashed once, its record
//! read from the footer of those same bytes, and the record's
//! authenticity. Nothing is decoded here.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use parquet::file::metadata::{
    PageIndexPolicy, ParquetMetaDataOptions, ParquetMetaDataReader, ParquetStatisticsPolicy,
};
use parquet::file::reader::ChunkReader;
use sha2::{Digest, Sha256};
use worklog_schema::Timestamp;

use super::contained;
use super::report::{Anomaly, AnomalyClass, Depth};
use crate::error::chain;
use crate::keys::Keyring;
use crate::merkle::Hash;
use crate::record::{Delivery, SegmentRecord};
use crate::segment::record_from_metadata;

/// Files up to this size are read into memory once, so that the footer
/// parsed is the one hashed; larger ones are streamed through the hash and
/// their footer read apart.
const IN_MEMORY_LIMIT: u64 = 64 << 20;

/// Bytes read, then hashed, at a time: small enough to stay in the core's
/// cache between the copy from the page cache and the hash.
const HASH_CHUNK: u64 = 128 << 10;

/// Everything known about one segment file, filled by the passes.
pub(super) struct SegmentCheck {
    pub device: String,
    pub path: PathBuf,
    pub rel: String,
    pub name: String,
    pub record: Option<SegmentRecord>,
    /// The record is the device's: its head holds and either its file is
    /// vouched for by an authentic commitment or its signature verifies.
    pub authentic: bool,
    /// Everything but the signature holds; the signature is checked only
    /// if no authentic commitment vouches for the file (see `coverage`).
    pub signature_pending: bool,
    /// A file named for another seq than its record's first: reported once
    /// the record is authentic (a forged record's numbers name nothing).
    pub misnamed: Option<String>,
    /// Every commitment to the file's bytes, from an authentic source,
    /// matches them, and there is at least one (set by `coverage`).
    pub vouched: bool,
    /// The record vouches for nothing (altered, misplaced, empty, or a bad
    /// signature): its rows are not checked.
    pub forged: bool,
    /// The claimed range can be trusted for the chain walk.
    pub trusted: bool,
    /// SHA-256 of the file's bytes and their number.
    pub digest: Option<Hash>,
    pub file_bytes: u64,
    pub depth: Depth,
    pub rows: u64,
    pub canonical_bytes: u64,
    pub anomalies: Vec<Anomaly>,
}

impl SegmentCheck {
    /// An anomaly in this file.
    pub fn anomaly(
        &self,
        class: AnomalyClass,
        seq: Option<(u64, u64)>,
        ts: Option<Timestamp>,
        detail: String,
    ) -> Anomaly {
        Anomaly {
            class,
            device_id: self.device.clone(),
            file: Some(self.rel.clone()),
            seq,
            ts,
            detail,
            window: None,
        }
    }

    /// Adds an anomaly at the record's range and first time.
    pub fn report(&mut self, class: AnomalyClass, detail: String) {
        let (seq, ts) = self.record.as_ref().map_or((None, None), |r| {
            (Some((r.first_seq, r.last_seq)), Some(Timestamp(r.first_ts)))
        });
        let a = self.anomaly(class, seq, ts, detail);
        self.anomalies.push(a);
    }
}

/// Hashes the file and reads its record; judges the record, all but its
/// signature.
pub(super) fn scan(keyring: &Keyring, device: &str, path: &Path, rel: String) -> SegmentCheck {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut check = SegmentCheck {
        device: device.to_owned(),
        path: path.to_owned(),
        rel,
        name,
        record: None,
        authentic: false,
        signature_pending: false,
        misnamed: None,
        vouched: false,
        forged: false,
        trusted: false,
        digest: None,
        file_bytes: 0,
        depth: Depth::Unproven,
        rows: 0,
        canonical_bytes: 0,
        anomalies: Vec::new(),
    };
    let name_seq = crate::store::first_seq_of_name(&check.name);

    // An unreadable file and a file without a segment record end the check
    // the same way: reported at the seq its name claims.
    let record = hash_file(path).and_then(|(digest, len, bytes)| {
        check.digest = Some(digest);
        check.file_bytes = len;
        contained(|| match bytes {
            Some(bytes) => read_record(path, bytes),
            None => File::open(path)
                .map_err(|e| format!("not a readable Parquet file: {e}"))
                .and_then(|f| read_record(path, f)),
        })
    });
    let record = match record {
        Ok(record) => record,
        Err(detail) => {
            let a = check.anomaly(
                AnomalyClass::FileUnreadable,
                name_seq.map(|s| (s, s)),
                None,
                detail,
            );
            check.anomalies.push(a);
            return check;
        }
    };
    let verdict = judge(keyring, device, &record);
    check.signature_pending = verdict.is_none();
    check.record = Some(record);
    if let (Some(named), Some(record)) = (name_seq, &check.record)
        && named != record.first_seq
    {
        check.misnamed = Some(format!(
            "file named for seq {named}, but its record starts at seq {}: renamed",
            record.first_seq
        ));
    }
    if let Some((class, detail)) = verdict {
        check.forged = class == AnomalyClass::SegmentForged;
        check.report(class, detail);
    }
    check
}

/// Is the record the device's, apart from its signature (checked later,
/// only where no commitment vouches for the file)? One verdict, reported
/// once.
fn judge(
    keyring: &Keyring,
    device: &str,
    record: &SegmentRecord,
) -> Option<(AnomalyClass, String)> {
    if let Some(why) = forged_record(device, record) {
        return Some((AnomalyClass::SegmentForged, why));
    }
    match keyring.device(device) {
        None => Some((
            AnomalyClass::UnknownKey,
            format!(
                "no public key for device {device:?} in the keyring (signed by key id {})",
                record.key_id
            ),
        )),
        Some(key) if key.key_id() != record.key_id => Some((
            AnomalyClass::UnknownKey,
            format!(
                "signed by key id {}, the keyring holds {} for this device",
                record.key_id,
                key.key_id()
            ),
        )),
        Some(_) => None,
    }
}

/// Why the record cannot be a writer's (`None` when it can): another
/// device's, altered, empty, a count or times that contradict each other,
/// a late segment out of time order.
fn forged_record(device: &str, record: &SegmentRecord) -> Option<String> {
    if record.device_id != device {
        return Some(format!(
            "segment of device {:?} placed in this device's partition",
            record.device_id
        ));
    }
    if !record.head_matches() {
        return Some("segment record altered: its head does not match its fields".into());
    }
    if record.row_count == 0 || record.last_seq < record.first_seq {
        // The writer never commits an empty segment; a signed one can only
        // come from a key holder moving the head without events.
        return Some(format!(
            "segment with no rows (seq {}..={}, {} rows): the writer never writes one",
            record.first_seq, record.last_seq, record.row_count
        ));
    }
    // The range and the count are one fact said twice: a record where they
    // differ is no writer's, and its count would inflate the events
    // verified.
    if record.last_seq - record.first_seq != record.row_count - 1 {
        return Some(format!(
            "segment record's range seq {}..={} holds {} seqs, but its row count says {}: the writer never writes that",
            record.first_seq,
            record.last_seq,
            (record.last_seq - record.first_seq).saturating_add(1),
            record.row_count
        ));
    }
    let times_hold = record.min_ts <= record.max_ts
        && [record.first_ts, record.last_ts]
            .iter()
            .all(|t| (record.min_ts..=record.max_ts).contains(t));
    if !times_hold {
        return Some(format!(
            "segment record's times contradict each other (first/last {}/{}, lowest/highest {}/{}): the writer never writes that",
            Timestamp(record.first_ts),
            Timestamp(record.last_ts),
            Timestamp(record.min_ts),
            Timestamp(record.max_ts)
        ));
    }
    if record.delivery == Delivery::Backfill && record.ts_regressions > 0 {
        return Some(format!(
            "late segment with {} step(s) back in time: the writer puts late events in time order",
            record.ts_regressions
        ));
    }
    None
}

/// SHA-256 of the file, its length, and its bytes when small enough to
/// keep for reading the footer.
pub(super) fn hash_file(path: &Path) -> Result<(Hash, u64, Option<Bytes>), String> {
    let unreadable = |e: std::io::Error| format!("not a readable file: {e}");
    let mut file = File::open(path).map_err(unreadable)?;
    let metadata = file.metadata().map_err(unreadable)?;
    // A device or a pipe under a segment's name could be read forever.
    if !metadata.is_file() {
        return Err("not a regular file: a segment must be a file".into());
    }
    let len = metadata.len();
    if len <= IN_MEMORY_LIMIT {
        // The length is a hint (the file may change while read): read to
        // the end, whatever it is, up to the limit and one byte more. Each
        // chunk is hashed as soon as it is read, while still in cache.
        let mut buf = Vec::with_capacity(len as usize);
        let mut hasher = Sha256::new();
        loop {
            let start = buf.len();
            let room = (IN_MEMORY_LIMIT + 1).saturating_sub(start as u64);
            let read = (&mut file)
                .take(room.min(HASH_CHUNK))
                .read_to_end(&mut buf)
                .map_err(unreadable)?;
            hasher.update(&buf[start..]);
            if read == 0 || buf.len() as u64 > IN_MEMORY_LIMIT {
                break;
            }
        }
        if buf.len() as u64 <= IN_MEMORY_LIMIT {
            let digest = hasher.finalize().into();
            return Ok((digest, buf.len() as u64, Some(Bytes::from(buf))));
        }
    }
    crate::segment::file_digest(path)
        .map(|(digest, len)| (digest, len, None))
        .map_err(|e| format!("not a readable file: {}", chain(&e)))
}

/// The segment record from a Parquet footer. Only the footer is decoded,
/// without the column statistics and page indexes the record does not
/// need (the row-level check reads the file in full when it is needed).
fn read_record<R: ChunkReader + 'static>(path: &Path, source: R) -> Result<SegmentRecord, String> {
    let options = ParquetMetaDataOptions::new()
        .with_column_stats_policy(ParquetStatisticsPolicy::SkipAll)
        .with_size_stats_policy(ParquetStatisticsPolicy::SkipAll)
        .with_encoding_stats_policy(ParquetStatisticsPolicy::SkipAll);
    let metadata = ParquetMetaDataReader::new()
        .with_page_index_policy(PageIndexPolicy::Skip)
        .with_metadata_options(Some(options))
        .parse_and_finish(&source)
        .map_err(|e| format!("not a readable Parquet file: {e}"))?;
    let kv = metadata.file_metadata().key_value_metadata();
    record_from_metadata(path, kv).map_err(|e| format!("schema-invalid: {}", chain(&e)))
}
