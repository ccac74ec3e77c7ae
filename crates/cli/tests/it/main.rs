//! The `worklog` binary: exit codes, outputs and error messages.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output};

mod e2e;
mod getting_started;
mod help;
mod partitions;
mod spark;
mod stamps;

fn worklog(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_worklog"))
        .args(args)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `worklog ingest` with generated keys.
fn ingest(input: &Path, store: &Path, keys: &Path) -> Output {
    worklog(&[
        "ingest",
        "--lang",
        "en",
        "--input",
        input.to_str().unwrap(),
        "--store",
        store.to_str().unwrap(),
        "--keys",
        keys.to_str().unwrap(),
        "--create-keys",
    ])
}

/// `worklog audit --demo` with a small fleet.
fn demo(out: &Path) -> Output {
    worklog(&[
        "audit",
        "--demo",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
        "--devices",
        "8",
        "--days",
        "7",
        "--events-per-day",
        "100",
        "--from",
        "2026-10-01",
    ])
}

#[test]
fn demo_writes_a_verifying_store_and_says_where() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let run = demo(&out);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let stdout = text(&run.stdout);
    assert!(
        // The summary is in the report's language (ja by default).
        stdout.contains("すべてのチェーンに欠落・改ざんなし(アンカー 7 件と一致)"),
        "{stdout}"
    );
    for file in [
        "store",
        "keys/authority.pub",
        "anchors.jsonl",
        "policy/devices.csv",
        "ground-truth.csv",
        "verification.json",
    ] {
        assert!(out.join(file).exists(), "{file} missing");
        assert!(
            stdout.contains(
                &out.join(file.split('/').next().unwrap())
                    .display()
                    .to_string()
            )
        );
    }
    // Running again into the same folder is refused, not merged.
    let again = demo(&out);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        text(&again.stderr).contains("already holds a store"),
        "{}",
        text(&again.stderr)
    );
}

/// Today's date in Asia/Tokyo (the demo fleet's zone), as the demo sees it.
fn today_in_tokyo() -> chrono::NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(9)).date_naive()
}

/// A demo period that reaches today is refused before anything is
/// simulated or written (it once ran for minutes, then failed on events
/// "more than a day after the collector's clock"); by default the period
/// ends yesterday.
#[test]
fn demo_refuses_a_period_reaching_today_before_it_starts() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("future");
    let today = today_in_tokyo();
    let from = today.pred_opt().unwrap().to_string();
    let started = std::time::Instant::now();
    let run = worklog(&[
        "audit",
        "--demo",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
        "--days",
        "365",
        "--from",
        &from,
    ]);
    assert_eq!(run.status.code(), Some(2), "{}", text(&run.stderr));
    assert!(
        text(&run.stderr).contains("reaches today"),
        "{}",
        text(&run.stderr)
    );
    assert!(!out.join("store").exists(), "nothing is written");
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
    // The default: the days ending yesterday.
    let out = dir.path().join("default");
    let run = worklog(&[
        "audit",
        "--demo",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
        "--devices",
        "6",
        "--days",
        "7",
        "--events-per-day",
        "40",
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let analysis: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("analysis/analysis.json")).unwrap())
            .unwrap();
    assert_eq!(
        analysis["period"]["last_day"].as_str(),
        Some(today.pred_opt().unwrap().to_string().as_str())
    );
}

#[test]
fn verify_proves_intact_files_by_their_bytes_and_deep_checks_every_row() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    assert_eq!(demo(&out).status.code(), Some(0));
    let (store, keys) = (out.join("store"), out.join("keys"));
    let args = [
        "verify",
        "--lang",
        "en",
        "--store",
        store.to_str().unwrap(),
        "--keys",
        keys.to_str().unwrap(),
        "--json",
    ];
    let depths = |extra: &[&str]| -> (Vec<String>, u64, u64) {
        let run = worklog(&[&args[..], extra].concat());
        assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
        let report: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
        let files = report["verified_files"].as_array().unwrap();
        let events = report["devices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["rows_verified"].as_u64().unwrap())
            .sum();
        (
            files
                .iter()
                .map(|f| f["depth"].as_str().unwrap().to_owned())
                .collect(),
            events,
            report["rows"].as_u64().unwrap(),
        )
    };
    let (fast, fast_events, fast_decoded) = depths(&[]);
    let (deep, deep_events, deep_decoded) = depths(&["--deep"]);
    assert!(!fast.is_empty());
    // The demo's simulated clocks never go back: no row needs decoding.
    assert!(fast.iter().all(|d| d == "bytes"), "{fast:?}");
    assert!(deep.iter().all(|d| d == "rows"), "{deep:?}");
    assert_eq!((fast_events, fast_decoded), (deep_events, 0));
    assert_eq!(deep_decoded, deep_events);
    let summary = worklog(&args[..7]);
    assert!(
        text(&summary.stdout).contains(&format!(
            "{} proven by their bytes, 0 row by row",
            fast.len()
        )),
        "{}",
        text(&summary.stdout)
    );
}

#[test]
fn verify_exits_1_and_locates_a_deleted_segment() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    assert_eq!(demo(&out).status.code(), Some(0));
    let store = out.join("store");
    let device = store.join("device_id=PC-0002");
    let segment = std::fs::read_dir(&device)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "parquet"))
        .unwrap();
    std::fs::remove_file(&segment).unwrap();
    let (keys, anchors) = (out.join("keys"), out.join("anchors.jsonl"));
    let args = [
        "verify",
        "--lang",
        "en",
        "--store",
        store.to_str().unwrap(),
        "--keys",
        keys.to_str().unwrap(),
        "--anchors",
        anchors.to_str().unwrap(),
    ];
    let run = worklog(&args);
    assert_eq!(run.status.code(), Some(1), "{}", text(&run.stderr));
    let stdout = text(&run.stdout);
    assert!(stdout.contains("1 integrity anomalies"), "{stdout}");
    assert!(
        stdout.contains("tail_truncated device PC-0002 seq 1..="),
        "{stdout}"
    );
    let json = worklog(&[&args[..], &["--json"]].concat());
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(
        report["devices"][1]["anomalies"][0]["class"],
        "tail_truncated"
    );
}

