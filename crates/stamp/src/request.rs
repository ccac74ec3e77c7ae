//! The request sent to a TSA (RFC 3161 §2.4.1).

use const_oid::ObjectIdentifier;
use const_oid::db::rfc5912::ID_SHA_256;
use der::Encode;
use der::asn1::{Int, OctetString};
use spki::AlgorithmIdentifierOwned;
use x509_tsp::{MessageImprint, TimeStampReq, TspVersion};

use crate::digest::Sha256Digest;
use crate::error::{Error, Result, encoding};

/// A time-stamp request for one SHA-256 digest, with a fresh nonce and the
/// TSA's certificate asked for (so that the token can be checked offline).
#[derive(Debug, Clone)]
pub struct Request {
    der: Vec<u8>,
    expect: Expect,
}

/// What a token must answer: the digest stamped and, for a token just
/// received, the request's nonce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expect {
    /// The digest the token must stamp.
    pub digest: Sha256Digest,
    /// The nonce the token must repeat (big-endian, no leading zeros).
    pub nonce: Option<Vec<u8>>,
    /// The TSA policy the token must be issued under, when the user
    /// requires one (an accredited TSA's policy OID).
    pub policy: Option<ObjectIdentifier>,
}

impl Expect {
    /// A token kept earlier: only its digest is known.
    pub fn digest(digest: Sha256Digest) -> Self {
        Expect {
            digest,
            nonce: None,
            policy: None,
        }
    }

    /// The same, requiring the TSA policy `policy`.
    pub fn with_policy(mut self, policy: Option<ObjectIdentifier>) -> Self {
        self.policy = policy;
        self
    }
}

impl Request {
    /// A request for `digest`, under the TSA's default policy.
    pub fn new(digest: Sha256Digest) -> Result<Self> {
        Self::with_policy(digest, None)
    }

    /// A request for `digest` under the TSA policy `policy` (the token must
    /// then be issued under it).
    pub fn with_policy(digest: Sha256Digest, policy: Option<ObjectIdentifier>) -> Result<Self> {
        let mut nonce = [0u8; 8];
        getrandom::fill(&mut nonce).map_err(|e| Error::Random(e.to_string()))?;
        // A positive INTEGER with no leading zero byte.
        nonce[0] = (nonce[0] & 0x7f) | 0x01;
        let request = TimeStampReq {
            version: TspVersion::V1,
            message_imprint: MessageImprint {
                hash_algorithm: AlgorithmIdentifierOwned {
                    oid: ID_SHA_256,
                    parameters: None,
                },
                hashed_message: OctetString::new(digest.0.to_vec())
                    .map_err(encoding("the request's digest"))?,
            },
            req_policy: policy,
            nonce: Some(Int::new(&nonce).map_err(encoding("the request's nonce"))?),
            cert_req: true,
            extensions: None,
        };
        let der = request.to_der().map_err(encoding("the request"))?;
        Ok(Request {
            der,
            expect: Expect {
                digest,
                nonce: Some(nonce.to_vec()),
                policy,
            },
        })
    }

    /// The DER bytes to post (`application/timestamp-query`).
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// What the answer's token must say.
    pub fn expect(&self) -> &Expect {
        &self.expect
    }
}
