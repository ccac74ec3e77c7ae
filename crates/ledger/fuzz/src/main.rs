//! Mutation fuzzers of the ledger's readers: see README.md.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use worklog_ledger::{
    IDENTITY_FILE, IdentityIndex, Keyring, Occurrences, Role, SEGMENT_KEY, SecretKey,
    SegmentWriter, Verifier, identity_bases, read_record, store,
};
use worklog_schema::Event;
use worklog_synth::{Fleet, FleetConfig};

const DEVICES: usize = 3;
const HANG: Duration = Duration::from_secs(30);

/// xorshift64*: reproducible from the seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

fn device_key(device: &str) -> SecretKey {
    let mut seed = [5u8; 32];
    for (i, b) in device.bytes().enumerate() {
        seed[i % 32] ^= b;
    }
    SecretKey::from_seed(Role::Device, device, seed)
}

fn keyring(devices: &[String]) -> Keyring {
    let mut ring = Keyring::new();
    for d in devices {
        ring.add(device_key(d).public());
    }
    ring
}

fn fleet() -> Vec<Vec<Event>> {
    let config = FleetConfig {
        devices: DEVICES,
        days: 2,
        events_per_device_day: 60,
        inject_violations: false,
        ..FleetConfig::default()
    };
    let fleet = Fleet::new(config).expect("a valid fleet configuration");
    fleet
        .generate()
        .into_iter()
        .map(|l| l.events)
        .filter(|e| !e.is_empty())
        .collect()
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create the case folder");
    for entry in std::fs::read_dir(from).expect("read the seed").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy the seed");
        }
    }
}

/// Runs `job` in a thread: `Err` with what went wrong on a panic or a hang.
fn guarded<T: Send + 'static>(job: impl FnOnce() -> T + Send + 'static) -> Result<T, String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
        let _ = tx.send(outcome);
    });
    match rx.recv_timeout(HANG) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(panic)) => Err(format!(
            "panic: {}",
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default()
        )),
        Err(_) => Err(format!("hang: no result within {} s", HANG.as_secs())),
    }
}

/// One random mutation of a byte buffer.
fn mutate_bytes(rng: &mut Rng, bytes: &mut Vec<u8>) -> String {
    let len = bytes.len();
    match rng.below(7) {
        0 if len > 0 => {
            let at = rng.below(len);
            bytes[at] ^= 1 << rng.below(8);
            format!("flip a bit at {at}")
        }
        1 if len > 0 => {
            let at = rng.below(len);
            let values = [0u8, 0xff, 0x7f, 0x80, 0x01, b'0', b'9', b'"', b'{'];
            bytes[at] = values[rng.below(values.len())];
            format!("set byte {at}")
        }
        2 => {
            let to = rng.below(len + 1);
            bytes.truncate(to);
            format!("truncate to {to}")
        }
        3 => {
            let n = 1 + rng.below(64);
            let extra: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
            bytes.extend_from_slice(&extra);
            format!("append {n} random bytes")
        }
        4 if len > 1 => {
            let (from, to) = (rng.below(len), rng.below(len));
            let n = 1 + rng.below((len - from.max(to)).min(256));
            let chunk = bytes[from..from + n].to_vec();
            bytes[to..to + n].copy_from_slice(&chunk);
            format!("copy {n} bytes from {from} to {to}")
        }
        5 if len > 1 => {
            let at = rng.below(len);
            let n = 1 + rng.below((len - at).min(256));
            bytes.drain(at..at + n);
            format!("delete {n} bytes at {at}")
        }
        _ if len > 0 => {
            // Near the end: the Parquet footer and the segment record.
            let at = len - 1 - rng.below(len.min(4096));
            bytes[at] ^= 1 << rng.below(8);
            format!("flip a footer bit at {at}")
        }
        _ => "nothing".into(),
    }
}

/// Replaces a digit inside the segment record's JSON with another digit:
/// the footer stays parseable, the record's numbers change.
fn mutate_record_digit(rng: &mut Rng, bytes: &mut [u8]) -> String {
    let needle = b"\"first_seq\":";
    let Some(start) = bytes.windows(needle.len()).position(|w| w == needle) else {
        return "no record found".into();
    };
    let end = (start + 1200).min(bytes.len());
    let digits: Vec<usize> = (start..end)
        .filter(|&i| bytes[i].is_ascii_digit())
        .collect();
    if digits.is_empty() {
        return "no digits".into();
    }
    let at = digits[rng.below(digits.len())];
    bytes[at] = b'0' + rng.below(10) as u8;
    format!("record digit at {at}")
}

