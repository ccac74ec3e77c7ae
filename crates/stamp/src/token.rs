//! A TSA's token: read from its answer, verified offline.

use chrono::{DateTime, Utc};
use cms::cert::CertificateChoices;
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use const_oid::ObjectIdentifier;
use const_oid::db::rfc5911::ID_SIGNED_DATA;
use const_oid::db::rfc5912::{ID_CE_EXT_KEY_USAGE, ID_KP_TIME_STAMPING};
use const_oid::db::rfc6268::{ID_CONTENT_TYPE, ID_MESSAGE_DIGEST};
use der::asn1::{Any, OctetString};
use der::{Decode, Encode, Tag, Tagged};
use x509_cert::Certificate;
use x509_cert::ext::pkix::ExtendedKeyUsage;
use x509_tsp::{TimeStampResp, TstInfo};

use crate::anchors::TrustAnchors;
use crate::crypto::{self, Hash};
use crate::error::{Error, Result, encoding};
use crate::request::Expect;

/// id-aa-signingCertificate (RFC 2634, ESS with SHA-1 certificate hashes).
const SIGNING_CERTIFICATE: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.12");
/// id-aa-signingCertificateV2 (RFC 5035).
const SIGNING_CERTIFICATE_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");
/// id-ct-TSTInfo (RFC 3161 §2.4.2).
const ID_CT_TST_INFO: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
/// Chains longer than this are refused (a crafted token's loop).
const MAX_CHAIN: usize = 8;

/// An RFC 3161 time-stamp token (a CMS SignedData over a TSTInfo), as
/// kept: its DER bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    der: Vec<u8>,
}

/// What a verified token says.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stamp {
    /// When the TSA says the digest existed.
    pub time: DateTime<Utc>,
    /// The TSA: its name in the token, else its certificate's subject.
    pub tsa: String,
    /// The TSA policy the stamp was issued under (an OID).
    pub policy: String,
    /// The token's serial number (hex).
    pub serial: String,
}

impl serde::Serialize for Stamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = s.serialize_struct("Stamp", 4)?;
        out.serialize_field(
            "time",
            &self
                .time
                .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        )?;
        out.serialize_field("tsa", &self.tsa)?;
        out.serialize_field("policy", &self.policy)?;
        out.serialize_field("serial", &self.serial)?;
        out.end()
    }
}

impl Token {
    /// The token of a TSA's answer (`application/timestamp-reply`); an
    /// error says why there is none (refused, garbage).
    pub fn from_response(answer: &[u8]) -> Result<Token> {
        let response = TimeStampResp::from_der(answer).map_err(encoding("the TSA's answer"))?;
        let status = response.status.status as u8;
        // 0 granted, 1 granted with modifications.
        if status > 1 {
            let text = response
                .status
                .status_string
                .as_ref()
                .map(|texts| {
                    let words: Vec<String> = texts.iter().map(|t| t.to_string()).collect();
                    format!(" — {}", words.join("; "))
                })
                .unwrap_or_default();
            return Err(Error::Refused { status, text });
        }
        let token = response.time_stamp_token.ok_or_else(|| {
            Error::Malformed("the answer grants the stamp but holds no token".into())
        })?;
        let der = token.to_der().map_err(encoding("the token"))?;
        Token::from_der(der)
    }

    /// A token kept earlier (its DER), checked to be a SignedData over a
    /// TSTInfo.
    pub fn from_der(der: Vec<u8>) -> Result<Token> {
        let token = Token { der };
        token.parts()?;
        Ok(token)
    }

