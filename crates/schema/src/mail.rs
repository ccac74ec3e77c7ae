//! Mail addresses as collectors write them, and the one normalised form
//! rules compare.
//!
//! A sender arrives as a bare address (`h.sato@minato-hoken.co.jp`), with a
//! display name (`佐藤 花子 <h.sato@minato-hoken.co.jp>`, `"t.yamada@company"
//! <x@gmail.com>`), in upper case, or with its domain in IDNA's ASCII form
//! (`info@xn--eckwd4c7c.xn--zckzah`, which is `info@ドメイン.テスト`). It is parsed as an RFC 5322 `mailbox`
//! (the `mailparse` crate), and the address kept is the addr-spec with its
//! domain lower-cased and turned into Unicode by UTS #46 (the `idna`
//! crate), so that the policy's `example.co.jp` or `例え.テスト` matches
//! however the source spelled it. The local part is kept as written
//! (RFC 5321 §2.4: only the receiving host may interpret its case).

use std::fmt;

/// A sender parsed and normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailbox {
    /// `local@domain`, the domain normalised ([`normalize_domain`]).
    pub address: String,
    /// The domain, normalised.
    pub domain: String,
    /// The display name, if the source gave one.
    pub display_name: Option<String>,
}

/// Why a text is not one mail address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotAnAddress(pub String);

impl fmt::Display for NotAnAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NotAnAddress {}

/// Parses one RFC 5322 mailbox (`addr-spec` or `display-name <addr-spec>`)
/// and normalises its domain. Refused: an empty text, a list of several
/// addresses, a group, no `@`, an empty local part, a domain that UTS #46
/// rejects or that has no dot.
///
/// Two parsers, strict then lenient: `email_address` reads the RFC's
/// grammar, quoted local parts included (`"john doe"@example.jp`), and a
/// display name with a comma as Outlook writes it (`Sato, Hanako <…>`);
/// what it refuses, `mailparse` reads as a header does: `<addr>` alone,
/// comments, and the addresses that break the
/// dot-atom rule but are delivered every day (Japanese carriers' legacy
/// `taro..yamada.@docomo.ne.jp`). A list or a group is refused by both.
pub fn parse_mailbox(text: &str) -> Result<Mailbox, NotAnAddress> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(NotAnAddress("is empty".into()));
    }
    let (local, domain, display_name) = match strict(trimmed) {
        Some(parts) => parts,
        None => lenient(trimmed)?,
    };
    if local.is_empty() {
        return Err(NotAnAddress(format!("{trimmed:?} has an empty local part")));
    }
    let domain = if domain.starts_with('[') && domain.ends_with(']') {
        domain.to_lowercase() // an address literal, [192.0.2.1]
    } else {
        normalize_domain(&domain).ok_or_else(|| {
            NotAnAddress(format!(
                "{trimmed:?}: {domain:?} is not a domain name (UTS #46, at least one dot)"
            ))
        })?
    };
    Ok(Mailbox {
        address: format!("{local}@{domain}"),
        domain,
        display_name: display_name
            .map(|n| n.trim().trim_matches('"').trim().to_owned())
            .filter(|n| !n.is_empty()),
    })
}

/// Local part, domain and display name by RFC 5322's grammar.
fn strict(text: &str) -> Option<(String, String, Option<String>)> {
    let parsed: email_address::EmailAddress = text.parse().ok()?;
    let display = parsed.display_part();
    Some((
        parsed.local_part().to_owned(),
        parsed.domain().to_owned(),
        (!display.is_empty()).then(|| display.to_owned()),
    ))
}

/// Local part, domain and display name as a mail header is read.
fn lenient(text: &str) -> Result<(String, String, Option<String>), NotAnAddress> {
    let list = mailparse::addrparse(text)
        .map_err(|e| NotAnAddress(format!("{text:?} is not a mail address ({e})")))?;
    let single = match list.iter().collect::<Vec<_>>().as_slice() {
        [mailparse::MailAddr::Single(single)] => single.clone(),
        [mailparse::MailAddr::Group(group)] => {
            return Err(NotAnAddress(format!(
                "{text:?} is a group ({:?}), not one sender address",
                group.group_name
            )));
        }
        [] => return Err(NotAnAddress(format!("{text:?} holds no address"))),
        many => {
            return Err(NotAnAddress(format!(
                "{text:?} holds {} addresses; a sender is one",
                many.len()
            )));
        }
    };
    let Some((local, domain)) = single.addr.rsplit_once('@') else {
        return Err(NotAnAddress(format!("{text:?} has no `@`")));
    };
    Ok((local.to_owned(), domain.to_owned(), single.display_name))
}

