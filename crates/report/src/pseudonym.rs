//! A pseudonymised copy of an analysis for external parties: user names,
//! device ids, personal path segments and mail addresses become keyed,
//! stable pseudonyms (HMAC-SHA-256 with a key the agency keeps), so that
//! an external auditor sees the structure and the counts without personal
//! data (APPI). The mapping is never written: only the key can recompute
//! it, and only from the original names.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};
use worklog_model::Analysis;

use crate::error::{Error, Result};

/// Shortest key accepted, in bytes.
pub const MIN_KEY_BYTES: usize = 16;

/// The letters of a pseudonym: twenty consonants (20^12 > 2^51).
const ALPHABET: &[u8; 20] = b"bcdfghjkmnpqrstvwxyz";
/// Letters per pseudonym.
const PSEUDONYM_LETTERS: usize = 12;

/// Evidence columns that name a person: their values are pseudonymised
/// whole, like user names.
const PERSON_COLUMNS: [&str; 4] = ["user_name", "owner", "approver", "approved_by"];

/// The agency's pseudonymisation key.
#[derive(Clone)]
pub struct PseudonymKey {
    bytes: Vec<u8>,
}

impl std::fmt::Debug for PseudonymKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PseudonymKey(…)")
    }
}

impl PseudonymKey {
    /// A key of at least [`MIN_KEY_BYTES`] bytes (for example 32 random
    /// bytes: `head -c 32 /dev/urandom > pseudonym.key`).
    pub fn new(bytes: Vec<u8>) -> Result<PseudonymKey> {
        if bytes.len() < MIN_KEY_BYTES {
            return Err(Error::PseudonymKey(format!(
                "the key has {} bytes; give at least {MIN_KEY_BYTES} (for example `head -c 32 /dev/urandom > pseudonym.key`)",
                bytes.len()
            )));
        }
        Ok(PseudonymKey { bytes })
    }

    /// Reads the key from a file.
    pub fn read(path: &std::path::Path) -> Result<PseudonymKey> {
        let bytes = std::fs::read(path).map_err(|source| Error::Io {
            path: path.to_owned(),
            source,
        })?;
        PseudonymKey::new(bytes).map_err(|e| match e {
            Error::PseudonymKey(reason) => {
                Error::PseudonymKey(format!("{}: {reason}", path.display()))
            }
            other => other,
        })
    }

    /// A public name of the key: 16 hex digits of SHA-256 over a domain
    /// tag and the key. It tells which key a copy was made with (to make
    /// another copy with the same pseudonyms) and reveals nothing of it.
    pub fn id(&self) -> String {
        let digest = Sha256::new()
            .chain_update(b"worklog.pseudonym-key-id.v1\0")
            .chain_update(&self.bytes)
            .finalize();
        digest[..8].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// HMAC-SHA-256 (RFC 2104) of `message`.
    fn mac(&self, message: &[u8]) -> [u8; 32] {
        const BLOCK: usize = 64;
        let mut key = [0u8; BLOCK];
        if self.bytes.len() > BLOCK {
            key[..32].copy_from_slice(&Sha256::digest(&self.bytes));
        } else {
            key[..self.bytes.len()].copy_from_slice(&self.bytes);
        }
        let pad = |byte: u8| key.map(|k| k ^ byte);
        let inner = Sha256::new()
            .chain_update(pad(0x36))
            .chain_update(message)
            .finalize();
        Sha256::new()
            .chain_update(pad(0x5c))
            .chain_update(inner)
            .finalize()
            .into()
    }

    /// The pseudonym of `value` of `kind` (`device`, `user`, `mail`): a
    /// prefix and 12 letters (52 bits) of its keyed MAC. Letters only, no
    /// digits and no vowels: a pseudonym never looks like a numbered id
    /// (`PC-0014`) nor spells a word, and all of one kind have one length,
    /// so that filtering on one never shows another's rows.
    pub fn pseudonym(&self, kind: &str, value: &str) -> String {
        let mut message = Vec::with_capacity(kind.len() + 1 + value.len());
        message.extend_from_slice(kind.as_bytes());
        message.push(0);
        message.extend_from_slice(value.as_bytes());
        let mac = self.mac(&message);
        let mut n = u64::from_be_bytes([
            mac[0], mac[1], mac[2], mac[3], mac[4], mac[5], mac[6], mac[7],
        ]);
        let mut letters = String::with_capacity(PSEUDONYM_LETTERS);
        for _ in 0..PSEUDONYM_LETTERS {
            letters.push(char::from(ALPHABET[(n % 20) as usize]));
            n /= 20;
        }
        let prefix = match kind {
            "device" => "PC",
            "user" => "USER",
            _ => "MAIL",
        };
        format!("{prefix}-{letters}")
    }
}

/// The analysis with every device id, user name (users, owners,
/// approvers), personal path segment (`\Users\<name>\`, `/home/<name>/`)
/// and mail address replaced by its pseudonym, wherever it appears (ids,
/// details, evidence, anomaly lines, file paths). Departments, rules,
/// times and counts stay.
pub fn pseudonymise(analysis: &Analysis, key: &PseudonymKey) -> Result<Analysis> {
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    let mut add = |kind: &str, value: &str| {
        if !value.is_empty() {
            names
                .entry(value.to_owned())
                .or_insert_with(|| key.pseudonym(kind, value));
        }
    };
    for d in &analysis.devices {
        add("device", &d.device_id);
        add("user", &d.owner);
    }
    for v in &analysis.verdicts {
        add("device", &v.device_id);
    }
    for f in analysis.findings.iter().chain(&analysis.waived) {
        add("device", &f.device_id);
        add("user", &f.user_name);
        if let Some(w) = &f.waived_by {
            add("user", &w.approver);
        }
        for (column, value) in &f.evidence {
            if PERSON_COLUMNS.contains(&column.as_str()) {
                add("user", value);
            }
            for profile in profile_names(value) {
                add("user", profile);
            }
            for mail in mail_locals(value) {
                add("mail", mail);
            }
        }
    }
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    for (name, pseudonym) in &names {
        if let Some(other) = seen.insert(pseudonym.as_str(), name.as_str()) {
            return Err(Error::PseudonymKey(format!(
                "two names share the pseudonym {pseudonym} ({other:?} and {name:?}): use another key"
            )));
        }
    }
    let replacer = Replacer::new(&names)?;
    let mut value = serde_json::to_value(analysis).map_err(|e| Error::Json(e.to_string()))?;
    replacer.apply(&mut value);
    serde_json::from_value(value).map_err(|e| Error::Json(e.to_string()))
}

/// Every name replaced by its pseudonym in one pass over each text: at
/// each place the longest name that starts there, and the text put in is
/// never searched again (a pseudonym that happens to contain another
/// name, or to start like one, stays as it is).
struct Replacer<'a> {
    automaton: aho_corasick::AhoCorasick,
    pseudonyms: Vec<&'a str>,
}

