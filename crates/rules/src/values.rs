//! Reading columns of a query's result: text, integers and times out of
//! whatever Arrow type the engine returned.

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, DurationMicrosecondType, DurationMillisecondType,
    DurationNanosecondType, DurationSecondType, Float32Type, Float64Type, Int8Type, Int16Type,
    Int32Type, Int64Type, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrowPrimitiveType};
use arrow_schema::{DataType, TimeUnit};

/// Whether a column of this type holds text.
pub(crate) fn is_text(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

/// Whether a column of this type holds integers.
pub(crate) fn is_integer(t: &DataType) -> bool {
    t.is_integer()
}

/// Whether a column of this type holds UTC timestamps without a zone.
pub(crate) fn is_naive_timestamp(t: &DataType) -> bool {
    matches!(t, DataType::Timestamp(_, None))
}

/// A text column's values (`None`: NULL); `None` when it is not text.
pub(crate) fn texts(array: &dyn Array) -> Option<Vec<Option<String>>> {
    let owned = |v: Option<&str>| v.map(str::to_owned);
    Some(match array.data_type() {
        DataType::Utf8 => array.as_string::<i32>().iter().map(owned).collect(),
        DataType::LargeUtf8 => array.as_string::<i64>().iter().map(owned).collect(),
        DataType::Utf8View => array.as_string_view().iter().map(owned).collect(),
        _ => return None,
    })
}

/// An integer column's values as `i64` (`None`: NULL, or out of range);
/// `None` when it is not an integer column.
pub(crate) fn integers(array: &dyn Array) -> Option<Vec<Option<i64>>> {
    fn of<T: ArrowPrimitiveType>(array: &dyn Array) -> Vec<Option<i64>>
    where
        T::Native: TryInto<i64>,
    {
        array
            .as_primitive::<T>()
            .iter()
            .map(|v| v.and_then(|v| v.try_into().ok()))
            .collect()
    }
    Some(match array.data_type() {
        DataType::Int8 => of::<Int8Type>(array),
        DataType::Int16 => of::<Int16Type>(array),
        DataType::Int32 => of::<Int32Type>(array),
        DataType::Int64 => of::<Int64Type>(array),
        DataType::UInt8 => of::<UInt8Type>(array),
        DataType::UInt16 => of::<UInt16Type>(array),
        DataType::UInt32 => of::<UInt32Type>(array),
        DataType::UInt64 => of::<UInt64Type>(array),
        _ => return None,
    })
}

/// A date column's values as days since 1970-01-01; `None` when it is not
/// a date column.
pub(crate) fn dates(array: &dyn Array) -> Option<Vec<Option<i64>>> {
    match array.data_type() {
        DataType::Date32 => Some(
            array
                .as_primitive::<Date32Type>()
                .iter()
                .map(|v| v.map(i64::from))
                .collect(),
        ),
        DataType::Date64 => Some(
            array
                .as_primitive::<Date64Type>()
                .iter()
                .map(|v| v.map(|ms| ms.div_euclid(86_400_000)))
                .collect(),
        ),
        _ => None,
    }
}

/// A timestamp column's values in µs (`None`: NULL, or out of range);
/// `None` when it is not a timestamp column.
pub(crate) fn timestamps_us(array: &dyn Array) -> Option<Vec<Option<i64>>> {
    let DataType::Timestamp(unit, _) = array.data_type() else {
        return None;
    };
    Some(match unit {
        TimeUnit::Second => scaled::<TimestampSecondType>(array, 1_000_000, 1),
        TimeUnit::Millisecond => scaled::<TimestampMillisecondType>(array, 1_000, 1),
        TimeUnit::Microsecond => scaled::<TimestampMicrosecondType>(array, 1, 1),
        TimeUnit::Nanosecond => scaled::<TimestampNanosecondType>(array, 1, 1_000),
    })
}

/// `i64` values multiplied by `mul` and floor-divided by `div`.
fn scaled<T: ArrowPrimitiveType<Native = i64>>(
    array: &dyn Array,
    mul: i64,
    div: i64,
) -> Vec<Option<i64>> {
    array
        .as_primitive::<T>()
        .iter()
        .map(|v| {
            v.and_then(|v| v.checked_mul(mul))
                .map(|v| v.div_euclid(div))
        })
        .collect()
}

/// Any column's values as display text, for evidence: times in µs are
/// handed to `time` (with the row), everything else is formatted here.
/// NULL is the empty string.
pub(crate) fn display_texts(array: &dyn Array, time: &dyn Fn(usize, i64) -> String) -> Vec<String> {
    let n = array.len();
    let or_empty = |v: Vec<Option<String>>| -> Vec<String> {
        v.into_iter().map(Option::unwrap_or_default).collect()
    };
    if let Some(v) = texts(array) {
        return or_empty(v);
    }
    if let Some(v) = integers(array) {
        return v
            .into_iter()
            .map(|v| v.map(|v| v.to_string()).unwrap_or_default())
            .collect();
    }
    if let Some(v) = timestamps_us(array) {
        return v
            .into_iter()
            .enumerate()
            .map(|(i, v)| v.map(|v| time(i, v)).unwrap_or_default())
            .collect();
    }
    let floats = |v: Vec<Option<f64>>| -> Vec<String> {
        v.into_iter()
            .map(|v| v.map(float_text).unwrap_or_default())
            .collect()
    };
    match array.data_type() {
        DataType::Boolean => array
            .as_boolean()
            .iter()
            .map(|v| v.map(|b| b.to_string()).unwrap_or_default())
            .collect(),
        DataType::Float32 => floats(
            array
                .as_primitive::<Float32Type>()
                .iter()
                .map(|v| v.map(f64::from))
                .collect(),
        ),
        DataType::Float64 => floats(array.as_primitive::<Float64Type>().iter().collect()),
        DataType::Date32 => array
            .as_primitive::<Date32Type>()
            .iter()
            .map(|v| v.map(date_text).unwrap_or_default())
            .collect(),
        DataType::Date64 => array
            .as_primitive::<Date64Type>()
            .iter()
            .map(|v| {
                v.and_then(|ms| i32::try_from(ms.div_euclid(86_400_000)).ok())
                    .map(date_text)
                    .unwrap_or_default()
            })
            .collect(),
        DataType::Duration(unit) => {
            let us = match unit {
                TimeUnit::Second => scaled::<DurationSecondType>(array, 1_000_000, 1),
                TimeUnit::Millisecond => scaled::<DurationMillisecondType>(array, 1_000, 1),
                TimeUnit::Microsecond => scaled::<DurationMicrosecondType>(array, 1, 1),
                TimeUnit::Nanosecond => scaled::<DurationNanosecondType>(array, 1, 1_000),
            };
            us.into_iter()
                .map(|v| v.map(duration_text).unwrap_or_default())
                .collect()
        }
        DataType::Null => vec![String::new(); n],
        other => vec![format!("({other} value)"); n],
    }
}

/// A float as polars writes it: integral values keep one decimal (`2.0`).
fn float_text(v: f64) -> String {
    if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.1}")
    } else {
        v.to_string()
    }
}

