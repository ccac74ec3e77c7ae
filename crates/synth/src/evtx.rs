//! Windows event log files (`.evtx`), written as the format is documented,
//! so that tests can feed the EVTX importer the records a fleet's PCs would
//! have logged: Wi-Fi connections, MSI installs, BitLocker changes.
//!
//! The layout follows Microsoft's [MS-EVEN6] ("BinXml", §2.2) and the
//! libevtx format notes ("Windows XML Event Log (EVTX)", J. Metz):
//! a 4096-byte file header (`ElfFile\0`, CRC32 of its first 120 bytes),
//! then 64 KiB chunks (`ElfChnk\0`, CRC32 of header bytes 0–120 and
//! 128–512, CRC32 of the records), each record `**\0\0`, its size, its
//! EventRecordID, a FILETIME, its BinXML and the size again.
//!
//! Records are written as plain BinXML elements, without the templates
//! Windows' own writer shares between records: MS-EVEN6 allows both, and
//! every reader resolves a template into the same elements. Element and
//! attribute names go into the chunk's string table: the first use writes
//! the name in place and links it into its hash bucket, later uses point
//! at it, as Windows does.
//!
//! [MS-EVEN6]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-even6/

use std::collections::HashMap;
use std::path::Path;

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};

const FILE_HEADER_SIZE: usize = 4096;
const CHUNK_SIZE: usize = 65536;
const CHUNK_HEADER_SIZE: usize = 512;
/// The record header (magic, size, id, FILETIME) and the size's copy.
const RECORD_OVERHEAD: usize = 24 + 4;
const EVENT_NAMESPACE: &str = "http://schemas.microsoft.com/win/2004/08/events/event";

/// One event as Windows logs it: the `System` fields a reader needs and
/// the event's `EventData`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvtxRecord {
    /// `System/Channel`: `Security`, `Microsoft-Windows-WLAN-AutoConfig/Operational`, …
    pub channel: String,
    /// `System/Provider/@Name`.
    pub provider: String,
    /// `System/EventID`.
    pub event_id: u16,
    /// `System/TimeCreated/@SystemTime`, also the record header's FILETIME.
    pub time: DateTime<Utc>,
    /// `System/Computer`, the PC's DNS name.
    pub computer: String,
    /// `System/Security/@UserID`, when the event names a user's SID.
    pub user_sid: Option<String>,
    /// The `EventData` element's `Data` children.
    pub data: EventData,
}

/// The `Data` children of `EventData`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventData {
    /// `<Data Name="SSID">CORP-WIFI</Data>`: manifest-based providers.
    Named(Vec<(String, String)>),
    /// `<Data>Product: … </Data>`: classic providers such as MsiInstaller.
    Positional(Vec<String>),
}

impl EventData {
    /// `Named` from `(name, value)` pairs.
    pub fn named(pairs: &[(&str, &str)]) -> Self {
        EventData::Named(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }
}

impl EvtxRecord {
    /// A record of `provider`'s event `event_id` in `channel`, with no user.
    pub fn new(
        channel: &str,
        provider: &str,
        event_id: u16,
        time: DateTime<Utc>,
        computer: &str,
        data: EventData,
    ) -> Self {
        EvtxRecord {
            channel: channel.to_owned(),
            provider: provider.to_owned(),
            event_id,
            time,
            computer: computer.to_owned(),
            user_sid: None,
            data,
        }
    }
}

/// Writes `records` as one EVTX file at `path`, EventRecordIDs from 1.
pub fn write_file(path: &Path, records: &[EvtxRecord]) -> Result<()> {
    let bytes = to_bytes(records, 1)?;
    std::fs::write(path, bytes).map_err(|source| Error::Write {
        path: path.to_owned(),
        source,
    })
}

/// The bytes of an EVTX file holding `records` in their order, numbered
/// from `first_id` (a log's ids go on across clears and exports).
pub fn to_bytes(records: &[EvtxRecord], first_id: u64) -> Result<Vec<u8>> {
    let mut chunks: Vec<Chunk> = vec![Chunk::new()];
    for (i, record) in records.iter().enumerate() {
        let id = first_id + i as u64;
        let number = i as u64 + 1;
        let last = chunks.len() - 1;
        if !chunks[last].push(record, id, number) {
            let mut chunk = Chunk::new();
            if !chunk.push(record, id, number) {
                return Err(Error::Evtx(format!(
                    "record {id} does not fit in a 64 KiB chunk"
                )));
            }
            chunks.push(chunk);
        }
    }
    let count =
        u16::try_from(chunks.len()).map_err(|_| Error::Evtx("more than 65,535 chunks".into()))?;
    let mut out = file_header(count, first_id + records.len() as u64);
    for chunk in chunks {
        out.extend(chunk.finish());
    }
    Ok(out)
}

fn file_header(chunks: u16, next_record_id: u64) -> Vec<u8> {
    let mut h = vec![0u8; FILE_HEADER_SIZE];
    h[0..8].copy_from_slice(b"ElfFile\0");
    put_u64(&mut h, 8, 0);
    put_u64(&mut h, 16, u64::from(chunks.saturating_sub(1)));
    put_u64(&mut h, 24, next_record_id);
    put_u32(&mut h, 32, 128);
    put_u16(&mut h, 36, 1);
    put_u16(&mut h, 38, 3);
    put_u16(&mut h, 40, FILE_HEADER_SIZE as u16);
    put_u16(&mut h, 42, chunks);
    // Flags 0: a clean, closed log.
    let crc = crc32fast::hash(&h[..120]);
    put_u32(&mut h, 124, crc);
    h
}

/// A chunk being filled: its bytes, its string table and its record span.
struct Chunk {
    data: Vec<u8>,
    names: HashMap<String, u32>,
    buckets: [u32; 64],
    first: Option<(u64, u64)>,
    last: (u64, u64),
    last_offset: u32,
}

impl Chunk {
    fn new() -> Self {
        let mut data = vec![0u8; CHUNK_HEADER_SIZE];
        data.reserve(CHUNK_SIZE - CHUNK_HEADER_SIZE);
        Chunk {
            data,
            names: HashMap::new(),
            buckets: [0; 64],
            first: None,
            last: (0, 0),
            last_offset: 0,
        }
    }

