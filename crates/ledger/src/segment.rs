//! Encoding and decoding one segment file.

use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, OnceLock};

use arrow_array::{FixedSizeBinaryArray, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::schema::types::ColumnPath;
use sha2::{Digest, Sha256};
use worklog_schema::{Event, SCHEMA_VERSION, event_schema, events_to_batch};

use crate::canonical::RowEncoder;
use crate::error::{Error, Result};
use crate::merkle::{self, Hash};
use crate::record::{SEGMENT_KEY, SegmentRecord};

/// Name of the per-row digest column (first [`DIGEST_LEN`] bytes of the
/// row's leaf hash): locates a modified row.
pub const DIGEST_COLUMN: &str = "row_digest";

/// Bytes of the leaf hash kept per row.
pub const DIGEST_LEN: usize = 16;

/// The schema of a segment file: the event columns and [`DIGEST_COLUMN`].
pub fn segment_schema() -> SchemaRef {
    static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            let events = event_schema();
            let mut fields: Vec<Field> =
                events.fields().iter().map(|f| f.as_ref().clone()).collect();
            fields.push(Field::new(
                DIGEST_COLUMN,
                DataType::FixedSizeBinary(DIGEST_LEN as i32),
                false,
            ));
            Arc::new(Schema::new_with_metadata(fields, events.metadata().clone()))
        })
        .clone()
}

/// A segment ready to be written: the batch with digests and the Merkle root.
pub(crate) struct EncodedSegment {
    pub batch: RecordBatch,
    pub root: Hash,
}

/// Encodes events into a segment batch: the event columns, their digests
/// and the Merkle root over their canonical bytes.
pub(crate) fn encode(events: &[Event]) -> Result<EncodedSegment> {
    let batch = events_to_batch(events)?;
    let encoder = RowEncoder::new(&batch).map_err(|e| Error::NotFound(e.0))?;
    let mut leaves = Vec::with_capacity(events.len());
    encoder.leaf_hashes(&mut leaves);
    let digests = FixedSizeBinaryArray::try_from_iter(leaves.iter().map(|l| &l[..DIGEST_LEN]))
        .map_err(worklog_schema::Error::from)?;
    let mut columns = batch.columns().to_vec();
    columns.push(Arc::new(digests));
    let batch =
        RecordBatch::try_new(segment_schema(), columns).map_err(worklog_schema::Error::from)?;
    Ok(EncodedSegment {
        batch,
        root: merkle::root(&leaves),
    })
}

/// Passes bytes through to a file while hashing them.
struct HashingWriter {
    file: File,
    hasher: Sha256,
}

impl Write for HashingWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

/// Streams a file through SHA-256: its digest and length.
pub fn file_digest(path: &Path) -> Result<(Hash, u64)> {
    let mut file = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut len = 0u64;
    loop {
        let n = file.read(&mut buf).map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        len = len.saturating_add(n as u64);
    }
    Ok((hasher.finalize().into(), len))
}

/// Writes a segment file (no fsync: the caller owns durability); returns
/// the open file and the SHA-256 of the bytes written.
pub(crate) fn write_file(
    path: &Path,
    batch: &RecordBatch,
    record: &SegmentRecord,
) -> Result<(File, Hash)> {
    let pq = |e| Error::Parquet {
        path: path.to_owned(),
        source: e,
    };
    let json = serde_json::to_string(record).map_err(|e| Error::format(path, e.to_string()))?;
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(1).map_err(pq)?))
        .set_max_row_group_row_count(Some(64 * 1024))
        // High-cardinality text: a dictionary saves little after zstd and
        // costs a gather on every read.
        .set_column_dictionary_enabled(ColumnPath::from("url"), false)
        .set_column_dictionary_enabled(ColumnPath::from("window_title"), false)
        .set_column_dictionary_enabled(ColumnPath::from("file_path"), false)
        .set_column_dictionary_enabled(ColumnPath::from("target_path"), false)
        .set_column_dictionary_enabled(ColumnPath::from(DIGEST_COLUMN), false)
        .set_key_value_metadata(Some(vec![
            KeyValue::new(SEGMENT_KEY.to_owned(), json),
            KeyValue::new(
                worklog_schema::SCHEMA_VERSION_KEY.to_owned(),
                SCHEMA_VERSION.to_string(),
            ),
        ]))
        .build();
    let file = File::create(path).map_err(|e| Error::io(path, e))?;
    let sink = HashingWriter {
        file,
        hasher: Sha256::new(),
    };
    let mut writer = ArrowWriter::try_new(sink, segment_schema(), Some(props)).map_err(pq)?;
    writer.write(batch).map_err(pq)?;
    let mut sink = writer.into_inner().map_err(pq)?;
    sink.flush().map_err(|e| Error::io(path, e))?;
    Ok((sink.file, sink.hasher.finalize().into()))
}

