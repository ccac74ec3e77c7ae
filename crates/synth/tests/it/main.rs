//! Integration tests of the fleet simulator.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};

use worklog_schema::EventKind;
use worklog_synth::{DeviceLog, Fleet, FleetConfig, Signal, write_labels};

fn small() -> FleetConfig {
    FleetConfig {
        devices: 20,
        days: 14,
        events_per_device_day: 300,
        ..FleetConfig::default()
    }
}

fn generate(config: FleetConfig) -> Vec<DeviceLog> {
    Fleet::new(config).unwrap().generate()
}

#[test]
fn every_event_is_valid_and_numbered_in_time_order() {
    for log in generate(small()) {
        let mut previous = None;
        for (i, event) in log.events.iter().enumerate() {
            if let Err(e) = event.validate(None) {
                panic!("{e}");
            }
            assert_eq!(event.seq, i as u64 + 1, "{}", log.device_id);
            assert_eq!(event.device_id, log.device_id);
            if let Some(prev) = previous {
                assert!(
                    event.ts >= prev,
                    "time went backwards on {} at seq {}",
                    log.device_id,
                    event.seq
                );
            }
            previous = Some(event.ts);
        }
    }
}

#[test]
fn same_seed_same_output_at_any_thread_count() {
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(|| generate(small()));
    let many = rayon::ThreadPoolBuilder::new()
        .num_threads(4)
        .build()
        .unwrap()
        .install(|| generate(small()));
    assert_eq!(one, many);
    let other_seed = generate(FleetConfig { seed: 7, ..small() });
    assert_ne!(one, other_seed);
}

