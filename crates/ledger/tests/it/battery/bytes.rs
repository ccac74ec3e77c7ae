//! Byte-level tampering: changes to a segment file that leave its rows and
//! record readable and intact. The format's file digests (the next record's
//! `prev_file_digest`, the seal, anchors) catch them; row decoding alone
//! cannot.

use super::*;

/// Bits flipped at random offsets of random files.
const FLIPS: usize = 40;

#[test]
fn re_encoding_a_file_with_the_same_rows_and_record_is_file_altered() {
    let mut rng = Rng::new(21, 1);
    for _ in 0..CASES {
        let case = fresh();
        // Any segment: the last one of its device is covered by the seal.
        let (_, segs, k) = pick_segment(&mut rng, &case.store, false);
        let (rows, kv) = read_segment(&segs[k]);
        let record = read_record(&segs[k]).unwrap();
        // Same rows, same record, other Parquet settings.
        write_segment(&segs[k], &rows, kv);
        assert_single(
            &verify(&case.store),
            AnomalyClass::FileAltered,
            &rel(&case.store, &segs[k]),
            (record.first_seq, record.last_seq),
        );
    }
}

/// Every codec Parquet allows is read: a segment re-encoded with gzip,
/// brotli or LZ4 is judged by its rows and bytes (`file_altered`: the
/// rows hold, the bytes are not the committed ones), never
/// `file_unreadable` for a codec compiled out. Before: gzip was
/// "Disabled feature at compile time: flate2".
#[test]
fn a_segment_in_any_parquet_codec_is_read() {
    use parquet::basic::{BrotliLevel, Compression, GzipLevel};
    let mut rng = Rng::new(27, 1);
    for codec in [
        Compression::GZIP(GzipLevel::default()),
        Compression::BROTLI(BrotliLevel::default()),
        Compression::LZ4_RAW,
        Compression::LZ4,
    ] {
        let case = fresh();
        let (_, segs, k) = pick_segment(&mut rng, &case.store, true);
        let (rows, kv) = read_segment(&segs[k]);
        let record = read_record(&segs[k]).unwrap();
        write_segment_with(&segs[k], &rows, kv, codec);
        assert_single(
            &verify(&case.store),
            AnomalyClass::FileAltered,
            &rel(&case.store, &segs[k]),
            (record.first_seq, record.last_seq),
        );
    }
}

#[test]
fn every_single_bit_flip_in_a_file_is_reported_at_that_file() {
    let mut rng = Rng::new(22, 1);
    for _ in 0..FLIPS {
        let case = fresh();
        let (_, segs, k) = pick_segment(&mut rng, &case.store, false);
        let path = &segs[k];
        let mut bytes = std::fs::read(path).unwrap();
        // Half the flips land in the footer (metadata, schema, record),
        // where a tolerant reader may not notice them.
        let len = bytes.len() as u64;
        let offset = if rng.below(2) == 0 {
            rng.below(len)
        } else {
            len - 1 - rng.below(len.min(4096))
        } as usize;
        bytes[offset] ^= 1 << rng.below(8);
        std::fs::write(path, &bytes).unwrap();
        let report = verify(&case.store);
        let file = rel(&case.store, path);
        let found = anomalies(&report);
        assert!(
            found
                .iter()
                .any(|a| a.file.as_deref() == Some(file.as_str())),
            "bit flip at byte {offset} of {file} ({len} bytes) not reported there:\n{}",
            list(&found)
        );
    }
}

#[test]
fn an_anchor_binds_the_file_bytes_even_when_the_key_holder_reseals() {
    // The key holder rewrites the last segment's rows, keeps its record
    // (the anchored head still matches) and signs a new seal over the new
    // bytes: the anchor's file digest still differs, so the rows are
    // checked and the change is found.
    let mut rng = Rng::new(23, 1);
    for _ in 0..CASES / 2 {
        let case = fresh();
        let log_path = case.store.with_file_name("anchors.jsonl");
        let log = anchor_all(&case.store, &log_path);
        let device = device(&mut rng);
        let segs = segments(&case.store, &device);
        let last = segs.last().unwrap();
        let (mut rows, kv) = read_segment(last);
        let record = read_record(last).unwrap();
        let i = rng.below(rows.len() as u64) as usize;
        rows[i].0.user_name = Some("someone-else".into());
        // The row digest is rewritten too: only the root can tell.
        rows[i].1 = event_leaf_hash(&rows[i].0).unwrap()[..16].to_vec();
        write_segment(last, &rows, kv);
        let digest = worklog_ledger::file_digest(last).unwrap().0;
        let key = device_key(&device);
        Seal::new(&record, &digest, &key)
            .write_for(&case.store)
            .unwrap();
        let report = verify_with(&case.store, &keyring(), &log);
        assert_single(
            &report,
            AnomalyClass::RowModified,
            &rel(&case.store, last),
            (record.first_seq, record.last_seq),
        );
    }
}

