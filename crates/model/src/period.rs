//! The analysis period: whole local days in the organisation's time zone.

use chrono::{NaiveDate, NaiveTime, TimeZone};
use chrono_tz::Tz;

use crate::LocalTime;

/// A period that cannot be used: the text says why and what to give.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PeriodError(pub String);

type Result<T> = std::result::Result<T, PeriodError>;

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
            return Err(PeriodError(format!(
                "the last day {last_day} is before the first day {first_day}"
            )));
        }
        let tz: Tz = time_zone.parse().map_err(|_| {
            PeriodError(format!(
                "unknown time zone {time_zone:?}: use an IANA name such as Asia/Tokyo"
            ))
        })?;
        let midnight = |day: NaiveDate| -> Result<i64> {
            local_midnight(&tz, day)
                .ok_or_else(|| PeriodError(format!("{day} has no local midnight in {time_zone}")))
        };
        let next = last_day
            .succ_opt()
            .ok_or_else(|| PeriodError(format!("{last_day} is out of range")))?;
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
            .map_err(|_| PeriodError(format!("{what} {text:?} is not a date: use YYYY-MM-DD")))
    }

    /// Local wall-clock time of a UTC instant (µs) with its UTC offset
    /// (`2026-10-01 09:30:00+09:00` as text); `None` for an instant chrono
    /// cannot represent.
    pub fn local_time(&self, utc_us: i64) -> Option<LocalTime> {
        (self.local_times())(utc_us)
    }

    /// [`Period::local_time`] for many instants: the zone is parsed once.
    pub fn local_times(&self) -> impl Fn(i64) -> Option<LocalTime> + use<> {
        let tz = self.tz();
        move |utc_us| {
            let t = chrono::DateTime::from_timestamp_micros(utc_us)?;
            Some(LocalTime::new(t.with_timezone(&tz).fixed_offset()))
        }
    }

    /// Number of days in the period.
    pub fn days(&self) -> u32 {
        let days = (self.last_day - self.first_day).num_days() + 1;
        u32::try_from(days.max(0)).unwrap_or(u32::MAX)
    }

    /// The day of the period (0 = first day) of a UTC instant, in the
    /// period's time zone; `None` outside the period.
    pub fn day_of(&self, utc_us: i64) -> Option<u32> {
        if utc_us < self.start_utc_us || utc_us >= self.end_utc_us {
            return None;
        }
        let t = chrono::DateTime::from_timestamp_micros(utc_us)?;
        let local = t.with_timezone(&self.tz()).date_naive();
        u32::try_from((local - self.first_day).num_days()).ok()
    }

    /// The days of the period (0-based, both included) a device was in
    /// service, from its inventory dates (`None`: open-ended); `None` when
    /// it was not in service at all during the period.
    pub fn service_days(
        &self,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Option<(u32, u32)> {
        let first = from.map_or(self.first_day, |d| d.max(self.first_day));
        let last = to.map_or(self.last_day, |d| d.min(self.last_day));
        if first > last {
            return None;
        }
        let index = |d: NaiveDate| u32::try_from((d - self.first_day).num_days()).ok();
        Some((index(first)?, index(last)?))
    }

    /// The UTC bounds (µs; start included, end excluded) of the period's
    /// days `first..=last` (0-based).
    pub fn utc_bounds_of_days(&self, first: u32, last: u32) -> Option<(i64, i64)> {
        let tz = self.tz();
        let day = |i: u32| {
            self.first_day
                .checked_add_days(chrono::Days::new(u64::from(i)))
        };
        let start = local_midnight(&tz, day(first)?)?;
        let end = local_midnight(&tz, day(last)?.succ_opt()?)?;
        Some((start, end))
    }

    fn tz(&self) -> Tz {
        self.time_zone.parse().unwrap_or(chrono_tz::Asia::Tokyo)
    }
}

/// The UTC instant (µs) of local midnight starting `day` in `tz`.
fn local_midnight(tz: &Tz, day: NaiveDate) -> Option<i64> {
    tz.from_local_datetime(&day.and_time(NaiveTime::MIN))
        .earliest()
        .map(|t| t.timestamp_micros())
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
        assert_eq!(
            p.local_time(p.start_utc_us).unwrap().to_string(),
            "2026-10-01 00:00:00+09:00"
        );
        assert_eq!(p.days(), 31);
        assert_eq!(p.day_of(p.start_utc_us), Some(0));
        assert_eq!(p.day_of(p.end_utc_us - 1), Some(30));
        assert_eq!(p.day_of(p.end_utc_us), None);
        assert_eq!(p.service_days(Some(d("2026-10-05")), None), Some((4, 30)));
        assert_eq!(p.service_days(None, Some(d("2026-09-30"))), None);
        assert_eq!(
            p.utc_bounds_of_days(0, 30),
            Some((p.start_utc_us, p.end_utc_us))
        );
        assert!(Period::new(d("2026-10-02"), d("2026-10-01"), "Asia/Tokyo").is_err());
        assert!(Period::new(d("2026-10-01"), d("2026-10-01"), "Mars/Olympus").is_err());
    }
}
