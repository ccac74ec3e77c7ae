//! The tamper battery: for every anomaly class, at many random positions,
//! the verifier reports exactly that class at exactly that location; an
//! untouched store reports nothing.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use worklog_ledger::{
    AnchorLog, Anomaly, AnomalyClass, Depth, HeadClaim, Keyring, Role, Seal, SecretKey,
    SegmentWriter, Verifier, VerifyReport, event_leaf_hash, read_record,
};
use worklog_synth::Rng;

use crate::common::*;

/// Cases per class.
const CASES: usize = 12;

/// The pristine store, built once and copied for every case.
fn pristine() -> &'static Path {
    static STORE: OnceLock<tempfile::TempDir> = OnceLock::new();
    STORE
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            build_store(dir.path());
            dir
        })
        .path()
}

struct Case {
    _dir: tempfile::TempDir,
    store: PathBuf,
}

fn fresh() -> Case {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    copy_tree(pristine(), &store);
    Case { _dir: dir, store }
}

fn verify(store: &Path) -> VerifyReport {
    Verifier::new(&keyring()).verify(store).unwrap()
}

fn verify_with(store: &Path, keyring: &Keyring, log: &AnchorLog) -> VerifyReport {
    Verifier::new(keyring)
        .anchors(log, "anchors.jsonl")
        .verify(store)
        .unwrap()
}

fn anomalies(report: &VerifyReport) -> Vec<&Anomaly> {
    report.anomalies().collect()
}

