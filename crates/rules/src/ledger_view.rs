//! What the analysis takes from a ledger store, and no more: its segment
//! files in the period (device, path, rows) and, when the store was
//! verified, each device's integrity and each file's digest. The `worklog`
//! crate fills these from `worklog-ledger`; the rules never read the
//! ledger's own structures, so the rule engine does not link it.

use std::collections::BTreeSet;
use std::path::PathBuf;

use worklog_hash::Sha256Digest;
use worklog_model::{AnomalyKind, Integrity, ProvenBy};

/// One segment file of a device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// The device whose chain it belongs to.
    pub device_id: String,
    /// The file.
    pub path: PathBuf,
    /// Its rows (from its signed record).
    pub rows: u64,
}

/// A store's segments whose events may fall in a period, and the files
/// whose footer could not be read (each with why).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SegmentListing {
    /// The store: files are reported relative to it.
    pub root: PathBuf,
    /// Segments in the period, in the store's order.
    pub segments: Vec<Segment>,
    /// Files left out, with the reason in words.
    pub unreadable: Vec<(PathBuf, String)>,
}

/// The integrity verifier's result, as the log checks, the device
/// summaries and the manifest use it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoreVerification {
    /// One entry per device verified, sorted by device id.
    pub devices: Vec<DeviceVerification>,
    /// Anomalies not tied to one device (anchor log, key files).
    pub store_anomalies: u64,
    /// Files the verifier could not read (relative to the store):
    /// their events are not analysed.
    pub unreadable_files: BTreeSet<String>,
    /// Every segment file with its digest and how it was proven.
    pub files: Vec<ProvenFile>,
}

/// One device's verified chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceVerification {
    /// The device.
    pub device_id: String,
    /// Its integrity as the reports show it.
    pub integrity: Integrity,
    /// When the newest anchor the chain matched was made (UTC µs).
    pub newest_anchor_at: Option<i64>,
    /// The chain's last event time (UTC µs).
    pub last_event_us: Option<i64>,
}

impl DeviceVerification {
    /// Whether an anomaly of one of `kinds` was found on the device.
    pub fn has_any(&self, kinds: &[AnomalyKind]) -> bool {
        self.integrity
            .entries
            .iter()
            .any(|e| kinds.contains(&e.class))
    }

    /// Whether an anomaly lost or altered evidence on the device.
    pub fn lost_evidence(&self) -> bool {
        !self.integrity.classes.is_empty()
    }

    /// Whether the newest matched anchor was made more than
    /// `interval_hours` before the chain's last event or `until_us`
    /// (whichever is later): a cut or a rewrite after it is not excluded.
    /// `false` without any anchor (that is reported apart).
    pub fn anchor_is_stale(&self, interval_hours: u32, until_us: i64) -> bool {
        let Some(anchored_at) = self.newest_anchor_at else {
            return false;
        };
        let end = self
            .last_event_us
            .map_or(until_us, |last| last.max(until_us));
        let interval_us = i64::from(interval_hours).saturating_mul(3_600_000_000);
        end.saturating_sub(anchored_at) > interval_us
    }
}

/// A segment file as the verifier proved it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvenFile {
    /// The file, relative to the store (`/`-separated).
    pub file: String,
    /// Its length in bytes.
    pub bytes: u64,
    /// SHA-256 of its bytes (`None` when it could not be read).
    pub sha256: Option<Sha256Digest>,
    /// How it was proven.
    pub proven_by: ProvenBy,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(anchor: Option<i64>, last: Option<i64>) -> DeviceVerification {
        DeviceVerification {
            device_id: "PC-1".into(),
            integrity: Integrity::default(),
            newest_anchor_at: anchor,
            last_event_us: last,
        }
    }

    #[test]
    fn an_anchor_is_stale_past_the_interval_before_the_later_end() {
        let hour = 3_600_000_000;
        assert!(!device(None, Some(100 * hour)).anchor_is_stale(24, 100 * hour));
        assert!(!device(Some(80 * hour), Some(100 * hour)).anchor_is_stale(24, 90 * hour));
        assert!(device(Some(70 * hour), Some(100 * hour)).anchor_is_stale(24, 90 * hour));
        assert!(device(Some(70 * hour), Some(80 * hour)).anchor_is_stale(24, 100 * hour));
        assert!(!device(Some(70 * hour), None).anchor_is_stale(24, 90 * hour));
    }
}
