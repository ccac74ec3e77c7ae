//! Exchange Online message trace, as an administrator exports it: each
//! message a `mail send` on the sender's PC and a `mail receive` on each
//! recipient's, for the users of the user map ([`ImportOptions`]).
//!
//! Two exports, by Microsoft's documentation (the fixtures of
//! `crates/import/tests/fixtures/exchange/` cite it column by column):
//! - `Get-MessageTrace` or `Get-MessageTraceV2` (Exchange Online
//!   PowerShell) piped to `Export-Csv`: one row per message and recipient,
//!   `Received` (UTC, in the session's culture: `3/16/2026 1:02:03 AM` or
//!   `2026/03/16 1:02:03`), `SenderAddress`, `RecipientAddress`, `Status`,
//!   `MessageTraceId`, `MessageId`, `Size`, `FromIP`, `ToIP`, `Subject`;
//!   Windows PowerShell 5.1 writes a `#TYPE` line first and UTF-16 with
//!   `-Encoding Unicode`.
//! - The admin center's downloadable *enhanced summary report*: one row
//!   per message, `origin_timestamp_utc`, `sender_address`,
//!   `recipient_status` (`<address>##<events>` per recipient, `;` between),
//!   `network_message_id`, `message_id`, `total_bytes`, `directionality`,
//!   `original_client_ip`; UTF-16 as downloaded.
//!
//! What a trace cannot show: only mail that passed through the tenant is
//! traced. Mail a user sends from a personal account in a browser (a
//! webmail) or in a mail client with a personal account never reaches
//! Exchange Online, so a trace shows the company addresses in use, never
//! their absence elsewhere: item 120 also needs the web evidence (personal
//! webmail) of a proxy or an agent. The subject is never stored.

use std::collections::BTreeMap;
use std::path::Path;

use worklog_schema::{Event, EventKind, Timestamp};

use crate::evtx::FileImport;
use crate::options::ImportOptions;
use crate::table::{Col, Layout, decode, locate, parse_csv, parse_time};
use crate::unparsed::{Place, Unparsed};

/// `source` of the events: the message trace.
pub const SOURCE: &str = "exchange:messagetrace";

