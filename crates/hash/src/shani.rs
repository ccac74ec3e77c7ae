//! SHA-256 on the x86 SHA extensions, two messages interleaved.
//!
//! Each message has a *lane*; both lanes compress one 64-byte block per
//! step, their round instructions interleaved, and a lane whose message is
//! finished takes the next one, so lanes stay busy whatever the lengths.
//! The state is kept in the extensions' layout, (ABEF, CDGH), from a
//! message's first block to its last.

use std::arch::x86_64::{
    __m128i, _mm_add_epi32, _mm_alignr_epi8, _mm_extract_epi32, _mm_set_epi32,
    _mm_sha256msg1_epu32, _mm_sha256msg2_epu32, _mm_sha256rnds2_epu32, _mm_shuffle_epi32,
};

use crate::Digest;

/// FIPS 180-4 §4.2.2 round constants.
const K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

/// FIPS 180-4 §5.3.3 initial hash value.
const IV: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// Whether the CPU has every feature the interleaved path is compiled for.
pub(crate) fn available() -> bool {
    std::arch::is_x86_feature_detected!("sha")
        && std::arch::is_x86_feature_detected!("sse2")
        && std::arch::is_x86_feature_detected!("ssse3")
        && std::arch::is_x86_feature_detected!("sse4.1")
}

/// Writes `SHA-256(messages[i])` to `slots[i]` and returns true, or
/// returns false without writing when the CPU lacks the SHA extensions.
#[allow(unsafe_code)]
pub(crate) fn digest_each(messages: &[&[u8]], slots: &mut [Digest]) -> bool {
    if !available() {
        return false;
    }
    // SAFETY: `digest_each_x2` is compiled for sha, sse2, ssse3 and sse4.1
    // and needs nothing else; `available()` just confirmed this CPU has all
    // four. It takes no pointers: everything it reads and writes is a safe
    // slice.
    unsafe { digest_each_x2(messages, slots) };
    true
}

/// One SHA-256 state in the layout of the extensions.
#[derive(Clone, Copy)]
struct State {
    abef: __m128i,
    cdgh: __m128i,
}

/// A message being hashed: its whole blocks straight from the message,
/// then one or two padded tail blocks (FIPS 180-4 §5.1.1).
struct Lane<'a> {
    slot: usize,
    body: &'a [[u8; 64]],
    tail: [[u8; 64]; 2],
    blocks: usize,
    next: usize,
    state: State,
}

impl<'a> Lane<'a> {
    fn new(slot: usize, message: &'a [u8], initial: State) -> Self {
        let (body, rest) = message.as_chunks::<64>();
        let mut tail = [[0u8; 64]; 2];
        tail[0][..rest.len()].copy_from_slice(rest);
        // `rest` is shorter than a block, so the 0x80 byte fits after it.
        tail[0][rest.len()] = 0x80;
        let tail_blocks = if rest.len() < 56 { 1 } else { 2 };
        let bits = (message.len() as u64).wrapping_mul(8).to_be_bytes();
        tail[tail_blocks - 1][56..].copy_from_slice(&bits);
        Lane {
            slot,
            body,
            tail,
            blocks: body.len() + tail_blocks,
            next: 0,
            state: initial,
        }
    }

    fn block(&self) -> &[u8; 64] {
        match self.body.get(self.next) {
            Some(block) => block,
            None => &self.tail[(self.next - self.body.len()).min(1)],
        }
    }

    fn finished(&self) -> bool {
        self.next >= self.blocks
    }
}

#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn digest_each_x2(messages: &[&[u8]], slots: &mut [Digest]) {
    let initial = state_from_words(&IV);
    let mut pending = messages.iter().zip(0..slots.len());
    let mut next_lane = || pending.next().map(|(m, slot)| Lane::new(slot, m, initial));
    let mut lanes = [next_lane(), next_lane()];
    loop {
        match &mut lanes {
            [Some(a), Some(b)] => {
                [a.state, b.state] = compress([a.state, b.state], [a.block(), b.block()]);
                a.next += 1;
                b.next += 1;
            }
            [Some(a), None] | [None, Some(a)] => {
                [a.state] = compress([a.state], [a.block()]);
                a.next += 1;
            }
            [None, None] => break,
        }
        for lane in &mut lanes {
            if lane.as_ref().is_some_and(Lane::finished) {
                if let Some(done) = lane.take() {
                    slots[done.slot] = digest_of(done.state);
                }
                *lane = next_lane();
            }
        }
    }
}

