//! A simulated fleet written to Parquet reads back with the same schema and
//! values.

use std::fs::File;

use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use worklog_schema::{
    SCHEMA_VERSION, SCHEMA_VERSION_KEY, batch_to_events, event_schema, events_to_batch,
};
use worklog_synth::{Fleet, FleetConfig};

#[test]
fn simulated_fleet_round_trips_through_parquet() {
    let fleet = Fleet::new(FleetConfig {
        devices: 8,
        days: 7,
        events_per_device_day: 200,
        ..FleetConfig::default()
    })
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut total = 0;
    for log in fleet.generate() {
        if log.events.is_empty() {
            continue;
        }
        let path = dir.path().join(format!("{}.parquet", log.device_id));
        let batch = events_to_batch(&log.events).unwrap();
        let mut writer =
            ArrowWriter::try_new(File::create(&path).unwrap(), event_schema(), None).unwrap();
        // Several row groups, so the reader stitches batches back together.
        for start in (0..batch.num_rows()).step_by(400) {
            let len = 400.min(batch.num_rows() - start);
            writer.write(&batch.slice(start, len)).unwrap();
            writer.flush().unwrap();
        }
        writer.close().unwrap();

        let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(&path).unwrap()).unwrap();
        let file_schema = reader.schema().clone();
        assert_eq!(file_schema.fields(), event_schema().fields());
        assert_eq!(
            file_schema.metadata().get(SCHEMA_VERSION_KEY),
            Some(&SCHEMA_VERSION.to_string())
        );
        let mut read = Vec::new();
        for batch in reader.build().unwrap() {
            read.extend(batch_to_events(&batch.unwrap()).unwrap());
        }
        assert_eq!(read, log.events, "{}", log.device_id);
        total += read.len();
    }
    assert!(total > 5_000, "only {total} events");
}

#[test]
fn a_batch_missing_a_column_is_refused_by_name() {
    let batch = events_to_batch(&[]).unwrap();
    let trimmed = batch.project(&[0, 1, 2]).unwrap();
    let err = batch_to_events(&trimmed).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "column `device_id` is missing from the record batch; was it written with schema version {SCHEMA_VERSION}?"
        )
    );
}
