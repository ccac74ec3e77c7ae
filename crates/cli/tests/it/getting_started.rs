//! `docs/getting-started.md`, run exactly as written: every line of its
//! `sh` blocks, in order, in a fresh folder that holds the repository's
//! `samples/`, with the `worklog` under test first on the PATH.

use std::path::Path;
use std::process::Command;

#[test]
fn the_getting_started_guide_runs_as_written() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let guide = std::fs::read_to_string(repo.join("docs/getting-started.md")).unwrap();
    let mut commands = Vec::new();
    let mut in_block = false;
    for line in guide.lines() {
        match (in_block, line.trim()) {
            (false, "```sh") => in_block = true,
            (true, "```") => in_block = false,
            (true, l) if !l.is_empty() && !l.starts_with('#') => commands.push(l.to_owned()),
            _ => {}
        }
    }
    assert!(!in_block, "an unclosed code block in the guide");
    assert!(commands.len() >= 5, "{commands:?}");
    assert!(
        commands.iter().all(|c| c.starts_with("worklog ")),
        "{commands:?}"
    );

    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path();
    std::os::unix::fs::symlink(
        repo.join("samples").canonicalize().unwrap(),
        work.join("samples"),
    )
    .unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_worklog")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // The guide's TSA: a real one (`openssl ts`) on the loopback interface.
    let tsa = worklog_stamp::test_tsa::TestTsa::create(
        &work.join("tsa"),
        "Guide TSA Root",
        worklog_stamp::test_tsa::KeyKind::Rsa,
    )
    .unwrap();
    let served = tsa
        .serve(worklog_stamp::test_tsa::Behaviour::Answer)
        .unwrap();
    for command in &commands {
        let run = Command::new("bash")
            .args(["-c", command])
            .current_dir(work)
            .env("PATH", &path)
            .env("TSA_URL", &served.url)
            .env("TSA_ROOTS", tsa.ca_certificate())
            .env_remove("WORKLOG_CONFIG")
            .output()
            .unwrap();
        assert_eq!(
            run.status.code(),
            Some(0),
            "`{command}` failed:\n{}\n{}",
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        );
    }
    // The anchoring was time-stamped, as the guide says.
    let stamps = std::fs::read_to_string(work.join("anchors.stamps.jsonl")).unwrap();
    assert_eq!(stamps.lines().count(), 1, "{stamps}");
    // What the guide says the audit wrote and found.
    for file in [
        "verification.json",
        "report/report.xlsx",
        "report/report.html",
        "analysis/analysis.json",
        "rules/catalog.toml",
    ] {
        assert!(work.join("audit").join(file).is_file(), "no audit/{file}");
    }
    let analysis: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(work.join("audit/analysis/analysis.json")).unwrap(),
    )
    .unwrap();
    let verdict = |item: &str, device: &str| -> String {
        analysis["verdicts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["item"] == item && v["device_id"] == device)
            .map(|v| v["verdict"].as_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    assert_eq!(verdict("119", "PC-0102"), "fail");
    assert_eq!(verdict("123", "PC-0103"), "fail");
    assert_eq!(verdict("119", "PC-0101"), "pass");
    let tamper = analysis["log_checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "tamper")
        .unwrap();
    assert_eq!(tamper["status"], "ok", "anchored and intact: {tamper}");
}
