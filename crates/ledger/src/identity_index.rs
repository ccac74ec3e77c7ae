//! The identities of a device's stored events, kept beside its segments so
//! that a re-delivered event is recognised without reading the store.
//!
//! `<store>/device_id=<d>/_identities.idx` (not evidence: its name starts
//! with `_`) holds every stored event's [`EventIdentity`], sorted, with the
//! segment it is up to date with (its `last_seq` and head), signed by the
//! device key. It is a cache of what the segments say: opened, it is
//! checked (signature, device, the segment it names still in the chain)
//! and brought up to date from the segments written after it; when it is
//! missing, damaged, or names a segment the chain no longer has, it is
//! rebuilt from every segment. A planted or altered file can therefore
//! never make an event be taken for a duplicate and dropped: it fails its
//! signature and is rebuilt. Layout:
//!
//! ```text
//! "WLIDX1" ‖ str(device_id) ‖ u64(last_seq) ‖ head (32 bytes) ‖ u64(count)
//!          ‖ count × 16-byte identities (ascending) ‖ signature (64 bytes)
//! signature = Ed25519-sign(device key, "worklog.identities.v1" ‖ SHA-256(all before it))
//! ```

use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::identity::{
    EventIdentity, IDENTITY_LEN, IdentityBase, IdentityRule, Occurrences, batch_identity_bases,
};
use crate::keys::{PublicKey, SecretKey};
use crate::merkle::Hash;
use crate::record::{SegmentRecord, put_str};
use crate::segment::read_record;
use crate::store::{device_dir, list_segments};

/// File name of a device's identity index.
pub const IDENTITY_FILE: &str = "_identities.idx";
const MAGIC: &[u8] = b"WLIDX1";
const SIGNATURE_DOMAIN: &[u8] = b"worklog.identities.v1";
/// The largest index read: 2^28 identities (4 GiB), far beyond a device's
/// decade. A bigger file is not read (it is rebuilt).
const MAX_IDENTITIES: u64 = 1 << 28;

/// How an index was brought up to date when it was opened.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IndexState {
    /// The device has no segment yet.
    Empty,
    /// The file was current.
    Current,
    /// The file was current up to an earlier segment; the segments after
    /// it were read.
    Extended {
        /// Segments read.
        segments: usize,
    },
    /// Rebuilt from every segment, and why.
    Rebuilt {
        /// Why the file could not be used (missing, signature, …).
        reason: String,
        /// Segments read.
        segments: usize,
    },
}

/// The identities of one device's stored events ([`crate::identity`]).
#[derive(Debug)]
pub struct IdentityIndex {
    device_id: String,
    dir: PathBuf,
    stored: Vec<EventIdentity>,
    added: HashSet<EventIdentity>,
    /// Segments that could not be read while rebuilding (their events are
    /// not known here; `worklog verify` reports the files).
    pub unreadable: Vec<PathBuf>,
    /// How it was opened.
    pub state: IndexState,
}

impl IdentityIndex {
    /// Opens the device's index and brings it up to the chain's newest
    /// segment (reading the segments it lacks, or all of them).
    pub fn open(store: &Path, device_id: &str, key: &PublicKey) -> Result<Self> {
        let dir = device_dir(store, device_id);
        let mut index = IdentityIndex {
            device_id: device_id.to_owned(),
            dir: dir.clone(),
            stored: Vec::new(),
            added: HashSet::new(),
            unreadable: Vec::new(),
            state: IndexState::Empty,
        };
        let segments = if dir.is_dir() {
            list_segments(&dir)?
        } else {
            Vec::new()
        };
        if segments.is_empty() {
            return Ok(index);
        }
        let from_file = read_index(&dir.join(IDENTITY_FILE), device_id, key);
        let (ids, covered) = match from_file {
            Ok(found) => found,
            Err(reason) => return index.rebuild(&segments, reason),
        };
        // The segment the file is current with, from the newest back.
        for (after, path) in segments.iter().rev().enumerate() {
            let Ok(record) = read_record(path) else {
                break;
            };
            if record.last_seq == covered.0 && record.head.0 == covered.1 {
                index.stored = ids;
                let newer = &segments[segments.len() - after..];
                index.state = if newer.is_empty() {
                    IndexState::Current
                } else {
                    index.add_segments(newer, false);
                    IndexState::Extended {
                        segments: newer.len(),
                    }
                };
                return Ok(index);
            }
        }
        index.rebuild(
            &segments,
            format!(
                "it names seq {} with a head the chain does not have",
                covered.0
            ),
        )
    }

    fn rebuild(mut self, segments: &[PathBuf], reason: String) -> Result<Self> {
        self.stored.clear();
        self.added.clear();
        self.add_segments(segments, true);
        self.state = IndexState::Rebuilt {
            reason,
            segments: segments.len(),
        };
        Ok(self)
    }

    /// Adds the identities of the rows of `segments`. From scratch, a
    /// content identity's occurrence is counted over these rows; added to
    /// a loaded index, it is the first occurrence not yet held.
    fn add_segments(&mut self, segments: &[PathBuf], from_scratch: bool) {
        let mut occurrences = Occurrences::default();
        for path in segments {
            match segment_bases(path) {
                Ok(bases) => {
                    for base in bases {
                        let id = if from_scratch {
                            occurrences.next(&base)
                        } else {
                            self.next_free(&base)
                        };
                        self.added.insert(id);
                    }
                }
                Err(_) => self.unreadable.push(path.clone()),
            }
        }
        if from_scratch {
            self.stored = self.added.drain().collect();
            self.stored.sort_unstable();
        }
    }

