//! The reports printed to PDF as a compliance officer would: the workbook
//! by LibreOffice, the HTML by Chromium, and the binder the tool writes
//! itself. Pages are counted and read back with poppler (`pdfinfo`,
//! `pdftotext`, its word boxes): A4, 概要 on its own first page with the
//! verdicts and the sign-off block; no text under 7 pt, no text drawn over
//! other text, no heading alone at the foot of a page. Skipped (with a
//! message) where the tools are absent, unless WORKLOG_REQUIRE_PRINT=1 (set
//! by `.ci/run`, which installs them), which turns a skip into a failure.

use std::path::{Path, PathBuf};
use std::process::Command;

use worklog_model::Language;
use worklog_report::{
    ExcelOptions, HtmlOptions, Messages, PdfOptions, ReportModel, write_excel, write_html,
    write_pdf,
};

use crate::{analysis, generation};

fn tool(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

/// The print tools, or `None` (a skip) when one is missing and CI did not
/// ask for them.
fn tools(names: &[&str]) -> Option<Vec<PathBuf>> {
    let found: Vec<Option<PathBuf>> = names.iter().map(|n| tool(n)).collect();
    if found.iter().all(Option::is_some) {
        return Some(found.into_iter().flatten().collect());
    }
    let missing: Vec<&&str> = names
        .iter()
        .zip(&found)
        .filter(|(_, f)| f.is_none())
        .map(|(n, _)| n)
        .collect();
    let required = std::env::var("WORKLOG_REQUIRE_PRINT").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "WORKLOG_REQUIRE_PRINT=1 but {missing:?} not on PATH"
    );
    eprintln!(
        "skipped: {missing:?} not on PATH (apt-get install libreoffice-calc poppler-utils chromium)"
    );
    None
}

/// Pages and page size (points) of a PDF.
fn pdf_info(pdf: &Path) -> (usize, f64, f64) {
    let out = Command::new("pdfinfo").arg(pdf).output().unwrap();
    let info = String::from_utf8_lossy(&out.stdout).to_string();
    let field = |name: &str| {
        info.lines()
            .find(|l| l.starts_with(name))
            .map(|l| l[name.len()..].trim().to_owned())
            .unwrap_or_else(|| panic!("no {name} in {info}"))
    };
    let pages: usize = field("Pages:").parse().unwrap();
    let size = field("Page size:");
    let mut numbers = size
        .split_whitespace()
        .filter_map(|w| w.parse::<f64>().ok());
    (pages, numbers.next().unwrap(), numbers.next().unwrap())
}

