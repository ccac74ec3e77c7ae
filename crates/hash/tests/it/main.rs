//! `digest_each` against the `sha2` crate and the FIPS 180-4 examples.

use sha2::{Digest, Sha256};
use worklog_hash::{digest_each, digest_each_portable};

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

fn reference(messages: &[&[u8]]) -> Vec<[u8; 32]> {
    messages.iter().map(|m| Sha256::digest(m).into()).collect()
}

#[test]
fn fips_180_examples() {
    let long = b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    let million_a = vec![b'a'; 1_000_000];
    let messages: [&[u8]; 4] = [b"abc", b"", long, &million_a];
    let mut out = Vec::new();
    digest_each(&messages, &mut out);
    let hex: Vec<String> = out
        .iter()
        .map(|d| d.iter().map(|b| format!("{b:02x}")).collect())
        .collect();
    assert_eq!(
        hex,
        [
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
        ]
    );
}

#[test]
fn every_length_from_0_to_300_equals_sha2() {
    // Every length, in an order that pairs short with long messages so
    // the two lanes finish at different blocks and refill independently.
    let mut rng = Rng(0x5eed_0001);
    let owned: Vec<Vec<u8>> = (0..=300usize)
        .flat_map(|n| [n, 300 - n])
        .map(|n| (0..n).map(|_| rng.next() as u8).collect())
        .collect();
    let messages: Vec<&[u8]> = owned.iter().map(Vec::as_slice).collect();
    let expected = reference(&messages);
    let mut out = vec![[0xAA; 32]];
    digest_each(&messages, &mut out);
    assert_eq!(out[0], [0xAA; 32], "what was in `out` is kept");
    assert_eq!(&out[1..], &expected[..]);
    let mut portable = Vec::new();
    digest_each_portable(&messages, &mut portable);
    assert_eq!(portable, expected);
}

#[test]
fn random_batches_of_random_lengths_equal_sha2() {
    let mut rng = Rng(0x5eed_0002);
    for batch in 0..200 {
        let count = (rng.next() % 9) as usize; // 0..=8 messages, odd and even
        let owned: Vec<Vec<u8>> = (0..count)
            .map(|_| {
                let len = (rng.next() % 700) as usize;
                (0..len).map(|_| rng.next() as u8).collect()
            })
            .collect();
        let messages: Vec<&[u8]> = owned.iter().map(Vec::as_slice).collect();
        let mut out = Vec::new();
        digest_each(&messages, &mut out);
        assert_eq!(out, reference(&messages), "batch {batch}");
    }
}

#[test]
fn one_changed_bit_changes_only_that_digest() {
    let base: Vec<Vec<u8>> = (0..6).map(|i| vec![i as u8; 100 + 37 * i]).collect();
    let mut changed = base.clone();
    changed[3][57] ^= 0x10;
    let (mut a, mut b) = (Vec::new(), Vec::new());
    digest_each(&base.iter().map(Vec::as_slice).collect::<Vec<_>>(), &mut a);
    digest_each(
        &changed.iter().map(Vec::as_slice).collect::<Vec<_>>(),
        &mut b,
    );
    for i in 0..6 {
        assert_eq!(a[i] == b[i], i != 3, "message {i}");
    }
}
