//! Delivered events into a store: the one path every importer's events take
//! (JSON Lines, CSV, EVTX, osquery), so that each follows the same rules.
//!
//! Logs arrive at least once, late and out of order. Per device:
//! 1. every event is normalised and validated; one that is not valid is
//!    rejected with the reason, and the rest go on;
//! 2. its identity ([`worklog_ledger::identity`]) is looked up in the
//!    device's identity index: an event already stored, or delivered
//!    earlier in this run, is a duplicate, counted and not stored again;
//! 3. inside a file, the collector's order is the order the device
//!    recorded its events: events out of order by at most
//!    [`REORDER_WINDOW_SECS`] are put in time order (collectors that write
//!    from several threads), while a bigger step back is the device's clock
//!    going back, kept as it came (the verifier reports it); the files are
//!    merged by time (no order holds between two deliveries but time);
//! 4. events older than the newest event the store held for the device are
//!    *late*: stored as late segments, in time order
//!    ([`SegmentWriter::append_late`]), and counted; the rest are appended.
//!
//! A device whose key is missing, or whose chain cannot be continued, has
//! its events rejected with the reason; the other devices go on.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use worklog_ledger::{
    Durability, IdentityIndex, KeysDir, Occurrences, Role, SecretKey, SegmentWriter, identity_bases,
};
use worklog_schema::{Event, Timestamp};

use crate::Result;

/// Events of one file out of time order by at most this many seconds are
/// put in time order; a bigger step back is the device's clock going back.
pub const REORDER_WINDOW_SECS: i64 = 60;

/// Events appended to the journal at a time.
const JOURNAL_BATCH: usize = 10_000;

/// Events whose identities are computed at a time.
const IDENTITY_CHUNK: usize = 8_192;

/// How a file's events are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileOrder {
    /// As the collector wrote them: the device's own order.
    Collector,
    /// No order of the device's own (records the importer mapped from
    /// several logs): put in time order.
    Time,
}

/// One delivered event: the file it came from (an index into the run's
/// files) and where in it (line or record number).
#[derive(Debug, Clone)]
pub(crate) struct Delivered {
    pub file: usize,
    pub origin: u64,
    pub event: Event,
}

/// An event refused, and why.
#[derive(Debug, Clone)]
pub(crate) struct Rejection {
    pub file: usize,
    pub origin: u64,
    pub reason: String,
}

/// What became of one file's events in the store.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FileOutcome {
    /// Events written into the store (live and late).
    pub ingested: u64,
    /// Events written into the store, per `kind op`.
    pub ingested_by_kind: BTreeMap<String, u64>,
    /// Events the store already held, or that an earlier file of this run
    /// (or earlier in this file) delivered: not stored again.
    pub duplicates: u64,
    /// Of `ingested`, events older than the device's newest stored event:
    /// stored as a late delivery.
    pub late: u64,
    /// Events refused, per reason.
    pub rejected: BTreeMap<String, u64>,
}

/// What a run stored for one device.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DeviceIngest {
    /// First and last sequence number assigned (none when nothing was
    /// stored).
    pub seqs: Option<(u64, u64)>,
    /// Events stored.
    pub accepted: u64,
    /// Events not stored again: already in the store or delivered twice.
    pub duplicates: u64,
    /// Of `accepted`, events stored as late, and the event time they cover.
    pub late: u64,
    /// The oldest and newest late event.
    pub late_covers: Option<(Timestamp, Timestamp)>,
    /// Events refused.
    pub rejected: u64,
    /// How the device's identity index was opened (current, extended from
    /// newer segments, rebuilt and why).
    pub index: String,
}

/// What a run did in the store.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StoreOutcome {
    /// Events stored.
    pub accepted: u64,
    /// Events refused.
    pub rejected: u64,
    /// Events not stored again (already stored, or delivered twice).
    pub duplicates: u64,
    /// Of `accepted`, events stored as late deliveries.
    pub late: u64,
    /// Per device.
    pub devices: BTreeMap<String, DeviceIngest>,
    /// What device journals held that their writers could not replay when
    /// they opened (damage after a crash), each kept in a quarantine file.
    pub quarantined: Vec<worklog_ledger::Quarantined>,
}

