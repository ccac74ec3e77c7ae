//! The `worklog` binary: exit codes, outputs and error messages.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output};

fn worklog(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_worklog"))
        .args(args)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn demo(out: &Path) -> Output {
    worklog(&[
        "demo",
        "--out",
        out.to_str().unwrap(),
        "--devices",
        "8",
        "--days",
        "7",
        "--events-per-day",
        "100",
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
        stdout.contains("every chain intact, 7 anchors matched"),
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

#[test]
fn verify_exits_1_and_locates_a_deleted_segment() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    assert_eq!(
        worklog(&[
            "demo",
            "--out",
            out.to_str().unwrap(),
            "--devices",
            "6",
            "--days",
            "7",
            "--events-per-day",
            "80"
        ])
        .status
        .code(),
        Some(0)
    );
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
fn a_missing_store_is_a_usage_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let run = worklog(&[
        "verify",
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
    assert_eq!(
        worklog(&[
            "demo",
            "--out",
            out.to_str().unwrap(),
            "--devices",
            "6",
            "--days",
            "7",
            "--events-per-day",
            "80"
        ])
        .status
        .code(),
        Some(0)
    );
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
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let proof: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(proof["event"]["seq"], 17);
    assert!(text(&run.stderr).contains("proof checked"));
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
    assert!(keys.join("hq.key").exists() && keys.join("hq.pub").exists());
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
