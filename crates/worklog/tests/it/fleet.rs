//! A small hand-written fleet for scenario tests, independent of the
//! simulator: a policy folder written here, and each device's days built
//! from what a Windows PC with the agent records on a working day (boot,
//! shutter state, network, encryption status, inventory on Mondays, some
//! web and mail, heartbeats, orderly shutdown). Each scenario then adds or
//! takes away what its case needs.

use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate, Weekday};
use serde_json::{Value, json};

/// The audited period: two whole weeks, Monday 2026-01-05 to Sunday
/// 2026-01-18, Asia/Tokyo.
pub const FIRST_DAY: &str = "2026-01-05";
pub const LAST_DAY: &str = "2026-01-18";

pub fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// The period's days.
pub fn period_days() -> Vec<NaiveDate> {
    let (first, last) = (day(FIRST_DAY), day(LAST_DAY));
    first.iter_days().take_while(|d| *d <= last).collect()
}

pub fn is_working_day(d: NaiveDate) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// `2026-01-05T09:00:00+09:00` for a local date and minute of the day.
pub fn at(d: NaiveDate, minute: u32) -> String {
    format!(
        "{}T{:02}:{:02}:00+09:00",
        d.format("%Y-%m-%d"),
        minute / 60,
        minute % 60
    )
}

/// One event: the common fields plus `extra`.
pub fn event(device: &str, ts: &str, kind: &str, op: &str, extra: Value) -> Value {
    let mut e =
        json!({"ts": ts, "utc_offset_min": 540, "device_id": device, "kind": kind, "op": op});
    if let (Value::Object(map), Value::Object(more)) = (&mut e, extra) {
        map.extend(more);
    }
    e
}

/// What a device's ordinary working day holds; scenarios switch parts off.
#[derive(Clone, Copy)]
pub struct Routine {
    pub laptop: bool,
    pub mail: bool,
    pub web: bool,
    pub inventory: bool,
    pub encryption: bool,
    /// The system volume's encryption (laptops).
    pub encrypted: bool,
    /// The OS the inventory reports.
    pub os: (&'static str, &'static str),
    /// Extra software the inventory reports.
    pub extra_software: &'static [&'static str],
}

impl Routine {
    pub fn desktop() -> Self {
        Routine {
            laptop: false,
            mail: true,
            web: true,
            inventory: true,
            encryption: true,
            encrypted: true,
            os: ("Windows 11 Pro", "25H2"),
            extra_software: &[],
        }
    }

    pub fn laptop() -> Self {
        Routine {
            laptop: true,
            ..Routine::desktop()
        }
    }
}

