//! `docs/sources.md`: which source gives which evidence for which item,
//! and each importer's mapping, generated from the code (the importers'
//! `SOURCES` and the default rule pack) — this test fails when the page
//! and the code differ (`UPDATE_DOCS=1` rewrites it).

use std::collections::BTreeSet;

use worklog::import_formats::sources::SOURCES;
use worklog::rules::RulePack;

fn pack() -> RulePack {
    worklog::default_pack().unwrap()
}

/// Source × item: the kinds a source gives that the item's rules read; ✓
/// when it gives every kind the item needs as evidence.
fn item_table(pack: &RulePack) -> String {
    let items: Vec<&str> = pack
        .catalog
        .items
        .iter()
        .filter(|i| pack.rules_for_item(&i.number).next().is_some())
        .map(|i| i.number.as_str())
        .collect();
    let mut out = format!(
        "| source | {} |\n|---|{}\n",
        items.join(" | "),
        "---|".repeat(items.len())
    );
    for source in SOURCES {
        let gives: BTreeSet<&str> = source.gives.iter().map(|(k, _)| *k).collect();
        let cells: Vec<String> = items
            .iter()
            .map(|item| {
                let rules: Vec<_> = pack.rules_for_item(item).collect();
                let needed: BTreeSet<&str> = rules
                    .iter()
                    .flat_map(|r| r.requires_kinds.iter().map(String::as_str))
                    .collect();
                let read: BTreeSet<&str> = rules
                    .iter()
                    .flat_map(|r| r.kinds.iter().map(String::as_str))
                    .filter(|k| gives.contains(k))
                    .collect();
                if read.is_empty() {
                    return "—".to_owned();
                }
                let kinds: Vec<&str> = read.into_iter().collect();
                if needed.iter().all(|k| gives.contains(k)) {
                    format!("✓ {}", kinds.join(", "))
                } else {
                    kinds.join(", ")
                }
            })
            .collect();
        out += &format!(
            "| {} (`{}`) | {} |\n",
            source.name,
            source.format,
            cells.join(" | ")
        );
    }
    out
}

fn mapping_tables() -> String {
    let mut out = String::new();
    for source in SOURCES {
        out += &format!("### {} (`--format {}`)\n\n", source.name, source.format);
        let gives: Vec<String> = source
            .gives
            .iter()
            .map(|(k, o)| format!("`{k} {o}`"))
            .collect();
        out += &format!(
            "Events: {}. `source`: `{}:…`. Documented in `{}`.\n\n",
            gives.join(", "),
            source.source_prefix,
            source.documented_in
        );
        if source.rows.is_empty() {
            continue;
        }
        out += "| record | becomes | fields |\n|---|---|---|\n";
        for r in source.rows {
            out += &format!("| {} | {} | {} |\n", r.record, r.becomes, r.fields);
        }
        out += "\n";
    }
    out
}

fn replace_between(doc: &str, name: &str, body: &str) -> (String, String) {
    let start = format!("<!-- {name}: generated -->\n");
    let end = format!("<!-- end of {name} -->");
    let from = doc
        .find(&start)
        .unwrap_or_else(|| panic!("{name} start marker"))
        + start.len();
    let to = doc
        .find(&end)
        .unwrap_or_else(|| panic!("{name} end marker"));
    (
        doc[from..to].to_owned(),
        format!("{}{}{}", &doc[..from], body, &doc[to..]),
    )
}

#[test]
fn the_sources_page_is_the_code_s() {
    let pack = pack();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/sources.md");
    let doc = std::fs::read_to_string(path).unwrap();
    let (items_now, doc2) = replace_between(&doc, "items", &item_table(&pack));
    let (maps_now, updated) = replace_between(&doc2, "mappings", &mapping_tables());
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(path, updated).unwrap();
        return;
    }
    assert_eq!(
        items_now,
        item_table(&pack),
        "run UPDATE_DOCS=1 cargo test -p worklog sources_doc and review"
    );
    assert_eq!(
        maps_now,
        mapping_tables(),
        "run UPDATE_DOCS=1 cargo test -p worklog sources_doc and review"
    );
}

/// Every export format the library reads has its source on the page, and
/// the other way round.
#[test]
fn every_export_format_is_on_the_page() {
    let formats: BTreeSet<&str> = worklog::ExportFormat::ALL
        .iter()
        .map(|f| f.name())
        .collect();
    let listed: BTreeSet<&str> = SOURCES.iter().map(|s| s.format).collect();
    assert_eq!(formats, listed);
}
