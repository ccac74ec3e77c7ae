//! Microsoft Defender for Endpoint advanced hunting exports: device-control
//! verdicts on removable storage, files written to it, and the networks
//! each PC was connected to.
//!
//! Read as the tools write them (the fixtures of
//! `crates/import/tests/fixtures/defender/` cite each column):
//! - the portal's *Export* of a query's results (CSV, one column per
//!   projected column, `AdditionalFields` and `ConnectedNetworks` as JSON
//!   text in their cells);
//! - the API's JSON: Defender for Endpoint's `POST /api/advancedqueries/run`
//!   (`{"Schema": [...], "Results": [...]}`) and Microsoft Graph's
//!   `runHuntingQuery` (`{"schema": [...], "results": [...]}`).
//!
//! What becomes what (each `DeviceEvents` row by its `ActionType`):
//! - `RemovableStoragePolicyTriggered` (device control met a medium): a
//!   `media connect`, blocked when the verdict is a deny; a deny also shows
//!   the storage control was in force on that PC at that time, which is
//!   the shutter-state evidence item 108 needs (`shutter enable`). An
//!   audit verdict let the access happen: not blocked.
//! - `RemovableStorageFileEvent` (device control's file evidence): a
//!   `file write` on the removable volume.
//! - `UsbDriveMounted` and `PnpDeviceConnected` are counted as not mapped:
//!   a mount does not say whether device control let the drive be read
//!   (it mounts a denied drive too), so it can be neither an allowed nor a
//!   blocked connection.
//! - `DeviceNetworkInfo` rows: a `network connect` when an adapter's
//!   network first appears or changes in the export, and once a day while
//!   it lasts (the table is a periodic report, not a connection log). It names the network but not
//!   its security: `auth_method` stays empty, never guessed.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;
use worklog_schema::{Event, EventKind, Timestamp};

use crate::evtx::FileImport;
use crate::options::ImportOptions;
use crate::storage::identify_device;
use crate::table::{decode, parse_csv, parse_time};
use crate::unparsed::{Place, Unparsed};

/// `source` of device events.
pub const SOURCE_EVENTS: &str = "defender:deviceevents";
/// `source` of network reports.
pub const SOURCE_NETWORK: &str = "defender:devicenetworkinfo";

/// The columns a `DeviceEvents` export needs.
pub const EVENTS_COLUMNS: &[&str] = &["Timestamp", "DeviceName", "ActionType"];

/// The columns Microsoft's device-control queries project out of
/// `AdditionalFields` ("Device control report" and "Removable storage
/// access control" pages), and the field each stands for: an export of
/// those queries is read as if it had kept `AdditionalFields`.
const PROJECTED: &[(&str, &str)] = &[
    (
        "removablestoragepolicyverdict",
        "RemovableStoragePolicyVerdict",
    ),
    ("removablestorageaccess", "RemovableStorageAccess"),
    ("removablestoragepolicy", "RemovableStoragePolicy"),
    ("mediaclassname", "ClassName"),
    ("mediaclass", "ClassName"),
    ("mediainstanceid", "DeviceInstanceId"),
    ("instancepathid", "DeviceInstanceId"),
    ("medianame", "MediaName"),
    ("mediaproductid", "ProductId"),
    ("pid", "ProductId"),
    ("mediavendorid", "VendorId"),
    ("vid", "VendorId"),
    ("mediaserialnumber", "SerialNumber"),
    ("serialnumberid", "SerialNumber"),
    ("fileinformationoperation", "DuplicatedOperation"),
];
/// The columns a `DeviceNetworkInfo` export needs.
pub const NETWORK_COLUMNS: &[&str] = &[
    "Timestamp",
    "DeviceName",
    "NetworkAdapterName",
    "NetworkAdapterType",
    "ConnectedNetworks",
];

/// One result row: column (folded: lower case, letters and digits) →
/// value as text.
type Row = BTreeMap<String, String>;

