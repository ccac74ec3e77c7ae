//! The certificates a user trusts to root a TSA's chain.

use std::path::Path;

use der::{Decode, DecodePem};
use x509_cert::Certificate;

use crate::error::{Error, Result};

/// The largest trust-anchor file read (a bundle of a few hundred CAs).
const MAX_BYTES: u64 = 4 << 20;

/// Root (or intermediate) certificates a TSA's chain must reach.
#[derive(Debug, Clone, Default)]
pub struct TrustAnchors {
    pub(crate) certs: Vec<Certificate>,
}

impl TrustAnchors {
    /// The certificates of a PEM bundle (or one DER certificate).
    pub fn from_bytes(bytes: &[u8], origin: &str) -> Result<Self> {
        let refuse = |reason: String| Error::Anchors {
            path: origin.to_owned(),
            reason,
        };
        if bytes.first() == Some(&0x30) {
            let cert = Certificate::from_der(bytes).map_err(|e| refuse(e.to_string()))?;
            return Ok(TrustAnchors { certs: vec![cert] });
        }
        let text = std::str::from_utf8(bytes).map_err(|_| refuse("neither PEM nor DER".into()))?;
        let mut certs = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find("-----BEGIN CERTIFICATE-----") {
            let end_marker = "-----END CERTIFICATE-----";
            let Some(end) = rest[start..].find(end_marker) else {
                return Err(refuse("a certificate is cut short".into()));
            };
            let block = &rest[start..start + end + end_marker.len()];
            certs.push(Certificate::from_pem(block).map_err(|e| refuse(e.to_string()))?);
            rest = &rest[start + end + end_marker.len()..];
        }
        if certs.is_empty() {
            return Err(refuse("no certificate in it".into()));
        }
        Ok(TrustAnchors { certs })
    }

    /// Reads a PEM bundle or DER certificate file (a regular file of at
    /// most 4 MiB).
    pub fn load(path: &Path) -> Result<Self> {
        let origin = path.display().to_string();
        let refuse = |reason: String| Error::Anchors {
            path: origin.clone(),
            reason,
        };
        let meta = std::fs::metadata(path).map_err(|e| refuse(e.to_string()))?;
        if !meta.is_file() {
            return Err(refuse("not a regular file".into()));
        }
        if meta.len() > MAX_BYTES {
            return Err(refuse(format!("larger than {MAX_BYTES} bytes")));
        }
        let bytes = std::fs::read(path).map_err(|e| refuse(e.to_string()))?;
        Self::from_bytes(&bytes, &origin)
    }

    /// How many certificates.
    pub fn len(&self) -> usize {
        self.certs.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.certs.is_empty()
    }
}
