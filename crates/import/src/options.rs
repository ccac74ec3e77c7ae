//! Which PC and which clock: the device id of a record's `Computer`, of a
//! mail user, of a client address, and the UTC offset of a time.
//!
//! Cloud services name people and addresses, not PCs: a message trace
//! says who sent a message, a proxy log which address asked for a page.
//! The maps here turn those into the inventory's device ids.

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::{Error, Result};

/// How to name devices and read clocks.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Computer name (case-insensitive) → the inventory's device id.
    computers: BTreeMap<String, String>,
    /// A user's mail address or UPN (case-insensitive) → the device id of
    /// the PC the user works on.
    users: BTreeMap<String, String>,
    /// A client IP address → device id.
    addresses: BTreeMap<String, String>,
    /// The inventory's device ids by their lower case: a computer named
    /// in another case (`pc-sato.minato.local` in Defender, `PC-SATO` in
    /// Intune) is the inventory's device.
    known: BTreeMap<String, String>,
    /// The organisation's time zone, for the events' UTC offsets.
    zone: chrono_tz::Tz,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            computers: BTreeMap::new(),
            users: BTreeMap::new(),
            addresses: BTreeMap::new(),
            known: BTreeMap::new(),
            zone: chrono_tz::Asia::Tokyo,
        }
    }
}

impl ImportOptions {
    /// Options with the time zone named `zone` (IANA, e.g. `Asia/Tokyo`).
    pub fn with_time_zone(zone: &str) -> Result<ImportOptions> {
        let zone = zone.parse().map_err(|_| {
            Error::Options(format!(
                "unknown time zone {zone:?}: give an IANA name such as Asia/Tokyo"
            ))
        })?;
        Ok(ImportOptions {
            zone,
            ..ImportOptions::default()
        })
    }

    /// Adds the computer-name map: a CSV file `computer,device_id` (a
    /// header line, then one computer per line).
    pub fn read_computer_map(mut self, path: &Path) -> Result<ImportOptions> {
        for (computer, device) in read_pairs(path, "computer")? {
            self.computers.insert(computer.to_lowercase(), device);
        }
        Ok(self)
    }

    /// Adds the user map: a CSV file `user,device_id`, a user's mail
    /// address or user principal name and the PC the user works on. A user
    /// listed twice keeps the first PC (a message trace cannot say which
    /// of a user's PCs sent a message: list the one that does).
    ///
    /// An Intune device export (CSV or Graph JSON) is read as a user map
    /// too: each device's primary user.
    pub fn read_user_map(mut self, path: &Path) -> Result<ImportOptions> {
        let pairs = if is_pairs_file(path, "user")? {
            read_pairs(path, "user")?
        } else {
            crate::intune::primary_users(path, &self).map_err(|e| {
                Error::Options(format!(
                    "{}: neither a `user,device_id` map nor an Intune device export: {e}",
                    path.display()
                ))
            })?
        };
        for (user, device) in pairs {
            self = self.with_user(&user, &device);
        }
        Ok(self)
    }

    /// Maps one user (mail address or UPN) to a device, unless the user is
    /// mapped already.
    pub fn with_user(mut self, user: &str, device: &str) -> ImportOptions {
        self.users
            .entry(user.trim().to_lowercase())
            .or_insert_with(|| device.to_owned());
        self
    }

    /// Adds the address map: a CSV file `address,device_id`, a PC's client
    /// IP address as a proxy logs it.
    pub fn read_address_map(mut self, path: &Path) -> Result<ImportOptions> {
        for (address, device) in read_pairs(path, "address")? {
            self.addresses.insert(address, device);
        }
        Ok(self)
    }

    /// Adds the inventory's device ids (the policy's `devices.csv`): a
    /// computer whose name is one of them in another case gets the
    /// inventory's spelling.
    pub fn with_devices<'a>(mut self, ids: impl IntoIterator<Item = &'a str>) -> ImportOptions {
        for id in ids {
            self.known.insert(id.to_lowercase(), id.to_owned());
        }
        self
    }

    /// The device of a user (mail address or UPN, any case).
    pub fn device_of_user(&self, user: &str) -> Option<&str> {
        self.users
            .get(&user.trim().to_lowercase())
            .map(String::as_str)
    }

    /// The device of a client IP address.
    pub fn device_of_address(&self, address: &str) -> Option<&str> {
        self.addresses.get(address.trim()).map(String::as_str)
    }

    /// The device id of a record's computer: the map's, else the
    /// inventory's device of that name in any case, else the computer name
    /// itself when it is a valid id (a fully qualified name keeps its host
    /// part).
    pub fn device_of(&self, computer: &str) -> std::result::Result<String, String> {
        let computer = computer.trim();
        if let Some(device) = self.computers.get(&computer.to_lowercase()) {
            return Ok(device.clone());
        }
        let host = computer.split('.').next().unwrap_or(computer);
        if let Some(device) = self.known.get(&host.to_lowercase()) {
            return Ok(device.clone());
        }
        if worklog_schema::is_identifier(host) {
            Ok(host.to_owned())
        } else if computer.is_empty() {
            Err("no Computer".into())
        } else {
            Err(format!(
                "computer name {computer:?} is not a device id: map it with --computer-map"
            ))
        }
    }

    /// The UTC offset in minutes at `utc_us` in the time zone.
    pub fn utc_offset_min(&self, utc_us: i64) -> i32 {
        use chrono::Offset;
        chrono::DateTime::from_timestamp_micros(utc_us)
            .map(|t| t.with_timezone(&self.zone).offset().fix().local_minus_utc() / 60)
            .unwrap_or(0)
    }
}

/// Whether the file's header is `<what>,device_id`.
fn is_pairs_file(path: &Path, what: &str) -> Result<bool> {
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    let text = crate::table::decode(&bytes).unwrap_or_default();
    let header = text.lines().next().unwrap_or_default().to_lowercase();
    let cells: Vec<&str> = header
        .split(',')
        .map(|c| c.trim().trim_matches('"'))
        .collect();
    Ok(cells.len() == 2 && cells[0] == what && cells[1] == "device_id")
}

/// The pairs of a two-column CSV map `<what>,device_id`: a header line,
/// then one pair per line; every device id checked.
fn read_pairs(path: &Path, what: &str) -> Result<Vec<(String, String)>> {
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    let text = crate::table::decode(&bytes)
        .map_err(|e| Error::Options(format!("{}: {e}", path.display())))?;
    let mut pairs = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let bad =
            |reason: String| Error::Options(format!("{} line {}: {reason}", path.display(), i + 1));
        let (key, device) = line
            .split_once(',')
            .ok_or_else(|| bad(format!("expected `{what},device_id`")))?;
        let (key, device) = (
            key.trim().trim_matches('"'),
            device.trim().trim_matches('"'),
        );
        if !worklog_schema::is_identifier(device) {
            return Err(bad(format!(
                "{device:?} is not a device id (1-64 of A-Z a-z 0-9 . _ -)"
            )));
        }
        if key.is_empty() {
            return Err(bad(format!("no {what}")));
        }
        pairs.push((key.to_owned(), device.to_owned()));
    }
    Ok(pairs)
}
