//! Anchors: device heads countersigned by the authority and kept outside
//! the device's store, in an append-only, hash-chained log (JSON Lines).
//!
//! They catch what a device key holder could otherwise hide: a truncated
//! tail, or a whole chain rewritten and re-signed.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::keys::{Keyring, Role, SecretKey};
use crate::record::SegmentRecord;
use crate::seal::Seal;
use crate::segment::read_record;
use crate::signature::SignatureBytes;
use crate::store::{list_devices, list_segments};
use worklog_hash::Sha256Digest;

const ENTRY_DOMAIN: &[u8] = b"WLANCHOR2";
const ANCHOR_GENESIS_DOMAIN: &[u8] = b"WLANCHORGENESIS1";
const ANCHOR_SIGNATURE_DOMAIN: &[u8] = b"worklog.anchor.v2";

/// A device's latest head, exported for anchoring: the last segment's
/// record and the seal of its file (each with the device's signature).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeadClaim {
    /// The record of the device's last committed segment.
    pub record: SegmentRecord,
    /// The device's seal of that segment's file, when it has one: the
    /// anchor then commits to the file's bytes too.
    #[serde(default)]
    pub seal: Option<Seal>,
}

/// One entry of the anchor log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Anchor {
    /// 0-based position in the log.
    pub index: u64,
    /// The device.
    pub device_id: String,
    /// Last sequence number the head covers.
    pub seq: u64,
    /// The anchored segment head.
    pub head: Sha256Digest,
    /// SHA-256 of the anchored segment's file, from the device's seal;
    /// `None` (empty text) when the claim carried no seal of that file.
    #[serde(with = "worklog_hash::empty_is_none")]
    pub file_digest: Option<Sha256Digest>,
    /// Time of the last event under the head, µs UTC.
    pub head_ts: i64,
    /// When the authority anchored it, µs UTC.
    pub anchored_at: i64,
    /// `entry_hash` of the previous entry (a fixed genesis value first).
    pub prev_entry: Sha256Digest,
    /// SHA-256 over this entry's fields: chains the log.
    pub entry_hash: Sha256Digest,
    /// Key id of the authority key.
    pub authority_key_id: String,
    /// Ed25519 signature of the entry hash (its hex text) by the authority.
    pub signature: SignatureBytes,
}

fn anchor_genesis() -> [u8; 32] {
    Sha256::digest(ANCHOR_GENESIS_DOMAIN).into()
}

impl Anchor {
    fn compute_hash(&self) -> [u8; 32] {
        let mut b = ENTRY_DOMAIN.to_vec();
        b.extend_from_slice(&self.index.to_be_bytes());
        // The digests enter as the hex text the log stores.
        for s in [
            self.device_id.as_str(),
            &self.head.to_hex(),
            &self.file_digest.map(|d| d.to_hex()).unwrap_or_default(),
            &self.prev_entry.to_hex(),
            &self.authority_key_id,
        ] {
            b.extend_from_slice(&(s.len() as u32).to_be_bytes());
            b.extend_from_slice(s.as_bytes());
        }
        b.extend_from_slice(&self.seq.to_be_bytes());
        b.extend_from_slice(&self.head_ts.to_be_bytes());
        b.extend_from_slice(&self.anchored_at.to_be_bytes());
        Sha256::digest(&b).into()
    }

    /// What the authority signs: the domain and the entry hash's hex text.
    fn signed_message(&self) -> Vec<u8> {
        [ANCHOR_SIGNATURE_DOMAIN, self.entry_hash.to_hex().as_bytes()].concat()
    }
}

/// Exports the latest head of every device in the store.
pub fn export_heads(store: &Path) -> Result<Vec<HeadClaim>> {
    let mut claims = Vec::new();
    for (_, dir) in list_devices(store)? {
        if let Some(last) = list_segments(&dir)?.last() {
            let record = read_record(last)?;
            let seal = Seal::read_for(store, &record.device_id)?.filter(|s| s.covers(&record));
            claims.push(HeadClaim { record, seal });
        }
    }
    Ok(claims)
}