/// The big-endian words `at..at + 16` bytes of `block` as a vector.
#[inline]
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn load_words(block: &[u8; 64], at: usize) -> __m128i {
    let word = |k: usize| {
        let o = at + 4 * k;
        i32::from_be_bytes([block[o], block[o + 1], block[o + 2], block[o + 3]])
    };
    _mm_set_epi32(word(3), word(2), word(1), word(0))
}

/// Round constants `4j..4j + 4`.
#[inline]
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn constants(j: usize) -> __m128i {
    let k = |i: usize| K[(4 * j + i) % 64] as i32;
    _mm_set_epi32(k(3), k(2), k(1), k(0))
}

/// `body` once for each listed value of `j`, written out.
macro_rules! unroll {
    ($j:ident in [$($value:literal),*] $body:block) => {
        $({
            let $j: usize = $value;
            $body
        })*
    };
}

/// One 64-byte block into each of `N` independent states, the lanes'
/// instructions interleaved so one lane's rounds run while another's wait
/// on their latency. With `N` a constant the lane loops unroll away.
#[inline]
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn compress<const N: usize>(start: [State; N], blocks: [&[u8; 64]; N]) -> [State; N] {
    let mut s = start;
    // Each lane's last sixteen message words, four to a vector.
    let mut w: [[__m128i; 4]; N] = [[_mm_set_epi32(0, 0, 0, 0); 4]; N];
    for lane in 0..N {
        for (i, words) in w[lane].iter_mut().enumerate() {
            *words = load_words(blocks[lane], 16 * i);
        }
    }
    // Unrolled: with `j` a constant, `w[j % 4]` are registers.
    unroll!(j in [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] {
        let k = constants(j);
        for lane in 0..N {
            let w = &mut w[lane];
            if j >= 4 {
                // The next four words replace the oldest four.
                let (w0, w1, w2, w3) = (w[j % 4], w[(j + 1) % 4], w[(j + 2) % 4], w[(j + 3) % 4]);
                w[j % 4] = _mm_sha256msg2_epu32(
                    _mm_add_epi32(_mm_sha256msg1_epu32(w0, w1), _mm_alignr_epi8(w3, w2, 4)),
                    w3,
                );
            }
            let wk = _mm_add_epi32(w[j % 4], k);
            let s = &mut s[lane];
            s.cdgh = _mm_sha256rnds2_epu32(s.cdgh, s.abef, wk);
            // The first two rounds left the new ABEF in `cdgh`, and the old
            // ABEF is the new CDGH: the next two rounds land back in place.
            s.abef = _mm_sha256rnds2_epu32(s.abef, s.cdgh, _mm_shuffle_epi32(wk, 0x0E));
        }
    });
    for lane in 0..N {
        s[lane] = State {
            abef: _mm_add_epi32(s[lane].abef, start[lane].abef),
            cdgh: _mm_add_epi32(s[lane].cdgh, start[lane].cdgh),
        };
    }
    s
}

/// The state words A..H in the extensions' layout.
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn state_from_words(h: &[u32; 8]) -> State {
    let w = |i: usize| h[i] as i32;
    State {
        abef: _mm_set_epi32(w(0), w(1), w(4), w(5)),
        cdgh: _mm_set_epi32(w(2), w(3), w(6), w(7)),
    }
}

/// The digest of a finished state: words A..H, big-endian.
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn digest_of(s: State) -> Digest {
    let words = [
        _mm_extract_epi32(s.abef, 3),
        _mm_extract_epi32(s.abef, 2),
        _mm_extract_epi32(s.cdgh, 3),
        _mm_extract_epi32(s.cdgh, 2),
        _mm_extract_epi32(s.abef, 1),
        _mm_extract_epi32(s.abef, 0),
        _mm_extract_epi32(s.cdgh, 1),
        _mm_extract_epi32(s.cdgh, 0),
    ];
    let mut out = [0u8; 32];
    for (chunk, word) in out.chunks_exact_mut(4).zip(words) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_layout_round_trips() {
        if !available() {
            return;
        }
        #[allow(unsafe_code)]
        // SAFETY: the CPU has the features (checked just above).
        let digest = unsafe { digest_of(state_from_words(&IV)) };
        let expected: Vec<u8> = IV.iter().flat_map(|w| w.to_be_bytes()).collect();
        assert_eq!(digest[..], expected[..]);
    }
}
