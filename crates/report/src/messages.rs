//! The message catalog (`templates/messages.toml`) and the language's date
//! and number formats.

use std::collections::BTreeMap;

use worklog_model::{Language, LocalTime};

const CATALOG: &str = include_str!("../../../templates/messages.toml");

/// Texts of one language.
#[derive(Debug, Clone)]
pub struct Messages {
    language: Language,
    texts: BTreeMap<String, String>,
}

impl Messages {
    /// The texts of `language`. The catalog is compiled in; a test checks
    /// that it parses and that both languages have the same keys.
    pub fn new(language: Language) -> Messages {
        let texts = catalog().remove(language.code()).unwrap_or_default();
        Messages { language, texts }
    }

    /// The language.
    pub fn language(&self) -> Language {
        self.language
    }

    /// The text for `key`. A key missing from the catalog is a bug that
    /// tests catch (`catalog_keys`, and this assertion in every test that
    /// renders a report); a release build shows the key rather than nothing.
    pub fn get<'a>(&'a self, key: &'a str) -> &'a str {
        debug_assert!(
            self.texts.contains_key(key),
            "no text for {key:?} in templates/messages.toml ({})",
            self.language.code()
        );
        self.texts.get(key).map_or(key, String::as_str)
    }

    /// Every text, for templates.
    pub fn all(&self) -> &BTreeMap<String, String> {
        &self.texts
    }

    /// The text for `key` with each `{name}` of `pairs` filled in.
    pub fn fill(&self, key: &str, pairs: &[(&str, String)]) -> String {
        pairs
            .iter()
            .fold(self.get(key).to_owned(), |text, (name, value)| {
                text.replace(&format!("{{{name}}}"), value)
            })
    }

    /// A local time as the language writes it, with its UTC offset.
    pub fn date_time(&self, local: LocalTime) -> String {
        let t = local.get();
        match self.language {
            Language::En => t.format("%-d %b %Y %H:%M:%S (UTC%:z)").to_string(),
            _ => t.format("%Y年%-m月%-d日 %H:%M:%S(UTC%:z)").to_string(),
        }
    }

    /// [`Messages::date_time`] of a time that may be absent (empty text).
    pub fn date_time_or_empty(&self, local: Option<LocalTime>) -> String {
        local.map(|t| self.date_time(t)).unwrap_or_default()
    }

    /// A date as the language writes it.
    pub fn date(&self, date: chrono::NaiveDate) -> String {
        match self.language {
            Language::En => date.format("%-d %b %Y").to_string(),
            _ => date.format("%Y年%-m月%-d日").to_string(),
        }
    }

    /// [`Messages::date`] as a spreadsheet number format, so that a date
    /// cell reads as the report's dates do.
    pub fn date_cell_format(&self) -> &'static str {
        match self.language {
            Language::En => "d mmm yyyy",
            _ => "yyyy\"年\"m\"月\"d\"日\"",
        }
    }

    /// A local time as a spreadsheet number format: the date as
    /// [`Messages::date_cell_format`], then the time (the column's header
    /// names the zone).
    pub fn date_time_cell_format(&self) -> &'static str {
        match self.language {
            Language::En => "d mmm yyyy hh:mm:ss",
            _ => "yyyy\"年\"m\"月\"d\"日\" hh:mm:ss",
        }
    }

    /// How the event files were verified, counted by depth (those that
    /// occur), e.g. `file bytes proven by a signed digest 950 / every row
    /// checked against the signed Merkle root 50`.
    pub fn verification_depths(&self, manifest: &worklog_model::Manifest) -> String {
        let keys = [
            "verified_by_bytes",
            "verified_by_rows",
            "verified_unproven",
            "verified_not",
        ];
        keys.iter()
            .zip(manifest.verification_depths())
            .filter(|(_, n)| *n > 0)
            .map(|(key, n)| format!("{} {}", self.get(key), self.number(n)))
            .collect::<Vec<_>>()
            .join(" / ")
    }

    /// A count with thousands separators (both languages use commas).
    pub fn number(&self, n: u64) -> String {
        let digits = n.to_string();
        let mut out = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        out
    }
}

/// `{language: {key: text}}` from the compiled-in catalog.
pub fn catalog() -> BTreeMap<String, BTreeMap<String, String>> {
    toml::from_str(CATALOG).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_the_same_keys_and_formats_differ() {
        let all = catalog();
        let ja: Vec<&String> = all["ja"].keys().collect();
        let en: Vec<&String> = all["en"].keys().collect();
        assert!(ja.len() > 50);
        assert_eq!(ja, en);
        let (ja, en) = (Messages::new(Language::Ja), Messages::new(Language::En));
        let t: LocalTime = "2026-10-05 09:03:00+09:00".parse().unwrap();
        assert_eq!(ja.date_time(t), "2026年10月5日 09:03:00(UTC+09:00)");
        assert_eq!(en.date_time(t), "5 Oct 2026 09:03:00 (UTC+09:00)");
        assert_eq!(en.number(1_234_567), "1,234,567");
        assert_eq!(ja.number(999), "999");
    }
}
