//! The policy: the organisation's reference data that rules judge events
//! against. A folder of `policy.toml` (settings and thresholds) and one CSV
//! per table; `samples/policy/` is a complete example. [`Policy::load`]
//! checks every file and reports every problem with its file, line and
//! field; [`Policy::write_to`] writes the same layout.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::spec::ENUMERATED;
use crate::{Date, Timestamp, is_identifier};

/// One problem in a policy folder: the file, the line and field where
/// known, and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct PolicyError {
    /// The file.
    pub file: PathBuf,
    /// 1-based line, when the problem is tied to one.
    pub line: Option<u64>,
    /// The column or key, when the problem is tied to one.
    pub field: Option<String>,
    /// What is wrong.
    pub reason: String,
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, " line {line}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ", field `{field}`")?;
        }
        write!(f, ": {}", self.reason)
    }
}

fn problem(
    file: &Path,
    line: Option<u64>,
    field: Option<&str>,
    reason: impl Into<String>,
) -> PolicyError {
    PolicyError {
        file: file.to_owned(),
        line,
        field: field.map(str::to_owned),
        reason: reason.into(),
    }
}

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
    /// Evidence over the period: an item is 適合 for a device only when, of
    /// the weeks (7-day windows from the period's first day) the device was
    /// in service, at least this percentage hold events of each kind the
    /// item needs. 1–100; default 80.
    #[serde(default = "default_weekly_coverage")]
    pub evidence_min_weekly_coverage_pct: u32,
    /// How often the head office anchors every device's chain head, at
    /// most, in hours (default 24). A device whose newest anchor covers
    /// events more than this before its last event or the period's end
    /// is reported: a truncation or rewrite after that anchor cannot be
    /// excluded.
    #[serde(default = "default_anchor_interval")]
    pub anchor_interval_hours: u32,
    /// Disk encryption suspended (BitLocker's key left in the clear, as
    /// Windows Update does before a restart) and resumed within this many
    /// minutes is not a finding of 125-1; suspended longer, or never
    /// resumed, is. Default 1440 (a day: an update's restart deferred to
    /// the night).
    #[serde(default = "default_suspend_grace")]
    pub encryption_suspend_grace_minutes: u32,
}

/// The default of [`Settings::encryption_suspend_grace_minutes`].
pub const DEFAULT_SUSPEND_GRACE_MINUTES: u32 = 1440;

fn default_suspend_grace() -> u32 {
    DEFAULT_SUSPEND_GRACE_MINUTES
}

/// The default of [`Settings::anchor_interval_hours`]: daily anchoring.
pub const DEFAULT_ANCHOR_INTERVAL_HOURS: u32 = 24;

fn default_anchor_interval() -> u32 {
    DEFAULT_ANCHOR_INTERVAL_HOURS
}

/// The default of [`Settings::evidence_min_weekly_coverage_pct`].
pub const DEFAULT_WEEKLY_COVERAGE_PCT: u32 = 80;

