//! Anchor log and retention (prune checkpoints).

use std::path::Path;

use worklog_ledger::{
    AnchorLog, AnomalyClass, Error, HeadClaim, Keyring, Role, SecretKey, SegmentWriter, Verifier,
    export_heads, prune, read_record,
};
use worklog_schema::Timestamp;

use crate::common::*;

fn store() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    build_store(&dir.path().join("store"));
    dir
}

/// Where verifying `store` against `log` finds the log broken.
fn anchor_log_broken_at(store: &Path, log: &AnchorLog) -> Vec<String> {
    let report = Verifier::new(&keyring())
        .anchors(log, "anchors.jsonl")
        .verify(store)
        .unwrap();
    report
        .store_anomalies
        .iter()
        .filter(|a| a.class == AnomalyClass::AnchorLogBroken)
        .map(|a| a.file.clone().unwrap_or_default())
        .collect()
}

#[test]
fn exported_heads_anchor_and_match() {
    let dir = store();
    let store = dir.path().join("store");
    let log_path = dir.path().join("anchors.jsonl");
    let (mut log, _) = AnchorLog::open(&log_path).unwrap();
    let claims = export_heads(&store).unwrap();
    assert_eq!(claims.len(), DEVICES);
    for claim in &claims {
        log.anchor(claim, &keyring(), &authority_key(), 1).unwrap();
    }
    // Re-opened from disk, the log checks and every device matches.
    let (log, problems) = AnchorLog::open(&log_path).unwrap();
    assert!(problems.is_empty());
    let report = Verifier::new(&keyring())
        .anchors(&log, "anchors.jsonl")
        .verify(&store)
        .unwrap();
    assert!(report.is_clean());
    assert!(report.devices.iter().all(|d| d.anchors_matched == 1));
}

#[test]
fn a_damaged_line_is_reported_where_it_is_and_nothing_is_appended_after_it() {
    let dir = store();
    let store = dir.path().join("store");
    let log_path = dir.path().join("anchors.jsonl");
    let (mut log, _) = AnchorLog::open(&log_path).unwrap();
    let claims = export_heads(&store).unwrap();
    for claim in &claims[..3] {
        log.anchor(claim, &keyring(), &authority_key(), 1).unwrap();
    }
    // The last line cut short, as a crash or an editor would leave it.
    let text = std::fs::read_to_string(&log_path).unwrap();
    std::fs::write(&log_path, &text[..text.len() - 40]).unwrap();
    let (mut log, unparsed) = AnchorLog::open(&log_path).unwrap();
    assert_eq!(unparsed.len(), 1);
    assert_eq!(unparsed[0].line, 3);
    let (good, problems) = log.check(&keyring());
    assert_eq!(good.len(), 2);
    assert_eq!(problems.iter().map(|p| p.line).collect::<Vec<_>>(), [3]);
    assert_eq!(anchor_log_broken_at(&store, &log), ["anchors.jsonl:3"]);
    // Appending after the damage would chain a new entry to an entry
    // nobody can check.
    let refused = log.anchor(&claims[3], &keyring(), &authority_key(), 2);
    assert!(
        matches!(&refused, Err(Error::Format { reason, .. }) if reason.contains("line 3")),
        "{refused:?}"
    );
    assert_eq!(
        std::fs::read_to_string(&log_path).unwrap(),
        text[..text.len() - 40]
    );
    // Verifying against a log that is not there is an error, not a pass
    // without anchors.
    assert!(matches!(
        AnchorLog::open_existing(&dir.path().join("typo.jsonl")),
        Err(Error::Format { .. })
    ));
}

#[test]
fn altered_or_removed_anchor_entries_break_the_log() {
    let dir = store();
    let store = dir.path().join("store");
    let log_path = dir.path().join("anchors.jsonl");
    let (mut log, _) = AnchorLog::open(&log_path).unwrap();
    for claim in export_heads(&store).unwrap() {
        log.anchor(&claim, &keyring(), &authority_key(), 1).unwrap();
    }
    let text = std::fs::read_to_string(&log_path).unwrap();
    let lines: Vec<&str> = text.lines().collect();

    // An entry's seq lowered (to hide a truncation): the entry hash breaks.
    let altered = lines[2].replacen("\"seq\":", "\"seq\":1", 1);
    std::fs::write(
        &log_path,
        [lines[..2].join("\n"), altered, lines[3..].join("\n")].join("\n"),
    )
    .unwrap();
    let (log, _) = AnchorLog::open(&log_path).unwrap();
    assert_eq!(anchor_log_broken_at(&store, &log), ["anchors.jsonl:3"]);

    // An entry removed: the next one's index gives it away.
    let removed = [lines[..1].join("\n"), lines[2..].join("\n")].join("\n");
    std::fs::write(&log_path, removed).unwrap();
    let (log, _) = AnchorLog::open(&log_path).unwrap();
    let (good, problems) = log.check(&keyring());
    assert_eq!(good.len(), 1);
    assert_eq!(problems[0].line, 2);
    assert!(
        problems[0].reason.contains("entries removed or reordered"),
        "{}",
        problems[0].reason
    );
}

