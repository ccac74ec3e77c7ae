//! Reading one partition's events into memory, compactly.
//!
//! Files are read a chunk at a time and each chunk is split by kind,
//! keeping for each kind only the columns with a value in it (most columns
//! belong to one kind). `events` is the union of the per-kind tables, each
//! widened back with typed null columns that polars computes only when a
//! query reads them: the same rows and values as one wide table, in less
//! memory.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use polars::prelude::*;
use rayon::prelude::*;
use worklog_rules::{Columns, EngineError, EventsSpec};

/// Files read at once: bounds the transient wide table.
const FILES_PER_CHUNK: usize = 64;

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
    let columns = selection(&spec.columns);
    let schema = events_frame(spec, &[])?
        .select(columns.clone())
        .collect_schema()?;
    let mut by_kind: BTreeMap<Option<String>, Vec<DataFrame>> = BTreeMap::new();
    let mut rows = 0u64;
    for chunk in spec.files.chunks(FILES_PER_CHUNK) {
        let mut wide = events_frame(spec, chunk)?
            .select(columns.clone())
            .collect()?;
        rows = rows.saturating_add(wide.height() as u64);
        // One chunk per column: gathering from it is much faster.
        wide.rechunk_mut_par();
        for (kind, part) in split_by_kind(&wide)? {
            by_kind.entry(kind).or_default().push(part);
        }
    }
    if by_kind.is_empty() {
        return Ok(Events {
            frame: events_frame(spec, &[])?.select(columns),
            rows,
        });
    }
    let mut tables = Vec::with_capacity(by_kind.len());
    for parts in by_kind.into_values() {
        // One table per kind, with the columns any of its parts kept.
        let used: BTreeSet<String> = parts
            .iter()
            .flat_map(|p| p.get_column_names_owned())
            .map(|n| n.to_string())
            .collect();
        let parts = parts
            .into_iter()
            .map(|p| widen(p, &schema, &|name| used.contains(name)).map(IntoLazy::lazy))
            .collect::<PolarsResult<Vec<_>>>()?;
        let table = concat(
            parts,
            UnionArgs {
                rechunk: true,
                ..Default::default()
            },
        )?
        .collect()?;
        tables.push(widen(table, &schema, &|_| true)?.lazy());
    }
    let frame = concat(
        tables,
        UnionArgs {
            rechunk: false,
            ..Default::default()
        },
    )?;
    Ok(Events { frame, rows })
}

/// `part` with the columns of `schema` that `wanted` names, in the
/// schema's order; a column it lacks is a constant NULL of the column's
/// type, which takes no memory per row (and keeps each query's plan to one
/// scan per kind).
fn widen(
    part: DataFrame,
    schema: &Schema,
    wanted: &dyn Fn(&str) -> bool,
) -> PolarsResult<DataFrame> {
    let height = part.height();
    let columns = schema
        .iter()
        .filter(|(name, _)| wanted(name.as_str()))
        .map(|(name, dtype)| match part.column(name) {
            Ok(c) => c.clone(),
            Err(_) => Column::full_null(name.clone(), height, dtype),
        })
        .collect();
    DataFrame::new(height, columns)
}

/// Splits a chunk by `kind`, each part keeping only the columns that have a
/// value in some row of that kind.
fn split_by_kind(wide: &DataFrame) -> PolarsResult<Vec<(Option<String>, DataFrame)>> {
    if wide.column("kind").is_err() {
        // Not read (a query of a few columns): nothing to split by.
        return Ok(vec![(None, wide.clone())]);
    }
    // Which columns have a value in some row of each kind: one
    // aggregation, so that only those columns are gathered.
    let names: Vec<PlSmallStr> = wide
        .get_column_names()
        .into_iter()
        .filter(|n| n.as_str() != "kind")
        .cloned()
        .collect();
    let mut counts = vec![len().alias("__rows")];
    counts.extend(
        names
            .iter()
            .map(|n| col(n.clone()).null_count().alias(n.clone())),
    );
    let nulls = wide
        .clone()
        .lazy()
        .group_by([col("kind")])
        .agg(counts)
        .collect()?;
    let count_of = |name: &str| -> PolarsResult<Vec<i64>> {
        let counts = nulls.column(name)?.cast(&DataType::Int64)?;
        Ok(counts.i64()?.iter().map(|v| v.unwrap_or(0)).collect())
    };
    let rows_of = count_of("__rows")?;
    let nulls_of = names
        .iter()
        .map(|name| count_of(name))
        .collect::<PolarsResult<Vec<_>>>()?;
    let kinds_col = nulls.column("kind")?.str()?.clone();
    let mut keep: BTreeMap<Option<String>, Vec<PlSmallStr>> = BTreeMap::new();
    for (g, total) in rows_of.iter().enumerate() {
        let mut kept = vec![PlSmallStr::from_static("kind")];
        for (name, nulls) in names.iter().zip(&nulls_of) {
            if nulls[g] < *total {
                kept.push(name.clone());
            }
        }
        keep.insert(kinds_col.get(g).map(str::to_owned), kept);
    }
    let mut rows: BTreeMap<Option<&str>, Vec<IdxSize>> = BTreeMap::new();
    for (i, kind) in wide.column("kind")?.str()?.iter().enumerate() {
        rows.entry(kind).or_default().push(i as IdxSize);
    }
    let mut out = Vec::with_capacity(rows.len());
    for (kind, idx) in rows {
        let idx = IdxCa::from_vec("row".into(), idx);
        let kind = kind.map(str::to_owned);
        let wanted = keep.get(&kind).cloned().unwrap_or_default();
        let kept: Vec<Column> = wanted
            .par_iter()
            .map(|name| wide.column(name)?.take(&idx))
            .collect::<PolarsResult<_>>()?;
        out.push((kind, DataFrame::new(idx.len(), kept)?));
    }
    Ok(out)
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
