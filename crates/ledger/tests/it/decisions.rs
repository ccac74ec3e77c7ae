//! ledger-format.md §9 "Decisions": each choice an independent verifier
//! must share, shown on a crafted store.

use std::path::{Path, PathBuf};

use parquet::file::metadata::KeyValue;
use worklog_ledger::{Anomaly, AnomalyClass, Verifier, VerifyReport, read_record, store};

use crate::common::*;

fn built() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    build_store(&store);
    (dir, store)
}

fn verify(store: &Path) -> VerifyReport {
    Verifier::new(&keyring()).verify(store).unwrap()
}

fn all(report: &VerifyReport) -> Vec<&Anomaly> {
    report.anomalies().collect()
}

fn rel(store: &Path, path: &Path) -> String {
    path.strip_prefix(store).unwrap().display().to_string()
}

/// The last segment of PC-0002 with its record re-signed after `edit`.
fn resign_last(store: &Path, edit: impl FnOnce(&mut worklog_ledger::SegmentRecord)) -> PathBuf {
    let last = segments(store, "PC-0002").pop().unwrap();
    let (rows, mut kv) = read_segment(&last);
    let mut record = read_record(&last).unwrap();
    edit(&mut record);
    record.seal(&device_key("PC-0002"));
    replace_record(&mut kv, &record);
    write_segment(&last, &rows, kv);
    last
}

/// The last segment of PC-0002 with its footer JSON replaced by `edit`'s.
fn edit_footer(store: &Path, edit: impl FnOnce(String) -> Vec<KeyValue>) -> PathBuf {
    let last = segments(store, "PC-0002").pop().unwrap();
    let (rows, kv) = read_segment(&last);
    let json = kv
        .iter()
        .find(|k| k.key == worklog_ledger::SEGMENT_KEY)
        .and_then(|k| k.value.clone())
        .unwrap();
    let mut others: Vec<KeyValue> = kv
        .into_iter()
        .filter(|k| k.key != worklog_ledger::SEGMENT_KEY)
        .collect();
    others.extend(edit(json));
    write_segment(&last, &rows, others);
    last
}

/// A change to a footer's JSON, giving the footer's new entries.
type FooterEdit = Box<dyn Fn(String) -> Vec<KeyValue>>;
/// A change to a store.
type StoreEdit = Box<dyn Fn(&Path)>;

fn footer(json: String) -> KeyValue {
    KeyValue {
        key: worklog_ledger::SEGMENT_KEY.to_owned(),
        value: Some(json),
    }
}

fn one(report: &VerifyReport) -> &Anomaly {
    let found = all(report);
    assert_eq!(found.len(), 1, "{found:#?}");
    found[0]
}

/// §9: a record is read only if it is this format's, of the event schema
/// whose rows this format hashes — a key holder's signature does not make
/// another format's record readable as this one.
#[test]
fn a_signed_record_of_another_format_or_schema_is_not_read_as_this_one() {
    for (edit, says) in [
        (
            Box::new(|r: &mut worklog_ledger::SegmentRecord| r.format = "worklog-ledger/9".into())
                as Box<dyn Fn(&mut worklog_ledger::SegmentRecord)>,
            "segment record of format \"worklog-ledger/9\"",
        ),
        (
            Box::new(|r: &mut worklog_ledger::SegmentRecord| r.schema_version = 9),
            "event schema version 9",
        ),
        (
            Box::new(|r: &mut worklog_ledger::SegmentRecord| r.schema_version = 2),
            "event schema version 2",
        ),
    ] {
        let (_d, store) = built();
        let path = resign_last(&store, edit);
        let report = verify(&store);
        let a = one(&report);
        assert_eq!(a.class, AnomalyClass::FileUnreadable);
        assert_eq!(a.file.as_deref(), Some(rel(&store, &path).as_str()));
        assert!(a.detail.contains(says), "{}", a.detail);
        // The seal names the range the file held.
        assert_eq!(a.seq, Some((288, 305)));
    }
}

