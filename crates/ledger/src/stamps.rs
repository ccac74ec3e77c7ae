//! RFC 3161 time-stamps of the anchor log: a witness the agency does not
//! control. Each stamp covers the log's first `covers_bytes` bytes (whole
//! lines): a TSA signed that their SHA-256 existed at its time. The stamps
//! are kept beside the log (`<log>.stamps.jsonl`, appended, one per line).
//!
//! What a stamp adds (docs/ledger-format.md §6.2): the anchors it covers
//! existed at its time, so a rewrite of those lines afterwards — even by
//! the holder of the authority key, who can re-sign a whole new log — no
//! longer matches the stamped digest and is detected. It proves existence
//! at a time, nothing about what was anchored.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use worklog_stamp::{Expect, ObjectIdentifier, Sha256Digest, Stamp, Token, TrustAnchors};

use crate::anchor::AnchorLog;
use crate::error::{Error, Result};

/// The format name of a stamp line.
pub const STAMP_FORMAT: &str = "worklog-stamp/1";
/// The largest stamps file read.
const MAX_STAMPS_FILE: u64 = 256 << 20;

/// One line of the stamps file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StampLine {
    /// [`STAMP_FORMAT`].
    pub format: String,
    /// How many bytes of the anchor log it covers (whole lines).
    pub covers_bytes: u64,
    /// How many anchor entries those bytes hold.
    pub covers_entries: u64,
    /// SHA-256 of those bytes.
    pub sha256: Sha256Digest,
    /// The TSA it was asked of (its URL), for people; the token names the TSA.
    pub tsa: String,
    /// The token (DER, hex).
    pub token: String,
}

/// Where the stamps of the anchor log at `log` are kept.
pub fn stamps_path(log: &Path) -> PathBuf {
    let mut name = log.file_stem().unwrap_or_default().to_os_string();
    name.push(".stamps.jsonl");
    log.with_file_name(name)
}

/// What a new stamp must cover: the anchor log as it is now (every byte,
/// every entry), and its digest. A log that does not end with a newline
/// (a line being written) is refused.
pub fn log_digest(log: &Path) -> Result<(u64, u64, Sha256Digest)> {
    let text = crate::store::read_bounded_text(log, crate::store::MAX_ANCHOR_LOG)
        .map_err(|e| Error::io(log, e))?;
    if !text.is_empty() && !text.ends_with('\n') {
        return Err(Error::format(
            log,
            "the anchor log's last line is not complete: stamp it once the line is written",
        ));
    }
    Ok((
        text.len() as u64,
        entries_in(text.as_bytes()),
        Sha256Digest::of(text.as_bytes()),
    ))
}

/// Anchor entries in the log's bytes: its non-blank lines.
fn entries_in(bytes: &[u8]) -> u64 {
    bytes
        .split(|b| *b == b'\n')
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
        .count() as u64
}

/// Appends a stamp line to the stamps file of `log` (created if absent),
/// fsynced; earlier lines are never rewritten.
pub fn append_stamp(log: &Path, line: &StampLine) -> Result<PathBuf> {
    let path = stamps_path(log);
    let text = serde_json::to_string(line).map_err(|e| Error::format(&path, e.to_string()))? + "\n";
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|e| Error::io(&path, e))?;
    file.write_all(text.as_bytes())
        .map_err(|e| Error::io(&path, e))?;
    file.sync_all().map_err(|e| Error::io(&path, e))?;
    Ok(path)
}

/// A stamp that holds: the anchor entries it covers existed at its time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckedStamp {
    /// Its line in the stamps file.
    pub line: usize,
    /// Anchor entries covered (the first `covers_entries` of the log).
    pub covers_entries: u64,
    /// What the token says.
    pub stamp: Stamp,
}

/// Why a stamp does not hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum StampProblemKind {
    /// The anchor log's stamped bytes are no longer the stamped ones: the
    /// log was rewritten (or cut) after the stamp.
    LogRewritten,
    /// The token does not verify (signature, chain, trust, digest).
    TokenInvalid,
    /// The line is no stamp line.
    Unreadable,
}

/// A stamp line that does not hold, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StampProblem {
    /// Its line in the stamps file.
    pub line: usize,
    /// What kind of problem.
    pub kind: StampProblemKind,
    /// Why, in words.
    pub reason: String,
}

