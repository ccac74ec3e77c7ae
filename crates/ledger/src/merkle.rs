//! RFC 6962 Merkle trees over SHA-256: leaf hash `H(0x00 ‖ data)`, node
//! hash `H(0x01 ‖ left ‖ right)`, inclusion proofs and their check.

use sha2::{Digest, Sha256};

/// A SHA-256 digest.
pub type Hash = [u8; 32];

/// `SHA-256(0x00 ‖ data)`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

/// `SHA-256(0x01 ‖ left ‖ right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    Sha256::digest(node_input(left, right)).into()
}

/// `0x01 ‖ left ‖ right`.
fn node_input(left: &Hash, right: &Hash) -> [u8; 65] {
    let mut buf = [0u8; 65];
    buf[0] = 1;
    buf[1..33].copy_from_slice(left);
    buf[33..].copy_from_slice(right);
    buf
}

/// The root of the tree over `leaves` (RFC 6962 `MTH`); the empty tree's
/// root is `SHA-256("")`.
///
/// Computed bottom-up: pairing left to right and carrying an odd last node
/// up unchanged gives exactly RFC 6962's split at the largest power of two.
pub fn root(leaves: &[Hash]) -> Hash {
    if leaves.is_empty() {
        return Sha256::digest([]).into();
    }
    let mut level: Vec<Hash> = leaves.to_vec();
    let mut inputs: Vec<[u8; 65]> = Vec::with_capacity(level.len() / 2);
    while level.len() > 1 {
        // The node inputs of a level are independent messages: hashed two
        // at a time (`worklog_hash`), then an odd last node is carried up.
        inputs.clear();
        inputs.extend(
            level
                .chunks_exact(2)
                .map(|pair| node_input(&pair[0], &pair[1])),
        );
        let carried = (level.len() % 2 == 1).then(|| level[level.len() - 1]);
        let messages: Vec<&[u8]> = inputs.iter().map(|i| &i[..]).collect();
        level.clear();
        worklog_hash::digest_each(&messages, &mut level);
        level.extend(carried);
    }
    level[0]
}

fn split_point(n: usize) -> usize {
    // Largest power of two strictly less than n (n ≥ 2).
    let mut k = 1;
    while k << 1 < n {
        k <<= 1;
    }
    k
}

/// The audit path of leaf `index` in the tree over `leaves` (RFC 6962
/// `PATH(m, D[n])`), or `None` when `index` is out of range.
pub fn inclusion_path(leaves: &[Hash], index: usize) -> Option<Vec<Hash>> {
    if index >= leaves.len() {
        return None;
    }
    let mut path = Vec::new();
    collect_path(leaves, index, &mut path);
    Some(path)
}

fn collect_path(leaves: &[Hash], index: usize, path: &mut Vec<Hash>) {
    if leaves.len() <= 1 {
        return;
    }
    let k = split_point(leaves.len());
    if index < k {
        collect_path(&leaves[..k], index, path);
        path.push(root(&leaves[k..]));
    } else {
        collect_path(&leaves[k..], index - k, path);
        path.push(root(&leaves[..k]));
    }
}

/// Checks that `leaf` is at `index` of a tree of `size` leaves with `root`
/// (RFC 9162 §2.1.3.2). Rejects an index past the end, a path of the wrong
/// length and any corrupted element.
pub fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: &Hash,
    path: &[Hash],
    expected_root: &[u8],
) -> bool {
    if index >= size {
        return false;
    }
    let (mut f, mut s) = (index, size - 1);
    let mut r = *leaf;
    for p in path {
        if s == 0 {
            return false;
        }
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            if f & 1 == 0 {
                while f & 1 == 0 && f != 0 {
                    f >>= 1;
                    s >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    s == 0 && r.as_slice() == expected_root
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6962's recursive definition, to check the bottom-up one.
    fn mth(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => Sha256::digest([]).into(),
            1 => leaves[0],
            n => {
                let k = split_point(n);
                node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
            }
        }
    }

    #[test]
    fn bottom_up_root_equals_recursive_definition_and_paths_verify() {
        for n in 0..70usize {
            let leaves: Vec<Hash> = (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect();
            let r = root(&leaves);
            assert_eq!(r, mth(&leaves), "n = {n}");
            for (i, leaf) in leaves.iter().enumerate() {
                let path = inclusion_path(&leaves, i).unwrap();
                assert!(
                    verify_inclusion(i as u64, n as u64, leaf, &path, &r),
                    "n = {n}, i = {i}"
                );
                if n > 1 {
                    assert!(!verify_inclusion(
                        ((i + 1) % n) as u64,
                        n as u64,
                        leaf,
                        &path,
                        &r
                    ));
                }
            }
            assert!(inclusion_path(&leaves, n).is_none());
        }
    }
}
