//! Mutation fuzzer of the EVTX importer: see README.md.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use worklog_import::{
    FileImport, ImportOptions, read_defender, read_evtx, read_intune, read_message_trace, read_osquery,
    read_squid,
};

const HANG: Duration = Duration::from_secs(30);
const MEMORY_LIMIT_KIB: u64 = 2 << 20;
static CAUGHT: AtomicU64 = AtomicU64::new(0);

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
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
}

const INTERESTING: [u64; 9] = [0, 1, 0x7F, 0xFF, 0xFFFF, 0xFFFF_FFFF, 0x8000_0000, i64::MAX as u64, u64::MAX];

/// Where structures start: the file header, chunk headers and the first
/// record header of each chunk.
fn structure_offsets(len: usize) -> Vec<usize> {
    let mut offsets = vec![0, 8, 16, 24, 32, 40, 42, 120];
    let mut chunk = 4096;
    while chunk < len {
        offsets.extend([chunk, chunk + 8, chunk + 24, chunk + 40, chunk + 44, chunk + 48, chunk + 124, chunk + 512, chunk + 516, chunk + 520, chunk + 536]);
        chunk += 65536;
    }
    offsets.retain(|o| *o < len);
    offsets
}

/// Text formats: a line duplicated, deleted, or a JSON/CSV token swapped
/// for an extreme one.
fn mutate_text(rng: &mut Rng, bytes: &mut Vec<u8>) -> String {
    const TOKENS: [&str; 12] = ["null", "-1", "18446744073709551616", "9223372036854775807", "1e308", "\"\\u0000\"", "\"\\ud800\"", "[]", "{}", "\"\"", ",,,,", "\"9999-12-31T23:59:59Z\""];
    let text = String::from_utf8_lossy(bytes).into_owned();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    if lines.is_empty() {
        return "empty".into();
    }
    let at = rng.below(lines.len());
    let what = match rng.below(4) {
        0 => {
            let copy = lines[at].clone();
            lines.insert(at, copy);
            format!("line {} duplicated", at + 1)
        }
        1 => {
            lines.remove(at);
            format!("line {} deleted", at + 1)
        }
        _ => {
            let line = &lines[at];
            let cuts: Vec<usize> = line.char_indices().filter(|(_, c)| matches!(c, ':' | ',')).map(|(i, _)| i).collect();
            if cuts.is_empty() {
                return "no token".into();
            }
            let start = cuts[rng.below(cuts.len())] + 1;
            let end = line[start..].find([',', '}']).map_or(line.len(), |e| start + e);
            let token = TOKENS[rng.below(TOKENS.len())];
            lines[at] = format!("{}{token}{}", &line[..start], &line[end..]);
            format!("line {} value set to {token}", at + 1)
        }
    };
    *bytes = (lines.join("\n") + "\n").into_bytes();
    what
}

fn mutate(rng: &mut Rng, bytes: &mut Vec<u8>) -> String {
    let len = bytes.len();
    match rng.below(7) {
        0 => {
            let n = 1 + rng.below(16);
            for _ in 0..n {
                let at = rng.below(len);
                bytes[at] ^= 1 << rng.below(8);
            }
            format!("{n} bit flips")
        }
        1 | 2 => {
            let offsets = structure_offsets(len);
            let at = offsets[rng.below(offsets.len())] + rng.below(8);
            let value = INTERESTING[rng.below(INTERESTING.len())].to_le_bytes();
            let width = [1, 2, 4, 8][rng.below(4)];
            for (i, b) in value.iter().take(width).enumerate() {
                if let Some(slot) = bytes.get_mut(at + i) {
                    *slot = *b;
                }
            }
            format!("{width}-byte interesting value at {at:#x}")
        }
        3 => {
            let keep = rng.below(len);
            bytes.truncate(keep);
            format!("truncated to {keep}")
        }
        4 => {
            // A chunk copied over another.
            let chunks = len.saturating_sub(4096) / 65536;
            if chunks < 2 {
                return "no chunk to copy".into();
            }
            let (from, to) = (rng.below(chunks), rng.below(chunks));
            let chunk: Vec<u8> = bytes[4096 + from * 65536..4096 + (from + 1) * 65536].to_vec();
            bytes[4096 + to * 65536..4096 + (to + 1) * 65536].copy_from_slice(&chunk);
            format!("chunk {from} copied over chunk {to}")
        }
        5 => {
            let at = rng.below(len);
            let n = rng.below(4096).min(len - at);
            bytes[at..at + n].fill(0);
            format!("{n} bytes zeroed at {at:#x}")
        }
        _ => {
            let at = rng.below(len);
            let n = 1 + rng.below(256);
            let junk: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
            bytes.splice(at..at, junk);
            format!("{n} random bytes inserted at {at:#x}")
        }
    }
}

