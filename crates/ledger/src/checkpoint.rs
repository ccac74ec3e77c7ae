//! Retention: segments older than the retention period leave the store
//! only through a prune checkpoint, signed by the authority, that records
//! the head at the cut. The verifier accepts a chain that begins there.

use worklog_hash::Sha256Digest;

use crate::signature::SignatureBytes;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use worklog_schema::Timestamp;

use crate::error::{Error, Result};
use crate::keys::{Keyring, Role, SecretKey};
use crate::segment::read_record;
use crate::store::{CHECKPOINT_FILE, device_dir, list_segments, sync_dir};

/// Format name of a checkpoint.
pub const CHECKPOINT_FORMAT: &str = "worklog-prune/1";
const CHECKPOINT_DOMAIN: &[u8] = b"WLPRUNE1";
const CHECKPOINT_SIGNATURE_DOMAIN: &[u8] = b"worklog.prune.v1";

/// A signed record of a retention cut (`device_id=<id>/_prune.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PruneCheckpoint {
    /// Always [`CHECKPOINT_FORMAT`].
    pub format: String,
    /// The device.
    pub device_id: String,
    /// Last sequence number removed.
    pub cut_seq: u64,
    /// `segment_no` of the last segment removed.
    pub cut_segment_no: u64,
    /// Head of the last segment removed: the first kept segment's `prev_head`.
    pub cut_head: Sha256Digest,
    /// Time of the newest event removed (the chain's newest time at the
    /// cut, from which the chain walk continues), µs UTC.
    pub cut_last_ts: i64,
    /// Segments older than this were due for removal, µs UTC.
    pub retention_horizon: i64,
    /// When the cut was made, µs UTC.
    pub created_at: i64,
    /// Key id of the authority key that signed.
    pub authority_key_id: String,
    /// Ed25519 signature.
    pub signature: SignatureBytes,
}

impl PruneCheckpoint {
    fn digest(&self) -> [u8; 32] {
        let mut b = CHECKPOINT_DOMAIN.to_vec();
        for s in [
            self.format.as_str(),
            &self.device_id,
            &self.cut_head.to_hex(),
            &self.authority_key_id,
        ] {
            b.extend_from_slice(&(s.len() as u32).to_be_bytes());
            b.extend_from_slice(s.as_bytes());
        }
        for v in [self.cut_seq, self.cut_segment_no] {
            b.extend_from_slice(&v.to_be_bytes());
        }
        for v in [self.cut_last_ts, self.retention_horizon, self.created_at] {
            b.extend_from_slice(&v.to_be_bytes());
        }
        Sha256::digest(&b).into()
    }

    /// Whether a trusted authority signed it.
    pub fn signature_valid(&self, keyring: &Keyring) -> bool {
        let Some(key) = keyring.authority(&self.authority_key_id) else {
            return false;
        };
        key.verify(
            &[CHECKPOINT_SIGNATURE_DOMAIN, &self.digest()].concat(),
            &self.signature.0,
        )
    }

    /// The device's checkpoint, if it has one.
    pub fn read_for(store: &Path, device_id: &str) -> Result<Option<Self>> {
        let path = device_dir(store, device_id).join(CHECKPOINT_FILE);
        match crate::store::read_bounded_text(&path, crate::store::MAX_SMALL_FILE) {
            Ok(text) => serde_json::from_str(&text)
                .map(Some)
                .map_err(|e| Error::format(&path, format!("prune checkpoint is not valid: {e}"))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(&path, e)),
        }
    }
}

/// Removes the device's segments whose every event is older than
/// `horizon`, after writing a checkpoint signed by `authority`. Returns the
/// checkpoint, or `None` when nothing is old enough.
///
/// The checkpoint is durable before any segment is removed, so a crash
/// leaves either the old store or a valid pruned one.
pub fn prune(
    store: &Path,
    device_id: &str,
    horizon: Timestamp,
    authority: &SecretKey,
) -> Result<Option<PruneCheckpoint>> {
    if authority.role != Role::Authority {
        return Err(Error::WrongKey {
            device_id: device_id.to_owned(),
            role: authority.role,
            key_id: authority.id.clone(),
        });
    }
    let dir = device_dir(store, device_id);
    let mut doomed = Vec::new();
    let mut last = None;
    let mut newest = i64::MIN;
    for path in list_segments(&dir)? {
        let record = read_record(&path)?;
        // Every event older than the horizon: the newest of them, not the
        // last in the file (a clock gone back, a late delivery).
        if record.max_ts >= horizon.0 {
            break;
        }
        newest = newest.max(record.max_ts);
        last = Some(record);
        doomed.push(path);
    }
    let Some(last) = last else {
        return Ok(None);
    };
    let mut checkpoint = PruneCheckpoint {
        format: CHECKPOINT_FORMAT.to_owned(),
        device_id: device_id.to_owned(),
        cut_seq: last.last_seq,
        cut_segment_no: last.segment_no,
        cut_head: last.head,
        cut_last_ts: newest,
        retention_horizon: horizon.0,
        created_at: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_micros() as i64),
        authority_key_id: authority.public().key_id(),
        signature: SignatureBytes([0; 64]),
    };
    checkpoint.signature = SignatureBytes(
        authority.sign(&[CHECKPOINT_SIGNATURE_DOMAIN, &checkpoint.digest()].concat()),
    );

    let path = dir.join(CHECKPOINT_FILE);
    let text = serde_json::to_string_pretty(&checkpoint)
        .map_err(|e| Error::format(&path, e.to_string()))?;
    crate::store::write_atomic(&path, text.as_bytes()).map_err(|e| Error::io(&path, e))?;
    for segment in doomed {
        std::fs::remove_file(&segment).map_err(|e| Error::io(&segment, e))?;
    }
    sync_dir(&dir)?;
    Ok(Some(checkpoint))
}