    /// Appends `record`; false (and the chunk unchanged) when it does not fit.
    fn push(&mut self, record: &EvtxRecord, id: u64, number: u64) -> bool {
        let saved = (self.data.len(), self.names.len(), self.buckets);
        let start = self.data.len();
        self.data.extend_from_slice(b"**\0\0");
        self.data.extend_from_slice(&[0; 4]);
        self.data.extend_from_slice(&id.to_le_bytes());
        self.data
            .extend_from_slice(&filetime(record.time).to_le_bytes());
        BinXml { chunk: self }.event(record, id);
        let size = (self.data.len() - start + 4) as u32;
        self.data.extend_from_slice(&size.to_le_bytes());
        if self.data.len() > CHUNK_SIZE {
            // Names first written by this record point past the cut.
            if self.names.len() != saved.1 {
                self.names.retain(|_, offset| (*offset as usize) < saved.0);
            }
            self.data.truncate(saved.0);
            self.buckets = saved.2;
            return false;
        }
        put_u32(&mut self.data, start + 4, size);
        debug_assert!(size as usize >= RECORD_OVERHEAD);
        self.first.get_or_insert((number, id));
        self.last = (number, id);
        self.last_offset = start as u32;
        true
    }

    fn finish(mut self) -> Vec<u8> {
        let free = self.data.len();
        self.data.resize(CHUNK_SIZE, 0);
        let (first_number, first_id) = self.first.unwrap_or((0, 0));
        let d = &mut self.data;
        d[0..8].copy_from_slice(b"ElfChnk\0");
        put_u64(d, 8, first_number);
        put_u64(d, 16, self.last.0);
        put_u64(d, 24, first_id);
        put_u64(d, 32, self.last.1);
        put_u32(d, 40, 128);
        put_u32(d, 44, self.last_offset);
        put_u32(d, 48, free as u32);
        let records_crc = crc32fast::hash(&d[CHUNK_HEADER_SIZE..free]);
        put_u32(d, 52, records_crc);
        for (i, offset) in self.buckets.iter().enumerate() {
            put_u32(d, 128 + i * 4, *offset);
        }
        let mut crc = crc32fast::Hasher::new();
        crc.update(&d[..120]);
        crc.update(&d[128..CHUNK_HEADER_SIZE]);
        let header_crc = crc.finalize();
        put_u32(d, 124, header_crc);
        self.data
    }
}

/// The BinXML writer of one record (MS-EVEN6 §2.2.12 tokens).
struct BinXml<'c> {
    chunk: &'c mut Chunk,
}

const FRAGMENT_HEADER: [u8; 4] = [0x0f, 0x01, 0x01, 0x00];
const OPEN_START: u8 = 0x01;
const OPEN_START_WITH_ATTRIBUTES: u8 = 0x41;
const CLOSE_START: u8 = 0x02;
const CLOSE_EMPTY: u8 = 0x03;
const END_ELEMENT: u8 = 0x04;
const VALUE_TEXT: u8 = 0x05;
const ATTRIBUTE: u8 = 0x06;
const MORE_ATTRIBUTES: u8 = 0x40;
const END_OF_STREAM: u8 = 0x00;
const STRING_TYPE: u8 = 0x01;

