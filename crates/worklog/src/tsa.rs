//! Asking a time-stamping authority (RFC 3161 over HTTP, §3.4) and keeping
//! its token: the anchor log stamped so that a rewrite after the stamp is
//! detected, even by the holder of the authority key.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use worklog_ledger::stamps::{self, STAMP_FORMAT, StampLine};
use worklog_stamp::{
    ObjectIdentifier, QUERY_MEDIA_TYPE, Request, Sha256Digest, Stamp, Token, TrustAnchors,
};

use crate::{Error, Result};

/// A TSA's answer is a few kilobytes: more is refused.
const MAX_ANSWER: u64 = 1 << 20;

/// A TSA and how long to wait for it.
#[derive(Debug, Clone)]
pub struct Tsa {
    /// Its URL (`http://` or `https://`).
    pub url: String,
    /// The certificates its chain must reach.
    pub trust: TrustAnchors,
    /// How long one request may take.
    pub timeout: Duration,
    /// The TSA policy to ask for and require (an accredited service's
    /// policy OID); none: the TSA's default, whatever it is.
    pub policy: Option<ObjectIdentifier>,
}

impl Tsa {
    /// A TSA at `url` whose chain must reach `trust`, waited for 30 s.
    pub fn new(url: impl Into<String>, trust: TrustAnchors) -> Self {
        Tsa {
            url: url.into(),
            trust,
            timeout: Duration::from_secs(30),
            policy: None,
        }
    }

    /// A verified token for `digest`: asked, answered, checked (nonce,
    /// imprint, signature, chain) before anything is kept.
    pub fn stamp(&self, digest: Sha256Digest) -> Result<(Token, Stamp)> {
        let fail = |reason: String| Error::Stamp {
            tsa: self.url.clone(),
            reason,
        };
        let request = Request::with_policy(digest, self.policy).map_err(|e| fail(e.to_string()))?;
        let answer = self.post(request.der()).map_err(fail)?;
        let token = Token::from_response(&answer).map_err(|e| fail(e.to_string()))?;
        let stamp = token
            .verify(request.expect(), &self.trust)
            .map_err(|e| fail(e.to_string()))?;
        Ok((token, stamp))
    }

    fn post(&self, body: &[u8]) -> std::result::Result<Vec<u8>, String> {
        let client = reqwest::blocking::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.timeout)
            .build()
            .map_err(|e| format!("no HTTP client: {e}"))?;
        let response = client
            .post(&self.url)
            .header(reqwest::header::CONTENT_TYPE, QUERY_MEDIA_TYPE)
            .body(body.to_vec())
            .send()
            .map_err(|e| {
                if e.is_timeout() {
                    format!("no answer within {} s", self.timeout.as_secs())
                } else {
                    format!("cannot reach the TSA: {e}")
                }
            })?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("the TSA answered HTTP {status}"));
        }
        let mut answer = Vec::new();
        response
            .take(MAX_ANSWER + 1)
            .read_to_end(&mut answer)
            .map_err(|e| format!("the answer was cut: {e}"))?;
        if answer.len() as u64 > MAX_ANSWER {
            return Err(format!(
                "an answer over {MAX_ANSWER} bytes is no time-stamp"
            ));
        }
        Ok(answer)
    }
}

/// What stamping the anchor log did.
#[derive(Debug, Clone)]
pub struct Stamped {
    /// The stamps file the token was appended to.
    pub file: PathBuf,
    /// Anchor entries covered.
    pub covers_entries: u64,
    /// What the token says.
    pub stamp: Stamp,
}

/// Time-stamps the anchor log at `log` as it is now, and appends the
/// token to its stamps file; nothing is written when the TSA fails or its
/// token does not verify.
pub fn stamp_anchor_log(log: &Path, tsa: &Tsa) -> Result<Stamped> {
    let (bytes, entries, digest) = stamps::log_digest(log)?;
    let (token, stamp) = tsa.stamp(digest)?;
    let line = StampLine {
        format: STAMP_FORMAT.to_owned(),
        covers_bytes: bytes,
        covers_entries: entries,
        sha256: digest,
        tsa: tsa.url.clone(),
        token: token.der().iter().map(|b| format!("{b:02x}")).collect(),
    };
    let file = stamps::append_stamp(log, &line)?;
    Ok(Stamped {
        file,
        covers_entries: entries,
        stamp,
    })
}
