//! Microsoft Intune managed devices: each device's last check-in becomes an
//! `inventory os` snapshot and an `encryption status` of its system volume
//! — the *state* that Windows' own logs never give (they log changes).
//!
//! Read as the tools write them (the fixtures of
//! `crates/import/tests/fixtures/intune/` cite each column):
//! - Microsoft Graph `GET /deviceManagement/managedDevices` (the
//!   `managedDevice` resource; `{"value": [...]}`, a bare array, or one
//!   object): `deviceName`, `lastSyncDateTime`, `operatingSystem`,
//!   `osVersion`, `isEncrypted`, `complianceState`, `serialNumber`,
//!   `userPrincipalName`, `skuFamily` (beta), `id`;
//! - the admin center's device export (Devices > All devices > Export) and
//!   the reports export API (`DevicesWithInventory`), CSV, with English or
//!   Japanese headers.
//!
//! Intune's `isEncrypted` is the device's encryption status as the device
//! reports it (BitLocker on the OS volume for Windows): it becomes the
//! system volume's protection, `on` or `off`. A device Intune does not say
//! is encrypted or not gets no encryption status (never a guess).

use std::path::Path;

use serde_json::Value;
use worklog_schema::{Event, EventKind, Timestamp};

use crate::evtx::FileImport;
use crate::options::ImportOptions;
use crate::table::{Col, Layout, decode, locate, parse_csv, parse_time};
use crate::unparsed::{Place, Unparsed};

/// `source` of the events.
pub const SOURCE: &str = "intune:manageddevices";

const fn col(key: &'static str, names: &'static [&'static str], required: bool) -> Col {
    Col {
        key,
        names,
        required,
    }
}

/// The CSV exports read: the admin center's (English and Japanese labels)
/// and the reports export API's column names, in one layout (a header
/// names each column once, in one of its spellings).
pub const LAYOUTS: &[Layout] = &[Layout {
    name: "Intune device export (admin center or reports API)",
    columns: &[
        col("name", &["Device name", "DeviceName", "デバイス名"], true),
        col(
            "last_sync",
            &[
                "Last check-in",
                "LastContact",
                "lastSyncDateTime",
                "最終チェックイン",
            ],
            true,
        ),
        col("os", &["OS", "operatingSystem", "OperatingSystem"], false),
        col(
            "os_version",
            &["OS version", "OSVersion", "osVersion", "OS のバージョン"],
            true,
        ),
        col(
            "encrypted",
            &[
                "Encrypted",
                "isEncrypted",
                "EncryptionStatusString",
                "暗号化",
                "暗号化済み",
            ],
            false,
        ),
        col(
            "compliance",
            &[
                "Compliance",
                "ComplianceState",
                "CompliantState",
                "complianceState",
                "準拠",
                "コンプライアンス",
            ],
            false,
        ),
        col(
            "user",
            &[
                "Primary user UPN",
                "UPN",
                "userPrincipalName",
                "PrimaryUserUPN",
                "プライマリ ユーザー UPN",
            ],
            false,
        ),
        col(
            "serial",
            &[
                "Serial number",
                "SerialNumber",
                "serialNumber",
                "シリアル番号",
            ],
            false,
        ),
        col("sku", &["SkuFamily", "skuFamily", "SKU family"], false),
        col("id", &["Device ID", "DeviceId", "id", "デバイス ID"], false),
    ],
}];

/// One device as the export tells it, every field as text.
#[derive(Debug, Default)]
struct Device {
    name: String,
    last_sync: String,
    os: Option<String>,
    os_version: Option<String>,
    encrypted: Option<String>,
    compliance: Option<String>,
    user: Option<String>,
    serial: Option<String>,
    sku: Option<String>,
    id: Option<String>,
}

/// Reads an Intune device export (Graph JSON or CSV) and maps each device.
pub fn read_file(path: &Path, options: &ImportOptions) -> FileImport {
    let mut out = FileImport {
        file: path.display().to_string(),
        ..FileImport::default()
    };
    match devices_of(path) {
        Ok((devices, unreadable)) => {
            out.unparsed.extend(unreadable);
            for (line, device) in devices {
                out.records += 1;
                map_device(line, &device, options, &mut out);
            }
        }
        Err(reason) => {
            out.unreadable = true;
            out.unparsed.push(Unparsed::file(reason));
        }
    }
    out
}

/// The primary user of each device of an Intune export, `(UPN, device id)`:
/// the user map a message trace needs, from the export the agency already
/// has.
pub fn primary_users(
    path: &Path,
    options: &ImportOptions,
) -> Result<Vec<(String, String)>, String> {
    let (devices, _) = devices_of(path)?;
    Ok(devices
        .into_iter()
        .filter(|(_, d)| d.os.as_deref().is_none_or(is_pc))
        .filter_map(|(_, d)| {
            let device = options.device_of(&d.name).ok()?;
            Some((d.user?, device))
        })
        .collect())
}

type Devices = (Vec<(Place, Device)>, Vec<Unparsed>);

/// The devices of a file, each with where it is (`line N` or `item N`),
/// and the rows that could not be read.
fn devices_of(path: &Path) -> Result<Devices, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read the file: {e}"))?;
    let text = decode(&bytes)?;
    let start = text.trim_start();
    if start.starts_with('{') || start.starts_with('[') {
        return graph_devices(start);
    }
    let table = parse_csv(&text)?;
    let at = locate(LAYOUTS, &table.header)?;
    let devices = table
        .rows
        .iter()
        .map(|(line, row)| {
            let get = |key: &str| at.get(row, key).map(str::to_owned);
            (
                Place::Line(*line),
                Device {
                    name: get("name").unwrap_or_default(),
                    last_sync: get("last_sync").unwrap_or_default(),
                    os: get("os"),
                    os_version: get("os_version"),
                    encrypted: get("encrypted"),
                    compliance: get("compliance"),
                    user: get("user"),
                    serial: get("serial"),
                    sku: get("sku"),
                    id: get("id"),
                },
            )
        })
        .collect();
    Ok((devices, table.unreadable))
}

