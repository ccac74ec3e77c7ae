//! One term per concept, enforced over what users read: the catalogs
//! (`templates/*.toml`), the rule files and the docs use each concept's
//! one word (`templates/terms.toml`), never a variant, and a term's last
//! part never stands alone (「シャッター」 only inside 「ストレージシャッター」).

use std::path::{Path, PathBuf};

#[derive(serde::Deserialize)]
struct Terms {
    term: Vec<Term>,
}

#[derive(serde::Deserialize)]
struct Term {
    #[serde(rename = "use")]
    word: String,
    not: Vec<String>,
    part: Option<String>,
}

fn files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, ext, out);
        } else if path.extension().is_some_and(|x| x == ext) {
            out.push(path);
        }
    }
}

/// Where `text` breaks `term`: a variant, or its part outside the term.
fn breaches(text: &str, term: &Term) -> Vec<String> {
    let mut found: Vec<String> = term
        .not
        .iter()
        .filter(|v| text.contains(v.as_str()))
        .cloned()
        .collect();
    if let Some(part) = &term.part {
        let alone = text.matches(part.as_str()).count() - text.matches(term.word.as_str()).count();
        if alone > 0 {
            found.push(format!("{part} alone ×{alone}"));
        }
    }
    found
}

#[test]
fn each_concept_has_one_term_everywhere_users_read() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let terms: Terms =
        toml::from_str(&std::fs::read_to_string(root.join("templates/terms.toml")).unwrap())
            .unwrap();
    let mut paths = Vec::new();
    files(&root.join("templates"), "toml", &mut paths);
    files(&root.join("rules"), "toml", &mut paths);
    files(&root.join("docs"), "md", &mut paths);
    paths.push(root.join("README.md"));
    let mut problems = Vec::new();
    for path in paths.iter().filter(|p| !p.ends_with("terms.toml")) {
        let text = std::fs::read_to_string(path).unwrap();
        for term in &terms.term {
            for breach in breaches(&text, term) {
                problems.push(format!(
                    "{}: {breach} (write {})",
                    path.display(),
                    term.word
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn a_variant_or_a_lone_part_is_caught() {
    let term = Term {
        word: "ストレージシャッター".into(),
        not: vec!["媒体シャッター".into()],
        part: Some("シャッター".into()),
    };
    assert!(breaches("ストレージシャッターを解除", &term).is_empty());
    assert_eq!(breaches("媒体シャッターを解除", &term).len(), 2);
    assert_eq!(breaches("シャッターを戻す", &term), ["シャッター alone ×1"]);
}
