//! The audit's settings in three layers: what the caller gives (the CLI's
//! flags, then its `WORKLOG_*` environment variables), then the
//! configuration file (`worklog.toml`), then the defaults.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Deserialize;
use worklog_rules::Language;

use crate::{AuditConfig, Error, Execution, Result};

/// The configuration file read when none is named and it is present.
pub const CONFIG_FILE: &str = "worklog.toml";

/// `worklog.toml`: every audit setting; paths relative to the file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ConfigFile {
    /// The store folder.
    pub store: Option<PathBuf>,
    /// The keys folder.
    pub keys: Option<PathBuf>,
    /// The anchor log.
    pub anchors: Option<PathBuf>,
    /// The policy folder.
    pub policy: Option<PathBuf>,
    /// The rule pack folder.
    pub rules: Option<PathBuf>,
    /// First day (local): a TOML date or `"YYYY-MM-DD"`.
    #[serde(default, deserialize_with = "day")]
    pub from: Option<NaiveDate>,
    /// Last day (local, included).
    #[serde(default, deserialize_with = "day")]
    pub to: Option<NaiveDate>,
    /// Output folder.
    pub out: Option<PathBuf>,
    /// Report language, `ja` or `en`.
    pub language: Option<String>,
    /// Memory for the period's events, as `--memory` takes it (`2GiB`).
    pub memory: Option<String>,
}

/// A day as TOML writes one (`2026-10-01`) or as text (`"2026-10-01"`).
fn day<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<NaiveDate>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Day {
        Date(toml::value::Datetime),
        Text(String),
    }
    let text = match Day::deserialize(deserializer)? {
        Day::Date(date) if date.time.is_none() && date.offset.is_none() => date.to_string(),
        Day::Date(date) => {
            return Err(serde::de::Error::custom(format!(
                "{date} is not a day: give one such as 2026-10-01"
            )));
        }
        Day::Text(text) => text,
    };
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map(Some)
        .map_err(|_| {
            serde::de::Error::custom(format!(
                "{text:?} is not a day: give one such as 2026-10-01"
            ))
        })
}

impl ConfigFile {
    /// Reads `path`; its relative paths are taken from its folder.
    pub fn read(path: &Path) -> Result<ConfigFile> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_owned(),
            source,
        })?;
        let file: ConfigFile = toml::from_str(&text).map_err(|e| Error::Input {
            path: path.to_owned(),
            reason: format!("not a valid configuration: {}", e.message().trim()),
        })?;
        let base = path.parent().unwrap_or(Path::new(""));
        let at = |p: Option<PathBuf>| p.map(|p| base.join(p));
        Ok(ConfigFile {
            store: at(file.store),
            keys: at(file.keys),
            anchors: at(file.anchors),
            policy: at(file.policy),
            rules: at(file.rules),
            out: at(file.out),
            ..file
        })
    }

    /// The file `named`, else [`CONFIG_FILE`] in the working folder when it
    /// is there, else no settings at all.
    pub fn find(named: Option<&Path>) -> Result<ConfigFile> {
        match named {
            Some(path) => ConfigFile::read(path),
            None if Path::new(CONFIG_FILE).is_file() => ConfigFile::read(Path::new(CONFIG_FILE)),
            None => Ok(ConfigFile::default()),
        }
    }
}

/// What the caller gave; `None` where it gave nothing (build it with
/// `..AuditSettings::default()`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditSettings {
    /// The store folder.
    pub store: Option<PathBuf>,
    /// The keys folder.
    pub keys: Option<PathBuf>,
    /// The anchor log.
    pub anchors: Option<PathBuf>,
    /// The policy folder.
    pub policy: Option<PathBuf>,
    /// The rule pack folder.
    pub rules: Option<PathBuf>,
    /// First day (local).
    pub from: Option<NaiveDate>,
    /// Last day (local, included).
    pub to: Option<NaiveDate>,
    /// Output folder.
    pub out: Option<PathBuf>,
    /// Report language.
    pub language: Option<Language>,
    /// Memory for the period's events, bytes.
    pub memory_bytes: Option<u64>,
}