fn folded(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Reads an advanced hunting export (CSV or API JSON) and maps its rows.
pub fn read_file(path: &Path, options: &ImportOptions) -> FileImport {
    let mut out = FileImport {
        file: path.display().to_string(),
        ..FileImport::default()
    };
    let rows = match rows_of(path) {
        Ok((rows, unreadable)) => {
            out.unparsed.extend(unreadable);
            rows
        }
        Err(reason) => {
            out.unreadable = true;
            out.unparsed.push(Unparsed::file(reason));
            return out;
        }
    };
    let mut networks = NetworkState::default();
    let mut indexed: Vec<(i64, usize)> = Vec::new();
    for (i, (at, row)) in rows.iter().enumerate() {
        out.records += 1;
        match time_of(row) {
            Some(ts) => indexed.push((ts, i)),
            None => out.unparsed.push(Unparsed::at(
                *at,
                format!(
                    "the Timestamp {:?} is not a time",
                    row.get("timestamp").map_or("", String::as_str)
                ),
            )),
        }
    }
    // The portal lists newest first: a network's appearance is read in
    // time order.
    indexed.sort();
    for (ts, i) in indexed {
        let (at, row) = &rows[i];
        if row.contains_key("actiontype") {
            map_device_event(ts, row, options, &mut out);
        } else {
            networks.map(*at, ts, row, options, &mut out);
        }
    }
    out
}

type Rows = (Vec<(Place, Row)>, Vec<Unparsed>);

/// The rows of an API answer, the rows that could not be read, and the
/// column names.
type ApiRows = (Vec<(Place, Row)>, Vec<Unparsed>, Vec<String>);

/// AdditionalFields as read.
type Fields = serde_json::Map<String, Value>;

/// How one action's row becomes events, or why it does not.
type Mapper = fn(&Row, &Fields, Event) -> Result<Vec<Event>, String>;

/// The rows of a file, each with where it is (`line N` or `result N`), and
/// the rows that could not be read; an error when the file is no export
/// of the two tables.
fn rows_of(path: &Path) -> Result<Rows, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read the file: {e}"))?;
    let text = decode(&bytes)?;
    let start = text.trim_start();
    let (rows, unreadable, header) = if start.starts_with('{') || start.starts_with('[') {
        api_rows(start)?
    } else {
        let table = parse_csv(&text)?;
        let header: Vec<String> = table.header.iter().map(|h| folded(h)).collect();
        let rows = table
            .rows
            .into_iter()
            .map(|(line, cells)| {
                let row = header
                    .iter()
                    .cloned()
                    .zip(cells)
                    .filter(|(_, v)| !v.trim().is_empty())
                    .collect();
                (Place::Line(line), row)
            })
            .collect();
        (rows, table.unreadable, table.header)
    };
    let has = |columns: &[&str]| {
        columns
            .iter()
            .all(|c| header.iter().any(|h| folded(h) == folded(c)))
    };
    if has(EVENTS_COLUMNS) || has(NETWORK_COLUMNS) {
        Ok((rows, unreadable))
    } else {
        Err(format!(
            "not a Defender advanced hunting export: DeviceEvents needs {}, DeviceNetworkInfo needs {}; the header has {}",
            EVENTS_COLUMNS.join(", "),
            NETWORK_COLUMNS.join(", "),
            header.join(", ")
        ))
    }
}

/// The rows of the API's answer, and the column names of its schema (or
/// of its first row).
fn api_rows(text: &str) -> Result<ApiRows, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let field = |name: &str| {
        value
            .as_object()
            .and_then(|m| m.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)))
            .map(|(_, v)| v)
    };
    let Some(Value::Array(results)) = field("Results") else {
        return Err(
            "not an advanced hunting answer: no `Results` array (Defender API) nor `results` (Graph runHuntingQuery)"
                .into(),
        );
    };
    let mut header: Vec<String> = match field("Schema") {
        Some(Value::Array(columns)) => columns
            .iter()
            .filter_map(|c| {
                c.as_object()?
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("name"))
                    .and_then(|(_, v)| v.as_str())
                    .map(str::to_owned)
            })
            .collect(),
        _ => Vec::new(),
    };
    let mut rows = Vec::new();
    let mut unreadable = Vec::new();
    for (i, item) in results.iter().enumerate() {
        let Some(map) = item.as_object() else {
            unreadable.push(Unparsed::at(Place::Item(i as u64 + 1), "not an object"));
            continue;
        };
        if header.is_empty() {
            header = map.keys().cloned().collect();
        }
        let row = map
            .iter()
            .filter_map(|(k, v)| {
                let text = match v {
                    Value::Null => return None,
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                Some((folded(k), text))
            })
            .collect();
        rows.push((Place::Item(i as u64 + 1), row));
    }
    Ok((rows, unreadable, header))
}

fn time_of(row: &Row) -> Option<i64> {
    parse_time(row.get("timestamp")?).map(|t| t.and_utc().timestamp_micros())
}