fn default_weekly_coverage() -> u32 {
    DEFAULT_WEEKLY_COVERAGE_PCT
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
    pub fn write_to(&self, dir: &Path) -> Result<(), PolicyError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| problem(dir, None, None, format!("cannot create: {e}")))?;
        if let Some(settings) = &self.settings {
            let path = dir.join(SETTINGS_FILE);
            let text = toml::to_string_pretty(settings)
                .map_err(|e| problem(&path, None, None, e.to_string()))?;
            std::fs::write(&path, text)
                .map_err(|e| problem(&path, None, None, format!("cannot write: {e}")))?;
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

/// Writes rows as CSV with a header line.
pub fn write_csv<T: Serialize>(path: &Path, rows: &[T]) -> Result<(), PolicyError> {
    let csv_error = |e: csv::Error| problem(path, None, None, format!("cannot write: {e}"));
    let mut writer = csv::Writer::from_path(path).map_err(csv_error)?;
    for row in rows {
        writer.serialize(row).map_err(csv_error)?;
    }
    writer
        .flush()
        .map_err(|e| problem(path, None, None, format!("cannot write: {e}")))
}

/// File name of the settings.
pub const SETTINGS_FILE: &str = "policy.toml";

impl Policy {
    /// Reads and checks a policy folder. Every file is read and every
    /// problem reported (file, line, field); nothing is returned unless the
    /// whole folder is valid.
    pub fn load(dir: &Path) -> Result<Self, Vec<PolicyError>> {
        let mut errors = Vec::new();
        let settings = load_settings(&dir.join(SETTINGS_FILE), &mut errors);
        let tables = Tables {
            networks: load_table(dir, "networks.csv", &mut errors),
            mail_domains: load_table(dir, "mail_domains.csv", &mut errors),
            personal_services: load_table(dir, "personal_services.csv", &mut errors),
            approved_software: load_table(dir, "approved_software.csv", &mut errors),
            eos_catalog: load_table(dir, "eos_catalog.csv", &mut errors),
            devices_complete: false,
            devices: Vec::new(),
            media_approvals: load_table(dir, "media_approvals.csv", &mut errors),
        };
        let before = errors.len();
        let mut tables = Tables {
            devices: load_table(dir, "devices.csv", &mut errors),
            ..tables
        };
        tables.devices_complete = errors.len() == before;
        tables.check(dir, &mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }
        // Senders are compared in normalised form (docs/ingest-format.md):
        // the policy's domains are put in the same form, however written.
        for (_, d) in &mut tables.mail_domains {
            if let Some(domain) = crate::mail::normalize_domain(&d.domain) {
                d.domain = domain;
            }
        }
        Ok(Policy {
            settings,
            networks: rows(tables.networks),
            mail_domains: rows(tables.mail_domains),
            personal_services: rows(tables.personal_services),
            approved_software: rows(tables.approved_software),
            eos_catalog: rows(tables.eos_catalog),
            devices: rows(tables.devices),
            media_approvals: rows(tables.media_approvals),
        })
    }
}

/// The rows of a table without their line numbers.
fn rows<T>(lined: Vec<(u64, T)>) -> Vec<T> {
    lined.into_iter().map(|(_, row)| row).collect()
}

/// The tables with the line each row came from.
struct Tables {
    networks: Vec<(u64, Network)>,
    mail_domains: Vec<(u64, MailDomain)>,
    personal_services: Vec<(u64, PersonalService)>,
    approved_software: Vec<(u64, ApprovedSoftware)>,
    eos_catalog: Vec<(u64, EndOfSupport)>,
    /// Every row of devices.csv parsed: references to it can be checked
    /// without blaming another file for a row that failed there.
    devices_complete: bool,
    devices: Vec<(u64, Device)>,
    media_approvals: Vec<(u64, MediaApproval)>,
}

fn allowed(column: &str) -> &'static [&'static str] {
    ENUMERATED
        .iter()
        .find(|(name, _)| *name == column)
        .map_or(&[], |(_, values)| values)
}

impl Tables {
    /// The checks a CSV parser cannot make: enumerations, dates, times,
    /// identifiers, and references between tables.
    fn check(&self, dir: &Path, errors: &mut Vec<PolicyError>) {
        let mut bad = |file: &str, line: u64, field: &str, reason: String| {
            errors.push(problem(&dir.join(file), Some(line), Some(field), reason));
        };
        self.check_networks(&mut bad);
        self.check_reference_lists(&mut bad);
        let seen = self.check_devices(&mut bad);
        self.check_media_approvals(&seen, &mut bad);
    }

    /// networks.csv: known interface and authentication, an SSID for
    /// Wi-Fi, a gateway otherwise.
    fn check_networks(&self, bad: &mut Bad<'_>) {
        for (line, n) in &self.networks {
            let file = "networks.csv";
            if let Some(r) = one_of(&n.if_type, allowed("if_type")) {
                bad(file, *line, "if_type", r);
            }
            if let Some(r) = one_of(&n.min_auth, allowed("auth_method")) {
                bad(file, *line, "min_auth", r);
            }
            if n.if_type == "wifi" && n.ssid.is_empty() {
                bad(file, *line, "ssid", "a Wi-Fi network needs its SSID".into());
            }
            if n.if_type != "wifi" && n.gateway_ip.is_empty() {
                bad(
                    file,
                    *line,
                    "gateway_ip",
                    "a wired or VPN network needs its gateway address".into(),
                );
            }
        }
    }

