//! Which PC and which clock: the device id of a record's `Computer` and
//! the UTC offset of its time (EVTX times are UTC).

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::{Error, Result};

/// How to name devices and read clocks.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Computer name (case-insensitive) → the inventory's device id.
    computers: BTreeMap<String, String>,
    /// The organisation's time zone, for the events' UTC offsets.
    zone: chrono_tz::Tz,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            computers: BTreeMap::new(),
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
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_owned(),
            source,
        })?;
        for (i, line) in text.lines().enumerate().skip(1) {
            if line.trim().is_empty() {
                continue;
            }
            let bad = |reason: String| {
                Error::Options(format!("{} line {}: {reason}", path.display(), i + 1))
            };
            let (computer, device) = line
                .split_once(',')
                .ok_or_else(|| bad("expected `computer,device_id`".into()))?;
            let device = device.trim();
            if !worklog_schema::is_identifier(device) {
                return Err(bad(format!(
                    "{device:?} is not a device id (1-64 of A-Z a-z 0-9 . _ -)"
                )));
            }
            self.computers
                .insert(computer.trim().to_lowercase(), device.to_owned());
        }
        Ok(self)
    }

    /// The device id of a record's computer: the map's, else the computer
    /// name itself when it is a valid id (a fully qualified name keeps its
    /// host part).
    pub fn device_of(&self, computer: &str) -> std::result::Result<String, String> {
        let computer = computer.trim();
        if let Some(device) = self.computers.get(&computer.to_lowercase()) {
            return Ok(device.clone());
        }
        let host = computer.split('.').next().unwrap_or(computer);
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