/// The key holder's crafted record: numbers set to extremes, re-signed,
/// the file rewritten with its rows.
fn resign_with_extremes(rng: &mut Rng, path: &Path) -> String {
    let Ok(mut record) = read_record(path) else {
        return "unreadable record".into();
    };
    let extremes = [0u64, 1, 2, u64::MAX, u64::MAX - 1, i64::MAX as u64, 1 << 32];
    let pick = |rng: &mut Rng| extremes[rng.below(extremes.len())];
    let field = rng.below(9);
    match field {
        0 => record.first_seq = pick(rng),
        1 => record.last_seq = pick(rng),
        2 => record.row_count = pick(rng),
        3 => record.segment_no = pick(rng),
        4 => record.ts_regressions = pick(rng),
        5 => record.min_ts = pick(rng) as i64,
        6 => record.max_ts = pick(rng) as i64,
        // A live segment declared late: its events are not older than the
        // chain's (a key holder's claim the verifier must refuse).
        7 => record.delivery = worklog_ledger::Delivery::Backfill,
        _ => record.last_ts = pick(rng) as i64,
    }
    record.seal(&device_key(&record.device_id));
    let Ok(json) = serde_json::to_string(&record) else {
        return "record not serialisable".into();
    };
    let batches: Vec<_> = match File::open(path)
        .ok()
        .and_then(|f| ParquetRecordBatchReaderBuilder::try_new(f).ok())
        .and_then(|b| b.build().ok())
    {
        Some(reader) => reader.map_while(Result::ok).collect(),
        None => return "rows unreadable".into(),
    };
    let Some(schema) = batches.first().map(|b| b.schema()) else {
        return "no rows".into();
    };
    let props = WriterProperties::builder()
        .set_key_value_metadata(Some(vec![KeyValue::new(SEGMENT_KEY.to_owned(), json)]))
        .build();
    let written = File::create(path)
        .ok()
        .and_then(|f| ArrowWriter::try_new(f, schema, Some(props)).ok())
        .map(|mut w| {
            for b in &batches {
                let _ = w.write(b);
            }
            w.close().is_ok()
        });
    format!("re-signed record field {field} (written: {written:?})")
}

fn fuzz_verify(seconds: u64, seed: u64) -> Result<u64, String> {
    let seed_dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let logs = fleet();
    let devices: Vec<String> = logs.iter().map(|l| l[0].device_id.clone()).collect();
    for log in &logs {
        let mut writer = SegmentWriter::builder(seed_dir.path(), device_key(&log[0].device_id))
            .max_rows(23)
            .build()
            .map_err(|e| e.to_string())?;
        // Small batches: the size limit is checked between appends, so the
        // chain gets several segments, each committing to the one before.
        for chunk in log.chunks(5) {
            writer
                .append_batch(chunk.to_vec())
                .map_err(|e| e.to_string())?;
        }
        writer.close().map_err(|e| e.to_string())?;
    }
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut cases = 0u64;
    while Instant::now() < deadline {
        cases += 1;
        let case = tempfile::tempdir().map_err(|e| e.to_string())?;
        let store_dir = case.path().join("store");
        copy_tree(seed_dir.path(), &store_dir);
        let mut files: Vec<PathBuf> = Vec::new();
        for (_, dir) in store::list_devices(&store_dir).map_err(|e| e.to_string())? {
            files.extend(store::list_segments(&dir).map_err(|e| e.to_string())?);
            files.push(dir.join(store::SEAL_FILE));
        }
        let mut done = Vec::new();
        for _ in 0..1 + rng.below(4) {
            let path = files[rng.below(files.len())].clone();
            let what = match rng.below(10) {
                0 => resign_with_extremes(&mut rng, &path),
                kind => {
                    let mut bytes = std::fs::read(&path).unwrap_or_default();
                    let what = if kind == 1 {
                        mutate_record_digit(&mut rng, &mut bytes)
                    } else {
                        mutate_bytes(&mut rng, &mut bytes)
                    };
                    std::fs::write(&path, &bytes).map_err(|e| e.to_string())?;
                    what
                }
            };
            done.push(format!("{}: {what}", path.display()));
        }
        let ring = keyring(&devices);
        let store_for_job = store_dir.clone();
        let deep = rng.below(4) == 0;
        let outcome = guarded(move || {
            Verifier::new(&ring)
                .deep(deep)
                .verify(&store_for_job)
                .map(|r| {
                    // The reader panicked and the verifier contained it:
                    // no failure, but a file worth keeping as a fixture.
                    r.anomalies()
                        .find(|a| a.detail.contains("the Parquet reader failed on it"))
                        .and_then(|a| a.file.clone())
                })
                .map_err(|e| e.to_string())
        });
        if let Ok(Ok(Some(file))) = &outcome {
            keep_contained(&store_dir.join(file));
        }
        let failure = match outcome {
            Ok(Ok(_)) => None,
            Ok(Err(e)) => Some(format!("verifier error instead of anomalies: {e}")),
            Err(e) => Some(e),
        };
        if let Some(failure) = failure {
            return Err(keep(case, &store_dir, &failure, &done));
        }
    }
    Ok(cases)
}

