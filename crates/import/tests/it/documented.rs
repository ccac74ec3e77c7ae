//! Records built from Microsoft's documented layouts (the `evtx` crate's
//! JSON rendering of the XML event schema), one per mapped event the
//! samples lack, and what each must become.

use serde_json::{Value, json};
use worklog_import::{Mapping, Record, map};
use worklog_schema::{Event, EventKind};

fn record(channel: &str, provider: &str, id: u32, data: Value) -> Value {
    json!({"Event": {
        "System": {
            "Provider": {"#attributes": {"Name": provider}},
            "EventID": id,
            "TimeCreated": {"#attributes": {"SystemTime": "2026-10-05T01:02:03.0000000Z"}},
            "EventRecordID": 77,
            "Channel": channel,
            "Computer": "PC-0001.corp.example"
        },
        "EventData": data
    }})
}

fn event(doc: &Value) -> Event {
    match map(&Record::new(doc)) {
        Mapping::Event(e) => *e,
        other => panic!("not mapped: {other:?}"),
    }
}

fn not_mapped(doc: &Value) -> String {
    match map(&Record::new(doc)) {
        Mapping::NotMapped(reason) => reason,
        other => panic!("mapped: {other:?}"),
    }
}

const SECURITY: &str = "Microsoft-Windows-Security-Auditing";

#[test]
fn logons_by_type_locks_and_unlocks() {
    let logon = |t: &str| {
        record(
            "Security",
            SECURITY,
            4624,
            json!({"TargetUserName": "tanaka", "TargetDomainName": "CORP", "LogonType": t}),
        )
    };
    let e = event(&logon("2"));
    assert_eq!(
        (e.kind, e.op.as_str(), e.user_name.as_deref()),
        (EventKind::Session, "logon", Some("tanaka"))
    );
    assert_eq!(event(&logon("10")).op, "logon");
    assert_eq!(event(&logon("7")).op, "unlock");
    assert_eq!(not_mapped(&logon("3")), "logon type 3 (not interactive)");
    let lock = record(
        "Security",
        SECURITY,
        4800,
        json!({"TargetUserName": "tanaka", "SessionId": 1}),
    );
    assert_eq!(event(&lock).op, "lock");
    let unlock = record(
        "Security",
        SECURITY,
        4801,
        json!({"TargetUserName": "tanaka", "SessionId": 1}),
    );
    assert_eq!(event(&unlock).op, "unlock");
}

#[test]
fn log_clears_become_log_clear_attempts() {
    let security = json!({"Event": {
        "System": {"Provider": {"#attributes": {"Name": "Microsoft-Windows-Eventlog"}}, "EventID": 1102, "Channel": "Security",
                   "TimeCreated": {"#attributes": {"SystemTime": "2026-10-05T01:02:03Z"}}, "EventRecordID": 9, "Computer": "PC-0001"},
        "UserData": {"LogFileCleared": {"SubjectUserSid": "S-1-5-21-1", "SubjectUserName": "sato", "SubjectDomainName": "CORP"}}
    }});
    let e = event(&security);
    assert_eq!(
        (e.kind, e.op.as_str()),
        (EventKind::Agent, "log_clear_attempt")
    );
    assert_eq!(e.user_name.as_deref(), Some("sato"));
    let system = json!({"Event": {
        "System": {"Provider": {"#attributes": {"Name": "Microsoft-Windows-Eventlog"}}, "EventID": 104, "Channel": "System",
                   "TimeCreated": {"#attributes": {"SystemTime": "2026-10-05T01:02:03Z"}}, "EventRecordID": 10, "Computer": "PC-0001"},
        "UserData": {"LogFileCleared": {"SubjectUserName": "sato", "Channel": "Application"}}
    }});
    assert_eq!(
        event(&system).detail.as_deref(),
        Some("Application log cleared")
    );
}