/// The text of one page.
fn page_text(pdf: &Path, page: usize) -> String {
    let out = Command::new("pdftotext")
        .args(["-layout", "-f", &page.to_string(), "-l", &page.to_string()])
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// A word poppler found, with its box (points, y down).
struct Word {
    page: usize,
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
    text: String,
}

/// Every word of `pdf` with its box, and each page's height.
fn words(pdf: &Path) -> (Vec<Word>, Vec<f64>) {
    let out = Command::new("pdftotext")
        .args(["-bbox-layout"])
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    let xml = String::from_utf8_lossy(&out.stdout).to_string();
    let attr = |tag: &str, name: &str| -> f64 {
        let at = tag.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        tag[at..].split('"').next().unwrap().parse().unwrap()
    };
    let (mut all, mut heights) = (Vec::new(), Vec::new());
    for (page, body) in xml.split("<page ").skip(1).enumerate() {
        heights.push(attr(body, "height"));
        for piece in body.split("<word ").skip(1) {
            let (tag, rest) = piece.split_once('>').unwrap();
            let text = rest.split("</word>").next().unwrap().trim().to_owned();
            all.push(Word {
                page: page + 1,
                x0: attr(tag, "xMin"),
                y0: attr(tag, "yMin"),
                x1: attr(tag, "xMax"),
                y1: attr(tag, "yMax"),
                text,
            });
        }
    }
    (all, heights)
}

/// What a printed page must not show: text under 7 pt (a word box lower
/// than 7 pt: the box is at least the type's size), text drawn over other
/// text (boxes that cross with their middles closer than 40 % of the lower
/// one: lines above and below only touch), and a heading that is the last
/// line of a page's content, its section on the next.
fn print_problems(pdf: &Path, headings: &[String]) -> Vec<String> {
    let (words, heights) = words(pdf);
    let mut problems = Vec::new();
    for w in words.iter().filter(|w| w.y1 - w.y0 < 7.0) {
        problems.push(format!(
            "page {}: {:?} is {:.1} pt high",
            w.page,
            w.text,
            w.y1 - w.y0
        ));
    }
    for (page, height) in heights.iter().enumerate() {
        let on_page: Vec<&Word> = words.iter().filter(|w| w.page == page + 1).collect();
        for (i, a) in on_page.iter().enumerate() {
            for b in &on_page[i + 1..] {
                let across = a.x1.min(b.x1) - a.x0.max(b.x0);
                let apart = ((a.y0 + a.y1) - (b.y0 + b.y1)).abs() / 2.0;
                let lower = (a.y1 - a.y0).min(b.y1 - b.y0);
                if across > 1.0 && apart < 0.4 * lower {
                    problems.push(format!("page {}: {:?} over {:?}", page + 1, a.text, b.text));
                }
            }
        }
        // The content's last line, above the footer band.
        let content: Vec<&&Word> = on_page.iter().filter(|w| w.y1 < height - 50.0).collect();
        let Some(bottom) = content.iter().map(|w| w.y1).reduce(f64::max) else {
            continue;
        };
        let last_line: Vec<&str> = content
            .iter()
            .filter(|w| (w.y1 - bottom).abs() < 2.0)
            .map(|w| w.text.as_str())
            .collect();
        let last_line = last_line.join(" ");
        if page + 1 < heights.len() && headings.iter().any(|h| last_line.trim() == h.as_str()) {
            problems.push(format!(
                "page {}: heading {last_line:?} ends the page",
                page + 1
            ));
        }
    }
    problems
}

/// The section headings of the reports, in `language`.
fn headings(language: Language) -> Vec<String> {
    let m = Messages::new(language);
    [
        "overall_status",
        "attention",
        "verdict_legend",
        "departments",
        "comparison",
        "device_matrix",
        "sources_legend",
        "items",
        "integrity",
        "log_management",
        "leak_signals",
        "waived_findings",
        "problems",
        "manifest",
        "sign_off",
        "glossary",
        "item_page_details",
        "item_page_deviations",
        "item_page_remedies",
        "item_page_rules",
    ]
    .iter()
    .map(|k| m.get(k).to_owned())
    .collect()
}

fn is_a4_landscape(width: f64, height: f64) -> bool {
    (width - 842.0).abs() < 3.0 && (height - 595.0).abs() < 3.0
}

#[test]
fn the_workbook_prints_on_a4_landscape_with_the_summary_on_page_one() {
    let Some(_) = tools(&["soffice", "pdfinfo", "pdftotext"]) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let xlsx = tmp.path().join("report.xlsx");
    let model = ReportModel::new(analysis(), Language::Ja, generation());
    write_excel(&model, &xlsx, ExcelOptions::default()).unwrap();
    let profile = format!(
        "-env:UserInstallation=file://{}",
        tmp.path().join("lo").display()
    );
    let out = Command::new("soffice")
        .args([
            profile.as_str(),
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
        ])
        .arg(tmp.path())
        .arg(&xlsx)
        .output()
        .unwrap();
    let pdf = tmp.path().join("report.pdf");
    assert!(
        pdf.is_file(),
        "LibreOffice wrote no PDF: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (pages, width, height) = pdf_info(&pdf);
    assert!(is_a4_landscape(width, height), "{width} x {height} pt");
    let first = page_text(&pdf, 1);
    // Page 1 is 概要 whole: title, the overall verdict, every item, the
    // sign-off block.
    assert!(first.contains("PC操作ログ 監査報告書"), "{first}");
    assert!(
        first.contains("総合判定") && first.contains("不適合の項目あり"),
        "{first}"
    );
    for item in &analysis().items {
        assert!(
            first.contains(&item.number),
            "item {} not on page 1",
            item.number
        );
    }
    assert!(
        first.contains("承認者") && first.contains("確認欄"),
        "sign-off not on page 1:\n{first}"
    );
    let second = page_text(&pdf, 2);
    assert!(!second.contains("確認欄"), "概要 ran over onto page 2");
    // The header and footer print: organisation and page x / y.
    assert!(first.contains(&analysis().organisation), "header");
    assert!(
        first.contains(&format!("1 / {pages}")),
        "footer page x / y:\n{first}"
    );
    let problems = print_problems(&pdf, &headings(Language::Ja));
    assert!(problems.is_empty(), "the printed workbook: {problems:#?}");
    eprintln!("workbook: {pages} A4 landscape pages");
}

#[test]
fn the_html_prints_on_a4_landscape_with_page_numbers() {
    let Some(found) = tools(&["chromium", "pdfinfo", "pdftotext"]) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let html = tmp.path().join("report.html");
    let model = ReportModel::new(analysis(), Language::Ja, generation());
    write_html(&model, &html, HtmlOptions::default()).unwrap();
    let pdf = tmp.path().join("report.pdf");
    let out = Command::new(&found[0])
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", html.display()))
        .output()
        .unwrap();
    assert!(
        pdf.is_file(),
        "Chromium wrote no PDF: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (pages, width, height) = pdf_info(&pdf);
    assert!(is_a4_landscape(width, height), "{width} x {height} pt");
    let first = page_text(&pdf, 1);
    assert!(
        first.contains("総合判定") && first.contains("要対応事項"),
        "{first}"
    );
    assert!(
        first.contains(&format!("1 / {pages}")),
        "page numbers:\n{first}"
    );
    // Columns are not crushed to one character per line: a department
    // name prints on one line somewhere.
    let all: String = (1..=pages).map(|p| page_text(&pdf, p)).collect();
    assert!(all.contains("東京支店"), "a department name printed whole");
    let problems = print_problems(&pdf, &headings(Language::Ja));
    assert!(problems.is_empty(), "the printed page: {problems:#?}");
    eprintln!("html: {pages} A4 landscape pages");
}

#[test]
fn the_binder_prints_on_a4_with_nothing_small_overlapping_or_stranded() {
    let Some(_) = tools(&["pdfinfo", "pdftotext"]) else {
        return;
    };
    for language in [Language::Ja, Language::En] {
        let tmp = tempfile::tempdir().unwrap();
        let pdf = tmp.path().join("binder.pdf");
        let model = ReportModel::new(analysis(), language, generation());
        write_pdf(&model, &pdf, PdfOptions::default()).unwrap();
        let (pages, width, height) = pdf_info(&pdf);
        assert!(
            (width - 595.0).abs() < 3.0 && (height - 842.0).abs() < 3.0,
            "A4 portrait: {width} x {height} pt"
        );
        let first = page_text(&pdf, 1);
        assert!(first.contains(&format!("1 / {pages}")), "{first}");
        let problems = print_problems(&pdf, &headings(language));
        assert!(
            problems.is_empty(),
            "the binder ({language:?}): {problems:#?}"
        );
    }
}

/// The binder's text as poppler reads it, page by page (no layout: lines
/// in reading order).
fn binder_pages(model: &ReportModel<'_>) -> Vec<String> {
    let tmp = tempfile::tempdir().unwrap();
    let pdf = tmp.path().join("binder.pdf");
    write_pdf(model, &pdf, PdfOptions::default()).unwrap();
    let out = Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .split('\u{c}')
        .map(|page| page.replace('\n', ""))
        .collect()
}

/// The cover states the edition, the items judged and not judged and the
/// integrity in one sentence; each 設問 has a page of its own with the
/// question, the proposed answer and why, the control's evidence, the
/// deviations and what to do — the texts the model gives, read back from
/// the PDF (wrapped lines joined).
#[test]
fn the_binder_has_the_cover_and_one_evidence_page_per_question() {
    let Some(_) = tools(&["pdftotext"]) else {
        return;
    };
    let a = analysis();
    let model = ReportModel::new(a, Language::Ja, generation());
    let m = Messages::new(Language::Ja);
    let pages = binder_pages(&model);
    let cover = &pages[0];
    let squeeze = |s: &str| s.replace([' ', '\n'], "");
    for (key, value) in model.page_one_facts(&m) {
        if ["edition", "scope", "integrity", "organisation"].contains(&key) {
            assert!(squeeze(cover).contains(&squeeze(&value)), "{key}: {value}");
        }
    }
    for row in &model.item_rows {
        let page = model.item_page(&row.number).unwrap();
        // The item's pages: from its heading to the next page that starts
        // with another heading.
        let heading = format!("{}{}(", m.get("item"), row.number);
        let starts = |p: &String| squeeze(p).contains(&heading);
        let first = pages
            .iter()
            .position(starts)
            .unwrap_or_else(|| panic!("no page for item {}", row.number));
        let end = pages[first + 1..]
            .iter()
            .position(|p| {
                squeeze(p).contains(&format!("{}1", m.get("item")))
                    || squeeze(p).contains(m.get("log_management"))
            })
            .map_or(pages.len(), |n| first + 1 + n);
        let text = squeeze(&pages[first..end].concat());
        for part in [
            &page.question,
            &page.reason,
            &page.control,
            &page.deviations_summary,
        ] {
            assert!(text.contains(&squeeze(part)), "item {}: {part}", row.number);
        }
        assert!(text.contains(&squeeze(page.answer.name_ja())));
        for d in &page.deviations {
            assert!(
                text.contains(&d.device),
                "item {}: {}",
                row.number,
                d.device
            );
        }
        for (_, remedy) in &page.remedies {
            assert!(
                text.contains(&squeeze(remedy)),
                "item {}: {remedy}",
                row.number
            );
        }
    }
    let all = squeeze(&pages.concat());
    assert!(all.contains(&squeeze(m.get("glossary"))));
}

/// Same input and generation time, same bytes; hostile log text (a
/// right-to-left override, a control character) is shown as symbols.
#[test]
fn the_binder_is_deterministic_and_shows_hostile_text_as_symbols() {
    let Some(_) = tools(&["pdftotext"]) else {
        return;
    };
    let model = ReportModel::new(analysis(), Language::En, generation());
    let once = worklog_report::render_pdf(&model, PdfOptions::default()).unwrap();
    let twice = worklog_report::render_pdf(&model, PdfOptions::default()).unwrap();
    assert!(once == twice, "two renderings differ");
    let mut hostile = analysis().clone();
    hostile.organisation = "Evil\u{202E}fdp.exe\u{7}Corp".into();
    let model = ReportModel::new(&hostile, Language::En, generation());
    let cover = binder_pages(&model).remove(0);
    assert!(cover.contains("[U+202E]"), "{cover}");
    assert!(!cover.contains('\u{202E}') && !cover.contains('\u{7}'));
}