    /// The DER bytes, to keep.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    fn parts(&self) -> Result<(SignedData, TstInfo, Vec<u8>)> {
        let info = ContentInfo::from_der(&self.der).map_err(encoding("the token"))?;
        if info.content_type != ID_SIGNED_DATA {
            return Err(Error::Malformed(format!(
                "content type {}, not SignedData",
                info.content_type
            )));
        }
        let signed: SignedData = info
            .content
            .decode_as()
            .map_err(encoding("the token's SignedData"))?;
        if signed.encap_content_info.econtent_type != ID_CT_TST_INFO {
            return Err(Error::Malformed(format!(
                "it signs {}, not a TSTInfo",
                signed.encap_content_info.econtent_type
            )));
        }
        let content: OctetString = signed
            .encap_content_info
            .econtent
            .as_ref()
            .ok_or_else(|| Error::Malformed("no TSTInfo in it".into()))?
            .decode_as()
            .map_err(encoding("the token's content"))?;
        let bytes = content.as_bytes().to_vec();
        let tst = TstInfo::from_der(&bytes).map_err(encoding("the TSTInfo"))?;
        Ok((signed, tst, bytes))
    }

    /// Verifies the token for `expect` against `anchors`, offline.
    pub fn verify(&self, expect: &Expect, anchors: &TrustAnchors) -> Result<Stamp> {
        let (signed, tst, content) = self.parts()?;
        check_imprint(&tst, expect)?;
        let [signer] = signed.signer_infos.0.as_slice() else {
            return Err(Error::Malformed(format!(
                "{} signers, not one",
                signed.signer_infos.0.len()
            )));
        };
        let certs: Vec<Certificate> = signed
            .certificates
            .iter()
            .flat_map(|set| set.0.iter())
            .filter_map(|c| match c {
                CertificateChoices::Certificate(cert) => Some(cert.clone()),
                _ => None,
            })
            .collect();
        check_signer_form(&signed, signer)?;
        let tsa_cert = signer_certificate(signer, &certs, anchors)?;
        check_signed_attributes(signer, &content, &tsa_cert)?;
        let time = generalized(&tst.gen_time)?;
        check_tsa_certificate(&tsa_cert, time)?;
        check_chain(&tsa_cert, &certs, anchors, time)?;
        Ok(Stamp {
            time,
            tsa: tsa_name(&tst, &tsa_cert),
            policy: tst.policy.to_string(),
            serial: tst
                .serial_number
                .as_bytes()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect(),
        })
    }
}

fn check_imprint(tst: &TstInfo, expect: &Expect) -> Result<()> {
    let imprint = &tst.message_imprint;
    if imprint.hash_algorithm.oid != const_oid::db::rfc5912::ID_SHA_256 {
        return Err(Error::Mismatch(format!(
            "it stamps a {} digest, not SHA-256",
            imprint.hash_algorithm.oid
        )));
    }
    if imprint.hashed_message.as_bytes() != expect.digest.0 {
        return Err(Error::Mismatch(format!(
            "it stamps another digest than {}",
            expect.digest
        )));
    }
    if let Some(policy) = &expect.policy
        && tst.policy != *policy
    {
        return Err(Error::Mismatch(format!(
            "it was issued under TSA policy {}, not the required {policy}",
            tst.policy
        )));
    }
    if let Some(nonce) = &expect.nonce {
        let got = tst.nonce.as_ref().map(|n| n.as_bytes());
        if got != Some(nonce.as_slice()) {
            return Err(Error::Mismatch(
                "its nonce is not the request's (a replayed answer)".into(),
            ));
        }
    }
    Ok(())
}

/// RFC 5652 §5.1, §5.3: the signer's version follows its identifier, and
/// its digest algorithm is one the SignedData lists. Neither is under the
/// signature; a token that breaks them was not written by a TSA.
fn check_signer_form(signed: &SignedData, signer: &SignerInfo) -> Result<()> {
    let version = match signer.sid {
        SignerIdentifier::IssuerAndSerialNumber(_) => CmsVersion::V1,
        SignerIdentifier::SubjectKeyIdentifier(_) => CmsVersion::V3,
    };
    if signer.version != version {
        return Err(Error::Malformed(format!(
            "signer version {:?} does not go with its identifier",
            signer.version
        )));
    }
    if !signed
        .digest_algorithms
        .iter()
        .any(|a| a.oid == signer.digest_alg.oid)
    {
        return Err(Error::Malformed(format!(
            "the signer's digest {} is not among the SignedData's",
            signer.digest_alg.oid
        )));
    }
    Ok(())
}

