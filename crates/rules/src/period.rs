//! The analysis period: whole local days in the organisation's time zone.

use chrono::{NaiveDate, NaiveTime, TimeZone};
use chrono_tz::Tz;

use crate::error::{Error, Result};

/// From the first to the last day (both included), with day boundaries at
/// local midnight in `time_zone`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Period {
    /// First local day.
    pub first_day: NaiveDate,
    /// Last local day (included).
    pub last_day: NaiveDate,
    /// IANA time zone name (`Asia/Tokyo`).
    pub time_zone: String,
    /// Start, µs since the epoch, UTC (included).
    pub start_utc_us: i64,
    /// End, µs since the epoch, UTC (excluded): the next local midnight.
    pub end_utc_us: i64,
}

impl Period {
    /// The period of whole local days `first_day..=last_day` in `time_zone`.
    pub fn new(first_day: NaiveDate, last_day: NaiveDate, time_zone: &str) -> Result<Period> {
        if last_day < first_day {
            return Err(Error::Period(format!(
                "the last day {last_day} is before the first day {first_day}"
            )));
        }
        let tz: Tz = time_zone.parse().map_err(|_| {
            Error::Period(format!(
                "unknown time zone {time_zone:?}: use an IANA name such as Asia/Tokyo"
            ))
        })?;
        let midnight = |day: NaiveDate| -> Result<i64> {
            let local = day.and_time(NaiveTime::MIN);
            tz.from_local_datetime(&local)
                .earliest()
                .map(|t| t.timestamp_micros())
                .ok_or_else(|| Error::Period(format!("{day} has no local midnight in {time_zone}")))
        };
        let next = last_day
            .succ_opt()
            .ok_or_else(|| Error::Period(format!("{last_day} is out of range")))?;
        Ok(Period {
            first_day,
            last_day,
            time_zone: time_zone.to_owned(),
            start_utc_us: midnight(first_day)?,
            end_utc_us: midnight(next)?,
        })
    }

    /// Parses `YYYY-MM-DD` for [`Period::new`], naming `what` in errors.
    pub fn parse_day(text: &str, what: &str) -> Result<NaiveDate> {
        NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
            .map_err(|_| Error::Period(format!("{what} {text:?} is not a date: use YYYY-MM-DD")))
    }

    /// Local wall-clock time of a UTC instant (µs), as `YYYY-MM-DD HH:MM:SS`.
    pub fn local_time(&self, utc_us: i64) -> String {
        (self.local_times())(utc_us)
    }

    /// [`Period::local_time`] for many instants: the zone is parsed once.
    pub fn local_times(&self) -> impl Fn(i64) -> String + use<> {
        let tz: Tz = self.time_zone.parse().unwrap_or(chrono_tz::Asia::Tokyo);
        move |utc_us| match chrono::DateTime::from_timestamp_micros(utc_us) {
            Some(t) => t.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S").to_string(),
            None => String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokyo_days_start_at_15_utc_the_day_before() {
        let d = |s| Period::parse_day(s, "day").unwrap();
        let p = Period::new(d("2026-10-01"), d("2026-10-31"), "Asia/Tokyo").unwrap();
        assert_eq!(
            chrono::DateTime::from_timestamp_micros(p.start_utc_us)
                .unwrap()
                .to_rfc3339(),
            "2026-09-30T15:00:00+00:00"
        );
        assert_eq!(
            chrono::DateTime::from_timestamp_micros(p.end_utc_us)
                .unwrap()
                .to_rfc3339(),
            "2026-10-31T15:00:00+00:00"
        );
        assert_eq!(p.local_time(p.start_utc_us), "2026-10-01 00:00:00");
        assert!(Period::new(d("2026-10-02"), d("2026-10-01"), "Asia/Tokyo").is_err());
        assert!(Period::new(d("2026-10-01"), d("2026-10-01"), "Mars/Olympus").is_err());
    }
}