fn fuzz_journal(seconds: u64, seed: u64) -> Result<u64, String> {
    let logs = fleet();
    let device = logs[0][0].device_id.clone();
    let seed_dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut writer = SegmentWriter::builder(seed_dir.path(), device_key(&device))
        .max_rows(1_000_000)
        .build()
        .map_err(|e| e.to_string())?;
    for chunk in logs[0].chunks(7) {
        writer
            .append_batch(chunk.to_vec())
            .map_err(|e| e.to_string())?;
    }
    drop(writer); // not closed: every event stays in the journal
    let journal_path = store::device_dir(seed_dir.path(), &device).join(store::JOURNAL_FILE);
    let journal = std::fs::read(&journal_path).map_err(|e| e.to_string())?;
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut cases = 0u64;
    while Instant::now() < deadline {
        cases += 1;
        let case = tempfile::tempdir().map_err(|e| e.to_string())?;
        let store_dir = case.path().join("store");
        let dir = store::device_dir(&store_dir, &device);
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let mut bytes = journal.clone();
        let done: Vec<String> = (0..1 + rng.below(3))
            .map(|_| mutate_bytes(&mut rng, &mut bytes))
            .collect();
        std::fs::write(dir.join(store::JOURNAL_FILE), &bytes).map_err(|e| e.to_string())?;
        let (job_store, job_device) = (store_dir.clone(), device.clone());
        let outcome = guarded(move || -> Result<bool, String> {
            let writer = SegmentWriter::builder(&job_store, device_key(&job_device))
                .build()
                .map_err(|e| e.to_string())?;
            writer.close().map_err(|e| e.to_string())?;
            let report = Verifier::new(&keyring(std::slice::from_ref(&job_device)))
                .verify(&job_store)
                .map_err(|e| e.to_string())?;
            Ok(report.is_clean())
        });
        let failure = match outcome {
            Ok(Ok(true)) => None,
            Ok(Ok(false)) => Some("the writer committed a store that does not verify".into()),
            // Refusing a damaged journal with an error is allowed.
            Ok(Err(_)) => None,
            Err(e) => Some(e),
        };
        if let Some(failure) = failure {
            return Err(keep(case, &store_dir, &failure, &done));
        }
    }
    Ok(cases)
}