    /// The first occurrence of `base` not held (occurrence 1 for the rules
    /// that do not count occurrences).
    fn next_free(&self, base: &IdentityBase) -> EventIdentity {
        if base.rule != IdentityRule::Content {
            return base.occurrence(1);
        }
        let mut n = 1u32;
        loop {
            let id = base.occurrence(n);
            if !self.contains(&id) || n == u32::MAX {
                return id;
            }
            n += 1;
        }
    }

    /// The device.
    pub fn device_id(&self) -> &str {
        &self.device_id
    }

    /// Whether an event with this identity is stored (or was added).
    pub fn contains(&self, id: &EventIdentity) -> bool {
        self.added.contains(id) || self.stored.binary_search(id).is_ok()
    }

    /// Records an identity as stored; `false` when it already was.
    pub fn insert(&mut self, id: EventIdentity) -> bool {
        self.stored.binary_search(&id).is_err() && self.added.insert(id)
    }

    /// Identities held.
    pub fn len(&self) -> usize {
        self.stored.len() + self.added.len()
    }

    /// Whether none is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Writes the index, current with the chain's newest segment, signed
    /// with the device key (temporary file, fsync, rename). Call it after
    /// the device's writer is closed, so that every stored event is in a
    /// committed segment.
    pub fn save(&mut self, key: &SecretKey) -> Result<()> {
        let Some(newest) = list_segments(&self.dir)?.last().cloned() else {
            return Ok(());
        };
        let record: SegmentRecord = read_record(&newest)?;
        let head = record.head.0;
        self.stored.extend(self.added.drain());
        self.stored.sort_unstable();
        self.stored.dedup();
        let mut bytes = header(&self.device_id, record.last_seq, &head, self.stored.len());
        for id in &self.stored {
            bytes.extend_from_slice(&id.0);
        }
        let digest: [u8; 32] = Sha256::digest(&bytes).into();
        bytes.extend_from_slice(&key.sign(&[SIGNATURE_DOMAIN, &digest].concat()));
        let path = self.dir.join(IDENTITY_FILE);
        crate::store::write_atomic(&path, &bytes).map_err(|e| Error::io(&path, e))
    }
}

fn header(device_id: &str, last_seq: u64, head: &Hash, count: usize) -> Vec<u8> {
    let mut bytes = MAGIC.to_vec();
    put_str(&mut bytes, device_id);
    bytes.extend_from_slice(&last_seq.to_be_bytes());
    bytes.extend_from_slice(head);
    bytes.extend_from_slice(&(count as u64).to_be_bytes());
    bytes
}

/// The identities of an index file and the segment it is current with
/// (`last_seq`, head), or why it cannot be used.
type IndexContent = (Vec<EventIdentity>, (u64, Hash));

fn read_index(
    path: &Path,
    device_id: &str,
    key: &PublicKey,
) -> std::result::Result<IndexContent, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("no index ({e})"))?;
    let metadata = file.metadata().map_err(|e| e.to_string())?;
    if !metadata.is_file() {
        return Err("the index is not a regular file".into());
    }
    let prefix = MAGIC.len() + 4 + device_id.len() + 8 + 32 + 8;
    let limit = prefix as u64 + MAX_IDENTITIES * IDENTITY_LEN as u64 + 64;
    if metadata.len() > limit {
        return Err(format!("the index is {} bytes, too large", metadata.len()));
    }
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() < prefix + 64 {
        return Err("the index is cut short".into());
    }
    let (body, signature) = bytes.split_at(bytes.len() - 64);
    let digest: [u8; 32] = Sha256::digest(body).into();
    if !key.verify(&[SIGNATURE_DOMAIN, &digest].concat(), signature) {
        return Err("the index's signature does not verify under the device key".into());
    }
    let mut expected = MAGIC.to_vec();
    put_str(&mut expected, device_id);
    if !body.starts_with(&expected) {
        return Err("the index is of another device or format".into());
    }
    let at = expected.len();
    let number = |from: usize| {
        body.get(from..from + 8)
            .and_then(|b| <[u8; 8]>::try_from(b).ok())
            .map(u64::from_be_bytes)
    };
    let last_seq = number(at).ok_or("the index is cut short")?;
    let head: Hash = body
        .get(at + 8..at + 40)
        .and_then(|b| b.try_into().ok())
        .ok_or("the index is cut short")?;
    let count = number(at + 40).ok_or("the index is cut short")?;
    let ids = &body[prefix..];
    if count.checked_mul(IDENTITY_LEN as u64) != Some(ids.len() as u64) {
        return Err("the index's count does not match its length".into());
    }
    let stored: Vec<EventIdentity> = ids
        .chunks_exact(IDENTITY_LEN)
        .filter_map(|c| c.try_into().ok().map(EventIdentity))
        .collect();
    if stored.windows(2).any(|w| w[0] >= w[1]) {
        return Err("the index's identities are not in order".into());
    }
    Ok((stored, (last_seq, head)))
}

/// The identity bases of a segment file's rows, in file order.
fn segment_bases(path: &Path) -> std::result::Result<Vec<IdentityBase>, String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .and_then(|b| b.with_batch_size(32 * 1024).build())
        .map_err(|e| e.to_string())?;
    let mut bases = Vec::new();
    for batch in reader {
        let batch = batch.map_err(|e| e.to_string())?;
        bases.extend(batch_identity_bases(&batch).map_err(|e| e.to_string())?);
    }
    Ok(bases)
}
