//! The verifier: proves every device's chain in a store, in parallel, and
//! reports every anomaly with its class and exact location.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::fs::File;
use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::types::{TimestampMicrosecondType, UInt64Type};
use arrow_array::{Array, RecordBatch};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use rayon::prelude::*;
use serde::Serialize;
use worklog_schema::Timestamp;

use crate::anchor::{Anchor, AnchorLog};
use crate::canonical::{RowEncoder, Scratch};
use crate::checkpoint::PruneCheckpoint;
use crate::error::{Result, chain};
use crate::keys::Keyring;
use crate::merkle::{self, Hash};
use crate::record::{SegmentRecord, genesis_head, parse_hash};
use crate::segment::{DIGEST_COLUMN, DIGEST_LEN, record_from_metadata, segment_schema};
use crate::store::{CHECKPOINT_FILE, list_devices, list_segments, segment_file_name};

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
}

impl AnomalyClass {
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
        }
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
    pub head: Option<String>,
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

/// The result of verifying a store.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// One entry per device, sorted by device id.
    pub devices: Vec<DeviceReport>,
    /// Problems not tied to one device (anchor log, key files).
    pub store_anomalies: Vec<Anomaly>,
    /// Segment files read.
    pub files: u64,
    /// Rows read.
    pub rows: u64,
    /// Canonical bytes hashed.
    pub canonical_bytes: u64,
}

impl VerifyReport {
    /// Whether nothing is wrong.
    pub fn is_clean(&self) -> bool {
        self.store_anomalies.is_empty() && self.devices.iter().all(|d| d.anomalies.is_empty())
    }

    /// Every anomaly, store-level first, then by device.
    pub fn anomalies(&self) -> impl Iterator<Item = &Anomaly> {
        self.store_anomalies
            .iter()
            .chain(self.devices.iter().flat_map(|d| &d.anomalies))
    }
}

/// Verifies stores against a keyring and, optionally, an anchor log.
#[derive(Debug)]
pub struct Verifier<'a> {
    keyring: &'a Keyring,
    anchor_log: Option<&'a AnchorLog>,
    anchor_log_name: String,
}

/// The outcome of checking one segment file on its own.
struct SegmentCheck {
    rel: String,
    name: String,
    record: Option<SegmentRecord>,
    /// Signature and record hold (the claimed range can be trusted).
    trusted: bool,
    rows: u64,
    canonical_bytes: u64,
    anomalies: Vec<Anomaly>,
}

impl<'a> Verifier<'a> {
    /// A verifier trusting `keyring`.
    pub fn new(keyring: &'a Keyring) -> Self {
        Verifier {
            keyring,
            anchor_log: None,
            anchor_log_name: String::new(),
        }
    }

    /// Also checks every device against the anchors in `log`.
    pub fn anchors(mut self, log: &'a AnchorLog, display_name: impl Into<String>) -> Self {
        self.anchor_log = Some(log);
        self.anchor_log_name = display_name.into();
        self
    }

