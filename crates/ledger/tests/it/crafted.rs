//! Records crafted to make the verifier hang or overflow: every number in a
//! segment record comes from the file, so a walk over a claimed range is
//! bounded by the rows present and every sum is checked.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use worklog_ledger::{
    Anomaly, AnomalyClass, Role, SecretKey, Verifier, VerifyReport, read_record, store,
};

use crate::common::*;

fn built_store() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    build_store(&store);
    (dir, store)
}

/// Verifies `store` on a thread of its own; `None` when it has not
/// finished within `limit` (a hang fails the test instead of the CI job).
fn verify_within(store: &Path, limit: Duration) -> Option<VerifyReport> {
    let (sender, receiver) = mpsc::channel();
    let store = store.to_path_buf();
    std::thread::spawn(move || {
        let report = Verifier::new(&keyring()).verify(&store).unwrap();
        let _ = sender.send(report);
    });
    receiver.recv_timeout(limit).ok()
}

/// How long verifying the untouched store takes here, and that it is clean.
fn baseline(store: &Path) -> Duration {
    let started = Instant::now();
    let report = Verifier::new(&keyring()).verify(store).unwrap();
    assert!(report.is_clean(), "the untouched store must verify clean");
    started.elapsed()
}

fn rel(store: &Path, path: &Path) -> String {
    path.strip_prefix(store)
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

fn found(report: &VerifyReport, class: AnomalyClass) -> Vec<&Anomaly> {
    report.anomalies().filter(|a| a.class == class).collect()
}

#[test]
fn a_record_under_an_unknown_key_claiming_seqs_up_to_2_64_is_diagnosed_in_bounded_time() {
    let (_dir, store) = built_store();
    let clean = baseline(&store);
    let segs = segments(&store, "PC-0002");
    let target = segs.last().unwrap();
    let (rows, mut kv) = read_segment(target);
    let mut record = read_record(target).unwrap();
    let real_last = record.last_seq;
    // Claims every seq from its first to u64::MAX, self-consistently,
    // signed by a key the keyring does not hold.
    record.last_seq = u64::MAX;
    record.row_count = u64::MAX - record.first_seq + 1;
    record.seal(&SecretKey::from_seed(Role::Device, "PC-0002", [9u8; 32]));
    replace_record(&mut kv, &record);
    write_segment(target, &rows, kv);

    // A second is the bound; the untouched store's time here is
    // added so that a slow machine does not fail it.
    let limit = Duration::from_secs(1) + clean * 3;
    let report = verify_within(&store, limit)
        .unwrap_or_else(|| panic!("verification did not finish within {limit:?}"));
    let file = rel(&store, target);
    let unknown = found(&report, AnomalyClass::UnknownKey);
    assert_eq!(unknown.len(), 1, "{unknown:?}");
    assert_eq!(unknown[0].file.as_deref(), Some(file.as_str()));
    let deleted = found(&report, AnomalyClass::RowDeleted);
    assert_eq!(deleted.len(), 1, "{deleted:?}");
    assert_eq!(
        (deleted[0].file.as_deref(), deleted[0].seq),
        (Some(file.as_str()), Some((real_last + 1, u64::MAX)))
    );
}

#[test]
fn a_signed_range_ending_at_u64_max_is_reported_not_overflowed() {
    let (_dir, store) = built_store();
    let clean = baseline(&store);
    let segs = segments(&store, "PC-0003");
    // A middle segment, so that the chain goes on after the claimed end.
    let target = &segs[segs.len() / 2];
    let (rows, mut kv) = read_segment(target);
    let mut record = read_record(target).unwrap();
    let real_last = record.last_seq;
    // The device's own key signs a range its rows do not fill (only a key
    // holder can); the count says the range, the Merkle root is the rows'.
    record.last_seq = u64::MAX;
    record.row_count = u64::MAX - record.first_seq + 1;
    record.seal(&device_key("PC-0003"));
    replace_record(&mut kv, &record);
    write_segment(target, &rows, kv);

    let limit = Duration::from_secs(1) + clean * 3;
    let report = verify_within(&store, limit)
        .unwrap_or_else(|| panic!("verification did not finish (or panicked) within {limit:?}"));
    let file = rel(&store, target);
    let deleted = found(&report, AnomalyClass::RowDeleted);
    assert_eq!(deleted.len(), 1, "{deleted:?}");
    assert_eq!(
        (deleted[0].file.as_deref(), deleted[0].seq),
        (Some(file.as_str()), Some((real_last + 1, u64::MAX)))
    );
    // Nothing is counted as verified that was not.
    let device = report
        .devices
        .iter()
        .find(|d| d.device_id == "PC-0003")
        .unwrap();
    assert!(device.rows_verified < real_last, "{}", device.rows_verified);
}

#[test]
fn an_empty_segment_signed_after_the_last_one_is_forged() {
    let (_dir, store) = built_store();
    baseline(&store);
    let segs = segments(&store, "PC-0004");
    let last = segs.last().unwrap();
    let (_, mut kv) = read_segment(last);
    let previous = read_record(last).unwrap();
    // What a key holder can sign: the chain moved on by a segment that
    // holds no events (the head changes, nothing else does).
    let mut record = previous.clone();
    record.segment_no += 1;
    record.first_seq = previous.last_seq + 1;
    record.row_count = 0;
    record.first_ts = previous.last_ts;
    record.prev_head = previous.head;
    // RFC 6962: the hash of an empty tree is SHA-256 of nothing.
    record.merkle_root = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        .parse()
        .unwrap();
    record.seal(&device_key("PC-0004"));
    replace_record(&mut kv, &record);
    let path = last.with_file_name(store::segment_file_name(record.first_seq));
    write_segment(&path, &[], kv);

    let report = Verifier::new(&keyring()).verify(&store).unwrap();
    let all: Vec<&Anomaly> = report.anomalies().collect();
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(
        (all[0].class, all[0].file.as_deref(), all[0].seq),
        (
            AnomalyClass::SegmentForged,
            Some(rel(&store, &path).as_str()),
            Some((previous.last_seq + 1, previous.last_seq))
        )
    );
}

#[test]
fn a_column_outside_the_segment_schema_is_reported() {
    let (_dir, store) = built_store();
    baseline(&store);
    let segs = segments(&store, "PC-0005");
    let target = &segs[1];
    let record = read_record(target).unwrap();
    let (rows, kv) = read_segment(target);
    write_segment_with_extra_column(target, &rows, kv, "approved_by");

    let report = Verifier::new(&keyring()).verify(&store).unwrap();
    let all: Vec<&Anomaly> = report.anomalies().collect();
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(
        (all[0].class, all[0].file.as_deref(), all[0].seq),
        (
            AnomalyClass::FileUnreadable,
            Some(rel(&store, target).as_str()),
            Some((record.first_seq, record.last_seq))
        )
    );
    assert!(all[0].detail.contains("approved_by"), "{}", all[0].detail);
}

#[test]
fn a_segment_under_another_seq_s_name_is_misnamed() {
    let (_dir, store) = built_store();
    baseline(&store);
    let segs = segments(&store, "PC-0006");
    let target = &segs[2];
    let record = read_record(target).unwrap();
    // Renamed to a seq inside its own range: the chain still links, but
    // everything that orders segments by name is misled.
    let renamed = target.with_file_name(store::segment_file_name(record.first_seq + 1));
    std::fs::rename(target, &renamed).unwrap();

    let report = Verifier::new(&keyring()).verify(&store).unwrap();
    let all: Vec<&Anomaly> = report.anomalies().collect();
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(
        (all[0].class, all[0].file.as_deref(), all[0].seq),
        (
            AnomalyClass::SegmentMisnamed,
            Some(rel(&store, &renamed).as_str()),
            Some((record.first_seq, record.last_seq))
        )
    );
}

#[test]
fn a_file_that_makes_the_parquet_reader_panic_is_unreadable_and_the_rest_verified() {
    // Found by the fuzzer (crates/ledger/fuzz, `verify`, which keeps such
    // files under artifacts/contained/): a format-3 segment whose bytes,
    // mutated, make arrow-rs's reader panic instead of returning an error.
    let (_dir, store) = built_store();
    // The file's record is PC-0002's, signed by another key: its rows are
    // still checked against its own root, and that is where the reader
    // fails.
    let device = "PC-0002";
    let target = store::device_dir(&store, device).join("seg-99999999999999999999.parquet");
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/it/fixtures/reader-panics.parquet"
        ),
        &target,
    )
    .unwrap();
    let report = verify_within(&store, Duration::from_secs(60)).expect("the verifier finished");
    let found: Vec<&Anomaly> = report.anomalies().collect();
    let here: Vec<&&Anomaly> = found
        .iter()
        .filter(|a| {
            a.file
                .as_deref()
                .is_some_and(|f| f.ends_with("seg-99999999999999999999.parquet"))
        })
        .collect();
    // The reader's panic, contained, is this file's reason.
    assert!(
        here.iter().any(|a| a.class == AnomalyClass::FileUnreadable
            && a.detail.contains("the Parquet reader failed on it")),
        "{found:#?}"
    );
    // Every other device is untouched and verified in full.
    for d in report.devices.iter().filter(|d| d.device_id != device) {
        assert!(d.anomalies.is_empty(), "{:?}", d.anomalies);
        assert!(d.rows_verified > 0);
    }
}

