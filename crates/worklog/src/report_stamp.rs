//! An audit's files time-stamped by a TSA, and checked later: that the
//! report an agency hands over is the one it made, unchanged since.
//!
//! A manifest lists every file of the audit folder (path, size, SHA-256;
//! sorted, deterministic JSON); the TSA stamps the manifest's digest; the
//! token is kept beside it (`<manifest>.tst`, DER, the form `openssl ts
//! -verify -token_in` reads). Two manifests are stamped: the analysis
//! (before the reports, whose first page states that stamp) and then the
//! whole folder, reports included.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use worklog_stamp::{Expect, ObjectIdentifier, Sha256Digest, Stamp, Token, TrustAnchors};

use crate::tsa::Tsa;
use crate::{Error, Result, io};

/// The format of a manifest.
pub const MANIFEST_FORMAT: &str = "worklog-audit-manifest/1";
/// The folder, inside the audit folder, that holds the manifests.
pub const STAMP_DIR: &str = "stamp";
/// The manifest of the analysis (stamped before the reports are written).
pub const ANALYSIS_MANIFEST: &str = "analysis-manifest.json";
/// The manifest of the whole audit folder.
pub const MANIFEST: &str = "manifest.json";
/// The largest manifest read back.
const MAX_MANIFEST: u64 = 64 << 20;

/// A file listed in a manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListedFile {
    /// Its path below the audit folder, `/`-separated.
    pub path: String,
    /// Its size.
    pub bytes: u64,
    /// Its SHA-256.
    pub sha256: Sha256Digest,
}

/// A manifest: the files of an audit folder when it was stamped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// [`MANIFEST_FORMAT`].
    pub format: String,
    /// The files, sorted by path.
    pub files: Vec<ListedFile>,
}

/// Lists the files of `dir` (recursively, sorted), leaving out `skip`
/// (folders below `dir`, `/`-separated).
fn list(dir: &Path, skip: &[&str]) -> Result<Manifest> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).map_err(io(&folder))? {
            let path = entry.map_err(io(&folder))?.path();
            let rel = relative(dir, &path);
            if skip.contains(&rel.as_str()) {
                continue;
            }
            let meta = std::fs::symlink_metadata(&path).map_err(io(&path))?;
            if meta.is_dir() {
                pending.push(path);
            } else if meta.is_file() {
                let bytes = std::fs::read(&path).map_err(io(&path))?;
                files.push(ListedFile {
                    path: rel,
                    bytes: bytes.len() as u64,
                    sha256: Sha256Digest::of(&bytes),
                });
            }
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Manifest {
        format: MANIFEST_FORMAT.to_owned(),
        files,
    })
}

