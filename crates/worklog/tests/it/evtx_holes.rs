//! Holes in a channel's EventRecordIDs between two imports: one PC's
//! Security log exported twice, years apart, and imported in two runs. What
//! the log overwrote in between is missing from both exports; the second
//! import must find that hole (the first import's last id to the second's
//! first), store it once, and agree with one import of both files.
//!
//! The PC: `new-user-security.evtx` (computer IE8Win7, Security ids
//! 111–116, 2013) and `Security_short_selected.evtx` (computer `temporal`,
//! ids 319457771–319457858, 2016), named as one device by a computer map,
//! as an agency names a renamed PC.

use std::path::Path;

use worklog::import_formats::ImportOptions;

/// The store's `source_gap` events of PC-0100 (`detail`s, sorted), once
/// its chain is verified.
fn stored_gaps(store: &Path, keys: &Path) -> Vec<String> {
    let keyring = worklog::ledger::Keyring::load_dir(keys).unwrap();
    let verification = worklog::ledger::Verifier::new(&keyring)
        .verify(store)
        .unwrap();
    assert!(verification.is_clean(), "{verification:?}");
    let dir = worklog::ledger::store::device_dir(store, "PC-0100");
    let mut gaps = Vec::new();
    for path in worklog::ledger::store::list_segments(&dir).unwrap() {
        let file = std::fs::File::open(path).unwrap();
        let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
            .unwrap()
            .build()
            .unwrap();
        for batch in reader {
            for event in worklog::schema::batch_to_events(&batch.unwrap()).unwrap() {
                if event.op == "source_gap" {
                    gaps.push(event.detail.unwrap_or_default());
                }
            }
        }
    }
    gaps.sort();
    gaps
}

#[test]
fn a_hole_between_two_imports_of_one_channel_is_found_and_stored_once() {
    let Some(dir) = crate::evtx_samples() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let map = tmp.path().join("computers.csv");
    std::fs::write(
        &map,
        "computer,device_id\nIE8Win7,PC-0100\ntemporal,PC-0100\n",
    )
    .unwrap();
    let options = ImportOptions::default().read_computer_map(&map).unwrap();
    let older = dir.join("new-user-security.evtx");
    let newer = dir.join("Security_short_selected.evtx");

    // Two imports, oldest first.
    let (store, keys) = (tmp.path().join("store"), tmp.path().join("keys"));
    let first =
        worklog::import_evtx(std::slice::from_ref(&older), &store, &keys, true, &options).unwrap();
    let second =
        worklog::import_evtx(std::slice::from_ref(&newer), &store, &keys, true, &options).unwrap();
    let between = second
        .gaps
        .iter()
        .find(|g| g.first == 117)
        .expect("the hole since the first import");
    assert_eq!(
        (
            between.device_id.as_str(),
            between.channel.as_str(),
            between.last
        ),
        ("PC-0100", "Security", 319_457_770)
    );
    // Within each file, its own holes (the selected records of the second
    // file, the two records missing from the first).
    assert!(first.gaps.iter().all(|g| (g.first, g.last) == (114, 115)));
    assert_eq!(first.gaps.len(), 1);
    assert_eq!(second.gaps.len(), 1 + 3);

    // The same two files in one import find the same holes.
    let (store_once, keys_once) = (tmp.path().join("store1"), tmp.path().join("keys1"));
    let once = worklog::import_evtx(
        &[older.clone(), newer.clone()],
        &store_once,
        &keys_once,
        true,
        &options,
    )
    .unwrap();
    let mut two_runs: Vec<_> = first.gaps.iter().chain(&second.gaps).cloned().collect();
    two_runs.sort_by_key(|g| g.first);
    let mut one_run = once.gaps.clone();
    one_run.sort_by_key(|g| g.first);
    assert_eq!(one_run, two_runs);
    assert_eq!(
        stored_gaps(&store, &keys),
        stored_gaps(&store_once, &keys_once)
    );
    assert_eq!(stored_gaps(&store, &keys).len(), 5);

    // Importing both again stores nothing new, and finds no new hole.
    let again = worklog::import_evtx(&[older, newer], &store, &keys, true, &options).unwrap();
    assert_eq!(again.store.accepted, 0);
    assert_eq!(stored_gaps(&store, &keys).len(), 5);
}