impl BinXml<'_> {
    fn event(&mut self, r: &EvtxRecord, id: u64) {
        self.chunk.data.extend_from_slice(&FRAGMENT_HEADER);
        let event = self.open("Event", &[("xmlns", EVENT_NAMESPACE)]);
        let system = self.open("System", &[]);
        self.empty("Provider", &[("Name", &r.provider)]);
        self.text_element("EventID", &r.event_id.to_string());
        self.text_element("Level", "4");
        // Windows writes 100 ns ticks: seven digits.
        let time = format!(
            "{}.{:07}Z",
            r.time.format("%Y-%m-%dT%H:%M:%S"),
            r.time.timestamp_subsec_nanos() / 100
        );
        self.empty("TimeCreated", &[("SystemTime", &time)]);
        self.text_element("EventRecordID", &id.to_string());
        self.text_element("Channel", &r.channel);
        self.text_element("Computer", &r.computer);
        match &r.user_sid {
            Some(sid) => self.empty("Security", &[("UserID", sid)]),
            None => self.empty("Security", &[]),
        }
        self.close(system);
        let data = self.open("EventData", &[]);
        match &r.data {
            EventData::Named(pairs) => {
                for (name, value) in pairs {
                    let d = self.open("Data", &[("Name", name)]);
                    self.value(value);
                    self.close(d);
                }
            }
            EventData::Positional(values) => {
                for value in values {
                    let d = self.open("Data", &[]);
                    self.value(value);
                    self.close(d);
                }
            }
        }
        self.close(data);
        self.close(event);
        self.chunk.data.push(END_OF_STREAM);
    }

    fn text_element(&mut self, name: &str, text: &str) {
        let e = self.open(name, &[]);
        self.value(text);
        self.close(e);
    }

    /// An element with no content (`<Provider Name="…"/>`).
    fn empty(&mut self, name: &str, attributes: &[(&str, &str)]) {
        let size_at = self.start(name, attributes);
        self.chunk.data.push(CLOSE_EMPTY);
        self.patch_size(size_at);
    }

    /// Opens an element with content; returns where its size goes.
    fn open(&mut self, name: &str, attributes: &[(&str, &str)]) -> usize {
        let size_at = self.start(name, attributes);
        self.chunk.data.push(CLOSE_START);
        size_at
    }

    fn close(&mut self, size_at: usize) {
        self.chunk.data.push(END_ELEMENT);
        self.patch_size(size_at);
    }

    /// The open-start token, its data size (patched later), the name and
    /// the attribute list; returns the size's offset.
    fn start(&mut self, name: &str, attributes: &[(&str, &str)]) -> usize {
        let token = if attributes.is_empty() {
            OPEN_START
        } else {
            OPEN_START_WITH_ATTRIBUTES
        };
        self.chunk.data.push(token);
        let size_at = self.chunk.data.len();
        self.chunk.data.extend_from_slice(&[0; 4]);
        self.name(name);
        if !attributes.is_empty() {
            let list_at = self.chunk.data.len();
            self.chunk.data.extend_from_slice(&[0; 4]);
            for (i, (attribute, value)) in attributes.iter().enumerate() {
                let more = if i + 1 < attributes.len() {
                    MORE_ATTRIBUTES
                } else {
                    0
                };
                self.chunk.data.push(ATTRIBUTE | more);
                self.name(attribute);
                self.value(value);
            }
            let list = (self.chunk.data.len() - list_at - 4) as u32;
            put_u32(&mut self.chunk.data, list_at, list);
        }
        size_at
    }

    fn patch_size(&mut self, size_at: usize) {
        let size = (self.chunk.data.len() - size_at - 4) as u32;
        put_u32(&mut self.chunk.data, size_at, size);
    }

    /// A value-text token: a UTF-16LE string with its length in units.
    fn value(&mut self, text: &str) {
        let units: Vec<u16> = text.encode_utf16().collect();
        let d = &mut self.chunk.data;
        d.push(VALUE_TEXT);
        d.push(STRING_TYPE);
        d.extend_from_slice(&(units.len() as u16).to_le_bytes());
        for unit in units {
            d.extend_from_slice(&unit.to_le_bytes());
        }
    }

    /// A name reference: the offset of the name in the chunk, the name
    /// itself right there when the chunk has not used it yet.
    fn name(&mut self, name: &str) {
        if let Some(offset) = self.chunk.names.get(name) {
            let offset = *offset;
            self.chunk.data.extend_from_slice(&offset.to_le_bytes());
            return;
        }
        let offset = (self.chunk.data.len() + 4) as u32;
        let units: Vec<u16> = name.encode_utf16().collect();
        let hash = name_hash(&units);
        let bucket = usize::from(hash) % 64;
        let d = &mut self.chunk.data;
        d.extend_from_slice(&offset.to_le_bytes());
        d.extend_from_slice(&self.chunk.buckets[bucket].to_le_bytes());
        d.extend_from_slice(&hash.to_le_bytes());
        d.extend_from_slice(&(units.len() as u16).to_le_bytes());
        for unit in &units {
            d.extend_from_slice(&unit.to_le_bytes());
        }
        d.extend_from_slice(&[0, 0]);
        self.chunk.buckets[bucket] = offset;
        self.chunk.names.insert(name.to_owned(), offset);
    }
}

