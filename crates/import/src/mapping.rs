//! Which Windows events become which events of the schema, and from which
//! fields (Microsoft's documented layouts; the table an auditor checks is
//! `docs/evtx-mapping.md`, and a test keeps the two in step).

use worklog_schema::{Event, EventKind, Timestamp};

use crate::record::Record;
use crate::{bitlocker, storage};

pub use crate::storage::{StorageDevice, identify_device, storage_device};

/// What one record became.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Mapping {
    /// An event of the schema (device, time, source and seq still to be
    /// checked and numbered by the caller).
    Event(Box<Event>),
    /// Not an event the audit uses, with why (`no mapping` for an event id
    /// the table does not list).
    NotMapped(String),
}

/// A row of the mapping table: which records, what they become.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Channel (`Security`, `System`, …).
    pub channel: &'static str,
    /// Provider name.
    pub provider: &'static str,
    /// Event ids.
    pub ids: &'static [u32],
    /// Kind and operation (`session logon`, …).
    pub becomes: &'static str,
    /// Which field feeds which column.
    pub fields: &'static str,
}

const SECURITY: &str = "Microsoft-Windows-Security-Auditing";
const UMDF: &str = "Microsoft-Windows-DriverFrameworks-UserMode";

/// The mapping table (also printed in `docs/evtx-mapping.md`).
pub const RULES: &[Rule] = &[
    Rule {
        channel: "Security",
        provider: SECURITY,
        ids: &[4624],
        becomes: "session logon (logon types 2, 10, 11), session unlock (type 7)",
        fields: "TargetUserName → user_name; other logon types (service, network, batch) are not mapped, with the type as the reason",
    },
    Rule {
        channel: "Security",
        provider: SECURITY,
        ids: &[4634],
        becomes: "session logoff (logon types 2, 10, 11)",
        fields: "TargetUserName → user_name",
    },
    Rule {
        channel: "Security",
        provider: SECURITY,
        ids: &[4647],
        becomes: "session logoff",
        fields: "TargetUserName → user_name",
    },
    Rule {
        channel: "Security",
        provider: SECURITY,
        ids: &[4800],
        becomes: "session lock",
        fields: "TargetUserName → user_name",
    },
    Rule {
        channel: "Security",
        provider: SECURITY,
        ids: &[4801],
        becomes: "session unlock",
        fields: "TargetUserName → user_name",
    },
    Rule {
        channel: "Security",
        provider: SECURITY,
        ids: &[4688],
        becomes: "app start",
        fields: "NewProcessName → exe_path (its file name → exe_name); TargetUserName, else SubjectUserName → user_name",
    },
    Rule {
        channel: "Security",
        provider: SECURITY,
        ids: &[6416],
        becomes: "media connect (storage devices, phones and cameras only)",
        fields: "DeviceId → media_class, vendor_id and product_id (USB VID_/PID_), media_serial; DeviceDescription (else USBSTOR's VEN_/PROD_ names) → volume_name; a plain USB id is a phone or camera (mtp/ptp) when the USB ID database names one, its names → media_name; blocked = false",
    },
    Rule {
        channel: "Security",
        provider: "Microsoft-Windows-Eventlog",
        ids: &[1102],
        becomes: "agent log_clear_attempt",
        fields: "SubjectUserName → user_name; detail = `Security log cleared`",
    },
    Rule {
        channel: "System",
        provider: "Microsoft-Windows-Eventlog",
        ids: &[104],
        becomes: "agent log_clear_attempt",
        fields: "SubjectUserName → user_name; Channel → detail (`<channel> log cleared`)",
    },
    Rule {
        channel: "System",
        provider: "EventLog",
        ids: &[6005],
        becomes: "agent start",
        fields: "detail = `event log service started (boot)`",
    },
    Rule {
        channel: "System",
        provider: "EventLog",
        ids: &[6006],
        becomes: "agent shutdown",
        fields: "detail = `event log service stopped (shutdown)`",
    },
    Rule {
        channel: "System",
        provider: "Microsoft-Windows-Kernel-General",
        ids: &[12],
        becomes: "agent start",
        fields: "detail = `operating system started`",
    },
    Rule {
        channel: "System",
        provider: "Microsoft-Windows-Kernel-General",
        ids: &[13],
        becomes: "agent shutdown",
        fields: "detail = `operating system shut down`",
    },
    Rule {
        channel: "System",
        provider: "Microsoft-Windows-UserPnp",
        ids: &[20001, 20003],
        becomes: "media connect (storage devices, phones and cameras only)",
        fields: "DeviceInstanceID → media_class, vendor_id and product_id (USB VID_/PID_), media_serial; USBSTOR's VEN_/PROD_ names → volume_name; a plain USB id is a phone or camera (mtp/ptp) when the USB ID database names one, its names → media_name; blocked = false",
    },
    Rule {
        channel: "Microsoft-Windows-Kernel-PnP/Configuration",
        provider: "Microsoft-Windows-Kernel-PnP",
        ids: &[400, 410],
        becomes: "media connect (storage devices, phones and cameras only)",
        fields: "DeviceInstanceId → media_class, vendor_id and product_id (USB VID_/PID_), media_serial; USBSTOR's VEN_/PROD_ names → volume_name; a plain USB id is a phone or camera (mtp/ptp) when the USB ID database names one, its names → media_name; blocked = false",
    },
    Rule {
        channel: "Microsoft-Windows-Partition/Diagnostic",
        provider: "Microsoft-Windows-Partition",
        ids: &[1006],
        becomes: "media connect (removable disks; Capacity 0 = removal → media disconnect)",
        fields: "ParentId → vendor_id, product_id; SerialNumber → media_serial; Model → volume_name; media_class = mass_storage",
    },
    Rule {
        channel: "Microsoft-Windows-DriverFrameworks-UserMode/Operational",
        provider: "Microsoft-Windows-DriverFrameworks-UserMode",
        ids: &[2003],
        becomes: "media connect (storage devices, phones and cameras only: the user-mode driver host loads drivers for a device as it arrives; other devices are not mapped, named by their USB ids and the USB ID database)",
        fields: "UserData InstanceId (or the older `instance` attribute) → media_class, vendor_id, product_id, media_serial as for PnP ids; a volume id carrying `USBSTOR#DISK&VEN_…&PROD_…#SERIAL` is read as that USB disk; a plain USB id (`USB\\VID_05AC&PID_12A8&MI_00\\…`) is a phone or camera when the USB ID database names one: a name stating MTP or PTP, an iPhone/iPad/iPod or a digital camera (ptp), another phone (mtp); its vendor and product names → media_name; USBSTOR's VEN_/PROD_ names → volume_name; blocked = false",
    },
    Rule {
        channel: "Microsoft-Windows-DriverFrameworks-UserMode/Operational",
        provider: "Microsoft-Windows-DriverFrameworks-UserMode",
        ids: &[2100, 2101],
        becomes: "media disconnect (2101, a completed PnP request IRP_MJ_PNP 27 / IRP_MN_REMOVE_DEVICE 2 with status 0, storage devices, phones and cameras only); 2100 (the same request received) and other requests are not mapped, with the request as the reason",
        fields: "InstanceId → as 2003; RequestMajorCode / RequestMinorCode (or the older Request major/minor attributes), Status",
    },
    Rule {
        channel: "Microsoft-Windows-BitLocker/BitLocker Management",
        provider: bitlocker::API,
        ids: &[768, 769, 770, 771, 772, 773, 778],
        becomes: "encryption status, protection_on = false, protection_state: encrypting (768 encryption started, 769 scheduled, 772 restarted), decrypting (770 decryption started), off (771 encryption stopped, 778 volume reverted to unprotected), suspended (773 protection suspended): each says the volume was not protected then",
        fields: "VolumeMountPoint (`%3`; else VolumeName, the volume GUID path) → volume_name (`C:` → volume_role system, else data); AlgorithmType → encryption_method (0x8000 aes_128_diffuser, 0x8001 aes_256_diffuser, 0x8002 aes_128, 0x8003 aes_256, 0x8004 xts_aes_128, 0x8005 xts_aes_256, else `algorithm <n>`); detail = `BitLocker <id>: <what happened>`",
    },
    Rule {
        channel: "Microsoft-Windows-BitLocker/BitLocker Management",
        provider: bitlocker::API,
        ids: &[774],
        becomes: "encryption resume (protection resumed: ends a suspension, 773; says nothing of a volume that was not suspended, so it never stands for an encrypted disk)",
        fields: "VolumeMountPoint (else VolumeName) → volume_name, volume_role as for 768; detail = `BitLocker 774: protection resumed`",
    },
    Rule {
        channel: "Microsoft-Windows-BitLocker/BitLocker Management",
        provider: bitlocker::API,
        ids: &[775, 776],
        becomes: "not mapped, with the reason (key protector created or removed): neither shows a fully encrypted volume with an enabled protector, so neither may stand for an encrypted disk",
        fields: "—",
    },
    Rule {
        channel: "System",
        provider: bitlocker::DRIVER,
        ids: &[24577, 24578, 24580, 24581, 24582, 24646, 24647],
        becomes: "encryption status, protection_on = false, protection_state: encrypting (24577 encryption started, 24646 used-space encryption started), decrypting (24580 decryption started), off (24578, 24647 encryption stopped; 24581 decryption stopped; 24582 decryption completed)",
        fields: "VolumeName (`%2`, after VolumeNameLength; else the second Data value) → volume_name (`C:` → volume_role system, else data); detail = `BitLocker <id>: <what happened>`",
    },
    Rule {
        channel: "System",
        provider: bitlocker::DRIVER,
        ids: &[24579, 24648],
        becomes: "not mapped, with the reason (encryption completed): a fully encrypted volume is protected only with an enabled key protector (device encryption completes with a clear key), which this event does not say",
        fields: "—",
    },
    Rule {
        channel: "Microsoft-Windows-WLAN-AutoConfig/Operational",
        provider: "Microsoft-Windows-WLAN-AutoConfig",
        ids: &[8001],
        becomes: "network connect",
        fields: "if_type = wifi; SSID → ssid; AuthenticationAlgorithm → auth_method; CipherAlgorithm → cipher",
    },
    Rule {
        channel: "Microsoft-Windows-WLAN-AutoConfig/Operational",
        provider: "Microsoft-Windows-WLAN-AutoConfig",
        ids: &[8003],
        becomes: "network disconnect",
        fields: "if_type = wifi; SSID → ssid",
    },
    Rule {
        channel: "Application",
        provider: "MsiInstaller",
        ids: &[1033, 11707],
        becomes: "software install",
        fields: "1033: Data[0] product → product_name, Data[1] → product_version, Data[4] → publisher, Data[3] status ≠ 0 → blocked; 11707: `Product: <name> --` → product_name; user from System.Security.UserID is not resolved: user_name = `-`",
    },
    Rule {
        channel: "Application",
        provider: "MsiInstaller",
        ids: &[1034, 11724],
        becomes: "software uninstall",
        fields: "as 1033 / 11707",
    },
    Rule {
        channel: "Microsoft-Windows-Sysmon/Operational",
        provider: "Microsoft-Windows-Sysmon",
        ids: &[1],
        becomes: "app start",
        fields: "Image → exe_path (file name → exe_name); User (after `\\`) → user_name",
    },
    Rule {
        channel: "Microsoft-Windows-Sysmon/Operational",
        provider: "Microsoft-Windows-Sysmon",
        ids: &[11],
        becomes: "file create",
        fields: "TargetFilename → file_path; Image's file name → exe_name; User → user_name (absent before Sysmon 11: `-`); src_volume = the path's drive; src_removable is left unset (unknown): the event does not say whether that drive is removable, and a guess from the letter could hide or invent a USB write",
    },
];