const fn col(key: &'static str, names: &'static [&'static str], required: bool) -> Col {
    Col {
        key,
        names,
        required,
    }
}

/// The exports read, by their columns.
pub const LAYOUTS: &[Layout] = &[
    Layout {
        name: "Get-MessageTrace / Get-MessageTraceV2 | Export-Csv",
        columns: &[
            col("received", &["Received"], true),
            col("sender", &["SenderAddress"], true),
            col("recipient", &["RecipientAddress"], true),
            col("status", &["Status"], true),
            col("trace_id", &["MessageTraceId"], false),
            col("message_id", &["MessageId"], false),
        ],
    },
    Layout {
        name: "Exchange admin center enhanced summary report",
        columns: &[
            col(
                "received",
                &["origin_timestamp_utc", "origin_timestamp"],
                true,
            ),
            col("sender", &["sender_address"], true),
            col("recipient_status", &["recipient_status"], true),
            col("trace_id", &["network_message_id"], false),
            col("message_id", &["message_id"], false),
        ],
    },
];

/// One message as the export tells it.
#[derive(Debug, Default)]
struct Message {
    ts: i64,
    sender: String,
    /// Recipients and their status, in the export's order.
    recipients: Vec<(String, String)>,
    id: String,
}

/// Reads a message trace export and maps each message.
pub fn read_file(path: &Path, options: &ImportOptions) -> FileImport {
    let mut out = FileImport {
        file: path.display().to_string(),
        ..FileImport::default()
    };
    let table = std::fs::read(path)
        .map_err(|e| format!("cannot read the file: {e}"))
        .and_then(|bytes| decode(&bytes))
        .and_then(|text| parse_csv(&text));
    let table = match table {
        Ok(table) => table,
        Err(reason) => {
            out.unreadable = true;
            out.unparsed.push(Unparsed::file(reason));
            return out;
        }
    };
    let at = match locate(LAYOUTS, &table.header) {
        Ok(at) => at,
        Err(reason) => {
            out.unreadable = true;
            out.unparsed.push(Unparsed::file(reason));
            return out;
        }
    };
    out.unparsed.extend(table.unreadable.iter().cloned());
    let summary = at.layout().name.starts_with("Exchange admin center");
    // Rows of one message (one per recipient in PowerShell's export) are
    // gathered by the message's id, in the order first seen.
    let mut messages: BTreeMap<String, (usize, Message)> = BTreeMap::new();
    // A record is a message: its rows (one per recipient in PowerShell's
    // export) are read together; a row whose time does not read is a
    // record of its own, not parsed.
    for (line, row) in &table.rows {
        let get = |key: &str| at.get(row, key);
        let Some(ts) = get("received").and_then(parse_time) else {
            out.records += 1;
            out.unparsed.push(Unparsed::at(
                Place::Line(*line),
                format!(
                    "the time {:?} is not a time this export writes",
                    get("received").unwrap_or_default()
                ),
            ));
            continue;
        };
        let ts = ts.and_utc().timestamp_micros();
        let sender = get("sender").unwrap_or_default().to_owned();
        let recipients: Vec<(String, String)> = if summary {
            recipient_status(get("recipient_status").unwrap_or_default())
        } else {
            vec![(
                get("recipient").unwrap_or_default().to_owned(),
                get("status").unwrap_or_default().to_owned(),
            )]
        };
        let id = get("trace_id")
            .or_else(|| get("message_id"))
            .map_or_else(|| format!("{ts}|{sender}"), str::to_owned);
        let next = messages.len();
        let entry = messages.entry(id.clone()).or_insert_with(|| {
            (
                next,
                Message {
                    ts,
                    sender: sender.clone(),
                    id: id.clone(),
                    ..Message::default()
                },
            )
        });
        // A row exported twice names its recipient twice: once is kept.
        for recipient in recipients {
            if !entry.1.recipients.contains(&recipient) {
                entry.1.recipients.push(recipient);
            }
        }
    }
    out.records += messages.len() as u64;
    let mut messages: Vec<(usize, Message)> = messages.into_values().collect();
    messages.sort_by_key(|(order, _)| *order);
    for (_, message) in messages {
        map_message(&message, options, &mut out);
    }
    out
}

/// `recipient_status` of the enhanced summary report:
/// `a@x.jp##Receive, Deliver;b@y.com##Receive, Send`.
fn recipient_status(text: &str) -> Vec<(String, String)> {
    text.split(';')
        .filter(|part| !part.trim().is_empty())
        .map(|part| match part.split_once("##") {
            Some((address, events)) => (address.trim().to_owned(), events.trim().to_owned()),
            None => (part.trim().to_owned(), String::new()),
        })
        .collect()
}

/// The events of one message: its send on the sender's PC, a receive on
/// each recipient's (a user of the map), or why none.
fn map_message(message: &Message, options: &ImportOptions, out: &mut FileImport) {
    let sender = match worklog_schema::mail::parse_mailbox(&message.sender) {
        Ok(mailbox) => mailbox,
        Err(e) => {
            *out.not_mapped
                .entry(format!("message trace — sender: {e}"))
                .or_default() += 1;
            return;
        }
    };
    let recipients: Vec<(String, String)> = message
        .recipients
        .iter()
        .filter_map(|(address, status)| {
            worklog_schema::mail::parse_mailbox(address)
                .ok()
                .map(|m| (m.address, status.clone()))
        })
        .collect();
    let listed = recipients
        .iter()
        .map(|(a, _)| a.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let statuses: Vec<&str> = recipients.iter().map(|(_, s)| s.as_str()).collect();
    let event = |device: &str, user: &str, op: &str, id: String, status: String| Event {
        device_id: device.to_owned(),
        ts: Timestamp(message.ts),
        utc_offset_min: options.utc_offset_min(message.ts),
        kind: EventKind::Mail,
        op: op.to_owned(),
        user_name: Some(user.to_owned()),
        sender_address: Some(message.sender.clone()),
        recipients: (!listed.is_empty()).then(|| listed.clone()),
        mail_status: (!status.is_empty()).then_some(status),
        mail_client: Some("Exchange Online".into()),
        source: Some(SOURCE.into()),
        event_id: Some(id),
        ..Event::default()
    };
    let mut mapped = 0;
    if let Some(device) = options.device_of_user(&sender.address) {
        out.events.push(event(
            device,
            &sender.address,
            "send",
            message.id.clone(),
            distinct(&statuses),
        ));
        mapped += 1;
    }
    for (address, status) in &recipients {
        if let Some(device) = options.device_of_user(address) {
            out.events.push(event(
                device,
                address,
                "receive",
                format!("{}|{address}", message.id),
                status.clone(),
            ));
            mapped += 1;
        }
    }
    if mapped == 0 {
        *out.not_mapped
            .entry("message trace — neither the sender nor a recipient is a user of the user map (--user-map)".into())
            .or_default() += 1;
        return;
    }
    for e in &out.events[out.events.len() - mapped..] {
        *out.mapped.entry(format!("mail {}", e.op)).or_default() += 1;
    }
}

/// The distinct statuses, in order, joined.
fn distinct(statuses: &[&str]) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for s in statuses.iter().filter(|s| !s.is_empty()) {
        if !seen.contains(s) {
            seen.push(s);
        }
    }
    seen.join(", ")
}
