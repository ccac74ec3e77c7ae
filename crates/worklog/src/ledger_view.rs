//! The seam between the ledger and the rule engine: a store's segments in
//! a period and the verifier's result, turned into the few facts the
//! analysis takes ([`SegmentListing`], [`StoreVerification`]), so that
//! `worklog-rules` never links `worklog-ledger`.

use std::path::Path;

use worklog_ledger::{AnomalyClass, Depth, DeviceReport, VerifyReport};
use worklog_model::{
    AnomalyEntry, AnomalyKind, ClockWindow, Integrity, LateDeliveryEntry, Period, ProvenBy,
};
use worklog_rules::{DeviceVerification, ProvenFile, Segment, SegmentListing, StoreVerification};

/// The segments of `store` whose signed record says they hold events in
/// `period` (footers only), and the files whose footer does not read.
pub fn store_segments(
    store: &Path,
    period: &Period,
) -> Result<SegmentListing, worklog_rules::Error> {
    let listing =
        worklog_ledger::store::segments_between(store, period.start_utc_us, period.end_utc_us)
            .map_err(|e| worklog_rules::Error::Store {
                path: store.to_owned(),
                detail: worklog_ledger::chain(&e),
            })?;
    Ok(SegmentListing {
        root: store.to_owned(),
        segments: listing
            .segments
            .into_iter()
            .map(|s| Segment {
                device_id: s.device_id,
                path: s.path,
                rows: s.rows,
            })
            .collect(),
        unreadable: listing
            .unreadable
            .into_iter()
            .map(|(path, error)| (path, worklog_ledger::chain(&error)))
            .collect(),
    })
}

/// The verifier's result as the analysis uses it.
pub fn store_verification(report: &VerifyReport) -> StoreVerification {
    StoreVerification {
        devices: report
            .devices
            .iter()
            .map(|device| DeviceVerification {
                device_id: device.device_id.clone(),
                integrity: integrity_of(device),
                newest_anchor_at: device.newest_anchor_at,
                last_event_us: device.time_span.map(|(_, last)| last.0),
            })
            .collect(),
        store_anomalies: report.store_anomalies.len() as u64,
        unreadable_files: report
            .anomalies()
            .filter(|a| a.class == AnomalyClass::FileUnreadable)
            .filter_map(|a| a.file.clone())
            .collect(),
        files: report
            .verified_files
            .iter()
            .map(|f| ProvenFile {
                file: f.file.clone(),
                bytes: f.bytes,
                sha256: f.sha256,
                proven_by: match f.depth {
                    Depth::Bytes => ProvenBy::Bytes,
                    Depth::Rows => ProvenBy::Rows,
                    _ => ProvenBy::Unproven,
                },
            })
            .collect(),
    }
}

/// The ledger's anomaly class as the model carries it.
fn kind_of(class: AnomalyClass) -> AnomalyKind {
    match class {
        AnomalyClass::RowModified => AnomalyKind::RowModified,
        AnomalyClass::RowDeleted => AnomalyKind::RowDeleted,
        AnomalyClass::RowInserted => AnomalyKind::RowInserted,
        AnomalyClass::RowsReordered => AnomalyKind::RowsReordered,
        AnomalyClass::SegmentMissing => AnomalyKind::SegmentMissing,
        AnomalyClass::SegmentForged => AnomalyKind::SegmentForged,
        AnomalyClass::SegmentDuplicated => AnomalyKind::SegmentDuplicated,
        AnomalyClass::TailTruncated => AnomalyKind::TailTruncated,
        AnomalyClass::ChainRewritten => AnomalyKind::ChainRewritten,
        AnomalyClass::FileUnreadable => AnomalyKind::FileUnreadable,
        AnomalyClass::TimeWentBackwards => AnomalyKind::TimeWentBackwards,
        AnomalyClass::UnknownKey => AnomalyKind::UnknownKey,
        AnomalyClass::PruneWithoutCheckpoint => AnomalyKind::PruneWithoutCheckpoint,
        AnomalyClass::AnchorLogBroken => AnomalyKind::AnchorLogBroken,
        AnomalyClass::SegmentMisnamed => AnomalyKind::SegmentMisnamed,
        AnomalyClass::FileAltered => AnomalyKind::FileAltered,
        // A class added to the ledger and not here: the test below fails
        // (it maps every class of `AnomalyClass::ALL` by name); until then
        // it is shown as a forged segment, never dropped.
        _ => AnomalyKind::SegmentForged,
    }
}

/// One device's chain as the reports show it.
fn integrity_of(device: &DeviceReport) -> Integrity {
    let mut classes: Vec<AnomalyKind> = device
        .anomalies
        .iter()
        .filter(|a| a.class.loses_evidence())
        .map(|a| kind_of(a.class))
        .collect();
    // In the order of their names, as the reports list them.
    classes.sort_by_key(|k| k.as_str());
    classes.dedup();
    Integrity {
        segments_verified: device.segments_verified,
        rows_verified: device.rows_verified,
        anchors_matched: device.anchors_matched,
        pruned_through: device.pruned_through,
        anomalies: device.anomalies.iter().map(ToString::to_string).collect(),
        classes,
        entries: device
            .anomalies
            .iter()
            .map(|a| AnomalyEntry {
                class: kind_of(a.class),
                file: a.file.clone(),
                first_seq: a.seq.map(|s| s.0),
                last_seq: a.seq.map(|s| s.1),
                ts: a.ts.map(|t| t.0),
                detail_en: a.detail.clone(),
            })
            .collect(),
        clock_windows: device
            .anomalies
            .iter()
            .filter_map(|a| a.window)
            .map(|(from, to)| ClockWindow {
                from: from.0,
                to: to.0,
            })
            .collect(),
        late_deliveries: device
            .late_deliveries
            .iter()
            .map(|l| LateDeliveryEntry {
                file: l.file.clone(),
                first_seq: l.seq.0,
                last_seq: l.seq.1,
                events: l.events,
                from: l.covers.0.0,
                to: l.covers.1.0,
                written_at: l.written_at.0,
            })
            .collect(),
        newest_event: device.newest_event.map(|t| t.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_ledger_anomaly_class_has_its_kind() {
        for class in AnomalyClass::ALL {
            assert_eq!(kind_of(class).as_str(), class.as_str());
        }
        assert_eq!(AnomalyClass::ALL.len(), AnomalyKind::ALL.len());
    }
}
