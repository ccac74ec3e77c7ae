//! Storage devices in Windows events: PnP device instance ids
//! (`USBSTOR\…`, `USB\VID_…`, WPD and SD ids), Partition/Diagnostic
//! 1006 and the user-mode driver host's arrivals and removals.

use worklog_schema::{Event, EventKind};

use crate::mapping::Mapping;
use crate::record::Record;

/// A storage device named by a PnP device instance id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageDevice {
    /// The schema's media class (`mass_storage`, `sd_card`, `mtp`, `optical`).
    pub class: &'static str,
    /// USB vendor id (`VID_` part, 4 hex digits).
    pub vendor: Option<String>,
    /// USB product id (`PID_` part, 4 hex digits).
    pub product: Option<String>,
    /// Vendor and product names of a `USBSTOR` id (`VEN_`, `PROD_`),
    /// which are names, not ids.
    pub description: Option<String>,
    /// The instance's serial (its third part, before `&`).
    pub serial: Option<String>,
}

/// Storage class, vendor id, product id and serial of a PnP device
/// instance id (`USBSTOR\DISK&VEN_…&PROD_…\SERIAL&0`,
/// `USB\VID_0781&PID_5583\4C53…`, `SWD\WPDBUSENUM\…`, `SD\…`), or `None`
/// when it is not a storage device.
pub fn storage_device(instance: &str) -> Option<StorageDevice> {
    let upper = instance.to_ascii_uppercase();
    let parts: Vec<&str> = instance.split('\\').collect();
    let serial = parts
        .get(2)
        .map(|s| s.split('&').next().unwrap_or(s).to_owned())
        .filter(|s| !s.is_empty());
    let between = |key: &str| {
        upper.find(key).map(|at| {
            let rest = &instance[at + key.len()..];
            rest.split(['&', '\\']).next().unwrap_or(rest).to_owned()
        })
    };
    let class = if upper.starts_with("USBSTOR\\") || upper.starts_with("SCSI\\DISK") {
        "mass_storage"
    } else if upper.starts_with("SD\\") || upper.contains("SDBUS") {
        "sd_card"
    } else if upper.starts_with("SWD\\WPDBUSENUM")
        || upper.contains("WPD")
        || upper.contains("MS_COMP_MTP")
    {
        "mtp"
    } else if upper.starts_with("SCSI\\CDROM") || upper.starts_with("IDE\\CDROM") {
        "optical"
    } else {
        return None;
    };
    let hex4 =
        |s: Option<String>| s.filter(|s| s.len() == 4 && s.chars().all(|c| c.is_ascii_hexdigit()));
    let names: Vec<String> = [between("VEN_"), between("PROD_")]
        .into_iter()
        .flatten()
        .map(|s| s.replace('_', " ").trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    Some(StorageDevice {
        class,
        vendor: hex4(between("VID_")),
        product: hex4(between("PID_")),
        description: (!names.is_empty()).then(|| names.join(" ")),
        serial,
    })
}

/// Partition/Diagnostic 1006: a disk arrived (or, with capacity 0, left).
pub(crate) fn partition(record: &Record<'_>) -> Mapping {
    let field = |name: &str| record.field(name);
    let removal = field("Capacity").is_some_and(|c| c.trim() == "0");
    let parent = field("ParentId").unwrap_or_default();
    let upper = parent.to_ascii_uppercase();
    let between = |key: &str| {
        upper.find(key).map(|at| {
            let rest = &parent[at + key.len()..];
            rest.split(['&', '\\']).next().unwrap_or(rest).to_owned()
        })
    };
    if !upper.starts_with("USB") && !upper.contains("USBSTOR") {
        return Mapping::NotMapped("not a USB disk".into());
    }
    Mapping::Event(Box::new(Event {
        media_class: Some("mass_storage".into()),
        vendor_id: between("VID_")
            .filter(|s| s.len() == 4 && s.chars().all(|c| c.is_ascii_hexdigit())),
        product_id: between("PID_")
            .filter(|s| s.len() == 4 && s.chars().all(|c| c.is_ascii_hexdigit())),
        media_serial: field("SerialNumber").map(|s| s.trim().to_owned()),
        volume_name: field("Model").map(|m| m.trim().to_owned()),
        blocked: (!removal).then_some(false),
        kind: EventKind::Media,
        op: if removal { "disconnect" } else { "connect" }.into(),
        ..Event::default()
    }))
}

/// IRP_MJ_PNP and IRP_MN_REMOVE_DEVICE (WDK `wdm.h`).
const IRP_MJ_PNP: u32 = 0x1b;
const IRP_MN_REMOVE_DEVICE: u32 = 0x02;

/// A storage device named by a UMDF instance id: a plain PnP id, or a
/// WPD volume id that embeds the USB disk's id with `#` for `\`
/// (`WPDBUSENUMROOT\UMB\2&…&STORAGE#VOLUME#_??_USBSTOR#DISK&VEN_…#SERIAL&0#…`).
fn umdf_device(instance: &str) -> Option<StorageDevice> {
    let upper = instance.to_ascii_uppercase();
    match upper.find("USBSTOR#") {
        Some(at) => storage_device(&instance[at..].replace('#', "\\")),
        None => storage_device(instance),
    }
}

/// DriverFrameworks-UserMode 2003 (device arrival) and 2100/2101 (PnP
/// request received/completed; a completed removal is a disconnect).
pub(crate) fn umdf(record: &Record<'_>, id: u32) -> Mapping {
    let field = |name: &str| record.field(name);
    let Some(instance) = field("InstanceId").or_else(|| field("instance")) else {
        return Mapping::NotMapped("no device instance id".into());
    };
    let Some(device) = umdf_device(&instance) else {
        return Mapping::NotMapped("not a storage device".into());
    };
    let number = |names: &[&str]| {
        names.iter().find_map(|n| field(n)).and_then(|v| {
            let v = v.trim();
            match v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
                Some(hex) => u32::from_str_radix(hex, 16).ok(),
                None => v.parse().ok(),
            }
        })
    };
    let op = if id == 2003 {
        "connect"
    } else {
        let major = number(&["RequestMajorCode", "MajorCode", "major"]);
        let minor = number(&["RequestMinorCode", "MinorCode", "minor"]);
        let request = format!(
            "PnP or power request {}/{}",
            major.map_or_else(|| "?".into(), |m| m.to_string()),
            minor.map_or_else(|| "?".into(), |m| m.to_string())
        );
        if major != Some(IRP_MJ_PNP) || minor != Some(IRP_MN_REMOVE_DEVICE) {
            return Mapping::NotMapped(format!("{request} (not a device removal)"));
        }
        if id == 2100 {
            return Mapping::NotMapped(format!(
                "{request} received (its completion, 2101, is the removal)"
            ));
        }
        match number(&["Status"]) {
            Some(0) => "disconnect",
            status => {
                return Mapping::NotMapped(format!(
                    "{request} failed with status {}",
                    status.map_or_else(|| "?".into(), |s| format!("{s:#x}"))
                ));
            }
        }
    };
    Mapping::Event(Box::new(Event {
        media_class: Some(device.class.to_owned()),
        vendor_id: device.vendor,
        product_id: device.product,
        media_serial: device.serial,
        volume_name: device.description,
        blocked: (op == "connect").then_some(false),
        kind: EventKind::Media,
        op: op.into(),
        ..Event::default()
    }))
}