/// Everything a run delivered, and where it goes.
pub(crate) struct Run<'a> {
    pub store: &'a Path,
    pub keys: &'a Path,
    pub create_keys: bool,
    /// How each file (by index) is ordered.
    pub orders: Vec<FileOrder>,
}

/// Stores a run's events; returns what became of them per file (by index,
/// `orders.len()` entries) and the events refused.
pub(crate) fn deliver(
    run: &Run<'_>,
    events: Vec<Delivered>,
) -> Result<(StoreOutcome, Vec<FileOutcome>, Vec<Rejection>)> {
    let mut files = vec![FileOutcome::default(); run.orders.len()];
    let mut rejections = Vec::new();
    let mut outcome = StoreOutcome::default();
    let mut per_device: BTreeMap<String, Vec<Delivered>> = BTreeMap::new();
    for d in events {
        per_device
            .entry(d.event.device_id.clone())
            .or_default()
            .push(d);
    }
    for (device, events) in per_device {
        let mut device_outcome = DeviceIngest::default();
        let rejected_before = rejections.len();
        deliver_device(
            run,
            &device,
            events,
            &mut files,
            &mut rejections,
            &mut device_outcome,
            &mut outcome.quarantined,
        )?;
        device_outcome.rejected = (rejections.len() - rejected_before) as u64;
        outcome.accepted += device_outcome.accepted;
        outcome.duplicates += device_outcome.duplicates;
        outcome.late += device_outcome.late;
        outcome.rejected += device_outcome.rejected;
        outcome.devices.insert(device, device_outcome);
    }
    for r in &rejections {
        if let Some(file) = files.get_mut(r.file) {
            *file.rejected.entry(r.reason.clone()).or_default() += 1;
        }
    }
    Ok((outcome, files, rejections))
}

/// One device's events: validated, deduplicated, ordered, stored.
fn deliver_device(
    run: &Run<'_>,
    device: &str,
    events: Vec<Delivered>,
    files: &mut [FileOutcome],
    rejections: &mut Vec<Rejection>,
    outcome: &mut DeviceIngest,
    quarantined: &mut Vec<worklog_ledger::Quarantined>,
) -> Result<()> {
    let reject_all = |events: Vec<Delivered>, reason: &str, rejections: &mut Vec<Rejection>| {
        rejections.extend(events.into_iter().map(|d| Rejection {
            file: d.file,
            origin: d.origin,
            reason: reason.to_owned(),
        }));
    };
    if !worklog_schema::is_identifier(device) {
        let reason =
            format!("`device_id`: {device:?} must be 1-64 characters of A-Z a-z 0-9 . _ -");
        reject_all(events, &reason, rejections);
        return Ok(());
    }
    let (key, mut writer) = match open_writer(run, device)? {
        Ok(opened) => opened,
        Err(reason) => {
            reject_all(events, &reason, rejections);
            return Ok(());
        }
    };
    quarantined.extend(writer.quarantined().iter().cloned());
    let mut index = match IdentityIndex::open(run.store, device, &key.public()) {
        Ok(index) => index,
        Err(e) => {
            let reason = format!(
                "the device's stored events cannot be listed: {}",
                worklog_ledger::chain(&e)
            );
            reject_all(events, &reason, rejections);
            return Ok(());
        }
    };
    outcome.index = index_state(&index.state);
    let kept = admit(events, &mut index, files, rejections, outcome)?;
    let stream = in_delivery_order(kept, &run.orders);
    store(&mut writer, stream, files, outcome)?;
    writer.close()?;
    index.save(&key)?;
    Ok(())
}

