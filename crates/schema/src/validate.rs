//! Record validation: required fields per kind, value ranges, sane times.

use crate::error::{FieldError, ValidationError};
use crate::spec::{COMMON_OPTIONAL, COMMON_REQUIRED, ENUMERATED, op_spec, ops_of};
use crate::{COLUMN_NAMES, Event, Timestamp};

/// Longest text value accepted in any column, in bytes. Bounds the size of
/// one event (and so the ledger writer's memory) while leaving room for
/// long URLs and paths.
pub const MAX_TEXT_BYTES: usize = 8 * 1024;

/// Earliest accepted event time: 2000-01-01T00:00:00Z.
pub const EARLIEST: Timestamp = Timestamp(946_684_800 * Timestamp::MICROS_PER_SECOND);

/// Latest accepted event time: 2100-01-01T00:00:00Z.
pub const LATEST: Timestamp = Timestamp(4_102_444_800 * Timestamp::MICROS_PER_SECOND);

/// How far in the future of the validator's clock an event may lie (clock
/// skew between agent and collector), when a clock is given.
pub const MAX_FUTURE_SKEW_SECS: i64 = 24 * 3600;

impl Event {
    /// Checks the record: the kind/op pair exists, every field that kind
    /// needs is set and no other, values are in range, the time is sane.
    /// `now`, when given, rejects events more than a day in its future.
    ///
    /// Every problem is reported, each naming its field.
    pub fn validate(&self, now: Option<Timestamp>) -> Result<(), ValidationError> {
        let mut problems = Vec::new();
        let mut problem = |field: &'static str, reason: String| {
            problems.push(FieldError { field, reason });
        };

        if self.seq == 0 {
            problem(
                "seq",
                "must be 1 or more (1 is a device's first event)".into(),
            );
        }
        if self.ts < EARLIEST || self.ts >= LATEST {
            problem(
                "ts",
                format!("{} is outside 2000-01-01..2100-01-01", self.ts),
            );
        } else if let Some(now) = now
            && self.ts > now.plus_secs(MAX_FUTURE_SKEW_SECS)
        {
            problem(
                "ts",
                format!(
                    "{} is more than a day after the collector's clock ({now})",
                    self.ts
                ),
            );
        }
        if !(-720..=840).contains(&self.utc_offset_min) || self.utc_offset_min % 15 != 0 {
            problem(
                "utc_offset_min",
                format!(
                    "{} is not a UTC offset (whole quarter hours from -720 to 840)",
                    self.utc_offset_min
                ),
            );
        }
        if !is_identifier(&self.device_id) {
            problem(
                "device_id",
                format!(
                    "{:?} must be 1-64 characters of A-Z a-z 0-9 . _ -",
                    self.device_id
                ),
            );
        }

        self.check_fields(&mut problem);

        self.check_values(&mut problem);