    /// mail_domains.csv, personal_services.csv, approved_software.csv,
    /// eos_catalog.csv.
    fn check_reference_lists(&self, bad: &mut Bad<'_>) {
        for (line, d) in &self.mail_domains {
            if d.domain.contains('@') || crate::mail::normalize_domain(&d.domain).is_none() {
                bad(
                    "mail_domains.csv",
                    *line,
                    "domain",
                    format!("{:?} is not a domain such as example.co.jp", d.domain),
                );
            }
        }
        for (line, p) in &self.personal_services {
            if let Some(r) = one_of(&p.category, &["webmail", "cloud_storage"]) {
                bad("personal_services.csv", *line, "category", r);
            }
            if p.web_domain.is_empty() {
                bad(
                    "personal_services.csv",
                    *line,
                    "web_domain",
                    "is empty".into(),
                );
            }
        }
        for (line, a) in &self.approved_software {
            if a.product_name.is_empty() {
                bad(
                    "approved_software.csv",
                    *line,
                    "product_name",
                    "is empty".into(),
                );
            }
        }
        for (line, e) in &self.eos_catalog {
            if let Some(r) = one_of(&e.category, &["os", "software"]) {
                bad("eos_catalog.csv", *line, "category", r);
            }
            if Date::parse(&e.end_of_support).is_none() {
                bad(
                    "eos_catalog.csv",
                    *line,
                    "end_of_support",
                    format!("{:?} is not a date such as 2025-10-14", e.end_of_support),
                );
            }
        }
    }

    /// devices.csv: ids once each, known types, service dates in order;
    /// the ids listed.
    fn check_devices(&self, bad: &mut Bad<'_>) -> Vec<&str> {
        let mut seen: Vec<&str> = Vec::new();
        for (line, d) in &self.devices {
            let file = "devices.csv";
            if !is_identifier(&d.device_id) {
                bad(
                    file,
                    *line,
                    "device_id",
                    format!(
                        "{:?} must be 1-64 characters of A-Z a-z 0-9 . _ -",
                        d.device_id
                    ),
                );
            } else if seen.contains(&d.device_id.as_str()) {
                bad(
                    file,
                    *line,
                    "device_id",
                    format!("{} is listed twice", d.device_id),
                );
            }
            seen.push(&d.device_id);
            if let Some(r) = one_of(&d.device_type, &["desktop", "laptop"]) {
                bad(file, *line, "device_type", r);
            }
            let from = Date::parse(&d.in_service_from);
            if from.is_none() {
                bad(
                    file,
                    *line,
                    "in_service_from",
                    format!("{:?} is not a date such as 2024-04-01", d.in_service_from),
                );
            }
            if !d.in_service_to.is_empty() {
                match Date::parse(&d.in_service_to) {
                    None => bad(
                        file,
                        *line,
                        "in_service_to",
                        format!(
                            "{:?} is not a date (or leave it empty while in service)",
                            d.in_service_to
                        ),
                    ),
                    Some(to) if from.is_some_and(|f| to < f) => bad(
                        file,
                        *line,
                        "in_service_to",
                        "is before in_service_from".into(),
                    ),
                    Some(_) => {}
                }
            }
        }
        seen
    }

    /// media_approvals.csv: a ticket, a listed device, a valid window.
    fn check_media_approvals(&self, seen: &[&str], bad: &mut Bad<'_>) {
        for (line, a) in &self.media_approvals {
            let file = "media_approvals.csv";
            if a.ticket_id.is_empty() {
                bad(file, *line, "ticket_id", "is empty".into());
            }
            if self.devices_complete && !seen.contains(&a.device_id.as_str()) {
                bad(
                    file,
                    *line,
                    "device_id",
                    format!("{} is not in devices.csv", a.device_id),
                );
            }
            let from = Timestamp::parse_rfc3339(&a.valid_from);
            let to = Timestamp::parse_rfc3339(&a.valid_to);
            if from.is_none() {
                bad(
                    file,
                    *line,
                    "valid_from",
                    format!(
                        "{:?} is not an RFC 3339 time such as 2026-10-07T10:00:00+09:00",
                        a.valid_from
                    ),
                );
            }
            match (from, to) {
                (_, None) => bad(
                    file,
                    *line,
                    "valid_to",
                    format!("{:?} is not an RFC 3339 time", a.valid_to),
                ),
                (Some(f), Some(t)) if t <= f => {
                    bad(file, *line, "valid_to", "is not after valid_from".into())
                }
                _ => {}
            }
        }
    }
}

/// Why `value` is not one of `values`, when it is not.
fn one_of(value: &str, values: &[&str]) -> Option<String> {
    (!values.contains(&value)).then(|| format!("{value:?} is not one of: {}", values.join(", ")))
}

/// Reports a problem of a policy file: file, line, field, reason.
type Bad<'a> = dyn FnMut(&str, u64, &str, String) + 'a;