/// One working day of `device` from 09:00 to 18:00 local.
pub fn working_day(device: &str, user: &str, d: NaiveDate, r: &Routine) -> Vec<Value> {
    let mut out = Vec::new();
    let boot = 9 * 60;
    let off = 18 * 60;
    out.push(event(
        device,
        &at(d, boot),
        "agent",
        "start",
        json!({"agent_version": "5.1.0"}),
    ));
    out.push(event(
        device,
        &at(d, boot),
        "shutter",
        "enable",
        json!({"detail": "state at agent start"}),
    ));
    let network = if r.laptop {
        json!({"if_type": "wifi", "ssid": "CORP-WIFI", "bssid": "00:11:22:33:44:55", "auth_method": "wpa2_enterprise", "cipher": "ccmp"})
    } else {
        json!({"if_type": "ethernet", "auth_method": "none", "gateway_ip": "10.10.0.1"})
    };
    out.push(event(
        device,
        &at(d, boot + 1),
        "network",
        "connect",
        network,
    ));
    if r.encryption {
        out.push(event(
            device,
            &at(d, boot + 1),
            "encryption",
            "status",
            json!({"volume_name": "C:", "volume_role": "system", "protection_on": r.encrypted}),
        ));
    }
    if r.laptop {
        out.push(event(
            device,
            &at(d, boot + 2),
            "ghost_drive",
            "mount",
            json!({"volume_name": "G:", "if_type": "wifi", "ssid": "CORP-WIFI"}),
        ));
    }
    if r.inventory && d.weekday() == Weekday::Mon {
        let snapshot = format!("{device}-{}", d.format("%Y%m%d"));
        let patched = d - chrono::Days::new(10);
        out.push(event(
            device,
            &at(d, boot + 3),
            "inventory",
            "os",
            json!({"snapshot_id": snapshot, "os_product": r.os.0, "os_version": r.os.1, "last_patch_date": patched.format("%Y-%m-%d").to_string()}),
        ));
        for product in ["Google Chrome", "Microsoft 365 Apps for enterprise"]
            .iter()
            .chain(r.extra_software)
        {
            out.push(event(
                device,
                &at(d, boot + 3),
                "inventory",
                "software",
                json!({"snapshot_id": snapshot, "product_name": product}),
            ));
        }
    }
    out.push(event(
        device,
        &at(d, boot + 4),
        "session",
        "logon",
        json!({"user_name": user}),
    ));
    if r.web {
        out.push(event(
            device,
            &at(d, boot + 30),
            "web",
            "visit",
            json!({"user_name": user, "url": "https://portal.example-agency.co.jp/", "web_domain": "portal.example-agency.co.jp"}),
        ));
    }
    if r.mail {
        out.push(event(
            device,
            &at(d, boot + 45),
            "mail",
            "send",
            json!({"user_name": user, "sender_address": format!("{user}@example-agency.co.jp"), "mail_client": "Outlook"}),
        ));
    }
    let mut minute = boot + 30;
    while minute < off {
        out.push(event(
            device,
            &at(d, minute),
            "agent",
            "heartbeat",
            json!({}),
        ));
        minute += 30;
    }
    out.push(event(
        device,
        &at(d, off),
        "session",
        "logoff",
        json!({"user_name": user}),
    ));
    out.push(event(
        device,
        &at(d, off + 1),
        "agent",
        "shutdown",
        json!({}),
    ));
    // In time order, as an agent writes them (stable: same-minute events
    // keep the order above).
    out.sort_by(|a, b| a["ts"].as_str().cmp(&b["ts"].as_str()));
    out
}

/// Every working day of the period.
pub fn every_working_day(device: &str, user: &str, r: &Routine) -> Vec<Value> {
    period_days()
        .into_iter()
        .filter(|d| is_working_day(*d))
        .flat_map(|d| working_day(device, user, d, r))
        .collect()
}

/// Writes the scenario policy: the inventory `devices` (id, laptop?), and
/// the media approvals as CSV lines.
pub fn write_policy(dir: &Path, devices: &[(&str, bool)], media_approvals: &[&str]) {
    std::fs::create_dir_all(dir).unwrap();
    let w = |name: &str, text: String| std::fs::write(dir.join(name), text).unwrap();
    w(
        "policy.toml",
        r#"organisation = "シナリオ保険代理店"
time_zone = "Asia/Tokyo"
work_start = "09:00"
work_end = "18:00"
night_start_hour = 22
night_end_hour = 6
patch_age_limit_days = 60
install_removal_deadline_hours = 24
remote_lock_limit_minutes = 30
shutter_close_grace_minutes = 30
log_gap_hours = 2
bulk_copy_files = 100
bulk_copy_minutes = 10
customer_burst_files = 100
customer_burst_minutes = 10
customer_path_prefix = '\\fs01\share\顧客\'
evidence_min_weekly_coverage_pct = 80
"#
        .into(),
    );
    w(
        "networks.csv",
        "name,if_type,ssid,gateway_ip,min_auth\n本社無線LAN,wifi,CORP-WIFI,,wpa2_enterprise\n本社有線LAN,ethernet,,10.10.0.1,none\n".into(),
    );
    w("mail_domains.csv", "domain\nexample-agency.co.jp\n".into());
    w(
        "personal_services.csv",
        "web_domain,category\nmail.google.com,webmail\ndrive.google.com,cloud_storage\n".into(),
    );
    w(
        "approved_software.csv",
        "product_name,publisher\nGoogle Chrome,Google LLC\nMicrosoft 365 Apps for enterprise,Microsoft Corporation\n".into(),
    );
    w(
        "eos_catalog.csv",
        "category,product,version,end_of_support\nos,Windows 10 Pro,22H2,2025-10-14\nos,Windows 11 Pro,25H2,2027-10-12\n".into(),
    );
    let mut csv = "device_id,device_type,portable,department,owner,in_service_from,in_service_to\n"
        .to_owned();
    for (id, laptop) in devices {
        let (kind, portable) = if *laptop {
            ("laptop", "true")
        } else {
            ("desktop", "false")
        };
        csv += &format!("{id},{kind},{portable},営業部,{},2024-04-01,\n", owner(id));
    }
    w("devices.csv", csv);
    let mut approvals =
        "ticket_id,approver,device_id,media_serial,valid_from,valid_to\n".to_owned();
    for line in media_approvals {
        approvals += line;
        approvals += "\n";
    }
    w("media_approvals.csv", approvals);
}

