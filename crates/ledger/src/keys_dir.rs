//! The keys folder as every tool lays it out: public keys at the top
//! (what [`Keyring::load_dir`] reads), secrets in `secret/`.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::keys::{Keyring, SecretKey};

/// `<root>/<id>.pub` and `<root>/secret/<id>.key`. Ids are identifiers
/// (ASCII letters, digits, `.`, `_`, `-`; at most 64): never a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeysDir {
    root: PathBuf,
}

impl KeysDir {
    /// The layout under `root`.
    pub fn new(root: impl Into<PathBuf>) -> KeysDir {
        KeysDir { root: root.into() }
    }

    /// The folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the secret keys are.
    pub fn secret_dir(&self) -> PathBuf {
        self.root.join("secret")
    }

    /// The secret key file of `id`.
    pub fn secret_path(&self, id: &str) -> Result<PathBuf> {
        Ok(self.secret_dir().join(format!("{}.key", checked(id)?)))
    }

    /// The public key file of `id`.
    pub fn public_path(&self, id: &str) -> Result<PathBuf> {
        Ok(self.root.join(format!("{}.pub", checked(id)?)))
    }

    /// Writes a new key's secret and public files; an existing secret is
    /// never overwritten (the error says so).
    pub fn add(&self, key: &SecretKey) -> Result<(PathBuf, PathBuf)> {
        let (secret, public) = (self.secret_path(&key.id)?, self.public_path(&key.id)?);
        let dir = self.secret_dir();
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        key.write(&secret)?;
        key.public().write(&public)?;
        Ok((secret, public))
    }

    /// The secret key of `id`; `None` when it has none.
    pub fn secret(&self, id: &str) -> Result<Option<SecretKey>> {
        let path = self.secret_path(id)?;
        if !path.exists() {
            return Ok(None);
        }
        SecretKey::read(&path).map(Some)
    }

    /// Every public key of the folder.
    pub fn keyring(&self) -> Result<Keyring> {
        Keyring::load_dir(&self.root)
    }
}

/// `id` when it is an identifier, so that it names a file in the folder.
fn checked(id: &str) -> Result<&str> {
    if worklog_schema::is_identifier(id) {
        Ok(id)
    } else {
        Err(Error::NotFound(format!(
            "{id:?} cannot name a key: use letters, digits, '.', '_' and '-' (at most 64)"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::Role;

    #[test]
    fn keys_are_laid_out_once_and_never_outside_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let keys = KeysDir::new(dir.path());
        let key = SecretKey::from_seed(Role::Device, "PC-0001", [7; 32]);
        let (secret, public) = keys.add(&key).unwrap();
        assert_eq!(secret, dir.path().join("secret/PC-0001.key"));
        assert_eq!(public, dir.path().join("PC-0001.pub"));
        assert!(keys.add(&key).is_err(), "an existing secret is kept");
        assert_eq!(keys.secret("PC-0001").unwrap().unwrap().id, "PC-0001");
        assert!(keys.secret("PC-0002").unwrap().is_none());
        assert!(keys.keyring().unwrap().device("PC-0001").is_some());
        for bad in ["../x", "a/b", "", "a\\b"] {
            assert!(keys.secret_path(bad).is_err(), "{bad:?}");
        }
    }
}
