//! osquery's result log (`osqueryd.results.log`, JSON Lines): each line a
//! differential row (`"action": "added"|"removed"`, `columns`), a batch of
//! them (`diffResults` with `added` and `removed` lists) or a snapshot
//! (`"action": "snapshot"`, `snapshot` list), of the query `name` on the
//! host `hostIdentifier` at `unixTime`. The queries this importer reads,
//! by name, are in `docs/osquery.md` and `samples/osquery/osquery.conf`.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use worklog_schema::{Date, Event, EventKind, Timestamp};

use crate::evtx::FileImport;
use crate::options::ImportOptions;
use crate::unparsed::{Place, Unparsed};

/// The queries mapped, by the name the query pack gives them.
pub const QUERIES: &[(&str, &str)] = &[
    (
        "programs",
        "snapshot → inventory software; added → software install; removed → software uninstall",
    ),
    (
        "os_version",
        "snapshot/added → inventory os (last_patch_date from the host's newest `patches` row of the same file)",
    ),
    ("patches", "feeds last_patch_date of os_version rows"),
    ("bitlocker_info", "snapshot/added → encryption status"),
    (
        "wifi_status",
        "snapshot/added → network connect (Wi-Fi); removed → network disconnect",
    ),
    (
        "usb_devices",
        "added → media connect (storage classes only); removed → media disconnect",
    ),
    (
        "logged_in_users",
        "added → session logon; removed → session logoff",
    ),
];

/// The protection state of a `bitlocker_info` row: `protection_status` 1 is
/// on; otherwise `conversion_status` (Win32_EncryptableVolume's
/// ConversionStatus: 0 fully decrypted, 1 fully encrypted, 2 encryption in
/// progress, 3 decryption in progress, 4 encryption paused, 5 decryption
/// paused) tells why it is not: fully encrypted with protection off is a
/// suspension (the key is in the clear until protection resumes).
fn protection_state(on: bool, conversion: Option<&str>) -> Option<String> {
    let state = match (on, conversion) {
        (true, _) => "on",
        (false, Some("1")) => "suspended",
        (false, Some("2" | "4")) => "encrypting",
        (false, Some("3" | "5")) => "decrypting",
        (false, Some("0")) => "off",
        (false, _) => return None,
    };
    Some(state.to_owned())
}