/// The name hash of the string table (libevtx: the low 16 bits of
/// `hash = hash * 65599 + unit` over the UTF-16 units).
fn name_hash(units: &[u16]) -> u16 {
    let hash = units.iter().fold(0u32, |h, u| {
        h.wrapping_mul(65599).wrapping_add(u32::from(*u))
    });
    (hash & 0xffff) as u16
}

/// 100 ns intervals since 1601-01-01 (a FILETIME).
fn filetime(time: DateTime<Utc>) -> u64 {
    const EPOCH_1601_TO_1970_SECS: i64 = 11_644_473_600;
    let secs = time.timestamp() + EPOCH_1601_TO_1970_SECS;
    (secs.max(0) as u64) * 10_000_000 + u64::from(time.timestamp_subsec_nanos() / 100)
}

fn put_u16(d: &mut [u8], at: usize, v: u16) {
    d[at..at + 2].copy_from_slice(&v.to_le_bytes());
}

fn put_u32(d: &mut [u8], at: usize, v: u32) {
    d[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

fn put_u64(d: &mut [u8], at: usize, v: u64) {
    d[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(n: u16) -> EvtxRecord {
        EvtxRecord::new(
            "Application",
            "MsiInstaller",
            11707,
            DateTime::from_timestamp(1_767_571_200 + i64::from(n), 0).unwrap(),
            "PC-A.example.local",
            EventData::Positional(vec![format!(
                "Product: App {n} -- Installation completed successfully."
            )]),
        )
    }

    #[test]
    fn headers_carry_their_checksums_and_counts() {
        let records: Vec<_> = (0..400).map(record).collect();
        let bytes = to_bytes(&records, 1).unwrap();
        assert_eq!(&bytes[..8], b"ElfFile\0");
        let chunks = (bytes.len() - FILE_HEADER_SIZE) / CHUNK_SIZE;
        assert!(chunks > 1, "400 records span chunks");
        assert_eq!((bytes.len() - FILE_HEADER_SIZE) % CHUNK_SIZE, 0);
        assert_eq!(
            u32::from_le_bytes(bytes[124..128].try_into().unwrap()),
            crc32fast::hash(&bytes[..120])
        );
        assert_eq!(u16::from_le_bytes([bytes[42], bytes[43]]) as usize, chunks);
        assert_eq!(u64::from_le_bytes(bytes[24..32].try_into().unwrap()), 401);
        let mut ids = Vec::new();
        for c in 0..chunks {
            let chunk = &bytes[FILE_HEADER_SIZE + c * CHUNK_SIZE..][..CHUNK_SIZE];
            assert_eq!(&chunk[..8], b"ElfChnk\0");
            let free = u32::from_le_bytes(chunk[48..52].try_into().unwrap()) as usize;
            assert_eq!(
                u32::from_le_bytes(chunk[52..56].try_into().unwrap()),
                crc32fast::hash(&chunk[CHUNK_HEADER_SIZE..free])
            );
            let first = u64::from_le_bytes(chunk[24..32].try_into().unwrap());
            let last = u64::from_le_bytes(chunk[32..40].try_into().unwrap());
            ids.extend(first..=last);
        }
        assert_eq!(ids, (1..=400).collect::<Vec<_>>());
    }

    #[test]
    fn a_record_too_large_for_a_chunk_is_refused() {
        let mut big = record(1);
        big.data = EventData::Positional(vec!["x".repeat(40_000)]);
        assert!(to_bytes(&[big], 1).is_err());
    }

    #[test]
    fn filetimes_count_from_1601() {
        let t = DateTime::from_timestamp(0, 0).unwrap();
        assert_eq!(filetime(t), 116_444_736_000_000_000);
    }
}