/// Peak resident memory of this process (KiB).
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok()))
        .unwrap_or(0)
}

/// What is fuzzed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Target {
    Evtx,
    Osquery,
    Jsonl,
    Csv,
    Trace,
    Intune,
    Defender,
    Squid,
}

impl Target {
    const EXPORTS: [(&'static str, Target); 4] =
        [("trace", Target::Trace), ("intune", Target::Intune), ("defender", Target::Defender), ("squid", Target::Squid)];

    /// The exports' readers: a record may give several events (a message
    /// its send and receives, a device its OS and encryption), so each is
    /// only checked to be accounted for at least once.
    fn is_export(self) -> bool {
        matches!(self, Target::Trace | Target::Intune | Target::Defender | Target::Squid)
    }

    fn name(self) -> &'static str {
        match self {
            Target::Evtx => "evtx",
            Target::Osquery => "osquery",
            Target::Jsonl => "jsonl",
            Target::Csv => "csv",
            Target::Trace => "trace",
            Target::Intune => "intune",
            Target::Defender => "defender",
            Target::Squid => "squid",
        }
    }
}

/// Options that map the fixtures' users and addresses, so that the
/// mapping, not only the parsing, is exercised.
fn options() -> ImportOptions {
    ImportOptions::default()
        .with_user("h.sato@minato-hoken.co.jp", "PC-SATO")
        .with_user("k.ito@minato-hoken.co.jp", "PC-ITO")
        .with_devices(["PC-SATO", "PC-ITO"])
}

/// Runs the importer on `path` in a watchdog thread. JSON Lines and CSV
/// are counted as `records` = lines, `mapped` = events.
fn run(target: Target, path: &Path) -> Result<FileImport, String> {
    let (tx, rx) = mpsc::channel();
    let owned = path.to_owned();
    std::thread::spawn(move || {
        let result = std::panic::catch_unwind(|| match target {
            Target::Evtx => read_evtx(&owned, &ImportOptions::default()),
            Target::Osquery => read_osquery(&owned, &ImportOptions::default()),
            Target::Trace => read_message_trace(&owned, &options()),
            Target::Intune => read_intune(&owned, &options()),
            Target::Defender => read_defender(&owned, &options()),
            Target::Squid => {
                let map = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/squid/address-map.csv");
                read_squid(&owned, &options().read_address_map(&map).unwrap_or_default())
            }
            Target::Jsonl | Target::Csv => {
                let bytes = std::fs::read(&owned).unwrap_or_default();
                let lines = if target == Target::Jsonl {
                    worklog_import::lines::read_jsonl(&bytes)
                } else {
                    worklog_import::lines::read_csv(&bytes).unwrap_or_default()
                };
                let mut out = FileImport::default();
                for (_, event) in lines {
                    out.records += 1;
                    let key = if event.is_ok() { "event" } else { "not an event" };
                    let slot = if event.is_ok() { &mut out.mapped } else { &mut out.not_mapped };
                    *slot.entry(key.into()).or_default() += 1;
                }
                out
            }
        });
        let _ = tx.send(result.map_err(|_| "panic escaped the importer".to_owned()));
    });
    match rx.recv_timeout(HANG) {
        Ok(result) => result,
        Err(_) => Err(format!("hang: no result within {} s", HANG.as_secs())),
    }
}

fn check(target: Target, path: &Path) -> Result<(), String> {
    let read = run(target, path)?;
    if target.is_export() {
        let accounted = read.mapped_total() + read.not_mapped_total() + read.unparsed.len() as u64;
        if accounted < read.records {
            return Err(format!("{} records but only {accounted} mapped, not mapped or unparsed", read.records));
        }
    } else if read.mapped_total() + read.not_mapped_total() != read.records {
        return Err(format!("{} records but {} mapped and {} not mapped", read.records, read.mapped_total(), read.not_mapped_total()));
    }
    if peak_rss_kib() > MEMORY_LIMIT_KIB {
        return Err(format!("peak RSS {} MiB", peak_rss_kib() >> 10));
    }
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let artifacts = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts");
    // Panics the importer catches are counted, not printed one by one.
    std::panic::set_hook(Box::new(|_| {
        CAUGHT.fetch_add(1, Ordering::Relaxed);
    }));
    if args.first().map(String::as_str) == Some("replay") {
        let dir = PathBuf::from(args.get(1).cloned().unwrap_or_else(|| artifacts.display().to_string()));
        let mut failed = false;
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            let name = path.to_string_lossy().to_lowercase();
            let export = Target::EXPORTS.iter().find(|(n, _)| name.contains(&format!("{n}-case")));
            let target = if let Some((_, t)) = export {
                *t
            } else if name.contains("osquery") {
                Target::Osquery
            } else if name.ends_with(".jsonl") {
                Target::Jsonl
            } else if name.ends_with(".csv") {
                Target::Csv
            } else {
                Target::Evtx
            };
            let result = check(target, &path);
            println!("{}: {result:?}", entry.path().display());
            failed |= result.is_err();
        }
        std::process::exit(i32::from(failed));
    }
    let value = |flag: &str, default: u64| {
        args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
    };
    let (seconds, seed) = (value("--seconds", 60), value("--seed", 1));
    let target = match args.first().map(String::as_str) {
        Some("osquery") => Target::Osquery,
        Some("jsonl") => Target::Jsonl,
        Some("csv") => Target::Csv,
        Some(other) => Target::EXPORTS.iter().find(|(n, _)| *n == other).map_or(Target::Evtx, |(_, t)| *t),
        None => Target::Evtx,
    };
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../..");
    let fixtures = root.join("crates/import/tests/fixtures");
    let (samples, extensions): (PathBuf, &[&str]) = match target {
        Target::Evtx => (root.join("../shared/evtx"), &["evtx"]),
        Target::Osquery => (root.join("samples/osquery"), &["log"]),
        Target::Jsonl => (root.join("rules/default/fixtures"), &["jsonl"]),
        Target::Csv => (root.join("crates/import/fuzz/seeds"), &["csv"]),
        Target::Trace => (fixtures.join("exchange"), &["csv"]),
        Target::Intune => (fixtures.join("intune"), &["csv", "json"]),
        Target::Defender => (fixtures.join("defender"), &["csv", "json"]),
        Target::Squid => (fixtures.join("squid"), &["log"]),
    };
    let seeds: Vec<(String, Vec<u8>)> = std::fs::read_dir(&samples)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| extensions.iter().any(|e| x == *e)))
                .filter_map(|p| Some((p.file_name()?.to_string_lossy().into_owned(), std::fs::read(&p).ok()?)))
                .collect()
        })
        .unwrap_or_default();
    if seeds.is_empty() {
        eprintln!("no seeds in {}", samples.display());
        std::process::exit(2);
    }
    let work = std::env::temp_dir().join(format!("worklog-import-fuzz-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&work);
    let mut rng = Rng(seed.max(1));
    let (start, mut cases, mut failures) = (Instant::now(), 0u64, 0u64);
    let mut slowest = (Duration::ZERO, String::new());
    while start.elapsed() < Duration::from_secs(seconds) {
        let (name, original) = &seeds[rng.below(seeds.len())];
        let mut bytes = original.clone();
        let mut what = Vec::new();
        for _ in 0..1 + rng.below(3) {
            if bytes.is_empty() {
                break;
            }
            let text = target != Target::Evtx && rng.below(2) == 0;
            what.push(if text { mutate_text(&mut rng, &mut bytes) } else { mutate(&mut rng, &mut bytes) });
        }
        let extension = name.rsplit('.').next().unwrap_or("bin");
        let path = work.join(format!("case.{extension}"));
        if std::fs::write(&path, &bytes).is_err() {
            continue;
        }
        let began = Instant::now();
        let result = check(target, &path);
        let took = began.elapsed();
        if took > slowest.0 {
            slowest = (took, format!("{name}: {}", what.join("; ")));
        }
        cases += 1;
        if let Err(reason) = result {
            failures += 1;
            let _ = std::fs::create_dir_all(&artifacts);
            let prefix = match target {
                Target::Osquery => "osquery-".to_owned(),
                t if t.is_export() => format!("{}-", t.name()),
                _ => String::new(),
            };
            let kept = artifacts.join(format!("{prefix}case-{seed}-{cases}.{extension}"));
            let _ = std::fs::write(&kept, &bytes);
            eprintln!("FAILED {name} ({}): {reason}; kept in {}", what.join("; "), kept.display());
            if reason.starts_with("hang") {
                break;
            }
        }
    }
    let _ = std::fs::remove_dir_all(&work);
    println!(
        "{}: {cases} cases in {:.0} s, {failures} failures, {} parser panics caught by the importer, slowest case {:.2} s ({}), peak RSS {} MiB",
        target.name(),
        start.elapsed().as_secs_f64(),
        CAUGHT.load(Ordering::Relaxed),
        slowest.0.as_secs_f64(),
        slowest.1,
        peak_rss_kib() >> 10
    );
    std::process::exit(i32::from(failures > 0));
}
