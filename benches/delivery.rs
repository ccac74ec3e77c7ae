//! At-least-once delivery at 10^7 stored events: a collector re-sends
//! 10^6 events the store already holds. Measured in the same run:
//!
//! - reading and parsing the re-sent JSON Lines alone (the baseline);
//! - the whole re-delivery through `worklog::ingest` (parse, normalise,
//!   validate, identity, lookup in each device's identity index, nothing
//!   written), and its ratio to the baseline;
//! - the duplicate check alone (identities of the events and the lookups,
//!   the indexes loaded), in events per second;
//! - rebuilding every device's identity index from the 10^7 stored events
//!   (what happens once when an index is missing or altered).
//!
//! `cargo bench -p worklog-benches --bench delivery` (`WORKLOG_BENCH_DEVICES`,
//! `WORKLOG_BENCH_DAYS`, `WORKLOG_BENCH_EVENTS_PER_DAY` resize the store;
//! `WORKLOG_BENCH_RESENT` the re-sent events, default 10^6). Without
//! `--bench` it runs on a few devices, as a smoke test.

use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use worklog_benches::{
    best_of, env_or, peak_rss_mib, reset_peak_rss, rules_fleet_config, write_fleet_store,
};
use worklog_ledger::{IdentityIndex, Occurrences, Role, SecretKey, identity_bases};

