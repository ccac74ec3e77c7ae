//! The canonical byte encoding of event rows (see `docs/ledger-format.md`).
//!
//! Every column of the event schema, in schema order, nulls included:
//! a presence byte, then the value (integers big-endian, text as a u32
//! length and its UTF-8 bytes). Column names are not encoded; the schema
//! version fixes the column list.

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Int32Type, Int64Type, TimestampMicrosecondType, UInt64Type};
use arrow_array::{
    Array, BooleanArray, Date32Array, Int32Array, Int64Array, RecordBatch, StringArray,
    TimestampMicrosecondArray, UInt64Array,
};
use arrow_schema::DataType;
use worklog_schema::{SCHEMA_VERSION, event_schema};

use crate::merkle::{Hash, leaf_hash};

/// Prefix of every canonical row: domain tag and schema version.
pub const ROW_DOMAIN: &[u8] = b"WLROW1";

enum Column<'a> {
    U64(&'a UInt64Array),
    I64(&'a Int64Array),
    I32(&'a Int32Array),
    Bool(&'a BooleanArray),
    Str(&'a StringArray),
    Ts(&'a TimestampMicrosecondArray),
    Date(&'a Date32Array),
}

/// Encodes the rows of a record batch that has the event columns.
pub struct RowEncoder<'a> {
    columns: Vec<Column<'a>>,
    rows: usize,
}

/// Why a batch cannot be encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapeError(pub String);

impl<'a> RowEncoder<'a> {
    /// Binds the event columns of `batch` (by name, in schema order).
    pub fn new(batch: &'a RecordBatch) -> Result<Self, ShapeError> {
        let schema = event_schema();
        let mut columns = Vec::with_capacity(schema.fields().len());
        for field in schema.fields() {
            let array = batch
                .column_by_name(field.name())
                .ok_or_else(|| ShapeError(format!("column `{}` is missing", field.name())))?;
            if array.data_type() != field.data_type() {
                return Err(ShapeError(format!(
                    "column `{}` has type {}, expected {}",
                    field.name(),
                    array.data_type(),
                    field.data_type()
                )));
            }
            columns.push(match field.data_type() {
                DataType::UInt64 => Column::U64(array.as_primitive::<UInt64Type>()),
                DataType::Int64 => Column::I64(array.as_primitive::<Int64Type>()),
                DataType::Int32 => Column::I32(array.as_primitive::<Int32Type>()),
                DataType::Boolean => Column::Bool(array.as_boolean()),
                DataType::Utf8 => Column::Str(array.as_string::<i32>()),
                DataType::Timestamp(_, _) => {
                    Column::Ts(array.as_primitive::<TimestampMicrosecondType>())
                }
                DataType::Date32 => Column::Date(array.as_primitive::<Date32Type>()),
                other => return Err(ShapeError(format!("no canonical encoding for {other}"))),
            });
        }
        Ok(RowEncoder {
            columns,
            rows: batch.num_rows(),
        })
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows
    }

    /// Whether the batch has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Appends the canonical bytes of row `row` to `out`.
    pub fn encode(&self, row: usize, out: &mut Vec<u8>) {
        out.extend_from_slice(ROW_DOMAIN);
        out.extend_from_slice(&SCHEMA_VERSION.to_be_bytes());
        for column in &self.columns {
            match column {
                Column::U64(a) => fixed(out, a.is_valid(row), || a.value(row).to_be_bytes()),
                Column::I64(a) => fixed(out, a.is_valid(row), || a.value(row).to_be_bytes()),
                Column::Ts(a) => fixed(out, a.is_valid(row), || a.value(row).to_be_bytes()),
                Column::I32(a) => fixed(out, a.is_valid(row), || a.value(row).to_be_bytes()),
                Column::Date(a) => fixed(out, a.is_valid(row), || a.value(row).to_be_bytes()),
                Column::Bool(a) => fixed(out, a.is_valid(row), || [u8::from(a.value(row))]),
                Column::Str(a) => {
                    if a.is_valid(row) {
                        let s = a.value(row).as_bytes();
                        out.push(1);
                        // Values are bounded by validation (8 KiB), far below u32.
                        out.extend_from_slice(&(s.len() as u32).to_be_bytes());
                        out.extend_from_slice(s);
                    } else {
                        out.push(0);
                    }
                }
            }
        }
    }

    /// The RFC 6962 leaf hash of every row, appended to `leaves`; returns
    /// the number of canonical bytes hashed.
    pub fn leaf_hashes(&self, leaves: &mut Vec<Hash>) -> u64 {
        let mut buf = Vec::with_capacity(512);
        let mut bytes = 0u64;
        leaves.reserve(self.rows);
        for row in 0..self.rows {
            buf.clear();
            self.encode(row, &mut buf);
            bytes += buf.len() as u64;
            leaves.push(leaf_hash(&buf));
        }
        bytes
    }
}

#[inline]
fn fixed<const N: usize>(out: &mut Vec<u8>, valid: bool, value: impl FnOnce() -> [u8; N]) {
    if valid {
        out.push(1);
        out.extend_from_slice(&value());
    } else {
        out.push(0);
    }
}
