//! The seal: the device's signed statement of the exact bytes of its last
//! segment file.
//!
//! Every segment record commits to the bytes of the *previous* file
//! (`prev_file_digest`); nothing can commit to the last file from inside
//! the chain, for a record cannot hold the digest of the file it is in. The
//! writer therefore signs, after each commit, a seal of the new last file
//! (`_seal.json` beside the segments). The verifier proves that file by its
//! bytes when the seal is valid and covers it, and decodes its rows
//! otherwise; the authority copies the sealed digest into the anchor, so an
//! anchored file stays bound to its bytes even against the key holder.

use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::keys::{PublicKey, SecretKey};
use crate::merkle::Hash;
use crate::record::{SegmentRecord, put_str};
use crate::signature::SignatureBytes;
use crate::store::{self, SEAL_FILE, device_dir};
use worklog_hash::Sha256Digest;

/// Format name of a seal.
pub const SEAL_FORMAT: &str = "worklog-seal/1";
/// Domain tag of the seal digest.
pub const SEAL_DOMAIN: &[u8] = b"WLSEAL1";
/// Domain tag of seal signatures.
pub const SEAL_SIGNATURE_DOMAIN: &[u8] = b"worklog.seal.v1";

/// The device's signed digest of its last segment file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seal {
    /// Always [`SEAL_FORMAT`].
    pub format: String,
    /// The device.
    pub device_id: String,
    /// `segment_no` of the sealed segment.
    pub segment_no: u64,
    /// `last_seq` of the sealed segment.
    pub last_seq: u64,
    /// `head` of the sealed segment.
    pub head: Sha256Digest,
    /// SHA-256 of the sealed file's bytes.
    pub file_digest: Sha256Digest,
    /// Key id of the signing device key.
    pub key_id: String,
    /// Ed25519 signature of `SEAL_SIGNATURE_DOMAIN ‖ digest` by the device key.
    pub signature: SignatureBytes,
}

impl Seal {
    /// Seals the file holding `record`, whose bytes hash to `file_digest`.
    pub fn new(record: &SegmentRecord, file_digest: &Hash, key: &SecretKey) -> Self {
        let mut seal = Seal {
            format: SEAL_FORMAT.to_owned(),
            device_id: record.device_id.clone(),
            segment_no: record.segment_no,
            last_seq: record.last_seq,
            head: record.head,
            file_digest: Sha256Digest(*file_digest),
            key_id: key.public().key_id(),
            signature: SignatureBytes([0; 64]),
        };
        seal.signature = SignatureBytes(key.sign(&seal.signed_message()));
        seal
    }

    /// `SHA-256(SEAL_DOMAIN ‖ fields)`, every field but the signature.
    pub fn digest(&self) -> Hash {
        let mut b = SEAL_DOMAIN.to_vec();
        put_str(&mut b, &self.format);
        put_str(&mut b, &self.device_id);
        b.extend_from_slice(&self.segment_no.to_be_bytes());
        b.extend_from_slice(&self.last_seq.to_be_bytes());
        put_str(&mut b, &self.head.to_hex());
        put_str(&mut b, &self.file_digest.to_hex());
        put_str(&mut b, &self.key_id);
        Sha256::digest(&b).into()
    }

    fn signed_message(&self) -> Vec<u8> {
        [SEAL_SIGNATURE_DOMAIN, self.digest().as_slice()].concat()
    }

    /// Whether the seal is well-formed and signed by `key`.
    pub fn signature_valid(&self, key: &PublicKey) -> bool {
        self.format == SEAL_FORMAT
            && self.key_id == key.key_id()
            && key.verify(&self.signed_message(), &self.signature.0)
    }

    /// Whether the seal is about the segment of `record`.
    pub fn covers(&self, record: &SegmentRecord) -> bool {
        self.device_id == record.device_id
            && self.segment_no == record.segment_no
            && self.last_seq == record.last_seq
            && self.head == record.head
    }

    /// The sealed digest as bytes.
    pub fn file_digest_bytes(&self) -> Hash {
        self.file_digest.0
    }

    /// Reads the seal of a device's partition: `None` when there is none.
    pub fn read_for(store: &Path, device_id: &str) -> Result<Option<Seal>> {
        let path = device_dir(store, device_id).join(SEAL_FILE);
        let text = match store::read_bounded_text(&path, store::MAX_SMALL_FILE) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(&path, e)),
        };
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| Error::format(&path, format!("not a seal: {e}")))
    }

    /// Replaces the seal in the device's partition of `store` (what the
    /// writer does after each commit).
    pub fn write_for(&self, store: &Path) -> Result<()> {
        self.write(&device_dir(store, &self.device_id))
    }

    /// Replaces the seal in `dir` atomically (temporary file, fsync,
    /// rename, fsync of the folder).
    pub(crate) fn write(&self, dir: &Path) -> Result<()> {
        let path = dir.join(SEAL_FILE);
        let json = serde_json::to_vec(self).map_err(|e| Error::format(&path, e.to_string()))?;
        store::write_atomic(&path, &json).map_err(|e| Error::io(&path, e))
    }
}
