//! A deterministic simulator of a fleet of office PCs: their operation
//! logs, the policy (reference data) that matches them, and a ground-truth
//! file labelling every violation it injected.
//!
//! It exists so that the ledger, the rule engine and the reports can be
//! built and measured on realistic data: devices (desktops and portable
//! laptops) in several departments, a working-hours rhythm with weekends,
//! a realistic mix and volume of events, compliant noise that must *not*
//! be flagged, and violations of every evaluation item (108-125) and every
//! leak-prevention signal, each labelled with the exact event.
//!
//! Same configuration and seed, same bytes: the simulator owns its PRNG and
//! generates each device from its own stream, so output does not depend on
//! thread count.
//!
//! # Example
//! ```
//! use worklog_synth::{Fleet, FleetConfig, Signal};
//!
//! let config = FleetConfig { devices: 8, days: 7, events_per_device_day: 150, ..FleetConfig::default() };
//! let fleet = Fleet::new(config).unwrap();
//! let logs = fleet.generate();
//! assert_eq!(logs.len(), 8);
//! // Every event passes schema validation and sequence numbers run 1, 2, 3, ...
//! for log in &logs {
//!     for (i, event) in log.events.iter().enumerate() {
//!         event.validate(None).unwrap();
//!         assert_eq!(event.seq, i as u64 + 1);
//!     }
//! }
//! let labels: Vec<_> = logs.iter().flat_map(|l| &l.labels).collect();
//! assert!(labels.iter().any(|l| l.signal == Signal::UnregisteredNetwork));
//! ```

mod catalog;
mod device;
mod error;
pub mod evtx;
mod rng;

use std::path::Path;

use chrono::NaiveDate;
use rayon::prelude::*;
use serde::Serialize;
use worklog_schema::{Event, Timestamp};

use crate::device::{Injection, is_working_day, local_ts};
pub use crate::error::{Error, Result};
pub use crate::rng::Rng;
pub use worklog_schema::policy;
use worklog_schema::policy::{
    ApprovedSoftware, Device, EndOfSupport, MailDomain, MediaApproval, Network, PersonalService,
    Policy, Settings,
};

/// What to simulate.
#[derive(Debug, Clone, PartialEq)]
pub struct FleetConfig {
    /// Seed of every random choice.
    pub seed: u64,
    /// Number of devices (desktops and laptops).
    pub devices: usize,
    /// Number of days from `start`.
    pub days: u32,
    /// First day (local date, Asia/Tokyo).
    pub start: NaiveDate,
    /// Events per device on a working day (about; the daily rhythm adds a
    /// few dozen fixed ones).
    pub events_per_device_day: u32,
    /// Whether to inject violations (and write labels).
    pub inject_violations: bool,
}

impl Default for FleetConfig {
    /// About 100 devices × 30 days × 2,000 events a working day.
    fn default() -> Self {
        FleetConfig {
            seed: 20_261_001,
            devices: 100,
            days: 30,
            start: NaiveDate::from_ymd_opt(2026, 10, 1).unwrap_or_default(),
            events_per_device_day: 2_000,
            inject_violations: true,
        }
    }
}

