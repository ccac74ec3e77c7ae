//! Reading one partition's events into memory.
//!
//! The partition's files are read in one go (polars decodes them in
//! parallel), only the columns the pack reads, cut to the period and the
//! partition's devices, and kept as read: one table, in the chunks the
//! files gave. Measured on the year benchmark (partitions of about 500,000
//! events), this is faster and smaller at its peak than splitting the rows
//! by kind into compact per-kind tables (6.6–8.6 s against 7.9–10.1 s for
//! 10^7 events, 770–820 MB against 850–910 MB): the split copied every
//! value once more, and every query over several kinds concatenated the
//! kinds' tables again. Gathering the chunks into one (a rechunk) was no
//! faster and took 40 % more memory.

use std::path::PathBuf;

use polars::prelude::*;
use worklog_rules::{Columns, EngineError, EventsSpec};

/// The partition's events held in memory, and how many there are.
pub(crate) struct Events {
    /// `events` as the rules see it.
    pub frame: LazyFrame,
    /// Its rows.
    pub rows: u64,
}

/// Reads the events `spec` describes.
pub(crate) fn load_events(spec: &EventsSpec) -> Result<Events, EngineError> {
    read(spec).map_err(|e| EngineError::with_source(e.to_string(), e))
}

fn read(spec: &EventsSpec) -> PolarsResult<Events> {
    let frame = events_frame(spec, &spec.files)?
        .select(selection(&spec.columns))
        .collect()?;
    let rows = frame.height() as u64;
    Ok(Events {
        frame: frame.lazy(),
        rows,
    })
}

/// The columns to select.
fn selection(columns: &Columns) -> Vec<Expr> {
    match columns {
        Columns::Named(names) => names.iter().map(|n| col(n.as_str())).collect(),
        _ => vec![all().as_expr()],
    }
}

/// `events` over `files`: cut to the period and the devices, plus
/// `local_ts`.
fn events_frame(spec: &EventsSpec, files: &[PathBuf]) -> PolarsResult<LazyFrame> {
    let base = if files.is_empty() {
        empty_events()?.lazy()
    } else {
        let paths = files
            .iter()
            .map(|p| PlRefPath::try_from_path(p))
            .collect::<PolarsResult<Vec<_>>>()?;
        let args = ScanArgsParquet {
            hive_options: HiveOptions {
                enabled: Some(false),
                ..Default::default()
            },
            ..Default::default()
        };
        LazyFrame::scan_parquet_files(paths.into_iter().collect(), args)?
    };
    let ts_type = DataType::Datetime(TimeUnit::Microseconds, None);
    let at = |us: i64| lit(us).cast(ts_type.clone());
    let mut keep = col("ts")
        .gt_eq(at(spec.start_utc_us))
        .and(col("ts").lt(at(spec.end_utc_us)));
    if let Some(devices) = &spec.devices {
        let ids: Vec<&str> = devices.iter().map(String::as_str).collect();
        let ids = Series::new("devices".into(), ids);
        keep = keep.and(col("device_id").is_in(lit(ids).implode(false), false));
    }
    Ok(base.filter(keep).with_column(
        (col("ts")
            + (col("utc_offset_min").cast(DataType::Int64) * lit(60_000_000i64))
                .cast(DataType::Duration(TimeUnit::Microseconds)))
        .alias("local_ts"),
    ))
}

/// An empty frame with the event schema (for checking rules and for a
/// partition with no files).
pub(crate) fn empty_events() -> PolarsResult<DataFrame> {
    let schema = worklog_schema::event_schema();
    let mut columns = Vec::with_capacity(schema.fields().len());
    for field in schema.fields() {
        use arrow_schema::DataType as A;
        let dtype = match field.data_type() {
            A::Utf8 | A::LargeUtf8 => DataType::String,
            A::UInt64 => DataType::UInt64,
            A::Int64 => DataType::Int64,
            A::Int32 => DataType::Int32,
            A::Boolean => DataType::Boolean,
            A::Date32 => DataType::Date,
            A::Timestamp(_, _) => DataType::Datetime(TimeUnit::Microseconds, None),
            _ => DataType::Binary,
        };
        columns.push(Column::new_empty(field.name().as_str().into(), &dtype));
    }
    DataFrame::new(0, columns)
}
