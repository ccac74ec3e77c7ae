//! The event record and its columns.

use std::sync::{Arc, OnceLock};

use arrow_array::{Array, RecordBatch};
use arrow_schema::{Field, Schema, SchemaRef};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::value::{ColumnValue, Date, Timestamp};

/// The family of an observed action; [`Event::op`] says which action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EventKind {
    /// Application/process start or window focus.
    App,
    /// A web page visit or upload.
    Web,
    /// A file operation.
    File,
    /// A network connection or disconnection.
    Network,
    /// Removable media attached or removed.
    Media,
    /// The storage shutter (removable-media block) switched.
    Shutter,
    /// A mail client sent with an account.
    Mail,
    /// Software installed or uninstalled.
    Software,
    /// An inventory snapshot row (OS or one installed product).
    Inventory,
    /// Disk-encryption status of one volume.
    Encryption,
    /// The protected "ghost drive" mounted or unmounted.
    GhostDrive,
    /// A remote-lock command received or executed.
    RemoteLock,
    /// Logon, logoff, lock or unlock.
    Session,
    /// The endpoint agent's own lifecycle.
    Agent,
}

impl EventKind {
    /// Every kind, in a fixed order.
    pub const ALL: [EventKind; 14] = [
        EventKind::App,
        EventKind::Web,
        EventKind::File,
        EventKind::Network,
        EventKind::Media,
        EventKind::Shutter,
        EventKind::Mail,
        EventKind::Software,
        EventKind::Inventory,
        EventKind::Encryption,
        EventKind::GhostDrive,
        EventKind::RemoteLock,
        EventKind::Session,
        EventKind::Agent,
    ];

    /// The name stored in the `kind` column.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::App => "app",
            EventKind::Web => "web",
            EventKind::File => "file",
            EventKind::Network => "network",
            EventKind::Media => "media",
            EventKind::Shutter => "shutter",
            EventKind::Mail => "mail",
            EventKind::Software => "software",
            EventKind::Inventory => "inventory",
            EventKind::Encryption => "encryption",
            EventKind::GhostDrive => "ghost_drive",
            EventKind::RemoteLock => "remote_lock",
            EventKind::Session => "session",
            EventKind::Agent => "agent",
        }
    }

    /// The kind stored under `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Declares the columns once: the struct, the schema and the conversions