        if problems.is_empty() {
            Ok(())
        } else {
            Err(ValidationError {
                device_id: self.device_id.clone(),
                seq: self.seq,
                problems,
            })
        }
    }

    /// Puts values that sources spell in several ways into the one form
    /// rules compare, keeping the original as evidence: a sender address
    /// is parsed as an RFC 5322 mailbox ([`crate::mail`]), `sender_address`
    /// becomes its normalised addr-spec, `sender_domain` its domain, and
    /// `sender_original` the text as given when that differs. A value that
    /// cannot be normalised is left as it is, for [`Event::validate`] to
    /// reject with the reason. Normalising twice changes nothing.
    pub fn normalize(&mut self) {
        let Some(given) = self.sender_address.clone() else {
            return;
        };
        if given.len() > MAX_TEXT_BYTES {
            return;
        }
        if let Ok(mailbox) = crate::mail::parse_mailbox(&given) {
            if mailbox.address != given && self.sender_original.is_none() {
                self.sender_original = Some(given);
            }
            self.sender_address = Some(mailbox.address);
            self.sender_domain = Some(mailbox.domain);
        }
    }

    /// The fields the event's kind and action require are set, and no
    /// field that does not apply to them is.
    fn check_fields(&self, problem: &mut impl FnMut(&'static str, String)) {
        match op_spec(self.kind, &self.op) {
            None => problem(
                "op",
                format!(
                    "{:?} is not an action of kind `{}` (expected one of: {})",
                    self.op,
                    self.kind,
                    ops_of(self.kind).join(", ")
                ),
            ),
            Some(spec) => {
                for &name in COLUMN_NAMES {
                    let set = self.is_set(name).unwrap_or(false);
                    let required = COMMON_REQUIRED.contains(&name) || spec.required.contains(&name);
                    let allowed = required
                        || COMMON_OPTIONAL.contains(&name)
                        || spec.optional.contains(&name);
                    if required && !set {
                        problem(name, format!("is required for {}/{}", self.kind, self.op));
                    } else if set && !allowed {
                        problem(name, format!("does not apply to {}/{}", self.kind, self.op));
                    }
                }
            }
        }
    }

    fn check_values(&self, problem: &mut impl FnMut(&'static str, String)) {
        for (name, value) in self.text_fields() {
            if value.len() > MAX_TEXT_BYTES {
                problem(
                    name,
                    format!(
                        "is {} bytes; at most {MAX_TEXT_BYTES} are kept",
                        value.len()
                    ),
                );
            }
            if let Some((_, allowed)) = ENUMERATED.iter().find(|(field, _)| *field == name)
                && !allowed.contains(&value)
            {
                problem(
                    name,
                    format!("{value:?} is not one of: {}", allowed.join(", ")),
                );
            }
        }
        if let Some(hash) = &self.file_sha256
            && (hash.len() != 64 || !hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
        {
            problem("file_sha256", "must be 64 lowercase hex digits".into());
        }
        for (name, value) in [
            ("file_size", self.file_size),
            ("bytes_sent", self.bytes_sent),
        ] {
            if let Some(v) = value
                && v < 0
            {
                problem(name, format!("{v} is negative"));
            }
        }
        self.check_sender(problem);
        if let (Some(state), Some(on)) = (&self.protection_state, self.protection_on)
            && (state == "on") != on
        {
            problem(
                "protection_state",
                format!("{state:?} contradicts protection_on = {on}"),
            );
        }
        for (name, value) in [
            ("vendor_id", &self.vendor_id),
            ("product_id", &self.product_id),
        ] {
            if let Some(id) = value
                && (id.len() != 4 || !id.bytes().all(|b| b.is_ascii_hexdigit()))
            {
                problem(name, format!("{id:?} must be 4 hex digits"));
            }
        }
        if let Some(bssid) = &self.bssid
            && !is_mac(bssid)
        {
            problem(
                "bssid",
                format!("{bssid:?} must be a MAC address like 00:11:22:aa:bb:cc"),
            );
        }
        if let (Some(start), Some(end)) = (self.window_start, self.window_end)
            && end <= start
        {
            problem(
                "window_end",
                format!("{end} is not after window_start {start}"),
            );
        }
    }

    /// A sender address in normal form, and its domain beside it.
    fn check_sender(&self, problem: &mut impl FnMut(&'static str, String)) {
        if let Some(address) = &self.sender_address {
            match crate::mail::parse_mailbox(address) {
                Err(e) => problem("sender_address", e.to_string()),
                Ok(mailbox) if mailbox.address != *address => problem(
                    "sender_address",
                    format!(
                        "{address:?} is not normalised (expected {:?}; ingest normalises it, see docs/ingest-format.md)",
                        mailbox.address
                    ),
                ),
                Ok(mailbox) => {
                    if self.sender_domain.as_deref() != Some(mailbox.domain.as_str()) {
                        problem(
                            "sender_domain",
                            format!("must be {:?}, the domain of sender_address", mailbox.domain),
                        );
                    }
                }
            }
        }
    }
}

/// Whether `text` is a valid device identifier: 1-64 of `A-Z a-z 0-9 . _ -`.
pub fn is_identifier(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 64
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

fn is_mac(text: &str) -> bool {
    let parts: Vec<&str> = text.split(':').collect();
    parts.len() == 6
        && parts
            .iter()
            .all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_hexdigit()))
}
