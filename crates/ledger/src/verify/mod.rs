//! The verifier: proves every device's chain in a store, in parallel, and
//! reports every anomaly with its class and exact location.
//!
//! Four passes: every file's bytes are hashed and its record judged
//! (files in parallel, nothing decoded); the commitments to each file's
//! bytes decide which files their bytes prove ([`coverage`]); the others
//! are checked row by row, locating any change ([`rows`]); then each
//! device's chain is walked and matched against the anchors ([`chain`]).

mod chain;
mod coverage;
mod report;
mod rows;
mod scan;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use worklog_hash::Sha256Digest;
use worklog_schema::Timestamp;

pub use report::{
    Anomaly, AnomalyClass, Depth, DeviceReport, LateDelivery, VerifiedFile, VerifyReport,
};

use crate::anchor::{Anchor, AnchorLog};
use crate::error::{Result, chain};
use crate::keys::Keyring;
use crate::seal::Seal;
use crate::store::{list_devices, list_segments};
use scan::SegmentCheck;

/// Verifies stores against a keyring and, optionally, an anchor log.
#[derive(Debug)]
pub struct Verifier<'a> {
    keyring: &'a Keyring,
    anchor_log: Option<&'a AnchorLog>,
    anchor_log_name: String,
    deep: bool,
}

impl<'a> Verifier<'a> {
    /// A verifier trusting `keyring`.
    pub fn new(keyring: &'a Keyring) -> Self {
        Verifier {
            keyring,
            anchor_log: None,
            anchor_log_name: String::new(),
            deep: false,
        }
    }

    /// Also checks every device against the anchors in `log`.
    pub fn anchors(mut self, log: &'a AnchorLog, display_name: impl Into<String>) -> Self {
        self.anchor_log = Some(log);
        self.anchor_log_name = display_name.into();
        self
    }

    /// Checks every file row by row, even those whose bytes a signed
    /// commitment proves (default off: the bytes prove as much, at disk
    /// speed).
    pub fn deep(mut self, deep: bool) -> Self {
        self.deep = deep;
        self
    }

    /// Verifies every device of the store. Unreadable files are reported
    /// as anomalies; only an unreadable store folder is an error.
    pub fn verify(&self, store: &Path) -> Result<VerifyReport> {
        let mut report = VerifyReport::default();
        report.store_anomalies.extend(self.key_problems());
        let anchors = self.checked_anchors(&mut report.store_anomalies);
        let devices = list_devices(store)?;
        let (jobs, device_errors) = segment_jobs(store, &devices);
        let device_anchors: Vec<Vec<&Anchor>> = devices
            .iter()
            .map(|(device, _)| anchors.iter().filter(|a| &a.device_id == device).collect())
            .collect();
        // 1. Every file's bytes hashed once, its record judged.
        let per_device = self.scan_files(store, &devices, &jobs);
        // 2. What commits to each file's bytes, and which records are
        //    authentic.
        let mut resolved = self.resolve(store, &devices, per_device, &device_anchors);
        // 3. Rows of the files their bytes do not prove.
        self.check_unproven_rows(&mut resolved);
        // 4. Each device's chain and anchors.
        let per_device: Vec<Vec<SegmentCheck>> = resolved
            .into_iter()
            .map(|checks| checks.into_iter().map(|(check, _)| check).collect())
            .collect();
        record_files(&mut report, &per_device);
        for ((((device, _), checks), errors), anchors) in devices
            .iter()
            .zip(per_device)
            .zip(device_errors)
            .zip(&device_anchors)
        {
            let mut device_report = self.walk_chain(store, device, checks, anchors);
            device_report.anomalies.extend(errors);
            sort_anomalies(&mut device_report.anomalies);
            report.devices.push(device_report);
        }
        let seen: Vec<&str> = devices.iter().map(|(d, _)| d.as_str()).collect();
        report.devices.extend(vanished_devices(&anchors, &seen));
        report.devices.sort_by(|a, b| a.device_id.cmp(&b.device_id));
        Ok(report)
    }

    /// Key files the keyring could not load: signatures by them cannot be
    /// checked.
    fn key_problems(&self) -> Vec<Anomaly> {
        self.keyring
            .problems
            .iter()
            .map(|(path, reason)| Anomaly {
                class: AnomalyClass::UnknownKey,
                device_id: String::new(),
                file: Some(path.display().to_string()),
                seq: None,
                ts: None,
                detail: format!("key file not loaded: {reason}"),
                window: None,
            })
            .collect()
    }