#[test]
fn storage_devices_from_pnp_partition_and_security_events() {
    let pnp = record(
        "Microsoft-Windows-Kernel-PnP/Configuration",
        "Microsoft-Windows-Kernel-PnP",
        400,
        json!({"DeviceInstanceId": "USBSTOR\\Disk&Ven_SanDisk&Prod_Ultra&Rev_1.00\\4C530001230612104583&0", "DriverName": "disk.inf"}),
    );
    let e = event(&pnp);
    assert_eq!((e.kind, e.op.as_str()), (EventKind::Media, "connect"));
    assert_eq!(e.media_class.as_deref(), Some("mass_storage"));
    // USBSTOR names the vendor and product (not USB ids): a description.
    assert_eq!(
        (e.vendor_id.as_deref(), e.product_id.as_deref()),
        (None, None)
    );
    assert_eq!(e.volume_name.as_deref(), Some("SanDisk Ultra"));
    let usb = record(
        "Microsoft-Windows-Kernel-PnP/Configuration",
        "Microsoft-Windows-Kernel-PnP",
        410,
        json!({"DeviceInstanceId": "USBSTOR\\Disk&Ven_Generic-&Prod_USB3.0_CRW_-SD&Rev_1.00\\000000001536&0"}),
    );
    let reader = event(&usb);
    assert_eq!(
        reader.volume_name.as_deref(),
        Some("Generic- USB3.0 CRW -SD")
    );
    let mut numbered = reader.clone();
    numbered.device_id = "PC-0001".into();
    numbered.seq = 1;
    numbered.ts = worklog_schema::Timestamp(1_790_000_000_000_000);
    numbered.validate(None).unwrap();
    assert_eq!(e.media_serial.as_deref(), Some("4C530001230612104583"));
    assert_eq!(e.blocked, Some(false));
    let mouse = record(
        "Microsoft-Windows-Kernel-PnP/Configuration",
        "Microsoft-Windows-Kernel-PnP",
        400,
        json!({"DeviceInstanceId": "HID\\VID_046D&PID_C077\\7&2a&0&0000"}),
    );
    let reason = not_mapped(&mouse);
    assert!(
        reason.starts_with("not a storage device (USB 046D:C077, Logitech, Inc."),
        "{reason}"
    );
    let partition = |capacity: &str| {
        record(
            "Microsoft-Windows-Partition/Diagnostic",
            "Microsoft-Windows-Partition",
            1006,
            json!({"Capacity": capacity, "Manufacturer": "SanDisk", "Model": "Ultra USB 3.0", "SerialNumber": "4C530001230612104583",
               "ParentId": "USB\\VID_0781&PID_5583\\4C530001230612104583"}),
        )
    };
    let arrived = event(&partition("30752636928"));
    assert_eq!(
        (
            arrived.op.as_str(),
            arrived.vendor_id.as_deref(),
            arrived.product_id.as_deref()
        ),
        ("connect", Some("0781"), Some("5583"))
    );
    assert_eq!(event(&partition("0")).op, "disconnect");
    let recognised = record(
        "Security",
        SECURITY,
        6416,
        json!({"DeviceId": "SWD\\WPDBUSENUM\\_??_USBSTOR#DISK&VEN_KINGSTON", "DeviceDescription": "KINGSTON", "ClassName": "WPD"}),
    );
    assert_eq!(event(&recognised).media_class.as_deref(), Some("mtp"));
}