/// The account name of `DOMAIN\name` or `name`.
fn account(name: &str) -> String {
    name.rsplit('\\').next().unwrap_or(name).to_owned()
}

/// The file name of a Windows or POSIX path.
fn file_name(path: &str) -> String {
    path.rsplit(['\\', '/']).next().unwrap_or(path).to_owned()
}

/// `AuthenticationAlgorithm` of WLAN-AutoConfig in the schema's words.
fn auth_method(text: &str) -> Option<&'static str> {
    Some(match text.trim().to_ascii_lowercase().as_str() {
        "open" => "open",
        "wep" | "shared" => "wep",
        "wpa-personal" | "wpa-psk" => "wpa_psk",
        "wpa2-personal" | "wpa2-psk" | "rsna-psk" => "wpa2_psk",
        "wpa2-enterprise" | "wpa2" | "rsna" => "wpa2_enterprise",
        "wpa3-personal" | "wpa3-sae" | "sae" => "wpa3_sae",
        "wpa3-enterprise" | "wpa3" => "wpa3_enterprise",
        _ => return None,
    })
}

/// `CipherAlgorithm` of WLAN-AutoConfig in the schema's words.
fn cipher(text: &str) -> Option<&'static str> {
    Some(match text.trim().to_ascii_lowercase().as_str() {
        "none" => "none",
        "wep" | "wep-40" | "wep-104" => "wep",
        "tkip" => "tkip",
        "ccmp" | "aes" => "ccmp",
        "gcmp" | "gcmp-256" => "gcmp",
        _ => return None,
    })
}

