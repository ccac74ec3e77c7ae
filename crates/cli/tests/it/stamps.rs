//! Anchors time-stamped by a real TSA (`openssl ts` behind a loopback HTTP
//! server, its own test CA): stamped on import, stated per device by
//! `verify`, and what a stamp must catch or refuse.

use std::path::Path;

use worklog_stamp::test_tsa::{Behaviour, KeyKind, TestTsa};

use crate::{demo, text, worklog};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn lines(path: &Path) -> usize {
    std::fs::read_to_string(path).map_or(0, |t| t.lines().count())
}

#[test]
fn anchors_are_time_stamped_and_a_rewrite_after_the_stamp_is_detected() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("demo");
    assert_eq!(demo(&out).status.code(), Some(0));
    let (store, keys) = (out.join("store"), out.join("keys"));
    let tsa = TestTsa::create(&tmp.path().join("tsa"), "Worklog Test Root", KeyKind::Rsa).unwrap();
    let served = tsa.serve(Behaviour::Answer).unwrap();
    let ca = tsa.ca_certificate();
    let run = worklog(&[
        "keygen",
        "--role",
        "authority",
        "--id",
        "hq-stamped",
        "--out",
        s(&keys),
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let claims = tmp.path().join("claims.jsonl");
    let export = worklog(&[
        "anchor",
        "export",
        "--store",
        s(&store),
        "--claims",
        s(&claims),
        "--json",
    ]);
    assert_eq!(export.status.code(), Some(0));
    let written: serde_json::Value = serde_json::from_slice(&export.stdout).unwrap();
    assert_eq!(written["claims"].as_u64(), Some(lines(&claims) as u64));
    assert_eq!(written["file"].as_str(), Some(s(&claims)));
    let anchors = tmp.path().join("anchors.jsonl");
    let authority = keys.join("secret/hq-stamped.key");
    let import = |tsa_args: &[&str]| {
        let mut args = vec![
            "anchor",
            "import",
            "--claims",
            s(&claims),
            "--anchors",
            s(&anchors),
            "--keys",
            s(&keys),
            "--authority-key",
            s(&authority),
        ];
        args.extend(tsa_args);
        worklog(&args)
    };
    let run = import(&["--tsa", &served.url, "--tsa-ca", s(&ca)]);
    let said = text(&run.stdout);
    assert_eq!(run.status.code(), Some(0), "{said}{}", text(&run.stderr));
    let heads = lines(&claims);
    assert!(heads > 1);
    assert!(said.contains(&format!("{heads} heads anchored")), "{said}");
    assert!(
        said.contains(&format!(
            "{heads} entries time-stamped by O=Worklog Tests,CN=Test TSA at"
        )),
        "{said}"
    );
    let stamps = tmp.path().join("anchors.stamps.jsonl");
    assert_eq!(lines(&stamps), 1);

    let verify = |ca: &Path| {
        worklog(&[
            "verify",
            "--lang",
            "en",
            "--store",
            s(&store),
            "--keys",
            s(&keys),
            "--anchors",
            s(&anchors),
            "--tsa-ca",
            s(ca),
        ])
    };
    let run = verify(&ca);
    let said = text(&run.stdout);
    assert_eq!(run.status.code(), Some(0), "{said}{}", text(&run.stderr));
    assert!(said.contains("time-stamps: 1 holding, 0 not"), "{said}");
    let devices: Vec<String> = std::fs::read_to_string(&claims)
        .unwrap()
        .lines()
        .map(|l| {
            let claim: serde_json::Value = serde_json::from_str(l).unwrap();
            claim["record"]["device_id"].as_str().unwrap().to_owned()
        })
        .collect();
    for device in &devices {
        let line = said
            .lines()
            .find(|l| {
                l.trim_start()
                    .starts_with(&format!("{device}: anchored up to seq"))
            })
            .unwrap_or_else(|| panic!("{device}: {said}"));
        assert!(
            line.contains("time-stamped by O=Worklog Tests,CN=Test TSA at 20"),
            "{line}"
        );
    }

    // The same for batch jobs: the report's JSON, the stamps beside it.
    let run = worklog(&[
        "verify",
        "--lang",
        "en",
        "--store",
        s(&store),
        "--keys",
        s(&keys),
        "--anchors",
        s(&anchors),
        "--tsa-ca",
        s(&ca),
        "--json",
    ]);
    assert_eq!(run.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let stamped = &json["anchor_stamps"]["stamped"][0];
    assert_eq!(stamped["covers_entries"], heads as u64);
    assert_eq!(stamped["stamp"]["tsa"], "O=Worklog Tests,CN=Test TSA");
    assert_eq!(stamped["stamp"]["policy"], "1.2.3.4.1");
    assert!(
        json["anchor_stamps"]["problems"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert!(json["devices"].is_array(), "the report is as before");

    // A required TSA policy: the TSA's default one holds, another does not.
    let with_policy = |policy: &str| {
        worklog(&[
            "verify",
            "--lang",
            "en",
            "--store",
            s(&store),
            "--keys",
            s(&keys),
            "--anchors",
            s(&anchors),
            "--tsa-ca",
            s(&ca),
            "--tsa-policy",
            policy,
        ])
    };
    assert_eq!(with_policy("1.2.3.4.1").status.code(), Some(0));
    let run = with_policy("1.2.3.4.5");
    let said = text(&run.stdout);
    assert_eq!(run.status.code(), Some(1), "{said}");
    assert!(said.contains("not the required 1.2.3.4.5"), "{said}");
    let run = with_policy("not-an-oid");
    assert_eq!(run.status.code(), Some(2));
    assert!(text(&run.stderr).contains("is not an object identifier"));

    // Trusting another CA: the stamp is not accepted.
    let stranger = TestTsa::create(&tmp.path().join("other"), "Other Root", KeyKind::Rsa).unwrap();
    let run = verify(&stranger.ca_certificate());
    let said = text(&run.stdout);
    assert_eq!(run.status.code(), Some(1), "{said}");
    assert!(
        said.contains("STAMP BROKEN line 1") && said.contains("not trusted"),
        "{said}"
    );

    // The stamps file removed: stamps were asked for, none is there.
    let kept = std::fs::read(&stamps).unwrap();
    std::fs::remove_file(&stamps).unwrap();
    let run = verify(&ca);
    let said = text(&run.stdout);
    assert_eq!(run.status.code(), Some(1), "{said}");
    assert!(said.contains("STAMPS MISSING"), "{said}");
    std::fs::write(&stamps, kept).unwrap();

    // The key holder rewrites the whole anchor log (a valid chain, signed
    // by the authority key) after the stamp: the anchors verify, the stamp
    // catches it.
    std::fs::remove_file(&anchors).unwrap();
    let run = import(&[]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let run = verify(&ca);
    let said = text(&run.stdout);
    assert_eq!(run.status.code(), Some(1), "{said}");
    assert!(said.contains("rewritten after the stamp"), "{said}");
}

#[test]
fn a_tsa_that_answers_garbage_or_nothing_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let tsa = TestTsa::create(&tmp.path().join("tsa"), "Worklog Test Root", KeyKind::Rsa).unwrap();
    let ca = tsa.ca_certificate();
    let anchors = tmp.path().join("anchors.jsonl");
    std::fs::write(&anchors, "").unwrap();
    let stamps = tmp.path().join("anchors.stamps.jsonl");
    let stamp = |url: &str, timeout: &str| {
        worklog(&[
            "anchor",
            "stamp",
            "--anchors",
            s(&anchors),
            "--tsa",
            url,
            "--tsa-ca",
            s(&ca),
            "--tsa-timeout",
            timeout,
        ])
    };
    let garbage = tsa.serve(Behaviour::Garbage).unwrap();
    let run = stamp(&garbage.url, "10");
    let err = text(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&garbage.url) && err.contains("not valid DER"),
        "{err}"
    );
    assert!(!stamps.exists());

    let silent = tsa.serve(Behaviour::Silent).unwrap();
    let started = std::time::Instant::now();
    let run = stamp(&silent.url, "2");
    let err = text(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{err}");
    assert!(err.contains("no answer within 2 s"), "{err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    assert!(!stamps.exists());

    // And a good one, for an empty log: it stamps nothing yet, but that.
    let good = tsa.serve(Behaviour::Answer).unwrap();
    let run = stamp(&good.url, "10");
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    assert_eq!(lines(&stamps), 1);
}

/// `audit --tsa`: the analysis is stamped before the reports (whose first
/// page states the stamp), then the whole folder; `report verify` later
/// tells a folder as stamped from one changed after, and openssl itself
/// accepts the token.
#[test]
fn an_audit_folder_is_time_stamped_and_checked_later() {
    let tmp = tempfile::tempdir().unwrap();
    let demo_out = tmp.path().join("demo");
    assert_eq!(demo(&demo_out).status.code(), Some(0));
    let tsa = TestTsa::create(&tmp.path().join("tsa"), "Worklog Test Root", KeyKind::Rsa).unwrap();
    let served = tsa.serve(Behaviour::Answer).unwrap();
    let ca = tsa.ca_certificate();
    let audit_dir = tmp.path().join("audit");
    let run = worklog(&[
        "audit",
        "--store",
        s(&demo_out.join("store")),
        "--keys",
        s(&demo_out.join("keys")),
        "--anchors",
        s(&demo_out.join("anchors.jsonl")),
        "--policy",
        s(&demo_out.join("policy")),
        "--from",
        "2026-10-01",
        "--to",
        "2026-10-07",
        "--out",
        s(&audit_dir),
        "--quiet",
        "--tsa",
        &served.url,
        "--tsa-ca",
        s(&ca),
    ]);
    let said = text(&run.stdout);
    assert_ne!(run.status.code(), Some(2), "{said}{}", text(&run.stderr));
    assert!(
        said.contains("stamp/analysis-manifest.json by O=Worklog Tests,CN=Test TSA at"),
        "{said}"
    );
    assert!(
        said.contains("stamp/manifest.json by O=Worklog Tests,CN=Test TSA at"),
        "{said}"
    );
    let html = std::fs::read_to_string(audit_dir.join("report/report.html")).unwrap();
    assert!(
        html.contains("タイムスタンプ"),
        "the first page states the stamp"
    );
    assert!(
        html.contains("O=Worklog Tests,CN=Test TSA が分析結果を時刻認証"),
        "the first page names the TSA"
    );

    let check = |ca: &Path| worklog(&["report", "verify", s(&audit_dir), "--tsa-ca", s(ca)]);
    let run = check(&ca);
    let said = text(&run.stdout);
    assert_eq!(run.status.code(), Some(0), "{said}{}", text(&run.stderr));
    assert!(said.contains("unchanged since the stamp"), "{said}");

    // The token is a plain RFC 3161 token: openssl verifies it on its own.
    let stamp_dir = audit_dir.join("stamp");
    let openssl = std::process::Command::new("openssl")
        .args(["ts", "-verify", "-token_in", "-in"])
        .arg(stamp_dir.join("manifest.json.tst"))
        .arg("-data")
        .arg(stamp_dir.join("manifest.json"))
        .arg("-CAfile")
        .arg(&ca)
        .output()
        .unwrap();
    assert!(
        text(&openssl.stdout).contains("Verification: OK"),
        "{}{}",
        text(&openssl.stdout),
        text(&openssl.stderr)
    );

    // Another CA is not trusted.
    let stranger = TestTsa::create(&tmp.path().join("other"), "Other Root", KeyKind::Rsa).unwrap();
    let run = check(&stranger.ca_certificate());
    assert_eq!(run.status.code(), Some(2));
    assert!(
        text(&run.stderr).contains("not trusted"),
        "{}",
        text(&run.stderr)
    );

    // A report changed after the stamp, and a file slipped in.
    let report = audit_dir.join("report/report.html");
    std::fs::write(&report, html.replacen("不適合", "適合", 1)).unwrap();
    std::fs::write(audit_dir.join("report/extra.txt"), "added").unwrap();
    let run = check(&ca);
    let said = text(&run.stdout);
    assert_eq!(run.status.code(), Some(1), "{said}");
    assert!(
        said.contains("CHANGED since the stamp: report/report.html"),
        "{said}"
    );
    assert!(
        said.contains("ADDED after the stamp: report/extra.txt"),
        "{said}"
    );
    assert!(said.contains("NOT as stamped"), "{said}");
}
