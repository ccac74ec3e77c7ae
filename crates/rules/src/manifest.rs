//! The reproducibility manifest: every input file's SHA-256 and the
//! parameters the rules saw.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use sha2::{Digest, Sha256};
use worklog_hash::Sha256Digest;
use worklog_model::{InputFile, Manifest};

use crate::error::{Error, Result};
use crate::ledger_view::{ProvenFile, StoreVerification};
use crate::pack::RulePack;
use crate::params::{Params, render_template};

/// Hashes the event files read (relative to `root`), the pack's and the
/// policy's files. An event file the verifier already hashed (`verified`,
/// same path, same length) takes the verifier's digest and depth instead of
/// being read a second time: an audit reads each file's bytes once.
pub(crate) fn manifest(
    pack: &RulePack,
    params: &Params,
    policy_dir: Option<&Path>,
    files: &[PathBuf],
    root: &Path,
    verified: Option<&StoreVerification>,
) -> Result<Manifest> {
    let by_path: HashMap<&str, &ProvenFile> = verified
        .map(|report| report.files.iter().map(|f| (f.file.as_str(), f)).collect())
        .unwrap_or_default();
    let mut event_files: Vec<InputFile> = files
        .par_iter()
        .map(|path| {
            let rel = relative(path, root);
            let len = std::fs::metadata(path).map(|m| m.len()).ok();
            let reused = by_path
                .get(rel.as_str())
                .filter(|file| Some(file.bytes) == len)
                .and_then(|file| {
                    Some(InputFile {
                        path: rel,
                        bytes: file.bytes,
                        sha256: file.sha256?,
                        verified: Some(file.proven_by),
                    })
                });
            reused.map_or_else(|| hash_file(path, root), Ok)
        })
        .collect::<Result<_>>()?;
    event_files.sort_by(|a, b| a.path.cmp(&b.path));
    let events_sha256 = combined(&event_files);
    let rule_pack_sha256 = combined(&pack.files);
    let policy_sha256 = match policy_dir {
        Some(dir) => Some(combined(&folder_files(dir)?)),
        None => None,
    };
    let parameters: BTreeMap<String, String> = params
        .names()
        .filter_map(|name| {
            let rendered = render_template(&format!("${{{name}}}"), params).ok()?;
            Some((name.to_owned(), rendered))
        })
        .collect();
    Ok(Manifest {
        edition: pack.catalog.edition.clone(),
        edition_info: pack.catalog.edition_info.clone(),
        rule_pack_sha256,
        policy_sha256,
        events_sha256,
        event_files,
        parameters,
    })
}

/// `path` relative to `root`, with `/` separators.
pub(crate) fn relative(path: &Path, root: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
        .replace('\\', "/")
}

/// Streams a file through SHA-256 (never the whole file in memory).
fn hash_file(path: &Path, root: &Path) -> Result<InputFile> {
    let io = |source| Error::Io {
        path: path.to_owned(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut hasher = Sha256::new();
    let bytes = std::io::copy(&mut file, &mut hasher).map_err(io)?;
    Ok(InputFile {
        path: relative(path, root),
        bytes,
        sha256: Sha256Digest(hasher.finalize().into()),
        verified: None,
    })
}

/// Every file under `dir`, hashed, sorted by relative path.
fn folder_files(dir: &Path) -> Result<Vec<InputFile>> {
    let mut paths = Vec::new();
    crate::pack::walk(dir, &mut paths)?;
    let mut out = paths
        .iter()
        .map(|path| hash_file(path, dir))
        .collect::<Result<Vec<_>>>()?;
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// One hash over a list of (path, hash) pairs.
fn combined(files: &[InputFile]) -> Sha256Digest {
    let mut hasher = Sha256::new();
    for f in files {
        hasher.update(f.path.as_bytes());
        hasher.update([0]);
        hasher.update(f.sha256.to_hex().as_bytes());
        hasher.update([b'\n']);
    }
    Sha256Digest(hasher.finalize().into())
}
