//! Every text a reader sees, read back: each cell of the workbook (calamine),
//! each text node of the HTML, each field of the CSV. Log data may hold
//! bidirectional or zero-width characters (a file name `請求書` U+202E `fdp.exe`
//! shows as `請求書exe.pdf`): they must appear as visible symbols. And no
//! missing value may be printed as a programming language's null.

use std::path::Path;

use calamine::{Data, Reader, Xlsx, open_workbook};
use worklog_model::{Analysis, Category, Finding, Language, Severity};
use worklog_report::{ReportOptions, write_reports};

use crate::{analysis, generation};

/// Characters that must never reach a reader as they are.
const HIDDEN: [char; 8] = [
    '\u{202E}', '\u{202D}', '\u{2066}', '\u{2069}', '\u{200B}', '\u{200E}', '\u{200F}', '\u{FEFF}',
];

/// Words that show a missing value printed by code, not by the catalog.
const NULL_WORDS: [&str; 5] = ["None", "none", "null", "undefined", "NaN"];

fn hostile_analysis() -> Analysis {
    let mut a = analysis().clone();
    let template = a
        .findings
        .iter()
        .find(|f| f.category == Category::Item && f.items == ["108"])
        .or_else(|| a.findings.iter().find(|f| f.category == Category::Item))
        .cloned()
        .unwrap();
    a.findings.push(Finding {
        device_id: "PC-BIDI".into(),
        detail: "請求書\u{202E}fdp.exe".into(),
        user_name: "sato\u{200B}\u{200F}".into(),
        evidence: vec![
            ("file_path".into(), "E:\\請求書\u{202E}fdp.exe".into()),
            ("window_title".into(), "\u{2066}abc\u{2069}\u{FEFF}".into()),
        ],
        severity: Severity::Fail,
        ..template
    });
    a
}

fn write(a: &Analysis, language: Language) -> (tempfile::TempDir, worklog_report::ReportFiles) {
    let tmp = tempfile::tempdir().unwrap();
    let files = write_reports(
        a,
        tmp.path(),
        &ReportOptions {
            language,
            ..Default::default()
        },
        generation(),
    )
    .unwrap();
    (tmp, files)
}

/// Every non-empty cell of every sheet, with where it is.
fn workbook_cells(path: &Path) -> Vec<(String, String)> {
    let mut book: Xlsx<_> = open_workbook(path).unwrap();
    let mut out = Vec::new();
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name).unwrap();
        for (r, row) in range.rows().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let text = match cell {
                    Data::String(s) => s.clone(),
                    Data::Empty => continue,
                    other => other.to_string(),
                };
                out.push((format!("{name}!R{}C{}", r + 1, c + 1), text));
            }
        }
    }
    out
}

/// The text nodes of an HTML document (outside `<script>` and `<style>`),
/// entities decoded: what a reader sees.
fn html_text_nodes(html: &str) -> Vec<String> {
    let mut nodes = Vec::new();
    let mut rest = html;
    while !rest.is_empty() {
        match rest.find('<') {
            Some(at) => {
                let text = &rest[..at];
                if !text.trim().is_empty() {
                    nodes.push(decode(text));
                }
                let tag_end = rest[at..].find('>').map_or(rest.len(), |e| at + e + 1);
                let tag = rest[at..tag_end].to_ascii_lowercase();
                rest = &rest[tag_end..];
                for element in ["script", "style"] {
                    if tag.starts_with(&format!("<{element}")) {
                        let close = format!("</{element}>");
                        let end = rest.find(&close).map_or(rest.len(), |e| e + close.len());
                        rest = &rest[end..];
                    }
                }
            }
            None => {
                if !rest.trim().is_empty() {
                    nodes.push(decode(rest));
                }
                break;
            }
        }
    }
    nodes
}

fn decode(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&#x2f;", "/")
        .replace("&amp;", "&")
}

fn nulls_in(text: &str) -> bool {
    text.split(|c: char| !c.is_alphanumeric())
        .any(|word| NULL_WORDS.contains(&word))
}

#[test]
fn every_cell_and_text_node_shows_hidden_characters_and_no_null() {
    let a = hostile_analysis();
    // The fixture's fleet has a PC that never logged (no verification of
    // it): the row that once printed `None None None`.
    assert!(
        a.devices
            .iter()
            .any(|d| d.events == 0 && d.integrity.is_none()),
        "the fixture must hold a device the verifier never saw"
    );
    for language in [Language::Ja, Language::En] {
        let (_tmp, files) = write(&a, language);
        let cells = workbook_cells(&files.excel);
        assert!(cells.len() > 100);
        let nodes = html_text_nodes(&std::fs::read_to_string(&files.html).unwrap());
        assert!(nodes.len() > 100);
        let csv = std::fs::read_to_string(&files.csv).unwrap();
        // The byte order mark that opens the file tells Excel its encoding:
        // not content.
        let csv = csv.strip_prefix('\u{FEFF}').unwrap_or(&csv).to_owned();
        let every = cells
            .iter()
            .map(|(at, t)| (at.clone(), t.clone()))
            .chain(nodes.iter().map(|t| ("html".to_owned(), t.clone())))
            .chain(
                csv.lines()
                    .map(|l| ("findings.csv".to_owned(), l.to_owned())),
            );
        let mut shown = 0;
        for (at, text) in every {
            assert!(
                !text.contains(HIDDEN),
                "{language:?} {at}: a hidden character reaches the reader: {text:?}"
            );
            shown += usize::from(text.contains("請求書[U+202E]fdp.exe"));
            if language == Language::Ja {
                assert!(!nulls_in(&text), "{at}: a null printed: {text:?}");
            } else {
                assert!(
                    !text
                        .split(|c: char| !c.is_alphanumeric())
                        .any(|w| w == "null" || w == "undefined"),
                    "{at}: a null printed: {text:?}"
                );
            }
        }
        assert!(
            shown >= 3,
            "{language:?}: the file name shown in workbook, HTML and CSV ({shown})"
        );
    }
}
