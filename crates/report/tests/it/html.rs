//! The HTML report: escaping, capping, text in both languages.

use worklog_model::Language;
use worklog_report::{HtmlOptions, ReportModel, render_html};

use crate::{HOSTILE_SCRIPT, analysis, generation};

pub fn html(language: Language, options: HtmlOptions) -> String {
    render_html(
        &ReportModel::new(analysis(), language, generation()),
        options,
    )
    .unwrap()
}

/// The visible text: tags and the style block dropped, one line per block.
fn visible_text(html: &str) -> String {
    let body = html.split("</style>").nth(1).unwrap_or(html);
    let mut out = String::new();
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push('\n');
            }
            '>' => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_script_in_log_data_is_text() {
    let page = html(Language::Ja, HtmlOptions::default());
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"),
        "escaped form missing"
    );
    assert!(!page.contains(HOSTILE_SCRIPT));
    // The page fetches nothing: no external URL in src or href.
    assert!(!page.contains("src=\"http") && !page.contains("href=\"http"));
    assert!(!page.contains("<script"));
}

#[test]
fn findings_are_capped_per_item_with_the_total_shown() {
    let page = html(
        Language::En,
        HtmlOptions {
            max_findings_per_item: 1,
        },
    );
    let total_119 = analysis()
        .findings
        .iter()
        .filter(|f| f.items.iter().any(|i| i == "119"))
        .count();
    assert!(
        page.contains(&format!(
            "Showing 1 of {total_119} (the Excel file lists all)"
        )),
        "cap note missing"
    );
}

#[test]
fn same_input_same_bytes() {
    assert_eq!(
        html(Language::Ja, HtmlOptions::default()),
        html(Language::Ja, HtmlOptions::default())
    );
}

#[test]
fn report_text_japanese() {
    insta::assert_snapshot!(visible_text(&html(
        Language::Ja,
        HtmlOptions {
            max_findings_per_item: 3
        }
    )));
}

#[test]
fn report_text_english() {
    insta::assert_snapshot!(visible_text(&html(
        Language::En,
        HtmlOptions {
            max_findings_per_item: 3
        }
    )));
}