/// The certificate the signer names, among the token's and the anchors'.
fn signer_certificate(
    signer: &SignerInfo,
    certs: &[Certificate],
    anchors: &TrustAnchors,
) -> Result<Certificate> {
    let all = || certs.iter().chain(&anchors.certs);
    let found = match &signer.sid {
        SignerIdentifier::IssuerAndSerialNumber(id) => all().find(|c| {
            c.tbs_certificate.issuer == id.issuer
                && c.tbs_certificate.serial_number == id.serial_number
        }),
        SignerIdentifier::SubjectKeyIdentifier(ski) => all().find(|c| {
            c.tbs_certificate
                .get::<x509_cert::ext::pkix::SubjectKeyIdentifier>()
                .ok()
                .flatten()
                .is_some_and(|(_, own)| own.0 == ski.0)
        }),
    };
    found.cloned().ok_or_else(|| {
        Error::Certificate(
            "the token does not hold the TSA's certificate (ask for it: certReq) and no trust anchor is it".into(),
        )
    })
}

/// The signed attributes: the content type is TSTInfo, the message digest
/// is the content's, the ESS signing certificate is `tsa_cert`, and the
/// signature over them holds.
fn check_signed_attributes(
    signer: &SignerInfo,
    content: &[u8],
    tsa_cert: &Certificate,
) -> Result<()> {
    let attrs = signer
        .signed_attrs
        .as_ref()
        .ok_or_else(|| Error::Malformed("the signer has no signed attributes".into()))?;
    let value = |oid: ObjectIdentifier| -> Option<&Any> {
        attrs
            .iter()
            .find(|a| a.oid == oid)
            .and_then(|a| a.values.iter().next())
    };
    let content_type: ObjectIdentifier = value(ID_CONTENT_TYPE)
        .ok_or_else(|| Error::Malformed("no content-type attribute".into()))?
        .decode_as()
        .map_err(encoding("the content-type attribute"))?;
    if content_type != ID_CT_TST_INFO {
        return Err(Error::Malformed(format!(
            "signed content type {content_type}"
        )));
    }
    let hash = Hash::from_oid(&signer.digest_alg.oid)?;
    let digest: OctetString = value(ID_MESSAGE_DIGEST)
        .ok_or_else(|| Error::Malformed("no message-digest attribute".into()))?
        .decode_as()
        .map_err(encoding("the message-digest attribute"))?;
    if digest.as_bytes() != hash.digest(content).as_slice() {
        return Err(Error::BadSignature(
            "the TSTInfo (its digest differs)".into(),
        ));
    }
    check_ess(
        value(SIGNING_CERTIFICATE_V2),
        value(SIGNING_CERTIFICATE),
        tsa_cert,
    )?;
    let signed_bytes = attrs.to_der().map_err(encoding("the signed attributes"))?;
    crypto::verify(
        &signer.signature_algorithm.oid,
        Some(hash),
        &tsa_cert.tbs_certificate.subject_public_key_info,
        &signed_bytes,
        signer.signature.as_bytes(),
        "the token",
    )
}

/// The ESS attribute names the signing certificate by its hash (RFC 5816:
/// required, so that another certificate of the same key cannot stand in).
fn check_ess(v2: Option<&Any>, v1: Option<&Any>, cert: &Certificate) -> Result<()> {
    let cert_der = cert.to_der().map_err(encoding("the TSA's certificate"))?;
    let first_id = |attr: &Any| -> Result<Vec<Any>> {
        let outer: Vec<Any> = attr.decode_as().map_err(encoding("the ESS attribute"))?;
        let ids: Vec<Any> = outer
            .first()
            .ok_or_else(|| Error::Malformed("an empty ESS attribute".into()))?
            .decode_as()
            .map_err(encoding("the ESS certificate list"))?;
        ids.first()
            .ok_or_else(|| Error::Malformed("an ESS attribute naming no certificate".into()))?
            .decode_as()
            .map_err(encoding("the ESS certificate id"))
    };
    let (hash, named) = if let Some(attr) = v2 {
        let id = first_id(attr)?;
        // hashAlgorithm DEFAULT sha256: present only when it is another.
        let (hash, at) = match id.first() {
            Some(alg) if alg.tag() == Tag::Sequence => {
                let alg: spki::AlgorithmIdentifierOwned = alg
                    .decode_as()
                    .map_err(encoding("the ESS hash algorithm"))?;
                (Hash::from_oid(&alg.oid)?, 1)
            }
            _ => (Hash::Sha256, 0),
        };
        (hash, id.get(at).cloned())
    } else if let Some(attr) = v1 {
        (Hash::Sha1, first_id(attr)?.first().cloned())
    } else {
        return Err(Error::Malformed(
            "no ESS signing-certificate attribute".into(),
        ));
    };
    let named: OctetString = named
        .ok_or_else(|| Error::Malformed("an ESS certificate id without its hash".into()))?
        .decode_as()
        .map_err(encoding("the ESS certificate hash"))?;
    if named.as_bytes() != hash.digest(&cert_der).as_slice() {
        return Err(Error::Certificate(
            "the token names another signing certificate than the one it was signed with".into(),
        ));
    }
    Ok(())
}