#[test]
fn wifi_connections_with_their_security() {
    let connect = record(
        "Microsoft-Windows-WLAN-AutoConfig/Operational",
        "Microsoft-Windows-WLAN-AutoConfig",
        8001,
        json!({"InterfaceDescription": "Intel(R) Wi-Fi 6", "ConnectionMode": "Automatic connection with a profile",
               "ProfileName": "Hotel_Free", "SSID": "Hotel_Free", "BSSType": "Infrastructure",
               "AuthenticationAlgorithm": "Open", "CipherAlgorithm": "None", "OnexEnabled": 0}),
    );
    let e = event(&connect);
    assert_eq!((e.kind, e.op.as_str()), (EventKind::Network, "connect"));
    assert_eq!(
        (e.if_type.as_deref(), e.ssid.as_deref()),
        (Some("wifi"), Some("Hotel_Free"))
    );
    assert_eq!(
        (e.auth_method.as_deref(), e.cipher.as_deref()),
        (Some("open"), Some("none"))
    );
    let wpa2 = record(
        "Microsoft-Windows-WLAN-AutoConfig/Operational",
        "Microsoft-Windows-WLAN-AutoConfig",
        8001,
        json!({"SSID": "corp", "AuthenticationAlgorithm": "WPA2-Enterprise", "CipherAlgorithm": "AES"}),
    );
    assert_eq!(event(&wpa2).auth_method.as_deref(), Some("wpa2_enterprise"));
    let odd = record(
        "Microsoft-Windows-WLAN-AutoConfig/Operational",
        "Microsoft-Windows-WLAN-AutoConfig",
        8001,
        json!({"SSID": "x", "AuthenticationAlgorithm": "Vendor-42"}),
    );
    assert!(not_mapped(&odd).contains("Vendor-42"));
    let disconnect = record(
        "Microsoft-Windows-WLAN-AutoConfig/Operational",
        "Microsoft-Windows-WLAN-AutoConfig",
        8003,
        json!({"ProfileName": "corp", "SSID": "corp", "Reason": "The network is disconnected by the user."}),
    );
    assert_eq!(event(&disconnect).op, "disconnect");
}

#[test]
fn installs_and_removals_by_the_windows_installer() {
    let installed = record(
        "Application",
        "MsiInstaller",
        1033,
        json!({"Data": {"#text": ["TeamViewer", "15.70.4", "1041", "0", "TeamViewer Germany GmbH", "(NULL)", ""]}}),
    );
    let e = event(&installed);
    assert_eq!((e.kind, e.op.as_str()), (EventKind::Software, "install"));
    assert_eq!(e.product_name.as_deref(), Some("TeamViewer"));
    assert_eq!(e.product_version.as_deref(), Some("15.70.4"));
    assert_eq!(e.publisher.as_deref(), Some("TeamViewer Germany GmbH"));
    assert_eq!(e.blocked, Some(false));
    let failed = record(
        "Application",
        "MsiInstaller",
        1033,
        json!({"Data": {"#text": ["X", "1", "1041", "1603", "Y"]}}),
    );
    assert_eq!(event(&failed).blocked, Some(true));
    let removed = record(
        "Application",
        "MsiInstaller",
        11724,
        json!({"Data": "Product: Adobe Flash Player 32 NPAPI -- Removal completed successfully."}),
    );
    let e = event(&removed);
    assert_eq!(
        (e.op.as_str(), e.product_name.as_deref()),
        ("uninstall", Some("Adobe Flash Player 32 NPAPI"))
    );
}

fn user_data(channel: &str, provider: &str, id: u32, data: Value) -> Value {
    let mut doc = record(channel, provider, id, json!(null));
    let event = doc["Event"].as_object_mut().unwrap();
    event.remove("EventData");
    event.insert("UserData".into(), data);
    doc
}

const UMDF: &str = "Microsoft-Windows-DriverFrameworks-UserMode";
const UMDF_CHANNEL: &str = "Microsoft-Windows-DriverFrameworks-UserMode/Operational";