fn rel(store: &Path, path: &Path) -> String {
    path.strip_prefix(store)
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

/// Exactly one anomaly, of `class`, at `file` and `seq`.
#[track_caller]
fn assert_single(report: &VerifyReport, class: AnomalyClass, file: &str, seq: (u64, u64)) {
    let found = anomalies(report);
    assert_eq!(
        found.len(),
        1,
        "expected one {class} at {file} {seq:?}, got:\n{}",
        list(&found)
    );
    let a = found[0];
    assert_eq!(
        (a.class, a.file.as_deref(), a.seq),
        (class, Some(file), Some(seq)),
        "{a}"
    );
}

fn list(found: &[&Anomaly]) -> String {
    found.iter().map(|a| format!("  {a}\n")).collect()
}

fn device(rng: &mut Rng) -> String {
    format!("PC-{:04}", rng.range(1, DEVICES as i64))
}

/// A random segment of a random device, never the first or last when
/// `middle` is set.
fn pick_segment(rng: &mut Rng, store: &Path, middle: bool) -> (String, Vec<PathBuf>, usize) {
    let device = device(rng);
    let segs = segments(store, &device);
    assert!(segs.len() >= 4, "{device} has {} segments", segs.len());
    let k = if middle {
        rng.range(1, segs.len() as i64 - 2) as usize
    } else {
        rng.below(segs.len() as u64) as usize
    };
    (device, segs, k)
}

#[test]
fn untouched_store_verifies_clean_with_every_row_counted() {
    let expected: usize = fleet_events().iter().map(Vec::len).sum();
    // The fast path proves every file by its bytes and decodes no row; the
    // deep check decodes every row; both account for every event.
    let fast = verify(pristine());
    let deep = Verifier::new(&keyring())
        .deep(true)
        .verify(pristine())
        .unwrap();
    for (report, decoded, depth) in [(&fast, 0, Depth::Bytes), (&deep, expected, Depth::Rows)] {
        assert!(report.is_clean(), "{}", list(&anomalies(report)));
        assert_eq!(report.devices.len(), DEVICES);
        assert_eq!(report.rows as usize, decoded);
        assert_eq!(report.files_at(depth), report.files as usize);
        let verified: u64 = report.devices.iter().map(|d| d.rows_verified).sum();
        assert_eq!(verified as usize, expected);
        for d in &report.devices {
            assert_eq!(d.seq_span.map(|s| s.0), Some(1));
            assert!(d.head.is_some());
        }
    }
    assert_eq!(fast.devices, deep.devices);
    let digests = |r: &VerifyReport| -> Vec<_> {
        r.verified_files
            .iter()
            .map(|f| (f.file.clone(), f.sha256, f.bytes))
            .collect()
    };
    assert_eq!(digests(&fast), digests(&deep));
}

type Rows = Vec<(worklog_schema::Event, Vec<u8>)>;

/// Runs `CASES` row-level tampers: for each, a random segment's rows are
/// changed by `tamper` (given the case number, the rows and the segment's
/// record), which returns the seq range it touched; the verifier must
/// report exactly `class` there.
fn row_battery(
    seed: u64,
    class: AnomalyClass,
    mut tamper: impl FnMut(usize, &mut Rng, &mut Rows, &worklog_ledger::SegmentRecord) -> (u64, u64),
) {
    let mut rng = Rng::new(seed, 1);
    for n in 0..CASES {
        let case = fresh();
        let (_, segs, k) = pick_segment(&mut rng, &case.store, false);
        let (mut rows, kv) = read_segment(&segs[k]);
        let record = read_record(&segs[k]).unwrap();
        let location = tamper(n, &mut rng, &mut rows, &record);
        write_segment(&segs[k], &rows, kv);
        assert_single(
            &verify(&case.store),
            class,
            &rel(&case.store, &segs[k]),
            location,
        );
    }
}

#[test]
fn row_modified_is_located() {
    row_battery(1, AnomalyClass::RowModified, |_, rng, rows, _| {
        let i = rng.below(rows.len() as u64) as usize;
        // Any field will do: the user, or the time by one microsecond.
        if rng.chance(0.5) {
            rows[i].0.user_name = Some("intruder".into());
        } else {
            rows[i].0.ts.0 += 1;
        }
        (rows[i].0.seq, rows[i].0.seq)
    });
}

#[test]
fn row_modified_with_digest_rewritten_is_caught_at_the_segment() {
    row_battery(2, AnomalyClass::RowModified, |_, rng, rows, record| {
        let i = rng.below(rows.len() as u64) as usize;
        rows[i].0.user_name = Some("intruder".into());
        rows[i].1 = event_leaf_hash(&rows[i].0).unwrap()[..16].to_vec();
        (record.first_seq, record.last_seq)
    });
}

#[test]
fn row_deleted_is_located() {
    row_battery(3, AnomalyClass::RowDeleted, |_, rng, rows, _| {
        let i = rng.below(rows.len() as u64) as usize;
        let seq = rows.remove(i).0.seq;
        (seq, seq)
    });
}

#[test]
fn row_inserted_is_located() {
    row_battery(4, AnomalyClass::RowInserted, |n, rng, rows, record| {
        let i = rng.below(rows.len() as u64) as usize;
        let mut forged = rows[i].0.clone();
        forged.user_name = Some("intruder".into());
        // Half the time a fresh seq past the segment, half a duplicate.
        if n % 2 == 0 {
            forged.seq = record.last_seq + 1 + rng.below(5);
        }
        let digest = event_leaf_hash(&forged).unwrap()[..16].to_vec();
        let seq = forged.seq;
        rows.insert(i + 1, (forged, digest));
        (seq, seq)
    });
}

#[test]
fn rows_reordered_are_located() {
    row_battery(5, AnomalyClass::RowsReordered, |_, rng, rows, _| {
        let i = rng.below(rows.len() as u64 - 1) as usize;
        let j = rng.range(i as i64 + 1, rows.len() as i64 - 1) as usize;
        let (a, b) = (rows[i].0.seq, rows[j].0.seq);
        rows.swap(i, j);
        (a, b)
    });
}

#[test]
fn segment_missing_is_located() {
    let mut rng = Rng::new(6, 1);
    for _ in 0..CASES {
        let case = fresh();
        let (_, segs, k) = pick_segment(&mut rng, &case.store, true);
        let record = read_record(&segs[k]).unwrap();
        std::fs::remove_file(&segs[k]).unwrap();
        assert_single(
            &verify(&case.store),
            AnomalyClass::SegmentMissing,
            &rel(&case.store, &segs[k + 1]),
            (record.first_seq, record.last_seq),
        );
    }
}

/// A junk file planted before a deleted segment hid the deletion: only the
/// junk was reported (`file_unreadable seq 642`), the lost events never
/// named. Now a skipped file explains a gap only if it starts where the gap
/// does, and then its anomaly names the whole range.
#[test]
fn a_junk_file_before_a_gap_hides_nothing() {
    let mut rng = Rng::new(24, 1);
    for n in 0..CASES {
        let case = fresh();
        let (_, segs, k) = pick_segment(&mut rng, &case.store, true);
        let record = read_record(&segs[k]).unwrap();
        std::fs::remove_file(&segs[k]).unwrap();
        let dir = segs[k].parent().unwrap();
        if n % 2 == 0 {
            // Junk named inside the previous segment's range.
            let junk = dir.join(worklog_ledger::store::segment_file_name(
                record.first_seq - 1,
            ));
            std::fs::write(&junk, b"").unwrap();
            let report = verify(&case.store);
            let found = anomalies(&report);
            assert_eq!(found.len(), 2, "{}", list(&found));
            let missing = found
                .iter()
                .find(|a| a.class == AnomalyClass::SegmentMissing)
                .unwrap_or_else(|| panic!("{}", list(&found)));
            assert_eq!(missing.seq, Some((record.first_seq, record.last_seq)));
            assert_eq!(
                missing.file.as_deref(),
                Some(rel(&case.store, &segs[k + 1]).as_str())
            );
            assert!(found.iter().any(|a| a.class == AnomalyClass::FileUnreadable
                && a.file.as_deref() == Some(rel(&case.store, &junk).as_str())));
        } else {
            // Junk in the deleted segment's place: one anomaly naming the
            // whole range.
            std::fs::write(&segs[k], b"junk").unwrap();
            assert_single(
                &verify(&case.store),
                AnomalyClass::FileUnreadable,
                &rel(&case.store, &segs[k]),
                (record.first_seq, record.last_seq),
            );
        }
    }
}

/// A forged record's numbers name nothing: renamed or not, such a file is
/// `segment_forged`, never also `segment_misnamed` from the seq it claims.
#[test]
fn a_forged_record_is_not_also_misnamed() {
    let mut rng = Rng::new(25, 1);
    for _ in 0..CASES {
        let case = fresh();
        let (_, segs, k) = pick_segment(&mut rng, &case.store, true);
        let (rows, mut kv) = read_segment(&segs[k]);
        let mut record = read_record(&segs[k]).unwrap();
        record.last_ts += 1; // not re-signed
        replace_record(&mut kv, &record);
        std::fs::remove_file(&segs[k]).unwrap();
        let renamed = segs[k].with_file_name(worklog_ledger::store::segment_file_name(
            record.first_seq + 1,
        ));
        write_segment(&renamed, &rows, kv);
        assert_single(
            &verify(&case.store),
            AnomalyClass::SegmentForged,
            &rel(&case.store, &renamed),
            (record.first_seq, record.last_seq),
        );
    }
}

#[test]
fn forged_segments_are_located() {
    let mut rng = Rng::new(7, 1);
    let attacker = SecretKey::from_seed(Role::Device, "attacker", [9u8; 32]);
    for n in 0..CASES {
        let case = fresh();
        let (device, segs, k) = pick_segment(&mut rng, &case.store, false);
        let (mut rows, mut kv) = read_segment(&segs[k]);
        let mut record = read_record(&segs[k]).unwrap();
        match n % 3 {
            // Content replaced and the record re-signed by a key the
            // device does not hold (claiming the device's key id).
            0 => {
                let i = rng.below(rows.len() as u64) as usize;
                rows[i].0.user_name = Some("intruder".into());
                rows[i].1 = event_leaf_hash(&rows[i].0).unwrap()[..16].to_vec();
                let key_id = record.key_id.clone();
                record.seal(&attacker);
                record.key_id = key_id;
                record.head = worklog_ledger::Sha256Digest(record.compute_head());
            }
            // A record field changed without re-signing.
            1 => record.last_ts += 1,
            // Another device's segment put in its place.
            _ => {
                let other = if device == "PC-0001" {
                    "PC-0002"
                } else {
                    "PC-0001"
                };
                let theirs = segments(&case.store, other);
                std::fs::copy(&theirs[k.min(theirs.len() - 1)], &segs[k]).unwrap();
                let record = read_record(&segs[k]).unwrap();
                assert_single(
                    &verify(&case.store),
                    AnomalyClass::SegmentForged,
                    &rel(&case.store, &segs[k]),
                    (record.first_seq, record.last_seq),
                );
                continue;
            }
        }
        replace_record(&mut kv, &record);
        write_segment(&segs[k], &rows, kv);
        assert_single(
            &verify(&case.store),
            AnomalyClass::SegmentForged,
            &rel(&case.store, &segs[k]),
            (record.first_seq, record.last_seq),
        );
    }
}

#[test]
fn duplicated_segment_is_located() {
    let mut rng = Rng::new(8, 1);
    for _ in 0..CASES {
        let case = fresh();
        let (_, segs, k) = pick_segment(&mut rng, &case.store, false);
        let record = read_record(&segs[k]).unwrap();
        let copy = segs[k].with_file_name(format!("seg-{:020}-copy.parquet", record.first_seq));
        std::fs::copy(&segs[k], &copy).unwrap();
        assert_single(
            &verify(&case.store),
            AnomalyClass::SegmentDuplicated,
            &rel(&case.store, &copy),
            (record.first_seq, record.last_seq),
        );
    }
}

/// Anchors every segment head of every device.
fn anchor_all(store: &Path, log_path: &Path) -> AnchorLog {
    let ring = keyring();
    let (mut log, problems) = AnchorLog::open(log_path).unwrap();
    assert!(problems.is_empty());
    for i in 1..=DEVICES {
        for seg in segments(store, &format!("PC-{i:04}")) {
            let record = read_record(&seg).unwrap();
            let seal = Seal::read_for(store, &record.device_id)
                .unwrap()
                .filter(|seal| seal.covers(&record));
            let claim = HeadClaim { record, seal };
            log.anchor(&claim, &ring, &authority_key(), 1_800_000_000_000_000)
                .unwrap();
        }
    }
    log
}

#[test]
fn tail_truncation_is_caught_by_anchors() {
    let mut rng = Rng::new(9, 1);
    for _ in 0..CASES {
        let case = fresh();
        let log = anchor_all(&case.store, &case.store.with_file_name("anchors.jsonl"));
        let device = device(&mut rng);
        let segs = segments(&case.store, &device);
        let cut = rng.range(1, 3) as usize;
        let last = read_record(segs.last().unwrap()).unwrap().last_seq;
        for seg in &segs[segs.len() - cut..] {
            std::fs::remove_file(seg).unwrap();
        }
        let kept_end = read_record(&segs[segs.len() - cut - 1]).unwrap().last_seq;
        let report = verify_with(&case.store, &keyring(), &log);
        assert_single(
            &report,
            AnomalyClass::TailTruncated,
            &rel(&case.store, &segs[segs.len() - cut - 1]),
            (kept_end + 1, last),
        );
    }
}

/// A TSA for the battery (`openssl ts`, its own CA), made once.
fn test_tsa() -> &'static (tempfile::TempDir, worklog_stamp::test_tsa::TestTsa) {
    static TSA: OnceLock<(tempfile::TempDir, worklog_stamp::test_tsa::TestTsa)> = OnceLock::new();
    TSA.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let tsa = worklog_stamp::test_tsa::TestTsa::create(
            dir.path(),
            "Battery Root",
            worklog_stamp::test_tsa::KeyKind::Rsa,
        )
        .unwrap();
        (dir, tsa)
    })
}

