//! The integrity verifier's anomaly classes, as an analysis carries them
//! (the ledger's `AnomalyClass`, without the ledger: the model and the
//! reports do not link it).

use serde::{Deserialize, Serialize};

/// What kind of integrity anomaly (ledger-format §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AnomalyKind {
    /// A row's content differs from what was signed.
    RowModified,
    /// Rows are missing from a segment.
    RowDeleted,
    /// A row that was never signed is in a segment.
    RowInserted,
    /// A segment's rows are out of order.
    RowsReordered,
    /// A whole segment is missing from the chain.
    SegmentMissing,
    /// A segment's signature or record is invalid, or it does not link.
    SegmentForged,
    /// The same segment is in the store twice.
    SegmentDuplicated,
    /// The chain ends before an anchored head (or the seal's).
    TailTruncated,
    /// The chain disagrees with an anchored head.
    ChainRewritten,
    /// A file cannot be read, or is not a segment of this schema.
    FileUnreadable,
    /// Event time goes backwards (a clock set back).
    TimeWentBackwards,
    /// No trusted key for the signer.
    UnknownKey,
    /// The chain's beginning is missing without a valid prune checkpoint.
    PruneWithoutCheckpoint,
    /// The anchor log itself is broken.
    AnchorLogBroken,
    /// A segment file's name does not match its record.
    SegmentMisnamed,
    /// A segment file's bytes differ from the bytes the chain signed.
    FileAltered,
}

impl AnomalyKind {
    /// Every kind, in the order of ledger-format §9.
    pub const ALL: [AnomalyKind; 16] = [
        AnomalyKind::RowModified,
        AnomalyKind::RowDeleted,
        AnomalyKind::RowInserted,
        AnomalyKind::RowsReordered,
        AnomalyKind::SegmentMissing,
        AnomalyKind::SegmentForged,
        AnomalyKind::SegmentDuplicated,
        AnomalyKind::TailTruncated,
        AnomalyKind::ChainRewritten,
        AnomalyKind::FileUnreadable,
        AnomalyKind::TimeWentBackwards,
        AnomalyKind::UnknownKey,
        AnomalyKind::PruneWithoutCheckpoint,
        AnomalyKind::AnchorLogBroken,
        AnomalyKind::SegmentMisnamed,
        AnomalyKind::FileAltered,
    ];

    /// The snake_case name (`row_deleted`): the key of its words in
    /// `templates/labels.toml` and its name in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            AnomalyKind::RowModified => "row_modified",
            AnomalyKind::RowDeleted => "row_deleted",
            AnomalyKind::RowInserted => "row_inserted",
            AnomalyKind::RowsReordered => "rows_reordered",
            AnomalyKind::SegmentMissing => "segment_missing",
            AnomalyKind::SegmentForged => "segment_forged",
            AnomalyKind::SegmentDuplicated => "segment_duplicated",
            AnomalyKind::TailTruncated => "tail_truncated",
            AnomalyKind::ChainRewritten => "chain_rewritten",
            AnomalyKind::FileUnreadable => "file_unreadable",
            AnomalyKind::TimeWentBackwards => "time_went_backwards",
            AnomalyKind::UnknownKey => "unknown_key",
            AnomalyKind::PruneWithoutCheckpoint => "prune_without_checkpoint",
            AnomalyKind::AnchorLogBroken => "anchor_log_broken",
            AnomalyKind::SegmentMisnamed => "segment_misnamed",
            AnomalyKind::FileAltered => "file_altered",
        }
    }
}

impl std::fmt::Display for AnomalyKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