/// A violation or evidence gap the simulator can inject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Signal {
    /// 108: USB storage allowed with no approved window.
    MediaAllowedOutsideWindow,
    /// 108: a file written to removable media with no approved window.
    RemovableIoOutsideWindow,
    /// 109: the shutter disabled without an approval.
    ShutterDisabledWithoutApproval,
    /// 109: removable media used after the approved window ended.
    MediaUseAfterWindow,
    /// 109: the shutter not re-enabled after the window.
    WindowNotClosed,
    /// 109: the agent was stopped during the window.
    UnmonitoredWindow,
    /// 119: a network not registered for the company.
    UnregisteredNetwork,
    /// 119: open, WEP or TKIP security.
    WeakNetworkSecurity,
    /// 120: a sender domain outside the allowed list.
    UnapprovedSenderDomain,
    /// 120: personal webmail used.
    PersonalWebmail,
    /// 123: unapproved software installed, not blocked, not removed in time.
    UnapprovedInstall,
    /// 124: an end-of-support OS.
    EosOs,
    /// 124: end-of-support software installed.
    EosSoftware,
    /// 124: OS patches older than the limit.
    StalePatches,
    /// 124 (evidence gap): no inventory snapshot in the period.
    NoInventory,
    /// 125-1: a portable PC's system volume unencrypted.
    PortableUnencrypted,
    /// 125-2: the ghost drive mounted on an unregistered network.
    GhostDriveOffNetwork,
    /// 125-2: a remote-lock command not executed in time.
    RemoteLockNotExecuted,
    /// Leak: many files copied to removable media in a short time.
    BulkCopyRemovable,
    /// Leak: an upload to personal cloud storage or webmail.
    PersonalUpload,
    /// Leak: activity far outside working hours.
    OffHoursActivity,
    /// Leak: the agent stopped or a log-clear attempt.
    AgentTamper,
    /// Leak: many customer files touched in a short time.
    CustomerFileBurst,
    /// Log management (evidence gap): a device silent for hours while in use.
    LogGap,
    /// Log management (evidence gap): an inventory device with no events.
    SilentDevice,
}

impl Signal {
    /// Every signal, in a fixed order.
    pub const ALL: [Signal; 25] = [
        Signal::MediaAllowedOutsideWindow,
        Signal::RemovableIoOutsideWindow,
        Signal::ShutterDisabledWithoutApproval,
        Signal::MediaUseAfterWindow,
        Signal::WindowNotClosed,
        Signal::UnmonitoredWindow,
        Signal::UnregisteredNetwork,
        Signal::WeakNetworkSecurity,
        Signal::UnapprovedSenderDomain,
        Signal::PersonalWebmail,
        Signal::UnapprovedInstall,
        Signal::EosOs,
        Signal::EosSoftware,
        Signal::StalePatches,
        Signal::NoInventory,
        Signal::PortableUnencrypted,
        Signal::GhostDriveOffNetwork,
        Signal::RemoteLockNotExecuted,
        Signal::BulkCopyRemovable,
        Signal::PersonalUpload,
        Signal::OffHoursActivity,
        Signal::AgentTamper,
        Signal::CustomerFileBurst,
        Signal::LogGap,
        Signal::SilentDevice,
    ];