#[cfg(unix)]
#[test]
fn a_device_file_under_a_segment_name_is_unreadable_not_read_forever() {
    let (_dir, store) = built_store();
    let target = store::device_dir(&store, "PC-0001").join("seg-99999999999999999999.parquet");
    std::os::unix::fs::symlink("/dev/zero", &target).unwrap();
    let report = verify_within(&store, Duration::from_secs(60)).expect("the verifier finished");
    let found: Vec<&Anomaly> = report.anomalies().collect();
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].class, AnomalyClass::FileUnreadable);
    assert!(found[0].detail.contains("not a regular file"), "{found:#?}");
}

/// What a crafted input becomes: a FIFO (opened for reading, it blocks
/// until a writer comes: forever) or `/dev/zero` (read to the end, it
/// never ends) in the place of each file the verifier reads.
#[derive(Clone, Copy, Debug)]
enum Hostile {
    Fifo,
    DevZero,
}

fn plant(path: &Path, what: Hostile) {
    let _ = std::fs::remove_file(path);
    match what {
        Hostile::Fifo => {
            let made = std::process::Command::new("mkfifo")
                .arg(path)
                .status()
                .unwrap();
            assert!(made.success(), "mkfifo {}", path.display());
        }
        Hostile::DevZero => std::os::unix::fs::symlink("/dev/zero", path).unwrap(),
    }
}

