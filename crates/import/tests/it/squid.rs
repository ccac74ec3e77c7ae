//! Squid's native access log as Squid writes it
//! (`tests/fixtures/squid/README.md` cites the format): page visits of the
//! PCs the address map names.

use std::path::{Path, PathBuf};

use worklog_import::{ImportOptions, read_squid};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/squid")
        .join(name)
}

fn options() -> ImportOptions {
    ImportOptions::default()
        .read_address_map(&fixture("address-map.csv"))
        .unwrap()
}

#[test]
fn visits_of_mapped_pcs_one_per_page() {
    let read = read_squid(&fixture("access.log"), &options());
    assert!(!read.unreadable, "{:?}", read.unparsed);
    assert_eq!(read.records, 10);
    let visits: Vec<(&str, &str, Option<&str>)> = read
        .events
        .iter()
        .map(|e| {
            (
                e.device_id.as_str(),
                e.web_domain.as_deref().unwrap(),
                e.user_name.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        visits,
        [
            ("PC-SATO", "intranet.minato-hoken.co.jp", None),
            ("PC-SATO", "mail.google.com", None),
            ("PC-ITO", "upload.example.net", None),
            ("PC-SATO", "mail.google.com", Some("h.sato")),
            ("PC-SATO", "mail.google.com", None),
        ]
    );
    let webmail = &read.events[1];
    assert_eq!(webmail.url.as_deref(), Some("https://mail.google.com/"));
    assert_eq!(webmail.ts.to_string(), "2026-03-16T00:22:10.002Z");
    assert_eq!(webmail.source.as_deref(), Some("squid:access"));
    assert_eq!(
        webmail.detail.as_deref(),
        Some("Squid: CONNECT TCP_TUNNEL/200, 58230 bytes")
    );
    for e in &read.events {
        let mut e = e.clone();
        e.seq = 1;
        e.normalize();
        e.validate(None).unwrap();
    }
    let not_mapped = &read.not_mapped;
    assert_eq!(read.not_mapped_total(), 4, "{not_mapped:?}");
    assert!(not_mapped.keys().any(|k| k.contains("denied by the proxy")));
    assert!(not_mapped.keys().any(|k| k.contains("--address-map")));
    assert_eq!(
        not_mapped
            .iter()
            .find(|(k, _)| k.contains("part of a page"))
            .map(|(_, n)| *n),
        Some(2)
    );
    assert_eq!(read.unparsed.len(), 1);
    assert!(
        read.unparsed[0]
            .to_string()
            .starts_with("line 9: time \"1773620800.x\"")
    );
}

#[test]
fn another_log_format_is_refused_with_the_format_expected() {
    let read = read_squid(&fixture("combined.log"), &options());
    assert!(read.unreadable);
    assert!(read.events.is_empty());
    assert_eq!(read.records, 0, "a refused file has no record read");
    assert_eq!(read.unparsed.len(), 1);
    assert!(
        read.unparsed[0]
            .to_string()
            .starts_with("not a Squid native access log (logformat squid"),
        "{:?}",
        read.unparsed
    );
}