/// Stamps the anchor log at `path` as it is, as `anchor stamp` does.
fn stamp_log(path: &Path) {
    use worklog_ledger::stamps::{STAMP_FORMAT, StampLine, append_stamp, log_digest};
    let (bytes, entries, digest) = log_digest(path).unwrap();
    let request = worklog_stamp::Request::new(digest).unwrap();
    let answer = test_tsa().1.reply(request.der()).unwrap();
    let token = worklog_stamp::Token::from_response(&answer).unwrap();
    append_stamp(
        path,
        &StampLine {
            format: STAMP_FORMAT.into(),
            covers_bytes: bytes,
            covers_entries: entries,
            sha256: digest,
            tsa: "test".into(),
            token: hex::encode(token.der()),
        },
    )
    .unwrap();
}

/// The holder of the authority key rewrites the anchor log after it was
/// time-stamped — cuts a device's newest segments and anchors the store
/// anew, drops an entry, or backdates one, each a valid chain signed by
/// the authority: the anchors alone cannot tell, the stamp does.
#[test]
fn anchor_log_rewritten_by_the_key_holder_after_a_stamp_is_caught() {
    use worklog_ledger::stamps::{StampProblemKind, check_stamps};
    let trust = worklog_stamp::TrustAnchors::load(&test_tsa().1.ca_certificate()).unwrap();
    let mut rng = Rng::new(27, 3);
    for case_no in 0..CASES {
        let case = fresh();
        let log_path = case.store.with_file_name("anchors.jsonl");
        let log = anchor_all(&case.store, &log_path);
        let entries = log.entries().len() as u64;
        stamp_log(&log_path);
        let (log, _) = AnchorLog::open_existing(&log_path).unwrap();
        let intact = check_stamps(&log, &trust, None).unwrap();
        assert!(intact.problems.is_empty(), "{intact:?}");
        assert_eq!(intact.stamped[0].covers_entries, entries);

        let device = device(&mut rng);
        match case_no % 3 {
            0 => {
                // Cut the device's newest segment, anchor the rest anew.
                let segs = segments(&case.store, &device);
                std::fs::remove_file(segs.last().unwrap()).unwrap();
                std::fs::remove_file(&log_path).unwrap();
                anchor_all(&case.store, &log_path);
            }
            1 | 2 => {
                // Rebuild the log from its claims, one dropped or backdated.
                let drop = rng.range(0, entries as i64 - 1) as usize;
                std::fs::remove_file(&log_path).unwrap();
                let (mut rebuilt, _) = AnchorLog::open(&log_path).unwrap();
                let ring = keyring();
                let mut n = 0;
                for i in 1..=DEVICES {
                    for seg in segments(&case.store, &format!("PC-{i:04}")) {
                        let record = read_record(&seg).unwrap();
                        let seal = Seal::read_for(&case.store, &record.device_id)
                            .unwrap()
                            .filter(|seal| seal.covers(&record));
                        let at = if case_no % 3 == 2 && n == drop {
                            1_700_000_000_000_000
                        } else {
                            1_800_000_000_000_000
                        };
                        if !(case_no % 3 == 1 && n == drop) {
                            rebuilt
                                .anchor(&HeadClaim { record, seal }, &ring, &authority_key(), at)
                                .unwrap();
                        }
                        n += 1;
                    }
                }
            }
            _ => unreachable!(),
        }
        let (log, problems) = AnchorLog::open_existing(&log_path).unwrap();
        assert!(problems.is_empty());
        let (_, chain_problems) = log.check(&keyring());
        assert!(
            chain_problems.is_empty(),
            "a valid chain: {chain_problems:?}"
        );
        let checked = check_stamps(&log, &trust, None).unwrap();
        assert!(checked.stamped.is_empty(), "case {case_no}: {checked:?}");
        assert_eq!(checked.problems.len(), 1, "case {case_no}: {checked:?}");
        assert_eq!(checked.problems[0].kind, StampProblemKind::LogRewritten);
        assert!(checked.log_rewritten());
    }
}

