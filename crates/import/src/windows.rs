//! Windows versions as the end-of-support catalog names them.
//!
//! Management tools report a Windows version as its build
//! (`10.0.22631.3447`: osquery's `os_version`, Intune's `osVersion`), while
//! Microsoft's lifecycle dates — and the policy's `eos_catalog.csv` — go by
//! product, edition and feature update (`Windows 11 Pro`, `23H2`). The
//! builds of each feature update are Microsoft's "Windows 10 release
//! information" and "Windows 11 release information" pages
//! (learn.microsoft.com/windows/release-health); an unknown build keeps its
//! number as the version, so that it matches no catalog row rather than a
//! wrong one.

/// Feature updates by build: (build, product, version).
const RELEASES: &[(u32, &str, &str)] = &[
    (10240, "Windows 10", "1507"),
    (10586, "Windows 10", "1511"),
    (14393, "Windows 10", "1607"),
    (15063, "Windows 10", "1703"),
    (16299, "Windows 10", "1709"),
    (17134, "Windows 10", "1803"),
    (17763, "Windows 10", "1809"),
    (18362, "Windows 10", "1903"),
    (18363, "Windows 10", "1909"),
    (19041, "Windows 10", "2004"),
    (19042, "Windows 10", "20H2"),
    (19043, "Windows 10", "21H1"),
    (19044, "Windows 10", "21H2"),
    (19045, "Windows 10", "22H2"),
    (22000, "Windows 11", "21H2"),
    (22621, "Windows 11", "22H2"),
    (22631, "Windows 11", "23H2"),
    (26100, "Windows 11", "24H2"),
    (26200, "Windows 11", "25H2"),
];

/// A Windows installation as the catalog names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowsRelease {
    /// Product and edition: `Windows 11 Pro` (`Windows 11` when the edition
    /// is not known).
    pub product: String,
    /// Feature update (`23H2`), or the build number when unknown.
    pub version: String,
    /// Build and revision: `22631.3447`.
    pub build: String,
}

/// The release of a Windows version string (`10.0.22631.3447`, `22631`,
/// `10.0.22631`) with the edition named by `edition` (a SKU family such as
/// `Professional` or `Enterprise`, or a product name holding one), `None`
/// when it is not a Windows NT 10 version.
pub fn release(version: &str, edition: Option<&str>) -> Option<WindowsRelease> {
    let parts: Vec<&str> = version.trim().split('.').collect();
    let (build, revision) = match parts.as_slice() {
        ["10", "0", build] => (*build, None),
        ["10", "0", build, revision, ..] => (*build, Some(*revision)),
        [build] => (*build, None),
        [build, revision] => (*build, Some(*revision)),
        _ => return None,
    };
    let number: u32 = build.parse().ok()?;
    let (product, feature) = match RELEASES.iter().find(|(b, ..)| *b == number) {
        Some((_, product, feature)) => (*product, (*feature).to_owned()),
        None if number >= 22000 => ("Windows 11", number.to_string()),
        None if number >= 10240 => ("Windows 10", number.to_string()),
        None => return None,
    };
    let product = match edition.and_then(edition_name) {
        Some(edition) => format!("{product} {edition}"),
        None => product.to_owned(),
    };
    Some(WindowsRelease {
        product,
        version: feature,
        build: match revision {
            Some(r) => format!("{number}.{r}"),
            None => number.to_string(),
        },
    })
}

/// The edition in catalog words of a SKU family or product name
/// (`Professional`, Graph's `windowsProfessional`, `Microsoft Windows 11
/// Pro`).
fn edition_name(text: &str) -> Option<&'static str> {
    let lower = text.to_lowercase();
    let within = [
        ("enterprise", "Enterprise"),
        ("education", "Education"),
        ("professional", "Pro"),
        ("home", "Home"),
    ];
    let words = [("pro", "Pro"), ("core", "Home")];
    within
        .iter()
        .find(|(key, _)| lower.contains(key))
        .or_else(|| {
            words.iter().find(|(key, _)| {
                lower
                    .split(|c: char| !c.is_alphanumeric())
                    .any(|word| word == *key)
            })
        })
        .map(|(_, name)| *name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_become_feature_updates_and_editions_catalog_names() {
        let r = release("10.0.22631.3447", Some("Professional")).unwrap();
        assert_eq!(
            (r.product.as_str(), r.version.as_str(), r.build.as_str()),
            ("Windows 11 Pro", "23H2", "22631.3447")
        );
        let r = release("10.0.19045", Some("Microsoft Windows 10 Enterprise")).unwrap();
        assert_eq!(
            (r.product.as_str(), r.version.as_str()),
            ("Windows 10 Enterprise", "22H2")
        );
        let r = release("10.0.26100.4652", Some("windowsProfessional")).unwrap();
        assert_eq!(r.product, "Windows 11 Pro");
        let r = release("26100", None).unwrap();
        assert_eq!(
            (r.product.as_str(), r.version.as_str()),
            ("Windows 11", "24H2")
        );
        // A build the table does not know keeps its number.
        assert_eq!(release("10.0.27000.1", None).unwrap().version, "27000");
        assert_eq!(release("14.4.1", None), None);
        assert_eq!(release("6.1.7601", None), None);
    }
}
