//! The project's inclusion-proof check against the RFC 6962 vectors in
//! `../shared/vectors/rfc6962-inclusion/`: it must accept exactly the
//! valid proofs and reject every corrupted one.

use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use worklog_ledger::merkle::{Hash, verify_inclusion};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Vector {
    leaf_idx: serde_json::Number,
    tree_size: serde_json::Number,
    root: Option<String>,
    leaf_hash: Option<String>,
    proof: Option<Vec<String>>,
    want_err: bool,
}

fn vectors_dir() -> Option<PathBuf> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    // The workspace sits in <work>/main (or a CI clone beside shared/).
    manifest
        .ancestors()
        .map(|a| a.join("shared/vectors/rfc6962-inclusion"))
        .find(|p| p.is_dir())
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|x| x == "json") {
            out.push(path);
        }
    }
}

fn decode(text: &str) -> Option<Vec<u8>> {
    STANDARD.decode(text).ok()
}

/// Runs the project's check on one vector; any malformed part rejects.
fn accepts(v: &Vector) -> bool {
    let (Some(index), Some(size)) = (v.leaf_idx.as_u64(), v.tree_size.as_u64()) else {
        return false;
    };
    let Some(leaf) = v
        .leaf_hash
        .as_deref()
        .and_then(decode)
        .and_then(|b| Hash::try_from(b).ok())
    else {
        return false;
    };
    let root = v.root.as_deref().and_then(decode).unwrap_or_default();
    let mut path = Vec::new();
    for p in v.proof.iter().flatten() {
        match decode(p).and_then(|b| Hash::try_from(b).ok()) {
            Some(h) => path.push(h),
            None => return false,
        }
    }
    verify_inclusion(index, size, &leaf, &path, &root)
}

#[test]
fn accepts_exactly_the_valid_rfc6962_inclusion_proofs() {
    let Some(dir) = vectors_dir() else {
        eprintln!(
            "SKIPPED: shared/vectors/rfc6962-inclusion not found above {}",
            env!("CARGO_MANIFEST_DIR")
        );
        return;
    };
    let mut paths = Vec::new();
    files(&dir, &mut paths);
    paths.sort();
    assert!(
        paths.len() >= 80,
        "only {} vector files in {}",
        paths.len(),
        dir.display()
    );
    let (mut valid, mut corrupted) = (0, 0);
    let mut wrong = Vec::new();
    for path in &paths {
        let text = std::fs::read_to_string(path).unwrap();
        let vector: Vector =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if vector.want_err {
            corrupted += 1
        } else {
            valid += 1
        }
        if accepts(&vector) == vector.want_err {
            wrong.push(format!("{} (wantErr {})", path.display(), vector.want_err));
        }
    }
    assert!(wrong.is_empty(), "misjudged vectors:\n{}", wrong.join("\n"));
    assert!(
        valid >= 5 && corrupted >= 60,
        "{valid} valid, {corrupted} corrupted"
    );
    eprintln!("rfc6962 inclusion vectors: {valid} valid accepted, {corrupted} corrupted rejected");
}