/// Without anchors, the seal still names the newest segment: deleting it
/// (or the newest few) while the seal stays is a truncated tail, and a
/// device folder left with its seal and no segment is a whole chain gone.
/// Before: "every chain intact", exit 0.
#[test]
fn last_unanchored_segments_deleted_with_the_seal_kept_are_a_truncated_tail() {
    let mut rng = Rng::new(23, 1);
    for _ in 0..CASES {
        let case = fresh();
        let device = device(&mut rng);
        let segs = segments(&case.store, &device);
        let cut = rng.range(1, 3) as usize;
        let last = read_record(segs.last().unwrap()).unwrap().last_seq;
        for seg in &segs[segs.len() - cut..] {
            std::fs::remove_file(seg).unwrap();
        }
        let kept_end = read_record(&segs[segs.len() - cut - 1]).unwrap().last_seq;
        assert_single(
            &verify(&case.store),
            AnomalyClass::TailTruncated,
            &rel(&case.store, &segs[segs.len() - cut - 1]),
            (kept_end + 1, last),
        );
    }
    let case = fresh();
    let device = device(&mut rng);
    let segs = segments(&case.store, &device);
    let last = read_record(segs.last().unwrap()).unwrap().last_seq;
    for seg in &segs {
        std::fs::remove_file(seg).unwrap();
    }
    assert_single(
        &verify(&case.store),
        AnomalyClass::TailTruncated,
        &format!("device_id={device}/_seal.json"),
        (1, last),
    );
}

