//! The importers' records per second against reading and parsing the same
//! file alone, in the same run:
//! - EVTX on the real samples of `../shared/evtx/`, against the `evtx`
//!   parser alone rendering the same records to JSON;
//! - the message trace, Intune, Defender and Squid importers on seeded
//!   exports in their vendors' formats (`WORKLOG_BENCH_EXPORT_ROWS` rows
//!   each, default 200,000), against decoding and splitting the CSV, parsing
//!   the JSON, or splitting the log's lines into fields.
//!
//! `cargo bench -p worklog-benches --bench import` (`WORKLOG_BENCH_ROUNDS`
//! repeats the EVTX samples, default 20).

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use worklog_benches::{best_of, env_or, peak_rss_mib};
use worklog_import::{
    FileImport, ImportOptions, read_defender, read_evtx, read_intune, read_message_trace,
    read_squid,
};

fn main() {
    evtx_bench();
    exports_bench();
}

fn evtx_bench() {
    let quick = !std::env::args().any(|a| a == "--bench");
    let rounds = env_or("WORKLOG_BENCH_ROUNDS", if quick { 1 } else { 20 }) as usize;
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/evtx");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "evtx"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    if files.is_empty() {
        eprintln!("import bench: no samples in {}", dir.display());
        return;
    }
    let bytes: u64 = files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    let runs = if quick { 1 } else { 3 };
    let (parser, parsed) = best_of(runs, || {
        let mut records = 0u64;
        for _ in 0..rounds {
            for file in &files {
                if let Ok(mut parser) = evtx::EvtxParser::from_path(file) {
                    for record in parser.records_json_value().flatten() {
                        black_box(&record.data);
                        records += 1;
                    }
                }
            }
        }
        records
    });
    let options = ImportOptions::default();
    let (import, (records, events)) = best_of(runs, || {
        let (mut records, mut events) = (0u64, 0u64);
        for _ in 0..rounds {
            for file in &files {
                let read = read_evtx(file, &options);
                records += read.records;
                events += read.mapped_total();
                black_box(&read.events);
            }
        }
        (records, events)
    });
    let per_sec = |n: u64, t: std::time::Duration| n as f64 / t.as_secs_f64();
    println!(
        "import bench: {} files, {:.1} MB, × {rounds} rounds, 1 thread",
        files.len(),
        bytes as f64 / 1e6
    );
    println!(
        "  evtx parser to JSON alone : {:>9.0} records/s ({parsed} records, {:.2} s)",
        per_sec(parsed, parser),
        parser.as_secs_f64()
    );
    println!(
        "  import (parse, map, count): {:>9.0} records/s ({records} records, {events} events, {:.2} s)",
        per_sec(records, import),
        import.as_secs_f64()
    );
    println!(
        "  ratio import / parser alone: {:.2}; peak RSS {:.0} MiB",
        per_sec(records, import) / per_sec(parsed, parser),
        peak_rss_mib()
    );
}

/// xorshift64*: the seeded exports are the same every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n.max(1)
    }
}

const USERS: u64 = 200;
const EPOCH: u64 = 1_773_619_200; // 2026-03-16T00:00:00Z

