//! The reference data (policy) that matches a simulated fleet, and how it
//! is written: `policy.toml` for settings and thresholds, one CSV per table.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Settings and thresholds (`policy.toml`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Organisation name shown in reports.
    pub organisation: String,
    /// IANA time zone for day boundaries and working hours.
    pub time_zone: String,
    /// Working hours, local `HH:MM` start.
    pub work_start: String,
    /// Working hours, local `HH:MM` end.
    pub work_end: String,
    /// Activity between these local hours counts as far outside working
    /// hours (`night_start` ≤ hour or hour < `night_end`).
    pub night_start_hour: u32,
    /// See `night_start_hour`.
    pub night_end_hour: u32,
    /// Oldest acceptable OS patch, in days before the snapshot.
    pub patch_age_limit_days: u32,
    /// An unapproved install must be removed within this many hours.
    pub install_removal_deadline_hours: u32,
    /// A remote-lock command must execute within this many minutes.
    pub remote_lock_limit_minutes: u32,
    /// The shutter must be re-enabled within this many minutes after an
    /// approved window ends.
    pub shutter_close_grace_minutes: u32,
    /// A device in use that is silent this long has a log gap.
    pub log_gap_hours: u32,
    /// Bulk copy: this many files copied to removable media …
    pub bulk_copy_files: u32,
    /// … within this many minutes.
    pub bulk_copy_minutes: u32,
    /// Customer-file burst: this many customer files touched …
    pub customer_burst_files: u32,
    /// … within this many minutes.
    pub customer_burst_minutes: u32,
    /// Path prefix of customer files.
    pub customer_path_prefix: String,
}

/// A registered (company) network (`networks.csv`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Network {
    /// Display name.
    pub name: String,
    /// Interface type: wifi, ethernet, cellular, vpn.
    pub if_type: String,
    /// SSID for Wi-Fi; empty for wired.
    pub ssid: String,
    /// Gateway address for wired networks; empty for Wi-Fi.
    pub gateway_ip: String,
    /// Weakest acceptable authentication.
    pub min_auth: String,
}

/// An allowed sender domain (`mail_domains.csv`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailDomain {
    /// The domain after `@`.
    pub domain: String,
}

/// A personal web service (`personal_services.csv`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonalService {
    /// Host name.
    pub web_domain: String,
    /// webmail or cloud_storage.
    pub category: String,
}

/// Approved software (`approved_software.csv`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovedSoftware {
    /// Product name as inventoried.
    pub product_name: String,
    /// Publisher.
    pub publisher: String,
}

/// End-of-support catalog entry (`eos_catalog.csv`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndOfSupport {
    /// os or software.
    pub category: String,
    /// Product name.
    pub product: String,
    /// Version (exact match; empty for every version).
    pub version: String,
    /// Last day of support, `YYYY-MM-DD`.
    pub end_of_support: String,
}

/// A device in the inventory (`devices.csv`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    /// Device identifier, as in events.
    pub device_id: String,
    /// desktop or laptop.
    pub device_type: String,
    /// Whether the device may leave the office.
    pub portable: bool,
    /// Department.
    pub department: String,
    /// Main user.
    pub owner: String,
    /// First day in service, `YYYY-MM-DD`.
    pub in_service_from: String,
    /// Last day in service, empty while in service.
    pub in_service_to: String,
}

/// A removable-media approval (`media_approvals.csv`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaApproval {
    /// Ticket number.
    pub ticket_id: String,
    /// Who approved.
    pub approver: String,
    /// Device it applies to.
    pub device_id: String,
    /// Media serial it applies to.
    pub media_serial: String,
    /// Window start, RFC 3339.
    pub valid_from: String,
    /// Window end, RFC 3339.
    pub valid_to: String,
}

/// The whole policy folder.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Policy {
    /// `policy.toml`.
    pub settings: Option<Settings>,
    /// `networks.csv`.
    pub networks: Vec<Network>,
    /// `mail_domains.csv`.
    pub mail_domains: Vec<MailDomain>,
    /// `personal_services.csv`.
    pub personal_services: Vec<PersonalService>,
    /// `approved_software.csv`.
    pub approved_software: Vec<ApprovedSoftware>,
    /// `eos_catalog.csv`.
    pub eos_catalog: Vec<EndOfSupport>,
    /// `devices.csv`.
    pub devices: Vec<Device>,
    /// `media_approvals.csv`.
    pub media_approvals: Vec<MediaApproval>,
}

impl Policy {
    /// Writes the policy folder (created if missing).
    pub fn write_to(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        if let Some(settings) = &self.settings {
            let path = dir.join("policy.toml");
            let text = toml::to_string_pretty(settings).map_err(|e| Error::Toml {
                path: path.clone(),
                source: e,
            })?;
            std::fs::write(&path, text).map_err(|e| Error::io(&path, e))?;
        }
        write_csv(&dir.join("networks.csv"), &self.networks)?;
        write_csv(&dir.join("mail_domains.csv"), &self.mail_domains)?;
        write_csv(&dir.join("personal_services.csv"), &self.personal_services)?;
        write_csv(&dir.join("approved_software.csv"), &self.approved_software)?;
        write_csv(&dir.join("eos_catalog.csv"), &self.eos_catalog)?;
        write_csv(&dir.join("devices.csv"), &self.devices)?;
        write_csv(&dir.join("media_approvals.csv"), &self.media_approvals)?;
        Ok(())
    }
}

/// Writes rows with a header line.
pub(crate) fn write_csv<T: Serialize>(path: &Path, rows: &[T]) -> Result<()> {
    let csv_error = |e: csv::Error| Error::Csv {
        path: path.to_owned(),
        source: e,
    };
    let mut writer = csv::Writer::from_path(path).map_err(csv_error)?;
    for row in rows {
        writer.serialize(row).map_err(csv_error)?;
    }
    writer.flush().map_err(|e| Error::io(path, e))?;
    Ok(())
}
