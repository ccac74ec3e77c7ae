//! Three PCs with no agent, two weeks, judged from nothing but the exports
//! the agency already has, each written as the vendor's tool writes it
//! (the importers' fixture READMEs cite the formats): each PC's Windows
//! event logs (Security, Application, WLAN-AutoConfig, BitLocker
//! Management; EVTX files laid out as MS-EVEN6 documents them), Intune's
//! Graph device list every working day, an Exchange Online message trace
//! (PowerShell 7 `Export-Csv`) per week with a day of overlap, Defender's
//! DeviceEvents (portal export) and DeviceNetworkInfo (API JSON), and a
//! Squid access.log. Expected verdicts come from criteria.md: 適合 only
//! where the sources show the control, 証跡不足 where none does, and never
//! 適合 without the kinds an item needs.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde_json::json;
use worklog::ExportFormat;
use worklog::import_formats::ImportOptions;
use worklog::model::SourceFamily;
use worklog::rules::Verdict;
use worklog::synth::evtx::{EventData, EvtxRecord, write_file};

use crate::fleet::*;

/// Laptop A: encrypted, device control blocks its USB attempts, on the
/// office Wi-Fi. Desktop B: Windows 10 past its end of support, wired,
/// one mail from an address outside the company's domains, no device
/// control evidence. Laptop C: unencrypted, a USB write allowed, a café's
/// Wi-Fi, personal webmail through the proxy.
const DEVICES: [(&str, bool); 3] = [("PC-A", true), ("PC-B", false), ("PC-C", true)];

fn working_days() -> Vec<NaiveDate> {
    period_days()
        .into_iter()
        .filter(|d| is_working_day(*d))
        .collect()
}