/// A problem found in the anchor log itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnchorLogProblem {
    /// 1-based line in the log.
    pub line: usize,
    /// What is wrong.
    pub reason: String,
}

/// The append-only anchor log.
#[derive(Debug)]
pub struct AnchorLog {
    path: PathBuf,
    entries: Vec<Anchor>,
    /// The file line (1-based) of each entry.
    lines: Vec<usize>,
    /// Lines that are not anchor entries.
    unparsed: Vec<AnchorLogProblem>,
}

impl AnchorLog {
    /// Opens a log to append to (an absent file is an empty log). Entries
    /// are parsed, not yet checked: see [`AnchorLog::check`]. The lines
    /// that do not parse are returned, and [`AnchorLog::check`] reports
    /// them too.
    pub fn open(path: &Path) -> Result<(Self, Vec<AnchorLogProblem>)> {
        Self::read(path, true)
    }

    /// Opens a log to verify against: an absent file is an error, for
    /// verifying against a log that is not there would switch the anchor
    /// checks off without a word.
    pub fn open_existing(path: &Path) -> Result<(Self, Vec<AnchorLogProblem>)> {
        Self::read(path, false)
    }

    fn read(path: &Path, absent_is_empty: bool) -> Result<(Self, Vec<AnchorLogProblem>)> {
        match crate::store::read_bounded_text(path, crate::store::MAX_ANCHOR_LOG) {
            Ok(text) => Ok(Self::parse(path, &text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && absent_is_empty => {
                Ok(Self::parse(path, ""))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::format(
                path,
                "the anchor log does not exist: give the path of the anchor log, or none to verify without anchors",
            )),
            Err(e) => Err(Error::io(path, e)),
        }
    }

    fn parse(path: &Path, text: &str) -> (Self, Vec<AnchorLogProblem>) {
        let mut entries = Vec::new();
        let mut lines = Vec::new();
        let mut unparsed = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<Anchor>(line) {
                Ok(entry) => {
                    entries.push(entry);
                    lines.push(i + 1);
                }
                Err(e) => unparsed.push(AnchorLogProblem {
                    line: i + 1,
                    reason: format!("not an anchor entry: {e}"),
                }),
            }
        }
        let log = AnchorLog {
            path: path.to_owned(),
            entries,
            lines,
            unparsed: unparsed.clone(),
        };
        (log, unparsed)
    }

    /// The log's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The entries, in log order.
    pub fn entries(&self) -> &[Anchor] {
        &self.entries
    }

    /// Checks the chain and signatures; returns the entries that hold and
    /// the problems, by file line: every line that is not an anchor entry
    /// (a damaged last line too), and the first break in the chain. An
    /// entry after a break in the chain is not trusted.
    pub fn check(&self, keyring: &Keyring) -> (Vec<Anchor>, Vec<AnchorLogProblem>) {
        let mut good = Vec::new();
        let mut problems = self.unparsed.clone();
        let mut prev = Sha256Digest(anchor_genesis());
        for (i, entry) in self.entries.iter().enumerate() {
            let line = self.lines.get(i).copied().unwrap_or(i + 1);
            let mut fail = |reason: String| problems.push(AnchorLogProblem { line, reason });
            if entry.index != i as u64 {
                fail(format!(
                    "index {} where {} was expected: entries removed or reordered",
                    entry.index, i
                ));
                break;
            }
            if entry.prev_entry != prev {
                fail("does not chain to the previous entry".into());
                break;
            }
            if entry.compute_hash() != entry.entry_hash.0 {
                fail("entry hash does not match its fields: entry altered".into());
                break;
            }
            let signed = keyring
                .authority(&entry.authority_key_id)
                .is_some_and(|key| key.verify(&entry.signed_message(), &entry.signature.0));
            if !signed {
                fail(format!(
                    "signature is not by a trusted authority key (key id {})",
                    entry.authority_key_id
                ));
                break;
            }
            prev = entry.entry_hash;
            good.push(entry.clone());
        }
        problems.sort_by_key(|p| p.line);
        (good, problems)
    }

    /// Checks a device's claim (the device's signature over its head) and
    /// appends it, countersigned by `authority`. The file is appended and
    /// fsynced; earlier lines are never rewritten.
    pub fn anchor(
        &mut self,
        claim: &HeadClaim,
        keyring: &Keyring,
        authority: &SecretKey,
        anchored_at: i64,
    ) -> Result<Anchor> {
        if authority.role != Role::Authority {
            return Err(Error::WrongKey {
                device_id: claim.record.device_id.clone(),
                role: authority.role,
                key_id: authority.id.clone(),
            });
        }
        let record = &claim.record;
        let seal = self.checked_claim(claim, keyring)?;
        if let Some(bad) = self.unparsed.first() {
            return Err(Error::format(
                &self.path,
                format!(
                    "line {} is not an anchor entry ({}): the log is damaged; keep it as evidence and start a new log rather than append to it",
                    bad.line, bad.reason
                ),
            ));
        }
        let prev = self
            .entries
            .last()
            .map_or(Sha256Digest(anchor_genesis()), |e| e.entry_hash);
        let mut entry = Anchor {
            index: self.entries.len() as u64,
            device_id: record.device_id.clone(),
            seq: record.last_seq,
            head: record.head,
            file_digest: seal.map(|s| s.file_digest),
            head_ts: record.last_ts,
            anchored_at,
            prev_entry: prev,
            entry_hash: Sha256Digest::ZERO,
            authority_key_id: authority.public().key_id(),
            signature: SignatureBytes([0; 64]),
        };
        entry.entry_hash = Sha256Digest(entry.compute_hash());
        entry.signature = SignatureBytes(authority.sign(&entry.signed_message()));
        let mut line =
            serde_json::to_string(&entry).map_err(|e| Error::format(&self.path, e.to_string()))?;
        line.push('\n');
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(|e| Error::io(&self.path, e))?;
        file.write_all(line.as_bytes())
            .map_err(|e| Error::io(&self.path, e))?;
        file.sync_data().map_err(|e| Error::io(&self.path, e))?;
        // Its line: after the last line read or appended (blank lines the
        // file may end with are not counted; only problems cite lines).
        let line = self.lines.last().copied().unwrap_or(0) + 1;
        self.lines.push(line);
        self.entries.push(entry.clone());
        Ok(entry)
    }

    /// The claim's record and seal checked against the device's key: the
    /// seal when it covers the record (a seal of another segment, left by a
    /// crash between a seal and its segment, is ignored).
    fn checked_claim<'c>(
        &self,
        claim: &'c HeadClaim,
        keyring: &Keyring,
    ) -> Result<Option<&'c Seal>> {
        let record = &claim.record;
        let device_key = keyring.device(&record.device_id).ok_or_else(|| {
            Error::NotFound(format!(
                "no public key for device {:?} in the keyring",
                record.device_id
            ))
        })?;
        if !record.head_matches() || !record.signature_valid(device_key) {
            return Err(Error::format(
                &self.path,
                format!(
                    "head claim of device {:?} at seq {} is not signed by the device's key: refusing to anchor it",
                    record.device_id, record.last_seq
                ),
            ));
        }
        // One that claims this segment must be the device's.
        let seal = claim.seal.as_ref().filter(|seal| seal.covers(record));
        if seal.is_some_and(|seal| !seal.signature_valid(device_key)) {
            return Err(Error::format(
                &self.path,
                format!(
                    "seal of device {:?} at seq {} is not signed by the device's key: refusing to anchor it",
                    record.device_id, record.last_seq
                ),
            ));
        }
        Ok(seal)
    }
}