fn get<'r>(row: &'r Row, key: &str) -> Option<&'r str> {
    row.get(key).map(|s| s.trim()).filter(|s| !s.is_empty())
}

/// The identity of a row: Defender's `ReportId` is unique per device and
/// time (its documentation: use it with `DeviceName` and `Timestamp`).
fn identity(row: &Row, ts: i64) -> String {
    format!(
        "{}|{}|{}",
        get(row, "deviceid")
            .or(get(row, "devicename"))
            .unwrap_or(""),
        Timestamp(ts),
        get(row, "reportid").unwrap_or("")
    )
}

fn not_mapped(out: &mut FileImport, what: &str, reason: &str) {
    *out.not_mapped
        .entry(format!("{what} — {reason}"))
        .or_default() += 1;
}

fn base(
    device: String,
    ts: i64,
    source: &str,
    user: Option<String>,
    options: &ImportOptions,
) -> Event {
    Event {
        device_id: device,
        ts: Timestamp(ts),
        utc_offset_min: options.utc_offset_min(ts),
        user_name: user,
        source: Some(source.into()),
        ..Event::default()
    }
}

/// The signed-in user a device event names (`InitiatingProcessAccountName`,
/// else `AccountName`), `domain\name` when the domain is given; none for
/// the system's own accounts.
fn user_of(row: &Row) -> Option<String> {
    let (name, domain) = match get(row, "initiatingprocessaccountname") {
        Some(n) => (n, get(row, "initiatingprocessaccountdomain")),
        None => (get(row, "accountname")?, get(row, "accountdomain")),
    };
    let system = ["system", "local service", "network service"];
    if system.contains(&name.to_lowercase().as_str()) {
        return None;
    }
    Some(match domain {
        Some(d) if !d.eq_ignore_ascii_case("nt authority") => format!("{d}\\{name}"),
        _ => name.to_owned(),
    })
}

/// `AdditionalFields`, with the fields a query projected into columns of
/// their own.
fn additional(row: &Row) -> serde_json::Map<String, Value> {
    let mut fields = get(row, "additionalfields")
        .and_then(|t| serde_json::from_str::<Value>(t).ok())
        .and_then(|v| match v {
            Value::Object(map) => Some(map),
            _ => None,
        })
        .unwrap_or_default();
    for (column, field) in PROJECTED {
        if let Some(value) = get(row, column) {
            fields
                .entry((*field).to_owned())
                .or_insert_with(|| Value::String(value.to_owned()));
        }
    }
    fields
}