/// `2026-01-05T00:30:00Z` for a local (JST) day and minute.
fn utc(d: NaiveDate, minute: u32) -> String {
    let local = d.and_hms_opt(0, 0, 0).unwrap() + chrono::Duration::minutes(i64::from(minute));
    let utc = local - chrono::Duration::hours(9);
    utc.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn upn(device: &str) -> String {
    format!("{}@example-agency.co.jp", device.to_lowercase())
}

fn write(path: &Path, text: &str) -> PathBuf {
    std::fs::write(path, text).unwrap();
    path.to_owned()
}

/// Intune's device list, one Graph answer per working day.
fn intune_exports(dir: &Path) -> Vec<PathBuf> {
    let os = |d: &str| match d {
        "PC-B" => "10.0.19045.6036",
        _ => "10.0.26200.7019",
    };
    working_days()
        .iter()
        .map(|d| {
            let value: Vec<_> = DEVICES
                .iter()
                .map(|(device, _)| {
                    json!({
                        "id": format!("0000-{device}"),
                        "deviceName": device,
                        "lastSyncDateTime": utc(*d, 8 * 60 + 45),
                        "operatingSystem": "Windows",
                        "osVersion": os(device),
                        "skuFamily": "windowsProfessional",
                        "complianceState": "compliant",
                        "isEncrypted": *device == "PC-A",
                        "userPrincipalName": upn(device),
                        "serialNumber": format!("SN-{device}"),
                    })
                })
                .collect();
            let body = json!({"@odata.context": "https://graph.microsoft.com/beta/$metadata#deviceManagement/managedDevices", "value": value});
            write(
                &dir.join(format!("intune-{d}.json")),
                &serde_json::to_string_pretty(&body).unwrap(),
            )
        })
        .collect()
}

/// `Get-MessageTraceV2 | Export-Csv` (PowerShell 7, ja-JP) for `days`.
fn message_trace(dir: &Path, name: &str, days: &[NaiveDate]) -> PathBuf {
    let mut csv = String::from(
        "\"Received\",\"SenderAddress\",\"RecipientAddress\",\"Subject\",\"Status\",\"ToIP\",\"FromIP\",\"Size\",\"MessageId\",\"MessageTraceId\"\n",
    );
    for d in days {
        for (device, _) in DEVICES {
            let received =
                (chrono::NaiveDateTime::parse_from_str(&utc(*d, 10 * 60), "%Y-%m-%dT%H:%M:%SZ")
                    .unwrap())
                .format("%Y/%m/%d %-H:%M:%S");
            csv += &format!(
                "\"{received}\",\"{}\",\"customer@example.com\",\"ご案内\",\"Delivered\",\"\",\"10.10.0.5\",\"20480\",\"<{device}-{d}@example-agency.co.jp>\",\"{device}-{d}\"\n",
                upn(device)
            );
        }
    }
    // B writes once from the address of a brand the company gave up.
    if days.contains(&day("2026-01-13")) {
        csv += "\"2026/01/13 5:00:00\",\"b.sales@old-brand.example\",\"customer@example.com\",\"見積\",\"Delivered\",\"\",\"10.10.0.5\",\"10240\",\"<old@old-brand.example>\",\"old-brand-1\"\n";
    }
    write(&dir.join(name), &csv)
}

fn user_map(dir: &Path) -> PathBuf {
    let mut csv = String::from("user,device_id\n");
    for (device, _) in DEVICES {
        csv += &format!("{},{device}\n", upn(device));
    }
    csv += "b.sales@old-brand.example,PC-B\n";
    write(&dir.join("users.csv"), &csv)
}

/// Defender's DeviceEvents, exported from the portal (UTF-8 with BOM).
fn defender_events(dir: &Path) -> PathBuf {
    let af = |v: serde_json::Value| format!("\"{}\"", v.to_string().replace('"', "\"\""));
    let deny = |d: &str, report: u32| {
        format!(
            "{},dev-a,pc-a.example-agency.local,RemovableStoragePolicyTriggered,,E:\\,,,,AGENCY,pc-a,explorer.exe,{},{report}\n",
            utc(day(d), 11 * 60),
            af(
                json!({"RemovableStorageAccess": "Read, Write", "RemovableStoragePolicyVerdict": "Deny", "ClassName": "DiskDrive", "DeviceInstanceId": "USBSTOR\\DISK&VEN_KINGSTON&PROD_DATATRAVELER_3.0&REV_PMAP\\E0D55EA5740116B1&0", "SerialNumber": "E0D55EA5740116B1", "RemovableStoragePolicy": "USBメモリ禁止"})
            )
        )
    };
    let mut csv = String::from(
        "\u{feff}Timestamp,DeviceId,DeviceName,ActionType,FileName,FolderPath,FileSize,AccountDomain,AccountName,InitiatingProcessAccountDomain,InitiatingProcessAccountName,InitiatingProcessFileName,AdditionalFields,ReportId\r\n",
    );
    csv += &deny("2026-01-07", 10).replace('\n', "\r\n");
    csv += &deny("2026-01-14", 11).replace('\n', "\r\n");
    let medium = json!({"RemovableStorageAccess": "Write", "RemovableStoragePolicyVerdict": "AuditAllowed", "ClassName": "DiskDrive", "DeviceInstanceId": "USBSTOR\\DISK&VEN_SANDISK&PROD_ULTRA&REV_1.00\\4C530001231120115142&0", "SerialNumber": "4C530001231120115142"});
    csv += &format!(
        "{},dev-c,pc-c.example-agency.local,RemovableStoragePolicyTriggered,,F:\\,,,,AGENCY,pc-c,explorer.exe,{},20\r\n",
        utc(day("2026-01-08"), 15 * 60),
        af(medium)
    );
    csv += &format!(
        "{},dev-c,pc-c.example-agency.local,RemovableStorageFileEvent,顧客一覧.xlsx,F:\\顧客一覧.xlsx,48213,,,AGENCY,pc-c,EXCEL.EXE,{},21\r\n",
        utc(day("2026-01-08"), 15 * 60 + 1),
        af(json!({"DuplicatedOperation": "Write", "SerialNumber": "4C530001231120115142"}))
    );
    write(&dir.join("deviceevents.csv"), &csv)
}

/// Defender's DeviceNetworkInfo through the API: each PC's adapter every
/// working morning.
fn defender_networks(dir: &Path) -> PathBuf {
    let mut results = Vec::new();
    let mut report = 1000;
    for d in working_days() {
        for (device, laptop) in DEVICES {
            let mut name = "CORP-WIFI";
            if device == "PC-C" && d == day("2026-01-09") {
                name = "Cafe-Free";
            }
            let (adapter, kind, networks) = if laptop {
                (
                    "Wi-Fi",
                    "Wireless80211",
                    json!([{"Name": name, "Description": name, "IsConnectedToInternet": true, "Category": "Public"}]),
                )
            } else {
                (
                    "Ethernet",
                    "Ethernet",
                    json!([{"Name": "example-agency.local", "Description": "example-agency.local", "IsConnectedToInternet": true, "Category": "Domain"}]),
                )
            };
            report += 1;
            results.push(json!({
                "Timestamp": utc(d, 8 * 60 + 50),
                "DeviceId": format!("dev-{device}"),
                "DeviceName": format!("{}.example-agency.local", device.to_lowercase()),
                "NetworkAdapterName": adapter,
                "NetworkAdapterType": kind,
                "NetworkAdapterStatus": "Up",
                "ConnectedNetworks": networks.to_string(),
                "DefaultGateways": "[\"10.10.0.1\"]",
                "ReportId": report,
            }));
        }
    }
    let body = json!({"Schema": [{"Name": "Timestamp", "Type": "DateTime"}, {"Name": "DeviceName", "Type": "String"}, {"Name": "NetworkAdapterName", "Type": "String"}, {"Name": "NetworkAdapterType", "Type": "String"}, {"Name": "ConnectedNetworks", "Type": "String"}], "Results": results});
    write(&dir.join("devicenetworkinfo.json"), &body.to_string())
}

/// Squid's native access.log: each PC opens the intranet every working
/// day; C opens Gmail once.
fn squid_log(dir: &Path) -> (PathBuf, PathBuf) {
    let address = |device: &str| match device {
        "PC-A" => "10.10.3.11",
        "PC-B" => "10.10.3.12",
        _ => "10.10.3.13",
    };
    let epoch = |d: NaiveDate, minute: u32| {
        chrono::NaiveDateTime::parse_from_str(&utc(d, minute), "%Y-%m-%dT%H:%M:%SZ")
            .unwrap()
            .and_utc()
            .timestamp()
    };
    let mut log = String::new();
    for d in working_days() {
        for (device, _) in DEVICES {
            log += &format!(
                "{}.000    120 {} TCP_MISS/200 10523 GET http://intranet.example-agency.co.jp/ - HIER_DIRECT/10.10.0.80 text/html\n",
                epoch(d, 9 * 60 + 5),
                address(device)
            );
        }
    }
    log += &format!(
        "{}.250  60112 10.10.3.13 TCP_TUNNEL/200 58230 CONNECT mail.google.com:443 - HIER_DIRECT/142.250.196.101 -\n",
        epoch(day("2026-01-13"), 12 * 60 + 10)
    );
    let mut map = String::from("address,device_id\n");
    for (device, _) in DEVICES {
        map += &format!("{},{device}\n", address(device));
    }
    (
        write(&dir.join("access.log"), &log),
        write(&dir.join("addresses.csv"), &map),
    )
}

/// `2026-01-05T00:30:00Z` as a time.
fn utc_time(d: NaiveDate, minute: u32) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(&utc(d, minute))
        .unwrap()
        .to_utc()
}

