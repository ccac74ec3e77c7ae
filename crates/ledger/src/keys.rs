//! Ed25519 keys: generation, the key file format, and the keyring the
//! verifier trusts.
//!
//! A key file is UTF-8 text, one `name = value` per line, `#` comments:
//! ```text
//! format = worklog-key-v1
//! algorithm = ed25519
//! role = device
//! id = PC-0001
//! public = <32 bytes, hex>
//! secret = <32-byte seed, hex>   (secret files only)
//! ```
//! Device keys sign segments; an authority key (the management server's)
//! countersigns anchors and prune checkpoints. Public files end in `.pub`,
//! secret files in `.key` (written with mode 0600).

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// What a key is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Role {
    /// A device's own key: signs its segments.
    Device,
    /// The management server's key: countersigns anchors and checkpoints.
    Authority,
}

impl Role {
    fn as_str(self) -> &'static str {
        match self {
            Role::Device => "device",
            Role::Authority => "authority",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A public key with its role and owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    /// Device or authority.
    pub role: Role,
    /// Device id, or the authority's name.
    pub id: String,
    key: VerifyingKey,
}

/// A secret (signing) key with its role and owner.
#[derive(Clone)]
pub struct SecretKey {
    /// Device or authority.
    pub role: Role,
    /// Device id, or the authority's name.
    pub id: String,
    key: SigningKey,
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretKey")
            .field("role", &self.role)
            .field("id", &self.id)
            .field("key_id", &self.public().key_id())
            .finish_non_exhaustive()
    }
}

/// The short identifier of a public key: the first 8 bytes of its SHA-256, hex.
fn key_id_of(key: &VerifyingKey) -> String {
    hex::encode(&Sha256::digest(key.as_bytes())[..8])
}

impl PublicKey {
    /// The key's short identifier (first 8 bytes of SHA-256 of the key, hex).
    pub fn key_id(&self) -> String {
        key_id_of(&self.key)
    }

    /// The 32 key bytes.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// Whether `signature` signs `message` under this key (strict
    /// verification: no malleable signatures).
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        let Ok(bytes) = <[u8; 64]>::try_from(signature) else {
            return false;
        };
        let signature = Signature::from_bytes(&bytes);
        self.key.verify_strict(message, &signature).is_ok()
    }

    /// Reads a `.pub` (or `.key`: the public half is taken) file.
    pub fn read(path: &Path) -> Result<Self> {
        let fields = read_key_file(path)?;
        let public = fields.hex32(path, "public")?;
        // RFC 8032 §5.1.3: a y coordinate of p or more does not decode.
        // ed25519-dalek reduces it instead, which would give one key two
        // encodings (and two key ids).
        if !canonical_y(&public) {
            return Err(Error::KeyFile {
                path: path.to_owned(),
                line: fields.line_of("public"),
                reason: "`public` is not a canonical Ed25519 encoding (its y is p or more; RFC 8032 §5.1.3)".into(),
            });
        }
        let key = VerifyingKey::from_bytes(&public).map_err(|_| Error::KeyFile {
            path: path.to_owned(),
            line: fields.line_of("public"),
            reason: "`public` is not a valid Ed25519 point".into(),
        })?;
        Ok(PublicKey {
            role: fields.role,
            id: fields.id,
            key,
        })
    }

    /// Writes the public key file.
    pub fn write(&self, path: &Path) -> Result<()> {
        let text = format!(
            "# Worklog Analyzer public key\nformat = worklog-key-v1\nalgorithm = ed25519\nrole = {}\nid = {}\npublic = {}\n",
            self.role,
            self.id,
            hex::encode(self.key.as_bytes())
        );
        std::fs::write(path, text).map_err(|e| Error::io(path, e))
    }
}

impl SecretKey {
    /// Generates a new key from the operating system's random source.
    pub fn generate(role: Role, id: impl Into<String>) -> Result<Self> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| Error::Random(e.to_string()))?;
        Ok(Self::from_seed(role, id, seed))
    }

    /// A key from a 32-byte seed (deterministic; tests and vectors only).
    pub fn from_seed(role: Role, id: impl Into<String>, seed: [u8; 32]) -> Self {
        SecretKey {
            role,
            id: id.into(),
            key: SigningKey::from_bytes(&seed),
        }
    }

    /// The public half.
    pub fn public(&self) -> PublicKey {
        PublicKey {
            role: self.role,
            id: self.id.clone(),
            key: self.key.verifying_key(),
        }
    }

    /// Signs `message`.
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.key.sign(message).to_bytes()
    }

    /// Reads a `.key` file.
    pub fn read(path: &Path) -> Result<Self> {
        let fields = read_key_file(path)?;
        let seed = fields.hex32(path, "secret")?;
        let key = SigningKey::from_bytes(&seed);
        if let Ok(public) = fields.hex32(path, "public")
            && public != key.verifying_key().to_bytes()
        {
            return Err(Error::KeyFile {
                path: path.to_owned(),
                line: fields.line_of("public"),
                reason: "`public` does not belong to `secret`".into(),
            });
        }
        Ok(SecretKey {
            role: fields.role,
            id: fields.id,
            key,
        })
    }

    /// Writes the secret key file (mode 0600 where the OS has modes).
    pub fn write(&self, path: &Path) -> Result<()> {
        let text = format!(
            "# Worklog Analyzer SECRET key: keep private\nformat = worklog-key-v1\nalgorithm = ed25519\nrole = {}\nid = {}\npublic = {}\nsecret = {}\n",
            self.role,
            self.id,
            hex::encode(self.key.verifying_key().as_bytes()),
            hex::encode(self.key.to_bytes())
        );
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(path).map_err(|e| Error::io(path, e))?;
        std::io::Write::write_all(&mut file, text.as_bytes()).map_err(|e| Error::io(path, e))
    }
}

