//! Tabular exports as the vendors' tools write them: CSV from an admin
//! center or from PowerShell's `Export-Csv`, in UTF-8 (with or without a
//! byte order mark) or UTF-16 (Windows PowerShell's `-Encoding Unicode`,
//! Exchange's downloadable reports), with a `#TYPE …` line first when
//! Windows PowerShell 5.1 wrote it without `-NoTypeInformation`, headers in
//! English or as a Japanese admin center names them.
//!
//! A reader declares its [`Layout`]: each column it reads, by every name
//! the tools give it, and whether it is required. A file whose header lacks
//! a required column is refused as a whole, naming the columns expected and
//! found; a row that cannot be read is counted with its line.

use std::collections::BTreeMap;

use crate::unparsed::{Place, Unparsed};

/// One column a reader reads.
#[derive(Debug, Clone, Copy)]
pub struct Col {
    /// The reader's name for it.
    pub key: &'static str,
    /// The header names the tools write (compared without case, spaces or
    /// punctuation: `Primary user UPN` = `primaryUserUPN`).
    pub names: &'static [&'static str],
    /// Whether a file without it is refused.
    pub required: bool,
}

/// The columns of one export format.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    /// The format, in words (`Get-MessageTraceV2 | Export-Csv`).
    pub name: &'static str,
    /// Its columns.
    pub columns: &'static [Col],
}

/// A CSV text: its header and its rows with their physical line numbers.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// Header cells, as written.
    pub header: Vec<String>,
    /// Rows: the line each starts on, and its cells.
    pub rows: Vec<(u64, Vec<String>)>,
    /// Rows the CSV reader could not read, with why.
    pub unreadable: Vec<Unparsed>,
}

/// Where each column of a layout is in a header.
#[derive(Debug, Clone)]
pub struct Located {
    layout: &'static Layout,
    at: BTreeMap<&'static str, usize>,
}

impl Located {
    /// The layout the header matched.
    pub fn layout(&self) -> &'static Layout {
        self.layout
    }

    /// The cell of column `key` in `row`, trimmed; `None` when the column
    /// is absent or the cell empty.
    pub fn get<'r>(&self, row: &'r [String], key: &str) -> Option<&'r str> {
        let cell = row.get(*self.at.get(key)?)?.trim();
        (!cell.is_empty()).then_some(cell)
    }
}

/// A header name compared: lower case, letters and digits only.
fn folded(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The text of an export: UTF-16 (little or big endian) when it starts
/// with that byte order mark, or when it has none but every other byte of
/// its start is zero (ASCII text in UTF-16); else UTF-8, a byte order mark
/// dropped. `Err` says where it is neither.
pub fn decode(bytes: &[u8]) -> Result<String, String> {
    let utf16 = |body: &[u8], little: bool| -> Result<String, String> {
        if !body.len().is_multiple_of(2) {
            return Err("UTF-16 text with an odd number of bytes: cut short".into());
        }
        let units = body.chunks_exact(2).map(|p| {
            if little {
                u16::from_le_bytes([p[0], p[1]])
            } else {
                u16::from_be_bytes([p[0], p[1]])
            }
        });
        char::decode_utf16(units)
            .enumerate()
            .map(|(i, c)| c.map_err(|_| format!("not UTF-16 at code unit {i}")))
            .collect()
    };
    match bytes {
        [0xFF, 0xFE, rest @ ..] => utf16(rest, true),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, false),
        [0xEF, 0xBB, 0xBF, rest @ ..] => utf8(rest),
        _ => {
            let start = &bytes[..bytes.len().min(64)];
            let odd_zeros = start.iter().skip(1).step_by(2).all(|b| *b == 0);
            let even_zeros = start.iter().step_by(2).all(|b| *b == 0);
            if start.len() >= 4 && odd_zeros && !even_zeros {
                utf16(bytes, true)
            } else if start.len() >= 4 && even_zeros && !odd_zeros {
                utf16(bytes, false)
            } else {
                utf8(bytes)
            }
        }
    }
}

fn utf8(bytes: &[u8]) -> Result<String, String> {
    std::str::from_utf8(bytes).map(str::to_owned).map_err(|e| {
        format!(
            "not UTF-8 at byte {} (nor UTF-16 with a byte order mark)",
            e.valid_up_to()
        )
    })
}

