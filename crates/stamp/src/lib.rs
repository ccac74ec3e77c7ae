//! RFC 3161 time-stamps: a witness the agency does not control.
//!
//! A time-stamping authority (TSA) signs that a digest existed at a time;
//! anyone can check its token later, offline, against the TSA's
//! certificate chain. This crate builds the request
//! ([`Request`], `application/timestamp-query`), reads the answer
//! ([`Token::from_response`]) and verifies a token ([`Token::verify`]):
//! the imprint is the digest, the nonce is the request's, the CMS
//! signature holds over the signed attributes, whose message digest is the
//! token's content, the signing certificate is the one the token names
//! (ESS), carries the time-stamping key purpose, was valid at the stamp's
//! time and chains to a trust anchor the user gave. Nothing here talks to
//! the network: the caller posts the request.
//!
//! # Example
//! ```
//! use worklog_stamp::{Request, Sha256Digest};
//!
//! let digest = Sha256Digest::of(b"the anchor log, up to its newest line");
//! let request = Request::new(digest).unwrap();
//! // POST request.der() to the TSA as application/timestamp-query, then
//! // Token::from_response(&answer)?.verify(&digest, &anchors, &request.expect())
//! assert_eq!(request.der()[0], 0x30); // a DER SEQUENCE
//! ```

mod anchors;
mod crypto;
mod digest;
mod error;
mod request;
#[cfg(feature = "test-tsa")]
pub mod test_tsa;
mod token;

pub use anchors::TrustAnchors;
pub use const_oid::ObjectIdentifier;
pub use digest::Sha256Digest;
pub use error::{Error, Result};
pub use request::{Expect, Request};
pub use token::{Stamp, Token};

/// The media type of a request (RFC 3161 §3.4).
pub const QUERY_MEDIA_TYPE: &str = "application/timestamp-query";
/// The media type of an answer (RFC 3161 §3.4).
pub const REPLY_MEDIA_TYPE: &str = "application/timestamp-reply";
