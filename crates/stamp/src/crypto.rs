//! Digests and signatures by their algorithm identifiers: RSA PKCS #1 v1.5
//! and ECDSA on P-256 and P-384, the algorithms TSAs use (accredited
//! Japanese TSAs sign with RSA and SHA-256).

use const_oid::ObjectIdentifier;
use const_oid::db::rfc5912::{
    ECDSA_WITH_SHA_256, ECDSA_WITH_SHA_384, ID_EC_PUBLIC_KEY, ID_SHA_1, ID_SHA_256, ID_SHA_384,
    ID_SHA_512, RSA_ENCRYPTION, SECP_256_R_1, SECP_384_R_1, SHA_256_WITH_RSA_ENCRYPTION,
    SHA_384_WITH_RSA_ENCRYPTION, SHA_512_WITH_RSA_ENCRYPTION,
};
use der::Encode;
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier;
use sha2::Digest;
use spki::SubjectPublicKeyInfoOwned;

use crate::error::{Error, Result};

/// A digest algorithm a token may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hash {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    pub(crate) fn from_oid(oid: &ObjectIdentifier) -> Result<Self> {
        Ok(match *oid {
            ID_SHA_1 => Hash::Sha1,
            ID_SHA_256 => Hash::Sha256,
            ID_SHA_384 => Hash::Sha384,
            ID_SHA_512 => Hash::Sha512,
            other => return Err(Error::Unsupported(format!("digest {other}"))),
        })
    }

    pub(crate) fn digest(self, bytes: &[u8]) -> Vec<u8> {
        match self {
            Hash::Sha1 => sha1::Sha1::digest(bytes).to_vec(),
            Hash::Sha256 => sha2::Sha256::digest(bytes).to_vec(),
            Hash::Sha384 => sha2::Sha384::digest(bytes).to_vec(),
            Hash::Sha512 => sha2::Sha512::digest(bytes).to_vec(),
        }
    }
}

/// Checks `signature` over `message` by `key`, with the signature
/// algorithm `algorithm` (for a CMS signer whose algorithm is plain
/// `rsaEncryption`, `digest` names the hash).
pub(crate) fn verify(
    algorithm: &ObjectIdentifier,
    digest: Option<Hash>,
    key: &SubjectPublicKeyInfoOwned,
    message: &[u8],
    signature: &[u8],
    what: &str,
) -> Result<()> {
    let bad = || Error::BadSignature(what.to_owned());
    let hash = match *algorithm {
        SHA_256_WITH_RSA_ENCRYPTION | ECDSA_WITH_SHA_256 => Hash::Sha256,
        SHA_384_WITH_RSA_ENCRYPTION | ECDSA_WITH_SHA_384 => Hash::Sha384,
        SHA_512_WITH_RSA_ENCRYPTION => Hash::Sha512,
        RSA_ENCRYPTION => {
            digest.ok_or_else(|| Error::Unsupported("rsaEncryption without a digest".into()))?
        }
        other => return Err(Error::Unsupported(format!("signature {other}"))),
    };
    match key.algorithm.oid {
        RSA_ENCRYPTION => verify_rsa(key, hash, message, signature).map_err(|_| bad()),
        ID_EC_PUBLIC_KEY => {
            let curve = key
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
            let point = key.subject_public_key.raw_bytes();
            match (curve, hash) {
                (Some(SECP_256_R_1), Hash::Sha256) => {
                    let key =
                        p256::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(|_| bad())?;
                    let sig = p256::ecdsa::Signature::from_der(signature).map_err(|_| bad())?;
                    key.verify(message, &sig).map_err(|_| bad())
                }
                (Some(SECP_384_R_1), Hash::Sha384) => {
                    let key =
                        p384::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(|_| bad())?;
                    let sig = p384::ecdsa::Signature::from_der(signature).map_err(|_| bad())?;
                    key.verify(message, &sig).map_err(|_| bad())
                }
                (curve, hash) => Err(Error::Unsupported(format!(
                    "ECDSA on {} with {hash:?}",
                    curve.map_or("an unnamed curve".to_owned(), |c| c.to_string())
                ))),
            }
        }
        other => Err(Error::Unsupported(format!("public key {other}"))),
    }
}

fn verify_rsa(
    key: &SubjectPublicKeyInfoOwned,
    hash: Hash,
    message: &[u8],
    signature: &[u8],
) -> std::result::Result<(), ()> {
    let der = key.to_der().map_err(|_| ())?;
    let public = rsa::RsaPublicKey::from_public_key_der(&der).map_err(|_| ())?;
    let signature = rsa::pkcs1v15::Signature::try_from(signature).map_err(|_| ())?;
    match hash {
        Hash::Sha256 => rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(public)
            .verify(message, &signature)
            .map_err(|_| ()),
        Hash::Sha384 => rsa::pkcs1v15::VerifyingKey::<sha2::Sha384>::new(public)
            .verify(message, &signature)
            .map_err(|_| ()),
        Hash::Sha512 => rsa::pkcs1v15::VerifyingKey::<sha2::Sha512>::new(public)
            .verify(message, &signature)
            .map_err(|_| ()),
        // SHA-1 signatures are broken: never accepted.
        Hash::Sha1 => Err(()),
    }
}
