//! The segment record: what a segment commits to, its head, its signature.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::keys::{PublicKey, SecretKey};
use crate::merkle::Hash;
use crate::signature::SignatureBytes;
use worklog_hash::Sha256Digest;

/// Parquet key-value metadata key holding the JSON segment record.
pub const SEGMENT_KEY: &str = "worklog.segment";

/// Format name in every record.
pub const FORMAT: &str = "worklog-ledger/3";

/// Domain tag of the segment head.
pub const HEAD_DOMAIN: &[u8] = b"WLHEAD3";
/// Domain tag of a device's genesis head.
pub const GENESIS_DOMAIN: &[u8] = b"WLGENESIS1";
/// `prev_file_digest` of a record that commits to no previous file.
pub const NO_FILE_DIGEST: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Domain tag of segment signatures.
pub const SIGNATURE_DOMAIN: &[u8] = b"worklog.segment.v3";

/// How a segment's events reached the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Delivery {
    /// In the order the device recorded them, continuing the chain's
    /// time: a step back in time here is the device's clock going back.
    Live,
    /// Delivered late: every event is older than the newest event the
    /// chain already held (`max_ts` of the segments before it), in time
    /// order. A collector's backlog, a branch's week sent afterwards.
    Backfill,
}

impl Delivery {
    /// The name stored in the record.
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Live => "live",
            Delivery::Backfill => "backfill",
        }
    }
}

/// What one segment commits to. Stored as JSON in the Parquet file's
/// key-value metadata under [`SEGMENT_KEY`]; hashes and signatures in hex.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentRecord {
    /// Always [`FORMAT`].
    pub format: String,
    /// Event schema version of the rows.
    pub schema_version: u32,
    /// The device.
    pub device_id: String,
    /// 0 for the device's first segment, +1 per segment.
    pub segment_no: u64,
    /// Sequence number of the first row.
    pub first_seq: u64,
    /// Sequence number of the last row.
    pub last_seq: u64,
    /// Number of rows (`last_seq - first_seq + 1`).
    pub row_count: u64,
    /// Time of the first row, µs UTC.
    pub first_ts: i64,
    /// Time of the last row, µs UTC.
    pub last_ts: i64,
    /// Rows whose `ts` is lower than the previous row's (a clock set
    /// back): the verifier locates them without decoding every segment.
    pub ts_regressions: u64,
    /// The lowest `ts` of the rows, µs UTC.
    pub min_ts: i64,
    /// The highest `ts` of the rows, µs UTC: the chain's time after this
    /// segment is the highest `max_ts` so far.
    pub max_ts: i64,
    /// Live or late ([`Delivery`]).
    pub delivery: Delivery,
    /// Head of the previous segment (the genesis head for the first).
    pub prev_head: Sha256Digest,
    /// SHA-256 of the exact bytes of the previous segment's file; `None`
    /// (stored as [`NO_FILE_DIGEST`]) when there is none (the first
    /// segment, the first after a prune) or the writer could not vouch for
    /// it (it restarted without a seal of that file).
    #[serde(with = "crate::signature::zero_is_none")]
    pub prev_file_digest: Option<Sha256Digest>,
    /// RFC 6962 Merkle root over the rows' canonical bytes.
    pub merkle_root: Sha256Digest,
    /// When the writer committed the segment, µs UTC.
    pub committed_at: i64,
    /// Key id of the signing device key.
    pub key_id: String,
    /// `SHA-256(HEAD_DOMAIN ‖ canonical fields)`: commits to everything above.
    pub head: Sha256Digest,
    /// Ed25519 signature of `SIGNATURE_DOMAIN ‖ head` by the device key.
    pub signature: SignatureBytes,
}

pub(crate) fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// The genesis head of a device: `SHA-256(GENESIS_DOMAIN ‖ len ‖ device_id)`.
pub fn genesis_head(device_id: &str) -> Hash {
    let mut buf = GENESIS_DOMAIN.to_vec();
    put_str(&mut buf, device_id);
    Sha256::digest(&buf).into()
}

impl SegmentRecord {
    /// The canonical bytes the head hashes (every field but `head` and
    /// `signature`, in declaration order).
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let mut b = HEAD_DOMAIN.to_vec();
        put_str(&mut b, &self.format);
        b.extend_from_slice(&self.schema_version.to_be_bytes());
        put_str(&mut b, &self.device_id);
        for v in [
            self.segment_no,
            self.first_seq,
            self.last_seq,
            self.row_count,
        ] {
            b.extend_from_slice(&v.to_be_bytes());
        }
        b.extend_from_slice(&self.first_ts.to_be_bytes());
        b.extend_from_slice(&self.last_ts.to_be_bytes());
        b.extend_from_slice(&self.ts_regressions.to_be_bytes());
        b.extend_from_slice(&self.min_ts.to_be_bytes());
        b.extend_from_slice(&self.max_ts.to_be_bytes());
        put_str(&mut b, self.delivery.as_str());
        // The digests enter as the hex text the record stores (format 3).
        put_str(&mut b, &self.prev_head.to_hex());
        put_str(
            &mut b,
            &self.prev_file_digest.unwrap_or(Sha256Digest::ZERO).to_hex(),
        );
        put_str(&mut b, &self.merkle_root.to_hex());
        b.extend_from_slice(&self.committed_at.to_be_bytes());
        put_str(&mut b, &self.key_id);
        b
    }

    /// Recomputes the head from the fields.
    pub fn compute_head(&self) -> Hash {
        Sha256::digest(self.canonical_bytes()).into()
    }

    /// Sets `head` and `signature`.
    pub fn seal(&mut self, key: &SecretKey) {
        self.key_id = key.public().key_id();
        let head = self.compute_head();
        self.head = Sha256Digest(head);
        self.signature = SignatureBytes(key.sign(&signed_message(&head)));
    }

    /// Whether `head` matches the fields.
    pub fn head_matches(&self) -> bool {
        self.compute_head() == self.head.0
    }

    /// Whether the signature is the device key's over the head.
    pub fn signature_valid(&self, key: &PublicKey) -> bool {
        key.verify(&signed_message(&self.head.0), &self.signature.0)
    }
}

fn signed_message(head: &Hash) -> Vec<u8> {
    [SIGNATURE_DOMAIN, head.as_slice()].concat()
}