/// Reads CSV text (comma-separated unless the header is tab-separated): a
/// `#TYPE` line first is skipped, the first line after it is the header.
pub fn parse_csv(text: &str) -> Result<Table, String> {
    let mut skipped_lines = 0u64;
    let mut body = text;
    if body.starts_with("#TYPE") {
        body = body.split_once('\n').map_or("", |(_, rest)| rest);
        skipped_lines = 1;
    }
    let first_line = body.lines().next().unwrap_or_default();
    let delimiter = if first_line.contains('\t') && !first_line.contains(',') {
        b'\t'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(body.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| format!("line {}: the header cannot be read: {e}", skipped_lines + 1))?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    if header.iter().all(String::is_empty) {
        return Err("no header: the file is empty".into());
    }
    let mut table = Table {
        header,
        ..Table::default()
    };
    let mut lines = LineCounter::new(body.as_bytes());
    for record in reader.records() {
        match record {
            Ok(record) => {
                let line = lines.at(record.position().map_or(0, |p| p.byte())) + skipped_lines;
                if record.iter().all(|c| c.trim().is_empty()) {
                    continue;
                }
                // The tools write every column of every row: fewer or more
                // cells are a row cut short (a truncated download) or not
                // of this table.
                if record.len() != table.header.len() {
                    table.unreadable.push(Unparsed::at(
                        Place::Line(line),
                        format!(
                            "{} cells where the header has {} (a row cut short, or not of this export)",
                            record.len(),
                            table.header.len()
                        ),
                    ));
                    continue;
                }
                table
                    .rows
                    .push((line, record.iter().map(str::to_owned).collect()));
            }
            Err(e) => {
                let line = lines.at(e.position().map_or(0, |p| p.byte())) + skipped_lines;
                table.unreadable.push(Unparsed::at(
                    Place::Line(line),
                    format!("unreadable CSV: {e}"),
                ));
            }
        }
    }
    Ok(table)
}

/// The 1-based line of a byte offset, counted by `\n` (the csv crate's own
/// line numbers are one short after a CRLF line end, which Windows tools
/// write). Offsets are asked in ascending order: each byte is looked at
/// once.
pub struct LineCounter<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    /// A counter over `bytes`, at line 1.
    pub fn new(bytes: &'a [u8]) -> Self {
        LineCounter {
            bytes,
            offset: 0,
            line: 1,
        }
    }

    /// The line of the record starting at byte `offset` (not before the
    /// last asked): line ends at the offset are skipped (after a CRLF the
    /// csv crate starts the next record at its `\n`).
    pub fn at(&mut self, offset: u64) -> u64 {
        let mut end = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        while self
            .bytes
            .get(end)
            .is_some_and(|b| matches!(b, b'\r' | b'\n'))
        {
            end += 1;
        }
        if end > self.offset {
            self.line += self.bytes[self.offset..end]
                .iter()
                .filter(|b| **b == b'\n')
                .count() as u64;
            self.offset = end;
        }
        self.line
    }
}

/// The first of `layouts` whose required columns are all in `header`; else
/// why none is, naming for each the columns it needs that are missing, and
/// the columns found (a renamed column, another product's export, a
/// truncated download).
pub fn locate(layouts: &'static [Layout], header: &[String]) -> Result<Located, String> {
    let found: Vec<String> = header.iter().map(|h| folded(h)).collect();
    let mut misses = Vec::new();
    for layout in layouts {
        let mut at = BTreeMap::new();
        let mut missing = Vec::new();
        for col in layout.columns {
            let position = col
                .names
                .iter()
                .find_map(|name| found.iter().position(|f| *f == folded(name)));
            match position {
                Some(i) => {
                    at.insert(col.key, i);
                }
                None if col.required => missing.push(col.names[0]),
                None => {}
            }
        }
        if missing.is_empty() {
            return Ok(Located { layout, at });
        }
        misses.push(format!("{} needs {}", layout.name, missing.join(", ")));
    }
    Err(format!(
        "not an export this importer reads: {}; the header has {}",
        misses.join("; "),
        if header.is_empty() {
            "no columns".to_owned()
        } else {
            header.join(", ")
        }
    ))
}