#[test]
fn user_mode_driver_arrivals_and_completed_removals_of_storage_devices() {
    // The manifest's layout (Windows 8 and later): named fields.
    let wpd_volume = "WPDBUSENUMROOT\\UMB\\2&37C186B&0&STORAGE#VOLUME#_??_USBSTOR#DISK&VEN_BUFFALO&PROD_USB_FLASH_DISK&REV_1.00#0701275A6A2B9C38&0#";
    let arrival = user_data(
        UMDF_CHANNEL,
        UMDF,
        2003,
        json!({"UMDFHostDeviceArrivalBegin": {"LifetimeId": "{5c9d6b29-0e6f-4a3c-9c53-1f1c1d0e7a11}", "InstanceId": wpd_volume}}),
    );
    let e = event(&arrival);
    assert_eq!((e.kind, e.op.as_str()), (EventKind::Media, "connect"));
    // The embedded USB disk id is read, not the WPD wrapper.
    assert_eq!(e.media_class.as_deref(), Some("mass_storage"));
    assert_eq!(e.media_serial.as_deref(), Some("0701275A6A2B9C38"));
    assert_eq!(e.volume_name.as_deref(), Some("BUFFALO USB FLASH DISK"));
    assert_eq!(e.blocked, Some(false));
    let phone = user_data(
        UMDF_CHANNEL,
        UMDF,
        2003,
        json!({"UMDFHostDeviceArrivalBegin": {"InstanceId": "USB\\VID_04E8&PID_6860&MS_COMP_MTP&SAMSUNG_ANDROID\\6&1A2B3C4D&0&0000"}}),
    );
    let p = event(&phone);
    assert_eq!(p.media_class.as_deref(), Some("mtp"));
    assert_eq!(
        (p.vendor_id.as_deref(), p.product_id.as_deref()),
        (Some("04E8"), Some("6860"))
    );
    let keyboard = user_data(
        UMDF_CHANNEL,
        UMDF,
        2003,
        json!({"UMDFHostDeviceArrivalBegin": {"InstanceId": "HID\\VID_046D&PID_C31C\\7&2&0&0000"}}),
    );
    assert!(not_mapped(&keyboard).starts_with("not a storage device (USB 046D:C31C"));
    let request = |id: u32, minor: u32, status: u32| {
        user_data(
            UMDF_CHANNEL,
            UMDF,
            id,
            json!({"UMDFHostDeviceRequest": {"InstanceId": wpd_volume, "RequestMajorCode": 27,
                   "RequestMinorCode": minor, "Argument1": "0x0", "Status": status}}),
        )
    };
    let removed = event(&request(2101, 2, 0));
    assert_eq!(
        (
            removed.op.as_str(),
            removed.media_serial.as_deref(),
            removed.blocked
        ),
        ("disconnect", Some("0701275A6A2B9C38"), None)
    );
    // One removal is one event: the request received is not counted again.
    assert_eq!(
        not_mapped(&request(2100, 2, 0)),
        "PnP or power request 27/2 received (its completion, 2101, is the removal)"
    );
    // IRP_MN_QUERY_PNP_DEVICE_STATE (0x14) happens while the disk is in use.
    assert_eq!(
        not_mapped(&request(2101, 20, 0)),
        "PnP or power request 27/20 (not a device removal)"
    );
    assert_eq!(
        not_mapped(&request(2101, 2, 0xC000_0001)),
        "PnP or power request 27/2 failed with status 0xc0000001"
    );
    // The Windows 7 layout: attributes and a Request element.
    let older = user_data(
        UMDF_CHANNEL,
        UMDF,
        2101,
        json!({"UMDFHostDeviceRequest": {
            "#attributes": {"instance": wpd_volume, "lifetime": "{5c9d6b29-0e6f-4a3c-9c53-1f1c1d0e7a11}"},
            "Request": {"#attributes": {"major": 27, "minor": 2}},
            "Argument1": "0x0", "Status": 0}}),
    );
    assert_eq!(event(&older).op, "disconnect");
    let mut numbered = removed.clone();
    numbered.device_id = "PC-0001".into();
    numbered.seq = 1;
    numbered.ts = worklog_schema::Timestamp(1_790_000_000_000_000);
    numbered.validate(None).unwrap();
}

