//! What makes two deliveries of an event the same event.
//!
//! Logs arrive at least once: a collector re-sends its last hour, a file
//! is imported twice, the same day comes as CSV and as JSON Lines. An
//! event's identity decides what is stored once (`docs/ledger-format.md`
//! §12), by the first rule that applies:
//!
//! 1. **Source record**: `source` and `source_record_id` are both set (a
//!    Windows event log's channel and EventRecordID): the device, the
//!    source and the number.
//! 2. **Collector id**: `event_id` is set: the device and that id.
//! 3. **Content**: every column but `seq` (the ledger's numbering), by
//!    the canonical row encoding, and the *occurrence*: the n-th event of
//!    identical content in one delivered file is occurrence n. Identical
//!    events within one file are distinct events (two reads of one file in
//!    the same second of a collector that writes whole seconds); the same
//!    content in two files is one event delivered twice.
//!
//! An identity is `SHA-256(base ‖ u32(occurrence))` cut to 16 bytes, where
//! `base = SHA-256("WLID1" ‖ u8(rule) ‖ payload)`: 128 bits, so that
//! 10^9 events collide with probability below 10^-20.

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{Array, RecordBatch, UInt64Array};
use sha2::{Digest, Sha256};
use worklog_schema::{Event, events_to_batch};

use crate::canonical::RowEncoder;
use crate::error::{Error, Result};
use crate::record::put_str;

/// Domain tag of identity bases.
pub const IDENTITY_DOMAIN: &[u8] = b"WLID1";

/// Bytes kept of an identity digest.
pub const IDENTITY_LEN: usize = 16;

/// Which rule gave an event its identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum IdentityRule {
    /// `source` and `source_record_id`.
    SourceRecord,
    /// The collector's `event_id`.
    CollectorId,
    /// The event's content and its occurrence in its file.
    Content,
}

impl IdentityRule {
    fn tag(self) -> u8 {
        match self {
            IdentityRule::SourceRecord => 1,
            IdentityRule::CollectorId => 2,
            IdentityRule::Content => 3,
        }
    }
}

/// An event's identity (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventIdentity(pub [u8; IDENTITY_LEN]);

impl EventIdentity {
    /// The identity as lowercase hex (for reports and vectors).
    pub fn to_hex(self) -> String {
        hex::encode(self.0)
    }
}

/// An identity before its occurrence is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IdentityBase {
    /// The rule that applied.
    pub rule: IdentityRule,
    /// `SHA-256("WLID1" ‖ u8(rule) ‖ payload)`.
    pub digest: [u8; 32],
}

impl IdentityBase {
    /// The identity of occurrence `n` (1 for the first). Only content
    /// identities count occurrences: for the others every `n` gives the
    /// identity of occurrence 1.
    pub fn occurrence(&self, n: u32) -> EventIdentity {
        let n = if self.rule == IdentityRule::Content {
            n
        } else {
            1
        };
        let mut hasher = Sha256::new();
        hasher.update(self.digest);
        hasher.update(n.to_be_bytes());
        let full: [u8; 32] = hasher.finalize().into();
        let mut id = [0u8; IDENTITY_LEN];
        id.copy_from_slice(&full[..IDENTITY_LEN]);
        EventIdentity(id)
    }
}

/// The identity bases of `events` (their `seq` is ignored).
pub fn identity_bases(events: &[Event]) -> Result<Vec<IdentityBase>> {
    let batch = events_to_batch(events)?;
    batch_identity_bases(&batch)
}