    /// Verifies every device of the store. Unreadable files are reported
    /// as anomalies; only an unreadable store folder is an error.
    pub fn verify(&self, store: &Path) -> Result<VerifyReport> {
        let mut report = VerifyReport::default();
        for (path, reason) in &self.keyring.problems {
            report.store_anomalies.push(Anomaly {
                class: AnomalyClass::UnknownKey,
                device_id: String::new(),
                file: Some(path.display().to_string()),
                seq: None,
                ts: None,
                detail: format!("key file not loaded: {reason}"),
            });
        }
        let anchors = self.checked_anchors(&mut report.store_anomalies);

        let devices = list_devices(store)?;
        let mut jobs: Vec<(usize, PathBuf)> = Vec::new();
        let mut device_errors: Vec<Vec<Anomaly>> = vec![Vec::new(); devices.len()];
        for (i, (device, dir)) in devices.iter().enumerate() {
            match list_segments(dir) {
                Ok(files) => jobs.extend(files.into_iter().map(|f| (i, f))),
                Err(e) => device_errors[i].push(Anomaly {
                    class: AnomalyClass::FileUnreadable,
                    device_id: device.clone(),
                    file: Some(relative(store, dir)),
                    seq: None,
                    ts: None,
                    detail: chain(&e),
                }),
            }
        }
        let checks: Vec<(usize, SegmentCheck)> = jobs
            .par_iter()
            .map(|(i, path)| (*i, self.check_segment(store, &devices[*i].0, path)))
            .collect();
        let mut per_device: Vec<Vec<SegmentCheck>> =
            (0..devices.len()).map(|_| Vec::new()).collect();
        for (i, check) in checks {
            report.files += 1;
            report.rows += check.rows;
            report.canonical_bytes += check.canonical_bytes;
            per_device[i].push(check);
        }
        let mut seen = Vec::new();
        for (((device, _), checks), errors) in devices.iter().zip(per_device).zip(device_errors) {
            let device_anchors: Vec<&Anchor> =
                anchors.iter().filter(|a| &a.device_id == device).collect();
            let mut device_report = self.walk_chain(store, device, checks, &device_anchors);
            device_report.anomalies.extend(errors);
            sort_anomalies(&mut device_report.anomalies);
            seen.push(device.clone());
            report.devices.push(device_report);
        }
        // Anchored devices whose whole partition is gone.
        let mut missing: BTreeMap<&str, &Anchor> = BTreeMap::new();
        for anchor in &anchors {
            if !seen.contains(&anchor.device_id) {
                let entry = missing.entry(anchor.device_id.as_str()).or_insert(anchor);
                if anchor.seq > entry.seq {
                    *entry = anchor;
                }
            }
        }
        for (device, anchor) in missing {
            report.devices.push(DeviceReport {
                device_id: device.to_owned(),
                anomalies: vec![Anomaly {
                    class: AnomalyClass::TailTruncated,
                    device_id: device.to_owned(),
                    file: None,
                    seq: Some((1, anchor.seq)),
                    ts: Some(Timestamp(anchor.head_ts)),
                    detail: format!(
                        "the store has no partition for this device, but anchor #{} covers seq {}",
                        anchor.index, anchor.seq
                    ),
                }],
                ..DeviceReport::default()
            });
        }
        report.devices.sort_by(|a, b| a.device_id.cmp(&b.device_id));
        Ok(report)
    }

    fn checked_anchors(&self, store_anomalies: &mut Vec<Anomaly>) -> Vec<Anchor> {
        let Some(log) = self.anchor_log else {
            return Vec::new();
        };
        let (good, problems) = log.check(self.keyring);
        for p in problems {
            store_anomalies.push(Anomaly {
                class: AnomalyClass::AnchorLogBroken,
                device_id: String::new(),
                file: Some(format!("{}:{}", self.anchor_log_name, p.line)),
                seq: None,
                ts: None,
                detail: p.reason,
            });
        }
        good
    }