/// Graph's `managedDevice` objects.
fn graph_devices(text: &str) -> Result<Devices, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let items: Vec<&Value> = match &value {
        Value::Array(items) => items.iter().collect(),
        Value::Object(map) => match map.get("value") {
            Some(Value::Array(items)) => items.iter().collect(),
            _ if map.contains_key("deviceName") => vec![&value],
            _ => {
                return Err(
                    "not a Graph managedDevice list: no `value` array nor a `deviceName`".into(),
                );
            }
        },
        _ => return Err("not a Graph managedDevice list".into()),
    };
    let mut devices = Vec::new();
    let mut unreadable = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let Some(map) = item.as_object() else {
            unreadable.push(Unparsed::at(Place::Item(i as u64 + 1), "not an object"));
            continue;
        };
        let text = |key: &str| match map.get(key) {
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            Some(Value::Bool(b)) => Some(b.to_string()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        let Some(name) = text("deviceName") else {
            unreadable.push(Unparsed::at(Place::Item(i as u64 + 1), "no deviceName"));
            continue;
        };
        devices.push((
            Place::Item(i as u64 + 1),
            Device {
                name,
                last_sync: text("lastSyncDateTime").unwrap_or_default(),
                os: text("operatingSystem"),
                os_version: text("osVersion"),
                encrypted: text("isEncrypted"),
                compliance: text("complianceState"),
                user: text("userPrincipalName"),
                serial: text("serialNumber"),
                sku: text("skuFamily"),
                id: text("id"),
            },
        ));
    }
    Ok((devices, unreadable))
}

/// `Encrypted` as the tools write it: true/false, Yes/No (or はい/いいえ),
/// Encrypted / Not encrypted; `None` for anything else (unknown).
fn encrypted(text: &str) -> Option<bool> {
    let lower = text.trim().to_lowercase();
    match lower.as_str() {
        "true" | "yes" | "encrypted" | "はい" | "暗号化済み" => Some(true),
        "false" | "no" | "not encrypted" | "notencrypted" | "いいえ" | "暗号化されていません" => {
            Some(false)
        }
        _ => None,
    }
}