#[test]
fn written_reference_files_are_byte_identical_across_runs() {
    let write = || {
        let dir = tempfile::tempdir().unwrap();
        let fleet = Fleet::new(small()).unwrap();
        fleet.write_policy(&dir.path().join("policy")).unwrap();
        let labels: Vec<_> = fleet
            .generate()
            .into_iter()
            .flat_map(|l| l.labels)
            .collect();
        write_labels(&dir.path().join("labels.csv"), &labels).unwrap();
        let mut files = BTreeMap::new();
        for entry in walk(dir.path()) {
            files.insert(
                entry.strip_prefix(dir.path()).unwrap().to_owned(),
                std::fs::read(&entry).unwrap(),
            );
        }
        files
    };
    let first = write();
    assert!(
        first.len() >= 9,
        "policy files and labels: {:?}",
        first.keys()
    );
    assert_eq!(first, write());
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn every_signal_is_injected_and_labels_point_at_matching_events() {
    let logs = generate(small());
    let signals: BTreeSet<Signal> = logs
        .iter()
        .flat_map(|l| &l.labels)
        .map(|l| l.signal)
        .collect();
    for signal in Signal::ALL {
        assert!(signals.contains(&signal), "no {} injected", signal.name());
    }
    for log in &logs {
        for label in &log.labels {
            let Some(seq) = label.seq else {
                assert_eq!(label.label_type, "evidence_gap", "{label:?}");
                continue;
            };
            let event = &log.events[(seq - 1) as usize];
            assert_eq!(event.ts, label.ts);
            let expected_kind = match label.signal {
                Signal::MediaAllowedOutsideWindow => EventKind::Media,
                Signal::RemovableIoOutsideWindow
                | Signal::MediaUseAfterWindow
                | Signal::BulkCopyRemovable
                | Signal::CustomerFileBurst => EventKind::File,
                Signal::ShutterDisabledWithoutApproval
                | Signal::WindowNotClosed
                | Signal::UnmonitoredWindow => EventKind::Shutter,
                Signal::UnregisteredNetwork | Signal::WeakNetworkSecurity => EventKind::Network,
                Signal::UnapprovedSenderDomain => EventKind::Mail,
                Signal::PersonalWebmail | Signal::PersonalUpload => EventKind::Web,
                Signal::UnapprovedInstall => EventKind::Software,
                Signal::EosOs | Signal::EosSoftware | Signal::StalePatches => EventKind::Inventory,
                Signal::PortableUnencrypted => EventKind::Encryption,
                Signal::GhostDriveOffNetwork => EventKind::GhostDrive,
                Signal::RemoteLockNotExecuted => EventKind::RemoteLock,
                Signal::OffHoursActivity => EventKind::Session,
                Signal::AgentTamper => EventKind::Agent,
                other => panic!("{} should not point at an event", other.name()),
            };
            assert_eq!(event.kind, expected_kind, "{label:?}");
        }
    }
}

#[test]
fn portable_signals_only_on_laptops_and_clean_devices_exist() {
    let fleet = Fleet::new(small()).unwrap();
    let portable: BTreeMap<&str, bool> = fleet
        .policy()
        .devices
        .iter()
        .map(|d| (d.device_id.as_str(), d.portable))
        .collect();
    let logs = fleet.generate();
    let mut clean = 0;
    for log in &logs {
        if log.labels.is_empty() {
            clean += 1;
        }
        for label in &log.labels {
            if matches!(label.item, "125-1" | "125-2") {
                assert!(portable[log.device_id.as_str()], "{label:?}");
            }
        }
    }
    assert!(clean >= 2, "expected clean devices, found {clean}");
}

#[test]
fn silent_device_has_no_events_and_others_do() {
    let logs = generate(small());
    let silent: Vec<_> = logs
        .iter()
        .filter(|l| l.labels.iter().any(|x| x.signal == Signal::SilentDevice))
        .collect();
    assert_eq!(silent.len(), 1);
    assert!(silent[0].events.is_empty());
    assert!(logs.iter().filter(|l| l.events.is_empty()).count() == 1);
}

#[test]
fn too_small_a_fleet_for_injection_is_refused_with_a_reason() {
    let err = Fleet::new(FleetConfig {
        devices: 3,
        ..small()
    })
    .unwrap_err();
    assert!(err.to_string().contains("at least 6 devices"), "{err}");
    // Without injection any size works.
    let fleet = Fleet::new(FleetConfig {
        devices: 1,
        days: 1,
        inject_violations: false,
        ..small()
    })
    .unwrap();
    assert_eq!(fleet.len(), 1);
}

#[test]
fn volume_follows_the_configured_rate() {
    let config = FleetConfig {
        devices: 6,
        days: 7,
        events_per_device_day: 1_000,
        inject_violations: false,
        ..FleetConfig::default()
    };
    let logs = generate(config);
    // 2026-10-01 is a Thursday: 5 working days in 7.
    for log in &logs {
        let n = log.events.len();
        assert!(
            (4_500..=5_600).contains(&n),
            "{} has {n} events",
            log.device_id
        );
    }
}

#[test]
fn default_size_ground_truth_covers_every_item_and_leak_signal() {
    use rayon::prelude::*;
    let fleet = Fleet::new(FleetConfig::default()).unwrap();
    assert_eq!((fleet.len(), fleet.config().days), (100, 30));
    // Device by device: the full fleet (millions of events) never sits in
    // memory at once.
    let labels: Vec<worklog_synth::Label> = (0..fleet.len())
        .into_par_iter()
        .flat_map_iter(|i| fleet.device(i).unwrap().labels)
        .collect();
    for item in ["108", "109", "119", "120", "123", "124", "125-1", "125-2"] {
        assert!(
            labels
                .iter()
                .any(|l| l.item.split(',').any(|i| i == item) && l.label_type == "finding"),
            "no finding for item {item}"
        );
    }
    for signal in Signal::ALL {
        assert!(
            labels.iter().any(|l| l.signal == signal),
            "no {} at default size",
            signal.name()
        );
    }
    let leak: BTreeSet<&str> = labels
        .iter()
        .filter(|l| l.item == "leak")
        .map(|l| l.signal_name)
        .collect();
    assert_eq!(leak.len(), 5, "{leak:?}");
}