fn time(second: u64) -> String {
    chrono::DateTime::from_timestamp((EPOCH + second) as i64, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S.0000000Z").to_string())
        .unwrap_or_default()
}

/// `Get-MessageTraceV2 | Export-Csv` (PowerShell 7): one row per message
/// and recipient.
fn trace_export(rng: &mut Rng, rows: u64) -> String {
    let mut out = String::from(
        "\"Received\",\"SenderAddress\",\"RecipientAddress\",\"Subject\",\"Status\",\"ToIP\",\"FromIP\",\"Size\",\"MessageId\",\"MessageTraceId\"\n",
    );
    let mut message = 0;
    let mut row = 0;
    while row < rows {
        message += 1;
        let sender = rng.below(USERS);
        for r in 0..1 + rng.below(3) {
            out += &format!(
                "\"{}\",\"u{sender}@example-agency.co.jp\",\"c{}@example.com\",\"件名 {message}\",\"Delivered\",\"\",\"10.0.0.5\",\"{}\",\"<m{message}@example-agency.co.jp>\",\"00000000-0000-0000-0000-{message:012}\"\n",
                time(message * 7 + r),
                rng.below(10_000),
                1_000 + rng.below(100_000)
            );
            row += 1;
        }
    }
    out
}

/// Graph `managedDevices`: one device per row.
fn intune_export(rng: &mut Rng, rows: u64) -> String {
    let versions = [
        "10.0.19045.6036",
        "10.0.22631.3880",
        "10.0.26100.4652",
        "10.0.26200.7019",
    ];
    let value: Vec<serde_json::Value> = (0..rows)
        .map(|i| {
            let os = versions[rng.below(4) as usize];
            serde_json::json!({
                "id": format!("00000000-0000-0000-0000-{i:012}"),
                "deviceName": format!("PC-{i:06}"),
                "lastSyncDateTime": time(rng.below(86_400)),
                "operatingSystem": "Windows",
                "osVersion": os,
                "skuFamily": "windowsProfessional",
                "complianceState": "compliant",
                "isEncrypted": rng.below(10) > 0,
                "userPrincipalName": format!("u{}@example-agency.co.jp", rng.below(USERS)),
                "serialNumber": format!("SN{i:08}"),
            })
        })
        .collect();
    serde_json::json!({"value": value}).to_string()
}

/// DeviceEvents exported from the portal: device-control verdicts and
/// file evidence, AdditionalFields as JSON in a cell.
fn defender_export(rng: &mut Rng, rows: u64) -> String {
    let mut out = String::from(
        "Timestamp,DeviceId,DeviceName,ActionType,FileName,FolderPath,FileSize,InitiatingProcessAccountDomain,InitiatingProcessAccountName,InitiatingProcessFileName,AdditionalFields,ReportId\n",
    );
    for i in 0..rows {
        let device = rng.below(USERS);
        let verdict = if rng.below(4) == 0 {
            "AuditAllowed"
        } else {
            "Deny"
        };
        if rng.below(3) == 0 {
            out += &format!(
                "{},d{device},pc-{device:06}.example.local,RemovableStorageFileEvent,f{i}.xlsx,E:\\f{i}.xlsx,{},AGENCY,u{device},EXCEL.EXE,\"{{\"\"DuplicatedOperation\"\":\"\"Write\"\"}}\",{i}\n",
                time(i),
                rng.below(1 << 20)
            );
        } else {
            out += &format!(
                "{},d{device},pc-{device:06}.example.local,RemovableStoragePolicyTriggered,,E:\\,,AGENCY,u{device},explorer.exe,\"{{\"\"RemovableStoragePolicyVerdict\"\":\"\"{verdict}\"\",\"\"RemovableStorageAccess\"\":\"\"Read, Write\"\",\"\"DeviceInstanceId\"\":\"\"USBSTOR\\\\DISK&VEN_KINGSTON&PROD_DT&REV_1\\\\SN{}&0\"\"}}\",{i}\n",
                time(i),
                rng.below(1000)
            );
        }
    }
    out
}

/// Squid's native access.log.
fn squid_export(rng: &mut Rng, rows: u64) -> String {
    let sites = [
        "intranet.example-agency.co.jp",
        "www.example.com",
        "mail.google.com",
        "news.example.jp",
        "cdn.example.net",
    ];
    let mut out = String::new();
    for i in 0..rows {
        let site = sites[rng.below(sites.len() as u64) as usize];
        out += &format!(
            "{}.{:03} {:6} 10.10.{}.{} TCP_MISS/200 {} GET http://{site}/p/{} - HIER_DIRECT/203.0.113.7 text/html\n",
            EPOCH + i / 4,
            rng.below(1000),
            rng.below(2000),
            rng.below(USERS) / 250,
            rng.below(USERS) % 250,
            rng.below(100_000),
            rng.below(50)
        );
    }
    out
}

fn options(dir: &Path) -> Result<ImportOptions, String> {
    let mut users = String::from("user,device_id\n");
    let mut addresses = String::from("address,device_id\n");
    for u in 0..USERS {
        users += &format!("u{u}@example-agency.co.jp,PC-{u:06}\n");
        addresses += &format!("10.10.{}.{},PC-{u:06}\n", u / 250, u % 250);
    }
    std::fs::write(dir.join("users.csv"), users).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("addresses.csv"), addresses).map_err(|e| e.to_string())?;
    ImportOptions::default()
        .read_user_map(&dir.join("users.csv"))
        .and_then(|o| o.read_address_map(&dir.join("addresses.csv")))
        .map_err(|e| e.to_string())
}

