//! The committed test vectors (`docs/vectors/ledger-v3.json`) must match
//! what the code computes. Regenerate with `UPDATE_VECTORS=1` only when the
//! format version changes.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use worklog_ledger::merkle::{inclusion_path, root};
use worklog_ledger::{
    AnchorLog, Delivery, FORMAT, HeadClaim, Keyring, Role, RowEncoder, Seal, SecretKey,
    SegmentRecord, Sha256Digest, SignatureBytes, genesis_head, identity_bases,
};
use worklog_schema::{Date, Event, EventKind, SCHEMA_VERSION, Timestamp, events_to_batch};

fn events() -> Vec<Event> {
    let ts = |s: &str| Timestamp::parse_rfc3339(s).unwrap();
    let mut a = Event::new(
        "PC-0001",
        1,
        ts("2026-10-05T08:30:00+09:00"),
        540,
        EventKind::Session,
        "logon",
    );
    a.user_name = Some("user001".into());
    let mut b = Event::new(
        "PC-0001",
        2,
        ts("2026-10-05T08:31:12.5+09:00"),
        540,
        EventKind::File,
        "copy",
    );
    b.user_name = Some("user001".into());
    b.file_path = Some(r"C:\Users\user001\Documents\顧客一覧.xlsx".into());
    b.target_path = Some(r"E:\顧客一覧.xlsx".into());
    b.file_size = Some(120_003);
    b.src_removable = Some(false);
    b.dst_removable = Some(true);
    let mut c = Event::new(
        "PC-0001",
        3,
        ts("2026-10-05T08:32:00+09:00"),
        540,
        EventKind::Inventory,
        "os",
    );
    c.snapshot_id = Some("PC-0001-20261005".into());
    c.os_product = Some("Windows 11 Pro".into());
    c.os_version = Some("25H2".into());
    c.last_patch_date = Date::parse("2026-09-23");
    vec![a, b, c]
}

