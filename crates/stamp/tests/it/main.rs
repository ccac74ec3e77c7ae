//! Tokens from a real TSA (`openssl ts`, its own test CA), verified
//! offline; and everything a token must not get away with.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use worklog_stamp::test_tsa::{KeyKind, TestTsa};
use worklog_stamp::{Error, Expect, Request, Sha256Digest, Token, TrustAnchors};

fn tsa(dir: &std::path::Path, key: KeyKind) -> (TestTsa, TrustAnchors) {
    let tsa = TestTsa::create(dir, "Worklog Test Root", key).expect("openssl makes the test TSA");
    let anchors = TrustAnchors::load(&tsa.ca_certificate()).unwrap();
    (tsa, anchors)
}

fn stamp(tsa: &TestTsa, digest: Sha256Digest) -> (Request, Token) {
    let request = Request::new(digest).unwrap();
    let answer = tsa.reply(request.der()).unwrap();
    (request, Token::from_response(&answer).unwrap())
}

#[test]
fn a_token_from_the_tsa_verifies_with_its_time_and_name() {
    let tmp = tempfile::tempdir().unwrap();
    for (n, key) in [KeyKind::Rsa, KeyKind::EcdsaP256].into_iter().enumerate() {
        let (tsa, anchors) = tsa(&tmp.path().join(n.to_string()), key);
        let digest = Sha256Digest::of(b"anchors.jsonl up to line 12");
        let before = chrono::Utc::now() - chrono::Duration::seconds(2);
        let (request, token) = stamp(&tsa, digest);
        let stamp = token.verify(request.expect(), &anchors).unwrap();
        assert!(
            stamp.time >= before && stamp.time <= chrono::Utc::now() + chrono::Duration::seconds(2),
            "{stamp:?}"
        );
        assert!(stamp.tsa.contains("CN=Test TSA"), "{stamp:?}");
        assert_eq!(stamp.policy, "1.2.3.4.1");
        // Kept and read back later, with only the digest known.
        let kept = Token::from_der(token.der().to_vec()).unwrap();
        assert_eq!(
            kept.verify(&Expect::digest(digest), &anchors).unwrap(),
            stamp
        );
    }
}

#[test]
fn a_token_for_another_digest_or_request_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let (tsa, anchors) = tsa(tmp.path(), KeyKind::Rsa);
    let digest = Sha256Digest::of(b"line 1\n");
    let (request, token) = stamp(&tsa, digest);
    // The anchor log changed after the stamp: its digest is another.
    let changed = Sha256Digest::of(b"line 1 rewritten\n");
    assert!(matches!(
        token.verify(&Expect::digest(changed), &anchors),
        Err(Error::Mismatch(_))
    ));
    // An answer replayed for another request of the same digest.
    let other = Request::new(digest).unwrap();
    assert_ne!(other.expect(), request.expect());
    assert!(matches!(
        token.verify(other.expect(), &anchors),
        Err(Error::Mismatch(_))
    ));
}

#[test]
fn a_token_from_a_tsa_the_user_does_not_trust_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let (tsa, _) = tsa(&tmp.path().join("a"), KeyKind::Rsa);
    let (_, stranger) = self::tsa(&tmp.path().join("b"), KeyKind::Rsa);
    let digest = Sha256Digest::of(b"x");
    let (request, token) = stamp(&tsa, digest);
    match token.verify(request.expect(), &stranger) {
        Err(Error::Untrusted(why)) => assert!(why.contains("Worklog Test Root"), "{why}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_changed_token_does_not_verify() {
    let tmp = tempfile::tempdir().unwrap();
    let (tsa, anchors) = tsa(tmp.path(), KeyKind::Rsa);
    let digest = Sha256Digest::of(b"y");
    let (request, token) = stamp(&tsa, digest);
    let der = token.der();
    // Every single-byte change is refused (or no longer reads): never Ok.
    let mut accepted = Vec::new();
    for at in (0..der.len()).step_by(7) {
        let mut bytes = der.to_vec();
        bytes[at] ^= 0x01;
        if let Ok(token) = Token::from_der(bytes)
            && token.verify(request.expect(), &anchors).is_ok()
        {
            accepted.push(at);
        }
    }
    // The token carries the CA's certificate too (openssl's `certs`); the
    // chain is checked against the user's own copy, so a changed byte of
    // the token's copy changes nothing. Every other byte is proof.
    tsa.openssl(&["x509", "-in", "ca.crt", "-outform", "DER", "-out", "ca.der"])
        .unwrap();
    let ca = std::fs::read(tsa.dir().join("ca.der")).unwrap();
    let start = der
        .windows(ca.len())
        .position(|w| w == ca.as_slice())
        .expect("the token carries the CA certificate");
    let outside: Vec<usize> = accepted
        .iter()
        .copied()
        .filter(|at| !(start..start + ca.len()).contains(at))
        .collect();
    assert!(outside.is_empty(), "changed bytes accepted at {outside:?}");
}

#[test]
fn garbage_and_refusals_say_why() {
    let tmp = tempfile::tempdir().unwrap();
    let (tsa, _) = tsa(tmp.path(), KeyKind::Rsa);
    assert!(matches!(
        Token::from_response(b"<html>502 Bad Gateway</html>"),
        Err(Error::Encoding { .. })
    ));
    assert!(matches!(
        Token::from_response(&[]),
        Err(Error::Encoding { .. })
    ));
    // A request under a policy the TSA does not serve: openssl answers
    // "rejection".
    std::fs::write(tsa.dir().join("data.txt"), "z").unwrap();
    tsa.openssl(&[
        "ts",
        "-query",
        "-data",
        "data.txt",
        "-sha256",
        "-tspolicy",
        "1.9.9.9",
        "-cert",
        "-out",
        "policy.tsq",
    ])
    .unwrap();
    let request = std::fs::read(tsa.dir().join("policy.tsq")).unwrap();
    match Token::from_response(&tsa.reply(&request).unwrap()) {
        Err(Error::Refused { status, text }) => {
            assert_eq!(status, 2, "{text}");
            assert!(text.to_lowercase().contains("policy"), "{text}");
        }
        other => panic!("{other:?}"),
    }
}

/// A required TSA policy: asked for in the request, checked in the token.
#[test]
fn a_required_policy_is_asked_for_and_checked() {
    let tmp = tempfile::tempdir().unwrap();
    let (tsa, anchors) = tsa(tmp.path(), KeyKind::Rsa);
    let digest = Sha256Digest::of(b"policy");
    let other = worklog_stamp::ObjectIdentifier::new_unwrap("1.2.3.4.5");
    // Asked for the TSA's other policy: issued under it, and accepted.
    let request = Request::with_policy(digest, Some(other)).unwrap();
    let token = Token::from_response(&tsa.reply(request.der()).unwrap()).unwrap();
    let issued = token.verify(request.expect(), &anchors).unwrap();
    assert_eq!(issued.policy, "1.2.3.4.5");
    // A token of the default policy where another is required: refused.
    let (_, default) = stamp(&tsa, digest);
    let required = Expect::digest(digest).with_policy(Some(other));
    match default.verify(&required, &anchors) {
        Err(Error::Mismatch(why)) => assert!(why.contains("1.2.3.4.1"), "{why}"),
        other => panic!("{other:?}"),
    }
}