    /// The snake_case name written in the label file.
    pub fn name(self) -> &'static str {
        match self {
            Signal::MediaAllowedOutsideWindow => "media_allowed_outside_window",
            Signal::RemovableIoOutsideWindow => "removable_io_outside_window",
            Signal::ShutterDisabledWithoutApproval => "shutter_disabled_without_approval",
            Signal::MediaUseAfterWindow => "media_use_after_window",
            Signal::WindowNotClosed => "window_not_closed",
            Signal::UnmonitoredWindow => "unmonitored_window",
            Signal::UnregisteredNetwork => "unregistered_network",
            Signal::WeakNetworkSecurity => "weak_network_security",
            Signal::UnapprovedSenderDomain => "unapproved_sender_domain",
            Signal::PersonalWebmail => "personal_webmail",
            Signal::UnapprovedInstall => "unapproved_install",
            Signal::EosOs => "eos_os",
            Signal::EosSoftware => "eos_software",
            Signal::StalePatches => "stale_patches",
            Signal::NoInventory => "no_inventory",
            Signal::PortableUnencrypted => "portable_unencrypted",
            Signal::GhostDriveOffNetwork => "ghost_drive_off_network",
            Signal::RemoteLockNotExecuted => "remote_lock_not_executed",
            Signal::BulkCopyRemovable => "bulk_copy_removable",
            Signal::PersonalUpload => "personal_upload",
            Signal::OffHoursActivity => "off_hours_activity",
            Signal::AgentTamper => "agent_tamper",
            Signal::CustomerFileBurst => "customer_file_burst",
            Signal::LogGap => "log_gap",
            Signal::SilentDevice => "silent_device",
        }
    }

    /// The evaluation item it falls under: `108` … `125-2`, `leak` for a
    /// leak-prevention signal, `log` for a log-management check.
    pub fn item(self) -> &'static str {
        use Signal::*;
        match self {
            MediaAllowedOutsideWindow | RemovableIoOutsideWindow => "108",
            // A shutter left off outside an approved window lets media be
            // read and written (108) and is an unmonitored permission (109).
            ShutterDisabledWithoutApproval | WindowNotClosed => "108,109",
            MediaUseAfterWindow | UnmonitoredWindow => "109",
            UnregisteredNetwork | WeakNetworkSecurity => "119",
            UnapprovedSenderDomain | PersonalWebmail => "120",
            UnapprovedInstall => "123",
            EosOs | EosSoftware | StalePatches | NoInventory => "124",
            PortableUnencrypted => "125-1",
            GhostDriveOffNetwork | RemoteLockNotExecuted => "125-2",
            BulkCopyRemovable | PersonalUpload | OffHoursActivity | AgentTamper
            | CustomerFileBurst => "leak",
            LogGap | SilentDevice => "log",
        }
    }

    /// `finding` (a rule must report it) or `evidence_gap` (the verdict
    /// must say the evidence is insufficient).
    pub fn label_type(self) -> &'static str {
        match self {
            Signal::NoInventory | Signal::LogGap | Signal::SilentDevice => "evidence_gap",
            _ => "finding",
        }
    }

    fn portable_only(self) -> bool {
        matches!(
            self,
            Signal::UnregisteredNetwork
                | Signal::WeakNetworkSecurity
                | Signal::PortableUnencrypted
                | Signal::GhostDriveOffNetwork
                | Signal::RemoteLockNotExecuted
        )
    }

    /// Signals planned as a condition of the whole device.
    fn whole_device(self) -> bool {
        matches!(
            self,
            Signal::PortableUnencrypted
                | Signal::EosOs
                | Signal::EosSoftware
                | Signal::StalePatches
                | Signal::NoInventory
                | Signal::SilentDevice
        )
    }

    /// Signals planned on a device of their own (they remove events or a
    /// whole day, which would hide other injections).
    fn exclusive(self) -> bool {
        matches!(
            self,
            Signal::LogGap | Signal::SilentDevice | Signal::NoInventory
        )
    }

    fn needs_approval(self) -> bool {
        matches!(
            self,
            Signal::MediaUseAfterWindow
                | Signal::WindowNotClosed
                | Signal::UnmonitoredWindow
                | Signal::BulkCopyRemovable
        )
    }
}

/// One ground-truth entry: an injected violation at an exact event, or an
/// evidence gap of a device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Label {
    /// The signal.
    #[serde(skip)]
    pub signal: Signal,
    /// Its snake_case name.
    #[serde(rename = "signal")]
    pub signal_name: &'static str,
    /// The evaluation item (`108` … `125-2`, `leak`, `log`).
    pub item: &'static str,
    /// `finding` or `evidence_gap`.
    pub label_type: &'static str,
    /// The device.
    pub device_id: String,
    /// The user.
    pub user_name: String,
    /// When (UTC).
    pub ts: Timestamp,
    /// The event's sequence number (none for whole-device gaps).
    pub seq: Option<u64>,
    /// What happened, in words.
    pub detail: String,
}

impl Label {
    fn finding(signal: Signal, event: &Event, detail: String) -> Self {
        Label {
            signal,
            signal_name: signal.name(),
            item: signal.item(),
            label_type: signal.label_type(),
            device_id: event.device_id.clone(),
            user_name: event.user_name.clone().unwrap_or_default(),
            ts: event.ts,
            seq: Some(event.seq),
            detail,
        }
    }

    fn device_level(signal: Signal, device: &str, user: &str, ts: Timestamp, detail: &str) -> Self {
        Label {
            signal,
            signal_name: signal.name(),
            item: signal.item(),
            label_type: signal.label_type(),
            device_id: device.to_owned(),
            user_name: user.to_owned(),
            ts,
            seq: None,
            detail: detail.to_owned(),
        }
    }
}

/// One device's simulated log.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceLog {
    /// The device.
    pub device_id: String,
    /// Its events, in sequence order (seq 1, 2, 3, …).
    pub events: Vec<Event>,
    /// The violations injected into it.
    pub labels: Vec<Label>,
}