    /// Every file scanned, in parallel, grouped by device.
    fn scan_files(
        &self,
        store: &Path,
        devices: &[(String, PathBuf)],
        jobs: &[(usize, PathBuf)],
    ) -> Vec<Vec<SegmentCheck>> {
        let scanned: Vec<(usize, SegmentCheck)> = jobs
            .par_iter()
            .map(|(i, path)| {
                let device = &devices[*i].0;
                (
                    *i,
                    scan::scan(self.keyring, device, path, relative(store, path)),
                )
            })
            .collect();
        let mut per_device: Vec<Vec<SegmentCheck>> =
            (0..devices.len()).map(|_| Vec::new()).collect();
        for (i, check) in scanned {
            per_device[i].push(check);
        }
        per_device
    }

    /// Each file with what commits to its bytes. A seal that cannot be
    /// read commits to nothing: its file is then checked row by row.
    fn resolve(
        &self,
        store: &Path,
        devices: &[(String, PathBuf)],
        per_device: Vec<Vec<SegmentCheck>>,
        device_anchors: &[Vec<&Anchor>],
    ) -> Vec<Vec<(SegmentCheck, Vec<coverage::Commitment>)>> {
        per_device
            .into_iter()
            .zip(devices)
            .zip(device_anchors)
            .map(|((mut checks, (device, _)), anchors)| {
                let seal = Seal::read_for(store, device).ok().flatten();
                let key = self.keyring.device(device);
                let commitments = coverage::resolve(&mut checks, key, seal.as_ref(), anchors);
                checks.into_iter().zip(commitments).collect()
            })
            .collect()
    }

    /// Rows checked against the signed root wherever the bytes are not
    /// proven (everywhere with `deep`).
    fn check_unproven_rows(&self, resolved: &mut [Vec<(SegmentCheck, Vec<coverage::Commitment>)>]) {
        resolved
            .par_iter_mut()
            .flat_map(|checks| checks.par_iter_mut())
            .for_each(|(check, commitments)| {
                if !self.deep && coverage::proven_by_bytes(check) {
                    check.depth = Depth::Bytes;
                } else {
                    let before = check.anomalies.len();
                    rows::check_rows(check);
                    coverage::report_altered(check, commitments, before);
                }
            });
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
                window: None,
            });
        }
        good
    }
}

/// Runs a third-party decoder over hostile bytes: a panic in it (arrow-rs's
/// Parquet reader panics on some malformed files instead of returning an
/// error) becomes this file's error, not the end of the verification.
pub(super) fn contained<T>(job: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)).unwrap_or_else(|panic| {
        let message = panic
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| panic.downcast_ref::<&str>().copied())
            .unwrap_or("no message");
        Err(format!(
            "not a readable Parquet file: the Parquet reader failed on it ({message})"
        ))
    })
}

/// Each device's segment files to scan, and the devices whose partition
/// could not be listed.
fn segment_jobs(
    store: &Path,
    devices: &[(String, PathBuf)],
) -> (Vec<(usize, PathBuf)>, Vec<Vec<Anomaly>>) {
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
                window: None,
            }),
        }
    }
    (jobs, device_errors)
}

/// The totals and the list of files verified, with how.
fn record_files(report: &mut VerifyReport, per_device: &[Vec<SegmentCheck>]) {
    for check in per_device.iter().flatten() {
        report.files += 1;
        report.file_bytes = report.file_bytes.saturating_add(check.file_bytes);
        report.rows += check.rows;
        report.canonical_bytes += check.canonical_bytes;
        report.verified_files.push(VerifiedFile {
            device_id: check.device.clone(),
            file: check.rel.clone(),
            sha256: check.digest.map(Sha256Digest),
            bytes: check.file_bytes,
            depth: check.depth,
        });
    }
    report.verified_files.sort_by(|a, b| a.file.cmp(&b.file));
}

/// Anchored devices whose whole partition is gone: the chain's end is cut
/// below the newest anchor.
fn vanished_devices(anchors: &[Anchor], seen: &[&str]) -> Vec<DeviceReport> {
    let mut missing: BTreeMap<&str, &Anchor> = BTreeMap::new();
    for anchor in anchors {
        if !seen.contains(&anchor.device_id.as_str()) {
            let entry = missing.entry(anchor.device_id.as_str()).or_insert(anchor);
            if anchor.seq > entry.seq {
                *entry = anchor;
            }
        }
    }
    missing
        .into_iter()
        .map(|(device, anchor)| DeviceReport {
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
                window: None,
            }],
            ..DeviceReport::default()
        })
        .collect()
}

/// The first 16 hex digits of a digest, for messages.
pub(super) fn short(digest: &Sha256Digest) -> String {
    let mut hex = digest.to_hex();
    hex.truncate(16);
    hex
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

pub(super) fn relative(store: &Path, path: &Path) -> String {
    path.strip_prefix(store)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}
