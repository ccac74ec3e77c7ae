//! What the verifier reports: anomalies with their class and location,
//! per device, and how each file was proven.

use std::fmt;

use serde::Serialize;
use worklog_hash::Sha256Digest;
use worklog_schema::Timestamp;

/// The kind of an anomaly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AnomalyClass {
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
    /// The chain ends before an anchored head.
    TailTruncated,
    /// The chain disagrees with an anchored head.
    ChainRewritten,
    /// A file cannot be read, or is not a segment of this schema.
    FileUnreadable,
    /// Event time goes backwards (signed data: a clock set back).
    TimeWentBackwards,
    /// No trusted key for the signer.
    UnknownKey,
    /// The chain's beginning is missing without a valid prune checkpoint.
    PruneWithoutCheckpoint,
    /// The anchor log itself is broken (entries altered, removed, unsigned).
    AnchorLogBroken,
    /// A segment file's name (`seg-<first_seq>`) does not match its
    /// record: renamed. Writers and tools order segments by name.
    SegmentMisnamed,
    /// A segment file's bytes differ from the bytes the chain signed, while
    /// its record and rows still verify: its Parquet encoding or metadata
    /// was changed (other readers may refuse the file or read it
    /// differently).
    FileAltered,
}

impl AnomalyClass {
    /// Every class, in declaration order.
    pub const ALL: [AnomalyClass; 16] = [
        AnomalyClass::RowModified,
        AnomalyClass::RowDeleted,
        AnomalyClass::RowInserted,
        AnomalyClass::RowsReordered,
        AnomalyClass::SegmentMissing,
        AnomalyClass::SegmentForged,
        AnomalyClass::SegmentDuplicated,
        AnomalyClass::TailTruncated,
        AnomalyClass::ChainRewritten,
        AnomalyClass::FileUnreadable,
        AnomalyClass::TimeWentBackwards,
        AnomalyClass::UnknownKey,
        AnomalyClass::PruneWithoutCheckpoint,
        AnomalyClass::AnchorLogBroken,
        AnomalyClass::SegmentMisnamed,
        AnomalyClass::FileAltered,
    ];

    /// The snake_case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            AnomalyClass::RowModified => "row_modified",
            AnomalyClass::RowDeleted => "row_deleted",
            AnomalyClass::RowInserted => "row_inserted",
            AnomalyClass::RowsReordered => "rows_reordered",
            AnomalyClass::SegmentMissing => "segment_missing",
            AnomalyClass::SegmentForged => "segment_forged",
            AnomalyClass::SegmentDuplicated => "segment_duplicated",
            AnomalyClass::TailTruncated => "tail_truncated",
            AnomalyClass::ChainRewritten => "chain_rewritten",
            AnomalyClass::FileUnreadable => "file_unreadable",
            AnomalyClass::TimeWentBackwards => "time_went_backwards",
            AnomalyClass::UnknownKey => "unknown_key",
            AnomalyClass::PruneWithoutCheckpoint => "prune_without_checkpoint",
            AnomalyClass::AnchorLogBroken => "anchor_log_broken",
            AnomalyClass::SegmentMisnamed => "segment_misnamed",
            AnomalyClass::FileAltered => "file_altered",
        }
    }
}

impl AnomalyClass {
    /// Whether the class means evidence was lost, altered or cannot be
    /// trusted. The one that does not: [`AnomalyClass::TimeWentBackwards`],
    /// genuine signed events whose clock went back (their order in time is
    /// uncertain over a window, nothing is missing).
    pub fn loses_evidence(self) -> bool {
        self != AnomalyClass::TimeWentBackwards
    }
}

impl fmt::Display for AnomalyClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One anomaly and where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Anomaly {
    /// What kind.
    pub class: AnomalyClass,
    /// The device (empty for store-level problems).
    pub device_id: String,
    /// The file, relative to the store (or the anchor log's path).
    pub file: Option<String>,
    /// First and last sequence number concerned.
    pub seq: Option<(u64, u64)>,
    /// Event time at the location, when known.
    pub ts: Option<Timestamp>,
    /// What was found, in words.
    pub detail: String,
    /// For a clock going back: the stretch of event time the device
    /// recorded twice, from the time the clock went back to, to the newest
    /// time the chain held before it. Events in it may be out of order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window: Option<(Timestamp, Timestamp)>,
}

/// Events delivered late: one late segment (`delivery = backfill`), chained
/// and signed like any other, whose events are all older than the newest
/// event the chain held when it was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LateDelivery {
    /// The segment file, relative to the store.
    pub file: String,
    /// Its sequence numbers.
    pub seq: (u64, u64),
    /// Its events.
    pub events: u64,
    /// The event time it covers: its oldest and newest event.
    pub covers: (Timestamp, Timestamp),
    /// When it was written (the record's `committed_at`).
    pub written_at: Timestamp,
}

impl fmt::Display for Anomaly {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.class)?;
        if !self.device_id.is_empty() {
            write!(f, " device {}", self.device_id)?;
        }
        match self.seq {
            Some((a, b)) if a == b => write!(f, " seq {a}")?,
            Some((a, b)) => write!(f, " seq {a}..={b}")?,
            None => {}
        }
        if let Some(file) = &self.file {
            write!(f, " in {file}")?;
        }
        if let Some(ts) = self.ts {
            write!(f, " at {ts}")?;
        }
        write!(f, ": {}", self.detail)
    }
}

