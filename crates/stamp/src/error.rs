//! What can go wrong with a stamp.

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a request could not be made or a token is not accepted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Bytes that are not the ASN.1 structure expected.
    #[error("{what} is not valid DER: {source}")]
    Encoding {
        /// What was being read.
        what: &'static str,
        /// The decoder's reason.
        #[source]
        source: der::Error,
    },
    /// The TSA answered, but did not grant the stamp.
    #[error("the TSA refused the request: status {status}{text}")]
    Refused {
        /// RFC 3161 PKIStatus (2 rejection, 3 waiting, 4 revocation warning, 5 revoked).
        status: u8,
        /// Its text, if it gave one (with a leading separator).
        text: String,
    },
    /// The token is no RFC 3161 token (wrong content type, no signer, …).
    #[error("not an RFC 3161 time-stamp token: {0}")]
    Malformed(String),
    /// The token stamps another digest, or answers another request.
    #[error("the token does not match: {0}")]
    Mismatch(String),
    /// An algorithm this verifier does not implement.
    #[error("unsupported algorithm {0}")]
    Unsupported(String),
    /// A signature does not hold.
    #[error("the signature of {0} does not verify")]
    BadSignature(String),
    /// The signing certificate is no TSA's, or was not valid at the time.
    #[error("the TSA's certificate is not acceptable: {0}")]
    Certificate(String),
    /// The chain does not reach a trust anchor the user gave.
    #[error("the TSA is not trusted: {0}")]
    Untrusted(String),
    /// The trust anchors could not be read.
    #[error("trust anchors {path}: {reason}")]
    Anchors {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// No randomness for the nonce.
    #[error("no randomness for the nonce: {0}")]
    Random(String),
}

/// `Error::Encoding` for `what`.
pub(crate) fn encoding(what: &'static str) -> impl FnOnce(der::Error) -> Error {
    move |source| Error::Encoding { what, source }
}
