//! Storage devices in Windows events: PnP device instance ids
//! (`USBSTOR\…`, `USB\VID_…`, WPD and SD ids), Partition/Diagnostic
//! 1006 and the user-mode driver host's arrivals and removals.

use worklog_schema::{Event, EventKind};

use crate::mapping::Mapping;
use crate::record::Record;

/// A storage device named by a PnP device instance id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageDevice {
    /// The schema's media class (`mass_storage`, `sd_card`, `mtp`, `ptp`,
    /// `optical`).
    pub class: &'static str,
    /// USB vendor id (`VID_` part, 4 hex digits).
    pub vendor: Option<String>,
    /// USB product id (`PID_` part, 4 hex digits).
    pub product: Option<String>,
    /// Vendor and product names of a `USBSTOR` id (`VEN_`, `PROD_`),
    /// which are names, not ids.
    pub description: Option<String>,
    /// Vendor and product as the USB ID database names them.
    pub name: Option<String>,
    /// The instance's serial (its third part, before `&`), unless Windows
    /// generated that part (it holds `&`: a composite device's interface).
    pub serial: Option<String>,
}

/// Storage class, vendor id, product id and serial of a PnP device
/// instance id (`USBSTOR\DISK&VEN_…&PROD_…\SERIAL&0`,
/// `USB\VID_0781&PID_5583\4C53…`, `SWD\WPDBUSENUM\…`, `SD\…`), or `None`
/// when it is not a storage device.
pub fn storage_device(instance: &str) -> Option<StorageDevice> {
    identify_device(instance).ok()
}

/// A storage device, phone or camera named by a PnP device instance id, or
/// why it is not one. A plain USB id (`USB\VID_05AC&PID_12A8&MI_00\…`) is
/// looked up in the USB ID database (the `usb-ids` crate, linux-usb.org's
/// `usb.ids`): a phone, tablet or camera, which Windows hosts as a portable
/// device (WPD, MTP or PTP) and from which files can be copied, is
/// external storage (the product brief: USBストレージやスマートフォン等の外部記憶媒体);
/// any other USB device (a mouse, a fingerprint reader, a printer) is not.
pub fn identify_device(instance: &str) -> Result<StorageDevice, String> {
    let upper = instance.to_ascii_uppercase();
    let parts: Vec<&str> = instance.split('\\').collect();
    // A device's own serial, or its serial and `&0` (USBSTOR's LUN); more
    // `&` parts are an instance id Windows made up (`6&2f1e4b3&0&0000`).
    let serial = parts
        .get(2)
        .filter(|s| s.matches('&').count() <= 1)
        .map(|s| s.split('&').next().unwrap_or(s).to_owned())
        .filter(|s| !s.is_empty());
    let between = |key: &str| {
        upper.find(key).map(|at| {
            let rest = &instance[at + key.len()..];
            rest.split(['&', '\\', '#'])
                .next()
                .unwrap_or(rest)
                .to_owned()
        })
    };
    let hex4 =
        |s: Option<String>| s.filter(|s| s.len() == 4 && s.chars().all(|c| c.is_ascii_hexdigit()));
    let (vendor, product) = (hex4(between("VID_")), hex4(between("PID_")));
    let name = usb_name(vendor.as_deref(), product.as_deref());
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
    } else if let Some(class) = name.as_ref().and_then(|n| portable_device_class(&n.1)) {
        class
    } else {
        return Err(not_storage(vendor.as_deref(), product.as_deref(), name));
    };
    let names: Vec<String> = [between("VEN_"), between("PROD_")]
        .into_iter()
        .flatten()
        .map(|s| s.replace('_', " ").trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    Ok(StorageDevice {
        class,
        vendor,
        product,
        description: (!names.is_empty()).then(|| names.join(" ")),
        name: name.map(|(vendor, product)| format!("{vendor} {product}")),
        serial,
    })
}

/// The reason a device is not mapped: "not a storage device", with the
/// USB id and the database's name when known.
fn not_storage(
    vendor: Option<&str>,
    product: Option<&str>,
    name: Option<(String, String)>,
) -> String {
    match (vendor, product, name) {
        (Some(v), Some(p), Some((vendor, product))) => {
            format!("not a storage device (USB {v}:{p}, {vendor} {product})")
        }
        (Some(v), Some(p), None) => {
            format!("not a storage device (USB {v}:{p}, not in the USB ID database)")
        }
        _ => "not a storage device".into(),
    }
}

/// The media class and database name of a USB id that the USB ID database
/// names a phone, tablet or camera ([`identify_device`]'s rule).
pub(crate) fn usb_phone_or_camera(
    vendor: Option<&str>,
    product: Option<&str>,
) -> Option<(&'static str, String)> {
    let (vendor, product) = usb_name(vendor, product)?;
    portable_device_class(&product).map(|class| (class, format!("{vendor} {product}")))
}

/// Vendor and product names of a USB id from the USB ID database; the
/// vendor alone (with an empty product) when the product is not listed.
fn usb_name(vendor: Option<&str>, product: Option<&str>) -> Option<(String, String)> {
    let vid = u16::from_str_radix(vendor?, 16).ok()?;
    let pid = u16::from_str_radix(product?, 16).ok()?;
    match usb_ids::Device::from_vid_pid(vid, pid) {
        Some(device) => Some((device.vendor().name().to_owned(), device.name().to_owned())),
        None => <usb_ids::Vendor as usb_ids::FromId<u16>>::from_id(vid)
            .map(|v| (v.name().to_owned(), String::new())),
    }
}

/// The media class of a phone, tablet or camera by the USB ID database's
/// product name: the transfer protocol when the name states it (`(MTP)`,
/// `PTP mode`), else `ptp` for Apple's iPhone, iPad and iPod touch (which
/// Windows reaches through the picture transfer protocol) and digital
/// cameras, `mtp` for other phones. A webcam, a headset's "microphone" or
/// "headphone" is none of these.
fn portable_device_class(product: &str) -> Option<&'static str> {
    let lower = product.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let has = |w: &str| words.contains(&w);
    let apple_or_camera = words
        .iter()
        .any(|w| w.starts_with("iphone") || w.starts_with("ipad") || w.starts_with("ipod"))
        || lower.contains("digital camera")
        || lower.contains("still camera");
    if has("mtp") {
        Some("mtp")
    } else if has("ptp") || apple_or_camera {
        Some("ptp")
    } else if [
        "phone",
        "smartphone",
        "android",
        "galaxy",
        "xperia",
        "pixel",
        "nexus",
    ]
    .iter()
    .any(|w| has(w))
    {
        Some("mtp")
    } else {
        None
    }
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
fn umdf_device(instance: &str) -> Result<StorageDevice, String> {
    let upper = instance.to_ascii_uppercase();
    match upper.find("USBSTOR#") {
        Some(at) => identify_device(&instance[at..].replace('#', "\\")),
        None => identify_device(instance),
    }
}

/// DriverFrameworks-UserMode 2003 (device arrival) and 2100/2101 (PnP
/// request received/completed; a completed removal is a disconnect).
pub(crate) fn umdf(record: &Record<'_>, id: u32) -> Mapping {
    let field = |name: &str| record.field(name);
    let Some(instance) = field("InstanceId").or_else(|| field("instance")) else {
        return Mapping::NotMapped("no device instance id".into());
    };
    let device = match umdf_device(&instance) {
        Ok(device) => device,
        Err(reason) => return Mapping::NotMapped(reason),
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
        media_name: device.name,
        volume_name: device.description,
        blocked: (op == "connect").then_some(false),
        kind: EventKind::Media,
        op: op.into(),
        ..Event::default()
    }))
}