fn load_settings(path: &Path, errors: &mut Vec<PolicyError>) -> Option<Settings> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => {
            errors.push(problem(
                path,
                None,
                None,
                format!("cannot read ({e}); every policy folder needs one (see samples/policy/)"),
            ));
            return None;
        }
    };
    let settings: Settings = match toml::from_str(&text) {
        Ok(s) => s,
        Err(e) => {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() as u64 + 1);
            errors.push(problem(path, line, None, e.message().to_owned()));
            return None;
        }
    };
    // Where each setting is, from the parser's spans (the line of its
    // value), to name it in a problem.
    let spans: std::collections::BTreeMap<String, toml::Spanned<toml::Value>> =
        toml::from_str(&text).unwrap_or_default();
    let line_of = |key: &str| {
        spans.get(key).map(|value| {
            text[..value.span().start.min(text.len())]
                .matches('\n')
                .count() as u64
                + 1
        })
    };
    let mut bad =
        |key: &str, reason: String| errors.push(problem(path, line_of(key), Some(key), reason));
    check_settings(&settings, &mut bad);
    Some(settings)
}

/// Settings whose values are out of range, each reported by `bad` with its
/// key.
fn check_settings(settings: &Settings, bad: &mut dyn FnMut(&str, String)) {
    // `HH:MM`, two digits each (chrono alone would take `8:30`).
    let hhmm = |t: &str| {
        chrono::NaiveTime::parse_from_str(t, "%H:%M")
            .ok()
            .filter(|_| t.len() == 5)
    };
    match (hhmm(&settings.work_start), hhmm(&settings.work_end)) {
        (None, _) => bad(
            "work_start",
            format!("{:?} is not a time such as 08:30", settings.work_start),
        ),
        (_, None) => bad(
            "work_end",
            format!("{:?} is not a time such as 18:00", settings.work_end),
        ),
        (Some(a), Some(b)) if a >= b => bad("work_end", "must be after work_start".into()),
        _ => {}
    }
    for (key, hour) in [
        ("night_start_hour", settings.night_start_hour),
        ("night_end_hour", settings.night_end_hour),
    ] {
        if hour > 23 {
            bad(key, format!("{hour} is not an hour 0-23"));
        }
    }
    for (key, value) in [
        ("patch_age_limit_days", settings.patch_age_limit_days),
        (
            "install_removal_deadline_hours",
            settings.install_removal_deadline_hours,
        ),
        (
            "remote_lock_limit_minutes",
            settings.remote_lock_limit_minutes,
        ),
        ("log_gap_hours", settings.log_gap_hours),
        ("anchor_interval_hours", settings.anchor_interval_hours),
        ("bulk_copy_files", settings.bulk_copy_files),
        ("bulk_copy_minutes", settings.bulk_copy_minutes),
        ("customer_burst_files", settings.customer_burst_files),
        ("customer_burst_minutes", settings.customer_burst_minutes),
    ] {
        if value == 0 {
            bad(key, "must be at least 1".into());
        }
    }
    if !(1..=100).contains(&settings.evidence_min_weekly_coverage_pct) {
        bad(
            "evidence_min_weekly_coverage_pct",
            format!(
                "{} is not a percentage 1-100",
                settings.evidence_min_weekly_coverage_pct
            ),
        );
    }
    if settings.time_zone.trim().is_empty() {
        bad(
            "time_zone",
            "is empty; use an IANA name such as Asia/Tokyo".into(),
        );
    }
    if settings.customer_path_prefix.trim().is_empty() {
        bad("customer_path_prefix", "is empty".into());
    }
}

/// Reads one CSV table; rows that do not parse are reported and skipped.
fn load_table<T: DeserializeOwned>(
    dir: &Path,
    name: &str,
    errors: &mut Vec<PolicyError>,
) -> Vec<(u64, T)> {
    let path = dir.join(name);
    let mut reader = match csv::Reader::from_path(&path) {
        Ok(r) => r,
        Err(e) => {
            errors.push(problem(
                &path,
                None,
                None,
                format!("cannot read ({e}); every policy folder needs one (see samples/policy/)"),
            ));
            return Vec::new();
        }
    };
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            errors.push(problem(
                &path,
                Some(1),
                None,
                format!("cannot read the header: {e}"),
            ));
            return Vec::new();
        }
    };
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(problem(
                    &path,
                    e.position().map(|p| p.line()),
                    None,
                    e.to_string(),
                ));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        match record.deserialize::<T>(Some(&headers)) {
            Ok(row) => rows.push((line, row)),
            Err(e) => {
                let (field, reason) = match e.kind() {
                    csv::ErrorKind::Deserialize { err, .. } => (
                        err.field()
                            .and_then(|i| headers.get(i as usize))
                            .map(str::to_owned),
                        err.kind().to_string(),
                    ),
                    other => (None, format!("{other:?}")),
                };
                errors.push(PolicyError {
                    file: path.clone(),
                    line: Some(line),
                    field,
                    reason,
                });
            }
        }
    }
    rows
}