#[test]
fn bitlocker_encryption_started_is_not_yet_protection() {
    let started = |volume: &str, algorithm: u32| {
        record(
            "Microsoft-Windows-BitLocker/BitLocker Management",
            "Microsoft-Windows-BitLocker-API",
            768,
            json!({"IdentificationGUID": "45A9DCBD-40EC-4295-A9E6-C2E63844F040",
                   "VolumeName": "\\\\?\\Volume{95b548ac-9d1a-4f36-96fc-2c67e06caefb}",
                   "VolumeMountPoint": volume, "AlgorithmType": algorithm}),
        )
    };
    let e = event(&started("C:", 32772));
    assert_eq!((e.kind, e.op.as_str()), (EventKind::Encryption, "status"));
    assert_eq!(
        (
            e.volume_name.as_deref(),
            e.volume_role.as_deref(),
            e.protection_on
        ),
        (Some("C:"), Some("system"), Some(false))
    );
    assert_eq!(e.encryption_method.as_deref(), Some("xts_aes_128"));
    let data = event(&started("D:\\", 32773));
    assert_eq!(
        (
            data.volume_name.as_deref(),
            data.volume_role.as_deref(),
            data.encryption_method.as_deref()
        ),
        (Some("D:"), Some("data"), Some("xts_aes_256"))
    );
    assert_eq!(
        event(&started("E:", 7)).encryption_method.as_deref(),
        Some("algorithm 7")
    );
    let mut numbered = e.clone();
    numbered.device_id = "PC-0001".into();
    numbered.seq = 1;
    numbered.ts = worklog_schema::Timestamp(1_790_000_000_000_000);
    numbered.validate(None).unwrap();
}

