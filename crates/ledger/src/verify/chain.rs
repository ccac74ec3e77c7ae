//! The chain walk: a device's trusted segments in `first_seq` order, from
//! the genesis head or a prune checkpoint, and its anchors.

use std::collections::HashMap;
use std::path::Path;

use worklog_schema::Timestamp;

use super::report::{Anomaly, AnomalyClass, DeviceReport, LateDelivery};
use super::scan::SegmentCheck;
use super::{Verifier, relative, short};
use crate::anchor::Anchor;
use crate::checkpoint::PruneCheckpoint;
use crate::error::chain;
use crate::record::{Delivery, SegmentRecord, genesis_head};
use crate::seal::Seal;
use crate::store::{CHECKPOINT_FILE, SEAL_FILE, segment_file_name};
use worklog_hash::Sha256Digest;

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
        let checkpoint = self.checkpoint(store, device, &mut report);
        let mut walk = Walk::start(device, checkpoint.as_ref());
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
        for check in checks {
            walk.step(check, checkpoint.as_ref(), &mut report);
        }
        if let (Some((_, first)), Some((_, last))) = (walk.accepted.first(), walk.accepted.last()) {
            report.seq_span = Some((first.first_seq, last.last_seq));
            report.time_span = Some((Timestamp(first.first_ts), Timestamp(last.last_ts)));
            report.head = Some(last.head);
        }
        report.newest_event = walk.high_water.map(Timestamp);
        self.match_anchors(
            &mut report,
            &walk.accepted,
            &walk.explained,
            anchors,
            checkpoint.as_ref(),
        );
        self.match_seal(store, &mut report, &walk, checkpoint.as_ref());
        report
    }

    /// The device's seal names its newest segment: a valid seal beyond the
    /// chain's end is a truncated tail even without anchors (the newest
    /// segments deleted, the seal left), unless that range is already
    /// reported (a gap, an unreadable or forged file, an anchor's
    /// truncation).
    fn match_seal(
        &self,
        store: &Path,
        report: &mut DeviceReport,
        walk: &Walk<'_>,
        checkpoint: Option<&PruneCheckpoint>,
    ) {
        let device = report.device_id.clone();
        let Some(key) = self.keyring.device(&device) else {
            return;
        };
        let dir = crate::store::device_dir(store, &device);
        let seal_file = format!("{}/{SEAL_FILE}", relative(store, &dir));
        let seal = match trusted_seal(store, &device, key, &seal_file) {
            Ok(Some(seal)) => seal,
            Ok(None) => return,
            Err(anomaly) => {
                report.anomalies.push(*anomaly);
                return;
            }
        };
        let end = walk
            .accepted
            .last()
            .map_or(checkpoint.map_or(0, |cp| cp.cut_seq), |(_, r)| r.last_seq);
        let reported = walk
            .explained
            .iter()
            .any(|(lo, hi)| (*lo..=*hi).contains(&seal.last_seq))
            || reported_past(report, end, seal.last_seq, "the device's seal");
        if seal.last_seq <= end || reported {
            return;
        }
        let file = walk
            .accepted
            .last()
            .map_or(seal_file, |(rel, _)| rel.clone());
        report
            .anomalies
            .push(cut_below_seal(&dir, &device, &seal, end, file));
    }

    /// The device's prune checkpoint, when valid; a checkpoint that is not
    /// is reported.
    fn checkpoint(
        &self,
        store: &Path,
        device: &str,
        report: &mut DeviceReport,
    ) -> Option<PruneCheckpoint> {
        let rel = format!(
            "{}/{CHECKPOINT_FILE}",
            relative(store, &crate::store::device_dir(store, device))
        );
        let (class, detail) = match PruneCheckpoint::read_for(store, device) {
            Ok(Some(cp)) if cp.device_id == device && cp.signature_valid(self.keyring) => {
                return Some(cp);
            }
            Ok(None) => return None,
            Ok(Some(_)) => (
                AnomalyClass::PruneWithoutCheckpoint,
                "prune checkpoint is not signed by a trusted authority key for this device".into(),
            ),
            Err(e) => (AnomalyClass::FileUnreadable, chain(&e)),
        };
        report.anomalies.push(Anomaly {
            class,
            device_id: device.to_owned(),
            file: Some(rel),
            seq: None,
            ts: None,
            detail,
            window: None,
        });
        None
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
                    window: None,
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
                        window: None,
                    });
                }
            }
        }
        if let Some(anchor) = truncated
            .filter(|a| !reported_past(report, end, a.seq, &format!("anchor #{}", a.index)))
        {
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
                window: None,
            });
        }
    }
}

