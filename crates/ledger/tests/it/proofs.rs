//! Inclusion proofs for single events.

use worklog_ledger::{Keyring, prove};
use worklog_synth::Rng;

use crate::common::*;

#[test]
fn proofs_for_random_events_check_and_tampered_ones_do_not() {
    let dir = tempfile::tempdir().unwrap();
    build_store(dir.path());
    let events = fleet_events();
    let mut rng = Rng::new(21, 0);
    for _ in 0..25 {
        let d = rng.below(DEVICES as u64) as usize;
        let device = format!("PC-{:04}", d + 1);
        let seq = rng.range(1, events[d].len() as i64) as u64;
        let proof = prove(dir.path(), &device, seq).unwrap();
        assert_eq!(proof.event, events[d][seq as usize - 1]);
        proof.check(&keyring()).unwrap();

        let mut altered = proof.clone();
        altered.event.user_name = Some("someone else".into());
        assert!(
            altered
                .check(&keyring())
                .unwrap_err()
                .0
                .contains("does not hash to the proof's leaf")
        );

        if !proof.path.is_empty() {
            let mut bad_path = proof.clone();
            let i = rng.below(bad_path.path.len() as u64) as usize;
            bad_path.path[i].0[0] ^= 1;
            assert!(
                bad_path
                    .check(&keyring())
                    .unwrap_err()
                    .0
                    .contains("audit path")
            );
        }
        let mut moved = proof.clone();
        moved.leaf_index ^= 1;
        assert!(moved.check(&keyring()).is_err());
        assert!(
            proof
                .check(&Keyring::new())
                .unwrap_err()
                .0
                .contains("no public key")
        );
    }
    let err = prove(dir.path(), "PC-0001", 1_000_000).unwrap_err();
    assert!(
        err.to_string()
            .contains("no committed event with seq 1000000"),
        "{err}"
    );
}