/// all come from this list, in this order (the order is part of the
/// ledger's canonical encoding).
macro_rules! event_columns {
    ($( $(#[doc = $doc:literal])* $name:ident : $ty:ty ),* $(,)?) => {
        /// One observed action on one device: a row of the event table.
        ///
        /// Fields map one-to-one to columns; see `docs/field-reference.md`
        /// for types, the kinds that set each column, and examples.
        #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct Event {
            $( $(#[doc = $doc])* #[serde(skip_serializing_if = "crate::value::is_absent")] pub $name: $ty, )*
        }

        /// Column names in schema order.
        pub const COLUMN_NAMES: &[&str] = &[$(stringify!($name)),*];

        fn build_fields() -> Vec<Field> {
            vec![$( Field::new(stringify!($name), <$ty as ColumnValue>::data_type(), <$ty as ColumnValue>::NULLABLE) ),*]
        }

        impl Event {
            /// Whether the column `name` holds a value in this event
            /// (`None` for an unknown column).
            pub fn is_set(&self, name: &str) -> Option<bool> {
                match name {
                    $( stringify!($name) => Some(ColumnValue::is_present(&self.$name)), )*
                    _ => None,
                }
            }

            /// The text columns that hold a value, with the value.
            pub fn text_fields(&self) -> impl Iterator<Item = (&'static str, &str)> {
                [$( (stringify!($name), ColumnValue::as_text(&self.$name)) ),*]
                    .into_iter()
                    .filter_map(|(name, value)| value.map(|v| (name, v)))
            }

            /// Names of the columns that hold a value, in schema order.
            pub fn set_columns(&self) -> impl Iterator<Item = &'static str> + '_ {
                [$( (stringify!($name), ColumnValue::is_present(&self.$name)) ),*]
                    .into_iter()
                    .filter(|(_, set)| *set)
                    .map(|(name, _)| name)
            }
        }

        /// Converts events to one Arrow record batch of [`event_schema`].
        pub fn events_to_batch(events: &[Event]) -> Result<RecordBatch> {
            let columns = vec![$( <$ty as ColumnValue>::to_array(events.iter().map(|e| &e.$name)) ),*];
            Ok(RecordBatch::try_new(event_schema(), columns)?)
        }

        /// Reads events back from a record batch with the event columns
        /// (extra columns, such as a ledger's digest column, are ignored).
        pub fn batch_to_events(batch: &RecordBatch) -> Result<Vec<Event>> {
            $(
                let mut $name = <$ty as ColumnValue>::from_array(
                    stringify!($name),
                    column(batch, stringify!($name))?,
                )?.into_iter();
            )*
            let mut events = Vec::with_capacity(batch.num_rows());
            for _ in 0..batch.num_rows() {
                events.push(Event { $( $name: $name.next().unwrap_or_default(), )* });
            }
            Ok(events)
        }
    };
}

fn column<'a>(batch: &'a RecordBatch, name: &'static str) -> Result<&'a dyn Array> {
    batch
        .column_by_name(name)
        .map(|c| c.as_ref())
        .ok_or(Error::MissingColumn { column: name })
}

event_columns! {
    /// Per-device sequence number, 1 for the device's first event, +1 per event.
    seq: u64,
    /// When it happened (UTC, microseconds).
    ts: Timestamp,
    /// The device's UTC offset at that time, in minutes (540 for JST).
    utc_offset_min: i32,
    /// The device's identifier in the inventory.
    device_id: String,
    /// The signed-in account that acted, if any.
    user_name: Option<String>,
    /// The event family.
    kind: EventKind,
    /// The action within the family (see the kind table).
    op: String,
    /// Executable file name (app; process that did a file operation).
    exe_name: Option<String>,
    /// Full executable path.
    exe_path: Option<String>,
    /// Window title at start/focus.
    window_title: Option<String>,
    /// SHA-256 of the executable, 64 lowercase hex digits.
    file_sha256: Option<String>,
    /// Full URL visited or uploaded to.
    url: Option<String>,
    /// Host name of the URL.
    web_domain: Option<String>,
    /// Browser name.
    browser: Option<String>,
    /// Bytes sent in an upload.
    bytes_sent: Option<i64>,
    /// File path operated on (the source for copy/move/rename).
    file_path: Option<String>,
    /// Destination path for copy/move/rename.
    target_path: Option<String>,
    /// File size in bytes.
    file_size: Option<i64>,
    /// Volume of `file_path` (drive letter or mount point).
    src_volume: Option<String>,
    /// Volume of `target_path`.
    dst_volume: Option<String>,
    /// Whether the source volume is removable media.
    src_removable: Option<bool>,
    /// Whether the target volume is removable media.
    dst_removable: Option<bool>,
    /// Interface type: wifi, ethernet, cellular, vpn.
    if_type: Option<String>,
    /// Wi-Fi network name.
    ssid: Option<String>,
    /// Wi-Fi access point MAC address.
    bssid: Option<String>,
    /// Authentication: open, wep, wpa_psk, wpa2_psk, wpa2_enterprise, wpa3_sae, wpa3_enterprise, none (wired).
    auth_method: Option<String>,
    /// Cipher: none, wep, tkip, ccmp, gcmp.
    cipher: Option<String>,
    /// Default gateway IP address.
    gateway_ip: Option<String>,
    /// Media class: mass_storage, sd_card, mtp, ptp, optical, hid, charge_only.
    media_class: Option<String>,
    /// USB vendor id, 4 hex digits.
    vendor_id: Option<String>,
    /// USB product id, 4 hex digits.
    product_id: Option<String>,
    /// Media serial number.
    media_serial: Option<String>,
    /// Volume (drive letter or label) of media, an encrypted volume or the ghost drive.
    volume_name: Option<String>,
    /// Whether the agent blocked the action (media connect, software install).
    blocked: Option<bool>,
    /// Approval ticket behind a shutter change.
    ticket_id: Option<String>,
    /// Who approved the shutter change.
    approver: Option<String>,
    /// Start of the approved window (UTC).
    window_start: Option<Timestamp>,
    /// End of the approved window (UTC).
    window_end: Option<Timestamp>,
    /// Mail client name.
    mail_client: Option<String>,
    /// Sender address used, normalised: the RFC 5322 addr-spec without
    /// display name or angle brackets, its domain lower-cased and in
    /// Unicode (IDNA): what rules compare.
    sender_address: Option<String>,
    /// Software product name.
    product_name: Option<String>,
    /// Software product version.
    product_version: Option<String>,
    /// Software publisher.
    publisher: Option<String>,
    /// Whether the install ran elevated.
    elevated: Option<bool>,
    /// Identifier shared by the rows of one inventory snapshot.
    snapshot_id: Option<String>,
    /// Operating system product name.
    os_product: Option<String>,
    /// Operating system version.
    os_version: Option<String>,
    /// Operating system build.
    os_build: Option<String>,
    /// Date of the last applied OS patch.
    last_patch_date: Option<Date>,
    /// Role of an encrypted volume: system, ghost_drive, data.
    volume_role: Option<String>,
    /// Whether protection (encryption) is on.
    protection_on: Option<bool>,
    /// Encryption method, e.g. xts_aes_256.
    encryption_method: Option<String>,
    /// Remote-lock command identifier.
    command_id: Option<String>,
    /// Agent version.
    agent_version: Option<String>,
    /// Free text detail (agent configuration change, log-clear attempt).
    detail: Option<String>,
    /// Where an imported event came from: `evtx:<channel>` (a Windows
    /// event log) or `osquery:<query name>`; absent for the agent's own.
    source: Option<String>,
    /// The record's number in its source (the channel's EventRecordID):
    /// re-imports skip what is already stored, and a hole in the numbers
    /// shows a cleared or lost log.
    source_record_id: Option<i64>,
    /// The collector's own identifier of the event, when it has one: a
    /// re-delivered event with the same identifier is stored once.
    event_id: Option<String>,
    // Schema 3 appended the columns below; later versions append too, so
    // that the first columns of every version are those of the one before.
    /// Vendor and product as the USB ID database names them (a phone or
    /// camera: `Apple, Inc. iPhone 5/5C/5S/6/SE/7/8/X/XR`).
    media_name: Option<String>,
    /// The domain of `sender_address`, normalised the same way.
    sender_domain: Option<String>,
    /// The sender exactly as the source wrote it, when that differs from
    /// `sender_address` (a display name, `<>`, upper case, an ACE domain):
    /// kept as evidence.
    sender_original: Option<String>,
    /// The protection state behind `protection_on`: on, off, suspended
    /// (encrypted, key in the clear until resumed), decrypting, encrypting.
    protection_state: Option<String>,
    /// A message's recipients, normalised addresses separated by `, `.
    recipients: Option<String>,
    /// A message's delivery status as the mail service reports it
    /// (Exchange Online: Delivered, Failed, Pending, Quarantined, …).
    mail_status: Option<String>,
}

impl Default for EventKind {
    /// `agent`, the kind every device can emit; only used for
    /// `Event::default()`.
    fn default() -> Self {
        EventKind::Agent
    }
}

/// The Arrow schema of the event table (shared, built once).
pub fn event_schema() -> SchemaRef {
    static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            let metadata: std::collections::HashMap<String, String> = [(
                crate::SCHEMA_VERSION_KEY.to_owned(),
                crate::SCHEMA_VERSION.to_string(),
            )]
            .into_iter()
            .collect();
            Arc::new(Schema::new_with_metadata(build_fields(), metadata))
        })
        .clone()
}

impl Event {
    /// A new event with the common fields set and every typed field empty.
    pub fn new(
        device_id: impl Into<String>,
        seq: u64,
        ts: Timestamp,
        utc_offset_min: i32,
        kind: EventKind,
        op: impl Into<String>,
    ) -> Self {
        Event {
            seq,
            ts,
            utc_offset_min,
            device_id: device_id.into(),
            kind,
            op: op.into(),
            ..Event::default()
        }
    }
}
