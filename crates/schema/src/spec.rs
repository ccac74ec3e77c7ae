//! Which columns each kind of event sets: the table validation and the
//! field reference are checked against.

use crate::EventKind;

/// Columns every event sets.
pub const COMMON_REQUIRED: &[&str] = &["seq", "ts", "utc_offset_min", "device_id", "kind", "op"];

/// Columns any event may set.
pub const COMMON_OPTIONAL: &[&str] = &[
    "user_name",
    "detail",
    "source",
    "source_record_id",
    "event_id",
];

/// The columns one `kind`/`op` pair requires and allows.
#[derive(Debug, Clone, Copy)]
pub struct OpSpec {
    /// The event family.
    pub kind: EventKind,
    /// The actions this entry covers.
    pub ops: &'static [&'static str],
    /// Columns that must be set (beyond [`COMMON_REQUIRED`]).
    pub required: &'static [&'static str],
    /// Columns that may be set (beyond [`COMMON_OPTIONAL`]).
    pub optional: &'static [&'static str],
}

const NET_FIELDS: &[&str] = &["ssid", "bssid", "auth_method", "cipher", "gateway_ip"];

/// The specification of every kind and action.
pub const OP_SPECS: &[OpSpec] = &[
    OpSpec {
        kind: EventKind::App,
        ops: &["start", "focus"],
        required: &["user_name", "exe_name"],
        optional: &["exe_path", "window_title", "file_sha256"],
    },
    OpSpec {
        kind: EventKind::Web,
        ops: &["visit", "upload"],
        required: &["url", "web_domain"],
        optional: &["browser", "bytes_sent"],
    },
    OpSpec {
        kind: EventKind::File,
        ops: &["create", "read", "write", "delete"],
        required: &["user_name", "file_path"],
        optional: &["file_size", "src_volume", "src_removable", "exe_name"],
    },
    OpSpec {
        kind: EventKind::File,
        ops: &["copy", "move", "rename"],
        required: &["user_name", "file_path", "target_path"],
        optional: &[
            "file_size",
            "src_volume",
            "dst_volume",
            "src_removable",
            "dst_removable",
            "exe_name",
        ],
    },
    OpSpec {
        kind: EventKind::Network,
        ops: &["connect"],
        required: &["if_type"],
        optional: NET_FIELDS,
    },
    OpSpec {
        kind: EventKind::Network,
        ops: &["disconnect"],
        required: &["if_type"],
        optional: NET_FIELDS,
    },
    OpSpec {
        kind: EventKind::Media,
        ops: &["connect"],
        required: &["media_class", "blocked"],
        optional: &[
            "vendor_id",
            "product_id",
            "media_name",
            "media_serial",
            "volume_name",
        ],
    },
    OpSpec {
        kind: EventKind::Media,
        ops: &["disconnect"],
        required: &["media_class"],
        optional: &[
            "vendor_id",
            "product_id",
            "media_name",
            "media_serial",
            "volume_name",
        ],
    },
    OpSpec {
        kind: EventKind::Shutter,
        ops: &["enable"],
        required: &[],
        optional: &["ticket_id", "approver"],
    },
    OpSpec {
        kind: EventKind::Shutter,
        ops: &["disable"],
        required: &[],
        optional: &[
            "ticket_id",
            "approver",
            "window_start",
            "window_end",
            "media_serial",
        ],
    },
    OpSpec {
        kind: EventKind::Mail,
        ops: &["send", "receive"],
        required: &["user_name", "sender_address", "sender_domain"],
        optional: &[
            "mail_client",
            "sender_original",
            "recipients",
            "mail_status",
        ],
    },
    OpSpec {
        kind: EventKind::Software,
        ops: &["install", "uninstall"],
        required: &["user_name", "product_name", "blocked"],
        optional: &["product_version", "publisher", "elevated"],
    },
    OpSpec {
        kind: EventKind::Inventory,
        ops: &["os"],
        required: &["snapshot_id", "os_product", "os_version"],
        optional: &["os_build", "last_patch_date"],
    },
    OpSpec {
        kind: EventKind::Inventory,
        ops: &["software"],
        required: &["snapshot_id", "product_name"],
        optional: &["product_version", "publisher"],
    },
    OpSpec {
        kind: EventKind::Encryption,
        ops: &["status"],
        required: &["volume_name", "volume_role", "protection_on"],
        optional: &["encryption_method", "protection_state"],
    },
    OpSpec {
        kind: EventKind::Encryption,
        ops: &["resume"],
        required: &["volume_name", "volume_role"],
        optional: &["encryption_method"],
    },
    OpSpec {
        kind: EventKind::GhostDrive,
        ops: &["mount", "unmount"],
        required: &["volume_name"],
        optional: &["if_type", "ssid", "bssid", "gateway_ip"],
    },
    OpSpec {
        kind: EventKind::RemoteLock,
        ops: &["command", "executed"],
        required: &["command_id"],
        optional: &["approver"],
    },
    OpSpec {
        kind: EventKind::Session,
        ops: &["logon", "logoff", "lock", "unlock"],
        required: &["user_name"],
        optional: &[],
    },
    OpSpec {
        kind: EventKind::Agent,
        ops: &[
            "start",
            "stop",
            "heartbeat",
            "config_change",
            "log_clear_attempt",
            "shutdown",
            "sleep",
            "resume",
            "source_gap",
            "source_span",
        ],
        required: &[],
        optional: &["agent_version"],
    },
];

/// The specification for `kind`/`op`, if the pair exists.
pub fn op_spec(kind: EventKind, op: &str) -> Option<&'static OpSpec> {
    OP_SPECS
        .iter()
        .find(|spec| spec.kind == kind && spec.ops.contains(&op))
}

/// The actions valid for `kind`.
pub fn ops_of(kind: EventKind) -> Vec<&'static str> {
    OP_SPECS
        .iter()
        .filter(|spec| spec.kind == kind)
        .flat_map(|spec| spec.ops.iter().copied())
        .collect()
}

/// The kinds that may set column `name`.
pub fn kinds_setting(name: &str) -> Vec<EventKind> {
    if COMMON_REQUIRED.contains(&name) || COMMON_OPTIONAL.contains(&name) {
        return EventKind::ALL.to_vec();
    }
    let mut kinds: Vec<EventKind> = OP_SPECS
        .iter()
        .filter(|spec| spec.required.contains(&name) || spec.optional.contains(&name))
        .map(|spec| spec.kind)
        .collect();
    kinds.dedup();
    kinds
}

/// Allowed values of the enumerated text columns.
pub const ENUMERATED: &[(&str, &[&str])] = &[
    ("if_type", &["wifi", "ethernet", "cellular", "vpn"]),
    (
        "auth_method",
        &[
            "none",
            "open",
            "wep",
            "wpa_psk",
            "wpa2_psk",
            "wpa2_enterprise",
            "wpa3_sae",
            "wpa3_enterprise",
        ],
    ),
    ("cipher", &["none", "wep", "tkip", "ccmp", "gcmp"]),
    (
        "media_class",
        &[
            "mass_storage",
            "sd_card",
            "mtp",
            "ptp",
            "optical",
            "hid",
            "charge_only",
        ],
    ),
    ("volume_role", &["system", "ghost_drive", "data"]),
    (
        "protection_state",
        &["on", "off", "suspended", "decrypting", "encrypting"],
    ),
];
