//! Events written by a collector, one per line, by the schema's field
//! names: JSON Lines, or CSV with a header of column names (an empty cell
//! is null). Every line gives an event or the reason it is not one; `seq`
//! is the ledger's to assign.

use arrow_schema::DataType;
use serde_json::{Map, Value};
use worklog_schema::{Event, event_schema};

/// One line: its number (1-based) and the event or why not. (The line's
/// text is not kept: a file of 10^6 events would be held twice; a caller
/// that reports a rejected line takes its text from the file by number.)
pub type Line = (u64, Result<Event, String>);

/// Every non-blank line of a JSON Lines text.
pub fn read_jsonl(bytes: &[u8]) -> Vec<Line> {
    let mut out = Vec::new();
    for (i, raw) in bytes.split(|b| *b == b'\n').enumerate() {
        let line = i as u64 + 1;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if raw.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let text = match std::str::from_utf8(raw) {
            Ok(text) => text,
            Err(e) => {
                out.push((
                    line,
                    Err(format!(
                        "not UTF-8 at byte {}; re-encode the collector's output as UTF-8",
                        e.valid_up_to()
                    )),
                ));
                continue;
            }
        };
        let event = serde_json::from_str::<Value>(text)
            .map_err(|e| format!("not JSON: {e}"))
            .and_then(|v| match v {
                Value::Object(map) => Ok(map),
                _ => Err("not a JSON object".to_owned()),
            })
            .and_then(to_event);
        out.push((line, event));
    }
    out
}

/// Every record of a CSV text; `Err` when its header is unusable (with
/// what to do).
pub fn read_csv(bytes: &[u8]) -> Result<Vec<Line>, String> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|e| format!("line 1: cannot read the header: {e}"))?
        .clone();
    let schema = event_schema();
    let mut types = Vec::new();
    for name in &headers {
        let field = schema.field_with_name(name).map_err(|_| {
            format!("line 1: column {name:?} is not an event field (see docs/field-reference.md)")
        })?;
        types.push((name.to_owned(), field.data_type().clone()));
    }
    let mut out = Vec::new();
    // Line numbers from byte offsets: the csv crate's are one short after
    // CRLF line ends.
    let mut lines = crate::table::LineCounter::new(bytes);
    for record in reader.byte_records() {
        let (line, parsed) = match record {
            Err(e) => {
                let line = lines.at(e.position().map_or(0, |p| p.byte()));
                (line, Err(format!("unreadable CSV: {e}")))
            }
            Ok(record) => {
                let line = lines.at(record.position().map_or(0, |p| p.byte()));
                (line, csv_object(&types, &record))
            }
        };
        out.push((line, parsed.and_then(to_event)));
    }
    Ok(out)
}

fn csv_object(
    types: &[(String, DataType)],
    record: &csv::ByteRecord,
) -> Result<Map<String, Value>, String> {
    if record.len() != types.len() {
        return Err(format!(
            "{} cells where the header has {}",
            record.len(),
            types.len()
        ));
    }
    let mut map = Map::new();
    for ((name, data_type), cell) in types.iter().zip(record.iter()) {
        if cell.is_empty() {
            continue;
        }
        let text = std::str::from_utf8(cell).map_err(|_| format!("`{name}` is not UTF-8"))?;
        let value = match data_type {
            DataType::UInt64 | DataType::Int64 | DataType::Int32 => text
                .trim()
                .parse::<i64>()
                .map(Value::from)
                .map_err(|_| format!("`{name}`: {text:?} is not a whole number"))?,
            DataType::Boolean => match text.trim() {
                "true" | "TRUE" | "1" => Value::Bool(true),
                "false" | "FALSE" | "0" => Value::Bool(false),
                other => return Err(format!("`{name}`: {other:?} is not true or false")),
            },
            _ => Value::String(text.to_owned()),
        };
        map.insert(name.clone(), value);
    }
    Ok(map)
}

/// The event of a JSON object; `seq` is the ledger's to assign.
fn to_event(mut map: Map<String, Value>) -> Result<Event, String> {
    map.insert("seq".into(), Value::from(0u64));
    serde_json::from_value::<Event>(Value::Object(map)).map_err(|e| format!("not an event: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A CSV from Windows: a byte order mark and CRLF line ends; a rejected
    /// row is named by the line it is on.
    #[test]
    fn line_numbers_hold_with_a_bom_and_crlf() {
        let csv = "\u{FEFF}ts,utc_offset_min,device_id,user_name,kind,op\r\n\
                   2026-10-05T09:00:00+09:00,540,PC-1,sato,session,logon\r\n\
                   2026-10-05T09:01:00+09:00,540,PC-1,sato,session,nap\r\n";
        let lines = read_csv(csv.as_bytes()).unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].0, 2);
        assert!(lines[0].1.is_ok(), "{:?}", lines[0].1);
        assert_eq!(lines[1].0, 3);
    }
}
