//! The digest a stamp covers: the workspace's one SHA-256 value type.

pub use worklog_hash::Sha256Digest;
