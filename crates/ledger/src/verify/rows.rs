//! The row-level check: every row of a segment decoded, hashed and
//! checked against the signed Merkle root, and, where they do not match,
//! the change located to the row.

use std::collections::BTreeMap;
use std::fs::File;

use arrow_array::cast::AsArray;
use arrow_array::types::{TimestampMicrosecondType, UInt64Type};
use arrow_array::{Array, RecordBatch};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::file::reader::ChunkReader;
use rayon::prelude::*;
use worklog_schema::Timestamp;

use super::contained;
use super::report::{AnomalyClass, Depth};
use super::scan::{SegmentCheck, hash_file};
use crate::canonical::{RowEncoder, Scratch};
use crate::merkle::{self, Hash};
use crate::record::SegmentRecord;
use crate::segment::{DIGEST_COLUMN, DIGEST_LEN, segment_schema};

/// Checks every row of a file whose record is not forged: the rows must
/// rebuild the signed root in a dense `seq` run and agree with the
/// record; otherwise what changed is located.
pub(super) fn check_rows(check: &mut SegmentCheck) {
    let Some(record) = check.record.clone().filter(|_| !check.forged) else {
        return;
    };
    // Read as pass 1 read it: from memory when small enough (as segments
    // are), for a damaged page header can make the reader seek and read in
    // a loop, which costs a system call per step on a file.
    let rows = contained(|| {
        let (digest, _, bytes) = hash_file(&check.path)?;
        // The rows decoded must be those of the bytes hashed in pass 1.
        if Some(digest) != check.digest {
            return Err("the file changed while it was being verified: verify again".into());
        }
        match bytes {
            Some(bytes) => decode(bytes),
            None => decode(
                File::open(&check.path).map_err(|e| format!("not a readable Parquet file: {e}"))?,
            ),
        }
    });
    let rows = match rows {
        Ok(rows) => rows,
        Err(e) => {
            check.trusted = false;
            check.report(AnomalyClass::FileUnreadable, e);
            return;
        }
    };
    check.depth = Depth::Rows;
    check.rows = rows.seqs.len() as u64;
    check.canonical_bytes = rows.canonical_bytes;
    let root = merkle::root(&rows.leaves);
    let expected_root = Some(record.merkle_root.0);
    let in_order = rows.seqs.len() as u64 == record.row_count
        && rows
            .seqs
            .iter()
            .enumerate()
            .all(|(i, s)| record.first_seq.checked_add(i as u64) == Some(*s))
        && record.first_seq.checked_add(record.row_count) == record.last_seq.checked_add(1);
    if Some(root) != expected_root || !in_order {
        for (class, lo, hi, ts, detail) in diagnose_rows(&record, &rows, expected_root) {
            let a = check.anomaly(class, Some((lo, hi)), ts.map(Timestamp), detail);
            check.anomalies.push(a);
        }
        // Rows are damaged, but the record's range and link still hold:
        // the chain continues through it.
        return;
    }
    // The rows are the signed ones: the record must agree with them. Only
    // the key holder (or a faulty writer) can sign a record that does not.
    if let Some(detail) = disagreement(&record, &rows) {
        check.report(
            AnomalyClass::SegmentForged,
            format!("the signed record disagrees with its signed rows: {detail}"),
        );
    }
    let mut newest = rows.ts.first().copied().unwrap_or_default();
    for i in 1..rows.ts.len() {
        if rows.ts[i] < rows.ts[i - 1] {
            let mut a = check.anomaly(
                AnomalyClass::TimeWentBackwards,
                Some((rows.seqs[i], rows.seqs[i])),
                Some(Timestamp(rows.ts[i])),
                format!(
                    "event time {} is before the previous event's {}",
                    Timestamp(rows.ts[i]),
                    Timestamp(rows.ts[i - 1])
                ),
            );
            // The chain walk widens it to the chain's newest time before
            // this segment.
            a.window = Some((Timestamp(rows.ts[i]), Timestamp(newest)));
            check.anomalies.push(a);
        }
        newest = newest.max(rows.ts[i]);
    }
}