/// The stamps of an anchor log, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StampsCheck {
    /// The stamps file (absent: no stamps).
    pub file: Option<PathBuf>,
    /// Stamps that hold, in file order.
    pub stamped: Vec<CheckedStamp>,
    /// Stamps that do not.
    pub problems: Vec<StampProblem>,
}

impl StampsCheck {
    /// The newest stamp covering anchor entry `index` (0-based): the
    /// earliest time it is proven to have existed.
    pub fn covering(&self, index: u64) -> Option<&CheckedStamp> {
        self.stamped
            .iter()
            .filter(|s| index < s.covers_entries)
            .min_by_key(|s| s.stamp.time)
    }

    /// Whether the log was rewritten after a stamp.
    pub fn log_rewritten(&self) -> bool {
        self.problems
            .iter()
            .any(|p| p.kind == StampProblemKind::LogRewritten)
    }
}

/// Checks every stamp of `log` against the log as it is and `trust` (and
/// the TSA policy `policy`, when one is required).
pub fn check_stamps(
    log: &AnchorLog,
    trust: &TrustAnchors,
    policy: Option<ObjectIdentifier>,
) -> Result<StampsCheck> {
    let path = stamps_path(log.path());
    let text = match crate::store::read_bounded_text(&path, MAX_STAMPS_FILE) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(StampsCheck::default()),
        Err(e) => return Err(Error::io(&path, e)),
    };
    let bytes = crate::store::read_bounded_text(log.path(), crate::store::MAX_ANCHOR_LOG)
        .map_err(|e| Error::io(log.path(), e))?
        .into_bytes();
    let mut check = StampsCheck {
        file: Some(path),
        ..StampsCheck::default()
    };
    for (i, raw) in text.lines().enumerate() {
        if raw.trim().is_empty() {
            continue;
        }
        let line = i + 1;
        match check_line(raw, &bytes, trust, policy) {
            Ok((covers_entries, stamp)) => check.stamped.push(CheckedStamp {
                line,
                covers_entries,
                stamp,
            }),
            Err((kind, reason)) => check.problems.push(StampProblem { line, kind, reason }),
        }
    }
    Ok(check)
}

fn check_line(
    raw: &str,
    log: &[u8],
    trust: &TrustAnchors,
    policy: Option<ObjectIdentifier>,
) -> std::result::Result<(u64, Stamp), (StampProblemKind, String)> {
    use StampProblemKind::*;
    let entry: StampLine =
        serde_json::from_str(raw).map_err(|e| (Unreadable, format!("not a stamp line: {e}")))?;
    if entry.format != STAMP_FORMAT {
        return Err((
            Unreadable,
            format!("format {:?}, not {STAMP_FORMAT}", entry.format),
        ));
    }
    let digest = entry.sha256;
    let der = hex::decode(&entry.token).map_err(|_| (Unreadable, "token is not hex".to_owned()))?;
    let token = Token::from_der(der).map_err(|e| (TokenInvalid, e.to_string()))?;
    let stamp = token
        .verify(&Expect::digest(digest).with_policy(policy), trust)
        .map_err(|e| (TokenInvalid, e.to_string()))?;
    let covered = usize::try_from(entry.covers_bytes)
        .ok()
        .and_then(|n| log.get(..n));
    let Some(covered) = covered else {
        return Err((
            LogRewritten,
            format!(
                "the anchor log is shorter ({} bytes) than the {} bytes stamped at {}: lines removed after the stamp",
                log.len(),
                entry.covers_bytes,
                stamp.time
            ),
        ));
    };
    if Sha256Digest::of(covered) != digest {
        return Err((
            LogRewritten,
            format!(
                "the anchor log's first {} bytes are not those time-stamped by {} at {}: the log was rewritten after the stamp",
                entry.covers_bytes, stamp.tsa, stamp.time
            ),
        ));
    }
    let entries = entries_in(covered);
    if entries != entry.covers_entries {
        return Err((
            Unreadable,
            format!(
                "the stamp line was altered: it says it covers {} entries, its bytes hold {entries}",
                entry.covers_entries
            ),
        ));
    }
    Ok((entries, stamp))
}
