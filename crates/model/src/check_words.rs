//! The log-management checks in words: what a check found is typed
//! ([`CheckFacts`]); its name and sentence come from the catalog
//! (`templates/labels.toml`, groups `log_check` and `log_check_detail`).

use serde::{Deserialize, Serialize};

use crate::analysis::{CheckStatus, LogCheck, LogCheckId};
use crate::detail::fill_placeholders;
use crate::labels::{kind_label, label};
use crate::language::Language;
use crate::verdict::list_separator;

/// What a log-management check found, in numbers and names: no words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum CheckFacts {
    /// ログの記録: the kinds the items need, and the devices lacking some.
    Recorded {
        /// Kinds every device must record.
        needed: Vec<String>,
        /// Kinds portable devices must record besides.
        portable_also: Vec<String>,
        /// Devices with events lacking kinds, with the kinds they lack.
        lacking: Vec<(String, Vec<String>)>,
        /// Devices in the analysis.
        total: u64,
    },
    /// ログ取得の対象範囲: devices without logs, gaps, unknown devices.
    Scope {
        /// Devices with no event in the period.
        silent: u64,
        /// Gaps while a device was in use.
        gaps: u64,
        /// Devices not in the inventory.
        unlisted: u64,
    },
    /// No verification result was given: the check was not made.
    NotChecked,
    /// ログの保管期間: records missing, and lawful prunes.
    Retention {
        /// Devices with records missing without a prune checkpoint.
        missing: u64,
        /// Devices pruned under a signed checkpoint.
        pruned: u64,
    },
    /// ログの改ざん防止: what the verifier proved, and what it could not.
    Tamper {
        /// Devices whose chain and signatures were verified.
        verified: u64,
        /// Of those, devices whose head an anchor matched.
        anchored: u64,
        /// Devices with anomalies that lose evidence.
        anomalous: u64,
        /// Anomalies of the store as a whole.
        store_level: u64,
        /// Devices with no anchor.
        unanchored: u64,
        /// Devices whose newest anchor is older than the interval.
        stale: u64,
        /// The policy's anchoring interval, hours.
        interval_hours: u32,
    },
}

impl LogCheckId {
    /// The catalog key of the check.
    pub fn as_str(self) -> &'static str {
        match self {
            LogCheckId::Recorded => "recorded",
            LogCheckId::Scope => "scope",
            LogCheckId::Retention => "retention",
            LogCheckId::Tamper => "tamper",
        }
    }

    /// The check's name in `language`.
    pub fn name(self, language: Language) -> String {
        text("log_check", self.as_str(), language)
    }
}

