//! A SHA-256 value as a type: bytes inside, hex only at the edges.

use std::fmt;
use std::str::FromStr;

use sha2::{Digest as _, Sha256};

/// A SHA-256 digest: a ledger head, a Merkle root, a file's digest. Its
/// text form (Display, serde) is 64 lower-case hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Sha256Digest(pub [u8; 32]);

/// Text that is not 64 hex digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a SHA-256 digest: expected 64 lower-case hex digits")]
pub struct DigestTextError(String);

impl Sha256Digest {
    /// The all-zero value some formats use for "none" (never a digest of
    /// anything in practice).
    pub const ZERO: Sha256Digest = Sha256Digest([0; 32]);

    /// The digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        Sha256Digest(Sha256::digest(bytes).into())
    }

    /// From 64 hex digits (either case).
    pub fn from_hex(hex: &str) -> Option<Self> {
        parse_hex(hex, false)
    }

    /// From 64 lower-case hex digits only: the text this type writes, so
    /// that a value read back renders to the same text byte for byte.
    pub fn from_lower_hex(hex: &str) -> Option<Self> {
        parse_hex(hex, true)
    }

    /// Lower-case hex.
    pub fn to_hex(&self) -> String {
        let mut out = String::with_capacity(64);
        for b in self.0 {
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
        out
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn parse_hex(hex: &str, lower_only: bool) -> Option<Sha256Digest> {
    let bytes = hex.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' if !lower_only => Some(c - b'A' + 10),
        _ => None,
    };
    let mut out = [0u8; 32];
    for (byte, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
        *byte = (digit(pair[0])? << 4) | digit(pair[1])?;
    }
    Some(Sha256Digest(out))
}

impl From<[u8; 32]> for Sha256Digest {
    fn from(bytes: [u8; 32]) -> Self {
        Sha256Digest(bytes)
    }
}

impl From<Sha256Digest> for [u8; 32] {
    fn from(digest: Sha256Digest) -> Self {
        digest.0
    }
}

impl fmt::Debug for Sha256Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256:{}", self.to_hex())
    }
}

impl fmt::Display for Sha256Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl FromStr for Sha256Digest {
    type Err = DigestTextError;

    /// Lower-case hex only (see [`Sha256Digest::from_lower_hex`]).
    fn from_str(text: &str) -> Result<Self, DigestTextError> {
        Sha256Digest::from_lower_hex(text).ok_or_else(|| DigestTextError(text.to_owned()))
    }
}

impl serde::Serialize for Sha256Digest {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_hex())
    }
}

impl<'de> serde::Deserialize<'de> for Sha256Digest {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Serde for a digest that may be absent, written as empty text
/// (`#[serde(with = "worklog_hash::empty_is_none")]`).
pub mod empty_is_none {
    use super::Sha256Digest;

    /// Writes the digest's hex, or `""`.
    pub fn serialize<S: serde::Serializer>(
        digest: &Option<Sha256Digest>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match digest {
            Some(d) => serde::Serialize::serialize(d, serializer),
            None => serializer.serialize_str(""),
        }
    }

    /// Reads a digest, `""` as none.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Sha256Digest>, D::Error> {
        let text: std::borrow::Cow<'de, str> = serde::Deserialize::deserialize(deserializer)?;
        if text.is_empty() {
            return Ok(None);
        }
        text.parse().map(Some).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_upper_case_is_refused_where_text_must_be_exact() {
        let d = Sha256Digest::of(b"abc");
        let hex = d.to_hex();
        assert_eq!(
            hex,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(hex.parse::<Sha256Digest>(), Ok(d));
        let upper = hex.to_uppercase();
        assert_eq!(Sha256Digest::from_hex(&upper), Some(d));
        assert!(upper.parse::<Sha256Digest>().is_err());
        assert!(hex[..63].parse::<Sha256Digest>().is_err());
        assert!(format!("{}g", &hex[..63]).parse::<Sha256Digest>().is_err());
        assert!("é".repeat(32).parse::<Sha256Digest>().is_err());
    }
}
