//! A wall-clock time in the organisation's time zone, with its UTC offset:
//! what a finding's time is until a writer formats it.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, FixedOffset, NaiveDateTime};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The text form, `2026-10-01 09:30:00+09:00` (JSON, CSV, Parquet).
const FORMAT: &str = "%Y-%m-%d %H:%M:%S%:z";

/// A local time with its offset from UTC. It orders by instant; its text
/// form is `YYYY-MM-DD HH:MM:SS±HH:MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalTime(DateTime<FixedOffset>);

/// Text that is not `YYYY-MM-DD HH:MM:SS±HH:MM`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a local time: expected YYYY-MM-DD HH:MM:SS±HH:MM")]
pub struct LocalTimeError(String);

impl LocalTime {
    /// The time with its offset.
    pub fn new(time: DateTime<FixedOffset>) -> LocalTime {
        LocalTime(time)
    }

    /// The time with its offset.
    pub fn get(self) -> DateTime<FixedOffset> {
        self.0
    }

    /// The wall-clock time, without the offset (what a spreadsheet cell
    /// holds; its header names the zone).
    pub fn wall_clock(self) -> NaiveDateTime {
        self.0.naive_local()
    }

    /// Microseconds since the epoch, UTC.
    pub fn utc_micros(self) -> i64 {
        self.0.timestamp_micros()
    }
}

impl fmt::Display for LocalTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format(FORMAT))
    }
}

impl FromStr for LocalTime {
    type Err = LocalTimeError;

    fn from_str(text: &str) -> Result<LocalTime, LocalTimeError> {
        DateTime::parse_from_str(text, FORMAT)
            .map(LocalTime)
            .map_err(|_| LocalTimeError(text.to_owned()))
    }
}

impl Serialize for LocalTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for LocalTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<LocalTime, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Serde for `Option<LocalTime>` as the text form, `""` for none: the form
/// analysis.json has always had for a finding without an event time.
pub mod or_empty {
    use super::LocalTime;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes the time, or `""`.
    pub fn serialize<S: Serializer>(
        time: &Option<LocalTime>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match time {
            Some(t) => serializer.collect_str(t),
            None => serializer.serialize_str(""),
        }
    }

    /// Reads a time, `""` as none.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<LocalTime>, D::Error> {
        let text = String::deserialize(deserializer)?;
        if text.is_empty() {
            return Ok(None);
        }
        text.parse().map(Some).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_form_round_trips_and_orders_by_instant() {
        let a: LocalTime = "2026-10-01 09:30:00+09:00".parse().unwrap();
        let b: LocalTime = "2026-10-01 01:00:00+00:00".parse().unwrap();
        assert_eq!(a.to_string(), "2026-10-01 09:30:00+09:00");
        assert!(a < b, "00:30 UTC is before 01:00 UTC");
        assert_eq!(a.wall_clock().to_string(), "2026-10-01 09:30:00");
        assert!("2026-10-01 09:30:00".parse::<LocalTime>().is_err());
        assert!("".parse::<LocalTime>().is_err());
    }

    #[test]
    fn absent_time_is_the_empty_string_in_json() {
        #[derive(Serialize, Deserialize, PartialEq, Debug)]
        struct Row {
            #[serde(with = "or_empty")]
            t: Option<LocalTime>,
        }
        let none = Row { t: None };
        assert_eq!(serde_json::to_string(&none).unwrap(), r#"{"t":""}"#);
        let back: Row = serde_json::from_str(r#"{"t":""}"#).unwrap();
        assert_eq!(back, none);
        assert!(serde_json::from_str::<Row>(r#"{"t":"yesterday"}"#).is_err());
    }
}
