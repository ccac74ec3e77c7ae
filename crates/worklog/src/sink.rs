//! Events into a store: one ledger writer per device, opened on first
//! use with the device's key. A device whose key is missing or whose chain
//! cannot continue has its events rejected with the reason; the others go
//! on.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use worklog_ledger::{Durability, Role, SecretKey, SegmentWriter};
use worklog_schema::Event;

use crate::ingest::IngestReport;
use crate::{Result, io};

/// Events into a store through one ledger writer per device.
pub(crate) struct Sink {
    store: PathBuf,
    keys: PathBuf,
    create_keys: bool,
    /// One writer per device, or why the device's lines are rejected (no
    /// key, or a partition the writer cannot continue): one bad device
    /// never stops the others.
    writers: BTreeMap<String, std::result::Result<SegmentWriter, String>>,
    pub(crate) report: IngestReport,
}

impl Sink {
    /// A sink into `store`, with device keys from `keys/secret/`.
    pub(crate) fn new(store: &Path, keys: &Path, create_keys: bool) -> Sink {
        Sink {
            store: store.to_owned(),
            keys: keys.to_owned(),
            create_keys,
            writers: BTreeMap::new(),
            report: IngestReport::default(),
        }
    }

    /// Commits and closes every writer.
    pub(crate) fn close(mut self) -> Result<IngestReport> {
        for writer in std::mem::take(&mut self.writers).into_values().flatten() {
            writer.close()?;
        }
        Ok(self.report)
    }

    /// Appends; `Ok(Err(reason))` rejects the line, `Err` aborts the job.
    pub(crate) fn append(&mut self, event: Event) -> Result<std::result::Result<(), String>> {
        let device = event.device_id.clone();
        if !worklog_schema::is_identifier(&device) {
            return Ok(Err(format!(
                "`device_id`: {device:?} must be 1-64 characters of A-Z a-z 0-9 . _ -"
            )));
        }
        if !self.writers.contains_key(&device) {
            let writer = self.open(&device)?;
            if let Ok(writer) = &writer {
                self.report
                    .quarantined
                    .extend(writer.quarantined().iter().cloned());
            }
            self.writers.insert(device.clone(), writer);
        }
        let writer = match self.writers.get_mut(&device) {
            Some(Ok(writer)) => writer,
            Some(Err(reason)) => return Ok(Err(reason.clone())),
            None => return Ok(Err(format!("no writer for device {device:?}"))),
        };
        match writer.append(event) {
            Ok(seq) => {
                self.report.accepted += 1;
                let span = self.report.devices.entry(device).or_insert((seq, seq));
                span.1 = seq;
                Ok(Ok(()))
            }
            Err(worklog_ledger::Error::Invalid(e)) => Ok(Err(e.to_string())),
            Err(e) => Err(e.into()),
        }
    }

    /// The device's writer, or why its lines are rejected. Only a failure
    /// to create a key file is an error of the whole job.
    fn open(&self, device: &str) -> Result<std::result::Result<SegmentWriter, String>> {
        let secret_dir = self.keys.join("secret");
        let path = secret_dir.join(format!("{device}.key"));
        let key = if path.exists() {
            match SecretKey::read(&path) {
                Ok(key) => key,
                Err(e) => {
                    return Ok(Err(format!(
                        "device key unusable: {}",
                        worklog_ledger::chain(&e)
                    )));
                }
            }
        } else if self.create_keys {
            std::fs::create_dir_all(&secret_dir).map_err(io(&secret_dir))?;
            let key = SecretKey::generate(Role::Device, device)?;
            key.write(&path)?;
            key.public()
                .write(&self.keys.join(format!("{device}.pub")))?;
            key
        } else {
            return Ok(Err(format!(
                "no secret key for device {device:?} in {}; create it with `worklog keygen --role device --id {device} --out {}` or ingest with --create-keys",
                secret_dir.display(),
                self.keys.display()
            )));
        };
        Ok(SegmentWriter::builder(&self.store, key)
            .max_bytes(4 << 20)
            .durability(Durability::Process)
            .build()
            .map_err(|e| {
                format!(
                    "cannot continue the device's chain: {}; run `worklog verify` on the store",
                    worklog_ledger::chain(&e)
                )
            }))
    }
}