fn text_of(fields: &serde_json::Map<String, Value>, key: &str) -> Option<String> {
    match fields.get(key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn map_device_event(ts: i64, row: &Row, options: &ImportOptions, out: &mut FileImport) {
    let action = get(row, "actiontype").unwrap_or("");
    let what = format!("DeviceEvents {action}");
    let mapper: Mapper = match action {
        "RemovableStoragePolicyTriggered" => media_verdict,
        "RemovableStorageFileEvent" => removable_file,
        "UsbDriveMounted" | "PnpDeviceConnected" | "UsbDriveUnmounted" => {
            return not_mapped(
                out,
                &what,
                "a mount or connection does not say whether device control let the medium be read: export RemovableStoragePolicyTriggered",
            );
        }
        _ => return not_mapped(out, &what, "not an action the audit reads"),
    };
    let device = match options.device_of(get(row, "devicename").unwrap_or("")) {
        Ok(d) => d,
        Err(reason) => return not_mapped(out, &what, &reason),
    };
    let event = Event {
        event_id: Some(identity(row, ts)),
        ..base(device, ts, SOURCE_EVENTS, user_of(row), options)
    };
    match mapper(row, &additional(row), event) {
        Ok(events) => {
            for e in events {
                *out.mapped
                    .entry(format!("{} {}", e.kind.as_str(), e.op))
                    .or_default() += 1;
                out.events.push(e);
            }
        }
        Err(reason) => not_mapped(out, &what, &reason),
    }
}

/// Whether device control's verdict blocked the access: `Some(true)` for a
/// deny, `Some(false)` for an allow or an audit (which lets it happen).
fn blocked_by(verdict: &str) -> Option<bool> {
    let v = verdict.to_lowercase();
    if v.starts_with("audit") || v.contains("allow") {
        Some(false)
    } else if v.contains("deny") || v.contains("denied") || v.contains("block") {
        Some(true)
    } else {
        None
    }
}

/// The media class of a device-control event: from the PnP instance id
/// when it names one, else from the device class name.
fn medium(fields: &serde_json::Map<String, Value>) -> Result<MediumIds, String> {
    let instance = text_of(fields, "DeviceInstanceId").or_else(|| text_of(fields, "InstanceId"));
    let known = instance.as_deref().and_then(|i| identify_device(i).ok());
    let class = match &known {
        Some(d) => d.class,
        None => {
            let class = text_of(fields, "ClassName").unwrap_or_default();
            match class.to_lowercase().as_str() {
                "diskdrive" | "usb" | "usbstor" | "volume" | "removablemediadevices" => {
                    "mass_storage"
                }
                "wpd" | "wpddevices" => "mtp",
                "cdrom" | "cdromdevices" => "optical",
                "sdhost" => "sd_card",
                _ => return Err(format!("device class {class:?} is not external storage")),
            }
        }
    };
    let hex4 = |s: Option<String>| {
        s.map(|s| s.trim_start_matches("0x").to_lowercase())
            .filter(|s| s.len() == 4 && s.chars().all(|c| c.is_ascii_hexdigit()))
    };
    Ok(MediumIds {
        class,
        vendor: hex4(text_of(fields, "VendorId")).or_else(|| known.as_ref()?.vendor.clone()),
        product: hex4(text_of(fields, "ProductId")).or_else(|| known.as_ref()?.product.clone()),
        name: text_of(fields, "MediaName")
            .or_else(|| known.as_ref()?.name.clone())
            .or_else(|| known.as_ref()?.description.clone()),
        serial: text_of(fields, "SerialNumber").or_else(|| known.as_ref()?.serial.clone()),
    })
}

struct MediumIds {
    class: &'static str,
    vendor: Option<String>,
    product: Option<String>,
    name: Option<String>,
    serial: Option<String>,
}

fn media_verdict(
    row: &Row,
    fields: &serde_json::Map<String, Value>,
    event: Event,
) -> Result<Vec<Event>, String> {
    let verdict = text_of(fields, "RemovableStoragePolicyVerdict").unwrap_or_default();
    let blocked = blocked_by(&verdict)
        .ok_or_else(|| format!("verdict {verdict:?} is neither an allow, a deny nor an audit"))?;
    let m = medium(fields)?;
    let access = text_of(fields, "RemovableStorageAccess").unwrap_or_default();
    let policy = text_of(fields, "RemovableStoragePolicy").unwrap_or_default();
    let detail = format!("Defender device control: {verdict} {access} (policy {policy})");
    let connect = Event {
        kind: EventKind::Media,
        op: "connect".into(),
        media_class: Some(m.class.into()),
        blocked: Some(blocked),
        vendor_id: m.vendor,
        product_id: m.product,
        media_name: m.name,
        media_serial: m.serial,
        volume_name: get(row, "folderpath").and_then(drive_of),
        detail: Some(detail.clone()),
        ..event.clone()
    };
    let mut events = vec![connect];
    if blocked {
        events.push(Event {
            kind: EventKind::Shutter,
            op: "enable".into(),
            detail: Some(format!("{detail}: the storage control held")),
            event_id: event.event_id.as_ref().map(|id| format!("{id}|shutter")),
            ..event
        });
    }
    Ok(events)
}

fn removable_file(
    row: &Row,
    fields: &serde_json::Map<String, Value>,
    event: Event,
) -> Result<Vec<Event>, String> {
    let folder = get(row, "folderpath").ok_or("no FolderPath")?;
    let path = match get(row, "filename") {
        Some(name) if !folder.ends_with(name) => {
            format!("{}\\{name}", folder.trim_end_matches('\\'))
        }
        _ => folder.to_owned(),
    };
    if event.user_name.is_none() {
        return Err("no signed-in user (InitiatingProcessAccountName)".into());
    }
    let operation = text_of(fields, "DuplicatedOperation").unwrap_or_else(|| "Write".into());
    Ok(vec![Event {
        kind: EventKind::File,
        op: "write".into(),
        file_path: Some(path.clone()),
        src_volume: drive_of(&path),
        src_removable: Some(true),
        file_size: get(row, "filesize").and_then(|s| s.parse().ok()),
        exe_name: get(row, "initiatingprocessfilename").map(str::to_owned),
        detail: Some(format!(
            "Defender device control file evidence: {operation}"
        )),
        ..event
    }])
}

/// `E:` of `E:\dir\file`.
fn drive_of(path: &str) -> Option<String> {
    let mut chars = path.chars();
    match (chars.next(), chars.next()) {
        (Some(letter), Some(':')) if letter.is_ascii_alphabetic() => {
            Some(format!("{}:", letter.to_ascii_uppercase()))
        }
        _ => None,
    }
}

/// The network each adapter was last seen on, so that a periodic report of
/// an unchanged connection is not a new connection.
#[derive(Default)]
struct NetworkState {
    last: BTreeMap<(String, String), (String, i64)>,
}

impl NetworkState {
    fn map(
        &mut self,
        at: Place,
        ts: i64,
        row: &Row,
        options: &ImportOptions,
        out: &mut FileImport,
    ) {
        let what = "DeviceNetworkInfo";
        let device = match options.device_of(get(row, "devicename").unwrap_or("")) {
            Ok(d) => d,
            Err(reason) => return not_mapped(out, what, &reason),
        };
        if get(row, "networkadapterstatus").is_some_and(|s| !s.eq_ignore_ascii_case("up")) {
            return not_mapped(out, what, "adapter not up");
        }
        let adapter_type = get(row, "networkadaptertype").unwrap_or("");
        let Some(if_type) = interface_type(adapter_type) else {
            return not_mapped(
                out,
                what,
                &format!("adapter type {adapter_type:?} is no network connection"),
            );
        };
        let networks = match get(row, "connectednetworks").map(serde_json::from_str::<Value>) {
            None => return not_mapped(out, what, "no connected network"),
            Some(Ok(Value::Array(items))) => items,
            Some(_) => {
                return out
                    .unparsed
                    .push(Unparsed::at(at, "ConnectedNetworks is not a JSON array"));
            }
        };
        let names: Vec<String> = networks
            .iter()
            .filter_map(|n| n.get("Name").and_then(Value::as_str))
            .map(str::to_owned)
            .collect();
        if names.is_empty() {
            return not_mapped(out, what, "no connected network");
        }
        let adapter = get(row, "networkadaptername").unwrap_or("").to_owned();
        // The table reports a connection again and again: a network is a
        // new connection when it changes, and once a day while it lasts
        // (each day's evidence that the PC was on it).
        let local_day =
            (ts + i64::from(options.utc_offset_min(ts)) * 60_000_000).div_euclid(86_400_000_000);
        let key = (device.clone(), adapter);
        let seen = (names.join("\n"), local_day);
        if self.last.get(&key) == Some(&seen) {
            return not_mapped(
                out,
                what,
                "the same network as the adapter's previous report that day",
            );
        }
        self.last.insert(key, seen);
        let gateway = get(row, "defaultgateways")
            .and_then(|t| serde_json::from_str::<Vec<String>>(t).ok())
            .and_then(|g| g.into_iter().next());
        for (i, name) in names.into_iter().enumerate() {
            let category = networks
                .get(i)
                .and_then(|n| n.get("Category"))
                .and_then(Value::as_str)
                .unwrap_or("");
            out.events.push(Event {
                kind: EventKind::Network,
                op: "connect".into(),
                if_type: Some(if_type.into()),
                // Windows names a wired network by its domain or
                // "Network N": only a Wi-Fi's name is an SSID.
                ssid: (if_type == "wifi").then(|| name.clone()),
                gateway_ip: gateway.clone(),
                detail: Some(format!("Defender: network {name}, category {category}")),
                event_id: Some(format!("{}|{name}", identity(row, ts))),
                ..base(device.clone(), ts, SOURCE_NETWORK, None, options)
            });
            *out.mapped.entry("network connect".into()).or_default() += 1;
        }
    }
}

/// The schema's interface type of a Windows adapter type
/// (`NetworkAdapterType`, the `NetworkInterfaceType` enumeration).
fn interface_type(adapter: &str) -> Option<&'static str> {
    let a = adapter.to_lowercase();
    if a.contains("wireless80211") || a.contains("wifi") {
        Some("wifi")
    } else if a.contains("ethernet") || a == "gigabitethernet" || a == "fastethernett" {
        Some("ethernet")
    } else if a.contains("wwan") || a.contains("wman") {
        Some("cellular")
    } else if a == "ppp" || a == "tunnel" {
        Some("vpn")
    } else {
        None
    }
}
