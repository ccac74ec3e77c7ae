//! Which edition of the standard a catalog holds, as the catalog states it:
//! the standard's name, the year of the edition when the source gives one,
//! where the questions were taken from, and why the numbers of the range
//! that the catalog lacks are not judged.

use serde::{Deserialize, Serialize};

use crate::Language;

/// The edition of the evaluation standard a catalog holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edition {
    /// A stable identifier (`product-brief`), as manifests record it.
    pub id: String,
    /// The edition's year (fiscal year), when the source names one.
    pub year: Option<u16>,
    /// The standard and section, Japanese.
    pub name_ja: String,
    /// The standard and section, English.
    pub name_en: String,
    /// Where the catalog's questions come from, Japanese.
    pub source_ja: String,
    /// Where the catalog's questions come from, English.
    pub source_en: String,
    /// Why the item numbers the catalog lacks are not judged, Japanese.
    pub not_judged_ja: String,
    /// Why the item numbers the catalog lacks are not judged, English.
    pub not_judged_en: String,
}

impl Edition {
    /// The standard's name in `language`.
    pub fn name(&self, language: Language) -> &str {
        match language {
            Language::En => &self.name_en,
            Language::Ja => &self.name_ja,
        }
    }

    /// Where the questions come from, in `language`.
    pub fn source(&self, language: Language) -> &str {
        match language {
            Language::En => &self.source_en,
            Language::Ja => &self.source_ja,
        }
    }

    /// Why the numbers the catalog lacks are not judged, in `language`.
    pub fn not_judged(&self, language: Language) -> &str {
        match language {
            Language::En => &self.not_judged_en,
            Language::Ja => &self.not_judged_ja,
        }
    }
}