/// Days since 1970-01-01 as `YYYY-MM-DD`.
fn date_text(days: i32) -> String {
    chrono::NaiveDate::from_ymd_opt(1970, 1, 1)
        .and_then(|epoch| epoch.checked_add_signed(chrono::TimeDelta::days(i64::from(days))))
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// A duration in µs as hours, minutes and seconds (`4h 30m 0s`).
fn duration_text(us: i64) -> String {
    let sign = if us < 0 { "-" } else { "" };
    let secs = us.unsigned_abs() / 1_000_000;
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    format!("{sign}{h}h {m}m {s}s")
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{
        ArrayRef, BooleanArray, Date32Array, Float64Array, Int32Array, StringArray,
        TimestampNanosecondArray, UInt64Array,
    };

    use super::*;

    #[test]
    fn every_type_a_rule_returns_reads_as_text() {
        let time = |_: usize, us: i64| format!("t{us}");
        let cases: Vec<(ArrayRef, Vec<&str>)> = vec![
            (
                Arc::new(StringArray::from(vec![Some("a"), None])),
                vec!["a", ""],
            ),
            (
                Arc::new(Int32Array::from(vec![Some(-3), None])),
                vec!["-3", ""],
            ),
            (Arc::new(UInt64Array::from(vec![u64::MAX])), vec![""]),
            (
                Arc::new(Float64Array::from(vec![2.0, 0.25])),
                vec!["2.0", "0.25"],
            ),
            (
                Arc::new(BooleanArray::from(vec![true, false])),
                vec!["true", "false"],
            ),
            (
                Arc::new(Date32Array::from(vec![20_362])),
                vec!["2025-10-01"],
            ),
            (
                Arc::new(TimestampNanosecondArray::from(vec![1_999])),
                vec!["t1"],
            ),
        ];
        for (array, want) in cases {
            assert_eq!(display_texts(array.as_ref(), &time), want, "{array:?}");
        }
        assert_eq!(duration_text(16_200_000_000), "4h 30m 0s");
        assert_eq!(duration_text(-61_000_000), "-0h 1m 1s");
    }

    #[test]
    fn integers_out_of_range_read_as_null_not_wrapped() {
        let big = UInt64Array::from(vec![Some(u64::MAX), Some(7)]);
        assert_eq!(integers(&big), Some(vec![None, Some(7)]));
        let ts = TimestampNanosecondArray::from(vec![-1]);
        assert_eq!(timestamps_us(&ts), Some(vec![Some(-1)]));
    }
}