/// The identity bases of the rows of a batch with the event columns (a
/// segment's rows: its `seq` column is ignored).
pub fn batch_identity_bases(batch: &RecordBatch) -> Result<Vec<IdentityBase>> {
    let shape = |reason: String| Error::NotFound(format!("identity of a batch: {reason}"));
    let unnumbered = without_seq(batch).map_err(shape)?;
    let encoder = RowEncoder::new(&unnumbered).map_err(|e| shape(e.0))?;
    let text = |name: &str| {
        batch
            .column_by_name(name)
            .and_then(|c| c.as_string_opt::<i32>().cloned())
            .ok_or_else(|| shape(format!("no text column `{name}`")))
    };
    let (device, source, event_id) = (text("device_id")?, text("source")?, text("event_id")?);
    let record_id = batch
        .column_by_name("source_record_id")
        .and_then(|c| c.as_primitive_opt::<Int64Type>().cloned())
        .ok_or_else(|| shape("no integer column `source_record_id`".into()))?;
    let mut bases = Vec::with_capacity(batch.num_rows());
    let mut payload = Vec::new();
    for row in 0..batch.num_rows() {
        payload.clear();
        let rule = if source.is_valid(row) && record_id.is_valid(row) {
            put_str(&mut payload, device.value(row));
            put_str(&mut payload, source.value(row));
            payload.extend_from_slice(&record_id.value(row).to_be_bytes());
            IdentityRule::SourceRecord
        } else if event_id.is_valid(row) {
            put_str(&mut payload, device.value(row));
            put_str(&mut payload, event_id.value(row));
            IdentityRule::CollectorId
        } else {
            encoder.encode(row, &mut payload);
            IdentityRule::Content
        };
        let mut hasher = Sha256::new();
        hasher.update(IDENTITY_DOMAIN);
        hasher.update([rule.tag()]);
        hasher.update(&payload);
        bases.push(IdentityBase {
            rule,
            digest: hasher.finalize().into(),
        });
    }
    Ok(bases)
}

/// The batch with every `seq` set to 0: identity is content, not numbering.
fn without_seq(batch: &RecordBatch) -> std::result::Result<RecordBatch, String> {
    let schema = batch.schema();
    let at = schema
        .index_of("seq")
        .map_err(|_| "no column `seq`".to_owned())?;
    let mut columns = batch.columns().to_vec();
    columns[at] = std::sync::Arc::new(UInt64Array::from(vec![0u64; batch.num_rows()]));
    RecordBatch::try_new(schema, columns).map_err(|e| e.to_string())
}

/// Numbers occurrences of identical content, in order: the identity of
/// each base, the n-th repeat of a content base in this counter being
/// occurrence n. One counter per delivered file.
#[derive(Debug, Default)]
pub struct Occurrences {
    seen: std::collections::HashMap<[u8; 32], u32>,
}

impl Occurrences {
    /// The identity of the next event with this base.
    pub fn next(&mut self, base: &IdentityBase) -> EventIdentity {
        if base.rule != IdentityRule::Content {
            return base.occurrence(1);
        }
        let n = self.seen.entry(base.digest).or_insert(0);
        *n = n.saturating_add(1);
        base.occurrence(*n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use worklog_schema::{EventKind, Timestamp};

    fn logon(ts: &str) -> Event {
        let mut e = Event::new(
            "PC-0001",
            0,
            Timestamp::parse_rfc3339(ts).unwrap(),
            540,
            EventKind::Session,
            "logon",
        );
        e.user_name = Some("sato".into());
        e
    }

    #[test]
    fn the_rules_apply_in_order_and_seq_is_not_identity() {
        let a = logon("2026-03-20T09:00:00+09:00");
        let mut renumbered = a.clone();
        renumbered.seq = 77;
        let mut numbered = a.clone();
        numbered.source = Some("evtx:Security".into());
        numbered.source_record_id = Some(583);
        let mut moved = numbered.clone();
        moved.ts = moved.ts.plus_secs(5); // same record, re-rendered time
        let mut with_id = a.clone();
        with_id.event_id = Some("c0ffee".into());
        let bases = identity_bases(&[a, renumbered, numbered, moved, with_id]).unwrap();
        assert_eq!(bases[0], bases[1]);
        assert_eq!(bases[0].rule, IdentityRule::Content);
        assert_eq!(bases[2], bases[3]);
        assert_eq!(bases[2].rule, IdentityRule::SourceRecord);
        assert_eq!(bases[4].rule, IdentityRule::CollectorId);
        assert_ne!(bases[0], bases[2]);
    }

    #[test]
    fn repeats_within_a_file_are_distinct_occurrences() {
        let a = logon("2026-03-20T09:00:00+09:00");
        let base = identity_bases(&[a]).unwrap().into_iter().next().unwrap();
        let mut file = Occurrences::default();
        let (first, second) = (file.next(&base), file.next(&base));
        assert_ne!(first, second);
        let mut other_file = Occurrences::default();
        assert_eq!(other_file.next(&base), first);
    }
}