/// Reading and parsing the file alone: CSV decoded and split into cells,
/// JSON parsed, a log's lines split into fields.
fn parse_alone(path: &Path) -> u64 {
    let bytes = std::fs::read(path).unwrap_or_default();
    let name = path.to_string_lossy();
    if name.ends_with(".csv") {
        let table = worklog_import::table::decode(&bytes)
            .and_then(|text| worklog_import::table::parse_csv(&text));
        black_box(&table);
        table.map_or(0, |t| t.rows.len() as u64)
    } else if name.ends_with(".json") {
        let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
        value["value"].as_array().map_or(0, |a| a.len() as u64)
    } else {
        let mut n = 0;
        for line in bytes.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
            let text = String::from_utf8_lossy(line);
            black_box(text.split_ascii_whitespace().count());
            n += 1;
        }
        n
    }
}

fn exports_bench() {
    let quick = !std::env::args().any(|a| a == "--bench");
    let rows = env_or(
        "WORKLOG_BENCH_EXPORT_ROWS",
        if quick { 2_000 } else { 200_000 },
    );
    let (dir, options) = match tempfile::tempdir()
        .map_err(|e| e.to_string())
        .and_then(|dir| options(dir.path()).map(|o| (dir, o)))
    {
        Ok(ready) => ready,
        Err(e) => {
            eprintln!("import bench: cannot set up the exports: {e}");
            return;
        }
    };
    let mut rng = Rng(0x5EED);
    type Reader = fn(&Path, &ImportOptions) -> FileImport;
    let exports: [(&str, &str, String, Reader); 4] = [
        (
            "message trace",
            "trace.csv",
            trace_export(&mut rng, rows),
            read_message_trace,
        ),
        (
            "Intune",
            "intune.json",
            intune_export(&mut rng, rows),
            read_intune,
        ),
        (
            "Defender",
            "deviceevents.csv",
            defender_export(&mut rng, rows),
            read_defender,
        ),
        (
            "Squid",
            "access.log",
            squid_export(&mut rng, rows),
            read_squid,
        ),
    ];
    let runs = if quick { 1 } else { 3 };
    println!("export importers: {rows} rows each, 1 thread");
    let per_sec = |n: u64, t: Duration| n as f64 / t.as_secs_f64();
    for (name, file, text, read) in exports {
        let path = dir.path().join(file);
        if let Err(e) = std::fs::write(&path, &text) {
            eprintln!("import bench: cannot write {}: {e}", path.display());
            return;
        }
        let (alone, parsed) = best_of(runs, || parse_alone(&path));
        let (import, (records, events)) = best_of(runs, || {
            let read = read(&path, &options);
            assert!(!read.unreadable, "{name}: {:?}", read.unparsed);
            black_box(&read.events);
            (read.records, read.mapped_total())
        });
        // Rows per second on both sides: a trace's record is a message of
        // several rows, a Squid page several requests.
        println!(
            "  {name:<13} read and parse alone {:>9.0} rows/s; import (parse, map, count) {:>9.0} rows/s = {:>9.0} records/s ({parsed} rows, {records} records, {events} events, {:.2} s); ratio {:.2}; {:.1} MB",
            per_sec(parsed, alone),
            per_sec(parsed, import),
            per_sec(records, import),
            import.as_secs_f64(),
            per_sec(parsed, import) / per_sec(parsed, alone),
            text.len() as f64 / 1e6
        );
    }
    println!("  peak RSS {:.0} MiB", peak_rss_mib());
}