fn text(row: &Map<String, Value>, name: &str) -> Option<String> {
    match row.get(name)? {
        Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A stable record number for a row: re-importing the same log adds
/// nothing (63 bits of SHA-256 of the line's query, host, time, action and
/// row).
fn row_id(name: &str, host: &str, time: i64, action: &str, row: &Map<String, Value>) -> i64 {
    let digest = Sha256::new()
        .chain_update(name)
        .chain_update([0])
        .chain_update(host)
        .chain_update([0])
        .chain_update(time.to_le_bytes())
        .chain_update(action)
        .chain_update([0])
        .chain_update(serde_json::to_vec(row).unwrap_or_default())
        .finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    (u64::from_le_bytes(first) >> 1) as i64
}

fn auth_method(security: &str) -> Option<&'static str> {
    let s = security.to_ascii_lowercase();
    Some(if s.contains("wpa3") && s.contains("enterprise") {
        "wpa3_enterprise"
    } else if s.contains("wpa3") {
        "wpa3_sae"
    } else if s.contains("wpa2") && s.contains("enterprise") {
        "wpa2_enterprise"
    } else if s.contains("wpa2") {
        "wpa2_psk"
    } else if s.contains("wpa") {
        "wpa_psk"
    } else if s.contains("wep") {
        "wep"
    } else if s.contains("open") || s == "none" {
        "open"
    } else {
        return None;
    })
}

/// One row of one query, mapped; `Err` is why it is not.
fn map_row(
    name: &str,
    action: &str,
    row: &Map<String, Value>,
    snapshot_id: &str,
) -> Result<Event, String> {
    let added = matches!(action, "added" | "snapshot");
    match name {
        "programs" => program(action, row, snapshot_id),
        "os_version" if added => os_version(row, snapshot_id),
        "bitlocker_info" if added => {
            let drive = text(row, "drive_letter").ok_or("no drive letter")?;
            let on = text(row, "protection_status").as_deref() == Some("1");
            Ok(Event {
                volume_role: Some(crate::bitlocker::volume_role(&drive).into()),
                volume_name: Some(drive),
                protection_on: Some(on),
                protection_state: protection_state(on, text(row, "conversion_status").as_deref()),
                encryption_method: text(row, "encryption_method"),
                ..event(EventKind::Encryption, "status")
            })
        }
        "wifi_status" => wifi(added, row),
        "usb_devices" if action != "snapshot" => usb_device(added, row),
        "logged_in_users" if action != "snapshot" => Ok(Event {
            user_name: Some(text(row, "user").ok_or("no user")?),
            ..event(EventKind::Session, if added { "logon" } else { "logoff" })
        }),
        "usb_devices" | "logged_in_users" => {
            Err("a snapshot of present state, not an event".into())
        }
        "os_version" | "bitlocker_info" => {
            Err("a removed row (the state changed; the added row says to what)".into())
        }
        _ => Err("no mapping".into()),
    }
}

/// An event of `kind` and `op`, every other field empty.
fn event(kind: EventKind, op: &str) -> Event {
    Event {
        kind,
        op: op.to_owned(),
        ..Event::default()
    }
}

/// `programs`: a snapshot row is installed software; an added or removed
/// row is an install or an uninstall.
fn program(action: &str, row: &Map<String, Value>, snapshot_id: &str) -> Result<Event, String> {
    let product = text(row, "name").ok_or("no program name")?;
    let (kind, op) = match action {
        "snapshot" => (EventKind::Inventory, "software"),
        "added" => (EventKind::Software, "install"),
        _ => (EventKind::Software, "uninstall"),
    };
    let snapshot = action == "snapshot";
    Ok(Event {
        product_name: Some(product),
        product_version: text(row, "version"),
        publisher: text(row, "publisher"),
        snapshot_id: snapshot.then(|| snapshot_id.to_owned()),
        user_name: (!snapshot).then(|| "-".to_owned()),
        blocked: (!snapshot).then_some(false),
        ..event(kind, op)
    })
}

/// `os_version`: Windows as the end-of-support catalog names it (product
/// and edition, feature update), not as a build number; another OS as
/// osquery names it.
fn os_version(row: &Map<String, Value>, snapshot_id: &str) -> Result<Event, String> {
    let name = text(row, "name").ok_or("no OS name")?;
    let version = text(row, "version").ok_or("no OS version")?;
    let windows = name
        .to_lowercase()
        .contains("windows")
        .then(|| crate::windows::release(&version, Some(&name)))
        .flatten();
    Ok(match windows {
        Some(w) => Event {
            snapshot_id: Some(snapshot_id.to_owned()),
            os_product: Some(w.product),
            os_version: Some(w.version),
            os_build: Some(w.build),
            ..event(EventKind::Inventory, "os")
        },
        None => Event {
            snapshot_id: Some(snapshot_id.to_owned()),
            os_product: Some(name),
            os_version: Some(version),
            os_build: text(row, "build"),
            ..event(EventKind::Inventory, "os")
        },
    })
}

/// `wifi_status`: an added row is a connection with its security, a
/// removed row a disconnection.
fn wifi(added: bool, row: &Map<String, Value>) -> Result<Event, String> {
    let ssid = text(row, "network_name");
    if !added {
        return Ok(Event {
            if_type: Some("wifi".into()),
            ssid,
            ..event(EventKind::Network, "disconnect")
        });
    }
    let security = text(row, "security_type").unwrap_or_default();
    let auth =
        auth_method(&security).ok_or_else(|| format!("unknown security type {security:?}"))?;
    Ok(Event {
        if_type: Some("wifi".into()),
        ssid,
        bssid: text(row, "bssid"),
        auth_method: Some(auth.into()),
        ..event(EventKind::Network, "connect")
    })
}

/// `usb_devices`: a storage device, phone or camera plugged in or out.
fn usb_device(added: bool, row: &Map<String, Value>) -> Result<Event, String> {
    let hex4 =
        |s: Option<String>| s.filter(|s| s.len() == 4 && s.chars().all(|c| c.is_ascii_hexdigit()));
    let (vendor_id, product_id) = (hex4(text(row, "vendor_id")), hex4(text(row, "model_id")));
    let known = crate::storage::usb_phone_or_camera(vendor_id.as_deref(), product_id.as_deref());
    // USB class 8: mass storage; 6: still image (PTP); a phone or camera
    // whose device class is per interface (0) or vendor specific (255), by
    // the USB ID database.
    let class = match (text(row, "class").as_deref(), &known) {
        (Some("8"), _) => "mass_storage",
        (Some("6"), _) => "ptp",
        (_, Some((class, _))) => class,
        _ => return Err("not a storage device".into()),
    };
    Ok(Event {
        media_class: Some(class.into()),
        media_name: known.map(|(_, name)| name),
        vendor_id,
        product_id,
        media_serial: text(row, "serial"),
        volume_name: text(row, "model"),
        blocked: added.then_some(false),
        ..event(
            EventKind::Media,
            if added { "connect" } else { "disconnect" },
        )
    })
}

/// Reads and maps an osquery result log.
pub fn read_file(path: &Path, options: &ImportOptions) -> FileImport {
    let mut reader = Reader {
        options,
        out: FileImport {
            file: path.display().to_string(),
            ..FileImport::default()
        },
        patches: BTreeMap::new(),
        pending_os: Vec::new(),
    };
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) => {
            reader.out.unreadable = true;
            reader
                .out
                .unparsed
                .push(Unparsed::file(format!("cannot read the file: {e}")));
            return reader.out;
        }
    };
    for (i, raw) in bytes.split(|b| *b == b'\n').enumerate() {
        if !raw.iter().all(u8::is_ascii_whitespace) {
            reader.line(Place::Line(i as u64 + 1), raw);
        }
    }
    reader.finish()
}