impl<'a> Replacer<'a> {
    fn new(names: &'a BTreeMap<String, String>) -> Result<Replacer<'a>> {
        let automaton = aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostLongest)
            .build(names.keys())
            .map_err(|e| Error::PseudonymKey(format!("too many names to replace: {e}")))?;
        Ok(Replacer {
            automaton,
            pseudonyms: names.values().map(String::as_str).collect(),
        })
    }

    fn apply(&self, value: &mut serde_json::Value) {
        match value {
            serde_json::Value::String(text) if self.automaton.is_match(text.as_str()) => {
                *text = self.automaton.replace_all(text, &self.pseudonyms);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(|v| self.apply(v)),
            serde_json::Value::Object(map) => map.values_mut().for_each(|v| self.apply(v)),
            _ => {}
        }
    }
}

/// The profile folder names in a path: `C:\Users\<name>\…`, `/home/<name>/…`.
fn profile_names(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for marker in ["\\Users\\", "/Users/", "/home/"] {
        let mut rest = text;
        while let Some(at) = rest.find(marker) {
            let after = &rest[at + marker.len()..];
            let end = after.find(['\\', '/']).unwrap_or(after.len());
            let name = &after[..end];
            if !name.is_empty() && !["Public", "Default", "All Users"].contains(&name) {
                out.push(name);
            }
            rest = &after[end..];
        }
    }
    out
}

/// The local parts of the mail addresses in `text`.
fn mail_locals(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for (at, _) in text.match_indices('@') {
        let start = text[..at]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || "._%+-".contains(c)))
            .map_or(0, |i| i + 1);
        if start < at {
            out.push(&text[start..at]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        // RFC 4231 test case 2: key "Jefe", which is shorter than our
        // minimum, so the MAC is checked through the private path.
        let key = PseudonymKey {
            bytes: b"Jefe".to_vec(),
        };
        let mac = key.mac(b"what do ya want for nothing?");
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn pseudonyms_are_letters_of_one_length_per_kind() {
        let key = PseudonymKey::new(vec![7; 32]).unwrap();
        for i in 0..200 {
            let p = key.pseudonym("device", &format!("PC-{i:04}"));
            let letters = p.strip_prefix("PC-").unwrap();
            assert_eq!(letters.len(), PSEUDONYM_LETTERS, "{p}");
            assert!(letters.bytes().all(|b| ALPHABET.contains(&b)), "{p}");
        }
        assert!(key.pseudonym("user", "tanaka").starts_with("USER-"));
        assert_ne!(key.pseudonym("user", "x"), key.pseudonym("device", "x"));
    }

    #[test]
    fn paths_and_mail_addresses_yield_their_personal_parts() {
        assert_eq!(
            profile_names(r"C:\Users\tanaka\Documents\a.docx"),
            ["tanaka"]
        );
        assert_eq!(profile_names("/home/sato/x and /Users/Public/y"), ["sato"]);
        assert_eq!(
            mail_locals("from yamada.t+x@example.jp, to a@b"),
            ["yamada.t+x", "a"]
        );
        assert!(PseudonymKey::new(vec![1; 8]).is_err());
    }
}
