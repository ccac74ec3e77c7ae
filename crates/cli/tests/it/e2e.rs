//! End to end: generate → ingest → tamper with one segment → audit.

use std::io::{Seek, SeekFrom, Write};
use std::path::Path;

use calamine::{Reader, Xlsx, open_workbook};
use worklog::synth::{Fleet, FleetConfig};

use crate::{ingest, text, worklog};

#[test]
fn generate_ingest_tamper_audit() {
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path();
    // Generate: a simulated fleet as the JSON Lines an external collector
    // would send, and its policy.
    let fleet = Fleet::new(FleetConfig {
        devices: 10,
        days: 7,
        events_per_device_day: 150,
        ..FleetConfig::default()
    })
    .unwrap();
    let logs = fleet.generate();
    let mut lines = String::new();
    for log in &logs {
        for event in &log.events {
            lines += &serde_json::to_string(event).unwrap();
            lines.push('\n');
        }
    }
    std::fs::write(tmp.join("events.jsonl"), lines).unwrap();
    fleet.write_policy(&tmp.join("policy")).unwrap();

    // Ingest through the ledger writer.
    let run = ingest(
        &tmp.join("events.jsonl"),
        &tmp.join("store"),
        &tmp.join("keys"),
    );
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));

    // Tamper: overwrite bytes in the middle of one device's segment.
    let victim = "PC-0003";
    let segment = std::fs::read_dir(tmp.join(format!("store/device_id={victim}")))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "parquet"))
        .unwrap();
    let len = std::fs::metadata(&segment).unwrap().len();
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .open(&segment)
        .unwrap();
    file.seek(SeekFrom::Start(len / 3)).unwrap();
    file.write_all(&[0xA5; 48]).unwrap();
    drop(file);

    // Audit.
    let out = tmp.join("audit");
    let s = |p: &Path| p.to_str().unwrap().to_owned();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let run = worklog(&[
        "audit",
        "--store",
        &s(&tmp.join("store")),
        "--keys",
        &s(&tmp.join("keys")),
        "--policy",
        &s(&tmp.join("policy")),
        "--rules",
        &s(&repo.join("rules/default")),
        "--from",
        "2026-10-01",
        "--to",
        "2026-10-07",
        "--out",
        &s(&out),
        "--quiet",
    ]);
    let stdout = text(&run.stdout);
    assert_eq!(
        run.status.code(),
        Some(1),
        "integrity anomaly → exit 1\n{stdout}\n{}",
        text(&run.stderr)
    );
    assert!(
        stdout.contains(&format!("device {victim}"))
            && ["file_unreadable", "row_modified", "segment_forged"]
                .iter()
                .any(|c| stdout.contains(c)),
        "the anomaly is named with its device:\n{stdout}"
    );

    // The analysis: the other devices' violations are still found, the
    // tampered segment is reported, not silently used or dropped.
    let analysis: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("analysis/analysis.json")).unwrap())
            .unwrap();
    let verdicts = analysis["verdicts"].as_array().unwrap();
    let labels: Vec<_> = logs.iter().flat_map(|l| &l.labels).collect();
    let violation = labels
        .iter()
        .find(|l| l.label_type == "finding" && l.item == "119" && l.device_id != victim)
        .expect("the fleet has a network violation");
    let v = verdicts
        .iter()
        .find(|v| v["item"] == "119" && v["device_id"] == violation.device_id.as_str())
        .unwrap();
    assert_eq!(v["verdict"], "fail", "{v}");
    let tamper_check = analysis["log_checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "tamper")
        .unwrap();
    assert_eq!(tamper_check["status"], "problem");
    assert!(
        tamper_check["devices"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d == victim)
    );
    let victim_integrity = analysis["devices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["device_id"] == victim)
        .unwrap();
    assert!(
        !victim_integrity["integrity"]["anomalies"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // The reports exist and read back.
    let mut book: Xlsx<_> = open_workbook(out.join("report/report.xlsx")).unwrap();
    let names = book.sheet_names();
    for sheet in [
        "概要",
        "108",
        "119",
        "端末別",
        "完全性",
        "証跡",
        "漏洩兆候",
        "例外",
        "週次推移",
    ] {
        assert!(
            names.iter().any(|n| n == sheet),
            "sheet {sheet} in {names:?}"
        );
    }
    // The anomaly is located in words of the report (the file named).
    let integrity = book.worksheet_range("完全性").unwrap();
    assert!(integrity.rows().any(|r| {
        r.iter().any(|c| c.to_string().contains(victim))
            && r.iter()
                .any(|c| c.to_string().contains("ファイル device_id="))
    }));
    let html = std::fs::read_to_string(out.join("report/report.html")).unwrap();
    assert_eq!(html.matches("class=\"card item-card").count(), 9);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report/report.json")).unwrap())
            .unwrap();
    assert_eq!(
        json["analysis"]["verdicts"].as_array().unwrap().len(),
        verdicts.len()
    );
    assert!(out.join("report/findings.csv").is_file());
    assert!(out.join("verification.json").is_file());
}

#[test]
fn audit_reads_worklog_toml_and_flags_override_it() {
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path();
    assert_eq!(crate::demo(&tmp.join("demo")).status.code(), Some(0));
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::fs::write(
        tmp.join("worklog.toml"),
        format!(
            "store = \"demo/store\"\nkeys = \"demo/keys\"\nanchors = \"demo/anchors.jsonl\"\npolicy = \"demo/policy\"\n\
             rules = {:?}\nfrom = \"2026-10-01\"\nto = \"2026-10-07\"\nout = \"audit-from-config\"\nlanguage = \"ja\"\nmemory = \"1KiB\"\n",
            repo.join("rules/default").display().to_string()
        ),
    )
    .unwrap();
    let config = tmp.join("worklog.toml");
    let run = worklog(&[
        "audit",
        "--config",
        config.to_str().unwrap(),
        "--lang",
        "en",
        "--json",
        "--quiet",
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    // The file's memory budget holds no device: each is analysed alone,
    // and the warning says so even with --quiet.
    assert!(
        text(&run.stderr).contains("is analysed alone, above the budget"),
        "{}",
        text(&run.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert!(summary["anomalies"].as_array().unwrap().is_empty());
    assert_eq!(summary["verdicts"].as_array().unwrap().len(), 9);
    let html = std::fs::read_to_string(tmp.join("audit-from-config/report/report.html")).unwrap();
    assert!(
        html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"),
        "--lang overrides the file"
    );
    // --fail-on findings turns the demo fleet's findings into exit 1.
    let run = worklog(&[
        "audit",
        "--config",
        config.to_str().unwrap(),
        "--fail-on",
        "findings",
        "--quiet",
    ]);
    assert_eq!(run.status.code(), Some(1), "{}", text(&run.stderr));
    // A budget that is not a size is an input error naming the key.
    let bad_memory = std::fs::read_to_string(&config)
        .unwrap()
        .replace("memory = \"1KiB\"", "memory = \"lots\"");
    std::fs::write(tmp.join("bad-memory.toml"), bad_memory).unwrap();
    let run = worklog(&[
        "audit",
        "--config",
        tmp.join("bad-memory.toml").to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(run.status.code(), Some(2));
    assert!(
        text(&run.stderr).contains("memory in the configuration")
            && text(&run.stderr).contains("\"lots\" is not a size"),
        "{}",
        text(&run.stderr)
    );
    // An unknown key in the file is an input error naming the file.
    std::fs::write(tmp.join("bad.toml"), "stor = \"x\"\n").unwrap();
    let run = worklog(&["audit", "--config", tmp.join("bad.toml").to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(2));
    assert!(
        text(&run.stderr).contains("bad.toml: not a valid configuration"),
        "{}",
        text(&run.stderr)
    );
}