/// Decodes every row of a segment file.
fn decode<T: ChunkReader + 'static>(source: T) -> Result<Rows, String> {
    let builder = ParquetRecordBatchReaderBuilder::try_new(source)
        .map_err(|e| format!("not a readable Parquet file: {e}"))?;
    match unsigned_column(&builder) {
        Some(column) => Err(format!(
            "schema-invalid: column {column:?} is not in the segment schema (unsigned data beside the evidence)"
        )),
        None => read_rows(builder),
    }
}

/// What a record says about its rows that the rows (proven by the root)
/// contradict: first and last time, clock regressions, device.
fn disagreement(record: &SegmentRecord, rows: &Rows) -> Option<String> {
    let (first, last) = (rows.ts.first()?, rows.ts.last()?);
    if *first != record.first_ts || *last != record.last_ts {
        return Some(format!(
            "first_ts/last_ts {}/{} but the rows run from {} to {}",
            Timestamp(record.first_ts),
            Timestamp(record.last_ts),
            Timestamp(*first),
            Timestamp(*last)
        ));
    }
    let (lowest, highest) = rows
        .ts
        .iter()
        .fold((i64::MAX, i64::MIN), |(lo, hi), t| (lo.min(*t), hi.max(*t)));
    if lowest != record.min_ts || highest != record.max_ts {
        return Some(format!(
            "min_ts/max_ts {}/{} but the rows' times lie from {} to {}",
            Timestamp(record.min_ts),
            Timestamp(record.max_ts),
            Timestamp(lowest),
            Timestamp(highest)
        ));
    }
    let regressions = rows.ts.windows(2).filter(|w| w[1] < w[0]).count() as u64;
    if regressions != record.ts_regressions {
        return Some(format!(
            "ts_regressions {} but the rows go back in time {regressions} time(s)",
            record.ts_regressions
        ));
    }
    if let Some(other) = rows
        .first_device
        .as_ref()
        .filter(|first| **first != record.device_id)
        .or(rows.other_device.as_ref())
    {
        return Some(format!(
            "a row of device {other:?} in a segment of device {:?}",
            record.device_id
        ));
    }
    None
}

struct Rows {
    seqs: Vec<u64>,
    ts: Vec<i64>,
    leaves: Vec<Hash>,
    digests: Vec<[u8; DIGEST_LEN]>,
    canonical_bytes: u64,
    /// The first `device_id` seen that is not the first row's.
    other_device: Option<String>,
    first_device: Option<String>,
}

/// A column of the file that the segment schema does not have: the rows'
/// digests and the Merkle root cover only the schema's columns, so such a
/// column would sit unsigned beside the evidence for any reader of the
/// files.
fn unsigned_column<T: ChunkReader + 'static>(
    builder: &ParquetRecordBatchReaderBuilder<T>,
) -> Option<String> {
    let expected = segment_schema();
    builder
        .schema()
        .fields()
        .iter()
        .find(|f| expected.field_with_name(f.name()).is_err())
        .map(|f| f.name().clone())
}