fn compute() -> Value {
    let events = events();
    let batch = events_to_batch(&events).unwrap();
    let encoder = RowEncoder::new(&batch).unwrap();
    let mut leaves = Vec::new();
    encoder.leaf_hashes(&mut leaves);
    let rows: Vec<Value> = events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let mut bytes = Vec::new();
            encoder.encode(i, &mut bytes);
            json!({ "event": e, "canonical_bytes": hex::encode(&bytes), "leaf_hash": hex::encode(leaves[i]) })
        })
        .collect();
    let seed = [1u8; 32];
    let key = SecretKey::from_seed(Role::Device, "PC-0001", seed);
    let merkle_root = root(&leaves);
    let mut record = SegmentRecord {
        format: FORMAT.into(),
        schema_version: SCHEMA_VERSION,
        device_id: "PC-0001".into(),
        segment_no: 0,
        first_seq: 1,
        last_seq: 3,
        row_count: 3,
        first_ts: events[0].ts.0,
        last_ts: events[2].ts.0,
        ts_regressions: 0,
        min_ts: events[0].ts.0,
        max_ts: events[2].ts.0,
        delivery: Delivery::Live,
        prev_head: Sha256Digest(genesis_head("PC-0001")),
        prev_file_digest: None,
        merkle_root: Sha256Digest(merkle_root),
        committed_at: 1_791_000_000_000_000,
        key_id: String::new(),
        head: Sha256Digest::ZERO,
        signature: SignatureBytes([0; 64]),
    };
    record.seal(&key);
    // The next segment commits to the first one's file bytes (here a
    // stand-in for the file: its digest is all that enters the record).
    let first_file_digest: [u8; 32] =
        Sha256::digest(b"bytes of seg-00000000000000000001.parquet").into();
    let mut next = SegmentRecord {
        segment_no: 1,
        first_seq: 4,
        last_seq: 5,
        row_count: 2,
        first_ts: events[2].ts.0 + 60_000_000,
        last_ts: events[2].ts.0 + 30_000_000,
        ts_regressions: 1,
        min_ts: events[2].ts.0 + 30_000_000,
        max_ts: events[2].ts.0 + 60_000_000,
        prev_head: record.head,
        prev_file_digest: Some(Sha256Digest(first_file_digest)),
        merkle_root: Sha256Digest(Sha256::digest(b"stand-in root").into()),
        committed_at: 1_791_000_060_000_000,
        ..record.clone()
    };
    next.seal(&key);
    // Then a late delivery: two events older than the chain's newest
    // (`max_ts` above), in time order.
    let mut late = SegmentRecord {
        segment_no: 2,
        first_seq: 6,
        last_seq: 7,
        row_count: 2,
        first_ts: events[0].ts.0 - 86_400_000_000,
        last_ts: events[0].ts.0 - 86_000_000_000,
        ts_regressions: 0,
        min_ts: events[0].ts.0 - 86_400_000_000,
        max_ts: events[0].ts.0 - 86_000_000_000,
        delivery: Delivery::Backfill,
        prev_head: next.head,
        prev_file_digest: Some(Sha256Digest(
            Sha256::digest(b"bytes of seg-00000000000000000004.parquet").into(),
        )),
        merkle_root: Sha256Digest(Sha256::digest(b"stand-in root of the late rows").into()),
        committed_at: 1_791_086_400_000_000,
        ..record.clone()
    };
    late.seal(&key);
    let second_file_digest: [u8; 32] =
        Sha256::digest(b"bytes of seg-00000000000000000004.parquet").into();
    let seal = Seal::new(&next, &second_file_digest, &key);

    // The authority anchors the second head with its sealed file digest.
    let authority = SecretKey::from_seed(Role::Authority, "head-office", [2u8; 32]);
    let mut keyring = Keyring::new();
    keyring.add(key.public());
    keyring.add(authority.public());
    let dir = tempfile::tempdir().unwrap();
    let (mut log, _) = AnchorLog::open(&dir.path().join("anchors.jsonl")).unwrap();
    let claim = HeadClaim {
        record: next.clone(),
        seal: Some(seal.clone()),
    };
    let anchor = log
        .anchor(&claim, &keyring, &authority, 1_791_000_120_000_000)
        .unwrap();
    let path: Vec<String> = inclusion_path(&leaves, 1)
        .unwrap()
        .iter()
        .map(hex::encode)
        .collect();
    // Identities (§12): the second row by its content, its occurrences 1
    // and 2; the same row as a source record and with a collector id.
    let mut by_record = events[1].clone();
    by_record.source = Some("evtx:Security".into());
    by_record.source_record_id = Some(583);
    let mut by_id = events[1].clone();
    by_id.event_id = Some("7f3c2a9e-0001".into());
    let bases = identity_bases(&[events[1].clone(), by_record, by_id]).unwrap();
    let identities = json!({
        "content_base": hex::encode(bases[0].digest),
        "content_occurrence_1": bases[0].occurrence(1).to_hex(),
        "content_occurrence_2": bases[0].occurrence(2).to_hex(),
        "source_record": { "source": "evtx:Security", "source_record_id": 583, "base": hex::encode(bases[1].digest), "identity": bases[1].occurrence(1).to_hex() },
        "collector_id": { "event_id": "7f3c2a9e-0001", "base": hex::encode(bases[2].digest), "identity": bases[2].occurrence(1).to_hex() },
    });
    json!({
        "identities_of_row_1": identities,
        "description": "worklog-ledger/3 test vectors: see docs/ledger-format.md. All hashes SHA-256, hex.",
        "device_key_seed": hex::encode(seed),
        "device_public_key": hex::encode(key.public().to_bytes()),
        "key_id": key.public().key_id(),
        "genesis_head": hex::encode(genesis_head("PC-0001")),
        "rows": rows,
        "merkle_root": hex::encode(merkle_root),
        "segment_record": record,
        "segment_record_canonical_bytes": hex::encode(record.canonical_bytes()),
        "next_segment_record": next,
        "next_segment_record_canonical_bytes": hex::encode(next.canonical_bytes()),
        "late_segment_record": late,
        "late_segment_record_canonical_bytes": hex::encode(late.canonical_bytes()),
        "seal_of_next_segment": seal,
        "seal_digest": hex::encode(seal.digest()),
        "authority_key_seed": hex::encode([2u8; 32]),
        "authority_public_key": hex::encode(authority.public().to_bytes()),
        "anchor_of_next_segment": anchor,
        "inclusion_proof": { "leaf_index": 1, "tree_size": 3, "leaf_hash": hex::encode(leaves[1]), "path": path },
    })
}

#[test]
fn code_matches_committed_vectors() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/vectors/ledger-v3.json"
    );
    let computed = compute();
    if std::env::var_os("UPDATE_VECTORS").is_some() {
        std::fs::write(
            path,
            serde_json::to_string_pretty(&computed).unwrap() + "\n",
        )
        .unwrap();
    }
    let committed: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(computed, committed, "the code's output differs from {path}");
}
