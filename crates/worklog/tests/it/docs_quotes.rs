//! The report's words as the docs quote them: every 「…」 quote in the
//! docs and the README is a text the code prints — a whole catalog text
//! (its `{placeholders}` standing for anything: the quote's example values,
//! `N`, `…`), the end or the start of one when the quote begins or ends
//! with `…`, or a part of one word for word. A quote of a wording the
//! catalogs no longer hold fails here; so does a doc quoting a sentence
//! the code never had.

use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every string in a TOML value (catalog texts, rule titles and details).
fn strings(value: &toml::Value, out: &mut Vec<String>) {
    match value {
        toml::Value::String(s) => out.push(s.clone()),
        toml::Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        toml::Value::Table(table) => table.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

/// The texts the code prints: the message and label catalogs, the rule
/// pack's files and the evaluation-item catalog.
fn printed_texts() -> Vec<String> {
    let root = repo();
    let mut files = vec![
        root.join("templates/messages.toml"),
        root.join("templates/labels.toml"),
        root.join("rules/default/catalog.toml"),
    ];
    for entry in std::fs::read_dir(root.join("rules/default/rules")).unwrap() {
        files.push(entry.unwrap().path());
    }
    let mut out = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let value: toml::Value = toml::from_str(&text)
            .unwrap_or_else(|e| panic!("{} does not parse: {e}", file.display()));
        strings(&value, &mut out);
    }
    out.iter().map(|t| squeeze(t)).collect()
}

/// Without whitespace: the docs wrap lines inside a quote.
fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Whether `quote` is `template` with each `{placeholder}` standing for
/// any text.
fn fills(template: &str, quote: &str) -> bool {
    let mut pieces: Vec<&str> = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        pieces.push(&rest[..open]);
        rest = &rest[open + close + 1..];
    }
    if pieces.is_empty() {
        return template == quote;
    }
    pieces.push(rest);
    let (first, last) = (pieces[0], pieces[pieces.len() - 1]);
    let Some(mut middle) = quote.strip_prefix(first).and_then(|q| q.strip_suffix(last)) else {
        return false;
    };
    for piece in &pieces[1..pieces.len() - 1] {
        match middle.find(piece) {
            Some(at) => middle = &middle[at + piece.len()..],
            None => return false,
        }
    }
    true
}

/// Whether `quote` is `text` as printed: all of it, its end or start (a
/// quote opening or closing with `…`), or a part of it word for word.
fn quotes_text(text: &str, quote: &str) -> bool {
    if !quote.is_empty() && text.contains(quote) {
        return true;
    }
    let (from_start, head) = match quote.strip_prefix('…') {
        Some(rest) => (false, rest),
        None => (true, quote),
    };
    let (to_end, body) = match head.strip_suffix('…') {
        Some(rest) => (false, rest),
        None => (true, head),
    };
    let starts: Vec<usize> = if from_start {
        vec![0]
    } else {
        text.char_indices().map(|(i, _)| i).collect()
    };
    starts.into_iter().any(|start| {
        let tail = &text[start..];
        if to_end {
            return fills(tail, body);
        }
        tail.char_indices()
            .map(|(i, c)| i + c.len_utf8())
            .any(|end| fills(&tail[..end], body))
    })
}

/// The 「…」 quotes of a markdown text, with the line each starts on.
fn quotes(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut rest = text;
    let mut consumed = 0;
    while let Some(open) = rest.find('「') {
        let after = &rest[open + '「'.len_utf8()..];
        let Some(close) = after.find('」') else {
            break;
        };
        let line = text[..consumed + open].lines().count().max(1);
        out.push((line, after[..close].to_owned()));
        let used = open + '「'.len_utf8() + close + '」'.len_utf8();
        consumed += used;
        rest = &rest[used..];
    }
    out
}

#[test]
fn every_quoted_report_text_is_one_the_code_prints() {
    let printed = printed_texts();
    let mut docs: Vec<PathBuf> = std::fs::read_dir(repo().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    docs.push(repo().join("README.md"));
    let mut checked = 0;
    let mut stale = Vec::new();
    for doc in docs {
        let text = std::fs::read_to_string(&doc).unwrap();
        for (line, quote) in quotes(&text) {
            let quote = squeeze(&quote);
            checked += 1;
            let known = printed.iter().any(|t| quotes_text(t, &quote));
            if !known {
                stale.push(format!("{}:{line}: 「{quote}」", doc.display()));
            }
        }
    }
    assert!(checked >= 3, "only {checked} quotes found");
    assert!(
        stale.is_empty(),
        "quoted in the docs but printed by no catalog text:\n{}",
        stale.join("\n")
    );
}

#[test]
fn a_quote_matches_a_template_only_where_its_words_are() {
    let t = "指摘 {fail} 件(要確認 {review} 件)";
    assert!(fills(&squeeze(t), &squeeze("指摘 N 件(要確認 0 件)")));
    assert!(!fills(&squeeze(t), &squeeze("指摘 N 件(要確認 0 件")));
    assert!(!fills(&squeeze(t), &squeeze("所見 N 件(要確認 0 件)")));
    let tamper = squeeze("; truncation not checked for {n} device(s) with no anchor");
    assert!(quotes_text(
        &tamper,
        &squeeze("…truncation not checked for N device(s) with no anchor")
    ));
    assert!(!quotes_text(
        &tamper,
        &squeeze("…truncation not checked for N PCs with no anchor")
    ));
    assert!(!quotes_text(
        &tamper,
        &squeeze("truncation not checked for N device(s) with no anchor")
    ));
    assert_eq!(quotes("a 「x」 b\nc 「y\nz」").len(), 2);
    assert_eq!(quotes("a 「x」 b\nc 「y\nz」")[1], (2, "y\nz".to_owned()));
}