#[test]
fn bitlocker_changes_that_leave_a_volume_unprotected_and_none_that_claim_protection() {
    const MANAGEMENT: &str = "Microsoft-Windows-BitLocker/BitLocker Management";
    const API: &str = "Microsoft-Windows-BitLocker-API";
    const DRIVER: &str = "Microsoft-Windows-BitLocker-Driver";
    // BitLocker-API: IdentificationGUID (%1), VolumeName (%2),
    // VolumeMountPoint (%3), then the event's own field (%4).
    let api = |id: u32, mount: &str, fourth: Value| {
        let mut data = json!({"IdentificationGUID": "45A9DCBD-40EC-4295-A9E6-C2E63844F040",
               "VolumeName": "\\\\?\\Volume{95b548ac-9d1a-4f36-96fc-2c67e06caefb}",
               "VolumeMountPoint": mount});
        if let (Some(map), Value::Object(extra)) = (data.as_object_mut(), fourth) {
            map.extend(extra);
        }
        record(MANAGEMENT, API, id, data)
    };
    let suspended = event(&api(773, "C:", json!({})));
    assert_eq!(
        (
            suspended.kind,
            suspended.op.as_str(),
            suspended.volume_name.as_deref(),
            suspended.volume_role.as_deref(),
            suspended.protection_on,
            suspended.protection_state.as_deref(),
        ),
        (
            EventKind::Encryption,
            "status",
            Some("C:"),
            Some("system"),
            Some(false),
            Some("suspended"),
        )
    );
    assert!(
        suspended
            .detail
            .as_deref()
            .unwrap()
            .starts_with("BitLocker 773: protection suspended")
    );
    let decrypting = event(&api(770, "D:", json!({})));
    assert_eq!(
        (
            decrypting.volume_role.as_deref(),
            decrypting.protection_on,
            decrypting.protection_state.as_deref()
        ),
        (Some("data"), Some(false), Some("decrypting"))
    );
    let restarted = event(&api(772, "C:", json!({"AlgorithmType": 32773})));
    assert_eq!(restarted.encryption_method.as_deref(), Some("xts_aes_256"));
    // A volume without a drive letter is named by its GUID path.
    let unlettered = event(&api(778, "", json!({})));
    assert_eq!(
        unlettered.volume_name.as_deref(),
        Some("\\\\?\\Volume{95b548ac-9d1a-4f36-96fc-2c67e06caefb}")
    );
    // Events that would be read as "encrypted" by a careless mapping.
    let created = api(
        775,
        "C:",
        json!({"ProtectorGUID": "6B0C6A0E-0000-0000-0000-000000000000"}),
    );
    assert!(not_mapped(&created).starts_with("key protector created"));
    // Protection resumed ends a suspension, and claims nothing more: an
    // `encryption resume`, never a status with protection on.
    let resumed = event(&api(774, "C:", json!({})));
    assert_eq!(
        (
            resumed.op.as_str(),
            resumed.volume_name.as_deref(),
            resumed.protection_on,
            resumed.protection_state.as_deref()
        ),
        ("resume", Some("C:"), None, None)
    );
    let mut numbered_resume = resumed.clone();
    numbered_resume.device_id = "PC-0001".into();
    numbered_resume.seq = 1;
    numbered_resume.ts = worklog_schema::Timestamp(1_790_000_000_000_000);
    numbered_resume.validate(None).unwrap();
    // BitLocker-Driver, System log: VolumeNameLength (%1), VolumeName (%2).
    let driver = |id: u32, data: Value| record("System", DRIVER, id, data);
    let started = event(&driver(
        24577,
        json!({"VolumeNameLength": 2, "VolumeName": "C:"}),
    ));
    assert_eq!(
        (
            started.volume_name.as_deref(),
            started.protection_on,
            started.detail.as_deref()
        ),
        (
            Some("C:"),
            Some(false),
            Some("BitLocker 24577: encryption started")
        )
    );
    // The same event as an unnamed Data list.
    let listed = event(&driver(24582, json!({"Data": ["2", "E:"]})));
    assert_eq!(
        (listed.volume_name.as_deref(), listed.volume_role.as_deref()),
        (Some("E:"), Some("data"))
    );
    let completed = driver(24579, json!({"VolumeNameLength": 2, "VolumeName": "C:"}));
    assert!(not_mapped(&completed).starts_with("encryption completed"));
    assert_eq!(
        not_mapped(&driver(24620, json!({"VolumeName": "C:"}))),
        "no mapping"
    );
    assert_eq!(not_mapped(&driver(24577, json!({}))), "no volume");
    let mut numbered = suspended.clone();
    numbered.device_id = "PC-0001".into();
    numbered.seq = 1;
    numbered.ts = worklog_schema::Timestamp(1_790_000_000_000_000);
    numbered.validate(None).unwrap();
}

/// The table as `docs/evtx-mapping.md` prints it.
fn table() -> String {
    let mut out = String::from(
        "| channel | provider | event ids | becomes | fields |\n|---|---|---|---|---|\n",
    );
    for rule in worklog_import::mapping::RULES {
        let ids: Vec<String> = rule.ids.iter().map(ToString::to_string).collect();
        out += &format!(
            "| {} | {} | {} | {} | {} |\n",
            rule.channel,
            rule.provider,
            ids.join(", "),
            rule.becomes,
            rule.fields
        );
    }
    out
}

#[test]
fn the_mapping_table_in_docs_is_the_code_s() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/evtx-mapping.md");
    let doc = std::fs::read_to_string(path).unwrap();
    let (start, end) = (
        "<!-- table: generated from crates/import/src/mapping.rs -->\n",
        "<!-- end of table -->",
    );
    let from = doc.find(start).expect("table start marker") + start.len();
    let to = doc.find(end).expect("table end marker");
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(path, format!("{}{}{}", &doc[..from], table(), &doc[to..])).unwrap();
        return;
    }
    assert_eq!(
        &doc[from..to],
        table(),
        "run UPDATE_DOCS=1 cargo test -p worklog-import and review"
    );
}