fn main() {
    let quick = !std::env::args().any(|a| a == "--bench");
    let config = rules_fleet_config(quick);
    let runs = if quick { 1 } else { 3 };
    let Ok(fleet) = worklog_synth::Fleet::new(config.clone()) else {
        eprintln!("delivery bench: the fleet cannot be planned");
        return;
    };
    let Ok(work) = tempfile::tempdir() else {
        return;
    };
    let (store, keys) = (work.path().join("store"), work.path().join("keys"));
    let started = Instant::now();
    let stored = write_fleet_store(&fleet, config.devices, &store) as u64;
    let ids: Vec<String> = fleet.device_ids().map(str::to_owned).collect();
    for (i, id) in ids.iter().enumerate() {
        // The seeds `write_fleet_store` signs with.
        let key = SecretKey::from_seed(Role::Device, id, [i as u8; 32]);
        let secret = keys.join("secret");
        let _ = std::fs::create_dir_all(&secret);
        if key.write(&secret.join(format!("{id}.key"))).is_err()
            || key.public().write(&keys.join(format!("{id}.pub"))).is_err()
        {
            eprintln!("delivery bench: cannot write keys");
            return;
        }
    }
    println!(
        "delivery bench: {stored} events stored for {} devices in {:.1} s",
        config.devices,
        started.elapsed().as_secs_f64()
    );

    // The re-sent export: whole days of every device, up to the count.
    let wanted = env_or(
        "WORKLOG_BENCH_RESENT",
        if quick { 2_000 } else { 1_000_000 },
    ) as usize;
    let per_device = wanted.div_ceil(ids.len().max(1));
    let mut resent = Vec::with_capacity(wanted);
    for i in 0..ids.len() {
        if let Some(log) = fleet.device(i) {
            resent.extend(log.events.into_iter().take(per_device));
        }
    }
    resent.truncate(wanted);
    let mut text = String::new();
    for event in &resent {
        let mut line = serde_json::to_string(event).unwrap_or_default();
        line.push('\n');
        text.push_str(&line);
    }
    let file = work.path().join("resent.jsonl");
    if std::fs::write(&file, &text).is_err() {
        return;
    }
    println!(
        "  re-sent export: {} events, {:.1} MB of JSON Lines",
        resent.len(),
        text.len() as f64 / 1e6
    );

    // The indexes, built once from the segments (the first ingest's cost
    // when none exists), then current.
    let (rebuild, indexed) = best_of(1, || {
        let mut indexed = 0;
        for (i, id) in ids.iter().enumerate() {
            let key = SecretKey::from_seed(Role::Device, id, [i as u8; 32]);
            if let Ok(mut index) = IdentityIndex::open(&store, id, &key.public()) {
                indexed += index.len();
                let _ = index.save(&key);
            }
        }
        indexed
    });
    let per_sec = |n: usize, t: std::time::Duration| n as f64 / t.as_secs_f64();
    println!(
        "  identity indexes rebuilt from the segments: {indexed} identities in {:.2} s ({:.0} events/s), {:.1} MB on disk",
        rebuild.as_secs_f64(),
        per_sec(indexed, rebuild),
        index_bytes(&store) as f64 / 1e6
    );

    let (parse, parsed) = best_of(runs, || {
        let bytes = std::fs::read(&file).unwrap_or_default();
        worklog_import::lines::read_jsonl(&bytes).len()
    });
    println!(
        "  baseline, read and parse the JSON Lines alone: {:>10.0} events/s ({parsed} events, {:.2} s)",
        per_sec(parsed, parse),
        parse.as_secs_f64()
    );

    let (check, found) = best_of(runs, || duplicate_check(&store, &ids, &resent));
    println!(
        "  duplicate check alone (load {} indexes, identities, lookups): {:>10.0} events/s ({found} duplicates of {}, {:.2} s)",
        ids.len(),
        per_sec(resent.len(), check),
        resent.len(),
        check.as_secs_f64()
    );

    let resent_events = resent.len();
    drop(text);
    drop(resent);
    let reset = reset_peak_rss();
    let before = rss_mib();
    let (ingest, report) = best_of(runs, || {
        worklog::ingest(
            std::slice::from_ref(&file),
            None,
            &store,
            &keys,
            &worklog::RejectsTo::File(work.path().join("rejects.jsonl")),
            false,
        )
    });
    match report {
        Ok(report) => println!(
            "  re-delivery through ingest: {:>10.0} events/s ({} duplicates, {} stored, {:.2} s): {:.2}× the parse alone",
            per_sec(resent_events, ingest),
            report.store.duplicates,
            report.store.accepted,
            ingest.as_secs_f64(),
            ingest.as_secs_f64() / parse.as_secs_f64()
        ),
        Err(e) => eprintln!("delivery bench: ingest failed: {e}"),
    }
    if reset {
        println!(
            "  peak RSS during the re-delivery: {:.0} MiB, {:.0} MiB above the {before:.0} MiB before it ({:.1} KiB a re-sent event)",
            peak_rss_mib(),
            peak_rss_mib() - before,
            (peak_rss_mib() - before) * 1024.0 / resent_events.max(1) as f64
        );
    }
}

/// Resident memory of this process now, in MiB (Linux).
fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Identities of `events` looked up in their devices' indexes: how many
/// are already stored.
fn duplicate_check(store: &Path, ids: &[String], events: &[worklog_schema::Event]) -> usize {
    let mut duplicates = 0;
    for (i, id) in ids.iter().enumerate() {
        let key = SecretKey::from_seed(Role::Device, id, [i as u8; 32]).public();
        let Ok(index) = IdentityIndex::open(store, id, &key) else {
            continue;
        };
        let mine: Vec<worklog_schema::Event> = events
            .iter()
            .filter(|e| &e.device_id == id)
            .cloned()
            .collect();
        let Ok(bases) = identity_bases(&mine) else {
            continue;
        };
        let mut occurrences = Occurrences::default();
        for base in &bases {
            duplicates += usize::from(index.contains(&occurrences.next(base)));
        }
        black_box(&index);
    }
    duplicates
}

fn index_bytes(store: &Path) -> u64 {
    worklog_ledger::store::list_devices(store)
        .unwrap_or_default()
        .iter()
        .filter_map(|(_, dir)| std::fs::metadata(dir.join(worklog_ledger::IDENTITY_FILE)).ok())
        .map(|m| m.len())
        .sum()
}
