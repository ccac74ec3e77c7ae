//! Squid's native access log (`logformat squid`, the default of
//! `access_log`): each page a PC asked the proxy for becomes a `web visit`
//! of the PC whose address made the request.
//!
//! The format (Squid's `logformat` documentation, the `squid` format):
//! `%ts.%03tu %6tr %>a %Ss/%03>Hs %<st %rm %ru %[un %Sh/%<a %mt` — time
//! (Unix seconds and milliseconds, UTC), elapsed ms, client address,
//! result code / HTTP status, bytes sent to the client, method, URL (for
//! `CONNECT`, `host:port`: an HTTPS request's page is not seen), user name
//! (`-` without proxy authentication), hierarchy code / peer, content
//! type. `crates/import/tests/fixtures/squid/README.md` cites each field.
//!
//! A page is many requests (its images, scripts, polls): a request to the
//! same site from the same address and user within
//! [`PAGE_WINDOW_SECS`] of the last visit recorded is counted, not
//! stored again. A request the proxy denied (`TCP_DENIED`, HTTP 403/407)
//! is no visit: the site was not reached.

use std::collections::BTreeMap;
use std::path::Path;

use worklog_schema::{Event, EventKind, Timestamp};

use crate::evtx::FileImport;
use crate::options::ImportOptions;
use crate::unparsed::{Place, Unparsed};

/// `source` of the events.
pub const SOURCE: &str = "squid:access";

/// Requests to one site within this many seconds of its last recorded
/// visit are parts of the same page.
pub const PAGE_WINDOW_SECS: i64 = 300;

/// The fields of the native format.
const FIELDS: usize = 10;

/// Longest line read (Squid truncates URLs far below this).
const MAX_LINE: usize = 64 * 1024;

/// One request of the log.
struct Request<'a> {
    ts: i64,
    client: &'a str,
    result: &'a str,
    status: u16,
    bytes: Option<i64>,
    method: &'a str,
    url: &'a str,
    user: Option<&'a str>,
}

/// Reads a Squid native access log and maps each page visit.
pub fn read_file(path: &Path, options: &ImportOptions) -> FileImport {
    let mut out = FileImport {
        file: path.display().to_string(),
        ..FileImport::default()
    };
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) => {
            out.unreadable = true;
            out.unparsed
                .push(Unparsed::file(format!("cannot read the file: {e}")));
            return out;
        }
    };
    let mut last_visit: BTreeMap<(String, String, String), i64> = BTreeMap::new();
    let mut parsed_any = false;
    for (i, raw) in bytes.split(|b| *b == b'\n').enumerate() {
        let line = Place::Line(i as u64 + 1);
        if raw.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        out.records += 1;
        if raw.len() > MAX_LINE {
            out.unparsed
                .push(Unparsed::at(line, format!("longer than {MAX_LINE} bytes")));
            continue;
        }
        let text = String::from_utf8_lossy(raw);
        let request = match parse(text.trim_end_matches('\r')) {
            Ok(r) => r,
            Err(reason) => {
                out.unparsed.push(Unparsed::at(line, reason));
                continue;
            }
        };
        parsed_any = true;
        map_request(&request, options, &mut last_visit, &mut out);
    }
    if !parsed_any && !out.unparsed.is_empty() {
        let first = out.unparsed[0].clone();
        out.unparsed = vec![Unparsed::file(format!(
            "not a Squid native access log (logformat squid: time elapsed client code/status bytes method URL user hierarchy/peer type); {first}"
        ))];
        out.unreadable = true;
        out.records = 0;
        out.events.clear();
    }
    out
}