/// The user of a device: `u-` and its id.
pub fn owner(device: &str) -> String {
    format!("u-{}", device.to_lowercase())
}

/// Writes events as JSON Lines and ingests them into `store` (keys under
/// `keys`, created on first use).
pub fn ingest(dir: &Path, name: &str, events: &[Value], store: &Path, keys: &Path) {
    let input = dir.join(format!("{name}.jsonl"));
    let text: String = events.iter().map(|e| format!("{e}\n")).collect();
    std::fs::write(&input, text).unwrap();
    let report = worklog::ingest(
        std::slice::from_ref(&input),
        Some(worklog::InputFormat::JsonLines),
        store,
        keys,
        &worklog::RejectsTo::BesideEachInput,
        true,
    )
    .unwrap();
    assert_eq!(report.store.rejected, 0, "{name}: lines rejected");
    assert_eq!(report.store.accepted, events.len() as u64);
}

/// Anchors every device's head with a new authority key (written to
/// `keys/authority.pub`); returns the anchor log's path.
pub fn anchor(dir: &Path, store: &Path, keys: &Path) -> PathBuf {
    use worklog::ledger::{AnchorLog, Keyring, Role, SecretKey, export_heads};
    let authority_pub = keys.join("authority.pub");
    let authority = SecretKey::generate(Role::Authority, "hq").unwrap();
    if !authority_pub.exists() {
        authority.public().write(&authority_pub).unwrap();
    }
    let keyring = Keyring::load_dir(keys).unwrap();
    let path = dir.join("anchors.jsonl");
    let (mut log, problems) = AnchorLog::open(&path).unwrap();
    assert!(problems.is_empty());
    for claim in export_heads(store).unwrap() {
        log.anchor(&claim, &keyring, &authority, 1_800_000_000_000_000)
            .unwrap();
    }
    path
}

/// Runs the whole audit (verify, analyse with the built-in pack, report).
pub fn audit(
    store: &Path,
    keys: &Path,
    anchors: Option<PathBuf>,
    policy: &Path,
    out: &Path,
) -> worklog::AuditOutput {
    worklog::audit(
        &worklog::AuditConfig {
            store: store.to_owned(),
            keys: keys.to_owned(),
            anchors,
            policy: policy.to_owned(),
            rules: None,
            first_day: day(FIRST_DAY),
            last_day: day(LAST_DAY),
            out: out.to_owned(),
            language: worklog::rules::Language::Ja,
            execution: worklog::Execution::default(),
            compare: None,
            pseudonymise: None,
            tsa: None,
        },
        &|_| {},
    )
    .unwrap()
}

/// The verdict of `item` on `device`.
pub fn verdict<'a>(
    analysis: &'a worklog::rules::Analysis,
    item: &str,
    device: &str,
) -> &'a worklog::rules::DeviceVerdict {
    analysis
        .verdicts
        .iter()
        .find(|v| v.item == item && v.device_id == device)
        .unwrap_or_else(|| panic!("no verdict for {item} on {device}"))
}

/// A log-management check by id.
pub fn check(
    analysis: &worklog::rules::Analysis,
    id: worklog::model::LogCheckId,
) -> &worklog::rules::LogCheck {
    analysis
        .log_checks
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no log check {id:?}"))
}