#[test]
fn a_claim_not_signed_by_the_device_is_refused() {
    let dir = store();
    let store = dir.path().join("store");
    let mut claim: HeadClaim = export_heads(&store).unwrap().remove(0);
    claim.record.last_seq += 10; // hide a truncation behind a bigger claim
    let (mut log, _) = AnchorLog::open(&dir.path().join("anchors.jsonl")).unwrap();
    let err = log
        .anchor(&claim, &keyring(), &authority_key(), 1)
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("is not signed by the device's key"),
        "{err}"
    );
    assert!(log.entries().is_empty());
}

#[test]
fn prune_through_a_checkpoint_verifies_and_the_writer_continues() {
    let dir = store();
    let store = dir.path().join("store");
    let segs = segments(&store, "PC-0002");
    let horizon_record = read_record(&segs[3]).unwrap();
    let horizon = Timestamp(horizon_record.first_ts);
    let checkpoint = prune(&store, "PC-0002", horizon, &authority_key())
        .unwrap()
        .unwrap();
    let removed = segs.len() - segments(&store, "PC-0002").len();
    assert!(removed >= 3, "removed {removed}");
    let report = Verifier::new(&keyring()).verify(&store).unwrap();
    assert!(
        report.is_clean(),
        "{:?}",
        report.anomalies().collect::<Vec<_>>()
    );
    let pc2 = report
        .devices
        .iter()
        .find(|d| d.device_id == "PC-0002")
        .unwrap();
    assert_eq!(pc2.pruned_through, Some(checkpoint.cut_seq));
    assert_eq!(pc2.seq_span.unwrap().0, checkpoint.cut_seq + 1);

    // Prune everything; the writer continues the chain from the checkpoint.
    prune(&store, "PC-0002", Timestamp(i64::MAX), &authority_key())
        .unwrap()
        .unwrap();
    assert!(segments(&store, "PC-0002").is_empty());
    let mut writer = SegmentWriter::builder(&store, device_key("PC-0002"))
        .build()
        .unwrap();
    let mut next = fleet_events()[1].last().unwrap().clone();
    next.ts = next.ts.plus_secs(1);
    let seq = writer.append(next).unwrap();
    writer.close().unwrap();
    assert_eq!(seq, fleet_events()[1].len() as u64 + 1);
    assert!(Verifier::new(&keyring()).verify(&store).unwrap().is_clean());
}

#[test]
fn a_checkpoint_from_an_untrusted_key_is_not_accepted() {
    let dir = store();
    let store = dir.path().join("store");
    let rogue = SecretKey::from_seed(Role::Authority, "rogue", [5u8; 32]);
    let segs = segments(&store, "PC-0004");
    let horizon = Timestamp(read_record(&segs[2]).unwrap().first_ts);
    prune(&store, "PC-0004", horizon, &rogue).unwrap().unwrap();
    let report = Verifier::new(&keyring()).verify(&store).unwrap();
    let found: Vec<_> = report
        .anomalies()
        .map(|a| (a.class, a.device_id.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (AnomalyClass::PruneWithoutCheckpoint, "PC-0004"),
            (AnomalyClass::PruneWithoutCheckpoint, "PC-0004")
        ],
        "the bad checkpoint, and the missing beginning it fails to cover"
    );
}

#[test]
fn keys_have_roles() {
    let dir = store();
    let store = dir.path().join("store");
    let err = prune(&store, "PC-0001", Timestamp(0), &device_key("PC-0001")).unwrap_err();
    assert!(matches!(err, Error::WrongKey { .. }), "{err}");
    let err = SegmentWriter::builder(&store, authority_key())
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::WrongKey { .. }), "{err}");
}

#[test]
fn key_files_round_trip_and_bad_ones_name_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let key = SecretKey::generate(Role::Device, "PC-0009").unwrap();
    key.write(&dir.path().join("PC-0009.key")).unwrap();
    key.public().write(&dir.path().join("PC-0009.pub")).unwrap();
    let back = SecretKey::read(&dir.path().join("PC-0009.key")).unwrap();
    assert_eq!(back.public(), key.public());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("PC-0009.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    std::fs::write(
        dir.path().join("broken.pub"),
        "format = worklog-key-v1\nalgorithm = ed25519\nrole = device\nid = PC-0010\npublic = 12zz\n",
    )
    .unwrap();
    let ring = Keyring::load_dir(dir.path()).unwrap();
    assert!(ring.device("PC-0009").is_some());
    assert_eq!(ring.problems.len(), 1);
    let (path, reason) = &ring.problems[0];
    assert!(path.ends_with("broken.pub"));
    assert!(
        reason.ends_with("broken.pub line 5: `public` must be 64 hex digits"),
        "{reason}"
    );
}
