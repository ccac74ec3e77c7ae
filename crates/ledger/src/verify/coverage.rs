//! Which files are proven by their bytes alone.
//!
//! A file's bytes are committed to by the next segment's signed record
//! (`prev_file_digest`), by the device's seal when it is the last file, and
//! by every anchor of its head that carries a file digest. A file whose
//! bytes hash to every such commitment, and to at least one, is the file
//! the writer wrote: its rows are the signed rows, and decoding them would
//! prove nothing more. Any other file is checked row by row.
//!
//! Settling this also settles which records are authentic: see [`resolve`].

use std::collections::HashMap;

use super::report::AnomalyClass;
use super::scan::SegmentCheck;
use super::short;
use crate::anchor::Anchor;
use crate::keys::PublicKey;
use crate::merkle::Hash;
use crate::seal::Seal;
use worklog_hash::Sha256Digest;

/// A signed statement of what a file's bytes hash to.
pub(super) struct Commitment {
    /// Who states it, in words.
    pub by: String,
    pub digest: Hash,
}

/// Settles which records are authentic and collects the commitments to
/// each file's bytes, by index in `checks` (one device's files).
///
/// Files are taken from the highest `first_seq` down, so that a file's
/// successors (which start after it ends) are settled first. A record
/// whose file is vouched for — every commitment from an authentic source
/// (successor record, valid seal, trusted anchor) matches the file's
/// digest, and there is at least one — is authentic without its own
/// signature being checked: the commitment was signed over the file's
/// bytes, the record included. Any other record's signature is checked
/// here.
pub(super) fn resolve(
    checks: &mut [SegmentCheck],
    key: Option<&PublicKey>,
    seal: Option<&Seal>,
    anchors: &[&Anchor],
) -> Vec<Vec<Commitment>> {
    let mut successors: HashMap<Sha256Digest, Vec<usize>> = HashMap::new();
    for (j, check) in checks.iter().enumerate() {
        if let Some(record) = check.record.as_ref().filter(|_| check.signature_pending) {
            successors.entry(record.prev_head).or_default().push(j);
        }
    }
    let seal = seal.filter(|seal| key.is_some_and(|key| seal.signature_valid(key)));
    let mut order: Vec<usize> = (0..checks.len())
        .filter(|&i| checks[i].signature_pending)
        .collect();
    order.sort_by_key(|&i| std::cmp::Reverse(checks[i].record.as_ref().map_or(0, |r| r.first_seq)));
    let mut found: Vec<Vec<Commitment>> = (0..checks.len()).map(|_| Vec::new()).collect();
    for i in order {
        let Some(record) = checks[i].record.clone() else {
            continue;
        };
        let mut commitments = Vec::new();
        for &j in successors.get(&record.head).into_iter().flatten() {
            let next = checks[j].record.as_ref().filter(|_| checks[j].authentic);
            if let Some(digest) = next
                .filter(|next| Some(next.first_seq) == record.last_seq.checked_add(1))
                .and_then(|next| next.prev_file_digest.map(|d| d.0))
            {
                commitments.push(Commitment {
                    by: format!("the record of {}", checks[j].rel),
                    digest,
                });
            }
        }
        if let Some(digest) = seal
            .filter(|seal| seal.covers(&record))
            .map(Seal::file_digest_bytes)
        {
            commitments.push(Commitment {
                by: "the device's seal".into(),
                digest,
            });
        }
        for anchor in anchors {
            if anchor.seq == record.last_seq
                && anchor.head == record.head
                && let Some(Sha256Digest(digest)) = anchor.file_digest
            {
                commitments.push(Commitment {
                    by: format!("anchor #{}", anchor.index),
                    digest,
                });
            }
        }
        let check = &mut checks[i];
        let vouched = check.digest.is_some_and(|digest| {
            !commitments.is_empty() && commitments.iter().all(|c| c.digest == digest)
        });
        check.signature_pending = false;
        check.vouched = vouched;
        if vouched || key.is_some_and(|key| record.signature_valid(key)) {
            check.authentic = true;
            check.trusted = true;
            if let Some(detail) = check.misnamed.take() {
                check.report(AnomalyClass::SegmentMisnamed, detail);
            }
        } else {
            check.forged = true;
            check.report(
                AnomalyClass::SegmentForged,
                "signature does not verify under the device key".into(),
            );
        }
        found[i] = commitments;
    }
    found
}

/// Whether the file's bytes prove it: vouched for (see [`resolve`]) and no
/// clock regression to locate among its rows.
pub(super) fn proven_by_bytes(check: &SegmentCheck) -> bool {
    check.vouched && check.record.as_ref().is_some_and(|r| r.ts_regressions == 0)
}

/// After the row-level check of a file whose bytes miss a commitment: if
/// the rows found nothing (the `found_before` anomalies were already
/// there), the change is in the file's encoding or metadata, which the
/// rows cannot show; it is reported as such.
pub(super) fn report_altered(
    check: &mut SegmentCheck,
    commitments: &[Commitment],
    found_before: usize,
) {
    let Some(digest) = check.digest else {
        return;
    };
    let Some(missed) = commitments.iter().find(|c| c.digest != digest) else {
        return;
    };
    let rows_found_something = check.anomalies[found_before..]
        .iter()
        .any(|a| a.class != AnomalyClass::TimeWentBackwards);
    if rows_found_something || !check.trusted {
        return;
    }
    let detail = format!(
        "the file's bytes (SHA-256 {}) are not those {} commits to ({}), though its record and rows verify: its Parquet encoding or metadata was changed",
        short(&Sha256Digest(digest)),
        missed.by,
        short(&Sha256Digest(missed.digest))
    );
    check.report(AnomalyClass::FileAltered, detail);
}
