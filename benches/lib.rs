//! Shared helpers of the benchmarks (timing, seeded data).

use std::time::{Duration, Instant};

/// Runs `f` `runs` times and returns the fastest wall time and the last
/// result (the fastest run is the least disturbed by other work).
pub fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut last = None;
    for _ in 0..runs.max(1) {
        let start = Instant::now();
        let value = f();
        best = best.min(start.elapsed());
        last = Some(value);
    }
    match last {
        Some(value) => (best, value),
        None => unreachable!("runs is at least 1"),
    }
}

/// Reads a size knob from the environment.
pub fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Peak resident memory of this process so far, in MiB (Linux; 0 elsewhere).
pub fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Resets this process's peak resident memory to its current size, so that
/// [`peak_rss_mib`] measures from here (Linux; `/proc/self/clear_refs`).
/// Returns whether it was reset.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Writes the first `devices` devices of `fleet` into a signed store at
/// `store`, one device at a time per thread (memory stays at a few
/// devices); returns the events the writers acknowledged.
pub fn write_fleet_store(
    fleet: &worklog_synth::Fleet,
    devices: usize,
    store: &std::path::Path,
) -> usize {
    use rayon::prelude::*;
    use worklog_ledger::{Durability, Role, SecretKey, SegmentWriter};

    (0..devices)
        .into_par_iter()
        .map(|i| {
            let Some(log) = fleet.device(i) else { return 0 };
            if log.events.is_empty() {
                return 0;
            }
            let key = SecretKey::from_seed(Role::Device, &log.device_id, [i as u8; 32]);
            let written = SegmentWriter::builder(store, key)
                .durability(Durability::Process)
                .build()
                .and_then(|mut writer| {
                    for batch in log.events.chunks(10_000) {
                        writer.append_batch(batch.to_vec())?;
                    }
                    writer.close()
                });
            match written {
                Ok(_) => log.events.len(),
                Err(e) => {
                    eprintln!("bench: writing {} failed: {e}", log.device_id);
                    0
                }
            }
        })
        .sum()
}

/// The fleet of the rules benches: about 10^7 events (100 devices × 70
/// days × 2,400 events a working day), or a few devices without
/// `--bench`; `WORKLOG_BENCH_DEVICES`, `WORKLOG_BENCH_DAYS` and
/// `WORKLOG_BENCH_EVENTS_PER_DAY` resize it.
pub fn rules_fleet_config(quick: bool) -> worklog_synth::FleetConfig {
    worklog_synth::FleetConfig {
        devices: env_or("WORKLOG_BENCH_DEVICES", if quick { 6 } else { 100 }) as usize,
        days: env_or("WORKLOG_BENCH_DAYS", if quick { 7 } else { 70 }) as u32,
        events_per_device_day: env_or(
            "WORKLOG_BENCH_EVENTS_PER_DAY",
            if quick { 50 } else { 2_400 },
        ) as u32,
        // Fixed and in the past: the writer refuses events from the future.
        start: chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap_or_default(),
        ..worklog_synth::FleetConfig::default()
    }
}
