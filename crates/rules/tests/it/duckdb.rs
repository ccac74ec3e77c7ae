//! The portable subset in DuckDB: every rule's SQL, as exported for other
//! engines (`Analyzer::export_sql`), gives in DuckDB the same result rows
//! (every column, every value) as in polars, over all fixtures side by side.
//!
//! DuckDB comes from Python (`pip install duckdb==2.0.1`, as
//! `benches/duckdb/setup.sh` does). Without it this test says so and passes,
//! unless `WORKLOG_REQUIRE_DUCKDB` is set, as CI sets it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType, UInt8Type, UInt16Type,
    UInt32Type, UInt64Type,
};
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, TimeUnit};
use worklog_polars::PolarsEngine;
use worklog_rules::{Analyzer, EventSource};

use crate::common::*;
use crate::partitions::isolated_fixtures;

fn duckdb_is_there() -> bool {
    let found = Command::new("python3")
        .args(["-c", "import duckdb"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found && std::env::var_os("WORKLOG_REQUIRE_DUCKDB").is_some() {
        panic!("DuckDB is required (WORKLOG_REQUIRE_DUCKDB) but `import duckdb` failed");
    }
    if !found {
        eprintln!("SKIPPED: no DuckDB for python3; set WORKLOG_REQUIRE_DUCKDB to fail");
    }
    found
}

/// One value as text, the same whatever Arrow type an engine chose for it
/// (integers of any width, timestamps of any unit as microseconds).
fn value(array: &dyn Array, row: usize) -> String {
    if array.is_null(row) {
        return "NULL".into();
    }
    let micros = |v: i64, unit: &TimeUnit| match unit {
        TimeUnit::Second => v * 1_000_000,
        TimeUnit::Millisecond => v * 1_000,
        TimeUnit::Microsecond => v,
        TimeUnit::Nanosecond => v.div_euclid(1_000),
    };
    match array.data_type() {
        DataType::Utf8 => array.as_string::<i32>().value(row).to_owned(),
        DataType::LargeUtf8 => array.as_string::<i64>().value(row).to_owned(),
        DataType::Utf8View => array.as_string_view().value(row).to_owned(),
        DataType::Boolean => array.as_boolean().value(row).to_string(),
        DataType::Int8 => array.as_primitive::<Int8Type>().value(row).to_string(),
        DataType::Int16 => array.as_primitive::<Int16Type>().value(row).to_string(),
        DataType::Int32 => array.as_primitive::<Int32Type>().value(row).to_string(),
        DataType::Int64 => array.as_primitive::<Int64Type>().value(row).to_string(),
        DataType::UInt8 => array.as_primitive::<UInt8Type>().value(row).to_string(),
        DataType::UInt16 => array.as_primitive::<UInt16Type>().value(row).to_string(),
        DataType::UInt32 => array.as_primitive::<UInt32Type>().value(row).to_string(),
        DataType::UInt64 => array.as_primitive::<UInt64Type>().value(row).to_string(),
        DataType::Float64 => array.as_primitive::<Float64Type>().value(row).to_string(),
        DataType::Date32 => format!("date {}", array.as_primitive::<Date32Type>().value(row)),
        DataType::Timestamp(unit, None) => {
            let v = match unit {
                TimeUnit::Second => array.as_primitive::<TimestampSecondType>().value(row),
                TimeUnit::Millisecond => {
                    array.as_primitive::<TimestampMillisecondType>().value(row)
                }
                TimeUnit::Microsecond => {
                    array.as_primitive::<TimestampMicrosecondType>().value(row)
                }
                TimeUnit::Nanosecond => array.as_primitive::<TimestampNanosecondType>().value(row),
            };
            format!("ts {}", micros(v, unit))
        }
        other => panic!("a result column of type {other}: add it to the comparison"),
    }
}

/// The column names and the rows (as text, sorted: row order is no part of
/// a rule's result).
fn rows(batches: &[RecordBatch]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut names = Vec::new();
    let mut out = Vec::new();
    for batch in batches {
        names = batch
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        for row in 0..batch.num_rows() {
            out.push(
                batch
                    .columns()
                    .iter()
                    .map(|c| value(c.as_ref(), row))
                    .collect(),
            );
        }
    }
    out.sort();
    (names, out)
}

fn read_parquet(path: &Path) -> Vec<RecordBatch> {
    let file = std::fs::File::open(path).unwrap();
    parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn every_rule_gives_the_same_rows_in_duckdb_as_in_polars() {
    if !duckdb_is_there() {
        return;
    }
    let pack = default_pack();
    let policy = load_policy(&fixture_dir().join("policy"));
    let tmp = tempfile::tempdir().unwrap();
    let (files, policy, _) = isolated_fixtures(&pack, &policy, tmp.path());
    let period = october();
    let engine = PolarsEngine::new();
    let analyzer = Analyzer::builder(&pack, &policy, &engine)
        .period(period.clone())
        .build()
        .unwrap();
    let rendered = analyzer.rendered_sql();
    assert_eq!(rendered.len(), pack.rules.len(), "every rule renders");
    let session = analyzer
        .load_whole_period(&EventSource::Files(files.clone()))
        .unwrap();
    let queries: Vec<&str> = rendered.iter().map(|(_, sql)| sql.as_str()).collect();
    let polars: BTreeMap<&str, _> = rendered
        .iter()
        .map(|(id, _)| id.as_str())
        .zip(session.run(&queries))
        .map(|(id, result)| (id, rows(&result.unwrap().batches)))
        .collect();

    let sql_dir = tmp.path().join("sql");
    let out_dir = tmp.path().join("duckdb");
    std::fs::create_dir_all(&out_dir).unwrap();
    analyzer.export_sql(&sql_dir).unwrap();
    let script: PathBuf =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/duckdb/run_rules.py");
    let run = Command::new("python3")
        .arg(&script)
        .arg(&sql_dir)
        .arg(&out_dir)
        .arg(period.start_utc_us.to_string())
        .arg(period.end_utc_us.to_string())
        .args(&files)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );

    let mut found = 0;
    for (rule, (names, want)) in &polars {
        let error = out_dir.join(format!("{rule}.error"));
        assert!(
            !error.exists(),
            "{rule} fails in DuckDB: {}",
            std::fs::read_to_string(&error).unwrap_or_default()
        );
        let (duck_names, got) = rows(&read_parquet(&out_dir.join(format!("{rule}.parquet"))));
        if !got.is_empty() {
            assert_eq!(&duck_names, names, "{rule}: columns differ");
        }
        assert_eq!(&got, want, "{rule}: rows differ between DuckDB and polars");
        found += usize::from(!want.is_empty());
    }
    // Worth something only if the rules return rows.
    assert_eq!(
        found,
        pack.rules.len(),
        "every rule has rows in its fixture"
    );
}
