//! The chain walk: a device's trusted segments in `first_seq` order, from
//! the genesis head or a prune checkpoint, and its anchors.

use std::collections::HashMap;
use std::path::Path;

use worklog_schema::Timestamp;

use super::report::{Anomaly, AnomalyClass, DeviceReport};
use super::scan::SegmentCheck;
use super::{Verifier, relative, short};
use crate::anchor::Anchor;
use crate::checkpoint::PruneCheckpoint;
use crate::error::chain;
use crate::record::{SegmentRecord, genesis_head, parse_hash};
use crate::store::{CHECKPOINT_FILE, segment_file_name};

impl Verifier<'_> {
    pub(super) fn walk_chain(
        &self,
        store: &Path,
        device: &str,
        checks: Vec<SegmentCheck>,
        anchors: &[&Anchor],
    ) -> DeviceReport {
        let mut report = DeviceReport {
            device_id: device.to_owned(),
            ..DeviceReport::default()
        };
        let push =
            |report: &mut DeviceReport, class, file: Option<&str>, seq, ts, detail: String| {
                report.anomalies.push(Anomaly {
                    class,
                    device_id: device.to_owned(),
                    file: file.map(str::to_owned),
                    seq,
                    ts,
                    detail,
                });
            };
        let checkpoint_rel = format!(
            "{}/{CHECKPOINT_FILE}",
            relative(store, &crate::store::device_dir(store, device))
        );
        let checkpoint = match PruneCheckpoint::read_for(store, device) {
            Ok(Some(cp)) if cp.device_id == device && cp.signature_valid(self.keyring) => Some(cp),
            Ok(Some(_)) => {
                push(
                    &mut report,
                    AnomalyClass::PruneWithoutCheckpoint,
                    Some(&checkpoint_rel),
                    None,
                    None,
                    "prune checkpoint is not signed by a trusted authority key for this device"
                        .into(),
                );
                None
            }
            Ok(None) => None,
            Err(e) => {
                push(
                    &mut report,
                    AnomalyClass::FileUnreadable,
                    Some(&checkpoint_rel),
                    None,
                    None,
                    chain(&e),
                );
                None
            }
        };
        let (mut expected_seq, mut expected_prev, mut expected_no) = match &checkpoint {
            Some(cp) => (
                cp.cut_seq.saturating_add(1),
                parse_hash(&cp.cut_head).unwrap_or_default(),
                cp.cut_segment_no.checked_add(1),
            ),
            None => (1, genesis_head(device), Some(0)),
        };
        report.pruned_through = checkpoint.as_ref().map(|cp| cp.cut_seq);

        let mut checks = checks;
        // Chain order; a file under its canonical name before a copy.
        checks.sort_by_key(|c| {
            let seq = c
                .record
                .as_ref()
                .map(|r| r.first_seq)
                .or_else(|| crate::store::first_seq_of_name(&c.name))
                .unwrap_or(u64::MAX);
            (seq, c.name != segment_file_name(seq), c.name.clone())
        });

        let mut accepted: Vec<(String, SegmentRecord)> = Vec::new();
        // Seq ranges already explained (gaps, unreadable or forged files):
        // anchors inside them are not reported again.
        let mut explained: Vec<(u64, u64)> = Vec::new();
        let mut skipped_before = false;
        let mut last_ts: Option<i64> = None;
        let mut heads: HashMap<String, String> = HashMap::new();
        for check in checks {
            // Signed data with a clock set back is still verified data.
            let clean_rows = check
                .anomalies
                .iter()
                .all(|a| a.class == AnomalyClass::TimeWentBackwards);
            report.anomalies.extend(check.anomalies);
            let Some(record) = check.record.filter(|_| check.trusted) else {
                skipped_before = true;
                continue;
            };
            if checkpoint
                .as_ref()
                .is_some_and(|cp| record.last_seq <= cp.cut_seq)
            {
                continue; // left over from an interrupted prune
            }
            let range = Some((record.first_seq, record.last_seq));
            let first_ts = Some(Timestamp(record.first_ts));
            if record.first_seq < expected_seq {
                if let Some(original) = heads.get(&record.head) {
                    push(
                        &mut report,
                        AnomalyClass::SegmentDuplicated,
                        Some(&check.rel),
                        range,
                        first_ts,
                        format!("same segment as {original}"),
                    );
                } else {
                    push(
                        &mut report,
                        AnomalyClass::SegmentForged,
                        Some(&check.rel),
                        range,
                        first_ts,
                        format!(
                            "overlaps sequence numbers already covered up to {}",
                            expected_seq - 1
                        ),
                    );
                }
                continue;
            }
            if record.first_seq > expected_seq {
                let gap = (expected_seq, record.first_seq - 1);
                if !skipped_before {
                    if accepted.is_empty() && checkpoint.is_none() {
                        push(
                            &mut report,
                            AnomalyClass::PruneWithoutCheckpoint,
                            Some(&check.rel),
                            Some(gap),
                            first_ts,
                            format!(
                                "the chain begins at seq {} with no prune checkpoint for seq {}..={}",
                                record.first_seq, gap.0, gap.1
                            ),
                        );
                    } else {
                        let after = accepted
                            .last()
                            .map_or("the checkpoint".to_owned(), |(rel, _)| rel.clone());
                        push(
                            &mut report,
                            AnomalyClass::SegmentMissing,
                            Some(&check.rel),
                            Some(gap),
                            first_ts,
                            format!(
                                "seq {}..={} missing between {after} and this segment",
                                gap.0, gap.1
                            ),
                        );
                    }
                }
                explained.push(gap);
            } else if parse_hash(&record.prev_head) != Some(expected_prev) && !skipped_before {
                let previous = accepted
                    .last()
                    .map_or("the chain's start".to_owned(), |(rel, _)| rel.clone());
                push(
                    &mut report,
                    AnomalyClass::SegmentForged,
                    Some(&check.rel),
                    range,
                    first_ts,
                    format!("does not link to {previous}: previous head differs"),
                );
            } else if let Some(no) =
                expected_no.filter(|no| !skipped_before && *no != record.segment_no)
            {
                push(
                    &mut report,
                    AnomalyClass::SegmentForged,
                    Some(&check.rel),
                    range,
                    first_ts,
                    format!(
                        "does not link: segment_no {} where {no} follows",
                        record.segment_no
                    ),
                );
            }
            if let Some(prev_ts) = last_ts
                && record.first_ts < prev_ts
            {
                push(
                    &mut report,
                    AnomalyClass::TimeWentBackwards,
                    Some(&check.rel),
                    Some((record.first_seq, record.first_seq)),
                    first_ts,
                    format!(
                        "segment starts at {}, before the previous segment's last event {}",
                        Timestamp(record.first_ts),
                        Timestamp(prev_ts)
                    ),
                );
            }
            last_ts = Some(record.last_ts);
            if clean_rows {
                report.segments_verified += 1;
                report.rows_verified = report.rows_verified.saturating_add(record.row_count);
            }
            // A signed range may end at u64::MAX (only a key holder can
            // sign one): nothing can follow it.
            expected_seq = record.last_seq.saturating_add(1);
            expected_prev = parse_hash(&record.head).unwrap_or_default();
            expected_no = record.segment_no.checked_add(1);
            skipped_before = false;
            heads.insert(record.head.clone(), check.rel.clone());
            accepted.push((check.rel, record));
        }
        if let (Some((_, first)), Some((_, last))) = (accepted.first(), accepted.last()) {
            report.seq_span = Some((first.first_seq, last.last_seq));
            report.time_span = Some((Timestamp(first.first_ts), Timestamp(last.last_ts)));
            report.head = Some(last.head.clone());
        }
        self.match_anchors(
            &mut report,
            &accepted,
            &explained,
            anchors,
            checkpoint.as_ref(),
        );
        report
    }

    fn match_anchors(
        &self,
        report: &mut DeviceReport,
        accepted: &[(String, SegmentRecord)],
        explained: &[(u64, u64)],
        anchors: &[&Anchor],
        checkpoint: Option<&PruneCheckpoint>,
    ) {
        let end = accepted
            .last()
            .map_or(checkpoint.map_or(0, |cp| cp.cut_seq), |(_, r)| r.last_seq);
        let mut truncated: Option<&Anchor> = None;
        for anchor in anchors {
            if checkpoint.is_some_and(|cp| anchor.seq <= cp.cut_seq) {
                continue;
            }
            if explained
                .iter()
                .any(|(lo, hi)| (*lo..=*hi).contains(&anchor.seq))
            {
                continue;
            }
            if anchor.seq > end {
                if truncated.is_none_or(|t| anchor.seq > t.seq) {
                    truncated = Some(anchor);
                }
                continue;
            }
            let ends_here = accepted.iter().find(|(_, r)| r.last_seq == anchor.seq);
            match ends_here {
                Some((_, record)) if record.head == anchor.head => {
                    report.anchors_matched += 1;
                    report.newest_anchor_at = report.newest_anchor_at.max(Some(anchor.anchored_at));
                }
                Some((rel, record)) => report.anomalies.push(Anomaly {
                    class: AnomalyClass::ChainRewritten,
                    device_id: report.device_id.clone(),
                    file: Some(rel.clone()),
                    seq: Some((record.first_seq, record.last_seq)),
                    ts: Some(Timestamp(record.first_ts)),
                    detail: format!(
                        "head {} differs from anchor #{} ({}) for seq {}",
                        short(&record.head),
                        anchor.index,
                        short(&anchor.head),
                        anchor.seq
                    ),
                }),
                None => {
                    let covering = accepted
                        .iter()
                        .find(|(_, r)| (r.first_seq..=r.last_seq).contains(&anchor.seq));
                    report.anomalies.push(Anomaly {
                        class: AnomalyClass::ChainRewritten,
                        device_id: report.device_id.clone(),
                        file: covering.map(|(rel, _)| rel.clone()),
                        seq: covering.map(|(_, r)| (r.first_seq, r.last_seq)),
                        ts: covering.map(|(_, r)| Timestamp(r.first_ts)),
                        detail: format!("anchor #{} ends a segment at seq {}, but no segment of the chain ends there", anchor.index, anchor.seq),
                    });
                }
            }
        }
        if let Some(anchor) = truncated {
            report.anomalies.push(Anomaly {
                class: AnomalyClass::TailTruncated,
                device_id: report.device_id.clone(),
                file: accepted.last().map(|(rel, _)| rel.clone()),
                seq: Some((end + 1, anchor.seq)),
                ts: Some(Timestamp(anchor.head_ts)),
                detail: format!(
                    "the chain ends at seq {end}, but anchor #{} covers seq {}",
                    anchor.index, anchor.seq
                ),
            });
        }
    }
}
