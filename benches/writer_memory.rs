//! The agent-side writer's memory: peak resident memory while appending
//! many events with default settings, against the process's own peak
//! before writing (the baseline measured in the same run) and the bound the
//! writer documents (about 3 × `max_bytes`).
//!
//! `cargo bench -p worklog-benches --bench writer_memory`

use worklog_benches::{env_or, peak_rss_mib};
use worklog_ledger::{Durability, Role, SecretKey, SegmentWriter};
use worklog_schema::{Event, EventKind, Timestamp};

fn main() {
    let quick = !std::env::args().any(|a| a == "--bench");
    let events = env_or("WORKLOG_BENCH_EVENTS", if quick { 2_000 } else { 300_000 });
    let Ok(dir) = tempfile::tempdir() else { return };
    let key = SecretKey::from_seed(Role::Device, "PC-0001", [4u8; 32]);
    let Ok(mut writer) = SegmentWriter::builder(dir.path(), key)
        .durability(Durability::Process)
        .build()
    else {
        return;
    };
    let start = Timestamp::parse_rfc3339("2026-10-05T00:00:00Z").unwrap_or_default();
    let mut template = Event::new("PC-0001", 0, start, 540, EventKind::App, "focus");
    template.user_name = Some("user001".into());
    template.exe_name = Some("EXCEL.EXE".into());
    template.exe_path = Some(r"C:\Program Files\Microsoft Office\root\Office16\EXCEL.EXE".into());
    let before = peak_rss_mib();
    for i in 0..events {
        let mut event = template.clone();
        event.ts = start.plus_secs(i as i64);
        event.window_title = Some(format!("顧客一覧_{i}.xlsx - Excel"));
        if writer.append(event).is_err() {
            eprintln!("append failed at event {i}");
            std::process::exit(1);
        }
    }
    let _ = writer.close();
    let after = peak_rss_mib();
    let segments = worklog_ledger::store::list_segments(&worklog_ledger::store::device_dir(
        dir.path(),
        "PC-0001",
    ))
    .map_or(0, |s| s.len());
    println!(
        "writer memory: {events} events in {} segments; peak RSS {before:.0} MiB before writing, {after:.0} MiB after: \
         the writer added {:.0} MiB (documented bound: about 3 × max_bytes = 48 MiB with the default 16 MiB)",
        segments,
        after - before
    );
}