/// Maps one record; the caller sets device, time, offset and source.
pub fn map(record: &Record<'_>) -> Mapping {
    let (channel, provider) = (record.channel(), record.provider());
    let Some(id) = record.event_id() else {
        return Mapping::NotMapped("no event id".into());
    };
    let field = |name: &str| record.field(name);
    match (channel.as_str(), provider.as_str(), id) {
        ("Security", SECURITY, 4624 | 4634) => logon_or_logoff(record, id),
        ("Security", SECURITY, 4647) => session("logoff", field("TargetUserName")),
        ("Security", SECURITY, 4800) => session("lock", field("TargetUserName")),
        ("Security", SECURITY, 4801) => session("unlock", field("TargetUserName")),
        ("Security", SECURITY, 4688) => app(
            field("NewProcessName"),
            field("TargetUserName").or_else(|| field("SubjectUserName")),
        ),
        ("Security", SECURITY, 6416) => media(field("DeviceId"), field("DeviceDescription")),
        ("Security", "Microsoft-Windows-Eventlog", 1102) => {
            cleared(record, "Security log cleared".into())
        }
        ("System", "Microsoft-Windows-Eventlog", 104) => cleared(
            record,
            format!(
                "{} log cleared",
                field("Channel").unwrap_or_else(|| "an event".into())
            ),
        ),
        ("System", "EventLog", 6005) => agent("start", "event log service started (boot)"),
        ("System", "EventLog", 6006) => agent("shutdown", "event log service stopped (shutdown)"),
        ("System", "Microsoft-Windows-Kernel-General", 12) => {
            agent("start", "operating system started")
        }
        ("System", "Microsoft-Windows-Kernel-General", 13) => {
            agent("shutdown", "operating system shut down")
        }
        ("System", "Microsoft-Windows-UserPnp", 20001 | 20003) => media(
            field("DeviceInstanceID").or_else(|| field("DeviceInstanceId")),
            None,
        ),
        (_, "Microsoft-Windows-Kernel-PnP", 400 | 410) => media(field("DeviceInstanceId"), None),
        (_, "Microsoft-Windows-Partition", 1006) => storage::partition(record),
        (_, UMDF, 2003 | 2100 | 2101) => storage::umdf(record, id),
        (_, bitlocker::API | bitlocker::DRIVER, _) => bitlocker::map(record, &provider, id)
            .unwrap_or_else(|| Mapping::NotMapped("no mapping".into())),
        (_, "Microsoft-Windows-WLAN-AutoConfig", 8001) => wifi_connected(record),
        (_, "Microsoft-Windows-WLAN-AutoConfig", 8003) => Mapping::Event(Box::new(Event {
            if_type: Some("wifi".into()),
            ssid: field("SSID").or_else(|| field("ProfileName")),
            ..event(EventKind::Network, "disconnect")
        })),
        ("Application", "MsiInstaller", 1033 | 1034 | 11707 | 11724) => msi(record, id),
        (_, "Microsoft-Windows-Sysmon", 1) => app(field("Image"), field("User")),
        (_, "Microsoft-Windows-Sysmon", 11) => sysmon_file_created(record),
        _ => Mapping::NotMapped("no mapping".into()),
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

/// A session event of `user`.
fn session(op: &str, user: Option<String>) -> Mapping {
    match user {
        Some(user) => Mapping::Event(Box::new(Event {
            user_name: Some(account(&user)),
            ..event(EventKind::Session, op)
        })),
        None => Mapping::NotMapped("no user name".into()),
    }
}

/// 4624 (logon) and 4634 (logoff): interactive logons are sessions, an
/// unlock (type 7) is an unlock; the rest (network, service…) are not
/// mapped.
fn logon_or_logoff(record: &Record<'_>, id: u32) -> Mapping {
    let user = record.field("TargetUserName");
    let interactive = match record.field("LogonType").as_deref().map(str::trim) {
        Some("2" | "10" | "11") => true,
        Some("7") => false,
        Some(other) => return Mapping::NotMapped(format!("logon type {other} (not interactive)")),
        None => return Mapping::NotMapped("no logon type".into()),
    };
    match (id, interactive) {
        (4624, true) => session("logon", user),
        (4624, false) => session("unlock", user),
        (_, true) => session("logoff", user),
        (_, false) => Mapping::NotMapped("logon type 7 (unlock session)".into()),
    }
}

/// A device plugged in, from its instance id (USB ids, serial, class).
fn media(instance: Option<String>, description: Option<String>) -> Mapping {
    let Some(instance) = instance else {
        return Mapping::NotMapped("no device instance id".into());
    };
    match identify_device(&instance) {
        Ok(device) => Mapping::Event(Box::new(Event {
            media_class: Some(device.class.to_owned()),
            vendor_id: device.vendor,
            product_id: device.product,
            media_serial: device.serial,
            media_name: device.name,
            volume_name: description.or(device.description),
            blocked: Some(false),
            ..event(EventKind::Media, "connect")
        })),
        Err(reason) => Mapping::NotMapped(reason),
    }
}

/// An event log cleared: an attempt to erase operation logs.
fn cleared(record: &Record<'_>, what: String) -> Mapping {
    Mapping::Event(Box::new(Event {
        user_name: record.field("SubjectUserName").map(|u| account(&u)),
        detail: Some(what),
        ..event(EventKind::Agent, "log_clear_attempt")
    }))
}

/// The logging itself started or stopped.
fn agent(op: &str, detail: &str) -> Mapping {
    Mapping::Event(Box::new(Event {
        detail: Some(detail.to_owned()),
        ..event(EventKind::Agent, op)
    }))
}

/// A process started by a user.
fn app(path: Option<String>, user: Option<String>) -> Mapping {
    match (path, user) {
        (Some(path), Some(user)) => Mapping::Event(Box::new(Event {
            exe_name: Some(file_name(&path)),
            exe_path: Some(path),
            user_name: Some(account(&user)),
            ..event(EventKind::App, "start")
        })),
        (None, _) => Mapping::NotMapped("no process image".into()),
        (_, None) => Mapping::NotMapped("no user name".into()),
    }
}

/// WLAN-AutoConfig 8001: connected to a Wi-Fi network, with its security.
fn wifi_connected(record: &Record<'_>) -> Mapping {
    let auth = record.field("AuthenticationAlgorithm");
    match auth.as_deref().and_then(auth_method) {
        Some(auth) => Mapping::Event(Box::new(Event {
            if_type: Some("wifi".into()),
            ssid: record.field("SSID").or_else(|| record.field("ProfileName")),
            auth_method: Some(auth.to_owned()),
            cipher: record
                .field("CipherAlgorithm")
                .as_deref()
                .and_then(cipher)
                .map(str::to_owned),
            ..event(EventKind::Network, "connect")
        })),
        None => Mapping::NotMapped(format!(
            "unknown authentication {:?}",
            auth.unwrap_or_default()
        )),
    }
}

/// Sysmon 11: a file created, with the volume it is on.
fn sysmon_file_created(record: &Record<'_>) -> Mapping {
    match record.field("TargetFilename") {
        Some(path) => Mapping::Event(Box::new(Event {
            src_volume: path
                .get(..2)
                .filter(|d| d.ends_with(':'))
                .map(str::to_owned),
            exe_name: record.field("Image").map(|i| file_name(&i)),
            user_name: Some(
                record
                    .field("User")
                    .map_or_else(|| "-".to_owned(), |u| account(&u)),
            ),
            file_path: Some(path),
            ..event(EventKind::File, "create")
        })),
        None => Mapping::NotMapped("no target file name".into()),
    }
}

/// MsiInstaller 1033/1034 (data list) and 11707/11724 (one message).
fn msi(record: &Record<'_>, id: u32) -> Mapping {
    let op = if matches!(id, 1033 | 11707) {
        "install"
    } else {
        "uninstall"
    };
    let (product, version, publisher, failed) = if matches!(id, 1033 | 1034) {
        (
            record.data(0),
            record.data(1),
            record.data(4),
            record.data(3).is_some_and(|s| s.trim() != "0"),
        )
    } else {
        let message = record.data(0).unwrap_or_default();
        let product = message
            .strip_prefix("Product: ")
            .and_then(|rest| rest.split(" -- ").next())
            .map(|p| p.trim().to_owned());
        (product, None, None, false)
    };
    match product.filter(|p| !p.trim().is_empty()) {
        Some(product) => Mapping::Event(Box::new(Event {
            user_name: Some("-".into()),
            product_name: Some(product),
            product_version: version,
            publisher,
            blocked: Some(failed),
            kind: EventKind::Software,
            op: op.into(),
            ..Event::default()
        })),
        None => Mapping::NotMapped("no product name".into()),
    }
}

/// Sets what every mapped event carries: device, time, offset, source.
pub fn complete(
    event: &mut Event,
    device_id: &str,
    ts_us: i64,
    utc_offset_min: i32,
    record: &Record<'_>,
) {
    event.device_id = device_id.to_owned();
    event.ts = Timestamp(ts_us);
    event.utc_offset_min = utc_offset_min;
    event.source = Some(format!("evtx:{}", record.channel()));
    event.source_record_id = record.record_id();
}
