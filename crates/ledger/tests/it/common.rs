//! Fixtures: a small signed store built from the simulator, and helpers to
//! tamper with segment files the way an attacker would.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{FixedSizeBinaryArray, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use worklog_ledger::{
    DIGEST_COLUMN, DIGEST_LEN, Durability, Keyring, Role, SecretKey, SegmentWriter, segment_schema,
    store,
};
use worklog_schema::{Event, batch_to_events, events_to_batch};
use worklog_synth::{Fleet, FleetConfig};

pub const DEVICES: usize = 6;

/// Rows per segment in the fixture store: about eight segments a device.
pub const SEGMENT_ROWS: usize = 41;

/// A deterministic device key.
pub fn device_key(device_id: &str) -> SecretKey {
    let mut seed = [7u8; 32];
    for (i, b) in device_id.bytes().enumerate() {
        seed[i % 32] ^= b;
    }
    SecretKey::from_seed(Role::Device, device_id, seed)
}

pub fn authority_key() -> SecretKey {
    SecretKey::from_seed(Role::Authority, "head-office", [42u8; 32])
}

pub fn keyring() -> Keyring {
    let mut ring = Keyring::new();
    for i in 1..=DEVICES {
        ring.add(device_key(&format!("PC-{i:04}")).public());
    }
    ring.add(authority_key().public());
    ring
}

/// Events of a small simulated fleet (every device has events).
pub fn fleet_events() -> Vec<Vec<Event>> {
    let fleet = Fleet::new(FleetConfig {
        devices: DEVICES,
        days: 7,
        events_per_device_day: 60,
        inject_violations: false,
        ..FleetConfig::default()
    })
    .unwrap();
    fleet.generate().into_iter().map(|l| l.events).collect()
}

/// Writes `events` for one device through the real writer.
pub fn write_device(store: &Path, events: &[Event], max_rows: usize) {
    let device_id = &events[0].device_id;
    let mut writer = SegmentWriter::builder(store, device_key(device_id))
        .max_rows(max_rows)
        .durability(Durability::Process)
        .build()
        .unwrap();
    for event in events {
        writer.append(event.clone()).unwrap();
    }
    writer.close().unwrap();
}

/// A store of several devices with several segments each.
pub fn build_store(store: &Path) {
    for events in fleet_events() {
        write_device(store, &events, SEGMENT_ROWS);
    }
}

pub fn segments(store: &Path, device_id: &str) -> Vec<PathBuf> {
    store::list_segments(&store::device_dir(store, device_id)).unwrap()
}

/// A segment's rows as (event, stored digest), and its key-value metadata.
pub fn read_segment(path: &Path) -> (Vec<(Event, Vec<u8>)>, Vec<KeyValue>) {
    let builder = ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap()).unwrap();
    let kv: Vec<KeyValue> = builder
        .metadata()
        .file_metadata()
        .key_value_metadata()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|k| k.key != "ARROW:schema")
        .collect();
    let mut rows = Vec::new();
    for batch in builder.build().unwrap() {
        let batch = batch.unwrap();
        let events = batch_to_events(&batch).unwrap();
        let digests = batch.column_by_name(DIGEST_COLUMN).unwrap();
        let digests = digests
            .as_any()
            .downcast_ref::<FixedSizeBinaryArray>()
            .unwrap();
        for (i, event) in events.into_iter().enumerate() {
            rows.push((event, digests.value(i).to_vec()));
        }
    }
    (rows, kv)
}

/// Rewrites a segment file with these rows and metadata, as an attacker
/// without the key would (the signed record is carried over unchanged).
pub fn write_segment(path: &Path, rows: &[(Event, Vec<u8>)], kv: Vec<KeyValue>) {
    write_segment_columns(path, rows, kv, None, None);
}

/// [`write_segment`] with the columns compressed by `codec`.
pub fn write_segment_with(
    path: &Path,
    rows: &[(Event, Vec<u8>)],
    kv: Vec<KeyValue>,
    codec: parquet::basic::Compression,
) {
    write_segment_columns(path, rows, kv, None, Some(codec));
}

/// [`write_segment`] with one more (text) column than the segment schema.
pub fn write_segment_with_extra_column(
    path: &Path,
    rows: &[(Event, Vec<u8>)],
    kv: Vec<KeyValue>,
    column: &str,
) {
    write_segment_columns(path, rows, kv, Some(column), None);
}

fn write_segment_columns(
    path: &Path,
    rows: &[(Event, Vec<u8>)],
    kv: Vec<KeyValue>,
    extra: Option<&str>,
    codec: Option<parquet::basic::Compression>,
) {
    let events: Vec<Event> = rows.iter().map(|(e, _)| e.clone()).collect();
    let batch = events_to_batch(&events).unwrap();
    // Sized explicitly, so that a segment with no rows can be written too.
    let digests = FixedSizeBinaryArray::try_from_sparse_iter_with_size(
        rows.iter().map(|(_, d)| Some(d.as_slice())),
        DIGEST_LEN as i32,
    )
    .unwrap();
    let mut columns = batch.columns().to_vec();
    columns.push(Arc::new(digests));
    let base = segment_schema();
    let mut fields: Vec<Field> = base.fields().iter().map(|f| f.as_ref().clone()).collect();
    if let Some(name) = extra {
        fields.push(Field::new(name, DataType::Utf8, true));
        columns.push(Arc::new(StringArray::from(vec![Some("HQ"); rows.len()])));
    }
    let schema = Arc::new(Schema::new_with_metadata(fields, base.metadata().clone()));
    let batch = RecordBatch::try_new(schema.clone(), columns).unwrap();
    let mut props = WriterProperties::builder().set_key_value_metadata(Some(kv));
    if let Some(codec) = codec {
        props = props.set_compression(codec);
    }
    let mut writer =
        ArrowWriter::try_new(File::create(path).unwrap(), schema, Some(props.build())).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
}

/// Puts `record` in place of the segment record in `kv` (what an attacker
/// does after re-sealing or editing it).
pub fn replace_record(kv: &mut [KeyValue], record: &worklog_ledger::SegmentRecord) {
    for entry in kv
        .iter_mut()
        .filter(|e| e.key == worklog_ledger::SEGMENT_KEY)
    {
        entry.value = Some(serde_json::to_string(record).unwrap());
    }
}

/// Copies a folder tree.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