/// Each PC's event logs as copied off it, one file per channel: the
/// morning logon (Security 4624), the laptops' Wi-Fi (WLAN-AutoConfig
/// 8001 with the security Windows negotiated), one MSI install each
/// (Application 11707: A and B approved products, C Dropbox) and A's
/// BitLocker suspended for the Patch Tuesday restart and resumed 12
/// minutes later (773, 774).
fn event_logs(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for (device, laptop) in DEVICES {
        let computer = format!("{device}.example-agency.local");
        let record = |channel: &str, provider: &str, id: u16, time, data| {
            EvtxRecord::new(channel, provider, id, time, &computer, data)
        };
        let mut security = Vec::new();
        let mut wlan = Vec::new();
        for d in working_days() {
            security.push(record(
                "Security",
                "Microsoft-Windows-Security-Auditing",
                4624,
                utc_time(d, 8 * 60 + 55),
                EventData::named(&[
                    ("TargetUserName", &owner(device)),
                    ("TargetDomainName", "AGENCY"),
                    ("LogonType", "2"),
                ]),
            ));
            if laptop {
                let cafe = device == "PC-C" && d == day("2026-01-09");
                let (ssid, auth, cipher) = if cafe {
                    ("Cafe-Free", "Open", "None")
                } else {
                    ("CORP-WIFI", "WPA2-Enterprise", "AES")
                };
                wlan.push(record(
                    "Microsoft-Windows-WLAN-AutoConfig/Operational",
                    "Microsoft-Windows-WLAN-AutoConfig",
                    8001,
                    utc_time(d, 8 * 60 + 50),
                    EventData::named(&[
                        ("ProfileName", ssid),
                        ("SSID", ssid),
                        ("BSSType", "Infrastructure"),
                        ("AuthenticationAlgorithm", auth),
                        ("CipherAlgorithm", cipher),
                    ]),
                ));
            }
        }
        let (product, install_day) = match device {
            "PC-A" => ("Microsoft 365 Apps for enterprise", "2026-01-06"),
            "PC-B" => ("Google Chrome", "2026-01-07"),
            _ => ("Dropbox", "2026-01-08"),
        };
        let application = vec![record(
            "Application",
            "MsiInstaller",
            11707,
            utc_time(day(install_day), 14 * 60),
            EventData::Positional(vec![format!(
                "Product: {product} -- Installation completed successfully."
            )]),
        )];
        let mut logs = vec![("Security", security), ("Application", application)];
        if laptop {
            logs.push(("Microsoft-Windows-WLAN-AutoConfig%4Operational", wlan));
        }
        if device == "PC-A" {
            let volume = [
                (
                    "VolumeName",
                    "\\\\?\\Volume{8d4e8a3f-0000-0000-0000-100000000000}",
                ),
                ("VolumeMountPoint", "C:"),
            ];
            let bitlocker = |id, minute| {
                record(
                    "Microsoft-Windows-BitLocker/BitLocker Management",
                    "Microsoft-Windows-BitLocker-API",
                    id,
                    utc_time(day("2026-01-14"), minute),
                    EventData::named(&volume),
                )
            };
            logs.push((
                "Microsoft-Windows-BitLocker%4BitLocker Management",
                vec![bitlocker(773, 3 * 60), bitlocker(774, 3 * 60 + 12)],
            ));
        }
        let folder = dir.join("evtx").join(device);
        std::fs::create_dir_all(&folder).unwrap();
        for (name, records) in logs {
            let path = folder.join(format!("{name}.evtx"));
            write_file(&path, &records).unwrap();
            files.push(path);
        }
    }
    files
}