/// One result log being read.
struct Reader<'a> {
    options: &'a ImportOptions,
    out: FileImport,
    /// The newest patch date per device, for os_version rows.
    patches: BTreeMap<String, Date>,
    /// os_version events, given their device's last patch date at the end.
    pending_os: Vec<Event>,
}

/// What one result line says, before its rows are read.
struct Line<'m> {
    name: String,
    host: String,
    /// UTC µs.
    time: i64,
    rows: Vec<(String, &'m Map<String, Value>)>,
}

impl Reader<'_> {
    /// One line of the log: a JSON object with its rows.
    fn line(&mut self, place: Place, raw: &[u8]) {
        let map = match parse_object(raw) {
            Ok(map) => map,
            Err(reason) => return self.out.unparsed.push(Unparsed::at(place, reason)),
        };
        match read_line(&map) {
            Ok(line) => {
                let snapshot_id = format!("{}@{}", line.name, line.time / 1_000_000);
                for (action, row) in &line.rows {
                    self.row(&line, action, row, &snapshot_id);
                }
            }
            Err(reason) => self.out.unparsed.push(Unparsed::at(place, reason)),
        }
    }

    /// One row: an event, a patch date, or a count of what is not mapped.
    fn row(&mut self, line: &Line<'_>, action: &str, row: &Map<String, Value>, snapshot_id: &str) {
        self.out.records += 1;
        let name = line.name.as_str();
        let key = format!("osquery | {name} | {action}");
        if name == "patches" {
            if let (Some(day), Ok(device)) = (
                text(row, "installed_on").and_then(|d| patch_date(&d)),
                self.options.device_of(&line.host),
            ) {
                let entry = self.patches.entry(device).or_insert(day);
                *entry = (*entry).max(day);
            }
            *self
                .out
                .not_mapped
                .entry(format!("{key} — feeds os_version's last patch date"))
                .or_default() += 1;
            return;
        }
        let mapped = map_row(name, action, row, snapshot_id)
            .and_then(|event| Ok((event, self.options.device_of(&line.host)?)));
        let (mut event, device) = match mapped {
            Ok(mapped) => mapped,
            Err(reason) => {
                *self
                    .out
                    .not_mapped
                    .entry(format!("{key} — {reason}"))
                    .or_default() += 1;
                return;
            }
        };
        event.device_id = device;
        event.ts = Timestamp(line.time);
        event.utc_offset_min = self.options.utc_offset_min(line.time);
        event.source = Some(format!("osquery:{name}"));
        event.source_record_id = Some(row_id(name, &line.host, line.time, action, row));
        *self
            .out
            .mapped
            .entry(format!("{} {}", event.kind.as_str(), event.op))
            .or_default() += 1;
        if name == "os_version" {
            self.pending_os.push(event);
        } else {
            self.out.events.push(event);
        }
    }

    /// The events in time order, os_version with its last patch date.
    fn finish(mut self) -> FileImport {
        for mut event in self.pending_os {
            event.last_patch_date = self.patches.get(&event.device_id).copied();
            self.out.events.push(event);
        }
        self.out.events.sort_by_key(|e| e.ts);
        self.out
    }
}