struct KeyFields {
    role: Role,
    id: String,
    values: BTreeMap<String, (usize, String)>,
}

impl KeyFields {
    fn line_of(&self, name: &str) -> usize {
        self.values.get(name).map_or(0, |(line, _)| *line)
    }

    fn hex32(&self, path: &Path, name: &str) -> Result<[u8; 32]> {
        let Some((line, value)) = self.values.get(name) else {
            return Err(Error::KeyFile {
                path: path.to_owned(),
                line: 0,
                reason: format!("`{name}` is missing"),
            });
        };
        let bytes = hex::decode(value)
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok());
        bytes.ok_or_else(|| Error::KeyFile {
            path: path.to_owned(),
            line: *line,
            reason: format!("`{name}` must be 64 hex digits"),
        })
    }
}

fn read_key_file(path: &Path) -> Result<KeyFields> {
    let text = crate::store::read_bounded_text(path, crate::store::MAX_SMALL_FILE)
        .map_err(|e| Error::io(path, e))?;
    let bad = |line: usize, reason: String| Error::KeyFile {
        path: path.to_owned(),
        line,
        reason,
    };
    let mut values = BTreeMap::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((name, value)) = line.split_once('=') else {
            return Err(bad(
                i + 1,
                format!("expected `name = value`, found {line:?}"),
            ));
        };
        values.insert(name.trim().to_owned(), (i + 1, value.trim().to_owned()));
    }
    let get = |name: &str| values.get(name).map(|(_, v)| v.as_str());
    if get("format") != Some("worklog-key-v1") {
        return Err(bad(
            1,
            "not a worklog-key-v1 file (`format = worklog-key-v1` missing)".into(),
        ));
    }
    if get("algorithm") != Some("ed25519") {
        return Err(bad(0, "`algorithm` must be ed25519".into()));
    }
    let role = match get("role") {
        Some("device") => Role::Device,
        Some("authority") => Role::Authority,
        other => {
            return Err(bad(
                0,
                format!("`role` must be device or authority, found {other:?}"),
            ));
        }
    };
    let id = get("id")
        .filter(|id| !id.is_empty())
        .ok_or_else(|| bad(0, "`id` is missing".into()))?
        .to_owned();
    Ok(KeyFields { role, id, values })
}

/// The public keys a verifier trusts: one per device, and the authority keys.
#[derive(Debug, Clone, Default)]
pub struct Keyring {
    devices: BTreeMap<String, PublicKey>,
    authorities: Vec<PublicKey>,
    /// Key files that could not be read, with the reason (the rest loaded).
    pub problems: Vec<(PathBuf, String)>,
}

impl Keyring {
    /// An empty keyring.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a key (a later device key for the same id replaces the earlier).
    pub fn add(&mut self, key: PublicKey) {
        match key.role {
            Role::Device => {
                self.devices.insert(key.id.clone(), key);
            }
            Role::Authority => self.authorities.push(key),
        }
    }

    /// Loads every `*.pub` file in `dir`, in file-name order; unreadable
    /// files, and a second key for a device already loaded, are listed in
    /// [`Keyring::problems`], not fatal.
    pub fn load_dir(dir: &Path) -> Result<Self> {
        let mut ring = Keyring::new();
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| Error::io(dir, e))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "pub"))
            .collect();
        paths.sort();
        for path in paths {
            match PublicKey::read(&path) {
                // One key per device: a second one is not silently
                // preferred to the first (files are read in name order).
                Ok(key) if key.role == Role::Device && ring.devices.contains_key(&key.id) => {
                    let kept = ring.devices[&key.id].key_id();
                    ring.problems.push((
                        path,
                        format!(
                            "a second key (id {}) for device {:?}, whose key {kept} was loaded from an earlier file: one key per device; remove the one that is not the device's",
                            key.key_id(),
                            key.id
                        ),
                    ));
                }
                Ok(key) => ring.add(key),
                Err(e) => ring.problems.push((path, crate::error::chain(&e))),
            }
        }
        Ok(ring)
    }

    /// The device's key, if known.
    pub fn device(&self, device_id: &str) -> Option<&PublicKey> {
        self.devices.get(device_id)
    }

    /// The authority key with this key id, if trusted.
    pub fn authority(&self, key_id: &str) -> Option<&PublicKey> {
        self.authorities.iter().find(|k| k.key_id() == key_id)
    }

    /// Whether any authority key is trusted.
    pub fn has_authority(&self) -> bool {
        !self.authorities.is_empty()
    }
}

/// Whether a point encoding's y (the low 255 bits, little-endian) is below
/// p = 2^255 − 19: y ≥ p only when the top 250 bits are all ones and the
/// low byte is 0xed or more.
fn canonical_y(encoding: &[u8; 32]) -> bool {
    let top_ones = encoding[31] & 0x7f == 0x7f && encoding[1..31].iter().all(|b| *b == 0xff);
    !(top_ones && encoding[0] >= 0xed)
}