/// Whether something in `end + 1 ..= upto` is already reported (an
/// unreadable or forged newest file, a truncation): each range is reported
/// once. A file reported right after the chain's end whose own range is
/// unknown or shorter is the one `by` (an anchor, the seal) says reaches
/// `upto`: its anomaly then names the whole range.
fn reported_past(report: &mut DeviceReport, end: u64, upto: u64, by: &str) -> bool {
    let mut found = false;
    for a in &mut report.anomalies {
        let Some((lo, hi)) = a.seq else { continue };
        if lo == end.saturating_add(1) && hi < upto && a.class != AnomalyClass::TailTruncated {
            a.seq = Some((lo, upto));
            a.detail = format!(
                "{}; {by} says the chain goes on to seq {upto}: seq {lo}..={upto} are not verified",
                a.detail
            );
        }
        found |= (lo > end && lo <= upto) || (lo..=hi).contains(&upto);
    }
    found
}

/// The state of one device's chain walk.
struct Walk<'d> {
    device: &'d str,
    expected_seq: u64,
    /// The head the next record must link to; `None` when the last one
    /// could not be read as a hash (nothing links to it).
    expected_prev: Option<crate::merkle::Hash>,
    expected_no: Option<u64>,
    /// The chain's newest event time so far (the highest `max_ts`).
    high_water: Option<i64>,
    accepted: Vec<(String, SegmentRecord)>,
    /// Seq ranges already explained (gaps, unreadable or forged files):
    /// anchors inside them are not reported again.
    explained: Vec<(u64, u64)>,
    skipped_before: bool,
    /// Files skipped since the last accepted one (unreadable, untrusted):
    /// the first seq each claims (its record's, else its name's) and the
    /// index of its anomaly, so that a gap after one is named in full.
    skipped: Vec<(u64, usize)>,
    heads: HashMap<Sha256Digest, String>,
}

impl<'d> Walk<'d> {
    /// From the genesis head, or from a valid checkpoint.
    fn start(device: &'d str, checkpoint: Option<&PruneCheckpoint>) -> Self {
        let (expected_seq, expected_prev, expected_no, high_water) = match checkpoint {
            Some(cp) => (
                cp.cut_seq.saturating_add(1),
                Some(cp.cut_head.0),
                cp.cut_segment_no.checked_add(1),
                Some(cp.cut_last_ts),
            ),
            None => (1, Some(genesis_head(device)), Some(0), None),
        };
        Walk {
            device,
            expected_seq,
            expected_prev,
            expected_no,
            high_water,
            accepted: Vec::new(),
            explained: Vec::new(),
            skipped_before: false,
            skipped: Vec::new(),
            heads: HashMap::new(),
        }
    }

    fn push(
        &self,
        report: &mut DeviceReport,
        class: AnomalyClass,
        rel: &str,
        seq: Option<(u64, u64)>,
        ts: Option<Timestamp>,
        detail: String,
    ) {
        report.anomalies.push(Anomaly {
            class,
            device_id: self.device.to_owned(),
            file: Some(rel.to_owned()),
            seq,
            ts,
            detail,
            window: None,
        });
    }

    /// One file in chain order: its own anomalies, then how it links.
    fn step(
        &mut self,
        mut check: SegmentCheck,
        checkpoint: Option<&PruneCheckpoint>,
        report: &mut DeviceReport,
    ) {
        // Signed data with a clock set back is still verified data.
        let clean_rows = check.anomalies.iter().all(|a| !a.class.loses_evidence());
        // A step back inside the file reaches back from the chain's
        // newest time before it, not only from the file's own.
        for a in &mut check.anomalies {
            if let Some((from, to)) = a.window.as_mut().map(|w| (w.0, &mut w.1)) {
                *to = (*to).max(Timestamp(self.high_water.unwrap_or(from.0)));
            }
        }
        let own = check.anomalies.len();
        report.anomalies.append(&mut check.anomalies);
        let claimed = check
            .record
            .as_ref()
            .map(|r| r.first_seq)
            .or_else(|| crate::store::first_seq_of_name(&check.name));
        let Some(record) = check.record.filter(|_| check.trusted) else {
            self.skipped_before = true;
            if let (Some(claimed), true) = (claimed, own > 0) {
                self.skipped.push((claimed, report.anomalies.len() - 1));
            }
            return;
        };
        if checkpoint.is_some_and(|cp| record.last_seq <= cp.cut_seq) {
            return; // left over from an interrupted prune
        }
        if record.first_seq < self.expected_seq {
            self.refuse_overlap(&check.rel, &record, report);
            return;
        }
        self.link(&check.rel, &record, checkpoint, report);
        self.judge_time(&check.rel, &record, report);
        if clean_rows {
            report.segments_verified += 1;
            report.rows_verified = report.rows_verified.saturating_add(record.row_count);
        }
        // A signed range may end at u64::MAX (only a key holder can sign
        // one): nothing can follow it.
        self.expected_seq = record.last_seq.saturating_add(1);
        self.expected_prev = Some(record.head.0);
        self.expected_no = record.segment_no.checked_add(1);
        self.skipped_before = false;
        self.skipped.clear();
        self.heads.insert(record.head, check.rel.clone());
        self.accepted.push((check.rel, record));
    }