fn relative(dir: &Path, path: &Path) -> String {
    path.strip_prefix(dir)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// A stamped manifest: where it is and what its token says.
#[derive(Debug, Clone)]
pub struct StampedManifest {
    /// The manifest file.
    pub manifest: PathBuf,
    /// Its digest (what the token stamps).
    pub digest: Sha256Digest,
    /// What the token says.
    pub stamp: Stamp,
}

/// Lists `dir` (leaving out `skip` and the stamp folder), writes the
/// manifest as `stamp/<name>`, has it stamped by `tsa` and writes the
/// token beside it. Nothing is kept when the TSA fails.
pub fn stamp_folder(dir: &Path, name: &str, skip: &[&str], tsa: &Tsa) -> Result<StampedManifest> {
    let mut skip = skip.to_vec();
    skip.push(STAMP_DIR);
    let manifest = list(dir, &skip)?;
    let text = serde_json::to_string_pretty(&manifest).map_err(|e| Error::Input {
        path: dir.to_owned(),
        reason: e.to_string(),
    })? + "\n";
    let digest = Sha256Digest::of(text.as_bytes());
    let (token, stamp) = tsa.stamp(digest)?;
    let stamp_dir = dir.join(STAMP_DIR);
    std::fs::create_dir_all(&stamp_dir).map_err(io(&stamp_dir))?;
    let path = stamp_dir.join(name);
    crate::write_whole(&path, text.as_bytes())?;
    crate::write_whole(&token_path(&path), token.der())?;
    Ok(StampedManifest {
        manifest: path,
        digest,
        stamp,
    })
}

/// Where a manifest's token is.
pub fn token_path(manifest: &Path) -> PathBuf {
    let mut name = manifest.file_name().unwrap_or_default().to_os_string();
    name.push(".tst");
    manifest.with_file_name(name)
}

/// What checking a stamped audit folder found.
#[derive(Debug, Clone)]
pub struct FolderCheck {
    /// What the manifest's token says (it verified).
    pub stamp: Stamp,
    /// Files listed and unchanged.
    pub unchanged: usize,
    /// Files listed whose bytes differ now.
    pub changed: Vec<String>,
    /// Files listed and gone.
    pub missing: Vec<String>,
    /// Files there now that the manifest does not list (added later).
    pub added: Vec<String>,
}

impl FolderCheck {
    /// Whether the folder is exactly what was stamped.
    pub fn unchanged_since_stamp(&self) -> bool {
        self.changed.is_empty() && self.missing.is_empty() && self.added.is_empty()
    }
}

/// Checks the audit folder `dir` against its stamped manifest
/// (`stamp/manifest.json` and its token) and `trust` (and the TSA policy
/// `policy`, when one is required): the token verifies for the manifest's
/// bytes, and every file is as listed.
pub fn verify_folder(
    dir: &Path,
    trust: &TrustAnchors,
    policy: Option<ObjectIdentifier>,
) -> Result<FolderCheck> {
    let path = dir.join(STAMP_DIR).join(MANIFEST);
    let refuse = |reason: String| Error::Input {
        path: path.clone(),
        reason,
    };
    let bytes = read_bounded(&path)?;
    let token_file = token_path(&path);
    let token = Token::from_der(read_bounded(&token_file)?).map_err(|e| Error::Input {
        path: token_file.clone(),
        reason: e.to_string(),
    })?;
    let digest = Sha256Digest::of(&bytes);
    let stamp = token
        .verify(&Expect::digest(digest).with_policy(policy), trust)
        .map_err(|e| refuse(format!("its time-stamp does not hold: {e}")))?;
    let manifest: Manifest = serde_json::from_slice(&bytes)
        .map_err(|e| refuse(format!("not an audit manifest: {e}")))?;
    if manifest.format != MANIFEST_FORMAT {
        return Err(refuse(format!(
            "format {:?}, not {MANIFEST_FORMAT}",
            manifest.format
        )));
    }
    let now = list(dir, &[STAMP_DIR])?;
    let mut check = FolderCheck {
        stamp,
        unchanged: 0,
        changed: Vec::new(),
        missing: Vec::new(),
        added: Vec::new(),
    };
    for listed in &manifest.files {
        match now.files.iter().find(|f| f.path == listed.path) {
            None => check.missing.push(listed.path.clone()),
            Some(f) if f == listed => check.unchanged += 1,
            Some(_) => check.changed.push(listed.path.clone()),
        }
    }
    for file in &now.files {
        if !manifest.files.iter().any(|l| l.path == file.path) {
            check.added.push(file.path.clone());
        }
    }
    // The analysis manifest the report's first page names is in the
    // stamp folder: it must be as stamped too.
    let analysis = dir.join(STAMP_DIR).join(ANALYSIS_MANIFEST);
    if analysis.exists() {
        let own = Sha256Digest::of(&read_bounded(&analysis)?);
        let token =
            Token::from_der(read_bounded(&token_path(&analysis))?).map_err(|e| Error::Input {
                path: token_path(&analysis),
                reason: e.to_string(),
            })?;
        if token
            .verify(&Expect::digest(own).with_policy(policy), trust)
            .is_err()
        {
            check
                .changed
                .push(format!("{STAMP_DIR}/{ANALYSIS_MANIFEST}"));
        }
    }
    Ok(check)
}

fn read_bounded(path: &Path) -> Result<Vec<u8>> {
    use std::io::Read;
    let meta = std::fs::metadata(path).map_err(io(path))?;
    if !meta.is_file() || meta.len() > MAX_MANIFEST {
        return Err(Error::Input {
            path: path.to_owned(),
            reason: format!("not a regular file of at most {MAX_MANIFEST} bytes"),
        });
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .map_err(io(path))?
        .take(MAX_MANIFEST + 1)
        .read_to_end(&mut bytes)
        .map_err(io(path))?;
    Ok(bytes)
}
