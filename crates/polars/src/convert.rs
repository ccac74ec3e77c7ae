//! Tables across the seam: Arrow record batches (arrow-rs, what the
//! analysis speaks) to polars frames and back, column by column.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Float64Type, Int32Type, Int64Type, TimestampMicrosecondType, UInt64Type,
};
use arrow_array::{
    Array, ArrayRef, BooleanArray, Date32Array, DurationMicrosecondArray, Float64Array, Int64Array,
    NullArray, RecordBatch, StringArray, TimestampMicrosecondArray, UInt64Array,
};
use arrow_schema::{DataType as ArrowType, Field, Schema, TimeUnit as ArrowUnit};
use polars::prelude::*;
use worklog_rules::{EngineError, QueryResult};

/// A reference table as a polars frame. Types the tables use: text,
/// booleans, dates, timestamps (µs, no zone) and 64-bit numbers.
pub(crate) fn frame_of(batch: &RecordBatch) -> Result<DataFrame, EngineError> {
    let mut columns = Vec::with_capacity(batch.num_columns());
    for (field, array) in batch.schema().fields().iter().zip(batch.columns()) {
        let name: PlSmallStr = field.name().as_str().into();
        let column = match array.data_type() {
            ArrowType::Utf8 => {
                Column::new(name, array.as_string::<i32>().iter().collect::<Vec<_>>())
            }
            ArrowType::Boolean => Column::new(name, array.as_boolean().iter().collect::<Vec<_>>()),
            ArrowType::Int32 => Column::new(
                name,
                array.as_primitive::<Int32Type>().iter().collect::<Vec<_>>(),
            ),
            ArrowType::Int64 => Column::new(
                name,
                array.as_primitive::<Int64Type>().iter().collect::<Vec<_>>(),
            ),
            ArrowType::UInt64 => Column::new(
                name,
                array
                    .as_primitive::<UInt64Type>()
                    .iter()
                    .collect::<Vec<_>>(),
            ),
            ArrowType::Float64 => Column::new(
                name,
                array
                    .as_primitive::<Float64Type>()
                    .iter()
                    .collect::<Vec<_>>(),
            ),
            ArrowType::Date32 => Column::new(
                name,
                array
                    .as_primitive::<Date32Type>()
                    .iter()
                    .collect::<Vec<_>>(),
            )
            .cast(&DataType::Date)
            .map_err(|e| polars_error("a date column", e))?,
            ArrowType::Timestamp(ArrowUnit::Microsecond, None) => Column::new(
                name,
                array
                    .as_primitive::<TimestampMicrosecondType>()
                    .iter()
                    .collect::<Vec<_>>(),
            )
            .cast(&DataType::Datetime(TimeUnit::Microseconds, None))
            .map_err(|e| polars_error("a timestamp column", e))?,
            other => {
                return Err(EngineError::new(format!(
                    "table column `{}` has type {other}, which the polars engine does not take",
                    field.name()
                )));
            }
        };
        columns.push(column);
    }
    DataFrame::new(batch.num_rows(), columns).map_err(|e| polars_error("a reference table", e))
}

/// A query's result as Arrow. Integers become 64-bit (unsigned 64-bit stays
/// unsigned), floats `Float64`, times µs; any other type is cast to text.
pub(crate) fn result_of(frame: &DataFrame) -> Result<QueryResult, EngineError> {
    let mut fields = Vec::with_capacity(frame.width());
    let mut arrays: Vec<ArrayRef> = Vec::with_capacity(frame.width());
    for column in frame.columns() {
        let array = array_of(column)
            .map_err(|e| polars_error(&format!("result column `{}`", column.name()), e))?;
        fields.push(Field::new(
            column.name().as_str(),
            array.data_type().clone(),
            true,
        ));
        arrays.push(array);
    }
    let schema = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new_with_options(
        schema.clone(),
        arrays,
        &arrow_array::RecordBatchOptions::new().with_row_count(Some(frame.height())),
    )
    .map_err(|e| EngineError::with_source("building a result batch", e))?;
    Ok(QueryResult {
        schema,
        batches: vec![batch],
    })
}

fn array_of(column: &Column) -> PolarsResult<ArrayRef> {
    let series = column.as_materialized_series();
    let cast = |t: DataType| series.cast(&t);
    Ok(match series.dtype() {
        DataType::Boolean => Arc::new(series.bool()?.iter().collect::<BooleanArray>()),
        DataType::UInt64 => Arc::new(series.u64()?.iter().collect::<UInt64Array>()),
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32 => {
            Arc::new(cast(DataType::Int64)?.i64()?.iter().collect::<Int64Array>())
        }
        DataType::Float32 | DataType::Float64 => Arc::new(
            cast(DataType::Float64)?
                .f64()?
                .iter()
                .collect::<Float64Array>(),
        ),
        DataType::String => Arc::new(series.str()?.iter().collect::<StringArray>()),
        DataType::Date => Arc::new(
            cast(DataType::Int32)?
                .i32()?
                .iter()
                .collect::<Date32Array>(),
        ),
        DataType::Datetime(_, zone) => {
            let zone = zone.clone();
            let values = cast(DataType::Datetime(TimeUnit::Microseconds, zone.clone()))?
                .cast(&DataType::Int64)?;
            let array: TimestampMicrosecondArray = values.i64()?.iter().collect();
            Arc::new(array.with_timezone_opt(zone.map(|z| z.to_string())))
        }
        DataType::Duration(_) => Arc::new(
            cast(DataType::Duration(TimeUnit::Microseconds))?
                .cast(&DataType::Int64)?
                .i64()?
                .iter()
                .collect::<DurationMicrosecondArray>(),
        ),
        DataType::Null => Arc::new(NullArray::new(series.len())),
        _ => Arc::new(
            cast(DataType::String)?
                .str()?
                .iter()
                .collect::<StringArray>(),
        ),
    })
}

/// A polars error as the seam's error, keeping it as the source.
pub(crate) fn polars_error(what: &str, e: PolarsError) -> EngineError {
    EngineError::with_source(format!("polars: {what}"), e)
}