    /// A segment starting below the next expected seq: a copy of an
    /// accepted one, or an overlap.
    fn refuse_overlap(&self, rel: &str, record: &SegmentRecord, report: &mut DeviceReport) {
        let range = Some((record.first_seq, record.last_seq));
        let first_ts = Some(Timestamp(record.first_ts));
        match self.heads.get(&record.head) {
            Some(original) => self.push(
                report,
                AnomalyClass::SegmentDuplicated,
                rel,
                range,
                first_ts,
                format!("same segment as {original}"),
            ),
            None => self.push(
                report,
                AnomalyClass::SegmentForged,
                rel,
                range,
                first_ts,
                format!(
                    "overlaps sequence numbers already covered up to {}",
                    self.expected_seq - 1
                ),
            ),
        }
    }

    /// A gap before the segment, or a link that does not hold.
    fn link(
        &mut self,
        rel: &str,
        record: &SegmentRecord,
        checkpoint: Option<&PruneCheckpoint>,
        report: &mut DeviceReport,
    ) {
        let range = Some((record.first_seq, record.last_seq));
        let first_ts = Some(Timestamp(record.first_ts));
        if record.first_seq > self.expected_seq {
            let gap = (self.expected_seq, record.first_seq - 1);
            // A skipped file explains the gap only if it starts where the
            // gap does; then its anomaly names the whole range, whatever
            // it held (a junk file elsewhere hides nothing).
            let starts_gap = self
                .skipped
                .iter()
                .find(|(claimed, _)| *claimed == gap.0)
                .map(|(_, at)| *at);
            if let Some(anomaly) = starts_gap.and_then(|at| report.anomalies.get_mut(at)) {
                anomaly.seq = Some(gap);
                anomaly.detail = format!(
                    "{}; the next authentic segment starts at seq {}: seq {}..={} are not verified",
                    anomaly.detail, record.first_seq, gap.0, gap.1
                );
            } else {
                let (class, detail) = if self.accepted.is_empty() && checkpoint.is_none() {
                    (
                        AnomalyClass::PruneWithoutCheckpoint,
                        format!(
                            "the chain begins at seq {} with no prune checkpoint for seq {}..={}",
                            record.first_seq, gap.0, gap.1
                        ),
                    )
                } else {
                    let after = self
                        .accepted
                        .last()
                        .map_or("the checkpoint".to_owned(), |(rel, _)| rel.clone());
                    (
                        AnomalyClass::SegmentMissing,
                        format!(
                            "seq {}..={} missing between {after} and this segment",
                            gap.0, gap.1
                        ),
                    )
                };
                self.push(report, class, rel, Some(gap), first_ts, detail);
            }
            self.explained.push(gap);
        } else if (self.expected_prev.is_none() || Some(record.prev_head.0) != self.expected_prev)
            && !self.skipped_before
        {
            let previous = self
                .accepted
                .last()
                .map_or("the chain's start".to_owned(), |(rel, _)| rel.clone());
            self.push(
                report,
                AnomalyClass::SegmentForged,
                rel,
                range,
                first_ts,
                format!("does not link to {previous}: previous head differs"),
            );
        } else if let Some(no) = self
            .expected_no
            .filter(|no| !self.skipped_before && *no != record.segment_no)
        {
            self.push(
                report,
                AnomalyClass::SegmentForged,
                rel,
                range,
                first_ts,
                format!(
                    "does not link: segment_no {} where {no} follows",
                    record.segment_no
                ),
            );
        }
    }