impl AuditSettings {
    /// These settings over `file`'s, over the defaults, as the audit they
    /// configure (no comparison, pseudonymisation or time-stamp: the
    /// caller adds those); a required one that neither gives is an error
    /// naming its flag.
    pub fn over(self, file: ConfigFile) -> Result<AuditConfig> {
        fn need<T>(value: Option<T>, flag: &str) -> Result<T> {
            value.ok_or_else(|| {
                Error::Settings(format!(
                    "{flag} is required (or set it in {CONFIG_FILE}, or use --demo)"
                ))
            })
        }
        let language = match (self.language, file.language.as_deref()) {
            (Some(language), _) => language,
            (None, Some(code)) => Language::from_code(code).ok_or_else(|| {
                Error::Settings(format!(
                    "language {code:?} in the configuration: use ja or en"
                ))
            })?,
            (None, None) => Language::Ja,
        };
        let memory_bytes = match (self.memory_bytes, file.memory.as_deref()) {
            (Some(bytes), _) => bytes,
            (None, Some(text)) => parse_size(text).map_err(|reason| {
                Error::Settings(format!("memory in the configuration: {reason}"))
            })?,
            (None, None) => worklog_rules::DEFAULT_MEMORY_BYTES,
        };
        Ok(AuditConfig {
            store: need(self.store.or(file.store), "--store")?,
            keys: need(self.keys.or(file.keys), "--keys")?,
            policy: need(self.policy.or(file.policy), "--policy")?,
            anchors: self.anchors.or(file.anchors),
            rules: self.rules.or(file.rules),
            first_day: need(self.from.or(file.from), "--from (YYYY-MM-DD)")?,
            last_day: need(self.to.or(file.to), "--to (YYYY-MM-DD)")?,
            out: self
                .out
                .or(file.out)
                .unwrap_or_else(|| PathBuf::from("worklog-out")),
            language,
            execution: Execution {
                memory_bytes,
                ..Execution::default()
            },
            compare: None,
            pseudonymise: None,
            tsa: None,
        })
    }
}

/// A size such as `2GiB`, `512MiB` or `1.5G` (`B`, `KiB`, `MiB`, `GiB`,
/// `TiB`; `K`, `M`, `G`, `T` and `KB`… mean the same powers of 1024).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let not_a_size = || format!("{text:?} is not a size: give one such as 2GiB or 512MiB");
    let value: f64 = number.parse().map_err(|_| not_a_size())?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        other => {
            return Err(format!(
                "unknown unit {other:?} in {text:?}: give a size such as 2GiB or 512MiB"
            ));
        }
    };
    let bytes = value * f64::from(1u32 << (shift / 2)) * f64::from(1u32 << (shift - shift / 2));
    if !bytes.is_finite() || !(1.0..=1e18).contains(&bytes) {
        return Err(format!(
            "{text:?} is out of range: give a size such as 2GiB"
        ));
    }
    Ok(bytes as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn the_caller_wins_over_the_file_which_wins_over_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("worklog.toml");
        std::fs::write(
            &path,
            "store = \"s\"\nkeys = \"k\"\npolicy = \"p\"\nfrom = 2026-10-01\nto = \"2026-10-31\"\nlanguage = \"en\"\nmemory = \"1GiB\"\n",
        )
        .unwrap();
        let file = ConfigFile::read(&path).unwrap();
        assert_eq!(
            file.store,
            Some(dir.path().join("s")),
            "relative to the file"
        );
        let given = AuditSettings {
            keys: Some(PathBuf::from("/flag/keys")),
            to: Some(day("2026-10-15")),
            ..AuditSettings::default()
        };
        let layered = given.over(file).unwrap();
        assert_eq!(layered.keys, PathBuf::from("/flag/keys"));
        assert_eq!(layered.store, dir.path().join("s"));
        assert_eq!(
            (layered.first_day, layered.last_day),
            (day("2026-10-01"), day("2026-10-15"))
        );
        assert_eq!(layered.language, Language::En);
        assert_eq!(layered.execution.memory_bytes, 1 << 30);
        assert_eq!(layered.out, PathBuf::from("worklog-out"));
        assert!(layered.anchors.is_none() && layered.rules.is_none());
    }

    #[test]
    fn what_is_missing_or_wrong_is_named() {
        let missing = AuditSettings::default()
            .over(ConfigFile::default())
            .unwrap_err();
        assert!(
            missing.to_string().contains("--store is required"),
            "{missing}"
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.toml");
        std::fs::write(&path, "stroe = \"s\"\n").unwrap();
        let bad = ConfigFile::read(&path).unwrap_err().to_string();
        assert!(bad.contains("bad.toml") && bad.contains("stroe"), "{bad}");
        std::fs::write(&path, "from = \"October\"\n").unwrap();
        assert!(ConfigFile::read(&path).is_err());
    }

    #[test]
    fn sizes_read_with_binary_units() {
        assert_eq!(parse_size("2GiB"), Ok(2 << 30));
        assert_eq!(parse_size("512 MiB"), Ok(512 << 20));
        assert_eq!(parse_size("1.5g"), Ok(3 << 29));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("1KB"), Ok(1024));
        for bad in ["", "lots", "2 parsecs", "0", "-1G", "1e30", "99999999T"] {
            assert!(parse_size(bad).is_err(), "{bad:?}");
        }
    }
}