#[test]
fn verify_refuses_a_missing_anchor_log_and_reports_a_damaged_last_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    assert_eq!(demo(&out).status.code(), Some(0));
    let (store, keys) = (out.join("store"), out.join("keys"));
    let verify = |anchors: &Path| {
        worklog(&[
            "verify",
            "--lang",
            "en",
            "--store",
            store.to_str().unwrap(),
            "--keys",
            keys.to_str().unwrap(),
            "--anchors",
            anchors.to_str().unwrap(),
            "--json",
        ])
    };
    // A log that is not there would switch the anchor checks off.
    let run = verify(&out.join("anchor-typo.jsonl"));
    assert_eq!(run.status.code(), Some(2), "{}", text(&run.stdout));
    let stderr = text(&run.stderr);
    assert!(
        stderr.contains("anchor-typo.jsonl") && stderr.contains("does not exist"),
        "{stderr}"
    );
    // A last line cut short (the one that covers the newest head).
    let anchors = out.join("anchors.jsonl");
    let log = std::fs::read_to_string(&anchors).unwrap();
    let lines = log.lines().count();
    std::fs::write(
        &anchors,
        format!("{log}{{\"index\":{lines},\"device_id\":\"PC-00"),
    )
    .unwrap();
    let run = verify(&anchors);
    assert_eq!(run.status.code(), Some(1), "{}", text(&run.stderr));
    let report: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let broken = &report["store_anomalies"][0];
    assert_eq!(broken["class"], "anchor_log_broken", "{report}");
    assert!(
        broken["file"]
            .as_str()
            .unwrap()
            .ends_with(&format!("anchors.jsonl:{}", lines + 1)),
        "{broken}"
    );
}