/// Phones and cameras reach Windows as portable devices (WPD, MTP or PTP),
/// hosted by the user-mode driver framework or the in-box drivers: the
/// product brief counts them as external storage (USBストレージやスマートフォン等の
/// 外部記憶媒体), criteria.md lists "MTP/PTP phone" among the media of 108. The
/// instance id carries only the USB ids; what the device is comes from the
/// USB ID database, whose names are kept as media_name.
#[test]
fn phones_and_cameras_over_usb_are_external_media_and_other_usb_devices_are_not() {
    // An iPhone's picture-transfer interface (MI_00) under UMDF.
    let iphone = "USB\\VID_05AC&PID_12A8&MI_00\\6&2F1E4B3&0&0000";
    let arrival = user_data(
        UMDF_CHANNEL,
        UMDF,
        2003,
        json!({"UMDFHostDeviceArrivalBegin": {"LifetimeId": "{0b8c7a4e-6f2d-4d7e-9a51-3f0e2c1d5b66}", "InstanceId": iphone}}),
    );
    let e = event(&arrival);
    assert_eq!((e.kind, e.op.as_str()), (EventKind::Media, "connect"));
    assert_eq!(e.media_class.as_deref(), Some("ptp"));
    assert_eq!(
        (e.vendor_id.as_deref(), e.product_id.as_deref()),
        (Some("05AC"), Some("12A8"))
    );
    assert_eq!(
        e.media_name.as_deref(),
        Some("Apple, Inc. iPhone 5/5C/5S/6/SE/7/8/X/XR")
    );
    // The third part is Windows' own instance id, not the phone's serial.
    assert_eq!(e.media_serial, None);
    let removal = user_data(
        UMDF_CHANNEL,
        UMDF,
        2101,
        json!({"UMDFHostDeviceRequest": {"InstanceId": iphone, "RequestMajorCode": 27,
               "RequestMinorCode": 2, "Argument1": "0x0", "Status": 0}}),
    );
    let gone = event(&removal);
    assert_eq!(
        (gone.op.as_str(), gone.media_class.as_deref()),
        ("disconnect", Some("ptp"))
    );
    // An Android phone in file-transfer mode, named MTP by the database,
    // installed by the in-box driver (Kernel-PnP 400).
    let pixel = record(
        "Microsoft-Windows-Kernel-PnP/Configuration",
        "Microsoft-Windows-Kernel-PnP",
        400,
        json!({"DeviceInstanceId": "USB\\VID_18D1&PID_4EE1\\0A1B2C3D4E5F", "DriverName": "wpdmtp.inf"}),
    );
    let p = event(&pixel);
    assert_eq!(p.media_class.as_deref(), Some("mtp"));
    assert_eq!(p.media_serial.as_deref(), Some("0A1B2C3D4E5F"));
    assert_eq!(
        p.media_name.as_deref(),
        Some("Google Inc. Nexus/Pixel Device (MTP)")
    );
    // A fingerprint reader is hosted by UMDF too, and is no storage.
    let reader = user_data(
        UMDF_CHANNEL,
        UMDF,
        2003,
        json!({"UMDFHostDeviceArrivalBegin": {"InstanceId": "USB\\VID_06CB&PID_00BD\\A1B2C3D4E5F6"}}),
    );
    let reason = not_mapped(&reader);
    assert!(
        reason.starts_with("not a storage device (USB 06CB:00BD, Synaptics, Inc."),
        "{reason}"
    );
    assert!(reason.contains("Fingerprint"), "{reason}");
    // A printer, and a webcam (no "digital camera"), neither.
    for (instance, what) in [
        ("USB\\VID_03F0&PID_3B17\\CN12345678", "printer"),
        ("USB\\VID_046D&PID_0825\\7B1C2D3E", "webcam"),
    ] {
        let pnp = record(
            "Microsoft-Windows-Kernel-PnP/Configuration",
            "Microsoft-Windows-Kernel-PnP",
            400,
            json!({ "DeviceInstanceId": instance }),
        );
        let reason = not_mapped(&pnp);
        assert!(
            reason.starts_with("not a storage device (USB "),
            "{what}: {reason}"
        );
    }
}
