//! Crash safety: a writer process killed with SIGKILL at random points
//! never loses an acknowledged event, and the chain verifies after every
//! restart.
//!
//! The test binary runs itself as the writer child (`crash_child`), which
//! prints `ack <seq> <marker>` after every append that returned Ok.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use worklog_ledger::{Durability, SegmentWriter, Verifier, store};
use worklog_schema::{Event, EventKind, Timestamp, batch_to_events};
use worklog_synth::Rng;

use crate::common::*;

/// How many times the writer is killed.
const KILLS: usize = 200;
const STORE_VAR: &str = "WORKLOG_CRASH_STORE";
const ROUND_VAR: &str = "WORKLOG_CRASH_ROUND";

/// The writer child; does nothing unless run by `kill_the_writer…`.
#[test]
fn crash_child() {
    let (Ok(store), Ok(round)) = (std::env::var(STORE_VAR), std::env::var(ROUND_VAR)) else {
        return;
    };
    let round: i64 = round.parse().unwrap();
    let mut writer = SegmentWriter::builder(Path::new(&store), device_key("PC-0001"))
        .max_rows(50)
        .durability(if round % 2 == 0 {
            Durability::Process
        } else {
            Durability::Sync
        })
        .build()
        .unwrap();
    let base = Timestamp::parse_rfc3339("2026-10-01T00:00:00Z").unwrap();
    let stdout = std::io::stdout();
    for i in 0i64.. {
        let marker = format!("r{round}-e{i}");
        let mut event = Event::new(
            "PC-0001",
            0,
            base.plus_secs(round * 100_000 + i),
            540,
            EventKind::Agent,
            "heartbeat",
        );
        event.detail = Some(marker.clone());
        let seq = writer.append(event).unwrap();
        let mut out = stdout.lock();
        writeln!(out, "ack {seq} {marker}").unwrap();
        out.flush().unwrap();
        drop(out);
        // An agent appends in bursts, not flat out; this also keeps the
        // store (re-verified after every kill) small.
        if i % 4 == 3 {
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
    }
}

fn stored_events(store: &Path) -> Vec<Event> {
    let mut events = Vec::new();
    for path in store::list_segments(&store::device_dir(store, "PC-0001")).unwrap() {
        let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
            std::fs::File::open(path).unwrap(),
        )
        .unwrap()
        .build()
        .unwrap();
        for batch in reader {
            events.extend(batch_to_events(&batch.unwrap()).unwrap());
        }
    }
    events
}

#[test]
fn kill_the_writer_at_random_points_and_lose_no_acknowledged_event() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path();
    let exe = std::env::current_exe().unwrap();
    let mut rng = Rng::new(99, 0);
    let mut acked: BTreeMap<u64, String> = BTreeMap::new();
    let mut total_acks = 0;
    for round in 0..KILLS {
        let mut child = Command::new(&exe)
            .args([
                "crash::crash_child",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(STORE_VAR, store)
            .env(ROUND_VAR, round.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(rng.range(20, 160) as u64));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let out = BufReader::new(child.stdout.take().unwrap());
        for line in out.lines() {
            let line = line.unwrap();
            if let Some(rest) = line.strip_prefix("ack ") {
                let (seq, marker) = rest.split_once(' ').unwrap();
                acked.insert(seq.parse().unwrap(), marker.to_owned());
                total_acks += 1;
            }
        }

        // Restart: recovery replays the journal; commit what it holds.
        let writer = SegmentWriter::builder(store, device_key("PC-0001"))
            .build()
            .unwrap();
        writer.close().unwrap();

        let report = Verifier::new(&keyring()).verify(store).unwrap();
        assert!(
            report.is_clean(),
            "round {round}: {:?}",
            report.anomalies().collect::<Vec<_>>()
        );
        let events = stored_events(store);
        for (i, event) in events.iter().enumerate() {
            assert_eq!(event.seq, i as u64 + 1, "round {round}: sequence is dense");
        }
        for (seq, marker) in &acked {
            let event = events
                .get(*seq as usize - 1)
                .unwrap_or_else(|| panic!("round {round}: acknowledged seq {seq} lost"));
            assert_eq!(
                event.detail.as_deref(),
                Some(marker.as_str()),
                "round {round}: seq {seq}"
            );
        }
    }
    eprintln!("crash test: {KILLS} kills, {total_acks} acknowledged appends, none lost");
    assert!(
        total_acks > KILLS * 5,
        "the child barely ran: {total_acks} acks"
    );
}