    /// The segment's time against the chain's: a live segment starting
    /// before the chain's newest event is the clock going back; a late
    /// one is a late delivery, and must lie before that newest event.
    fn judge_time(&mut self, rel: &str, record: &SegmentRecord, report: &mut DeviceReport) {
        let range = Some((record.first_seq, record.last_seq));
        match (record.delivery, self.high_water) {
            (Delivery::Live, Some(high)) if record.first_ts < high => {
                report.anomalies.push(Anomaly {
                    class: AnomalyClass::TimeWentBackwards,
                    device_id: self.device.to_owned(),
                    file: Some(rel.to_owned()),
                    seq: Some((record.first_seq, record.first_seq)),
                    ts: Some(Timestamp(record.first_ts)),
                    detail: format!(
                        "segment starts at {}, before the chain's newest event {}",
                        Timestamp(record.first_ts),
                        Timestamp(high)
                    ),
                    window: Some((Timestamp(record.first_ts), Timestamp(high))),
                });
            }
            (Delivery::Live, _) => {}
            (_, Some(high)) if record.max_ts <= high => {
                report.late_deliveries.push(LateDelivery {
                    file: rel.to_owned(),
                    seq: (record.first_seq, record.last_seq),
                    events: record.row_count,
                    covers: (Timestamp(record.min_ts), Timestamp(record.max_ts)),
                    written_at: Timestamp(record.committed_at),
                });
            }
            (_, high) => self.push(
                report,
                AnomalyClass::SegmentForged,
                rel,
                range,
                Some(Timestamp(record.first_ts)),
                format!(
                    "late segment reaching {}, after the chain's newest event before it ({}): the writer stores only older events as late",
                    Timestamp(record.max_ts),
                    high.map_or_else(|| "none".to_owned(), |h| Timestamp(h).to_string())
                ),
            ),
        }
        self.high_water = self.high_water.max(Some(record.max_ts));
    }
}

/// The device's seal when it can be trusted; `None` when it has none. The
/// writer replaces its seal atomically: a seal that is there but
/// unreadable, another device's, or not signed by this device's key is a
/// change to the store, and commits to nothing (§9).
fn trusted_seal(
    store: &Path,
    device: &str,
    key: &crate::keys::PublicKey,
    seal_file: &str,
) -> std::result::Result<Option<Seal>, Box<Anomaly>> {
    let bad_seal = |class: AnomalyClass, detail: String| {
        Box::new(Anomaly {
            class,
            device_id: device.to_owned(),
            file: Some(seal_file.to_owned()),
            seq: None,
            ts: None,
            detail,
            window: None,
        })
    };
    let seal = match Seal::read_for(store, device) {
        Ok(Some(seal)) => seal,
        Ok(None) => return Ok(None),
        Err(e) => {
            return Err(bad_seal(
                AnomalyClass::FileUnreadable,
                format!(
                    "the device's seal cannot be read ({}): it commits to nothing, so a cut tail is not seen without anchors",
                    crate::error::chain(&e)
                ),
            ));
        }
    };
    if seal.device_id != device {
        return Err(bad_seal(
            AnomalyClass::SegmentForged,
            format!(
                "the seal in this device's partition is device {:?}'s: it commits to nothing here",
                seal.device_id
            ),
        ));
    }
    if !seal.signature_valid(key) {
        return Err(bad_seal(
            AnomalyClass::SegmentForged,
            "the device's seal is not signed by the device's key (or its fields were changed): it commits to nothing".into(),
        ));
    }
    Ok(Some(seal))
}

/// The chain ends at `end` below the segment the seal names: the newest
/// segments are missing. A writer killed between its seal and the rename
/// of the segment leaves the segment as `.tmp` and its events in the
/// journal until it reopens: said, for the events are not in the store
/// yet.
fn cut_below_seal(dir: &Path, device: &str, seal: &Seal, end: u64, file: String) -> Anomaly {
    let pending = std::fs::read_dir(dir).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().ends_with(".parquet.tmp"))
    });
    Anomaly {
        class: AnomalyClass::TailTruncated,
        device_id: device.to_owned(),
        file: Some(file),
        seq: Some((end + 1, seal.last_seq)),
        ts: None,
        detail: format!(
            "the chain ends at seq {end}, but the device's seal names segment {} ending at seq {}: the newest segment(s) are missing{}",
            seal.segment_no,
            seal.last_seq,
            if pending {
                " (a .tmp segment is there: a writer stopped while committing leaves this until it reopens and replays its journal; reopen it, then verify again)"
            } else {
                ""
            }
        ),
        window: None,
    }
}