/// An anchored newest file made unreadable is reported once, as what it
/// is: not also as the chain's tail cut short. Before: `file_unreadable`
/// and `tail_truncated` over the same range.
#[test]
fn an_unreadable_newest_file_is_not_also_a_truncated_tail() {
    let mut rng = Rng::new(26, 1);
    for _ in 0..CASES {
        let case = fresh();
        let log = anchor_all(&case.store, &case.store.with_file_name("anchors.jsonl"));
        let device = device(&mut rng);
        let segs = segments(&case.store, &device);
        let newest = segs.last().unwrap();
        let record = read_record(newest).unwrap();
        let bytes = std::fs::read(newest).unwrap();
        std::fs::write(newest, &bytes[..bytes.len() / 3]).unwrap();
        assert_single(
            &verify_with(&case.store, &keyring(), &log),
            AnomalyClass::FileUnreadable,
            &rel(&case.store, newest),
            (record.first_seq, record.last_seq),
        );
    }
}

#[test]
fn chain_rewritten_by_the_key_holder_is_caught_by_anchors() {
    let mut rng = Rng::new(10, 1);
    let all = fleet_events();
    for _ in 0..CASES {
        let case = fresh();
        let log = anchor_all(&case.store, &case.store.with_file_name("anchors.jsonl"));
        let d = rng.below(DEVICES as u64) as usize;
        let device = format!("PC-{:04}", d + 1);
        // Rewrite the chain from a changed event on, re-signed with the
        // genuine device key: every signature holds.
        let mut events = all[d].clone();
        let at = rng.below(events.len() as u64) as usize;
        events[at].user_name = Some("rewritten".into());
        let changed_seq = at as u64 + 1;
        let segs = segments(&case.store, &device);
        let mut from_seq = None;
        for seg in &segs {
            let record = read_record(seg).unwrap();
            if record.last_seq >= changed_seq {
                from_seq.get_or_insert(record.first_seq);
                std::fs::remove_file(seg).unwrap();
            }
        }
        let from = from_seq.unwrap() as usize - 1;
        let mut writer = SegmentWriter::builder(&case.store, device_key(&device))
            .max_rows(SEGMENT_ROWS)
            .build()
            .unwrap();
        for event in &events[from..] {
            writer.append(event.clone()).unwrap();
        }
        writer.close().unwrap();
        let report = verify_with(&case.store, &keyring(), &log);
        let found = anomalies(&report);
        assert!(!found.is_empty());
        assert!(
            found
                .iter()
                .all(|a| a.class == AnomalyClass::ChainRewritten && a.device_id == device),
            "{}",
            list(&found)
        );
        let (lo, hi) = found[0].seq.unwrap();
        assert!(
            (lo..=hi).contains(&changed_seq),
            "first rewritten segment {lo}..={hi} should hold seq {changed_seq}"
        );
        // Every anchored segment from the changed one on is reported.
        let expected = segs.len()
            - segments(&case.store, &device)
                .iter()
                .filter(|s| read_record(s).unwrap().last_seq < changed_seq)
                .count();
        assert_eq!(found.len(), expected, "{}", list(&found));
    }
}

