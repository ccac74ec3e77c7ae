//! One EVTX record as the `evtx` crate renders it to JSON (the XML event
//! schema: `Event.System` and `Event.EventData` or `Event.UserData`), read
//! without trusting any field to be there or to have its usual type.

use serde_json::Value;

/// A view of one record.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    event: &'a Value,
}

/// A value as text: strings as they are, numbers and booleans written out,
/// `{"#text": …}` unwrapped; `None` for null, objects and arrays.
fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Object(map) => map.get("#text").and_then(text),
        _ => None,
    }
}

impl<'a> Record<'a> {
    /// The record of an `evtx` JSON document (`{"Event": {...}}`).
    pub fn new(document: &'a Value) -> Record<'a> {
        Record {
            event: document.get("Event").unwrap_or(document),
        }
    }

    fn system(&self, name: &str) -> Option<&'a Value> {
        self.event.get("System")?.get(name)
    }

    /// `System.EventID` (a number, or `{"#text": n}` with qualifiers).
    pub fn event_id(&self) -> Option<u32> {
        text(self.system("EventID")?)?.trim().parse().ok()
    }

    /// `System.Channel` (`Security`, `System`, `Microsoft-Windows-…/Operational`).
    pub fn channel(&self) -> String {
        self.system("Channel").and_then(text).unwrap_or_default()
    }

    /// `System.Provider.Name`.
    pub fn provider(&self) -> String {
        self.system("Provider")
            .and_then(|p| p.get("#attributes"))
            .and_then(|a| a.get("Name"))
            .and_then(text)
            .unwrap_or_default()
    }

    /// `System.Computer`.
    pub fn computer(&self) -> String {
        self.system("Computer").and_then(text).unwrap_or_default()
    }

    /// `System.EventRecordID`.
    pub fn record_id(&self) -> Option<i64> {
        text(self.system("EventRecordID")?)?.trim().parse().ok()
    }

    /// `System.TimeCreated.SystemTime` in µs since 1970 (UTC).
    pub fn time_us(&self) -> Option<i64> {
        let raw = self
            .system("TimeCreated")?
            .get("#attributes")?
            .get("SystemTime")
            .and_then(text)?;
        chrono::DateTime::parse_from_rfc3339(raw.trim())
            .ok()
            .map(|t| t.timestamp_micros())
    }

    /// `channel | provider | event id`: how unmapped records are counted
    /// (the key the two reference parsers' counts use).
    pub fn key(&self) -> String {
        format!(
            "{} | {} | {}",
            self.channel(),
            self.provider(),
            self.event_id()
                .map_or_else(|| "?".to_owned(), |id| id.to_string())
        )
    }

    /// A named field of `EventData`, or of `UserData`'s one element (at
    /// any depth below it); `-` and empty texts are absent.
    pub fn field(&self, name: &str) -> Option<String> {
        let found = self
            .event
            .get("EventData")
            .and_then(|d| d.get(name))
            .or_else(|| self.event.get("UserData").and_then(|u| find(u, name, 4)))?;
        text(found).filter(|s| {
            let s = s.trim();
            !s.is_empty() && s != "-"
        })
    }

    /// The `i`-th unnamed `EventData.Data` value (classic providers such
    /// as MsiInstaller write a list, not named fields).
    pub fn data(&self, i: usize) -> Option<String> {
        let data = self.event.get("EventData")?.get("Data")?;
        let list = data.get("#text").unwrap_or(data);
        match list {
            Value::Array(items) => items.get(i).and_then(text),
            other if i == 0 => text(other),
            _ => None,
        }
    }
}

/// The first value named `name` in `value`, at most `depth` levels down.
fn find<'a>(value: &'a Value, name: &str, depth: usize) -> Option<&'a Value> {
    let map = value.as_object()?;
    if let Some(found) = map.get(name) {
        return Some(found);
    }
    if depth == 0 {
        return None;
    }
    map.values().find_map(|v| find(v, name, depth - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_system_fields_in_either_form() {
        let doc = serde_json::json!({"Event": {
            "System": {
                "Provider": {"#attributes": {"Name": "EventLog"}},
                "EventID": {"#attributes": {"Qualifiers": 32768}, "#text": 6005},
                "TimeCreated": {"#attributes": {"SystemTime": "2019-07-24T13:04:09.5000000Z"}},
                "EventRecordID": 12, "Channel": "System", "Computer": "PC-1"
            },
            "EventData": {"Data": {"#text": ["a", "b"]}},
            "UserData": {"LogFileCleared": {"SubjectUserName": "tanaka"}}
        }});
        let r = Record::new(&doc);
        assert_eq!(r.event_id(), Some(6005));
        assert_eq!(r.key(), "System | EventLog | 6005");
        assert_eq!(r.record_id(), Some(12));
        assert_eq!(r.time_us(), Some(1_563_973_449_500_000));
        assert_eq!(r.data(1).as_deref(), Some("b"));
        assert_eq!(r.field("SubjectUserName").as_deref(), Some("tanaka"));
        assert_eq!(Record::new(&serde_json::json!(null)).event_id(), None);
    }
}