fn read_rows<T: ChunkReader + 'static>(
    builder: ParquetRecordBatchReaderBuilder<T>,
) -> std::result::Result<Rows, String> {
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
        other_device: None,
        first_device: None,
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
    let device = batch
        .column_by_name("device_id")
        .and_then(|c| c.as_string_opt::<i32>())
        .ok_or("schema-invalid: no `device_id` column")?;
    if seq.null_count() > 0 || ts.null_count() > 0 || digest.null_count() > 0 {
        return Err("schema-invalid: null in `seq`, `ts` or `row_digest`".into());
    }
    for id in device.iter().flatten() {
        let first = rows.first_device.get_or_insert_with(|| id.to_owned());
        if id != first && rows.other_device.is_none() {
            rows.other_device = Some(id.to_owned());
        }
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
    let (kept_at, mut found) = inserted_rows(record, rows);
    let deleted = deleted_rows(record, &kept_at);
    let is_deleted = !deleted.is_empty();
    found.extend(deleted);
    found.extend(reordered_rows(rows, &kept_at));
    let modified = modified_rows(rows, &kept_at);
    let is_modified = !modified.is_empty();
    found.extend(modified);
    // Without deletions, the kept rows in seq order must rebuild the
    // signed root; if they do not, something changed that the digests
    // cannot place.
    if !is_deleted && !is_modified {
        let leaves: Vec<Hash> = kept_at
            .values()
            .filter_map(|&i| rows.leaves.get(i).copied())
            .collect();
        if Some(merkle::root(&leaves)) != expected_root {
            found.push((AnomalyClass::RowModified, record.first_seq, record.last_seq, Some(record.first_ts), "rows do not match the signed Merkle root and their digests were rewritten too: the changed row cannot be located".into()));
        }
    }
    found
}

/// Whether row `i`'s content still matches its digest.
fn digest_ok(rows: &Rows, i: usize) -> bool {
    rows.leaves
        .get(i)
        .zip(rows.digests.get(i))
        .is_some_and(|(leaf, digest)| leaf[..DIGEST_LEN] == digest[..])
}

/// Inserted rows: a seq outside the range, or a second row for a seq (the
/// one whose digest holds is kept). The row kept for each seq, and the
/// findings.
fn inserted_rows(record: &SegmentRecord, rows: &Rows) -> (BTreeMap<u64, usize>, Vec<RowFinding>) {
    let (first, last) = (record.first_seq, record.last_seq);
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
            Some(j) if !digest_ok(rows, j) && digest_ok(rows, i) => {
                inserted.push(j);
                kept_at.insert(seq, i);
            }
            Some(_) => inserted.push(i),
        }
    }
    inserted.sort_unstable();
    let found = inserted
        .iter()
        .map(|&i| {
            let seq = rows.seqs[i];
            (
                AnomalyClass::RowInserted,
                seq,
                seq,
                rows.ts.get(i).copied(),
                format!("row {i} (seq {seq}) was not in the signed segment"),
            )
        })
        .collect();
    (kept_at, found)
}

/// Deleted: seqs of the range with no row. Found between the rows present,
/// not seq by seq: the range comes from the file and may claim up to 2^64
/// seqs.
fn deleted_rows(record: &SegmentRecord, kept_at: &BTreeMap<u64, usize>) -> Vec<RowFinding> {
    let (first, last) = (record.first_seq, record.last_seq);
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
    gaps.into_iter()
        .map(|(start, end)| {
            let missing = (end - start)
                .checked_add(1)
                .map_or_else(|| "2^64".to_owned(), |n| n.to_string());
            (
                AnomalyClass::RowDeleted,
                start,
                end,
                None,
                format!("{missing} signed row(s) missing"),
            )
        })
        .collect()
}

/// Reordered: the kept rows, in file order, are not ascending.
fn reordered_rows(rows: &Rows, kept_at: &BTreeMap<u64, usize>) -> Option<RowFinding> {
    let mut kept: Vec<usize> = kept_at.values().copied().collect();
    kept.sort_unstable();
    let file_order: Vec<u64> = kept.iter().map(|&i| rows.seqs[i]).collect();
    let mut sorted = file_order.clone();
    sorted.sort_unstable();
    let lo = (0..file_order.len()).find(|&p| file_order[p] != sorted[p])?;
    let hi = (0..file_order.len()).rfind(|&p| file_order[p] != sorted[p])?;
    Some((
        AnomalyClass::RowsReordered,
        sorted[lo],
        sorted[hi],
        rows.ts.get(kept[lo]).copied(),
        format!(
            "rows for seq {}..={} are not in signed order",
            sorted[lo], sorted[hi]
        ),
    ))
}

/// Modified: content no longer matches the row's digest.
fn modified_rows(rows: &Rows, kept_at: &BTreeMap<u64, usize>) -> Vec<RowFinding> {
    kept_at
        .iter()
        .filter(|&(_, &i)| !digest_ok(rows, i))
        .map(|(&seq, &i)| {
            (
                AnomalyClass::RowModified,
                seq,
                seq,
                rows.ts.get(i).copied(),
                format!("row {i} (seq {seq}) differs from its signed content"),
            )
        })
        .collect()
}