#[test]
fn unreadable_and_schema_invalid_files_are_reported_and_the_rest_verified() {
    let mut rng = Rng::new(11, 1);
    for n in 0..CASES {
        let case = fresh();
        let (_, segs, k) = pick_segment(&mut rng, &case.store, false);
        let record = read_record(&segs[k]).unwrap();
        if n % 2 == 0 {
            let bytes = std::fs::read(&segs[k]).unwrap();
            std::fs::write(&segs[k], &bytes[..bytes.len() / 2]).unwrap();
        } else {
            // A valid Parquet file that lost a column.
            let (rows, kv) = read_segment(&segs[k]);
            let events: Vec<_> = rows.iter().map(|(e, _)| e.clone()).collect();
            let batch = worklog_schema::events_to_batch(&events).unwrap();
            let batch = batch
                .project(&(0..batch.num_columns() - 1).collect::<Vec<_>>())
                .unwrap();
            let props = parquet::file::properties::WriterProperties::builder()
                .set_key_value_metadata(Some(kv))
                .build();
            let mut w = parquet::arrow::ArrowWriter::try_new(
                std::fs::File::create(&segs[k]).unwrap(),
                batch.schema(),
                Some(props),
            )
            .unwrap();
            w.write(&batch).unwrap();
            w.close().unwrap();
        }
        let report = verify(&case.store);
        let found = anomalies(&report);
        assert_eq!(found.len(), 1, "{}", list(&found));
        assert_eq!(
            (found[0].class, found[0].file.as_deref()),
            (
                AnomalyClass::FileUnreadable,
                Some(rel(&case.store, &segs[k]).as_str())
            )
        );
        let seq = found[0].seq.unwrap();
        assert_eq!(seq.0, record.first_seq);
        // Every other segment of the store still verified.
        let verified: u64 = report.devices.iter().map(|d| d.segments_verified).sum();
        assert_eq!(verified as usize, report.files as usize - 1);
    }
}