/// Writes a device's admitted events, in delivery order: those older than
/// the chain's newest event as late segments, the rest appended.
fn store(
    writer: &mut SegmentWriter,
    stream: Vec<Delivered>,
    files: &mut [FileOutcome],
    outcome: &mut DeviceIngest,
) -> Result<()> {
    let high_water = writer.high_water();
    let (late, live): (Vec<Delivered>, Vec<Delivered>) = stream
        .into_iter()
        .partition(|d| high_water.is_some_and(|h| d.event.ts.0 < h));
    for d in late.iter().chain(&live) {
        let file = &mut files[d.file];
        file.ingested += 1;
        *file
            .ingested_by_kind
            .entry(format!("{} {}", d.event.kind, d.event.op))
            .or_default() += 1;
    }
    for d in &late {
        files[d.file].late += 1;
    }
    outcome.late = late.len() as u64;
    outcome.late_covers = late
        .iter()
        .map(|d| d.event.ts)
        .min()
        .zip(late.iter().map(|d| d.event.ts).max());
    outcome.accepted = (late.len() + live.len()) as u64;
    let late_seqs = writer.append_late(late.into_iter().map(|d| d.event).collect())?;
    let mut seqs = (!late_seqs.is_empty()).then(|| (late_seqs.start, late_seqs.end - 1));
    let mut live: Vec<Event> = live.into_iter().map(|d| d.event).collect();
    while !live.is_empty() {
        let rest = live.split_off(live.len().min(JOURNAL_BATCH));
        let range = writer.append_batch(std::mem::replace(&mut live, rest))?;
        seqs = Some((seqs.map_or(range.start, |s| s.0), range.end - 1));
    }
    outcome.seqs = seqs;
    Ok(())
}

/// The events to store: each normalised and validated (else rejected),
/// then looked up by identity (else counted as a duplicate).
fn admit(
    events: Vec<Delivered>,
    index: &mut IdentityIndex,
    files: &mut [FileOutcome],
    rejections: &mut Vec<Rejection>,
    outcome: &mut DeviceIngest,
) -> Result<Vec<Delivered>> {
    let now = Timestamp::now();
    let mut valid = Vec::with_capacity(events.len());
    for mut d in events {
        d.event.normalize();
        d.event.seq = 1; // the ledger numbers events; validation wants one
        match d.event.validate(Some(now)) {
            Ok(()) => valid.push(d),
            Err(e) => rejections.push(Rejection {
                file: d.file,
                origin: d.origin,
                reason: e.to_string(),
            }),
        }
    }
    // In chunks: the identities need Arrow columns of the events, and a
    // copy of a whole run's events would double its memory.
    let mut bases = Vec::with_capacity(valid.len());
    for chunk in valid.chunks(IDENTITY_CHUNK) {
        let events: Vec<Event> = chunk.iter().map(|d| d.event.clone()).collect();
        bases.extend(identity_bases(&events)?);
    }
    let mut occurrences: BTreeMap<usize, Occurrences> = BTreeMap::new();
    let mut kept = Vec::with_capacity(valid.len());
    for (d, base) in valid.into_iter().zip(bases) {
        let id = occurrences.entry(d.file).or_default().next(&base);
        if index.insert(id) {
            kept.push(d);
        } else {
            files[d.file].duplicates += 1;
            outcome.duplicates += 1;
        }
    }
    Ok(kept)
}