struct Imported {
    ingested: u64,
    duplicates: u64,
}

fn import(
    format: ExportFormat,
    files: &[PathBuf],
    store: &Path,
    keys: &Path,
    options: &ImportOptions,
) -> Imported {
    let report = worklog::import_export(format, files, store, keys, true, options).unwrap();
    for file in &report.files {
        assert!(
            !file.read.unreadable,
            "{}: {:?}",
            file.read.file, file.read.unparsed
        );
        assert!(
            file.read.unparsed.is_empty(),
            "{}: {:?}",
            file.read.file,
            file.read.unparsed
        );
        assert!(
            file.outcome.rejected.is_empty(),
            "{}: {:?}",
            file.read.file,
            file.outcome.rejected
        );
    }
    Imported {
        ingested: report.files.iter().map(|f| f.outcome.ingested).sum(),
        duplicates: report.files.iter().map(|f| f.outcome.duplicates).sum(),
    }
}

#[test]
fn a_fleet_without_the_agent_is_judged_from_its_exports() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, store, keys) = (
        tmp.path(),
        tmp.path().join("store"),
        tmp.path().join("keys"),
    );
    let policy = dir.join("policy");
    write_policy(&policy, &DEVICES, &[]);
    let (log, addresses) = squid_log(dir);
    let options = ImportOptions::with_time_zone("Asia/Tokyo")
        .unwrap()
        .with_devices(DEVICES.iter().map(|(d, _)| *d))
        .read_user_map(&user_map(dir))
        .unwrap()
        .read_address_map(&addresses)
        .unwrap();
    let days = working_days();
    let intune = intune_exports(dir);
    let first_week = message_trace(dir, "trace-week1.csv", &days[..6]);
    let second_week = message_trace(dir, "trace-week2.csv", &days[4..]);
    let imports = [
        (ExportFormat::Evtx, event_logs(dir)),
        (ExportFormat::Intune, intune.clone()),
        (ExportFormat::MessageTrace, vec![first_week, second_week]),
        (
            ExportFormat::Defender,
            vec![defender_events(dir), defender_networks(dir)],
        ),
        (ExportFormat::Squid, vec![log]),
    ];
    for (format, files) in &imports {
        let done = import(*format, files, &store, &keys, &options);
        assert!(done.ingested > 0, "{format:?}");
    }
    // The two trace exports share a day: each message of it is stored once.
    // Importing every export again adds nothing.
    for (format, files) in &imports {
        let again = import(*format, files, &store, &keys, &options);
        assert_eq!(again.ingested, 0, "{format:?} re-imported");
        assert!(again.duplicates > 0, "{format:?}");
    }

    let out = dir.join("out");
    let analysis = audit(&store, &keys, None, &policy, &out).analysis;
    let expect = |item: &str, device: &str, want: Verdict| {
        let v = verdict(&analysis, item, device);
        assert_eq!(v.verdict, want, "{item} on {device}: {v:?}");
        v
    };
    let sources =
        |v: &worklog::rules::DeviceVerdict| v.sources.iter().copied().collect::<BTreeSet<_>>();

    // 108/109: device control's denies are the storage control's state.
    let v = expect("108", "PC-A", Verdict::Pass);
    assert_eq!(sources(v), BTreeSet::from([SourceFamily::Defender]));
    expect("109", "PC-A", Verdict::Pass);
    // No source shows B's storage control.
    expect("108", "PC-B", Verdict::InsufficientEvidence);
    expect("109", "PC-B", Verdict::InsufficientEvidence);
    // C's medium was let through with no approval: a finding whatever
    // else is missing.
    expect("108", "PC-C", Verdict::Fail);

    // 119: Defender names A's Wi-Fi but not its security, which A's
    // WLAN-AutoConfig log gives (WPA2-Enterprise, as registered); B's wired
    // network is the registered one; C went on a café's open Wi-Fi.
    let v = expect("119", "PC-A", Verdict::Pass);
    assert_eq!(
        sources(v),
        BTreeSet::from([SourceFamily::Evtx, SourceFamily::Defender])
    );
    expect("119", "PC-B", Verdict::Pass);
    expect("119", "PC-C", Verdict::Fail);

    // 120 needs mail and web: the trace and the proxy together.
    let v = expect("120", "PC-A", Verdict::Pass);
    assert_eq!(
        sources(v),
        BTreeSet::from([SourceFamily::Exchange, SourceFamily::Proxy])
    );
    expect("120", "PC-B", Verdict::Fail);
    expect("120", "PC-C", Verdict::NeedsReview);

    // 123: the MSI installs the event logs show. C's Dropbox is not
    // approved; A's and B's installs are, but no source lists what else is
    // installed, which is said, never taken as fine.
    let v = expect("123", "PC-C", Verdict::Fail);
    assert!(v.sources.contains(&SourceFamily::Evtx), "{v:?}");
    expect("123", "PC-A", Verdict::NeedsReview);
    expect("123", "PC-B", Verdict::NeedsReview);
    // 124 from Intune: the OS is judged, the patch date Intune does not
    // give is said.
    expect("124", "PC-A", Verdict::NeedsReview);
    expect("124", "PC-C", Verdict::NeedsReview);
    expect("124", "PC-B", Verdict::Fail);

    // 125-1 from Intune's encryption state; A's BitLocker suspension for
    // an update, resumed within the grace, is no finding.
    let v = expect("125-1", "PC-A", Verdict::Pass);
    assert!(v.sources.contains(&SourceFamily::Intune), "{v:?}");
    expect("125-1", "PC-C", Verdict::Fail);
    expect("125-1", "PC-B", Verdict::NotApplicable);
    // No source shows a ghost drive.
    expect("125-2", "PC-A", Verdict::InsufficientEvidence);

    // Never 適合 without the evidence: every 適合 rests on events of some
    // source.
    for v in analysis
        .verdicts
        .iter()
        .filter(|v| v.verdict == Verdict::Pass)
    {
        assert!(v.evidence_events > 0 && !v.sources.is_empty(), "{v:?}");
    }
    // The agent is no source of this fleet.
    assert!(
        analysis
            .verdicts
            .iter()
            .all(|v| !v.sources.contains(&SourceFamily::Agent)),
    );
}