/// A domain name as rules compare it: UTS #46 processing (lower case,
/// width and compatibility mappings, ACE labels `xn--…` decoded) into
/// Unicode; `None` when it is not a valid domain name or has no dot. The
/// policy's domain lists go through the same function.
pub fn normalize_domain(domain: &str) -> Option<String> {
    let domain = domain.trim().trim_end_matches('.');
    if domain.is_empty() || domain.len() > 253 {
        return None;
    }
    let (unicode, result) = idna::domain_to_unicode(domain);
    result.ok()?;
    // The ASCII form must exist too (label lengths, hyphens, bidi rules).
    idna::domain_to_ascii_strict(&unicode).ok()?;
    unicode.contains('.').then_some(unicode)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_brackets_case_and_ace_domains_normalise_to_one_address() {
        let plain = parse_mailbox("h.sato@minato-hoken.co.jp").unwrap();
        assert_eq!(plain.address, "h.sato@minato-hoken.co.jp");
        assert_eq!(plain.display_name, None);
        let named = parse_mailbox("佐藤 花子 <h.sato@minato-hoken.co.jp>").unwrap();
        assert_eq!(named.address, plain.address);
        assert_eq!(named.domain, "minato-hoken.co.jp");
        assert_eq!(named.display_name.as_deref(), Some("佐藤 花子"));
        let upper = parse_mailbox("H.Sato@MINATO-HOKEN.CO.JP").unwrap();
        assert_eq!(upper.address, "H.Sato@minato-hoken.co.jp");
        let quoted = parse_mailbox("\"t.yamada@company\" <x@gmail.com>").unwrap();
        assert_eq!(quoted.address, "x@gmail.com");
        assert_eq!(quoted.domain, "gmail.com");
        assert_eq!(quoted.display_name.as_deref(), Some("t.yamada@company"));
        // A quoted local part may hold `@`: the domain is after the last.
        let local = parse_mailbox("\"a@gmail.com\"@minato-hoken.co.jp").unwrap();
        assert_eq!(local.domain, "minato-hoken.co.jp");
        assert_eq!(local.address, "\"a@gmail.com\"@minato-hoken.co.jp");
        let outlook = parse_mailbox("Sato, Hanako <h.sato@Minato-Hoken.co.jp>").unwrap();
        assert_eq!(outlook.address, "h.sato@minato-hoken.co.jp");
        assert_eq!(
            parse_mailbox("<h.sato@minato-hoken.co.jp>")
                .unwrap()
                .address,
            "h.sato@minato-hoken.co.jp"
        );
        let encoded = parse_mailbox("=?UTF-8?B?5L2Q6Jek?= <a@b.jp>").unwrap();
        assert_eq!(encoded.address, "a@b.jp");
        let carrier = parse_mailbox("taro..yamada.@docomo.ne.jp").unwrap();
        assert_eq!(carrier.domain, "docomo.ne.jp");
        let ace = parse_mailbox("info@xn--eckwd4c7c.xn--zckzah").unwrap();
        assert_eq!(ace.domain, "ドメイン.テスト");
        assert_eq!(
            normalize_domain("ドメイン.テスト").as_deref(),
            Some(ace.domain.as_str())
        );
    }

    #[test]
    fn what_is_not_one_address_is_refused_with_the_reason() {
        for (text, says) in [
            ("", "empty"),
            ("sato", "@"),
            ("a@b.jp, c@d.jp", "2 addresses"),
            ("@example.com", "empty local part"),
            ("a@localhost", "not a domain name"),
            ("a@exa mple.com", "not"),
        ] {
            let error = parse_mailbox(text).unwrap_err().to_string();
            assert!(error.contains(says), "{text:?}: {error}");
        }
    }
}
