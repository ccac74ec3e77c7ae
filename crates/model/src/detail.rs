//! What a finding says, in both languages: a rule's SQL emits a code, the
//! rule file gives the code's text with `{name}` placeholders, and the
//! report fills them from the finding's evidence.

use serde::{Deserialize, Serialize};

/// A text in both report languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DetailText {
    /// Japanese.
    pub ja: String,
    /// English.
    pub en: String,
}

impl DetailText {
    /// The text in `language`.
    pub fn get(&self, language: crate::Language) -> &str {
        match language {
            crate::Language::En => &self.en,
            _ => &self.ja,
        }
    }
}

/// Replaces each `{name}` for which `value` gives a text; leaves the
/// others as they are.
pub fn fill_placeholders(text: &str, value: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                match value(&after[..end]) {
                    Some(v) => out.push_str(&v),
                    None => out.push_str(&rest[start..start + end + 2]),
                }
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_known_placeholders_and_keeps_the_rest() {
        let value = |name: &str| (name == "ssid").then(|| "cafe{x}".to_owned());
        assert_eq!(
            fill_placeholders("接続({ssid}) {other} {", value),
            "接続(cafe{x}) {other} {"
        );
    }
}