/// A line as a JSON object.
fn parse_object(raw: &[u8]) -> Result<Map<String, Value>, String> {
    std::str::from_utf8(raw)
        .map_err(|e| format!("not UTF-8 at byte {}", e.valid_up_to()))
        .and_then(|s| serde_json::from_str::<Value>(s).map_err(|e| format!("not JSON: {e}")))
        .and_then(|v| match v {
            Value::Object(map) => Ok(map),
            _ => Err("not a JSON object".into()),
        })
}

/// A result line's query, host, time and rows: a snapshot's rows, a
/// differential result's added and removed rows, or one event row
/// (`columns`, with its `action`).
fn read_line(map: &Map<String, Value>) -> Result<Line<'_>, String> {
    let name = text(map, "name").unwrap_or_default();
    let host = text(map, "hostIdentifier").unwrap_or_default();
    let time = text(map, "unixTime")
        .and_then(|t| t.parse::<i64>().ok())
        .and_then(|s| s.checked_mul(1_000_000))
        .ok_or("no unixTime")?;
    let rows: Vec<(String, &Map<String, Value>)> =
        if let Some(Value::Array(rows)) = map.get("snapshot") {
            rows.iter()
                .filter_map(Value::as_object)
                .map(|r| ("snapshot".to_owned(), r))
                .collect()
        } else if let Some(Value::Object(diff)) = map.get("diffResults") {
            ["added", "removed"]
                .iter()
                .flat_map(|a| {
                    diff.get(*a)
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_object)
                        .map(move |r| ((*a).to_owned(), r))
                })
                .collect()
        } else if let Some(Value::Object(columns)) = map.get("columns") {
            vec![(text(map, "action").unwrap_or_default(), columns)]
        } else {
            return Err("no snapshot, diffResults or columns".into());
        };
    Ok(Line {
        name,
        host,
        time,
        rows,
    })
}

/// `installed_on` of osquery's `patches` (`M/D/YYYY` on Windows, or ISO).
fn patch_date(text: &str) -> Option<Date> {
    let day = chrono::NaiveDate::parse_from_str(text.trim(), "%m/%d/%Y")
        .or_else(|_| chrono::NaiveDate::parse_from_str(text.get(..10).unwrap_or(text), "%Y-%m-%d"))
        .ok()?;
    Some(Date::from_naive(day))
}