/// One stream of the device's events: the files merged by time, each
/// file's own order kept ([`FileOrder`]). Files are separate deliveries
/// (an export of the PC's log, another of its mail log, both covering the
/// same days): no order holds between them but time; inside one file the
/// collector's order is the device's, so a step back of the clock there
/// stays a step back.
fn in_delivery_order(events: Vec<Delivered>, orders: &[FileOrder]) -> Vec<Delivered> {
    use std::cmp::Reverse;
    use std::collections::{BinaryHeap, VecDeque};
    let total = events.len();
    let mut by_file: BTreeMap<usize, Vec<Delivered>> = BTreeMap::new();
    for d in events {
        by_file.entry(d.file).or_default().push(d);
    }
    let mut streams: Vec<VecDeque<Delivered>> = by_file
        .into_iter()
        .map(|(file, mut events)| {
            match orders.get(file).copied().unwrap_or(FileOrder::Time) {
                FileOrder::Time => events.sort_by_key(|d| d.event.ts),
                FileOrder::Collector => events = reorder_jitter(events),
            }
            VecDeque::from(events)
        })
        .collect();
    // A k-way merge by each stream's next event: ties go to the earlier
    // file, and a stream's own order is never changed.
    let mut heads: BinaryHeap<Reverse<(Timestamp, usize)>> = streams
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.front().map(|d| Reverse((d.event.ts, i))))
        .collect();
    let mut out = Vec::with_capacity(total);
    while let Some(Reverse((_, i))) = heads.pop() {
        if let Some(d) = streams[i].pop_front() {
            out.push(d);
        }
        if let Some(next) = streams[i].front() {
            heads.push(Reverse((next.event.ts, i)));
        }
    }
    out
}

/// A collector's order with small steps back undone: the events are cut
/// into runs where one lies more than [`REORDER_WINDOW_SECS`] before the
/// newest so far (the clock went back), and each run is put in time order.
fn reorder_jitter(events: Vec<Delivered>) -> Vec<Delivered> {
    let window = REORDER_WINDOW_SECS * Timestamp::MICROS_PER_SECOND;
    let mut runs: Vec<Vec<Delivered>> = Vec::new();
    let mut newest = i64::MIN;
    for d in events {
        let ts = d.event.ts.0;
        match runs.last_mut() {
            Some(run) if ts >= newest.saturating_sub(window) => run.push(d),
            _ => {
                newest = i64::MIN;
                runs.push(vec![d]);
            }
        }
        newest = newest.max(ts);
    }
    runs.into_iter()
        .flat_map(|mut run| {
            run.sort_by_key(|d| d.event.ts);
            run
        })
        .collect()
}

fn index_state(state: &worklog_ledger::IndexState) -> String {
    use worklog_ledger::IndexState;
    match state {
        IndexState::Empty => "new device".into(),
        IndexState::Current => "current".into(),
        IndexState::Extended { segments } => format!("extended from {segments} newer segment(s)"),
        IndexState::Rebuilt { reason, segments } => {
            format!("rebuilt from {segments} segment(s): {reason}")
        }
        _ => "opened".into(),
    }
}

type Opened = std::result::Result<(SecretKey, SegmentWriter), String>;

/// The device's key and writer, or why its events are rejected. Only a
/// failure to create a key file is an error of the whole job.
fn open_writer(run: &Run<'_>, device: &str) -> Result<Opened> {
    let keys = KeysDir::new(run.keys);
    let key = match keys.secret(device) {
        Ok(Some(key)) => key,
        Err(e) => {
            return Ok(Err(format!(
                "device key unusable: {}",
                worklog_ledger::chain(&e)
            )));
        }
        Ok(None) if run.create_keys => {
            let key = SecretKey::generate(Role::Device, device)?;
            keys.add(&key)?;
            key
        }
        Ok(None) => {
            return Ok(Err(format!(
                "no secret key for device {device:?} in {}; create it with `worklog keygen --role device --id {device} --out {}` or ingest with --create-keys",
                keys.secret_dir().display(),
                run.keys.display()
            )));
        }
    };
    let writer = SegmentWriter::builder(run.store, key.clone())
        .max_bytes(4 << 20)
        .durability(Durability::Process)
        .build()
        .map_err(|e| {
            format!(
                "cannot continue the device's chain: {}; run `worklog verify` on the store",
                worklog_ledger::chain(&e)
            )
        });
    Ok(writer.map(|w| (key, w)))
}

/// Where a rejected line's reject file is, per input.
pub(crate) fn default_rejects(input: &Path) -> PathBuf {
    let mut name = input.file_name().unwrap_or_default().to_os_string();
    name.push(".rejects.jsonl");
    input.with_file_name(name)
}
