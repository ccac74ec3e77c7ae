//! Per-device statistics of the period: events per kind and per day, first
//! and last event. Computed by the engine with one SQL query beside the
//! rules, merged here partition by partition.

use std::collections::BTreeMap;

use worklog_model::{DeviceSummary, Period, SourceFamily};
use worklog_schema::policy::Device;

use crate::coverage::DeviceDays;
use crate::engine::QueryResult;
use crate::tables::service_days_of;
use crate::values;

/// A day in microseconds.
const DAY_US: i64 = 86_400_000_000;

/// The statistics query: events per device, kind, source and day of the
/// period (days of 24 hours from the period's start), with the first and
/// last event time. Each time is shifted back by the period start's time of day
/// (UTC), which makes each such day one calendar date: a cast, no
/// per-row calendar arithmetic.
pub(crate) fn statistics_sql(period: &Period) -> String {
    // The period starts at a local midnight: whole seconds in every zone.
    let shift_s = period.start_utc_us.rem_euclid(DAY_US) / 1_000_000;
    format!(
        "WITH by_day AS (
    SELECT device_id, kind, source, ts, CAST(ts - INTERVAL '{shift_s} seconds' AS DATE) AS day
    FROM events
)
SELECT device_id, kind, source, day, COUNT(*) AS events, MIN(ts) AS first_ts, MAX(ts) AS last_ts
FROM by_day
GROUP BY device_id, kind, source, day"
    )
}

/// The date (days since 1970-01-01) the statistics query gives the
/// period's first day: its start, shifted back by its time of day.
fn first_day_date(period: &Period) -> i64 {
    period.start_utc_us.div_euclid(DAY_US)
}

/// What the statistics of every partition add up to.
#[derive(Debug)]
pub(crate) struct Statistics {
    /// Per device: inventory devices in service, and every device seen.
    pub devices: BTreeMap<String, DeviceSummary>,
    /// Per device: days with events of each kind, and days in service.
    pub days: BTreeMap<String, DeviceDays>,
    last_day: u32,
    first_date: i64,
}

impl Statistics {
    /// Every inventory device in service during the period, with no events
    /// yet.
    pub fn new(inventory: &[Device], period: &Period) -> Statistics {
        let mut devices = BTreeMap::new();
        let mut days: BTreeMap<String, DeviceDays> = BTreeMap::new();
        for d in inventory {
            if let Some(service) = service_days_of(d, period) {
                devices.insert(d.device_id.clone(), summary_of(&d.device_id, Some(d)));
                days.entry(d.device_id.clone()).or_default().service = Some(service);
            }
        }
        Statistics {
            devices,
            days,
            last_day: period.days().saturating_sub(1),
            first_date: first_day_date(period),
        }
    }

    /// Adds the rows of one partition's statistics query. Rows without a
    /// device or kind, or with an unreadable column, are not counted.
    pub fn add(&mut self, result: &QueryResult, inventory: &BTreeMap<&str, &Device>) {
        for batch in &result.batches {
            let n = batch.num_rows();
            let column = |name: &str| batch.column_by_name(name).map(|c| c.as_ref());
            let text = |name: &str| column(name).and_then(values::texts);
            let int = |name: &str| column(name).and_then(values::integers);
            let time = |name: &str| column(name).and_then(values::timestamps_us);
            let dates = column("day").and_then(values::dates);
            let (Some(ids), Some(kinds), Some(counts), Some(day_numbers)) =
                (text("device_id"), text("kind"), int("events"), dates)
            else {
                continue;
            };
            let sources = text("source").unwrap_or_else(|| vec![None; n]);
            let firsts = time("first_ts").unwrap_or_else(|| vec![None; n]);
            let lasts = time("last_ts").unwrap_or_else(|| vec![None; n]);
            for i in 0..n {
                let (Some(id), Some(kind)) = (&ids[i], &kinds[i]) else {
                    continue;
                };
                let entry = self
                    .devices
                    .entry(id.clone())
                    .or_insert_with(|| summary_of(id, inventory.get(id.as_str()).copied()));
                let events = counts[i].and_then(|c| u64::try_from(c).ok()).unwrap_or(0);
                entry.events = entry.events.saturating_add(events);
                let per_kind = entry.kinds.entry(kind.clone()).or_default();
                *per_kind = per_kind.saturating_add(events);
                entry
                    .sources
                    .entry(kind.clone())
                    .or_default()
                    .insert(SourceFamily::of(sources[i].as_deref()));
                entry.first_ts = min_opt(entry.first_ts, firsts[i]);
                entry.last_ts = max_opt(entry.last_ts, lasts[i]);
                // Events are cut to the period, so the day is in range;
                // anything else is not counted.
                if let Some(day) = day_numbers[i]
                    .and_then(|d| d.checked_sub(self.first_date))
                    .and_then(|d| u32::try_from(d).ok())
                    .filter(|d| *d <= self.last_day)
                {
                    self.days
                        .entry(id.clone())
                        .or_default()
                        .by_kind
                        .entry(kind.clone())
                        .or_default()
                        .insert(day);
                }
            }
        }
    }

    /// Days in service and days with events, once every partition is in.
    pub fn finish(&mut self) {
        for (id, summary) in &mut self.devices {
            let Some(d) = self.days.get(id) else { continue };
            let (first, last) = d.service.unwrap_or((0, self.last_day));
            summary.in_service_days = last - first + 1;
            summary.active_days = d
                .active_days()
                .range(first..=last)
                .count()
                .try_into()
                .unwrap_or(u32::MAX);
        }
    }
}

fn summary_of(id: &str, device: Option<&Device>) -> DeviceSummary {
    DeviceSummary {
        device_id: id.to_owned(),
        department: device.map(|d| d.department.clone()).unwrap_or_default(),
        device_type: device.map(|d| d.device_type.clone()).unwrap_or_default(),
        portable: device.is_some_and(|d| d.portable),
        owner: device.map(|d| d.owner.clone()).unwrap_or_default(),
        in_inventory: device.is_some(),
        events: 0,
        first_ts: None,
        last_ts: None,
        kinds: BTreeMap::new(),
        sources: BTreeMap::new(),
        gaps: 0,
        in_service_days: 0,
        active_days: 0,
        integrity: None,
    }
}

fn min_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn max_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}