/// A time as these exports write it, as a date and time without a zone
/// (the caller knows the zone the tool writes in): RFC 3339 and ISO 8601
/// (up to 7 decimals, as .NET writes them), `YYYY-MM-DD hh:mm:ss`,
/// `YYYY/MM/DD h:mm:ss` (a Japanese locale), `M/D/YYYY h:mm:ss AM` (the
/// United States'). With a zone or offset, the time is turned to UTC.
pub fn parse_time(text: &str) -> Option<chrono::NaiveDateTime> {
    let text = text.trim().trim_matches('"');
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(t.naive_utc());
    }
    let formats = [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
        "%Y/%m/%d %H:%M:%S%.f",
        "%Y/%m/%d %H:%M",
        "%m/%d/%Y %I:%M:%S %p",
        "%m/%d/%Y %I:%M %p",
        "%m/%d/%Y %H:%M:%S",
        "%m/%d/%Y %H:%M",
    ];
    let zone_cut = text
        .strip_suffix('Z')
        .or_else(|| text.strip_suffix(" UTC"))
        .unwrap_or(text);
    formats
        .iter()
        .find_map(|f| chrono::NaiveDateTime::parse_from_str(zone_cut, f).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LAYOUTS: &[Layout] = &[Layout {
        name: "test export",
        columns: &[
            Col {
                key: "user",
                names: &["Primary user UPN", "プライマリ ユーザー UPN"],
                required: true,
            },
            Col {
                key: "note",
                names: &["Note"],
                required: false,
            },
        ],
    }];

    #[test]
    fn utf16_and_bom_and_type_lines_are_read_as_the_tools_write_them() {
        let text = "#TYPE Selected.System.Management.Automation.PSCustomObject\r\n\"primaryUserUPN\",\"x\"\r\n\"a@b.jp\",\"1\"\r\n";
        let mut utf16: Vec<u8> = vec![0xFF, 0xFE];
        for unit in text.encode_utf16() {
            utf16.extend_from_slice(&unit.to_le_bytes());
        }
        let decoded = decode(&utf16).unwrap();
        let table = parse_csv(&decoded).unwrap();
        assert_eq!(table.header, ["primaryUserUPN", "x"]);
        assert_eq!(table.rows, [(3, vec!["a@b.jp".to_owned(), "1".to_owned()])]);
        let at = locate(LAYOUTS, &table.header).unwrap();
        assert_eq!(at.get(&table.rows[0].1, "user"), Some("a@b.jp"));
        assert_eq!(at.get(&table.rows[0].1, "note"), None);
        // Windows line ends: the lines are still the file's.
        let crlf = parse_csv("h,x\r\na,1\r\n\r\nb,2\r\n").unwrap();
        assert_eq!(crlf.rows.iter().map(|r| r.0).collect::<Vec<_>>(), [2, 4]);
        let bom = decode(b"\xEF\xBB\xBFprimary user upn\n").unwrap();
        assert_eq!(bom, "primary user upn\n");
        let japanese = parse_csv("プライマリ ユーザー UPN\ta\nx@y.jp\t1\n").unwrap();
        assert!(locate(LAYOUTS, &japanese.header).is_ok());
    }

    #[test]
    fn a_header_without_a_required_column_names_what_is_missing_and_found() {
        let error = locate(LAYOUTS, &["Device name".to_owned(), "OS".to_owned()]).unwrap_err();
        assert!(
            error.contains("test export needs Primary user UPN"),
            "{error}"
        );
        assert!(error.contains("the header has Device name, OS"), "{error}");
        assert!(decode(&[0xFF, 0xFE, 0x41]).is_err());
        assert!(decode(b"\xC3\x28abc").unwrap_err().contains("byte 0"));
    }

    #[test]
    fn times_in_every_format_the_tools_write() {
        let t = |s: &str| parse_time(s).map(|t| t.to_string());
        let want = Some("2026-03-16 01:02:03".to_owned());
        assert_eq!(t("2026-03-16T01:02:03Z"), want);
        assert_eq!(t("2026-03-16T10:02:03+09:00"), want);
        assert_eq!(t("2026-03-16 01:02:03"), want);
        assert_eq!(t("2026/03/16 1:02:03"), want);
        assert_eq!(t("3/16/2026 1:02:03 AM"), want);
        assert_eq!(
            t("2026-03-16T01:02:03.1234567Z"),
            Some("2026-03-16 01:02:03.123456700".to_owned())
        );
        assert_eq!(t("yesterday"), None);
    }
}
