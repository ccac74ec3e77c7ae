//! Both reports printed to PDF as a compliance officer would: the workbook
//! by LibreOffice, the HTML by Chromium. Pages are counted and read back
//! with poppler (`pdfinfo`, `pdftotext`): A4 landscape, 概要 on its own
//! first page with the verdicts and the sign-off block. Skipped (with a
//! message) where the tools are absent, unless WORKLOG_REQUIRE_PRINT=1 (set
//! by `.ci/run`, which installs them), which turns a skip into a failure.

use std::path::{Path, PathBuf};
use std::process::Command;

use worklog_model::Language;
use worklog_report::{ExcelOptions, HtmlOptions, ReportModel, write_excel, write_html};

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
    eprintln!("html: {pages} A4 landscape pages");
}
