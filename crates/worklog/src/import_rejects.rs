//! The reject file of an import: each record the importers could not read,
//! with its file, where it is, why, and the line's text, as JSON Lines.
//! It goes beside the import's summary, never into the folder of the
//! exports: those are the agency's evidence, and may be read-only.

use std::path::Path;

use serde::Serialize;
use worklog_import::{Place, Unparsed};

use crate::import::EvtxReport;
use crate::{Error, Result, io};

/// A refused line can be megabytes long: an entry keeps its start.
const RAW_CHARS: usize = 4096;

/// One entry of the reject file.
#[derive(Serialize)]
struct Reject<'a> {
    file: &'a str,
    #[serde(flatten)]
    unparsed: &'a Unparsed,
    /// The text of the line it starts on (none for a JSON item or a
    /// record the parser could not place).
    #[serde(skip_serializing_if = "Option::is_none")]
    raw: Option<String>,
}

/// Writes every record `report`'s files could not read to `path`, whole
/// (written aside and renamed); returns how many. A file that could not be
/// read at all has no entry: the summary says why.
pub fn write_import_rejects(report: &EvtxReport, path: &Path) -> Result<u64> {
    let mut out = Vec::new();
    let mut count = 0;
    for file in report.files.iter().filter(|f| !f.read.unreadable) {
        let read = &file.read;
        if read.unparsed.is_empty() {
            continue;
        }
        let lines = source_lines(Path::new(&read.file));
        for unparsed in &read.unparsed {
            let raw = match unparsed.place {
                Some(Place::Line(n)) => lines
                    .as_ref()
                    .and_then(|l| l.get(usize::try_from(n).ok()?.checked_sub(1)?))
                    .map(|l| l.trim_end_matches('\r').chars().take(RAW_CHARS).collect()),
                _ => None,
            };
            let entry = Reject {
                file: &read.file,
                unparsed,
                raw,
            };
            serde_json::to_writer(&mut out, &entry).map_err(|e| Error::Input {
                path: path.to_owned(),
                reason: e.to_string(),
            })?;
            out.push(b'\n');
            count += 1;
        }
    }
    worklog_fs::write_atomic(path, &out).map_err(io(path))?;
    Ok(count)
}

/// The file's lines as its importer decoded them (UTF-8 or UTF-16 with
/// their marks; bytes that are neither shown as U+FFFD), or none when it
/// cannot be read again.
fn source_lines(path: &Path) -> Option<Vec<String>> {
    let bytes = std::fs::read(path).ok()?;
    let text = worklog_import::table::decode(&bytes)
        .unwrap_or_else(|_| String::from_utf8_lossy(&bytes).into_owned());
    Some(text.split('\n').map(str::to_owned).collect())
}