/// Runs `job` on a thread of its own; `None` when it has not finished
/// within `limit`.
fn within<T: Send + 'static>(
    limit: Duration,
    job: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = sender.send(job());
    });
    receiver.recv_timeout(limit).ok()
}

/// Before: a FIFO named `_seal.json`, `_prune.json`, a `.pub` key or the
/// anchor log made `worklog verify` never return; `/dev/zero` there was
/// read until memory ran out. Now every such input is read only if it is
/// a regular file, through a bounded reader, and the verification ends
/// saying what it refused.
#[test]
fn fifos_and_endless_devices_in_every_input_position_are_refused_in_bounded_time() {
    let limit = Duration::from_secs(60);
    for what in [Hostile::Fifo, Hostile::DevZero] {
        for name in [store::SEAL_FILE, store::CHECKPOINT_FILE] {
            let (_dir, store) = built_store();
            let device = store::device_dir(&store, "PC-0002");
            plant(&device.join(name), what);
            let report = verify_within(&store, limit)
                .unwrap_or_else(|| panic!("{what:?} as {name}: no result within {limit:?}"));
            // Refused, said, and nothing else: a seal that cannot be read
            // commits to nothing (the last file is checked row by row).
            let refused: Vec<&Anomaly> = report.anomalies().collect();
            assert_eq!(refused.len(), 1, "{what:?} as {name}: {refused:?}");
            assert_eq!(refused[0].class, AnomalyClass::FileUnreadable);
            assert!(
                refused[0].detail.contains("not a regular file"),
                "{}",
                refused[0].detail
            );
        }
        // A public key.
        let (dir, store) = built_store();
        let keys = dir.path().join("keys");
        std::fs::create_dir_all(&keys).unwrap();
        plant(&keys.join("planted.pub"), what);
        let loaded = within(limit, move || worklog_ledger::Keyring::load_dir(&keys))
            .unwrap_or_else(|| panic!("{what:?} as a key: no result within {limit:?}"))
            .unwrap();
        assert_eq!(loaded.problems.len(), 1, "{what:?}");
        assert!(
            loaded.problems[0].1.contains("not a regular file"),
            "{:?}",
            loaded.problems
        );
        // The anchor log.
        let log = dir.path().join("anchors.jsonl");
        plant(&log, what);
        let opened = within(limit, move || {
            worklog_ledger::AnchorLog::open_existing(&log)
        })
        .unwrap_or_else(|| panic!("{what:?} as the anchor log: no result within {limit:?}"));
        let error = opened
            .err()
            .map(|e| worklog_ledger::chain(&e))
            .unwrap_or_default();
        assert!(error.contains("not a regular file"), "{what:?}: {error}");
        drop(store);
    }
}