#[test]
fn time_going_backwards_is_located() {
    let mut rng = Rng::new(12, 1);
    let all = fleet_events();
    for _ in 0..CASES {
        let dir = tempfile::tempdir().unwrap();
        let d = rng.below(DEVICES as u64) as usize;
        let mut events = all[d].clone();
        let at = rng.range(1, events.len() as i64 - 1) as usize;
        // The PC's clock is set back an hour: signed, genuine, and flagged.
        events[at].ts = events[at - 1].ts.plus_secs(-3600);
        write_device(dir.path(), &events, SEGMENT_ROWS);
        let report = verify(dir.path());
        let found = anomalies(&report);
        assert_eq!(found.len(), 1, "{}", list(&found));
        assert_eq!(
            (found[0].class, found[0].seq),
            (
                AnomalyClass::TimeWentBackwards,
                Some((at as u64 + 1, at as u64 + 1))
            )
        );
        assert!(
            found[0]
                .file
                .as_deref()
                .unwrap()
                .starts_with(&format!("device_id={}/seg-", all[d][0].device_id))
        );
    }
}

#[test]
fn unknown_keys_are_reported() {
    let mut rng = Rng::new(13, 1);
    let other = SecretKey::from_seed(Role::Device, "rotated", [3u8; 32]);
    for _ in 0..CASES {
        let case = fresh();
        let (_, segs, k) = pick_segment(&mut rng, &case.store, false);
        let (rows, mut kv) = read_segment(&segs[k]);
        let mut record = read_record(&segs[k]).unwrap();
        record.seal(&other); // validly signed, by a key the keyring lacks
        replace_record(&mut kv, &record);
        write_segment(&segs[k], &rows, kv);
        assert_single(
            &verify(&case.store),
            AnomalyClass::UnknownKey,
            &rel(&case.store, &segs[k]),
            (record.first_seq, record.last_seq),
        );
    }
    // A device with no key at all: every segment is reported.
    let mut ring = Keyring::new();
    ring.add(device_key("PC-0001").public());
    let report = Verifier::new(&ring).verify(pristine()).unwrap();
    let pc2 = report
        .devices
        .iter()
        .find(|d| d.device_id == "PC-0002")
        .unwrap();
    assert_eq!(pc2.anomalies.len(), segments(pristine(), "PC-0002").len());
    assert!(
        pc2.anomalies
            .iter()
            .all(|a| a.class == AnomalyClass::UnknownKey)
    );
    assert!(report.devices[0].anomalies.is_empty());
}

#[test]
fn missing_beginning_without_checkpoint_is_flagged() {
    let mut rng = Rng::new(14, 1);
    for _ in 0..CASES {
        let case = fresh();
        let device = device(&mut rng);
        let segs = segments(&case.store, &device);
        let cut = rng.range(1, 3) as usize;
        let last_cut = read_record(&segs[cut - 1]).unwrap().last_seq;
        for seg in &segs[..cut] {
            std::fs::remove_file(seg).unwrap();
        }
        assert_single(
            &verify(&case.store),
            AnomalyClass::PruneWithoutCheckpoint,
            &rel(&case.store, &segs[cut]),
            (1, last_cut),
        );
    }
}

#[test]
fn classes_do_not_bleed_into_other_devices() {
    let case = fresh();
    let segs = segments(&case.store, "PC-0003");
    std::fs::remove_file(&segs[2]).unwrap();
    let report = verify(&case.store);
    for d in &report.devices {
        assert_eq!(
            d.anomalies.is_empty(),
            d.device_id != "PC-0003",
            "{}",
            d.device_id
        );
    }
    // And the output is deterministic across runs and thread counts.
    let again = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(|| verify(&case.store));
    assert_eq!(report, again);
}

#[test]
fn a_writer_continues_a_verified_chain_after_reopening() {
    let case = fresh();
    let all = fleet_events();
    let mut writer = SegmentWriter::builder(&case.store, device_key("PC-0001"))
        .build()
        .unwrap();
    assert_eq!(writer.next_seq(), all[0].len() as u64 + 1);
    let mut extra = all[0].last().unwrap().clone();
    extra.ts = extra.ts.plus_secs(60);
    writer.append(extra).unwrap();
    writer.close().unwrap();
    assert!(verify(&case.store).is_clean());
}

mod bytes;
