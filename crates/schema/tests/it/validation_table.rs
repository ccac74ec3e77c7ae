//! docs/ingest-format.md lists every validation ingest applies, with an
//! example rejected and one accepted: each example is run through
//! normalisation and validation here, so the table says what the code does.

use serde_json::{Value, json};
use worklog_schema::{Event, Timestamp};

fn table() -> Vec<Vec<String>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/ingest-format.md");
    let text = std::fs::read_to_string(path).unwrap();
    let start = text
        .find("<!-- validations: each row is checked by a test -->")
        .expect("the validations table's marker");
    text[start..]
        .lines()
        .skip(3) // the marker, the header, the rule
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            l.trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().to_owned())
                .collect()
        })
        .collect()
}

/// A valid event of a kind that uses `column`.
fn base_for(column: &str) -> Value {
    let common = json!({"seq": 1, "ts": "2026-10-05T09:00:00+09:00", "utc_offset_min": 540, "device_id": "PC-0001", "user_name": "sato"});
    let specific = match column {
        "kind" | "sender_address" | "sender_domain" => {
            json!({"kind": "mail", "op": "send", "sender_address": "sato@example.co.jp"})
        }
        "media_class" | "vendor_id" | "product_id" => {
            json!({"kind": "media", "op": "connect", "media_class": "mass_storage", "blocked": false})
        }
        "if_type" | "auth_method" | "cipher" | "bssid" => {
            json!({"kind": "network", "op": "connect", "if_type": "wifi", "auth_method": "wpa2_psk"})
        }
        "volume_role" | "protection_state" | "protection_on" => {
            json!({"kind": "encryption", "op": "status", "volume_name": "C:", "volume_role": "system", "protection_on": false})
        }
        "file_sha256" => json!({"kind": "app", "op": "start", "exe_name": "a.exe"}),
        "file_size" | "bytes_sent" => {
            json!({"kind": "file", "op": "write", "file_path": "C:\\a.txt"})
        }
        _ => json!({"kind": "session", "op": "logon"}),
    };
    let mut event = common;
    event
        .as_object_mut()
        .unwrap()
        .extend(specific.as_object().unwrap().clone());
    event
}

/// The text between the first pair of backticks, if the cell is one.
fn example(cell: &str) -> Option<String> {
    let start = cell.find('`')?;
    let end = cell[start + 1..].find('`')? + start + 1;
    Some(cell[start + 1..end].to_owned())
}

fn check(column: &str, value: &str) -> Result<(), String> {
    // A JSON example names its own columns: the base is of a kind that
    // uses the first of them.
    let parsed = serde_json::from_str::<Value>(value).ok();
    let named = parsed
        .as_ref()
        .and_then(Value::as_object)
        .and_then(|m| m.keys().next().cloned());
    let base = if column == "any" {
        column
    } else {
        named.as_deref().unwrap_or(column)
    };
    let mut event = base_for(base);
    let map = event.as_object_mut().unwrap();
    let numeric = worklog_schema::event_schema()
        .field_with_name(column)
        .is_ok_and(|f| f.data_type().is_numeric());
    match parsed {
        Some(Value::Object(fields)) => map.extend(fields),
        Some(number @ Value::Number(_)) if numeric => {
            map.insert(column.to_owned(), number);
        }
        _ => {
            map.insert(column.to_owned(), Value::String(value.to_owned()));
        }
    }
    let mut event: Event = serde_json::from_value(event).map_err(|e| e.to_string())?;
    event.normalize();
    let now = Timestamp::parse_rfc3339("2026-11-01T00:00:00Z");
    event.validate(now).map_err(|e| e.to_string())
}

#[test]
fn every_documented_validation_rejects_and_accepts_its_examples() {
    let rows = table();
    assert!(rows.len() >= 15, "{rows:?}");
    let mut checked = 0;
    for row in &rows {
        // A row about any column gives whole events as its examples.
        let column = example(&row[0]).unwrap_or_else(|| "any".to_owned());
        if let Some(bad) = example(&row[2]) {
            assert!(
                check(&column, &bad).is_err(),
                "docs/ingest-format.md says {column} = {bad} is rejected, but it is accepted"
            );
            checked += 1;
        }
        if let Some(good) = example(&row[3]) {
            if let Err(e) = check(&column, &good) {
                panic!("docs/ingest-format.md says {column} = {good} is accepted, but: {e}");
            }
            checked += 1;
        }
    }
    assert!(checked >= 20, "{checked} examples checked");
}