    fn check_segment(&self, store: &Path, device: &str, path: &Path) -> SegmentCheck {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut check = SegmentCheck {
            rel: relative(store, path),
            name,
            record: None,
            trusted: false,
            rows: 0,
            canonical_bytes: 0,
            anomalies: Vec::new(),
        };
        let name_seq = crate::store::first_seq_of_name(&check.name);
        let anomaly = |check: &SegmentCheck, class, seq, ts, detail: String| Anomaly {
            class,
            device_id: device.to_owned(),
            file: Some(check.rel.clone()),
            seq,
            ts,
            detail,
        };

        // An unreadable file and a file without a segment record end the
        // check the same way: reported at the seq its name claims.
        let opened = File::open(path)
            .map_err(|e| format!("not a readable Parquet file: {e}"))
            .and_then(|f| {
                ParquetRecordBatchReaderBuilder::try_new(f)
                    .map_err(|e| format!("not a readable Parquet file: {e}"))
            })
            .and_then(|builder| {
                let kv = builder.metadata().file_metadata().key_value_metadata();
                let record = record_from_metadata(path, kv)
                    .map_err(|e| format!("schema-invalid: {}", chain(&e)))?;
                Ok((builder, record))
            });
        let (builder, record) = match opened {
            Ok(opened) => opened,
            Err(detail) => {
                let a = anomaly(
                    &check,
                    AnomalyClass::FileUnreadable,
                    name_seq.map(|s| (s, s)),
                    None,
                    detail,
                );
                check.anomalies.push(a);
                return check;
            }
        };
        let range = Some((record.first_seq, record.last_seq));
        let first_ts = Some(Timestamp(record.first_ts));
        // Is the record authentic? One verdict, reported once.
        let untrusted: Option<(AnomalyClass, String)> = if record.device_id != device {
            Some((
                AnomalyClass::SegmentForged,
                format!(
                    "segment of device {:?} placed in this device's partition",
                    record.device_id
                ),
            ))
        } else if !record.head_matches() {
            Some((
                AnomalyClass::SegmentForged,
                "segment record altered: its head does not match its fields".into(),
            ))
        } else if record.row_count == 0 || record.last_seq < record.first_seq {
            // The writer never commits an empty segment; a signed one can
            // only come from a key holder moving the head without events.
            Some((
                AnomalyClass::SegmentForged,
                format!(
                    "segment with no rows (seq {}..={}, {} rows): the writer never writes one",
                    record.first_seq, record.last_seq, record.row_count
                ),
            ))
        } else {
            match self.keyring.device(device) {
                None => Some((
                    AnomalyClass::UnknownKey,
                    format!(
                        "no public key for device {device:?} in the keyring (signed by key id {})",
                        record.key_id
                    ),
                )),
                Some(key) if key.key_id() != record.key_id => Some((
                    AnomalyClass::UnknownKey,
                    format!(
                        "signed by key id {}, the keyring holds {} for this device",
                        record.key_id,
                        key.key_id()
                    ),
                )),
                Some(key) if !record.signature_valid(key) => Some((
                    AnomalyClass::SegmentForged,
                    "signature does not verify under the device key".into(),
                )),
                Some(_) => None,
            }
        };
        check.trusted = untrusted.is_none();
        check.record = Some(record.clone());
        if let Some(named) = name_seq
            && named != record.first_seq
        {
            let a = anomaly(
                &check,
                AnomalyClass::SegmentMisnamed,
                range,
                first_ts,
                format!(
                    "file named for seq {named}, but its record starts at seq {}: renamed",
                    record.first_seq
                ),
            );
            check.anomalies.push(a);
        }
        if let Some((class, detail)) = untrusted {
            let a = anomaly(&check, class, range, first_ts, detail);
            check.anomalies.push(a);
            // A forged record vouches for nothing; with an unknown key the
            // rows are still checked against the record's own root.
            if class == AnomalyClass::SegmentForged {
                return check;
            }
        }

        let rows = match unsigned_column(&builder) {
            Some(column) => Err(format!(
                "schema-invalid: column {column:?} is not in the segment schema (unsigned data beside the evidence)"
            )),
            None => read_rows(builder),
        };
        match rows {
            Err(e) => {
                check.trusted = false;
                let a = anomaly(&check, AnomalyClass::FileUnreadable, range, first_ts, e);
                check.anomalies.push(a);
            }
            Ok(rows) => {
                check.rows = rows.seqs.len() as u64;
                check.canonical_bytes = rows.canonical_bytes;
                let root = merkle::root(&rows.leaves);
                let expected_root = parse_hash(&record.merkle_root);
                let in_order = rows.seqs.len() as u64 == record.row_count
                    && rows
                        .seqs
                        .iter()
                        .enumerate()
                        .all(|(i, s)| record.first_seq.checked_add(i as u64) == Some(*s))
                    && record.first_seq.checked_add(record.row_count)
                        == record.last_seq.checked_add(1);
                if Some(root) == expected_root && in_order {
                    for i in 1..rows.ts.len() {
                        if rows.ts[i] < rows.ts[i - 1] {
                            let a = anomaly(
                                &check,
                                AnomalyClass::TimeWentBackwards,
                                Some((rows.seqs[i], rows.seqs[i])),
                                Some(Timestamp(rows.ts[i])),
                                format!(
                                    "event time {} is before the previous event's {}",
                                    Timestamp(rows.ts[i]),
                                    Timestamp(rows.ts[i - 1])
                                ),
                            );
                            check.anomalies.push(a);
                        }
                    }
                } else {
                    check.trusted = false;
                    for (class, lo, hi, ts, detail) in diagnose_rows(&record, &rows, expected_root)
                    {
                        let a = anomaly(&check, class, Some((lo, hi)), ts.map(Timestamp), detail);
                        check.anomalies.push(a);
                    }
                    // Rows are damaged, but the record's range and link
                    // still hold: the chain continues through it.
                    check.trusted = check
                        .anomalies
                        .iter()
                        .all(|a| a.class != AnomalyClass::UnknownKey);
                }
            }
        }
        check
    }