#[test]
fn verify_reports_a_device_that_logged_past_its_anchor_interval() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    assert_eq!(demo(&out).status.code(), Some(0));
    let (store, keys, anchors) = (
        out.join("store"),
        out.join("keys"),
        out.join("anchors.jsonl"),
    );
    // The demo anchored every head just now; PC-0001 then logs an event
    // three hours ahead (the writer takes events up to a day ahead).
    let now_us = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_micros() as i64;
    let later = worklog::schema::Timestamp(now_us + 3 * 3_600_000_000);
    let input = dir.path().join("later.jsonl");
    std::fs::write(
        &input,
        format!(
            r#"{{"ts":"{}","utc_offset_min":540,"device_id":"PC-0001","user_name":"u","kind":"session","op":"logon"}}"#,
            later
        ),
    )
    .unwrap();
    let run = worklog(&[
        "ingest",
        "--lang",
        "en",
        "--input",
        input.to_str().unwrap(),
        "--store",
        store.to_str().unwrap(),
        "--keys",
        keys.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let verify = |interval: &str| {
        worklog(&[
            "verify",
            "--lang",
            "en",
            "--store",
            store.to_str().unwrap(),
            "--keys",
            keys.to_str().unwrap(),
            "--anchors",
            anchors.to_str().unwrap(),
            "--anchor-interval",
            interval,
        ])
    };
    // Within a daily interval: nothing to say.
    let daily = verify("24");
    assert_eq!(daily.status.code(), Some(0), "{}", text(&daily.stderr));
    assert!(
        !text(&daily.stdout).contains("stale anchor"),
        "{}",
        text(&daily.stdout)
    );
    // Hourly anchoring promised: PC-0001's last three hours are not covered.
    let hourly = verify("1");
    assert_eq!(hourly.status.code(), Some(0), "{}", text(&hourly.stderr));
    let stdout = text(&hourly.stdout);
    assert!(
        stdout.contains("stale anchor: device PC-0001 logged for 3.0 h after its newest anchor"),
        "{stdout}"
    );
    assert_eq!(stdout.matches("stale anchor").count(), 1, "{stdout}");
}

#[test]
fn a_missing_store_is_a_usage_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let run = worklog(&[
        "verify",
        "--lang",
        "en",
        "--store",
        dir.path().join("nope").to_str().unwrap(),
        "--keys",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(2));
    let stderr = text(&run.stderr);
    assert!(
        stderr.starts_with("error: store ") && stderr.contains("nope is not a folder"),
        "{stderr}"
    );
}

#[test]
fn keygen_prove_and_check_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    assert_eq!(demo(&out).status.code(), Some(0));
    let run = worklog(&[
        "prove",
        "--store",
        out.join("store").to_str().unwrap(),
        "--device",
        "PC-0003",
        "--seq",
        "17",
        "--keys",
        out.join("keys").to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let proof: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(proof["event"]["seq"], 17);
    assert!(text(&run.stderr).contains("proof checked"));
    // Without --json: the proof in words, and how to get the document.
    let words = worklog(&[
        "prove",
        "--store",
        out.join("store").to_str().unwrap(),
        "--device",
        "PC-0003",
        "--seq",
        "17",
    ]);
    assert_eq!(words.status.code(), Some(0), "{}", text(&words.stderr));
    let said = text(&words.stdout);
    assert!(said.starts_with("event 17 of PC-0003: leaf "), "{said}");
    assert!(
        said.contains("not checked") && said.contains("--json"),
        "{said}"
    );
    let keys = dir.path().join("k");
    let run = worklog(&[
        "keygen",
        "--role",
        "authority",
        "--id",
        "hq",
        "--out",
        keys.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(0));
    // One layout everywhere: public keys in the folder, secrets below it.
    assert!(keys.join("secret/hq.key").exists() && keys.join("hq.pub").exists());
    assert!(!keys.join("hq.key").exists());
    let again = worklog(&[
        "keygen",
        "--role",
        "authority",
        "--id",
        "hq",
        "--out",
        keys.to_str().unwrap(),
    ]);
    assert_eq!(
        again.status.code(),
        Some(2),
        "an existing secret key is never overwritten"
    );
}

#[test]
fn ingest_takes_good_lines_and_rejects_bad_ones_with_line_and_reason() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("events.jsonl");
    let mut lines: Vec<Vec<u8>> = vec![
        br#"{"ts":"2026-10-05T09:00:00+09:00","utc_offset_min":540,"device_id":"PC-0101","user_name":"sato","kind":"session","op":"logon"}"#.to_vec(),
        br#"{"ts":"2026-10-05T09:01:00+09:00","utc_offset_min":540,"device_id":"PC-0101","user_name":"sato","kind":"web","op":"visit","url":"https://x.example/<script>","web_domain":"x.example"}"#.to_vec(),
        b"{not json".to_vec(),
        br#"{"ts":"2026-10-05T09:02:00+09:00","utc_offset_min":540,"device_id":"PC-0102","kind":"mail","op":"send","user_name":"kato"}"#.to_vec(),
        b"".to_vec(),
        [br#"{"ts":"2026-10-05T09:03:00+09:00","utc_offset_min":540,"device_id":"PC-0102","kind":"session","op":"lock","user_name":"k"#.as_slice(), &[0xff], br#""}"#].concat(),
        br#"{"ts":"2026-10-05T09:04:00+09:00","utc_offset_min":540,"device_id":"PC-0102","user_name":"kato","kind":"session","op":"unlock"}"#.to_vec(),
    ];
    lines.push(br#"{"ts":"2026-10-05T09:05:00+09:00","device_id":"PC-0101","kind":"session","op":"logoff","user_name":"sato","utc_offset_min":540,"extra":1}"#.to_vec());
    let bad_byte = lines[5].iter().position(|b| *b == 0xff).unwrap();
    std::fs::write(&input, lines.join(&b'\n')).unwrap();
    let (store, keys) = (dir.path().join("store"), dir.path().join("keys"));
    let run = ingest(&input, &store, &keys);
    assert_eq!(run.status.code(), Some(2), "rejects make exit code 2");
    assert!(
        text(&run.stdout).contains("\n3 event(s) stored for 2 device(s)"),
        "{}",
        text(&run.stdout)
    );
    let rejects = std::fs::read_to_string(dir.path().join("events.jsonl.rejects.jsonl")).unwrap();
    let rejects: Vec<serde_json::Value> = rejects
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let summary: Vec<(u64, String)> = rejects
        .iter()
        .map(|r| {
            (
                r["line"].as_u64().unwrap(),
                r["reason"]
                    .as_str()
                    .unwrap()
                    .split(':')
                    .next()
                    .unwrap()
                    .to_owned(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (3, "not JSON".to_owned()),
            (4, "invalid event (device \"PC-0102\", seq 1)".to_owned()),
            (
                6,
                format!("not UTF-8 at byte {bad_byte}; re-encode the collector's output as UTF-8")
            ),
            (8, "not an event".to_owned()),
        ]
    );
    assert!(
        rejects[1]["reason"]
            .as_str()
            .unwrap()
            .contains("`sender_address`: is required for mail/send")
    );
    // What was ingested verifies under the generated keys.
    let verify = worklog(&[
        "verify",
        "--lang",
        "en",
        "--store",
        store.to_str().unwrap(),
        "--keys",
        keys.to_str().unwrap(),
    ]);
    assert_eq!(verify.status.code(), Some(0), "{}", text(&verify.stdout));
    assert!(
        text(&verify.stdout).contains("3 events of 2 devices"),
        "{}",
        text(&verify.stdout)
    );
    // Again, with --json: the same account for a program, and the first
    // refused line named on stderr from the report (not the reject file).
    let again = worklog(&[
        "ingest",
        "--lang",
        "en",
        input.to_str().unwrap(),
        "--store",
        store.to_str().unwrap(),
        "--keys",
        keys.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(again.status.code(), Some(2));
    let report: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    let file = &report["files"][0];
    assert_eq!(file["rejected_lines"], 4, "{report}");
    assert_eq!(file["duplicates"], 3, "{report}");
    assert_eq!(file["first_rejection"][0], 3, "{report}");
    assert!(
        text(&again.stderr).contains("first: line 3 — not JSON"),
        "{}",
        text(&again.stderr)
    );
}

#[test]
fn ingest_reads_csv_and_refuses_an_unknown_column_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("events.csv");
    std::fs::write(
        &input,
        "ts,utc_offset_min,device_id,user_name,kind,op,file_path,target_path,dst_removable,file_size\n\
         2026-10-05T09:00:00+09:00,540,PC-0201,ito,file,copy,C:\\a.xlsx,E:\\a.xlsx,true,120\n\
         2026-10-05T09:01:00+09:00,540,PC-0201,ito,file,copy,C:\\b.xlsx,E:\\b.xlsx,maybe,120\n",
    )
    .unwrap();
    let (store, keys) = (dir.path().join("store"), dir.path().join("keys"));
    let run = ingest(&input, &store, &keys);
    assert_eq!(run.status.code(), Some(2));
    assert!(
        text(&run.stdout).contains("\n1 event(s) stored for 1 device(s)"),
        "{}",
        text(&run.stdout)
    );
    let rejects = std::fs::read_to_string(dir.path().join("events.csv.rejects.jsonl")).unwrap();
    assert!(
        rejects.contains(r#""line":3,"reason":"`dst_removable`: \"maybe\" is not true or false""#),
        "{rejects}"
    );

    std::fs::write(&input, "ts,device,kind\n").unwrap();
    let run = ingest(&input, &store, &keys);
    assert_eq!(run.status.code(), Some(2));
    assert!(
        text(&run.stderr).contains("line 1: column \"device\" is not an event field"),
        "{}",
        text(&run.stderr)
    );
}

#[test]
fn ingest_rejects_the_lines_of_a_device_whose_chain_cannot_continue_and_takes_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let (store, keys) = (dir.path().join("store"), dir.path().join("keys"));
    let line = |device: &str, minute: u32| {
        format!(
            r#"{{"ts":"2026-10-05T09:{minute:02}:00+09:00","utc_offset_min":540,"device_id":"{device}","user_name":"u","kind":"session","op":"logon"}}"#
        )
    };
    let first = dir.path().join("first.jsonl");
    std::fs::write(&first, [line("PC-0301", 0), line("PC-0302", 0)].join("\n")).unwrap();
    let run = ingest(&first, &store, &keys);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    // PC-0301's last segment is damaged: its chain cannot be continued.
    let partition = store.join("device_id=PC-0301");
    let segment = std::fs::read_dir(&partition)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "parquet"))
        .unwrap();
    std::fs::write(&segment, b"garbage").unwrap();
    let second = dir.path().join("second.jsonl");
    std::fs::write(&second, [line("PC-0301", 1), line("PC-0302", 1)].join("\n")).unwrap();
    let run = ingest(&second, &store, &keys);
    assert_eq!(run.status.code(), Some(2));
    assert!(
        text(&run.stdout).contains("\n1 event(s) stored for 1 device(s)"),
        "{}",
        text(&run.stdout)
    );
    let rejects = std::fs::read_to_string(dir.path().join("second.jsonl.rejects.jsonl")).unwrap();
    assert!(
        rejects.contains(r#""line":1,"reason":"cannot continue the device's chain"#),
        "{rejects}"
    );
}

#[test]
fn ingest_keeps_and_names_a_damaged_journal() {
    let dir = tempfile::tempdir().unwrap();
    let (store, keys) = (dir.path().join("store"), dir.path().join("keys"));
    let line = |minute: u32| {
        format!(
            r#"{{"ts":"2026-10-05T09:{minute:02}:00+09:00","utc_offset_min":540,"device_id":"PC-0401","user_name":"u","kind":"session","op":"logon"}}"#
        )
    };
    let first = dir.path().join("first.jsonl");
    std::fs::write(&first, line(0)).unwrap();
    assert_eq!(ingest(&first, &store, &keys).status.code(), Some(0));
    // A journal left by a crashed agent whose first frame is damaged.
    let partition = store.join("device_id=PC-0401");
    let damaged = b"\0\0\0\x05\xde\xad\xbe\xef{bad}then more acknowledged bytes";
    std::fs::write(partition.join("_journal.wal"), damaged).unwrap();
    let second = dir.path().join("second.jsonl");
    std::fs::write(&second, line(1)).unwrap();
    let run = ingest(&second, &store, &keys);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let stderr = text(&run.stderr);
    assert!(
        stderr.contains("warning: journal bytes 0..") && stderr.contains("quarantine"),
        "{stderr}"
    );
    let kept: Vec<_> = std::fs::read_dir(&partition)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains("quarantine"))
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(std::fs::read(&kept[0]).unwrap(), damaged);
}

/// Bad invocations and inputs: each exits 2 with a message that names the
/// problem. Paths under the temporary folder print as `<tmp>`.
#[test]
fn bad_invocations_and_inputs_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path();
    let p = |name: &str| tmp.join(name).to_str().unwrap().to_owned();
    std::fs::write(tmp.join("garbage.jsonl"), "{\"record\": 1}\nnot json\n").unwrap();
    std::fs::write(tmp.join("bad.csv"), "ts,device,kind\n").unwrap();
    std::fs::create_dir_all(tmp.join("badpolicy")).unwrap();
    std::fs::write(tmp.join("badpolicy/policy.toml"), "organisation = 3\n").unwrap();
    std::fs::create_dir_all(tmp.join("emptypack/rules")).unwrap();
    std::fs::create_dir_all(tmp.join("badpack/rules")).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules/default/catalog.toml"),
        tmp.join("badpack/catalog.toml"),
    )
    .unwrap();
    std::fs::write(
        tmp.join("badpack/rules/typo.toml"),
        "id = \"typo\"\nitems = [\"119\"]\nseverity = \"fail\"\ntitle_ja = \"t\"\ntitle_en = \"t\"\n\
         rationale_ja = \"r\"\nrationale_en = \"r\"\nremediation_ja = \"m\"\nremediation_en = \"m\"\n\
         kinds = [\"network\"]\ntables = []\nrequires_kinds = [\"network\"]\nsql = \"\"\"\nSELECT device_id, 'x' AS detail\nFROM events\nWHERE ssidd = 'x'\n\"\"\"\n",
    )
    .unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let sample_policy = repo.join("samples/policy").display().to_string();
    let pack = repo.join("rules/default").display().to_string();
    assert_eq!(demo(&tmp.join("demo")).status.code(), Some(0));
    std::fs::create_dir_all(tmp.join("store")).unwrap();
    let keygen = worklog(&[
        "keygen",
        "--role",
        "authority",
        "--id",
        "hq",
        "--out",
        &p("keys"),
    ]);
    assert_eq!(keygen.status.code(), Some(0));
    let cases: Vec<(&str, Vec<String>)> = vec![
        (
            "missing store",
            vec![
                "verify".into(),
                "--lang".into(),
                "en".into(),
                "--store".into(),
                p("nope"),
                "--keys".into(),
                p("keys"),
            ],
        ),
        (
            "missing keys folder",
            vec![
                "verify".into(),
                "--lang".into(),
                "en".into(),
                "--store".into(),
                p("store"),
                "--keys".into(),
                p("no-keys"),
            ],
        ),
        (
            "claims file that is not claims",
            vec![
                "anchor".into(),
                "import".into(),
                "--claims".into(),
                p("garbage.jsonl"),
                "--anchors".into(),
                p("a.jsonl"),
                "--keys".into(),
                p("keys"),
                "--authority-key".into(),
                p("keys/secret/hq.key"),
            ],
        ),
        (
            "CSV with an unknown column",
            vec![
                "ingest".into(),
                "--lang".into(),
                "en".into(),
                "--input".into(),
                p("bad.csv"),
                "--store".into(),
                p("store"),
                "--keys".into(),
                p("keys"),
            ],
        ),
        (
            "prove an event that is not there",
            vec![
                "prove".into(),
                "--store".into(),
                p("store"),
                "--device".into(),
                "PC-0001".into(),
                "--seq".into(),
                "5".into(),
            ],
        ),
        (
            "prune with a bad date",
            vec![
                "prune".into(),
                "--store".into(),
                p("store"),
                "--device".into(),
                "PC-0001".into(),
                "--before".into(),
                "April".into(),
                "--authority-key".into(),
                p("k.key"),
            ],
        ),
        (
            "unreadable policy",
            vec![
                "analyze".into(),
                "--store".into(),
                p("store"),
                "--policy".into(),
                p("badpolicy"),
                "--rules".into(),
                pack.clone(),
                "--from".into(),
                "2026-10-01".into(),
                "--to".into(),
                "2026-10-31".into(),
            ],
        ),
        (
            "rule pack without a catalog",
            vec![
                "rules".into(),
                "list".into(),
                "--rules".into(),
                p("emptypack"),
            ],
        ),
        (
            "bad rule",
            vec![
                "rules".into(),
                "check".into(),
                "--rules".into(),
                p("badpack"),
                "--policy".into(),
                sample_policy.clone(),
            ],
        ),
        (
            "period that is not a date",
            vec![
                "analyze".into(),
                "--store".into(),
                p("store"),
                "--policy".into(),
                sample_policy.clone(),
                "--rules".into(),
                pack.clone(),
                "--from".into(),
                "October".into(),
                "--to".into(),
                "2026-10-31".into(),
            ],
        ),
        (
            "period with no data",
            vec![
                "analyze".into(),
                "--store".into(),
                p("demo/store"),
                "--policy".into(),
                p("demo/policy"),
                "--rules".into(),
                pack.clone(),
                "--from".into(),
                "2030-01-01".into(),
                "--to".into(),
                "2030-01-31".into(),
                "--out".into(),
                p("nodata"),
            ],
        ),
        (
            "read-only output folder",
            vec![
                "analyze".into(),
                "--store".into(),
                p("demo/store"),
                "--policy".into(),
                p("demo/policy"),
                "--rules".into(),
                pack.clone(),
                "--from".into(),
                "2026-10-01".into(),
                "--to".into(),
                "2026-10-07".into(),
                "--out".into(),
                "/sys/worklog-read-only".into(),
            ],
        ),
        (
            "malformed JSON Lines",
            vec![
                "ingest".into(),
                "--lang".into(),
                "en".into(),
                "--input".into(),
                p("garbage.jsonl"),
                "--store".into(),
                p("ingested"),
                "--keys".into(),
                p("ingest-keys"),
                "--create-keys".into(),
            ],
        ),
        ("unknown command", vec!["analyse".into()]),
    ];
    let mut report = String::new();
    for (name, args) in cases {
        let run = Command::new(env!("CARGO_BIN_EXE_worklog"))
            .args(&args)
            .output()
            .unwrap();
        // Root gets "Operation not permitted" on /sys, others "Permission denied".
        let stderr = text(&run.stderr)
            .replace(&tmp.display().to_string(), "<tmp>")
            .replace(&repo.display().to_string(), "<repo>")
            .replace("Operation not permitted (os error 1)", "<denied>")
            .replace("Permission denied (os error 13)", "<denied>");
        report += &format!(
            "## {name}\nexit {}\n{}\n",
            run.status.code().unwrap_or(-1),
            stderr.trim_end()
        );
        assert_eq!(run.status.code(), Some(2), "{name}: {stderr}");
    }
    insta::assert_snapshot!(report);
}

#[test]
fn report_compares_with_the_last_audit_and_pseudonymises_with_a_key() {
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../report/tests/fixtures/analysis.json");
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("pseudonym.key");
    std::fs::write(&key, [7u8; 32]).unwrap();
    let out = dir.path().join("report");
    let run = worklog(&[
        "report",
        "--analysis",
        fixture.to_str().unwrap(),
        "--compare",
        fixture.to_str().unwrap(),
        "--pseudonymise-key",
        key.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let csv = std::fs::read_to_string(out.join("findings.csv")).unwrap();
    assert!(csv.lines().count() > 10);
    assert!(
        !csv.contains("PC-00"),
        "a device id in the pseudonymised CSV"
    );
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("id=\"comparison\"") && !html.contains("PC-00"));
    assert!(
        !html.contains("it-admin") && !csv.contains("it-admin"),
        "an approver's name"
    );

    // A key too short to be a secret is refused, naming the file.
    std::fs::write(&key, b"short").unwrap();
    let run = worklog(&[
        "report",
        "--analysis",
        fixture.to_str().unwrap(),
        "--pseudonymise-key",
        key.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(2));
    let stderr = text(&run.stderr);
    assert!(
        stderr.contains("pseudonym.key") && stderr.contains("at least 16"),
        "{stderr}"
    );
}

#[test]
fn ingest_evtx_reads_every_sample_reports_damage_and_never_duplicates() {
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/evtx");
    if !samples.is_dir() {
        let skip = std::env::var("WORKLOG_SKIP_EVTX_SAMPLES").is_ok_and(|v| v == "1");
        assert!(skip, "{} is missing", samples.display());
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (store, keys) = (dir.path().join("store"), dir.path().join("keys"));
    let summary = dir.path().join("summary.json");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "ingest",
            "--lang",
            "en",
            "--format",
            "evtx",
            samples.to_str().unwrap(),
            "--store",
            store.to_str().unwrap(),
            "--keys",
            keys.to_str().unwrap(),
            "--summary",
            summary.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        worklog(&args)
    };
    let first = run(&["--create-keys"]);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    let stdout = text(&first.stdout);
    // One line per file, the damage named.
    assert_eq!(
        stdout.lines().filter(|l| l.contains(".evtx: ")).count(),
        11,
        "{stdout}"
    );
    assert!(
        stdout.contains("not parsed: Failed to parse chunk number"),
        "{stdout}"
    );
    // The records not mapped most often, by channel, provider and id: the
    // Kernel-General 16 records of 2-vss_7-System.evtx (293 in the `evtx`
    // crate's reference counts).
    assert!(
        stdout.contains(
            "  not mapped 293: System | Microsoft-Windows-Kernel-General | 16 — no mapping"
        ),
        "{stdout}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    let ingested = report["store"]["accepted"].as_u64().unwrap();
    assert!(ingested > 400, "{ingested}");
    let security = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["file"].as_str().unwrap().ends_with("/security.evtx"))
        .unwrap();
    assert_eq!(security["records"], 2261);
    // The same records again: nothing new, the chains still verify.
    let again = run(&[]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    assert_eq!(report["store"]["accepted"], 0);
    let verify = worklog(&[
        "verify",
        "--lang",
        "en",
        "--store",
        store.to_str().unwrap(),
        "--keys",
        keys.to_str().unwrap(),
    ]);
    assert_eq!(verify.status.code(), Some(0), "{}", text(&verify.stdout));
    assert!(
        text(&verify.stdout).contains(&format!("{ingested} events")),
        "{}",
        text(&verify.stdout)
    );
    // A file that is not EVTX is reported and fails the job; the other is read.
    let bogus = dir.path().join("bogus.evtx");
    std::fs::write(&bogus, b"not an event log").unwrap();
    let mixed = worklog(&[
        "ingest",
        "--lang",
        "en",
        "--format",
        "evtx",
        bogus.to_str().unwrap(),
        samples.join("new-user-security.evtx").to_str().unwrap(),
        "--store",
        store.to_str().unwrap(),
        "--keys",
        keys.to_str().unwrap(),
        "--summary",
        summary.to_str().unwrap(),
    ]);
    assert_eq!(mixed.status.code(), Some(2));
    let stdout = text(&mixed.stdout);
    assert!(
        stdout.contains("bogus.evtx: 0 records read")
            && stdout.contains("new-user-security.evtx: 4 records read"),
        "{stdout}"
    );
}

/// `worklog ingest --format osquery` of the sample result log into
/// `dir/store` (keys in `dir/keys`, summary `dir/summary.json`), with
/// `extra` arguments.
fn ingest_osquery_sample(dir: &Path, extra: &[&str]) -> Output {
    let log =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples/osquery/osqueryd.results.log");
    let paths = [
        log,
        dir.join("store"),
        dir.join("keys"),
        dir.join("summary.json"),
    ];
    let [log, store, keys, summary] = paths.each_ref().map(|p| p.to_str().unwrap());
    let mut args = vec![
        "ingest",
        "--lang",
        "en",
        "--format",
        "osquery",
        log,
        "--store",
        store,
        "--keys",
        keys,
        "--create-keys",
        "--summary",
        summary,
    ];
    args.extend_from_slice(extra);
    worklog(&args)
}

#[test]
fn ingest_osquery_maps_the_sample_result_log_once() {
    let dir = tempfile::tempdir().unwrap();
    let run = || ingest_osquery_sample(dir.path(), &[]);
    let first = run();
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    let stdout = text(&first.stdout);
    assert!(stdout.contains("15 records read; 11 mapped"), "{stdout}");
    assert!(
        stdout.contains("11 event(s) stored for 1 device(s)"),
        "{stdout}"
    );
    let again = run();
    assert_eq!(again.status.code(), Some(0));
    assert!(
        text(&again.stdout).contains("0 ingested (0 late), 11 already stored or delivered twice"),
        "{}",
        text(&again.stdout)
    );
}

#[test]
fn ingest_takes_the_utc_offsets_from_the_policy_s_time_zone() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples/policy");
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy");
    std::fs::create_dir_all(&policy).unwrap();
    for entry in std::fs::read_dir(&sample).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, policy.join(path.file_name().unwrap())).unwrap();
    }
    let settings = std::fs::read_to_string(policy.join("policy.toml")).unwrap();
    assert!(settings.contains("time_zone = \"Asia/Tokyo\""));
    std::fs::write(
        policy.join("policy.toml"),
        settings.replace(
            "time_zone = \"Asia/Tokyo\"",
            "time_zone = \"America/New_York\"",
        ),
    )
    .unwrap();
    let store = dir.path().join("store");
    let policy_arg = policy.to_str().unwrap();
    let refused =
        ingest_osquery_sample(dir.path(), &["--policy", policy_arg, "--time-zone", "UTC"]);
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused.stderr));
    let out = ingest_osquery_sample(dir.path(), &["--policy", policy_arg]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let mut offsets = Vec::new();
    for device in std::fs::read_dir(&store).unwrap() {
        let device = device.unwrap().path();
        if !device.is_dir() || !device.to_string_lossy().contains("device_id=") {
            continue;
        }
        for segment in std::fs::read_dir(&device).unwrap() {
            let path = segment.unwrap().path();
            if path.extension().is_none_or(|x| x != "parquet") {
                continue;
            }
            let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
                std::fs::File::open(&path).unwrap(),
            )
            .unwrap()
            .build()
            .unwrap();
            for batch in reader {
                for event in worklog::schema::batch_to_events(&batch.unwrap()).unwrap() {
                    offsets.push(event.utc_offset_min);
                }
            }
        }
    }
    assert_eq!(offsets.len(), 11);
    // New York is UTC-5 or, in summer, UTC-4; never Tokyo's +9.
    assert!(
        offsets.iter().all(|o| *o == -300 || *o == -240),
        "{offsets:?}"
    );
}

/// An osquery week delivered after the next one is stored as a late
/// delivery and the command exits 0 because nothing was dropped (it once
/// refused the week as "older than the store" and exited 0 all the same);
/// `worklog verify` lists the late delivery and stays clean.
#[test]
fn a_late_osquery_week_is_ingested_said_and_verified() {
    let dir = tempfile::tempdir().unwrap();
    let line = |unix: i64, columns: &str| {
        format!(
            r#"{{"name":"logged_in_users","hostIdentifier":"PC-0777","unixTime":{unix},"epoch":0,"counter":1,"action":"added","columns":{columns}}}"#
        )
    };
    // 2026-01-05 09:00 JST is 1767571200.
    let day = |d: i64| 1_767_571_200 + (d - 5) * 86_400;
    let week = |days: [i64; 2]| {
        days.iter()
            .map(|d| {
                line(
                    day(*d),
                    &format!(r#"{{"type":"active","user":"kato","host":"","time":"{d}"}}"#),
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
            + "\n"
    };
    let (late, recent) = (dir.path().join("week1.log"), dir.path().join("week2.log"));
    std::fs::write(&late, week([6, 7])).unwrap();
    std::fs::write(&recent, week([12, 13])).unwrap();
    let (store, keys) = (dir.path().join("store"), dir.path().join("keys"));
    let ingest = |log: &Path| {
        worklog(&[
            "ingest",
            "--lang",
            "en",
            "--format",
            "osquery",
            log.to_str().unwrap(),
            "--store",
            store.to_str().unwrap(),
            "--keys",
            keys.to_str().unwrap(),
            "--create-keys",
        ])
    };
    assert_eq!(ingest(&recent).status.code(), Some(0));
    let run = ingest(&late);
    let stdout = text(&run.stdout);
    assert_eq!(run.status.code(), Some(0), "{stdout}{}", text(&run.stderr));
    assert!(stdout.contains("2 ingested (2 late)"), "{stdout}");
    assert!(
        stdout.contains("PC-0777: 2 late event(s) from 2026-01-06T00:00:00Z to 2026-01-07T00:00:00Z stored as a late delivery"),
        "{stdout}"
    );
    let verify = worklog(&[
        "verify",
        "--lang",
        "en",
        "--store",
        store.to_str().unwrap(),
        "--keys",
        keys.to_str().unwrap(),
    ]);
    let out = text(&verify.stdout);
    assert_eq!(verify.status.code(), Some(0), "{out}");
    assert!(out.contains("every chain intact"), "{out}");
    // Without anchors the end of a chain is not proven: said.
    assert!(out.contains("no anchor matched"), "{out}");
    assert!(
        out.contains("late delivery: device PC-0777 seq 3..=4"),
        "{out}"
    );
    // The same two files again, together: nothing stored twice.
    let again = worklog(&[
        "ingest",
        "--lang",
        "en",
        "--format",
        "osquery",
        late.to_str().unwrap(),
        recent.to_str().unwrap(),
        "--store",
        store.to_str().unwrap(),
        "--keys",
        keys.to_str().unwrap(),
    ]);
    assert_eq!(again.status.code(), Some(0));
    assert!(
        text(&again.stdout).contains("0 event(s) stored for 0 device(s)"),
        "{}",
        text(&again.stdout)
    );
}

/// `worklog ingest --format message-trace` with the Intune export as the
/// user map and a policy naming the PCs: each file summarised, the Intune
/// devices and the trace's messages stored under the inventory's ids, and
/// another product's export refused by name, the rest of the job done.
#[test]
fn microsoft_365_exports_are_ingested_with_a_summary_per_file() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../import/tests/fixtures");
    let policy = dir.path().join("policy");
    std::fs::create_dir_all(&policy).unwrap();
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples/policy");
    for entry in std::fs::read_dir(samples).unwrap().flatten() {
        std::fs::copy(entry.path(), policy.join(entry.file_name())).unwrap();
    }
    std::fs::write(
        policy.join("media_approvals.csv"),
        "ticket_id,approver,device_id,media_serial,valid_from,valid_to\n",
    )
    .unwrap();
    std::fs::write(
        policy.join("devices.csv"),
        "device_id,device_type,portable,department,owner,in_service_from,in_service_to\nPC-SATO,laptop,true,営業部,h.sato,2025-04-01,\nPC-ITO,laptop,true,営業部,k.ito,2025-04-01,\n",
    )
    .unwrap();
    let (store, keys) = (dir.path().join("store"), dir.path().join("keys"));
    let ingest = |format: &str, files: &[std::path::PathBuf], extra: &[&str]| {
        let mut args = vec!["ingest", "--lang", "en", "--format", format];
        args.extend(files.iter().map(|f| f.to_str().unwrap()));
        args.extend([
            "--store",
            store.to_str().unwrap(),
            "--keys",
            keys.to_str().unwrap(),
            "--create-keys",
            "--policy",
            policy.to_str().unwrap(),
        ]);
        args.extend(extra);
        worklog(&args)
    };
    let intune = fixtures.join("intune/graph-manageddevices.json");
    let run = ingest("intune", std::slice::from_ref(&intune), &[]);
    let out = text(&run.stdout);
    assert_eq!(run.status.code(), Some(0), "{out}{}", text(&run.stderr));
    assert!(out.contains("graph-manageddevices.json: 4 records read; 5 mapped (encryption status 2, inventory os 3)"), "{out}");
    assert!(
        out.contains(
            "not mapped 1: intune device — operating system iOS: a phone or tablet, not a PC"
        ),
        "{out}"
    );
    let trace = fixtures.join("exchange/get-messagetracev2-powershell7-ja.csv");
    let wrong = fixtures.join("exchange/not-a-trace.csv");
    let run = ingest(
        "message-trace",
        &[trace, wrong],
        &["--user-map", intune.to_str().unwrap()],
    );
    let (out, err) = (text(&run.stdout), text(&run.stderr));
    assert_eq!(
        run.status.code(),
        Some(2),
        "the refused file fails the job: {out}{err}"
    );
    assert!(
        out.contains("get-messagetracev2-powershell7-ja.csv: "),
        "{out}"
    );
    assert!(out.contains("not-a-trace.csv: 0 records read"), "{out}");
    assert!(
        out.contains("needs Received, SenderAddress, RecipientAddress, Status"),
        "{out}"
    );
    assert!(
        out.contains("get-messagetracev2-powershell7-ja.csv: 2 records read; 3 mapped"),
        "{out}"
    );
    // The stored devices are the inventory's: PC-SATO's mail and state.
    let listed: Vec<String> = std::fs::read_dir(&store)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("device_id="))
        .collect();
    assert!(
        listed.contains(&"device_id=PC-SATO".to_owned()),
        "{listed:?}"
    );
    assert!(
        listed.contains(&"device_id=PC-ITO".to_owned()),
        "{listed:?}"
    );
}

/// Rows an export's importer cannot read go to a reject file beside the
/// summary — never into the agency's export folder — each with its file,
/// line, reason and text; the rest is ingested.
#[test]
fn unreadable_export_rows_go_to_a_reject_file_with_their_line() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../import/tests/fixtures");
    let (store, keys) = (dir.path().join("store"), dir.path().join("keys"));
    let summary = dir.path().join("intune-import.json");
    let truncated = fixtures.join("intune/truncated-download.csv");
    let run = worklog(&[
        "ingest",
        "--lang",
        "en",
        "--format",
        "intune",
        truncated.to_str().unwrap(),
        "--store",
        store.to_str().unwrap(),
        "--keys",
        keys.to_str().unwrap(),
        "--create-keys",
        "--summary",
        summary.to_str().unwrap(),
    ]);
    let out = text(&run.stdout);
    assert_eq!(run.status.code(), Some(0), "{out}{}", text(&run.stderr));
    let rejects = dir.path().join("intune-import.rejects.jsonl");
    assert!(
        out.contains(&format!(
            "1 record(s) that could not be read, with their file, line and text: {}",
            rejects.display()
        )),
        "{out}"
    );
    let entries: Vec<serde_json::Value> = std::fs::read_to_string(&rejects)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    let entry = &entries[0];
    assert_eq!(entry["file"], truncated.display().to_string());
    assert_eq!(entry["place"]["line"], 3);
    assert!(
        entry["reason"].as_str().unwrap().contains("cut short"),
        "{entry}"
    );
    assert!(
        entry["raw"]
            .as_str()
            .unwrap()
            .starts_with("3b2f6a0e-1c4d-4e8a-9f10-aa0000000002,PC-ITO,"),
        "{entry}"
    );
    // The export's own folder is left as it was.
    assert!(
        !fixtures
            .join("intune/truncated-download.csv.rejects.jsonl")
            .exists()
    );
    // The readable device was ingested.
    assert!(store.join("device_id=PC-SATO").is_dir());
}

/// A store with nothing in it, or whose only device lost its segments with
/// its seal kept, is no clean verification. Before: "0 devices: every
/// chain intact" and "every chain intact", exit 0.
#[test]
fn an_emptied_store_or_device_does_not_verify_clean() {
    let dir = tempfile::tempdir().unwrap();
    let (store, keys) = (dir.path().join("store"), dir.path().join("keys"));
    std::fs::create_dir_all(&store).unwrap();
    let verify = || {
        worklog(&[
            "verify",
            "--lang",
            "en",
            "--store",
            store.to_str().unwrap(),
            "--keys",
            keys.to_str().unwrap(),
        ])
    };
    std::fs::create_dir_all(&keys).unwrap();
    let run = verify();
    let out = text(&run.stdout);
    assert_ne!(run.status.code(), Some(0), "{out}");
    assert!(out.contains("nothing to verify"), "{out}");
    let events = dir.path().join("events.jsonl");
    std::fs::write(
        &events,
        "{\"ts\":\"2026-01-05T09:00:00+09:00\",\"utc_offset_min\":540,\"device_id\":\"PC-0001\",\"kind\":\"session\",\"op\":\"logon\",\"user_name\":\"u\"}\n",
    )
    .unwrap();
    let ingest = worklog(&[
        "ingest",
        "--lang",
        "en",
        events.to_str().unwrap(),
        "--store",
        store.to_str().unwrap(),
        "--keys",
        keys.to_str().unwrap(),
        "--create-keys",
    ]);
    assert_eq!(ingest.status.code(), Some(0), "{}", text(&ingest.stderr));
    assert_eq!(verify().status.code(), Some(0));
    for entry in std::fs::read_dir(store.join("device_id=PC-0001"))
        .unwrap()
        .flatten()
    {
        if entry.file_name().to_string_lossy().starts_with("seg-") {
            std::fs::remove_file(entry.path()).unwrap();
        }
    }
    let run = verify();
    let out = text(&run.stdout);
    assert_ne!(run.status.code(), Some(0), "{out}");
    assert!(
        out.contains("tail_truncated device PC-0001 seq 1 in device_id=PC-0001/_seal.json"),
        "{out}"
    );
}

/// A folder given to `ingest` without `--format` is read as Windows event
/// logs only when it holds `.evtx` files: a folder of other exports is
/// refused, naming the formats, rather than read as event logs.
#[test]
fn a_folder_without_format_must_hold_event_logs() {
    let dir = tempfile::tempdir().unwrap();
    let exports = dir.path().join("exports");
    std::fs::create_dir_all(&exports).unwrap();
    std::fs::write(exports.join("trace.csv"), "Received,SenderAddress\n").unwrap();
    let run = worklog(&[
        "ingest",
        "--lang",
        "en",
        exports.to_str().unwrap(),
        "--store",
        dir.path().join("store").to_str().unwrap(),
        "--keys",
        dir.path().join("keys").to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(2), "{}", text(&run.stderr));
    let said = text(&run.stderr);
    assert!(
        said.contains("without .evtx files") && said.contains("--format"),
        "{said}"
    );
    assert!(!dir.path().join("store").exists(), "nothing is written");
}

/// `ingest` and `verify` speak the report's language: Japanese unless
/// `--lang en`, every sentence from the catalog (no English sentence left
/// in the Japanese output).
#[test]
fn ingest_and_verify_print_japanese_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("events.jsonl");
    std::fs::write(
        &input,
        concat!(
            r#"{"ts":"2026-10-05T09:00:00+09:00","utc_offset_min":540,"device_id":"PC-0201","kind":"session","op":"logon","user_name":"sato"}"#,
            "\n",
            r#"{"ts":"2026-10-05T18:00:00+09:00","utc_offset_min":540,"device_id":"PC-0201","kind":"session","op":"logoff","user_name":"sato"}"#,
            "\n"
        ),
    )
    .unwrap();
    let (store, keys) = (dir.path().join("store"), dir.path().join("keys"));
    let s = |p: &Path| p.to_str().unwrap().to_owned();
    let args = [
        "ingest".to_owned(),
        "--input".into(),
        s(&input),
        "--store".into(),
        s(&store),
        "--keys".into(),
        s(&keys),
        "--create-keys".into(),
    ];
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_eq!(worklog(&args).status.code(), Some(0));
    // The same file again: nothing stored twice, said in Japanese.
    let run = worklog(&args);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let said = text(&run.stdout);
    assert!(
        said.contains("2 行、取り込み 0 件(遅延 0 件)、保存済みまたは二重配信 2 件、拒否 0 件"),
        "{said}"
    );
    assert!(said.contains("端末 0 台のイベント 0 件を保存"), "{said}");
    assert!(said.contains("PC-0201: 重複 2 件は再保存せず"), "{said}");
    for english in ["ingested", "stored", "line(s)", "duplicate"] {
        assert!(!said.contains(english), "{english} in {said}");
    }
    let verify = |lang: Option<&str>| {
        let mut args = vec!["verify", "--store", store.to_str().unwrap()];
        args.extend(["--keys", keys.to_str().unwrap()]);
        args.extend(lang.map(|l| ["--lang", l]).into_iter().flatten());
        text(&worklog(&args).stdout)
    };
    let ja = verify(None);
    assert!(
        ja.starts_with("セグメントファイル 1 件") && ja.contains("端末 1 台のイベント 2 件を検証"),
        "{ja}"
    );
    assert!(
        ja.contains("末尾の切り取りや鍵保有者による書き換えは否定できない"),
        "{ja}"
    );
    assert!(!ja.contains("Verified") && !ja.contains("intact"), "{ja}");
    let en = verify(Some("en"));
    assert!(en.starts_with("Verified 1 segment files"), "{en}");
}

/// One vocabulary: a device's key is named with `--device`, as in `prove`
/// and `prune` (`--id` stays for an authority's name).
#[test]
fn keygen_takes_device_like_the_other_commands() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    let run = worklog(&[
        "keygen",
        "--role",
        "device",
        "--device",
        "PC-0901",
        "--out",
        keys.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    assert!(keys.join("PC-0901.pub").is_file());
    assert!(keys.join("secret/PC-0901.key").is_file());
}
