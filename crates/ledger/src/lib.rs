//! The tamper-evident event ledger of Worklog Analyzer.
//!
//! The endpoint agent writes every event through a [`SegmentWriter`]: events
//! are validated, numbered, journaled, and committed in Parquet *segments*.
//! Each segment commits to its rows with an RFC 6962 Merkle tree, to the
//! previous segment through its head, and is signed with the device's
//! Ed25519 key. An authority key (the management server's) countersigns
//! heads into an append-only [`AnchorLog`] and signs [`PruneCheckpoint`]s.
//! The [`Verifier`] proves every chain of a store in parallel and locates
//! every change, deletion, insertion, reordering or truncation.
//!
//! The format is specified in `docs/ledger-format.md`, precisely enough to
//! write an independent verifier. This crate uses Arrow and Parquet only,
//! never polars, so the agent stays light.
//!
//! # Example
//! ```
//! use worklog_ledger::{Keyring, Role, SecretKey, SegmentWriter, Verifier, prove};
//! use worklog_schema::{Event, EventKind, Timestamp};
//!
//! let store = tempfile::tempdir().unwrap();
//! let key = SecretKey::generate(Role::Device, "PC-0001").unwrap();
//! let mut keyring = Keyring::new();
//! keyring.add(key.public());
//!
//! let mut writer = SegmentWriter::builder(store.path(), key).max_rows(2).build().unwrap();
//! let ts = Timestamp::parse_rfc3339("2026-10-05T09:00:00+09:00").unwrap();
//! for minute in 0..5 {
//!     let mut logon = Event::new("PC-0001", 0, ts.plus_secs(60 * minute), 540, EventKind::Session, "logon");
//!     logon.user_name = Some("user001".into());
//!     writer.append(logon).unwrap();
//! }
//! writer.close().unwrap();
//!
//! let report = Verifier::new(&keyring).verify(store.path()).unwrap();
//! assert!(report.is_clean());
//! assert_eq!(report.devices[0].rows_verified, 5);
//! assert_eq!(report.devices[0].segments_verified, 3);
//!
//! let proof = prove(store.path(), "PC-0001", 4).unwrap();
//! proof.check(&keyring).unwrap();
//! ```

mod anchor;
mod canonical;
mod checkpoint;
mod error;
pub mod identity;
mod identity_index;
mod journal;
mod keys;
mod keys_dir;
pub mod merkle;
mod proof;
mod record;
mod seal;
mod segment;
mod signature;
pub mod stamps;
pub mod store;
mod verify;
mod writer;

pub use anchor::{Anchor, AnchorLog, AnchorLogProblem, HeadClaim, export_heads};
pub use canonical::{ROW_DOMAIN, RowEncoder, Scratch, ShapeError};
pub use checkpoint::{CHECKPOINT_FORMAT, PruneCheckpoint, prune};
pub use error::{Error, Result, chain};
pub use identity::{EventIdentity, IdentityBase, IdentityRule, Occurrences, identity_bases};
pub use identity_index::{IDENTITY_FILE, IdentityIndex, IndexState};
pub use journal::Quarantined;
pub use keys::{Keyring, PublicKey, Role, SecretKey};
pub use keys_dir::KeysDir;
pub use proof::{InclusionProof, ProofRejected, event_leaf_hash, prove};
pub use record::{
    Delivery, FORMAT, GENESIS_DOMAIN, HEAD_DOMAIN, NO_FILE_DIGEST, SEGMENT_KEY, SIGNATURE_DOMAIN,
    SegmentRecord, genesis_head,
};
pub use seal::{SEAL_DOMAIN, SEAL_FORMAT, SEAL_SIGNATURE_DOMAIN, Seal};
pub use segment::{DIGEST_COLUMN, DIGEST_LEN, file_digest, read_record, segment_schema};
pub use signature::SignatureBytes;
pub use verify::{
    Anomaly, AnomalyClass, Depth, DeviceReport, LateDelivery, VerifiedFile, Verifier, VerifyReport,
};
pub use worklog_hash::Sha256Digest;
pub use writer::{Durability, SegmentWriter, SegmentWriterBuilder};