impl CheckFacts {
    /// The sentence that says what the check found, in `language`.
    pub fn detail(&self, language: Language) -> String {
        let fill = |key: &str, values: &[(&str, String)]| sentence(key, values, language);
        match self {
            CheckFacts::Recorded {
                needed,
                portable_also,
                lacking,
                total,
            } => {
                if lacking.is_empty() {
                    return fill(
                        "recorded_ok",
                        &[
                            ("needed", kinds(needed, language)),
                            ("portable", kinds(portable_also, language)),
                        ],
                    );
                }
                let devices = lacking
                    .iter()
                    .map(|(device, missing)| {
                        fill(
                            "recorded_device",
                            &[
                                ("device", device.clone()),
                                ("kinds", kinds(missing, language)),
                            ],
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(&text(
                        "log_check_detail",
                        "recorded_device_separator",
                        language,
                    ));
                fill(
                    "recorded_lacking",
                    &[
                        ("n", lacking.len().to_string()),
                        ("total", total.to_string()),
                        ("devices", devices),
                    ],
                )
            }
            CheckFacts::Scope {
                silent,
                gaps,
                unlisted,
            } => fill(
                "scope",
                &[
                    ("silent", silent.to_string()),
                    ("gaps", gaps.to_string()),
                    ("unlisted", unlisted.to_string()),
                ],
            ),
            CheckFacts::NotChecked => fill("not_checked", &[]),
            CheckFacts::Retention { missing, pruned } => fill(
                "retention",
                &[
                    ("missing", missing.to_string()),
                    ("pruned", pruned.to_string()),
                ],
            ),
            CheckFacts::Tamper { .. } => self.tamper_detail(language),
        }
    }

    fn tamper_detail(&self, language: Language) -> String {
        let fill = |key: &str, values: &[(&str, String)]| sentence(key, values, language);
        let CheckFacts::Tamper {
            verified,
            anchored,
            anomalous,
            store_level,
            unanchored,
            stale,
            interval_hours,
        } = self
        else {
            return String::new();
        };
        let mut out = fill(
            "tamper",
            &[
                ("verified", verified.to_string()),
                ("anchored", anchored.to_string()),
                ("anomalous", anomalous.to_string()),
                ("store_level", store_level.to_string()),
            ],
        );
        if *unanchored > 0 {
            out += &fill(
                "tamper_unanchored",
                &[("unanchored", unanchored.to_string())],
            );
        }
        if *stale > 0 {
            out += &fill(
                "tamper_stale",
                &[
                    ("stale", stale.to_string()),
                    ("hours", interval_hours.to_string()),
                ],
            );
        }
        out
    }
}

impl LogCheck {
    /// A check with its name and sentence in both languages, from what it
    /// found.
    pub fn new(
        id: LogCheckId,
        status: CheckStatus,
        devices: Vec<String>,
        facts: CheckFacts,
    ) -> LogCheck {
        LogCheck {
            id,
            name_ja: id.name(Language::Ja),
            name_en: id.name(Language::En),
            status,
            devices,
            detail_en: facts.detail(Language::En),
            detail_ja: facts.detail(Language::Ja),
            facts: Some(facts),
        }
    }
}

/// The catalog's sentence `key` of `log_check_detail` with `values`
/// filled in.
fn sentence(key: &str, values: &[(&str, String)], language: Language) -> String {
    fill_placeholders(&text("log_check_detail", key, language), |name| {
        values
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
    })
}

/// Event kinds in words of the language, listed.
fn kinds(kinds: &[String], language: Language) -> String {
    kinds
        .iter()
        .map(|k| kind_label(k, language))
        .collect::<Vec<_>>()
        .join(list_separator(language))
}

/// A catalog text; the key itself when missing (a test checks that none
/// is).
fn text(group: &str, key: &str, language: Language) -> String {
    label(group, key, language).unwrap_or(key).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_check_and_sentence_has_both_languages() {
        for id in [
            LogCheckId::Recorded,
            LogCheckId::Scope,
            LogCheckId::Retention,
            LogCheckId::Tamper,
        ] {
            for language in [Language::Ja, Language::En] {
                assert!(
                    label("log_check", id.as_str(), language).is_some(),
                    "{id:?}"
                );
            }
        }
        for key in [
            "recorded_ok",
            "recorded_lacking",
            "recorded_device",
            "recorded_device_separator",
            "scope",
            "not_checked",
            "retention",
            "tamper",
            "tamper_unanchored",
            "tamper_stale",
        ] {
            for language in [Language::Ja, Language::En] {
                assert!(label("log_check_detail", key, language).is_some(), "{key}");
            }
        }
    }

    #[test]
    fn a_sentence_has_no_placeholder_left() {
        let facts = CheckFacts::Tamper {
            verified: 30,
            anchored: 28,
            anomalous: 1,
            store_level: 0,
            unanchored: 2,
            stale: 1,
            interval_hours: 24,
        };
        for language in [Language::Ja, Language::En] {
            let text = facts.detail(language);
            assert!(!text.contains('{'), "{text}");
            assert!(text.contains("28") && text.contains("24"), "{text}");
        }
        let lacking = CheckFacts::Recorded {
            needed: vec!["network".into()],
            portable_also: vec![],
            lacking: vec![("PC-1".into(), vec!["network".into()])],
            total: 3,
        };
        assert_eq!(
            lacking.detail(Language::En),
            "1 of 3 devices lack kinds their items need: PC-1 (network connections)"
                .replace("network connections", kind_label("network", Language::En))
        );
    }
}
