//! The writer's journal after damage: what cannot be replayed is kept and
//! reported, never dropped without a word.

use std::path::Path;

use worklog_ledger::{Durability, SegmentWriter, store};

use crate::common::*;

/// Byte offsets at which the journal's frames start
/// (`u32 length ‖ u32 CRC ‖ payload`).
fn frame_starts(bytes: &[u8]) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut at = 0;
    while at + 8 <= bytes.len() {
        starts.push(at);
        let len = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        at += 8 + len;
    }
    starts
}

/// Appends `n` events to a fresh writer and "crashes" (drops it without
/// committing): the events are acknowledged and only in the journal.
fn crashed_writer(store: &Path, n: usize) -> Vec<worklog_schema::Event> {
    let events: Vec<_> = fleet_events().remove(0).into_iter().take(n).collect();
    let mut writer = SegmentWriter::builder(store, device_key(&events[0].device_id))
        .max_rows(10_000)
        .durability(Durability::Process)
        .build()
        .unwrap();
    for event in &events {
        writer.append(event.clone()).unwrap();
    }
    drop(writer);
    events
}

#[test]
fn a_damaged_frame_in_the_middle_keeps_every_byte_after_it_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let store_dir = dir.path().join("store");
    let events = crashed_writer(&store_dir, 30);
    let device = &events[0].device_id;
    let journal = store::device_dir(&store_dir, device).join(store::JOURNAL_FILE);
    let mut bytes = std::fs::read(&journal).unwrap();
    let starts = frame_starts(&bytes);
    assert_eq!(starts.len(), 30);
    let original = bytes.clone();
    // One byte of the 11th event's payload flipped (a bad sector, say).
    bytes[starts[10] + 20] ^= 0x40;
    std::fs::write(&journal, &bytes).unwrap();

    let writer = SegmentWriter::builder(&store_dir, device_key(device))
        .max_rows(10_000)
        .durability(Durability::Process)
        .build()
        .unwrap();
    assert_eq!(writer.replayed(), 10);
    assert_eq!(writer.next_seq(), 11);
    let kept = writer.quarantined();
    assert_eq!(kept.len(), 1, "{kept:?}");
    // Every byte from the damaged frame on, as it was on disk.
    assert_eq!(std::fs::read(&kept[0].path).unwrap(), &bytes[starts[10]..]);
    assert_eq!(kept[0].bytes, (original.len() - starts[10]) as u64);
    assert!(
        kept[0].reason.contains("checksum") && kept[0].reason.contains("after 10 good events"),
        "{}",
        kept[0].reason
    );
    // The 19 intact events after the damage are in the quarantine file
    // (each frame's payload is there verbatim).
    let quarantine = std::fs::read(&kept[0].path).unwrap();
    for &start in &starts[11..] {
        let frame = &original[start..];
        let len = u32::from_be_bytes(frame[..4].try_into().unwrap()) as usize;
        let payload = &frame[8..8 + len];
        assert!(
            quarantine.windows(payload.len()).any(|w| w == payload),
            "a frame after the damage is missing from the quarantine"
        );
    }
}

#[test]
fn a_clean_crash_replays_everything_and_quarantines_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store_dir = dir.path().join("store");
    let events = crashed_writer(&store_dir, 12);
    let writer = SegmentWriter::builder(&store_dir, device_key(&events[0].device_id))
        .durability(Durability::Process)
        .build()
        .unwrap();
    assert_eq!(writer.replayed(), 12);
    assert!(writer.quarantined().is_empty());
}