/// §4/§5: the record's JSON is typed strictly: integers only and in range,
/// no key twice, and one record per file.
#[test]
fn record_json_is_typed_strictly() {
    let cases: Vec<(&str, FooterEdit)> = vec![
        (
            "floating point",
            Box::new(|j: String| {
                vec![footer(j.replacen(
                    "\"first_seq\":288",
                    "\"first_seq\":288.0",
                    1,
                ))]
            }),
        ),
        (
            "floating point `1.8446744073709552e+19`",
            Box::new(|j: String| {
                vec![footer(j.replacen(
                    "\"first_seq\":288",
                    "\"first_seq\":18446744073709551616",
                    1,
                ))]
            }),
        ),
        (
            "duplicate field `segment_no`",
            Box::new(|j: String| vec![footer(j.replacen('{', "{\"segment_no\":0,", 1))]),
        ),
        (
            "in the Parquet metadata twice",
            Box::new(|j: String| vec![footer(j.clone()), footer(j)]),
        ),
    ];
    for (says, edit) in cases {
        let (_d, store) = built();
        let path = edit_footer(&store, edit);
        let report = verify(&store);
        let a = one(&report);
        assert_eq!(
            (a.class, a.file.as_deref()),
            (
                AnomalyClass::FileUnreadable,
                Some(rel(&store, &path).as_str())
            ),
            "{says}"
        );
        assert!(a.detail.contains(says), "{says}: {}", a.detail);
    }
}

/// §9 Hex: digests and signatures are lower-case hex, as the format
/// writes them; a record or seal with an upper-case one is not of this
/// format (it does not read), whatever its signature.
#[test]
fn hex_is_read_only_in_lower_case() {
    let (_d, store) = built();
    let path = edit_footer(&store, |j| {
        let v: serde_json::Value = serde_json::from_str(&j).unwrap();
        let h = v["head"].as_str().unwrap().to_owned();
        vec![footer(j.replace(&h, &h.to_uppercase()))]
    });
    let report = verify(&store);
    let a = one(&report);
    assert_eq!(
        (a.class, a.file.as_deref()),
        (
            AnomalyClass::FileUnreadable,
            Some(rel(&store, &path).as_str())
        )
    );
    assert!(a.detail.contains("lower-case hex"), "{}", a.detail);

    let (_d, store) = built();
    let seal = store::device_dir(&store, "PC-0002").join("_seal.json");
    let text = std::fs::read_to_string(&seal).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let d = v["file_digest"].as_str().unwrap().to_owned();
    std::fs::write(&seal, text.replace(&d, &d.to_uppercase())).unwrap();
    let report = verify(&store);
    let a = one(&report);
    assert_eq!(
        (a.class, a.file.as_deref()),
        (
            AnomalyClass::FileUnreadable,
            Some("device_id=PC-0002/_seal.json")
        )
    );
    assert!(a.detail.contains("lower-case hex"), "{}", a.detail);
}

/// §5: a seal that is there but unreadable, another device's, or not
/// signed by the device's key is reported at the seal and commits to
/// nothing (the writer replaces its seal atomically).
#[test]
fn a_seal_that_is_not_the_devices_is_reported_at_the_seal() {
    let seal_of = |s: &Path| store::device_dir(s, "PC-0002").join("_seal.json");
    let cases: Vec<(AnomalyClass, &str, StoreEdit)> = vec![
        (
            AnomalyClass::FileUnreadable,
            "cannot be read",
            Box::new(move |s: &Path| std::fs::write(seal_of(s), "{not json").unwrap()),
        ),
        (
            AnomalyClass::SegmentForged,
            "device \"PC-0003\"'s",
            Box::new(move |s: &Path| {
                std::fs::copy(
                    store::device_dir(s, "PC-0003").join("_seal.json"),
                    seal_of(s),
                )
                .unwrap();
            }),
        ),
        (
            AnomalyClass::SegmentForged,
            "not signed by the device's key",
            Box::new(move |s: &Path| {
                let last = segments(s, "PC-0002").pop().unwrap();
                let record = read_record(&last).unwrap();
                let (digest, _) = worklog_ledger::file_digest(&last).unwrap();
                let stranger = worklog_ledger::SecretKey::from_seed(
                    worklog_ledger::Role::Device,
                    "PC-0002",
                    [99u8; 32],
                );
                let seal = worklog_ledger::Seal::new(&record, &digest, &stranger);
                std::fs::write(seal_of(s), serde_json::to_string(&seal).unwrap()).unwrap();
            }),
        ),
    ];
    for (class, says, make) in cases {
        let (_d, store) = built();
        make(&store);
        let report = verify(&store);
        let a = one(&report);
        assert_eq!(
            (a.class, a.file.as_deref(), a.seq),
            (class, Some("device_id=PC-0002/_seal.json"), None),
            "{says}"
        );
        assert!(a.detail.contains(says), "{}", a.detail);
    }
}