/// RFC 3161 §2.3: the TSA's certificate has the time-stamping key purpose
/// only, marked critical; and it was valid when it stamped.
fn check_tsa_certificate(cert: &Certificate, time: DateTime<Utc>) -> Result<()> {
    match cert.tbs_certificate.get::<ExtendedKeyUsage>() {
        Ok(Some((true, usage))) if usage.0 == [ID_KP_TIME_STAMPING] => {}
        Ok(Some((critical, usage))) => {
            return Err(Error::Certificate(format!(
                "its extended key usage is {:?}{}, not timeStamping alone and critical",
                usage.0.iter().map(ToString::to_string).collect::<Vec<_>>(),
                if critical { "" } else { " (not critical)" }
            )));
        }
        Ok(None) => {
            return Err(Error::Certificate(format!(
                "no extended key usage ({ID_CE_EXT_KEY_USAGE}): it is no TSA's certificate"
            )));
        }
        Err(e) => return Err(encoding("the TSA's extended key usage")(e)),
    }
    valid_at(cert, time, "the TSA's certificate")
}

fn valid_at(cert: &Certificate, time: DateTime<Utc>, what: &str) -> Result<()> {
    let validity = &cert.tbs_certificate.validity;
    let from = validity.not_before.to_unix_duration().as_secs() as i64;
    let to = validity.not_after.to_unix_duration().as_secs() as i64;
    let at = time.timestamp();
    if at < from || at > to {
        return Err(Error::Certificate(format!(
            "{what} ({}) was not valid at {time}",
            cert.tbs_certificate.subject
        )));
    }
    Ok(())
}

/// Walks issuers from the TSA's certificate to a trust anchor, checking
/// each signature and validity at the stamp's time.
fn check_chain(
    tsa: &Certificate,
    certs: &[Certificate],
    anchors: &TrustAnchors,
    time: DateTime<Utc>,
) -> Result<()> {
    let mut current = tsa.clone();
    for _ in 0..MAX_CHAIN {
        if anchors.certs.contains(&current) {
            return Ok(());
        }
        let issuer_name = &current.tbs_certificate.issuer;
        let tbs = current
            .tbs_certificate
            .to_der()
            .map_err(encoding("a certificate"))?;
        let signature = current.signature.raw_bytes();
        let verifies = |issuer: &Certificate| {
            issuer.tbs_certificate.subject == *issuer_name
                && crypto::verify(
                    &current.signature_algorithm.oid,
                    None,
                    &issuer.tbs_certificate.subject_public_key_info,
                    &tbs,
                    signature,
                    "a certificate",
                )
                .is_ok()
        };
        if let Some(anchor) = anchors.certs.iter().find(|a| verifies(a)) {
            return valid_at(anchor, time, "the trust anchor");
        }
        let Some(next) = certs.iter().find(|c| *c != &current && verifies(c)) else {
            return Err(Error::Untrusted(format!(
                "no trust anchor given issued {} (issuer {issuer_name})",
                current.tbs_certificate.subject
            )));
        };
        valid_at(next, time, "an intermediate certificate")?;
        current = next.clone();
    }
    Err(Error::Untrusted(format!(
        "a chain longer than {MAX_CHAIN} certificates"
    )))
}

fn generalized(time: &der::asn1::GeneralizedTime) -> Result<DateTime<Utc>> {
    let d = time.to_unix_duration();
    DateTime::from_timestamp(d.as_secs() as i64, d.subsec_nanos())
        .ok_or_else(|| Error::Malformed("a time out of range".into()))
}

fn tsa_name(tst: &TstInfo, cert: &Certificate) -> String {
    match &tst.tsa {
        Some(x509_cert::ext::pkix::name::GeneralName::DirectoryName(name)) => name.to_string(),
        _ => cert.tbs_certificate.subject.to_string(),
    }
}
