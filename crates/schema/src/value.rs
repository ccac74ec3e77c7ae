//! Scalar value types and their mapping to Arrow columns.

use std::fmt;
use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Date32Builder, Int32Builder, Int64Builder, StringBuilder,
    TimestampMicrosecondBuilder, UInt64Builder,
};
use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Int32Type, Int64Type, TimestampMicrosecondType, UInt64Type};
use arrow_array::{Array, ArrayRef};
use arrow_schema::{DataType, TimeUnit};
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::EventKind;
use crate::error::{Error, Result};

/// An instant in UTC, microseconds since 1970-01-01T00:00:00Z.
///
/// Stored as an Arrow/Parquet timestamp without a time zone (so every SQL
/// engine compares it with plain literals); the value is always UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// Microseconds in one second.
    pub const MICROS_PER_SECOND: i64 = 1_000_000;

    /// The current time, from the system clock.
    pub fn now() -> Self {
        Timestamp(Utc::now().timestamp_micros())
    }

    /// From seconds since the epoch.
    pub fn from_secs(secs: i64) -> Self {
        Timestamp(secs.saturating_mul(Self::MICROS_PER_SECOND))
    }

    /// Parses RFC 3339 (`2026-04-01T09:30:00Z`, `2026-04-01T18:30:00.25+09:00`).
    pub fn parse_rfc3339(text: &str) -> Option<Self> {
        DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|t| Timestamp(t.timestamp_micros()))
    }

    /// As a chrono UTC time, if in chrono's range.
    pub fn to_datetime(self) -> Option<DateTime<Utc>> {
        DateTime::<Utc>::from_timestamp_micros(self.0)
    }

    /// Adds seconds (saturating).
    pub fn plus_secs(self, secs: i64) -> Self {
        Timestamp(
            self.0
                .saturating_add(secs.saturating_mul(Self::MICROS_PER_SECOND)),
        )
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_datetime() {
            Some(t) => f.write_str(&t.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
            None => write!(f, "{}us", self.0),
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Timestamp::parse_rfc3339(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "{text:?} is not an RFC 3339 time such as 2026-04-01T09:30:00Z"
            ))
        })
    }
}

/// A calendar date, days since 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub i32);

impl Date {
    /// Parses `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Option<Self> {
        NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .map(Self::from_naive)
    }

    /// From a chrono date.
    pub fn from_naive(date: NaiveDate) -> Self {
        Date(date.signed_duration_since(NaiveDate::default()).num_days() as i32)
    }

    /// As a chrono date, if in chrono's range.
    pub fn to_naive(self) -> Option<NaiveDate> {
        NaiveDate::default().checked_add_signed(chrono::TimeDelta::days(i64::from(self.0)))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_naive() {
            Some(d) => write!(f, "{}", d.format("%Y-%m-%d")),
            None => write!(f, "day {}", self.0),
        }
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Date::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!("{text:?} is not a date such as 2026-04-01"))
        })
    }
}

/// Whether a field holds no value (serde's `skip_serializing_if`).
pub(crate) fn is_absent<T: ColumnValue>(value: &T) -> bool {
    !value.is_present()
}

/// A Rust field type that maps to one Arrow column.
///
/// Implemented for the scalar types of [`crate::Event`]'s fields and for
/// `Option` of them (a nullable column).
pub trait ColumnValue: Sized {
    /// The Arrow type of the column.
    fn data_type() -> DataType;
    /// Whether the column is nullable.
    const NULLABLE: bool;
    /// Builds the column from one value per row.
    fn to_array<'a>(values: impl ExactSizeIterator<Item = &'a Self>) -> ArrayRef
    where
        Self: 'a;
    /// Reads the whole column back, one value per row.
    fn from_array(column: &'static str, array: &dyn Array) -> Result<Vec<Self>>;
    /// Whether the value is present (always, for a required column).
    fn is_present(&self) -> bool {
        true
    }
    /// The value as text, for text columns that hold one.
    fn as_text(&self) -> Option<&str> {
        None
    }
}

fn type_error(column: &'static str, expected: DataType, array: &dyn Array) -> Error {
    Error::ColumnType {
        column,
        expected: expected.to_string(),
        found: array.data_type().to_string(),
    }
}

