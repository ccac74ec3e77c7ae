//! Real Windows PCs end to end: every sample of `../shared/evtx/` imported
//! through the ledger, then audited with a policy made for those machines.
//! A PC with only a Security log cannot show the items whose evidence it
//! lacks: 証跡不足, never 適合. CI has the folder; a missing folder fails
//! unless WORKLOG_SKIP_EVTX_SAMPLES=1 (which CI does not set).

use std::path::Path;

use worklog::import_formats::ImportOptions;
use worklog::rules::Verdict;

#[test]
fn imported_windows_logs_audit_to_insufficient_evidence_where_they_lack_it() {
    let Some(dir) = crate::evtx_samples() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let (store, keys) = (tmp.path().join("store"), tmp.path().join("keys"));
    let report = worklog::import_evtx(
        std::slice::from_ref(&dir),
        &store,
        &keys,
        true,
        &ImportOptions::default(),
    )
    .unwrap();
    assert_eq!(report.files.len(), 11);
    for file in &report.files {
        // Every mapped event is ingested, a duplicate of another file's
        // (security_bad_string_cache.evtx holds security.evtx's records),
        // or refused with a reason: none vanishes.
        let outcome = &file.outcome;
        let accounted =
            outcome.ingested + outcome.duplicates + outcome.rejected.values().sum::<u64>();
        assert_eq!(accounted, file.read.mapped_total(), "{}", file.read.file);
        assert!(
            outcome.rejected.is_empty(),
            "{}: {:?}",
            file.read.file,
            outcome.rejected
        );
    }
    let by_name = |name: &str| {
        report
            .files
            .iter()
            .find(|f| f.read.file.ends_with(name))
            .unwrap()
    };
    assert_eq!(by_name("/security.evtx").read.records, 2261);
    assert_eq!(
        by_name("/security_bad_string_cache.evtx")
            .outcome
            .duplicates,
        by_name("/security.evtx").outcome.ingested
    );
    assert!(
        !by_name("/sample_with_a_bad_chunk_magic.evtx")
            .read
            .unparsed
            .is_empty()
    );

    // A policy for those machines: the sample policy with their inventory.
    let policy = tmp.path().join("policy");
    std::fs::create_dir_all(&policy).unwrap();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples/policy");
    for entry in std::fs::read_dir(&sample).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, policy.join(path.file_name().unwrap())).unwrap();
    }
    let mut devices = String::from(
        "device_id,device_type,portable,department,owner,in_service_from,in_service_to\n",
    );
    for device in report.store.devices.keys() {
        devices += &format!("{device},desktop,false,検証,-,2013-01-01,\n");
    }
    std::fs::write(policy.join("devices.csv"), devices).unwrap();
    // No media approved for these machines (the header alone).
    let approvals = std::fs::read_to_string(policy.join("media_approvals.csv")).unwrap();
    let header = approvals.lines().next().unwrap().to_owned();
    std::fs::write(policy.join("media_approvals.csv"), header + "\n").unwrap();

    // The fiscal year of WIN-03DLIIOFRRA's Security log (2016-07 to 2017-04).
    let out = tmp.path().join("audit");
    let result = worklog::audit(
        &worklog::AuditConfig {
            store: store.clone(),
            keys: keys.clone(),
            anchors: None,
            policy,
            rules: None,
            first_day: "2016-04-01".parse().unwrap(),
            last_day: "2017-03-31".parse().unwrap(),
            out: out.clone(),
            language: worklog::rules::Language::Ja,
            execution: worklog::Execution::default(),
            compare: None,
            pseudonymise: None,
            tsa: None,
        },
        &|_| {},
    )
    .unwrap();
    assert!(result.verification.is_clean(), "the imported chains verify");
    assert!(result.reports.excel.is_file() && result.reports.html.is_file());
    let a = &result.analysis;
    let security_only = "WIN-03DLIIOFRRA";
    let summary = a
        .devices
        .iter()
        .find(|d| d.device_id == security_only)
        .unwrap();
    assert!(summary.events > 0);
    assert_eq!(
        summary.kinds.keys().map(String::as_str).collect::<Vec<_>>(),
        ["session"]
    );
    let verdicts: Vec<_> = a
        .verdicts
        .iter()
        .filter(|v| v.device_id == security_only)
        .collect();
    assert!(!verdicts.is_empty());
    for v in &verdicts {
        assert_ne!(v.verdict, Verdict::Pass, "item {}: {:?}", v.item, v.reason);
    }
    // Items whose evidence it lacks (network, media, software, inventory,
    // …) are 証跡不足 for want of those kinds.
    let insufficient = verdicts
        .iter()
        .filter(|v| v.verdict == Verdict::InsufficientEvidence)
        .count();
    assert!(
        insufficient >= verdicts.len() / 2,
        "{insufficient} of {}",
        verdicts.len()
    );
    assert!(
        verdicts
            .iter()
            .any(|v| matches!(v.reason, worklog::model::VerdictReason::MissingKinds { .. }))
    );
    // Every hole in a channel's record ids inside the period (and stored:
    // not older than what the device held) is a log-management finding.
    let (start, end) = (a.period.start_utc_us, a.period.end_utc_us);
    let in_period = report
        .gaps
        .iter()
        .filter(|g| (start..end).contains(&g.ts))
        .count();
    let found = a
        .findings
        .iter()
        .filter(|f| f.rule_id == "source_record_gap")
        .count();
    assert!(
        !report.gaps.is_empty(),
        "the samples have holes (selected or damaged records)"
    );
    assert_eq!(found, in_period, "{:?}", report.gaps);
    // No device of these samples shows any item as 適合 in that year.
    assert!(a.verdicts.iter().all(|v| v.verdict != Verdict::Pass));
}
