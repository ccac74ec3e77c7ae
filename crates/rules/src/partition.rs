//! Cutting the analysis into partitions: groups of whole devices whose
//! events fit the memory budget, run one after another.
//!
//! The partition contract (`docs/rules.md`): a rule's findings for a device
//! depend only on that device's events and the reference tables. Grouping
//! devices is then free to follow memory, and a device is never split.

use std::collections::BTreeSet;
use std::path::PathBuf;

/// Bytes of memory one event costs while a partition is analysed: the
/// event held in memory (the columns the default pack reads) plus what the
/// rules build over it (joins, windows, results), with the process's base
/// spread over it. Measured on the year benchmark's stores, peak RSS over
/// the events in flight: 0.8 KB an event with partitions of 0.5 M events
/// (852 MiB for 1.06 M), 1.0 KB with 1 M (2,019 MiB for 2.09 M): the rules'
/// working memory grows faster than the partition. So a budget is about
/// the analysis's peak RSS (see `docs/rules.md`, "Partitions and memory").
pub const BYTES_PER_EVENT: u64 = 1_000;

/// Events a partition holds when the budget allows: the size at which the
/// default pack runs fastest here. Larger partitions are slower, not
/// faster (their big buffers are paged in afresh and miss the caches):
/// measured at 10^7 events, partitions of 0.3-1 M events analysed in 8-10 s,
/// of 2.7 M in 13-15 s.
pub const TARGET_PARTITION_EVENTS: u64 = 500_000;

/// Partitions in memory at once: one being analysed, the next being read.
pub const PARTITIONS_IN_FLIGHT: u64 = 2;

/// The default memory budget for the events of an analysis: with the rest
/// of an audit (verification, findings, reports) it keeps the whole audit
/// of a year of a 100-PC agency under 4 GiB.
pub const DEFAULT_MEMORY_BYTES: u64 = 2 << 30;

/// One device's events, as far as they are known before reading them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DeviceInput {
    /// The device.
    pub device_id: String,
    /// Its event files (empty for a device with no events, or when every
    /// partition reads shared files).
    pub files: Vec<PathBuf>,
    /// Rows of its files in the period, at most (whole segments count).
    pub rows: u64,
}

/// A group of devices analysed together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Partition {
    /// Its devices.
    pub devices: BTreeSet<String>,
    /// Their event files.
    pub files: Vec<PathBuf>,
    /// Their rows, at most.
    pub rows: u64,
    /// One device alone whose rows exceed the memory budget (run anyway).
    pub oversized: bool,
}

/// Events one partition may hold under a memory budget.
pub(crate) fn rows_for(memory_bytes: u64) -> u64 {
    (memory_bytes / PARTITIONS_IN_FLIGHT / BYTES_PER_EVENT).max(1)
}

/// Groups `devices` (sorted by id) in order into partitions of at most
/// `target_rows` rows (and `budget_rows`, when lower) and `max_devices`
/// devices. A device above that is a partition of its own; above
/// `budget_rows`, it is marked oversized.
pub(crate) fn plan(
    devices: &[DeviceInput],
    target_rows: u64,
    budget_rows: u64,
    max_devices: Option<usize>,
) -> Vec<Partition> {
    let max_rows = target_rows.min(budget_rows);
    let max_devices = max_devices.unwrap_or(usize::MAX).max(1);
    let mut out: Vec<Partition> = Vec::new();
    let mut current: Option<Partition> = None;
    for device in devices {
        if let Some(part) = &current {
            let fits = part.rows.saturating_add(device.rows) <= max_rows
                && part.devices.len() < max_devices;
            if !fits {
                out.extend(current.take());
            }
        }
        let part = current.get_or_insert_with(|| Partition {
            devices: BTreeSet::new(),
            files: Vec::new(),
            rows: 0,
            oversized: false,
        });
        part.devices.insert(device.device_id.clone());
        part.files.extend(device.files.iter().cloned());
        part.rows = part.rows.saturating_add(device.rows);
        part.oversized = part.rows > budget_rows;
    }
    out.extend(current);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(id: &str, rows: u64) -> DeviceInput {
        DeviceInput {
            device_id: id.into(),
            files: vec![PathBuf::from(format!("{id}.parquet"))],
            rows,
        }
    }

    fn ids(parts: &[Partition]) -> Vec<Vec<&str>> {
        parts
            .iter()
            .map(|p| p.devices.iter().map(String::as_str).collect())
            .collect()
    }

    #[test]
    fn devices_are_packed_in_order_up_to_the_budget() {
        let devices = [
            device("A", 40),
            device("B", 50),
            device("C", 20),
            device("D", 0),
        ];
        let parts = plan(&devices, 100, u64::MAX, None);
        assert_eq!(ids(&parts), [vec!["A", "B"], vec!["C", "D"]]);
        // The budget, when lower than the target, decides.
        assert_eq!(
            ids(&plan(&devices, 1_000, 60, None)),
            [vec!["A"], vec!["B"], vec!["C", "D"]]
        );
        assert_eq!(parts[0].rows, 90);
        assert_eq!(parts[0].files.len(), 2);
        assert!(parts.iter().all(|p| !p.oversized));
    }

    #[test]
    fn a_device_above_the_budget_runs_alone_and_is_marked() {
        let devices = [device("A", 10), device("B", 500), device("C", 10)];
        let parts = plan(&devices, 100, 100, None);
        assert_eq!(ids(&parts), [vec!["A"], vec!["B"], vec!["C"]]);
        assert_eq!(
            parts.iter().map(|p| p.oversized).collect::<Vec<_>>(),
            [false, true, false]
        );
        // Above the speed target but within the budget: alone, not marked.
        let parts = plan(&devices, 100, 1_000, None);
        assert_eq!(ids(&parts), [vec!["A"], vec!["B"], vec!["C"]]);
        assert!(parts.iter().all(|p| !p.oversized));
    }

    #[test]
    fn a_device_limit_cuts_too_and_nothing_is_lost() {
        let devices: Vec<DeviceInput> = (0..7).map(|i| device(&format!("D{i}"), 1)).collect();
        let parts = plan(&devices, u64::MAX, u64::MAX, Some(3));
        assert_eq!(parts.len(), 3);
        let all: BTreeSet<&String> = parts.iter().flat_map(|p| &p.devices).collect();
        assert_eq!(all.len(), 7);
        assert!(plan(&[], 100, 100, None).is_empty());
        assert_eq!(plan(&devices, 0, 0, Some(0)).len(), 7);
    }

    #[test]
    fn the_budget_counts_two_partitions_in_flight() {
        assert_eq!(rows_for(800), 1);
        assert_eq!(rows_for(0), 1);
        assert_eq!(
            rows_for(DEFAULT_MEMORY_BYTES),
            DEFAULT_MEMORY_BYTES / 2 / BYTES_PER_EVENT
        );
    }
}