/// Implements `ColumnValue` for a scalar and its `Option`.
macro_rules! scalar_column {
    ($rust:ty, $dt:expr, $builder:ty, [$($cast:tt)+], |$v:ident| $to_arrow:expr, |$a:ident| $from_arrow:expr $(, $text:ident)?) => {
        impl ColumnValue for Option<$rust> {
            fn data_type() -> DataType {
                $dt
            }
            const NULLABLE: bool = true;
            fn to_array<'a>(values: impl ExactSizeIterator<Item = &'a Self>) -> ArrayRef {
                let mut b = <$builder>::new();
                for value in values {
                    match value {
                        Some($v) => b.append_value($to_arrow),
                        None => b.append_null(),
                    }
                }
                Arc::new(b.finish())
            }
            fn from_array(column: &'static str, array: &dyn Array) -> Result<Vec<Self>> {
                if array.data_type() != &Self::data_type() {
                    return Err(type_error(column, Self::data_type(), array));
                }
                let typed = array.$($cast)+();
                Ok(typed
                    .iter()
                    .map(|value| value.map(|$a| $from_arrow))
                    .collect())
            }
            fn is_present(&self) -> bool {
                self.is_some()
            }
            $(
                fn as_text(&self) -> Option<&str> {
                    let $text = self.as_deref();
                    $text
                }
            )?
        }

        impl ColumnValue for $rust {
            fn data_type() -> DataType {
                $dt
            }
            const NULLABLE: bool = false;
            fn to_array<'a>(values: impl ExactSizeIterator<Item = &'a Self>) -> ArrayRef {
                let mut b = <$builder>::new();
                for $v in values {
                    b.append_value($to_arrow);
                }
                Arc::new(b.finish())
            }
            fn from_array(column: &'static str, array: &dyn Array) -> Result<Vec<Self>> {
                let values = <Option<$rust>>::from_array(column, array)?;
                values
                    .into_iter()
                    .enumerate()
                    .map(|(row, value)| value.ok_or(Error::UnexpectedNull { column, row }))
                    .collect()
            }
            $(
                fn as_text(&self) -> Option<&str> {
                    let $text = Some(self.as_ref());
                    $text
                }
            )?
        }
    };
}

scalar_column!(
    u64,
    DataType::UInt64,
    UInt64Builder,
    [as_primitive::<UInt64Type>],
    |v| *v,
    |a| a
);
scalar_column!(
    i64,
    DataType::Int64,
    Int64Builder,
    [as_primitive::<Int64Type>],
    |v| *v,
    |a| a
);
scalar_column!(
    i32,
    DataType::Int32,
    Int32Builder,
    [as_primitive::<Int32Type>],
    |v| *v,
    |a| a
);
scalar_column!(
    bool,
    DataType::Boolean,
    BooleanBuilder,
    [as_boolean],
    |v| *v,
    |a| a
);
scalar_column!(
    String,
    DataType::Utf8,
    StringBuilder,
    [as_string::<i32>],
    |v| v.as_str(),
    |a| a.to_owned(),
    text
);
scalar_column!(
    Timestamp,
    DataType::Timestamp(TimeUnit::Microsecond, None),
    TimestampMicrosecondBuilder,
    [as_primitive::<TimestampMicrosecondType>],
    |v| v.0,
    |a| Timestamp(a)
);
scalar_column!(
    Date,
    DataType::Date32,
    Date32Builder,
    [as_primitive::<Date32Type>],
    |v| v.0,
    |a| Date(a)
);

impl ColumnValue for EventKind {
    fn data_type() -> DataType {
        DataType::Utf8
    }
    const NULLABLE: bool = false;
    fn to_array<'a>(values: impl ExactSizeIterator<Item = &'a Self>) -> ArrayRef {
        let mut b = StringBuilder::with_capacity(values.len(), values.len() * 8);
        for kind in values {
            b.append_value(kind.as_str());
        }
        Arc::new(b.finish())
    }
    fn from_array(column: &'static str, array: &dyn Array) -> Result<Vec<Self>> {
        let names = String::from_array(column, array)?;
        names
            .iter()
            .enumerate()
            .map(|(row, name)| {
                EventKind::from_name(name).ok_or_else(|| Error::BadValue {
                    column,
                    row,
                    reason: format!("unknown event kind {name:?}"),
                })
            })
            .collect()
    }
}