/// Reads only the segment record from a file's footer.
pub fn read_record(path: &Path) -> Result<SegmentRecord> {
    read_footer(path).map(|(record, _)| record)
}

/// Reads a file's footer: its segment record and the number of rows the
/// file actually holds (the Parquet metadata's count, not the record's
/// claim).
pub(crate) fn read_footer(path: &Path) -> Result<(SegmentRecord, u64)> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let reader = SerializedFileReader::new(file).map_err(|e| Error::Parquet {
        path: path.to_owned(),
        source: e,
    })?;
    let meta = reader.metadata().file_metadata();
    let rows = u64::try_from(meta.num_rows()).unwrap_or(0);
    let record = record_from_metadata(path, meta.key_value_metadata())?;
    Ok((record, rows))
}

/// The segment record in a file's key-value metadata.
pub(crate) fn record_from_metadata(
    path: &Path,
    kv: Option<&Vec<KeyValue>>,
) -> Result<SegmentRecord> {
    let mut entries = kv.into_iter().flatten().filter(|k| k.key == SEGMENT_KEY);
    let json = entries
        .next()
        .and_then(|k| k.value.as_deref())
        .ok_or_else(|| {
            Error::format(
                path,
                format!("no `{SEGMENT_KEY}` record in the Parquet metadata"),
            )
        })?;
    // One record per file: a second would leave which one counts to the
    // reader (§9).
    if entries.next().is_some() {
        return Err(Error::format(
            path,
            format!(
                "`{SEGMENT_KEY}` is in the Parquet metadata twice: which record counts is undefined"
            ),
        ));
    }
    let record: SegmentRecord = serde_json::from_str(json).map_err(|e| {
        // A record of another format version says so, rather than which
        // field it lacks.
        let format = serde_json::from_str::<serde_json::Value>(json)
            .ok()
            .and_then(|v| v.get("format").and_then(|f| f.as_str()).map(str::to_owned))
            .filter(|f| f != crate::record::FORMAT);
        match format {
            Some(other) => Error::format(
                path,
                format!(
                    "segment record of format {other:?}: this version reads {} only",
                    crate::record::FORMAT
                ),
            ),
            None => Error::format(path, format!("segment record is not valid: {e}")),
        }
    })?;
    // A signed record of another format or of a schema this version does
    // not know is not read as if it were this one (§9).
    if record.format != crate::record::FORMAT {
        return Err(Error::format(
            path,
            format!(
                "segment record of format {:?}: this version reads {} only",
                record.format,
                crate::record::FORMAT
            ),
        ));
    }
    // Rows are hashed under the schema version (§2): a record of another
    // version could not have the rows it claims.
    if record.schema_version != worklog_schema::SCHEMA_VERSION {
        return Err(Error::format(
            path,
            format!(
                "segment record of event schema version {}: this version reads version {} only",
                record.schema_version,
                worklog_schema::SCHEMA_VERSION
            ),
        ));
    }
    Ok(record)
}