/// §9: every `seg-*.parquet` entry of a partition is a segment file,
/// whatever follows `seg-`; a symbolic link is followed (its target's
/// bytes are judged, here another device's segment).
#[test]
fn which_files_are_segments() {
    let (_d, store) = built();
    let first = segments(&store, "PC-0002")[0].clone();
    let odd = store::device_dir(&store, "PC-0002").join("seg-first.parquet");
    std::fs::copy(&first, &odd).unwrap();
    let report = verify(&store);
    let a = one(&report);
    assert_eq!(
        (a.class, a.file.as_deref()),
        (
            AnomalyClass::SegmentDuplicated,
            Some(rel(&store, &odd).as_str())
        )
    );

    let (_d, store) = built();
    let last = segments(&store, "PC-0002").pop().unwrap();
    let next = last.with_file_name(store::segment_file_name(
        read_record(&last).unwrap().last_seq + 1,
    ));
    std::os::unix::fs::symlink(segments(&store, "PC-0003")[0].clone(), &next).unwrap();
    let report = verify(&store);
    let a = one(&report);
    assert_eq!(
        (a.class, a.file.as_deref()),
        (
            AnomalyClass::SegmentForged,
            Some(rel(&store, &next).as_str())
        )
    );
    assert!(
        a.detail.contains("segment of device \"PC-0003\""),
        "{}",
        a.detail
    );
}

/// §6: a key file that does not read is named by the path it was found
/// at and its line; the other keys load.
#[test]
fn a_key_file_that_does_not_read_is_named_by_its_path_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    device_key("PC-0001")
        .public()
        .write(&tmp.path().join("PC-0001.pub"))
        .unwrap();
    let broken = tmp.path().join("broken.pub");
    std::fs::write(&broken, "garbage").unwrap();
    let ring = worklog_ledger::Keyring::load_dir(tmp.path()).unwrap();
    assert!(ring.device("PC-0001").is_some());
    assert_eq!(ring.problems.len(), 1);
    assert_eq!(ring.problems[0].0, broken);
    assert!(
        ring.problems[0].1.contains("broken.pub line 1"),
        "{:?}",
        ring.problems
    );
}

/// §6/§7: an anchor signed by an authority the keyring does not trust
/// breaks the anchor log at its line (`anchor_log_broken`, not
/// `unknown_key`): it and every entry after it are not trusted.
#[test]
fn an_anchor_by_an_untrusted_authority_breaks_the_log_at_its_line() {
    let (_d, store) = built();
    let log_path = store.with_file_name("anchors.jsonl");
    let (mut log, _) = worklog_ledger::AnchorLog::open(&log_path).unwrap();
    let stranger = worklog_ledger::SecretKey::from_seed(
        worklog_ledger::Role::Authority,
        "other-hq",
        [77u8; 32],
    );
    let mut ring = keyring();
    ring.add(stranger.public());
    for seg in segments(&store, "PC-0001") {
        let record = read_record(&seg).unwrap();
        let seal = worklog_ledger::Seal::read_for(&store, &record.device_id)
            .unwrap()
            .filter(|s| s.covers(&record));
        log.anchor(
            &worklog_ledger::HeadClaim { record, seal },
            &ring,
            &stranger,
            1_800_000_000_000_000,
        )
        .unwrap();
    }
    let report = Verifier::new(&keyring())
        .anchors(&log, "anchors.jsonl")
        .verify(&store)
        .unwrap();
    let a = one(&report);
    assert_eq!(
        (a.class, a.file.as_deref()),
        (AnomalyClass::AnchorLogBroken, Some("anchors.jsonl:1"))
    );
    assert!(
        a.detail.contains("not by a trusted authority key"),
        "{}",
        a.detail
    );
}

/// §9: a record under a key the keyring does not hold vouches for nothing:
/// not for its own rows, nor for the bytes of the file before it (which
/// is then checked row by row; a change to its bytes alone is not proven).
#[test]
fn a_record_under_an_unknown_key_vouches_for_nothing() {
    let (_d, store) = built();
    let segs = segments(&store, "PC-0002");
    let (prev, last) = (&segs[segs.len() - 2], &segs[segs.len() - 1]);
    let (rows, mut kv) = read_segment(prev);
    kv.push(KeyValue {
        key: "x".into(),
        value: Some("y".into()),
    });
    write_segment(prev, &rows, kv);
    let (rows, mut kv) = read_segment(last);
    let mut record = read_record(last).unwrap();
    let stranger =
        worklog_ledger::SecretKey::from_seed(worklog_ledger::Role::Device, "PC-0002", [55u8; 32]);
    record.seal(&stranger);
    replace_record(&mut kv, &record);
    write_segment(last, &rows, kv);
    let report = verify(&store);
    let a = one(&report);
    assert_eq!(
        (a.class, a.file.as_deref(), a.seq),
        (
            AnomalyClass::UnknownKey,
            Some(rel(&store, last).as_str()),
            Some((record.first_seq, record.last_seq))
        )
    );
    let before = report
        .verified_files
        .iter()
        .find(|f| f.file == rel(&store, prev))
        .unwrap();
    assert_eq!(
        before.depth,
        worklog_ledger::Depth::Rows,
        "checked row by row"
    );
}