/// Mutations of a device's identity index (`_identities.idx`): opening it
/// must never panic or hang, and must always hold exactly the identities of
/// the stored events — an index that was tampered with is rebuilt, never
/// believed (else an event could be taken for a duplicate and dropped).
fn fuzz_identities(seconds: u64, seed: u64) -> Result<u64, String> {
    let logs = fleet();
    let device = logs[0][0].device_id.clone();
    let seed_dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut writer = SegmentWriter::builder(seed_dir.path(), device_key(&device))
        .max_rows(40)
        .build()
        .map_err(|e| e.to_string())?;
    for chunk in logs[0].chunks(9) {
        writer
            .append_batch(chunk.to_vec())
            .map_err(|e| e.to_string())?;
    }
    writer.close().map_err(|e| e.to_string())?;
    let key = device_key(&device);
    let mut truth =
        IdentityIndex::open(seed_dir.path(), &device, &key.public()).map_err(|e| e.to_string())?;
    let expected = truth.len();
    truth.save(&key).map_err(|e| e.to_string())?;
    let index_path = store::device_dir(seed_dir.path(), &device).join(IDENTITY_FILE);
    let index = std::fs::read(&index_path).map_err(|e| e.to_string())?;
    let bases = identity_bases(&logs[0]).map_err(|e| e.to_string())?;
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut cases = 0u64;
    while Instant::now() < deadline {
        cases += 1;
        let case = tempfile::tempdir().map_err(|e| e.to_string())?;
        let store_dir = case.path().join("store");
        copy_tree(seed_dir.path(), &store_dir);
        let mut bytes = index.clone();
        let done: Vec<String> = (0..1 + rng.below(3))
            .map(|_| mutate_bytes(&mut rng, &mut bytes))
            .collect();
        std::fs::write(
            store::device_dir(&store_dir, &device).join(IDENTITY_FILE),
            &bytes,
        )
        .map_err(|e| e.to_string())?;
        let (job_store, job_device, job_bases) = (store_dir.clone(), device.clone(), bases.clone());
        let outcome = guarded(move || -> Result<(usize, usize), String> {
            let index =
                IdentityIndex::open(&job_store, &job_device, &device_key(&job_device).public())
                    .map_err(|e| e.to_string())?;
            let mut occurrences = Occurrences::default();
            let known = job_bases
                .iter()
                .filter(|b| index.contains(&occurrences.next(b)))
                .count();
            Ok((index.len(), known))
        });
        let failure = match outcome {
            Ok(Ok((len, known))) if len == expected && known == bases.len() => None,
            Ok(Ok((len, known))) => Some(format!(
                "the opened index holds {len} identities ({known} of the {} stored events), the store {expected}",
                bases.len()
            )),
            Ok(Err(e)) => Some(format!("opening the index failed: {e}")),
            Err(e) => Some(e),
        };
        if let Some(failure) = failure {
            return Err(keep(case, &store_dir, &failure, &done));
        }
    }
    Ok(cases)
}

/// Verifies a kept case again (fast path, then deep), timing each: for
/// reproducing what the `verify` fuzzer reported.
fn replay(store: Option<PathBuf>) -> Result<u64, String> {
    let store = store.ok_or("usage: replay <case folder>")?;
    let devices: Vec<String> = store::list_devices(&store)
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|(d, _)| d)
        .collect();
    let ring = keyring(&devices);
    for deep in [false, true] {
        let started = Instant::now();
        let report = Verifier::new(&ring)
            .deep(deep)
            .verify(&store)
            .map_err(|e| e.to_string())?;
        println!(
            "deep={deep}: {:.2} s, {} anomalies",
            started.elapsed().as_secs_f64(),
            report.anomalies().count()
        );
        for a in report.anomalies() {
            println!("  {a}");
        }
    }
    Ok(1)
}

/// Keeps a file whose reading panicked inside the verifier (contained: not
/// a failure) under `artifacts/contained/`, for the crafted tests.
fn keep_contained(file: &Path) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("artifacts")
        .join("contained");
    let _ = std::fs::create_dir_all(&root);
    let name = format!(
        "reader-panics-{}.parquet",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    );
    if std::fs::copy(file, root.join(&name)).is_ok() {
        eprintln!("a contained reader panic: kept {}", root.join(name).display());
    }
}

/// Keeps a failing case under `artifacts/` and says where.
fn keep(case: tempfile::TempDir, store: &Path, failure: &str, done: &[String]) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("artifacts");
    let name = format!(
        "case-{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis())
    );
    copy_tree(store, &root.join(&name));
    let _ = std::fs::write(root.join(&name).join("MUTATIONS.txt"), done.join("\n"));
    drop(case);
    format!(
        "{failure}\nmutations:\n  {}\ncase kept in {}",
        done.join("\n  "),
        root.join(name).display()
    )
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str, default: u64| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let (seconds, seed) = (value("--seconds", 60), value("--seed", 1));
    let started = Instant::now();
    let result = match args.get(1).map(String::as_str) {
        Some("verify") => fuzz_verify(seconds, seed),
        Some("journal") => fuzz_journal(seconds, seed),
        Some("identities") => fuzz_identities(seconds, seed),
        Some("replay") => replay(args.get(2).map(PathBuf::from)),
        _ => {
            eprintln!(
                "usage: worklog-ledger-fuzz verify|journal|identities [--seconds N] [--seed S] | replay DIR"
            );
            std::process::exit(2);
        }
    };
    match result {
        Ok(cases) => println!(
            "{}: {cases} cases in {:.0} s, seed {seed}: 0 panics, 0 hangs, 0 errors",
            args[1],
            started.elapsed().as_secs_f64()
        ),
        Err(failure) => {
            eprintln!(
                "{}: FAILED after {:.0} s: {failure}",
                args[1],
                started.elapsed().as_secs_f64()
            );
            std::process::exit(1);
        }
    }
}