/// What was verified for one device.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DeviceReport {
    /// The device.
    pub device_id: String,
    /// Segments whose signature, record and rows verified.
    pub segments_verified: u64,
    /// Rows in those segments.
    pub rows_verified: u64,
    /// First and last sequence number of the verified chain.
    pub seq_span: Option<(u64, u64)>,
    /// First and last event time of the verified chain.
    pub time_span: Option<(Timestamp, Timestamp)>,
    /// The head of the last segment of the chain.
    pub head: Option<Sha256Digest>,
    /// Anchors whose head the chain matches.
    pub anchors_matched: u64,
    /// When the newest anchor the chain matched was made (`anchored_at`,
    /// µs since the epoch, UTC): the head office saw the chain's head then,
    /// so events logged before it cannot have been cut or rewritten
    /// since; for events after it, that is not excluded.
    pub newest_anchor_at: Option<i64>,
    /// Sequence numbers up to this were pruned under a valid checkpoint.
    pub pruned_through: Option<u64>,
    /// Everything wrong, ordered by location.
    pub anomalies: Vec<Anomaly>,
    /// Late deliveries accepted into the chain, in chain order: not
    /// anomalies, shown so that an auditor sees which periods were filled
    /// in afterwards, and when.
    pub late_deliveries: Vec<LateDelivery>,
    /// The newest event time of the chain (its data cut-off).
    pub newest_event: Option<Timestamp>,
}

impl DeviceReport {
    /// How long the device went unanchored — from when its newest matched
    /// anchor was made to its last event, or to `until_us` (the end of an
    /// audited period or of the device's service) when that is later —
    /// when that is longer than `interval_hours`, the interval at which
    /// heads are meant to be anchored. A truncation or a rewrite by the key
    /// holder in that span cannot be excluded. `None` when the device has
    /// no anchor at all (nothing is covered) or the anchor is fresh.
    pub fn unanchored_beyond(&self, interval_hours: u32, until_us: Option<i64>) -> Option<i64> {
        let anchored_at = self.newest_anchor_at?;
        let last_event = self.time_span.map(|(_, last)| last.0);
        let end = last_event.max(until_us)?;
        let interval_us = i64::from(interval_hours).saturating_mul(3_600_000_000);
        Some(end.saturating_sub(anchored_at)).filter(|span| *span > interval_us)
    }
}

/// How a segment file was proven.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Depth {
    /// Its bytes hash to the digest a signed record, seal or anchor
    /// commits to: the file is the one the writer wrote, read once and
    /// never decoded.
    Bytes,
    /// Every row was decoded and checked against the signed Merkle root
    /// (no commitment to its bytes, a mismatch to locate, a clock set back
    /// to locate, or `--deep`).
    Rows,
    /// Not proven: unreadable, or its record is forged.
    Unproven,
}

impl Depth {
    /// The snake_case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Depth::Bytes => "bytes",
            Depth::Rows => "rows",
            Depth::Unproven => "unproven",
        }
    }
}

/// One segment file as the verifier read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifiedFile {
    /// The device.
    pub device_id: String,
    /// The file, relative to the store (`/`-separated).
    pub file: String,
    /// SHA-256 of the file's bytes as read, hex (`None` when it could not
    /// be read).
    pub sha256: Option<Sha256Digest>,
    /// The file's length in bytes.
    pub bytes: u64,
    /// How it was proven.
    pub depth: Depth,
}

/// The result of verifying a store.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// One entry per device, sorted by device id.
    pub devices: Vec<DeviceReport>,
    /// Problems not tied to one device (anchor log, key files).
    pub store_anomalies: Vec<Anomaly>,
    /// Segment files read.
    pub files: u64,
    /// Bytes of segment files hashed.
    pub file_bytes: u64,
    /// Rows decoded (only in files checked row by row).
    pub rows: u64,
    /// Canonical bytes of the decoded rows hashed.
    pub canonical_bytes: u64,
    /// Every segment file: its digest and how it was proven, sorted by
    /// file.
    pub verified_files: Vec<VerifiedFile>,
}

impl VerifyReport {
    /// Whether no evidence was lost or altered: something was verified, no
    /// store-level anomaly and no device anomaly but clock regressions
    /// ([`AnomalyClass::loses_evidence`]), which are reported and located
    /// but lose nothing.
    pub fn is_clean(&self) -> bool {
        !self.verified_nothing()
            && self.store_anomalies.is_empty()
            && self
                .devices
                .iter()
                .flat_map(|d| &d.anomalies)
                .all(|a| !a.class.loses_evidence())
    }

    /// Whether the store held nothing to verify (no device's segment, no
    /// device folder): never a clean result, for an emptied store looks
    /// the same.
    pub fn verified_nothing(&self) -> bool {
        self.devices.is_empty() && self.files == 0
    }

    /// Files proven at `depth`.
    pub fn files_at(&self, depth: Depth) -> usize {
        self.verified_files
            .iter()
            .filter(|f| f.depth == depth)
            .count()
    }

    /// Every anomaly, store-level first, then by device.
    pub fn anomalies(&self) -> impl Iterator<Item = &Anomaly> {
        self.store_anomalies
            .iter()
            .chain(self.devices.iter().flat_map(|d| &d.anomalies))
    }
}