/// §3/§9: a signed record whose range, count and rows disagree. A count
/// that contradicts the range is no writer's record (`segment_forged`);
/// a range (and count) past the rows is rows missing; three rows under one seq are two
/// inserted and the seqs they displaced missing; a null `seq` is
/// schema-invalid.
#[test]
fn a_signed_record_whose_range_count_and_rows_disagree() {
    for case in 0..3 {
        let (_d, store) = built();
        let last = segments(&store, "PC-0002").pop().unwrap();
        let (mut rows, mut kv) = read_segment(&last);
        let mut record = read_record(&last).unwrap();
        match case {
            0 => record.row_count += 5,
            1 => {
                record.last_seq += 5;
                record.row_count += 5;
            }
            _ => {
                let first = rows[0].0.seq;
                rows[1].0.seq = first;
                rows[2].0.seq = first;
                let mut leaves = Vec::new();
                for (event, digest) in rows.iter_mut() {
                    let leaf = worklog_ledger::event_leaf_hash(event).unwrap();
                    *digest = leaf[..16].to_vec();
                    leaves.push(leaf);
                }
                record.merkle_root =
                    worklog_ledger::Sha256Digest(worklog_ledger::merkle::root(&leaves));
            }
        }
        record.seal(&device_key("PC-0002"));
        replace_record(&mut kv, &record);
        write_segment(&last, &rows, kv);
        let report = verify(&store);
        let found: Vec<(AnomalyClass, Option<(u64, u64)>)> =
            all(&report).iter().map(|a| (a.class, a.seq)).collect();
        let first = record.first_seq;
        let want = match case {
            0 => vec![(AnomalyClass::SegmentForged, Some((first, record.last_seq)))],
            1 => vec![(
                AnomalyClass::RowDeleted,
                Some((record.last_seq - 4, record.last_seq)),
            )],
            _ => vec![
                (AnomalyClass::RowInserted, Some((first, first))),
                (AnomalyClass::RowInserted, Some((first, first))),
                (AnomalyClass::RowDeleted, Some((first + 1, first + 2))),
            ],
        };
        assert_eq!(found, want, "case {case}: {:#?}", all(&report));
    }
}

/// §6, RFC 8032 §5.1.3: a public key whose y is p or more does not decode
/// (ed25519-dalek would reduce it: one key, two encodings, two key ids).
#[test]
fn a_non_canonical_public_key_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let good = tmp.path().join("PC-0001.pub");
    device_key("PC-0001").public().write(&good).unwrap();
    let text = std::fs::read_to_string(&good).unwrap();
    let hex_now = text
        .lines()
        .find_map(|l| {
            l.strip_prefix("public = ")
                .map(|v| v.trim().trim_matches('"').to_owned())
        })
        .unwrap();
    // y = 3 + p, a point of large order that ed25519-dalek decodes.
    let mut bytes = [0xffu8; 32];
    bytes[0] = 0xed + 3;
    bytes[31] = 0x7f;
    assert!(ed25519_dalek::VerifyingKey::from_bytes(&bytes).is_ok());
    std::fs::write(&good, text.replace(&hex_now, &hex::encode(bytes))).unwrap();
    let err = worklog_ledger::PublicKey::read(&good)
        .unwrap_err()
        .to_string();
    assert!(err.contains("not a canonical Ed25519 encoding"), "{err}");
}

/// §9: a middle file that does not read stays out of the chain; the next
/// authentic segment goes on from the last one before it, and the gap is
/// reported once, as that file's range.
#[test]
fn the_walk_goes_past_a_file_that_does_not_read() {
    let (_d, store) = built();
    let segs = segments(&store, "PC-0002");
    let middle = &segs[segs.len() / 2];
    let record = read_record(middle).unwrap();
    std::fs::write(middle, b"not a parquet file").unwrap();
    let report = verify(&store);
    let a = one(&report);
    assert_eq!(
        (a.class, a.file.as_deref(), a.seq),
        (
            AnomalyClass::FileUnreadable,
            Some(rel(&store, middle).as_str()),
            Some((record.first_seq, record.last_seq))
        )
    );
}
