//! SHA-256 of many independent short messages at once.
//!
//! The ledger hashes every event row as its own RFC 6962 leaf and every
//! pair of nodes of its Merkle tree: millions of messages of a few hundred
//! bytes. One SHA-256 stream on the x86 SHA extensions is bound by the
//! latency of the round instruction, not its throughput, so two
//! independent messages hashed interleaved go about 1.5 times as fast as
//! one after the other (measured on this project's AMD EPYC CI machine;
//! `cargo bench -p worklog-benches --bench ledger` prints it).
//!
//! [`digest_each`] uses that path when the CPU has the SHA extensions and
//! falls back to the `sha2` crate, one message at a time, everywhere else.
//! Both give exactly SHA-256 (FIPS 180-4): the tests compare them with
//! `sha2` on messages of every length from 0 to 300 bytes, random
//! contents, and the FIPS examples.
//!
//! This is the workspace's only `unsafe` code: one call, made after the
//! CPU features it needs were detected at run time.
//!
//! # Example
//! ```
//! use sha2::{Digest, Sha256};
//!
//! let messages: [&[u8]; 3] = [b"", b"abc", &[7u8; 200]];
//! let mut digests = Vec::new();
//! worklog_hash::digest_each(&messages, &mut digests);
//! for (message, digest) in messages.iter().zip(&digests) {
//!     assert_eq!(digest[..], Sha256::digest(message)[..]);
//! }
//! ```

mod digest;
#[cfg(target_arch = "x86_64")]
mod shani;

pub use digest::{DigestTextError, Sha256Digest, empty_is_none};

use sha2::{Digest as _, Sha256};

/// A SHA-256 digest.
pub type Digest = [u8; 32];

/// Appends `SHA-256(m)` of every message `m` to `out`, in order.
pub fn digest_each(messages: &[&[u8]], out: &mut Vec<Digest>) {
    let start = out.len();
    out.resize(start + messages.len(), [0; 32]);
    let slots = &mut out[start..];
    #[cfg(target_arch = "x86_64")]
    if shani::digest_each(messages, slots) {
        return;
    }
    digest_each_portable_into(messages, slots);
}

/// [`digest_each`] with the `sha2` crate only, one message after another:
/// the reference the accelerated path is tested against, and the baseline
/// it is measured against.
pub fn digest_each_portable(messages: &[&[u8]], out: &mut Vec<Digest>) {
    out.extend(messages.iter().map(|m| <Digest>::from(Sha256::digest(m))));
}

fn digest_each_portable_into(messages: &[&[u8]], slots: &mut [Digest]) {
    for (slot, message) in slots.iter_mut().zip(messages) {
        *slot = Sha256::digest(message).into();
    }
}

/// Whether [`digest_each`] uses the interleaved SHA-extension path on this
/// CPU (for benchmark and diagnostic output).
pub fn accelerated() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        shani::available()
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}