#[test]
fn a_lost_seal_costs_a_row_level_check_not_an_anomaly() {
    // A crash between writing a seal and renaming its segment leaves a
    // seal that covers no segment: the last file then has no commitment,
    // and a writer reopening there must not vouch for its bytes.
    let case = fresh();
    let device = "PC-0001";
    let seal_path = worklog_ledger::store::device_dir(&case.store, device)
        .join(worklog_ledger::store::SEAL_FILE);
    std::fs::remove_file(&seal_path).unwrap();
    let before = segments(&case.store, device);
    let unsealed = rel(&case.store, before.last().unwrap());
    let report = verify(&case.store);
    assert!(report.is_clean(), "{}", list(&anomalies(&report)));
    let depth_of = |report: &VerifyReport, file: &str| {
        report
            .verified_files
            .iter()
            .find(|f| f.file == file)
            .map(|f| f.depth)
    };
    assert_eq!(depth_of(&report, &unsealed), Some(Depth::Rows));

    let mut writer = SegmentWriter::builder(&case.store, device_key(device))
        .build()
        .unwrap();
    let mut extra = fleet_events()[0].last().unwrap().clone();
    extra.ts = extra.ts.plus_secs(60);
    writer.append(extra).unwrap();
    let record = writer.close().unwrap().unwrap();
    assert_eq!(record.prev_file_digest, None);
    let report = verify(&case.store);
    assert!(report.is_clean(), "{}", list(&anomalies(&report)));
    // Still checked row by row; the new last file is sealed again.
    assert_eq!(depth_of(&report, &unsealed), Some(Depth::Rows));
    let newest = rel(&case.store, segments(&case.store, device).last().unwrap());
    assert_eq!(depth_of(&report, &newest), Some(Depth::Bytes));
    assert_eq!(report.files_at(Depth::Rows), 1);
}

#[test]
fn a_record_vouched_for_by_its_signed_successor_is_authentic_in_both_modes() {
    // The rule of docs/ledger-format.md §5: a file whose bytes the next
    // signed record commits to needs no signature of its own. Only the key
    // holder can make the two differ (a record with a broken signature in
    // a file its successor signs for); fast path and --deep must agree on
    // it, and nothing else in the store may change.
    let case = fresh();
    let device = "PC-0003";
    let key = device_key(device);
    let segs = segments(&case.store, device);
    let (k, last) = (segs.len() - 2, segs.len() - 1);
    // Segment k: same rows, its signature broken (different bytes).
    let (rows, mut kv) = read_segment(&segs[k]);
    let mut record = read_record(&segs[k]).unwrap();
    record.signature = worklog_ledger::SignatureBytes([0; 64]);
    replace_record(&mut kv, &record);
    write_segment(&segs[k], &rows, kv);
    let digest = worklog_ledger::file_digest(&segs[k]).unwrap().0;
    // The key holder re-signs the last record over the new bytes, and
    // seals the rewritten last file.
    let (rows, mut kv) = read_segment(&segs[last]);
    let mut next = read_record(&segs[last]).unwrap();
    next.prev_file_digest = Some(worklog_ledger::Sha256Digest(digest));
    next.seal(&key);
    replace_record(&mut kv, &next);
    write_segment(&segs[last], &rows, kv);
    let last_digest = worklog_ledger::file_digest(&segs[last]).unwrap().0;
    Seal::new(&next, &last_digest, &key)
        .write_for(&case.store)
        .unwrap();

    let fast = verify(&case.store);
    let deep = Verifier::new(&keyring())
        .deep(true)
        .verify(&case.store)
        .unwrap();
    assert!(fast.is_clean(), "{}", list(&anomalies(&fast)));
    assert_eq!(fast.devices, deep.devices);
    // Without the successor's commitment the broken signature is found.
    let mut kv_next = read_segment(&segs[last]).1;
    next.prev_file_digest = None;
    next.seal(&key);
    replace_record(&mut kv_next, &next);
    write_segment(&segs[last], &read_segment(&segs[last]).0, kv_next);
    let report = verify(&case.store);
    assert!(
        anomalies(&report)
            .iter()
            .any(|a| a.class == AnomalyClass::SegmentForged
                && a.file.as_deref() == Some(rel(&case.store, &segs[k]).as_str())),
        "{}",
        list(&anomalies(&report))
    );
}
