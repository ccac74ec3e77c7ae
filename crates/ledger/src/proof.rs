//! Inclusion proofs: one event shown to be in a signed segment without
//! revealing the others.

use std::fs::File;
use std::path::Path;

use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde::{Deserialize, Serialize};
use worklog_schema::{Event, batch_to_events, events_to_batch};

use crate::canonical::RowEncoder;
use crate::error::{Error, Result};
use crate::keys::Keyring;
use crate::merkle::{self, Hash};
use crate::record::SegmentRecord;
use crate::segment::read_record;
use crate::store::{device_dir, list_segments};
use worklog_hash::Sha256Digest;

/// Proof that one event is in a device's signed chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InclusionProof {
    /// The event itself.
    pub event: Event,
    /// The segment file, relative to the store.
    pub segment_file: String,
    /// Position of the event's leaf in the segment's tree.
    pub leaf_index: u64,
    /// Number of leaves (rows) in the tree.
    pub tree_size: u64,
    /// The leaf hash.
    pub leaf_hash: Sha256Digest,
    /// The audit path, leaf to root.
    pub path: Vec<Sha256Digest>,
    /// The signed segment record holding the root.
    pub record: SegmentRecord,
}

/// The canonical leaf hash of one event.
pub fn event_leaf_hash(event: &Event) -> Result<Hash> {
    let batch = events_to_batch(std::slice::from_ref(event))?;
    let encoder = RowEncoder::new(&batch).map_err(|e| Error::NotFound(e.0))?;
    let mut leaves = Vec::with_capacity(1);
    encoder.leaf_hashes(&mut leaves);
    leaves
        .into_iter()
        .next()
        .ok_or_else(|| Error::NotFound("no row encoded".into()))
}

/// Builds the inclusion proof of event `seq` of `device_id`.
pub fn prove(store: &Path, device_id: &str, seq: u64) -> Result<InclusionProof> {
    let dir = device_dir(store, device_id);
    if !dir.is_dir() {
        return Err(Error::NotFound(format!(
            "device {device_id:?} has no partition in {}; `worklog verify` lists the devices of a store",
            store.display()
        )));
    }
    let not_found = || {
        Error::NotFound(format!(
            "device {device_id:?} has no committed event with seq {seq} in {}",
            store.display()
        ))
    };
    let mut target = None;
    for path in list_segments(&dir)? {
        let record = read_record(&path)?;
        if (record.first_seq..=record.last_seq).contains(&seq) {
            target = Some((path, record));
            break;
        }
    }
    let (path, record) = target.ok_or_else(not_found)?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(
        File::open(&path).map_err(|e| Error::io(&path, e))?,
    )
    .and_then(|b| b.build())
    .map_err(|e| Error::Parquet {
        path: path.clone(),
        source: e,
    })?;
    let mut leaves = Vec::new();
    let mut events = Vec::new();
    for batch in reader {
        let batch = batch.map_err(|e| Error::Parquet {
            path: path.clone(),
            source: e.into(),
        })?;
        let encoder = RowEncoder::new(&batch).map_err(|e| Error::format(&path, e.0))?;
        encoder.leaf_hashes(&mut leaves);
        events.extend(batch_to_events(&batch)?);
    }
    if merkle::root(&leaves) != record.merkle_root.0 {
        return Err(Error::format(
            &path,
            "segment rows do not match its signed root: run verify to locate the damage",
        ));
    }
    let index = events
        .iter()
        .position(|e| e.seq == seq)
        .ok_or_else(not_found)?;
    let path_hashes = merkle::inclusion_path(&leaves, index).ok_or_else(not_found)?;
    Ok(InclusionProof {
        event: events.swap_remove(index),
        segment_file: path
            .strip_prefix(store)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/"),
        leaf_index: index as u64,
        tree_size: leaves.len() as u64,
        leaf_hash: Sha256Digest(leaves[index]),
        path: path_hashes.into_iter().map(Sha256Digest).collect(),
        record,
    })
}

/// Why a proof does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("inclusion proof rejected: {0}")]
pub struct ProofRejected(pub String);

impl InclusionProof {
    /// Checks the proof: the record is signed by the device's key in
    /// `keyring`, the event hashes to the leaf, and the path leads from the
    /// leaf to the signed root at the event's position.
    pub fn check(&self, keyring: &Keyring) -> std::result::Result<(), ProofRejected> {
        let reject = |why: &str| Err(ProofRejected(why.to_owned()));
        let record = &self.record;
        if self.event.device_id != record.device_id {
            return reject("the event is of another device than the segment");
        }
        let Some(key) = keyring.device(&record.device_id) else {
            return reject("no public key for the device in the keyring");
        };
        if !record.head_matches() || !record.signature_valid(key) {
            return reject("the segment record is not signed by the device's key");
        }
        if self.tree_size != record.row_count
            || self.leaf_index != self.event.seq.wrapping_sub(record.first_seq)
        {
            return reject("leaf position or tree size does not match the segment record");
        }
        let leaf = event_leaf_hash(&self.event).map_err(|e| ProofRejected(e.to_string()))?;
        if leaf != self.leaf_hash.0 {
            return reject("the event does not hash to the proof's leaf");
        }
        let path: Vec<Hash> = self.path.iter().map(|h| h.0).collect();
        let root = record.merkle_root.0;
        if merkle::verify_inclusion(self.leaf_index, self.tree_size, &leaf, &path, &root) {
            Ok(())
        } else {
            reject("the audit path does not lead to the signed Merkle root")
        }
    }
}
