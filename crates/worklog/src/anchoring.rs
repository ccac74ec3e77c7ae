//! The anchoring jobs: every device's head exported as claims (what a
//! store holds, for the head office), and claims checked and countersigned
//! into the anchor log (what the head office saw, and when).

use std::path::{Path, PathBuf};

use serde::Serialize;
use worklog_ledger::{AnchorLog, HeadClaim, Keyring, SecretKey, export_heads};

use crate::{Error, Result, io};

/// What `export_head_claims` wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ClaimsWritten {
    /// Head claims written, one per device.
    pub claims: usize,
    /// The claims file (JSON Lines).
    pub file: PathBuf,
}

/// What `anchor_head_claims` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct HeadsAnchored {
    /// Heads checked and countersigned.
    pub anchored: usize,
    /// The anchor log appended to.
    pub log: PathBuf,
}

/// Writes the latest head of every device of `store` to `file` (JSON
/// Lines, one claim a line), whole or not at all.
pub fn export_head_claims(store: &Path, file: &Path) -> Result<ClaimsWritten> {
    let claims = export_heads(store)?;
    let mut text = String::new();
    for claim in &claims {
        let line = serde_json::to_string(claim).map_err(|e| Error::Input {
            path: file.to_owned(),
            reason: format!("a head claim cannot be written as JSON: {e}"),
        })?;
        text += &line;
        text.push('\n');
    }
    worklog_fs::write_atomic(file, text.as_bytes()).map_err(io(file))?;
    Ok(ClaimsWritten {
        claims: claims.len(),
        file: file.to_owned(),
    })
}

/// Checks every head claim of the JSON Lines file `claims` against the
/// devices' keys and appends it to the anchor log at `anchors`,
/// countersigned by `authority` at `now_us` (UTC µs). The first claim that
/// does not read or check stops the job, naming its line: the claims
/// before it are anchored (the log is append-only), the rest are not.
pub fn anchor_head_claims(
    claims: &Path,
    anchors: &Path,
    keyring: &Keyring,
    authority: &SecretKey,
    now_us: i64,
) -> Result<HeadsAnchored> {
    // Created when absent; appending to a damaged log is refused.
    let (mut log, _) = AnchorLog::open(anchors)?;
    let text = std::fs::read_to_string(claims).map_err(io(claims))?;
    let mut anchored = 0;
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at_line = |reason: String| Error::Input {
            path: claims.to_owned(),
            reason: format!(
                "line {}: {reason}; the {anchored} claim(s) before it are anchored, the rest are not",
                index + 1
            ),
        };
        let claim: HeadClaim =
            serde_json::from_str(line).map_err(|e| at_line(format!("not a head claim ({e})")))?;
        log.anchor(&claim, keyring, authority, now_us)
            .map_err(|e| at_line(worklog_ledger::chain(&e)))?;
        anchored += 1;
    }
    Ok(HeadsAnchored {
        anchored,
        log: anchors.to_owned(),
    })
}