/// One line of the native format.
fn parse(line: &str) -> Result<Request<'_>, String> {
    let fields: Vec<&str> = line.split_ascii_whitespace().collect();
    if fields.len() != FIELDS {
        return Err(format!(
            "{} fields where the native format has {FIELDS}",
            fields.len()
        ));
    }
    let ts =
        epoch_us(fields[0]).ok_or_else(|| format!("time {:?} is not Unix seconds", fields[0]))?;
    let (result, status) = fields[3]
        .split_once('/')
        .ok_or_else(|| format!("result {:?} is not code/status", fields[3]))?;
    let status: u16 = status
        .parse()
        .map_err(|_| format!("HTTP status {status:?} is not a number"))?;
    Ok(Request {
        ts,
        client: fields[2],
        result,
        status,
        bytes: fields[4].parse().ok(),
        method: fields[5],
        url: fields[6],
        user: Some(fields[7]).filter(|u| *u != "-"),
    })
}

/// `1773620523.123` → µs since the epoch; `None` past the schema's times.
fn epoch_us(text: &str) -> Option<i64> {
    let (secs, millis) = text.split_once('.').unwrap_or((text, "0"));
    if millis.is_empty() || millis.len() > 6 || !millis.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let secs: i64 = secs
        .parse()
        .ok()
        .filter(|s| (0..=253_402_300_799).contains(s))?;
    let fraction: i64 = format!("{millis:0<6}").parse().ok()?;
    secs.checked_mul(1_000_000)?.checked_add(fraction)
}

/// The site of a request: the host of its URL, or of `CONNECT`'s
/// `host:port`, lower case; and the URL as stored.
fn site_of(method: &str, url: &str) -> Option<(String, String)> {
    if method.eq_ignore_ascii_case("CONNECT") {
        let (host, port) = url.rsplit_once(':').unwrap_or((url, "443"));
        let host = host.trim_matches(['[', ']']).to_lowercase();
        let shown = if port == "443" {
            format!("https://{host}/")
        } else {
            format!("https://{host}:{port}/")
        };
        return (!host.is_empty()).then_some((host, shown));
    }
    let rest = url.split_once("://").map(|(_, r)| r)?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    };
    let host = host.trim_matches(['[', ']']).to_lowercase();
    (!host.is_empty()).then(|| (host, url.to_owned()))
}

fn not_mapped(out: &mut FileImport, reason: String) {
    *out.not_mapped
        .entry(format!("squid request — {reason}"))
        .or_default() += 1;
}

fn map_request(
    r: &Request<'_>,
    options: &ImportOptions,
    last_visit: &mut BTreeMap<(String, String, String), i64>,
    out: &mut FileImport,
) {
    if r.result.contains("DENIED") || r.status == 403 || r.status == 407 {
        return not_mapped(out, "denied by the proxy: the site was not reached".into());
    }
    let Some(device) = options.device_of_address(r.client) else {
        return not_mapped(
            out,
            "client address not in --address-map (no PC of the inventory)".into(),
        );
    };
    let Some((host, url)) = site_of(r.method, r.url) else {
        return not_mapped(out, format!("URL of a {} request names no host", r.method));
    };
    let user = r.user.map(str::to_owned);
    let key = (
        device.to_owned(),
        user.clone().unwrap_or_default(),
        host.clone(),
    );
    if let Some(last) = last_visit.get(&key)
        && r.ts >= *last
        && r.ts - *last < PAGE_WINDOW_SECS * 1_000_000
    {
        return not_mapped(
            out,
            format!("part of a page: the same site within {PAGE_WINDOW_SECS} s of a visit"),
        );
    }
    last_visit.insert(key, r.ts);
    out.events.push(Event {
        device_id: device.to_owned(),
        ts: Timestamp(r.ts),
        utc_offset_min: options.utc_offset_min(r.ts),
        user_name: user,
        kind: EventKind::Web,
        op: "visit".into(),
        url: Some(url),
        web_domain: Some(host),
        detail: Some(format!(
            "Squid: {} {}/{}{}",
            r.method,
            r.result,
            r.status,
            r.bytes.map(|b| format!(", {b} bytes")).unwrap_or_default()
        )),
        source: Some(SOURCE.into()),
        event_id: Some(format!(
            "{}|{}|{}|{}",
            r.client,
            Timestamp(r.ts),
            r.method,
            r.url
        )),
        ..Event::default()
    });
    *out.mapped.entry("web visit".into()).or_default() += 1;
}