/// The snapshot of one device: an OS row and the system volume's
/// encryption, at its last check-in.
fn map_device(at: Place, d: &Device, options: &ImportOptions, out: &mut FileImport) {
    if let Some(os) = d.os.as_deref().filter(|os| !is_pc(os)) {
        return not_mapped(
            out,
            format!("operating system {os}: a phone or tablet, not a PC"),
        );
    }
    let device = match options.device_of(&d.name) {
        Ok(device) => device,
        Err(reason) => return not_mapped(out, reason),
    };
    let Some(ts) = parse_time(&d.last_sync).map(|t| t.and_utc().timestamp_micros()) else {
        out.unparsed.push(Unparsed::at(
            at,
            format!("the last check-in {:?} is not a time", d.last_sync),
        ));
        return;
    };
    let key = d.id.clone().unwrap_or_else(|| d.name.clone());
    let base = Event {
        device_id: device,
        ts: Timestamp(ts),
        utc_offset_min: options.utc_offset_min(ts),
        user_name: d.user.clone(),
        source: Some(SOURCE.into()),
        ..Event::default()
    };
    let mut facts = Vec::new();
    if let Some(c) = &d.compliance {
        facts.push(format!("compliance {c}"));
    }
    if let Some(s) = &d.serial {
        facts.push(format!("serial {s}"));
    }
    let detail = (!facts.is_empty()).then(|| format!("Intune: {}", facts.join(", ")));
    match os_of(d) {
        Ok((product, version, build)) => {
            out.events.push(Event {
                kind: EventKind::Inventory,
                op: "os".into(),
                snapshot_id: Some(format!("intune:{key}:{}", Timestamp(ts))),
                os_product: Some(product),
                os_version: Some(version),
                os_build: build,
                detail: detail.clone(),
                event_id: Some(format!("{key}|{}|os", Timestamp(ts))),
                ..base.clone()
            });
            *out.mapped.entry("inventory os".into()).or_default() += 1;
        }
        Err(reason) => not_mapped(out, reason),
    }
    match d.encrypted.as_deref().and_then(encrypted) {
        Some(on) => {
            out.events.push(Event {
                kind: EventKind::Encryption,
                op: "status".into(),
                volume_name: Some("C:".into()),
                volume_role: Some("system".into()),
                protection_on: Some(on),
                protection_state: Some(if on { "on" } else { "off" }.into()),
                detail,
                event_id: Some(format!("{key}|{}|encryption", Timestamp(ts))),
                ..base
            });
            *out.mapped.entry("encryption status".into()).or_default() += 1;
        }
        None => not_mapped(
            out,
            format!(
                "encryption {:?} is not a state Intune reports (true/false, Yes/No): no encryption status",
                d.encrypted.as_deref().unwrap_or("not given")
            ),
        ),
    }
}

/// The OS of a PC as the end-of-support catalog names it: Windows by its
/// feature update, macOS by its version; phones and tablets are not PCs.
fn os_of(d: &Device) -> Result<(String, String, Option<String>), String> {
    let Some(version) = d.os_version.as_deref() else {
        return Err("no OS version".into());
    };
    let os = d.os.as_deref().unwrap_or("Windows").to_lowercase();
    if os.contains("mac") {
        return Ok(("macOS".into(), version.to_owned(), None));
    }
    let edition = d.sku.as_deref().or(d.os.as_deref());
    Ok(match crate::windows::release(version, edition) {
        Some(w) => (w.product, w.version, Some(w.build)),
        None => ("Windows".into(), version.to_owned(), None),
    })
}

/// Whether Intune's operating system names a PC (Windows or macOS), not a
/// phone or tablet.
fn is_pc(os: &str) -> bool {
    let os = os.to_lowercase();
    os.contains("windows") || os.contains("mac")
}

fn not_mapped(out: &mut FileImport, reason: String) {
    *out.not_mapped
        .entry(format!("intune device — {reason}"))
        .or_default() += 1;
}
