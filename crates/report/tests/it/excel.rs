//! The workbook read back with calamine.

use calamine::{Data, Reader, Xlsx, open_workbook};
use worklog_model::{Category, Language};
use worklog_report::{ExcelOptions, ReportModel, write_excel};

use crate::{HOSTILE_FORMULA, analysis, generation};

fn workbook(language: Language, options: ExcelOptions) -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("report.xlsx");
    let model = ReportModel::new(analysis(), language, generation());
    write_excel(&model, &path, options).unwrap();
    (tmp, path)
}

fn cell_text(data: &Data) -> String {
    match data {
        Data::String(s) => s.clone(),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Empty => String::new(),
        other => format!("{other:?}"),
    }
}

#[test]
fn sheets_verdicts_and_counts_match_the_model() {
    let (_tmp, path) = workbook(Language::Ja, ExcelOptions::default());
    let mut book: Xlsx<_> = open_workbook(&path).unwrap();
    let names = book.sheet_names();
    let a = analysis();
    let leaves: Vec<&str> = a
        .items
        .iter()
        .filter(|i| {
            !a.items
                .iter()
                .any(|c| c.parent.as_deref() == Some(&i.number))
        })
        .map(|i| i.number.as_str())
        .collect();
    let mut expected: Vec<String> = vec!["概要".into()];
    expected.extend(leaves.iter().map(|s| (*s).to_owned()));
    expected.extend(["端末別", "完全性", "証跡", "漏洩兆候", "例外", "週次推移"].map(String::from));
    assert_eq!(names, expected);

    // Each item's verdict and finding count on the summary sheet.
    let summary = book.worksheet_range("概要").unwrap();
    let rows: Vec<Vec<String>> = summary
        .rows()
        .map(|r| r.iter().map(cell_text).collect())
        .collect();
    for item in &a.items {
        let rollup = a.organisation_verdict(&item.number).unwrap();
        let row = rows
            .iter()
            .find(|r| r.first() == Some(&item.number) && r.get(1) == Some(&item.level))
            .unwrap_or_else(|| panic!("no summary row for {}", item.number));
        assert_eq!(row[3], rollup.verdict.name_ja(), "item {}", item.number);
        assert_eq!(row[5], rollup.findings.to_string(), "item {}", item.number);
    }
    // Each leaf item's sheet holds exactly its findings.
    for item in &leaves {
        let range = book.worksheet_range(item).unwrap();
        let n = a
            .findings
            .iter()
            .filter(|f| f.category == Category::Item && f.items.iter().any(|i| i == item))
            .count();
        assert_eq!(range.height() - 1, n, "sheet {item}");
    }
    let leak = book.worksheet_range("漏洩兆候").unwrap();
    assert_eq!(
        leak.height() - 1,
        a.findings
            .iter()
            .filter(|f| f.category == Category::Leak)
            .count()
    );
}

#[test]
fn log_values_stay_text_and_control_characters_are_cleaned() {
    let (_tmp, path) = workbook(Language::Ja, ExcelOptions::default());
    let mut book: Xlsx<_> = open_workbook(&path).unwrap();
    let range = book.worksheet_range("119").unwrap();
    let cells: Vec<&Data> = range.used_cells().map(|(_, _, c)| c).collect();
    assert!(
        cells
            .iter()
            .any(|c| matches!(c, Data::String(s) if s == HOSTILE_FORMULA)),
        "the formula-looking user name is a plain string cell"
    );
    assert!(cells.iter().any(|c| matches!(c, Data::String(s) if s.contains("ssid==cmd|") && s.contains('\u{2407}') && !s.contains('\u{7}'))));
    for name in book.sheet_names() {
        let formulas = book.worksheet_formula(&name).unwrap();
        assert!(
            formulas.used_cells().all(|(_, _, f)| f.is_empty()),
            "sheet {name} holds a formula"
        );
    }
}

#[test]
fn a_full_sheet_continues_on_another_and_english_names_the_sheets() {
    let options = ExcelOptions {
        max_rows_per_sheet: 2,
    };
    let (_tmp, path) = workbook(Language::En, options);
    let mut book: Xlsx<_> = open_workbook(&path).unwrap();
    let names = book.sheet_names();
    assert_eq!(names[0], "Summary");
    assert!(names.contains(&"Leak signals".to_owned()), "{names:?}");
    // Item 119 holds at least 3 findings here: 2 rows, then a continuation.
    let n119 = analysis()
        .findings
        .iter()
        .filter(|f| f.items.iter().any(|i| i == "119"))
        .count();
    assert!(n119 >= 3, "{n119}");
    assert!(names.contains(&"119 (cont.2)".to_owned()), "{names:?}");
    let first = book.worksheet_range("119").unwrap();
    let second = book.worksheet_range("119 (cont.2)").unwrap();
    assert_eq!(first.height() - 1, 2);
    let total: usize = names
        .iter()
        .filter(|n| n.as_str() == "119" || n.starts_with("119 (cont."))
        .map(|n| book.worksheet_range(n).unwrap().height() - 1)
        .sum();
    assert_eq!(total, n119);
    assert_eq!(cell_text(second.get((0, 0)).unwrap()), "Device");
}

#[test]
fn same_input_and_generation_give_the_same_bytes() {
    let (_a, first) = workbook(Language::Ja, ExcelOptions::default());
    let (_b, second) = workbook(Language::Ja, ExcelOptions::default());
    assert_eq!(
        std::fs::read(first).unwrap(),
        std::fs::read(second).unwrap()
    );
}
