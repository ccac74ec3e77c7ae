//! An Ed25519 signature as a type: 64 bytes inside, hex only in JSON.

use std::fmt;

/// The 64 bytes of an Ed25519 signature. Its text form (Display, serde) is
/// 128 lower-case hex digits; other text does not deserialize.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SignatureBytes(pub [u8; 64]);

impl SignatureBytes {
    /// Lower-case hex.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// From 128 lower-case hex digits (the text this type writes).
    pub fn from_lower_hex(text: &str) -> Option<Self> {
        if text.bytes().any(|b| b.is_ascii_uppercase()) {
            return None;
        }
        let bytes = hex::decode(text).ok()?;
        <[u8; 64]>::try_from(bytes).ok().map(SignatureBytes)
    }
}

impl From<[u8; 64]> for SignatureBytes {
    fn from(bytes: [u8; 64]) -> Self {
        SignatureBytes(bytes)
    }
}

impl fmt::Debug for SignatureBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ed25519:{}", self.to_hex())
    }
}

impl fmt::Display for SignatureBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl serde::Serialize for SignatureBytes {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_hex())
    }
}

impl<'de> serde::Deserialize<'de> for SignatureBytes {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        SignatureBytes::from_lower_hex(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "{text:?} is not an Ed25519 signature: expected 128 lower-case hex digits"
            ))
        })
    }
}

/// Serde for a digest that may be absent, written as the all-zero digest
/// (`NO_FILE_DIGEST`), as the ledger format has it.
pub(crate) mod zero_is_none {
    use worklog_hash::Sha256Digest;

    pub fn serialize<S: serde::Serializer>(
        digest: &Option<Sha256Digest>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serde::Serialize::serialize(&digest.unwrap_or(Sha256Digest::ZERO), serializer)
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Sha256Digest>, D::Error> {
        let digest: Sha256Digest = serde::Deserialize::deserialize(deserializer)?;
        Ok((digest != Sha256Digest::ZERO).then_some(digest))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_text_it_writes_reads_back() {
        let s = SignatureBytes([0xab; 64]);
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, format!("\"{}\"", "ab".repeat(64)));
        assert_eq!(serde_json::from_str::<SignatureBytes>(&json).unwrap(), s);
        for bad in ["AB".repeat(64), "ab".repeat(63), "zz".repeat(64)] {
            assert!(serde_json::from_str::<SignatureBytes>(&format!("\"{bad}\"")).is_err());
        }
    }
}