#[derive(Debug, Clone)]
pub(crate) struct Profile {
    device: Device,
    injections: Vec<Injection>,
    silent: bool,
    no_inventory: bool,
    /// An approved removable-media window used correctly: (day, minute, ticket).
    compliant_window: Option<(u32, u32, String)>,
}

/// A planned fleet: devices, policy and injected violations. Generating the
/// events is separate (and parallel), so a caller can stream them device by
/// device.
#[derive(Debug, Clone)]
pub struct Fleet {
    config: FleetConfig,
    profiles: Vec<Profile>,
    policy: Policy,
}

impl Fleet {
    /// Plans a fleet. Violations need at least 6 devices and a 7-day period
    /// (to place every kind with clean devices left over).
    pub fn new(config: FleetConfig) -> Result<Self> {
        if config.devices == 0 || config.days == 0 {
            return Err(Error::Config("devices and days must be at least 1".into()));
        }
        if config.inject_violations && (config.devices < 6 || config.days < 7) {
            return Err(Error::Config(format!(
                "injecting violations needs at least 6 devices and 7 days (got {} devices, {} days); \
                 enlarge the fleet or turn injection off",
                config.devices, config.days
            )));
        }
        if config.devices > 99_999 {
            return Err(Error::Config("at most 99,999 devices".into()));
        }
        let mut rng = Rng::new(config.seed, 0);
        let mut profiles: Vec<Profile> = (0..config.devices)
            .map(|i| {
                // About 40 % laptops, spread over departments.
                let portable = i % 5 == 1 || i % 5 == 3;
                let department = catalog::DEPARTMENTS[i % catalog::DEPARTMENTS.len()];
                Profile {
                    device: Device {
                        device_id: format!("PC-{:04}", i + 1),
                        device_type: if portable { "laptop" } else { "desktop" }.into(),
                        portable,
                        department: department.into(),
                        owner: format!("user{:03}", i + 1),
                        in_service_from: "2024-04-01".into(),
                        in_service_to: String::new(),
                    },
                    injections: Vec::new(),
                    silent: false,
                    no_inventory: false,
                    compliant_window: None,
                }
            })
            .collect();
        let mut approvals = Vec::new();
        if config.inject_violations {
            plan_injections(&config, &mut rng, &mut profiles, &mut approvals);
        }
        add_clean_approval(&config, &mut profiles, &mut approvals);
        let policy = build_policy(&profiles, approvals);
        Ok(Fleet {
            config,
            profiles,
            policy,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &FleetConfig {
        &self.config
    }

    /// The policy matching the fleet.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Device identifiers, in order.
    pub fn device_ids(&self) -> impl Iterator<Item = &str> {
        self.profiles.iter().map(|p| p.device.device_id.as_str())
    }

    /// Number of devices.
    pub fn len(&self) -> usize {
        self.profiles.len()
    }

    /// Whether the fleet has no devices (never, once built).
    pub fn is_empty(&self) -> bool {
        self.profiles.is_empty()
    }

    /// Generates the device at `index` (0-based); `None` past the end.
    pub fn device(&self, index: usize) -> Option<DeviceLog> {
        (index < self.profiles.len()).then(|| self.build_device(index))
    }

    /// Generates the device at `index` a day at a time: see
    /// [`Fleet::stream_device`] (memory holds one simulated day).
    pub fn stream<E>(
        &self,
        index: usize,
        sink: &mut dyn FnMut(Vec<Event>, Vec<Label>) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        if index >= self.profiles.len() {
            return Ok(());
        }
        self.stream_device(index, sink)
    }

    /// Generates every device, in parallel, returned in device order.
    pub fn generate(&self) -> Vec<DeviceLog> {
        (0..self.profiles.len())
            .into_par_iter()
            .map(|i| self.build_device(i))
            .collect()
    }

    /// Writes the policy folder to `dir`.
    pub fn write_policy(&self, dir: &Path) -> Result<()> {
        self.policy.write_to(dir).map_err(Error::Policy)
    }
}

/// Writes ground-truth labels as CSV (sorted by device, time, signal).
pub fn write_labels(path: &Path, labels: &[Label]) -> Result<()> {
    let mut sorted: Vec<&Label> = labels.iter().collect();
    sorted.sort_by(|a, b| {
        (&a.device_id, a.ts, a.signal_name, a.seq).cmp(&(&b.device_id, b.ts, b.signal_name, b.seq))
    });
    policy::write_csv(path, &sorted).map_err(Error::Policy)
}

fn working_days(config: &FleetConfig) -> Vec<u32> {
    (0..config.days)
        .filter(|&d| {
            config
                .start
                .checked_add_days(chrono::Days::new(u64::from(d)))
                .is_some_and(is_working_day)
        })
        .collect()
}

/// Chooses devices and days for every signal. The first device of every
/// five stays clean; a device carries at most one injection per day.
fn plan_injections(
    config: &FleetConfig,
    rng: &mut Rng,
    profiles: &mut [Profile],
    approvals: &mut Vec<MediaApproval>,
) {
    let days = working_days(config);
    let instances = if config.devices >= 50 { 2 } else { 1 };
    // One device in ten stays clean.
    let clean = |i: usize| i.is_multiple_of(10);
    let mut exclusive_used: Vec<usize> = Vec::new();
    // Exclusive signals first, so that they find a device of their own.
    let order = Signal::ALL
        .iter()
        .filter(|s| s.exclusive())
        .chain(Signal::ALL.iter().filter(|s| !s.exclusive()));
    for &signal in order {
        for _ in 0..instances {
            let candidates: Vec<usize> = (0..profiles.len())
                .filter(|&i| !clean(i) && !exclusive_used.contains(&i))
                .filter(|&i| !signal.portable_only() || profiles[i].device.portable)
                .filter(|&i| {
                    !signal.exclusive()
                        || (profiles[i].injections.is_empty() && !profiles[i].device.portable)
                })
                .filter(|&i| {
                    !profiles[i]
                        .injections
                        .iter()
                        .any(|inj| inj.signal == signal)
                })
                .collect();
            if candidates.is_empty() {
                continue;
            }
            let device = *rng.pick(&candidates);
            let profile = &mut profiles[device];
            match signal {
                Signal::SilentDevice => profile.silent = true,
                Signal::NoInventory => profile.no_inventory = true,
                _ => {}
            }
            if signal.exclusive() {
                exclusive_used.push(device);
            }
            let free: Vec<u32> = days
                .iter()
                .copied()
                .filter(|d| !profile.injections.iter().any(|inj| inj.day == *d))
                .collect();
            let day = if signal.whole_device() || free.is_empty() {
                days.first().copied().unwrap_or(0)
            } else {
                *rng.pick(&free)
            };
            let minute = rng.range(600, 900) as u32;
            let ticket = signal
                .needs_approval()
                .then(|| push_approval(config, approvals, &profile.device.device_id, day, minute));
            profile.injections.push(Injection {
                signal,
                day,
                minute,
                ticket,
            });
        }
    }
}

/// Records an approved one-hour media window and returns its new ticket.
fn push_approval(
    config: &FleetConfig,
    approvals: &mut Vec<MediaApproval>,
    device_id: &str,
    day: u32,
    minute: u32,
) -> String {
    let ticket = format!("REQ-{:05}", 10_000 + approvals.len());
    let date = config
        .start
        .checked_add_days(chrono::Days::new(u64::from(day)))
        .unwrap_or(config.start);
    approvals.push(MediaApproval {
        ticket_id: ticket.clone(),
        approver: "it-admin".into(),
        device_id: device_id.to_owned(),
        media_serial: format!("USB-{device_id}"),
        valid_from: local_ts(date, minute, 0).to_string(),
        valid_to: local_ts(date, minute + 60, 0).to_string(),
    });
    ticket
}

/// A compliant approved window on the last clean device: disable with the
/// ticket, a few copies inside the window, re-enabled in time.
fn add_clean_approval(
    config: &FleetConfig,
    profiles: &mut [Profile],
    approvals: &mut Vec<MediaApproval>,
) {
    let Some(&day) = working_days(config).get(1) else {
        return;
    };
    let Some(profile) = profiles.first_mut() else {
        return;
    };
    let ticket = push_approval(config, approvals, &profile.device.device_id, day, 840);
    profile.compliant_window = Some((day, 840, ticket));
}

fn build_policy(profiles: &[Profile], media_approvals: Vec<MediaApproval>) -> Policy {
    use catalog::*;
    let settings = Settings {
        organisation: "サンプル保険代理店株式会社".into(),
        time_zone: "Asia/Tokyo".into(),
        work_start: "08:30".into(),
        work_end: "18:00".into(),
        night_start_hour: 22,
        night_end_hour: 6,
        patch_age_limit_days: 60,
        install_removal_deadline_hours: 24,
        remote_lock_limit_minutes: 30,
        shutter_close_grace_minutes: 30,
        log_gap_hours: 2,
        bulk_copy_files: 100,
        bulk_copy_minutes: 10,
        customer_burst_files: 100,
        customer_burst_minutes: 10,
        customer_path_prefix: CUSTOMER_PREFIX.into(),
        evidence_min_weekly_coverage_pct: worklog_schema::policy::DEFAULT_WEEKLY_COVERAGE_PCT,
        anchor_interval_hours: worklog_schema::policy::DEFAULT_ANCHOR_INTERVAL_HOURS,
        encryption_suspend_grace_minutes: worklog_schema::policy::DEFAULT_SUSPEND_GRACE_MINUTES,
    };
    let networks = vec![
        Network {
            name: "本社無線LAN".into(),
            if_type: "wifi".into(),
            ssid: OFFICE_WIFI.0.into(),
            gateway_ip: String::new(),
            min_auth: "wpa2_enterprise".into(),
        },
        Network {
            name: "本社有線LAN".into(),
            if_type: "ethernet".into(),
            ssid: String::new(),
            gateway_ip: OFFICE_GATEWAY.into(),
            min_auth: "none".into(),
        },
    ];
    let mail_domains = vec![
        MailDomain {
            domain: COMPANY_DOMAIN.into(),
        },
        MailDomain {
            domain: GROUP_DOMAIN.into(),
        },
    ];
    let personal_services = WEBMAIL
        .iter()
        .map(|d| (d, "webmail"))
        .chain(CLOUD_STORAGE.iter().map(|d| (d, "cloud_storage")))
        .map(|(d, c)| PersonalService {
            web_domain: (*d).into(),
            category: c.into(),
        })
        .collect();
    // Flash Player was approved years ago and is still on the list: it is
    // an end-of-support finding (124), not an unapproved one (123).
    let approved_software = APPROVED_SOFTWARE
        .iter()
        .chain(std::iter::once(&SOFTWARE_EOS))
        .map(|(name, publisher, _)| ApprovedSoftware {
            product_name: (*name).into(),
            publisher: (*publisher).into(),
        })
        .collect();
    let eos = |category: &str, product: &str, version: &str, date: &str| EndOfSupport {
        category: category.into(),
        product: product.into(),
        version: version.into(),
        end_of_support: date.into(),
    };
    let eos_catalog = vec![
        eos("os", OS_EOS.0, OS_EOS.1, "2025-10-14"),
        eos("os", "Windows 11 Pro", "22H2", "2024-10-08"),
        eos("os", "Windows 11 Pro", "23H2", "2025-11-11"),
        eos("os", "Windows 11 Pro", "24H2", "2026-10-13"),
        eos("os", OS_CURRENT.0, OS_CURRENT.1, "2027-10-12"),
        eos("software", SOFTWARE_EOS.0, "", "2020-12-31"),
        eos("software", "Internet Explorer 11", "", "2022-06-15"),
        eos("software", "Microsoft Office 2016", "", "2025-10-14"),
    ];
    Policy {
        settings: Some(settings),
        networks,
        mail_domains,
        personal_services,
        approved_software,
        eos_catalog,
        devices: profiles.iter().map(|p| p.device.clone()).collect(),
        media_approvals,
    }
}
