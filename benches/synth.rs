//! Simulator speed at its default size (about 100 devices × 30 days ×
//! 2,000 events a working day), against a baseline measured in the same
//! run: copying the same events (`Vec<Event>::clone`).
//!
//! `cargo bench -p worklog-benches --bench synth`

use std::hint::black_box;

use rayon::prelude::*;
use worklog_benches::{best_of, peak_rss_mib};
use worklog_synth::{Fleet, FleetConfig, Signal};

fn main() {
    let quick = !std::env::args().any(|a| a == "--bench");
    let config = if quick {
        FleetConfig {
            devices: 10,
            days: 7,
            events_per_device_day: 100,
            ..FleetConfig::default()
        }
    } else {
        FleetConfig::default()
    };
    let Ok(fleet) = Fleet::new(config.clone()) else {
        return;
    };
    // Device by device, as a writer would consume them: memory stays at
    // one device per thread.
    let (time, (events, labels)) = best_of(if quick { 1 } else { 3 }, || {
        (0..fleet.len())
            .into_par_iter()
            .map(|i| {
                fleet
                    .device(i)
                    .map_or((0, Vec::new()), |log| (log.events.len(), log.labels))
            })
            .reduce(|| (0, Vec::new()), |a, b| (a.0 + b.0, [a.1, b.1].concat()))
    });
    let one = fleet.device(1).map(|l| l.events).unwrap_or_default();
    let (copy, _) = best_of(3, || black_box(one.clone()));
    let per_event_copy = copy.as_secs_f64() / one.len().max(1) as f64;
    println!(
        "synth: {} devices × {} days → {events} events, {} labels in {:.2} s ({:.0} events/s on {} threads)",
        config.devices,
        config.days,
        labels.len(),
        time.as_secs_f64(),
        events as f64 / time.as_secs_f64(),
        rayon::current_num_threads()
    );
    println!(
        "ratio generate / clone per event: {:.1} (clone {:.0} ns/event); peak RSS {:.0} MiB",
        time.as_secs_f64() / events.max(1) as f64 * rayon::current_num_threads() as f64
            / per_event_copy,
        per_event_copy * 1e9,
        peak_rss_mib()
    );
    let missing: Vec<&str> = Signal::ALL
        .iter()
        .filter(|s| !labels.iter().any(|l| l.signal == **s))
        .map(|s| s.name())
        .collect();
    println!("signals without a label: {missing:?}");
    if !missing.is_empty() {
        std::process::exit(1);
    }
}