    fn walk_chain(
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
        let (mut expected_seq, mut expected_prev) = match &checkpoint {
            Some(cp) => (
                cp.cut_seq.saturating_add(1),
                parse_hash(&cp.cut_head).unwrap_or_default(),
            ),
            None => (1, genesis_head(device)),
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

fn short(hash: &str) -> &str {
    hash.get(..16).unwrap_or(hash)
}

fn sort_anomalies(anomalies: &mut [Anomaly]) {
    anomalies.sort_by(|a, b| {
        (a.seq.map(|s| s.0), &a.file, a.class, &a.detail).cmp(&(
            b.seq.map(|s| s.0),
            &b.file,
            b.class,
            &b.detail,
        ))
    });
}

fn relative(store: &Path, path: &Path) -> String {
    path.strip_prefix(store)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// What the verifier keeps of a segment's rows.
pub(crate) struct Rows {
    pub seqs: Vec<u64>,
    pub ts: Vec<i64>,
    pub leaves: Vec<Hash>,
    pub digests: Vec<[u8; DIGEST_LEN]>,
    pub canonical_bytes: u64,
}

/// A column of the file that the segment schema does not have: the rows'
/// digests and the Merkle root cover only the schema's columns, so such a
/// column would sit unsigned beside the evidence for any reader of the
/// files.
fn unsigned_column(builder: &ParquetRecordBatchReaderBuilder<File>) -> Option<String> {
    let expected = segment_schema();
    builder
        .schema()
        .fields()
        .iter()
        .find(|f| expected.field_with_name(f.name()).is_err())
        .map(|f| f.name().clone())
}

fn read_rows(builder: ParquetRecordBatchReaderBuilder<File>) -> std::result::Result<Rows, String> {
    let reader = builder
        .with_batch_size(32 * 1024)
        .build()
        .map_err(|e| format!("cannot decode: {e}"))?;
    let mut rows = Rows {
        seqs: Vec::new(),
        ts: Vec::new(),
        leaves: Vec::new(),
        digests: Vec::new(),
        canonical_bytes: 0,
    };
    for batch in reader {
        let batch = batch.map_err(|e| format!("cannot decode: {e}"))?;
        add_batch(&batch, &mut rows)?;
    }
    Ok(rows)
}

fn add_batch(batch: &RecordBatch, rows: &mut Rows) -> std::result::Result<(), String> {
    let encoder = RowEncoder::new(batch).map_err(|e| format!("schema-invalid: {}", e.0))?;
    let seq = batch
        .column_by_name("seq")
        .and_then(|c| c.as_primitive_opt::<UInt64Type>())
        .ok_or("schema-invalid: no `seq` column")?;
    let ts = batch
        .column_by_name("ts")
        .and_then(|c| c.as_primitive_opt::<TimestampMicrosecondType>())
        .ok_or("schema-invalid: no `ts` column")?;
    let digest = batch
        .column_by_name(DIGEST_COLUMN)
        .and_then(|c| c.as_fixed_size_binary_opt())
        .filter(|d| d.value_length() as usize == DIGEST_LEN)
        .ok_or_else(|| {
            format!("schema-invalid: no `{DIGEST_COLUMN}` column of {DIGEST_LEN} bytes")
        })?;
    if seq.null_count() > 0 || ts.null_count() > 0 || digest.null_count() > 0 {
        return Err("schema-invalid: null in `seq`, `ts` or `row_digest`".into());
    }
    // Hash rows in parallel chunks: one large segment still uses every core.
    let n = encoder.len();
    let chunk = 1024;
    let parts: Vec<(Vec<Hash>, u64)> = (0..n.div_ceil(chunk))
        .into_par_iter()
        .map_init(Scratch::default, |scratch, c| {
            let mut leaves = Vec::with_capacity(chunk);
            let bytes =
                encoder.leaf_hashes_with(c * chunk..((c + 1) * chunk).min(n), &mut leaves, scratch);
            (leaves, bytes)
        })
        .collect();
    for (leaves, bytes) in parts {
        rows.leaves.extend(leaves);
        rows.canonical_bytes += bytes;
    }
    rows.seqs.extend(seq.values().iter().copied());
    rows.ts.extend(ts.values().iter().copied());
    for i in 0..digest.len() {
        let mut d = [0u8; DIGEST_LEN];
        d.copy_from_slice(digest.value(i));
        rows.digests.push(d);
    }
    Ok(())
}

type RowFinding = (AnomalyClass, u64, u64, Option<i64>, String);

/// Locates what changed in a segment whose rows do not match its signed
/// root: inserted rows (out of range or duplicate seqs), deleted seqs,
/// reordering, and modified rows (content no longer matches the row's
/// digest). When nothing is located (digests rewritten too), the whole
/// segment is reported as modified.
fn diagnose_rows(
    record: &SegmentRecord,
    rows: &Rows,
    expected_root: Option<Hash>,
) -> Vec<RowFinding> {
    let mut found: Vec<RowFinding> = Vec::new();
    let (first, last) = (record.first_seq, record.last_seq);
    let digest_ok = |i: usize| {
        rows.leaves
            .get(i)
            .zip(rows.digests.get(i))
            .is_some_and(|(leaf, digest)| leaf[..DIGEST_LEN] == digest[..])
    };
    let ts_at = |i: usize| rows.ts.get(i).copied();

    // 1. Inserted rows: a seq outside the range, or a second row for a seq.
    let mut kept_at: BTreeMap<u64, usize> = BTreeMap::new();
    let mut inserted: Vec<usize> = Vec::new();
    for (i, &seq) in rows.seqs.iter().enumerate() {
        if seq < first || seq > last {
            inserted.push(i);
            continue;
        }
        match kept_at.get(&seq).copied() {
            None => {
                kept_at.insert(seq, i);
            }
            Some(j) if !digest_ok(j) && digest_ok(i) => {
                inserted.push(j);
                kept_at.insert(seq, i);
            }
            Some(_) => inserted.push(i),
        }
    }
    inserted.sort_unstable();
    for &i in &inserted {
        let seq = rows.seqs[i];
        found.push((
            AnomalyClass::RowInserted,
            seq,
            seq,
            ts_at(i),
            format!("row {i} (seq {seq}) was not in the signed segment"),
        ));
    }

    // 2. Deleted: seqs of the range with no row. Found between the rows
    //    present, not seq by seq: the range comes from the file and may
    //    claim up to 2^64 seqs.
    let mut gaps: Vec<(u64, u64)> = Vec::new();
    // The next seq a row should have; `None` once past u64::MAX.
    let mut expected = Some(first);
    for &seq in kept_at.keys() {
        if let Some(from) = expected
            && seq > from
        {
            gaps.push((from, seq - 1));
        }
        expected = seq.checked_add(1);
    }
    if let Some(from) = expected
        && from <= last
    {
        gaps.push((from, last));
    }
    let deleted = !gaps.is_empty();
    for (start, end) in gaps {
        let missing = (end - start)
            .checked_add(1)
            .map_or_else(|| "2^64".to_owned(), |n| n.to_string());
        found.push((
            AnomalyClass::RowDeleted,
            start,
            end,
            None,
            format!("{missing} signed row(s) missing"),
        ));
    }

    // 3. Reordered: the kept rows, in file order, are not ascending.
    let mut kept: Vec<usize> = kept_at.values().copied().collect();
    kept.sort_unstable();
    let file_order: Vec<u64> = kept.iter().map(|&i| rows.seqs[i]).collect();
    let mut sorted = file_order.clone();
    sorted.sort_unstable();
    if let (Some(lo), Some(hi)) = (
        (0..file_order.len()).find(|&p| file_order[p] != sorted[p]),
        (0..file_order.len()).rfind(|&p| file_order[p] != sorted[p]),
    ) {
        found.push((
            AnomalyClass::RowsReordered,
            sorted[lo],
            sorted[hi],
            ts_at(kept[lo]),
            format!(
                "rows for seq {}..={} are not in signed order",
                sorted[lo], sorted[hi]
            ),
        ));
    }

    // 4. Modified: content no longer matches the row's digest.
    let mut modified = false;
    for (&seq, &i) in &kept_at {
        if !digest_ok(i) {
            modified = true;
            found.push((
                AnomalyClass::RowModified,
                seq,
                seq,
                ts_at(i),
                format!("row {i} (seq {seq}) differs from its signed content"),
            ));
        }
    }

    // 5. Without deletions, the kept rows in seq order must rebuild the
    //    signed root; if they do not, something changed that the digests
    //    cannot place.
    if !deleted && !modified {
        let leaves: Vec<Hash> = kept_at
            .values()
            .filter_map(|&i| rows.leaves.get(i).copied())
            .collect();
        if Some(merkle::root(&leaves)) != expected_root {
            found.push((AnomalyClass::RowModified, first, last, Some(record.first_ts), "rows do not match the signed Merkle root and their digests were rewritten too: the changed row cannot be located".into()));
        }
    }
    found
}
