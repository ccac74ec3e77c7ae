//! Evidence over time: which days of its in-service period a device has
//! events of each kind, and whether an item's evidence spans the period.
//!
//! Pure logic, no I/O. The rule (see `docs/rules.md`, "Evidence over the
//! period"): the device's in-service days in the period are cut into weeks
//! of 7 days from its first in-service day (a remainder shorter than a week
//! joins the last week). An item's evidence covers the period when, for
//! every kind the item's rules require, at least the policy's percentage of
//! those weeks hold an event of that kind.

use std::collections::{BTreeMap, BTreeSet};

use worklog_model::Coverage;

/// Days of the period (0-based) on which one device logged, per kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct DeviceDays {
    /// First and last in-service day of the period (both included); `None`
    /// for a device that was not in service (it is then judged over the
    /// whole period if it logged).
    pub service: Option<(u32, u32)>,
    /// Days with events of each kind.
    pub by_kind: BTreeMap<String, BTreeSet<u32>>,
}

impl DeviceDays {
    /// Days with any event.
    pub fn active_days(&self) -> BTreeSet<u32> {
        self.by_kind.values().flatten().copied().collect()
    }
}

/// The weeks (first and last day, both included) of `service`: 7 days each
/// from its first day, a remainder shorter than 7 days joining the last.
pub(crate) fn weeks(service: (u32, u32)) -> Vec<(u32, u32)> {
    let (first, last) = service;
    if last < first {
        return Vec::new();
    }
    let days = last - first + 1;
    let full = (days / 7).max(1);
    (0..full)
        .map(|i| {
            let start = first + i * 7;
            let end = if i + 1 == full { last } else { start + 6 };
            (start, end)
        })
        .collect()
}

/// How well `kinds` cover the in-service period of a device with `days`,
/// judged against `required_pct`: the kind with the fewest covered weeks
/// decides (ties: fewest days, then name). `None` when `kinds` is empty.
pub(crate) fn coverage(
    days: &DeviceDays,
    period_days: u32,
    kinds: &BTreeSet<&str>,
    required_pct: u32,
) -> Option<Coverage> {
    let service = days.service.unwrap_or((0, period_days.saturating_sub(1)));
    let weeks = weeks(service);
    let in_service = |d: &u32| *d >= service.0 && *d <= service.1;
    let active_days = days.active_days().iter().filter(|d| in_service(d)).count();
    let empty = BTreeSet::new();
    let weakest = kinds
        .iter()
        .map(|kind| {
            let set = days.by_kind.get(*kind).unwrap_or(&empty);
            let covered = weeks
                .iter()
                .filter(|(a, b)| set.range(*a..=*b).next().is_some())
                .count();
            let kind_days = set.iter().filter(|d| in_service(d)).count();
            (covered, kind_days, *kind)
        })
        .min()?;
    let (covered, kind_days, kind) = weakest;
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    Some(Coverage {
        in_service_days: service.1 - service.0 + 1,
        active_days: count(active_days),
        kind: kind.to_owned(),
        evidence_days: count(kind_days),
        weeks: count(weeks.len()),
        weeks_with_evidence: count(covered),
        required_pct,
    })
}

/// The days with events without those a window where the device's clock
/// went back touches (day `n` is the `n`-th 24 hours from `period_start_us`):
/// what remains certain. `None` when there is no window.
pub(crate) fn without_windows(
    days: &DeviceDays,
    windows: &[worklog_model::ClockWindow],
    period_start_us: i64,
) -> Option<DeviceDays> {
    if windows.is_empty() {
        return None;
    }
    const DAY_US: i64 = 86_400_000_000;
    let day = |us: i64| {
        let n = us.saturating_sub(period_start_us).div_euclid(DAY_US);
        u32::try_from(n.max(0)).unwrap_or(u32::MAX)
    };
    let touched: Vec<(u32, u32)> = windows.iter().map(|w| (day(w.from), day(w.to))).collect();
    let mut out = days.clone();
    for set in out.by_kind.values_mut() {
        set.retain(|d| !touched.iter().any(|(a, b)| (a..=b).contains(&d)));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days(service: Option<(u32, u32)>, kinds: &[(&str, &[u32])]) -> DeviceDays {
        DeviceDays {
            service,
            by_kind: kinds
                .iter()
                .map(|(k, d)| ((*k).to_owned(), d.iter().copied().collect()))
                .collect(),
        }
    }

    #[test]
    fn weeks_are_seven_days_with_the_remainder_in_the_last() {
        assert_eq!(weeks((0, 13)), vec![(0, 6), (7, 13)]);
        assert_eq!(weeks((0, 29)), vec![(0, 6), (7, 13), (14, 20), (21, 29)]);
        assert_eq!(weeks((3, 5)), vec![(3, 5)]);
        assert_eq!(weeks((0, 0)), vec![(0, 0)]);
    }

    #[test]
    fn one_day_of_fourteen_covers_half_the_weeks() {
        let d = days(None, &[("shutter", &[0]), ("file", &[0])]);
        let c = coverage(&d, 14, &["shutter"].into(), 80).unwrap();
        assert_eq!((c.weeks_with_evidence, c.weeks), (1, 2));
        assert_eq!(
            (c.evidence_days, c.active_days, c.in_service_days),
            (1, 1, 14)
        );
        assert!(!c.holds());
    }

    #[test]
    fn weekly_snapshots_cover_every_week() {
        let d = days(None, &[("inventory", &[0, 7, 14, 21])]);
        let c = coverage(&d, 30, &["inventory"].into(), 80).unwrap();
        assert_eq!((c.weeks_with_evidence, c.weeks), (4, 4));
        assert!(c.holds());
    }

    #[test]
    fn the_weakest_kind_decides() {
        let d = days(None, &[("web", &[0, 8]), ("mail", &[1])]);
        let c = coverage(&d, 14, &["mail", "web"].into(), 80).unwrap();
        assert_eq!(c.kind, "mail");
        assert!(!c.holds());
    }

    #[test]
    fn only_the_in_service_days_count() {
        // In service for days 7..=13 only: one week, and it has evidence.
        let d = days(Some((7, 13)), &[("network", &[1, 9])]);
        let c = coverage(&d, 14, &["network"].into(), 100).unwrap();
        assert_eq!((c.weeks_with_evidence, c.weeks, c.evidence_days), (1, 1, 1));
        assert!(c.holds());
        assert!(coverage(&d, 14, &BTreeSet::new(), 80).is_none());
    }
}
