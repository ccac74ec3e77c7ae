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

/// The row of an item sheet's findings header: under the 設問's page on the
/// first sheet, row 0 on a continuation.
fn table_header_row(range: &calamine::Range<Data>, language: Language) -> usize {
    let device = worklog_report::Messages::new(language)
        .get("device")
        .to_owned();
    range
        .rows()
        .position(|row| row.first().map(cell_text).as_deref() == Some(device.as_str()))
        .expect("the findings table has its header")
}

/// Rows of an item sheet's findings table.
fn table_rows(range: &calamine::Range<Data>, language: Language) -> usize {
    range.height() - table_header_row(range, language) - 1
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
    let mut expected: Vec<String> = vec!["概要".into(), "部署別".into(), "指摘(集約)".into()];
    expected.extend(leaves.iter().map(|s| (*s).to_owned()));
    expected.extend(
        [
            "端末別",
            "判定理由",
            "完全性",
            "証跡",
            "ログ取得状況",
            "ログ欠落",
            "漏洩兆候",
            "例外",
            "証跡の出所",
            "用語集",
            "ルール",
            "週次推移",
            "再現性",
        ]
        .map(String::from),
    );
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
            .find(|r| {
                r.first() == Some(&item.number)
                    && r.get(1).map(String::as_str) == Some(item.level.name_ja())
            })
            .unwrap_or_else(|| panic!("no summary row for {}", item.number));
        assert_eq!(row[3], rollup.verdict.name_ja(), "item {}", item.number);
        // Device counts per verdict are numbers, one column each.
        for (i, verdict) in worklog_model::Verdict::ALL.iter().enumerate() {
            let n = rollup.counts.get(verdict).copied().unwrap_or(0);
            assert_eq!(
                row[4 + i],
                n.to_string(),
                "item {} {verdict:?}",
                item.number
            );
        }
        assert_eq!(row[9], rollup.findings.to_string(), "item {}", item.number);
    }
    // Each leaf item's sheet holds exactly its findings.
    for item in &leaves {
        let range = book.worksheet_range(item).unwrap();
        let n = a
            .findings
            .iter()
            .filter(|f| f.category == Category::Item && f.items.iter().any(|i| i == item))
            .count();
        assert_eq!(table_rows(&range, Language::Ja), n, "sheet {item}");
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
    assert!(cells.iter().any(|c| matches!(c, Data::String(s) if s.contains("SSID:=cmd|") && s.contains('\u{2407}') && !s.contains('\u{7}'))));
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
    assert_eq!(table_rows(&first, Language::En), 2);
    assert_eq!(table_header_row(&second, Language::En), 0);
    let total: usize = names
        .iter()
        .filter(|n| n.as_str() == "119" || n.starts_with("119 (cont."))
        .map(|n| table_rows(&book.worksheet_range(n).unwrap(), Language::En))
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

/// The XML of each worksheet, by sheet name, read from the xlsx archive.
fn sheet_xml(path: &std::path::Path) -> Vec<(String, String)> {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut text = |name: &str| {
        let mut s = String::new();
        archive
            .by_name(name)
            .unwrap()
            .read_to_string(&mut s)
            .unwrap();
        s
    };
    let book = text("xl/workbook.xml");
    let names: Vec<String> = book
        .split("<sheet ")
        .skip(1)
        .filter_map(|s| {
            s.split("name=\"")
                .nth(1)?
                .split('"')
                .next()
                .map(str::to_owned)
        })
        .collect();
    names
        .into_iter()
        .enumerate()
        .map(|(i, name)| (name, text(&format!("xl/worksheets/sheet{}.xml", i + 1))))
        .collect()
}

#[test]
fn every_sheet_prints_on_a4_landscape_with_titles_and_every_table_has_a_filter() {
    let (_tmp, path) = workbook(Language::Ja, ExcelOptions::default());
    let sheets = sheet_xml(&path);
    assert!(sheets.len() > 10);
    for (name, xml) in &sheets {
        assert!(
            xml.contains("paperSize=\"9\"") && xml.contains("orientation=\"landscape\""),
            "{name}: not A4 landscape"
        );
        assert!(
            xml.contains("<pageSetUpPr fitToPage=\"1\"/>"),
            "{name}: not fit to page"
        );
        assert!(
            xml.contains("<oddHeader>") && xml.contains("&amp;P / &amp;N"),
            "{name}: header/footer"
        );
        assert!(xml.contains("<autoFilter ref="), "{name}: no autofilter");
    }
    // 概要 fits one page (fitToHeight 1, Excel's default, is not written);
    // the other sheets fit the width and run over as many pages as needed.
    assert!(!sheets[0].1.contains("fitToHeight="), "概要 fits one page");
    assert!(
        sheets[1..]
            .iter()
            .all(|(_, xml)| xml.contains("fitToHeight=\"0\""))
    );
    // Print titles: the header row of a findings sheet repeats.
    let book = {
        use std::io::Read;
        let mut archive = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
        let mut s = String::new();
        archive
            .by_name("xl/workbook.xml")
            .unwrap()
            .read_to_string(&mut s)
            .unwrap();
        s
    };
    assert!(book.contains("_xlnm.Print_Titles"), "print titles defined");
}

#[test]
fn times_are_date_cells_and_departments_have_their_sheet() {
    let (_tmp, path) = workbook(Language::Ja, ExcelOptions::default());
    let mut book: Xlsx<_> = open_workbook(&path).unwrap();
    let a = analysis();
    // Item sheets: the time column (4th) holds real dates in local time.
    let range = book.worksheet_range("119").unwrap();
    let top = table_header_row(&range, Language::Ja);
    let header = cell_text(range.get((top, 3)).unwrap());
    assert!(header.contains(&a.period.time_zone), "{header}");
    // One pair of brackets: 「日時(Asia/Tokyo)」, not 「日時(現地)(Asia/Tokyo)」.
    assert_eq!(header, format!("日時({})", a.period.time_zone));
    let first = a
        .findings
        .iter()
        .find(|f| f.items.iter().any(|i| i == "119") && f.severity == worklog_model::Severity::Fail)
        .unwrap();
    match range.get((top + 1, 3)).unwrap() {
        Data::DateTime(t) => {
            // Excel's serial date: days since 1899-12-30, local wall time.
            let wall = chrono::NaiveDateTime::parse_from_str(
                &first.local_time.unwrap().to_string()[..19],
                "%Y-%m-%d %H:%M:%S",
            )
            .unwrap();
            let epoch = chrono::NaiveDate::from_ymd_opt(1899, 12, 30)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap();
            let serial = (wall - epoch).num_seconds() as f64 / 86_400.0;
            assert!(
                (t.as_f64() - serial).abs() < 1e-6,
                "{} vs {serial} ({})",
                t.as_f64(),
                first.local_time.unwrap()
            );
        }
        other => panic!("time cell is {other:?}, not a date"),
    }
    // 部署別: one row per department × item with device counts as numbers
    // that add up to the organisation's.
    let departments = book.worksheet_range("部署別").unwrap();
    let rows: Vec<&[Data]> = departments.rows().skip(1).collect();
    let per_department = a.rollups.iter().filter(|r| r.department.is_some()).count();
    assert_eq!(rows.len(), per_department);
    for item in &a.items {
        let org = a.organisation_verdict(&item.number).unwrap();
        let fail: f64 = rows
            .iter()
            .filter(|r| cell_text(&r[2]) == item.number)
            .map(|r| match r[4] {
                Data::Float(n) => n,
                ref other => panic!("count cell {other:?}"),
            })
            .sum();
        let want = org
            .counts
            .get(&worklog_model::Verdict::Fail)
            .copied()
            .unwrap_or(0);
        assert_eq!(fail as u64, want, "item {} failing devices", item.number);
    }
}

#[test]
fn the_japanese_workbook_has_no_english_sentence_outside_log_values() {
    let (_tmp, path) = workbook(Language::Ja, ExcelOptions::default());
    let mut book: Xlsx<_> = open_workbook(&path).unwrap();
    let values = crate::log_values(analysis());
    let mut found = Vec::new();
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name).unwrap();
        for (r, c, cell) in range.used_cells() {
            if let Data::String(text) = cell {
                for run in crate::english_runs(text, &values) {
                    found.push(format!("{name}!{r},{c}: {run:?} in {text:?}"));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "{} English runs:\n{}",
        found.len(),
        found
            .iter()
            .take(30)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    // The check itself sees English when there is some.
    assert_eq!(
        crate::english_runs("storage device allowed with no window", &values).len(),
        1
    );
}

/// Issue 29's trial: the weekly chart's x-axis showed serial numbers
/// (46296…). Its category axis is a date axis formatted as dates.
#[test]
fn the_weekly_chart_shows_weeks_as_dates() {
    let (_dir, path) = workbook(Language::Ja, ExcelOptions::default());
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
    let mut chart = String::new();
    std::io::Read::read_to_string(
        &mut archive.by_name("xl/charts/chart1.xml").unwrap(),
        &mut chart,
    )
    .unwrap();
    assert!(chart.contains("<c:dateAx>"), "a date axis");
    assert!(
        chart.contains("formatCode=\"yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;\""),
        "its labels are dates"
    );
}

/// Issue 29's trial: page one said 「項目108〜125」 while only some of them
/// are judged. It lists the items judged and names the others.
#[test]
fn page_one_names_the_items_judged_and_those_not() {
    let (_tmp, path) = workbook(Language::Ja, ExcelOptions::default());
    let mut book: Xlsx<_> = open_workbook(&path).unwrap();
    let first = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&first).unwrap();
    let texts: Vec<String> = range.rows().flatten().map(cell_text).collect();
    let scope = texts
        .iter()
        .find(|t| t.contains("ログで判定"))
        .expect("a scope line on page one");
    assert!(
        scope.starts_with("108、109、119、120、123、124、125(125-1、125-2)"),
        "{scope}"
    );
    assert!(
        scope.contains("108〜125 のうち 110〜118、121、122"),
        "{scope}"
    );
    assert!(
        !texts.iter().any(|t| t.contains("項目108〜125")),
        "no claim of the whole range"
    );

    // And the logs' integrity in one sentence (this fixture's analysis ran
    // without the verifier, and one device logged nothing).
    let integrity = texts
        .iter()
        .find(|t| t.starts_with("ログの改ざん検証の結果がない"))
        .expect("an integrity line on page one");
    assert!(
        integrity.contains("期間中ログのない端末: PC-"),
        "{integrity}"
    );
}

/// Issue 29's trial: no legend of the five verdicts in the workbook. Page
/// one lists each with what it means, in the report's language.
#[test]
fn page_one_has_a_legend_of_the_five_verdicts() {
    for language in [Language::Ja, Language::En] {
        let (_tmp, path) = workbook(language, ExcelOptions::default());
        let mut book: Xlsx<_> = open_workbook(&path).unwrap();
        let first = book.sheet_names()[0].clone();
        let range = book.worksheet_range(&first).unwrap();
        let rows: Vec<Vec<String>> = range
            .rows()
            .map(|r| r.iter().map(cell_text).collect())
            .collect();
        for verdict in worklog_model::Verdict::ALL {
            assert!(
                rows.iter().any(
                    |r| r.get(3).map(String::as_str) == Some(verdict.name(language))
                        && r.get(4).map(String::as_str) == Some(verdict.meaning(language))
                ),
                "{language:?}: {verdict:?} has its meaning on page one"
            );
            assert_ne!(
                verdict.meaning(language),
                verdict.as_str(),
                "a catalog text"
            );
        }
    }
}

/// Each item sheet opens with the 設問's evidence page: the question as
/// the catalog has it, the proposed answer (the organisation's verdict),
/// why, the control's evidence, the deviations and, when there are any,
/// what to do — the same as the model's page.
#[test]
fn each_item_sheet_is_the_questions_evidence_page() {
    let (_tmp, path) = workbook(Language::Ja, ExcelOptions::default());
    let mut book: Xlsx<_> = open_workbook(&path).unwrap();
    let a = analysis();
    let model = ReportModel::new(a, Language::Ja, generation());
    let m = worklog_report::Messages::new(Language::Ja);
    let leaves = a.items.iter().filter(|i| {
        !a.items
            .iter()
            .any(|c| c.parent.as_deref() == Some(&i.number))
    });
    let mut with_deviations = 0;
    for item in leaves {
        let range = book.worksheet_range(&item.number).unwrap();
        let labelled = |key: &str| -> String {
            let label = m.get(key);
            let row = range
                .rows()
                .find(|r| r.first().map(cell_text).as_deref() == Some(label))
                .unwrap_or_else(|| panic!("sheet {}: no {label}", item.number));
            cell_text(&row[1])
        };
        let page = model.item_page(&item.number).unwrap();
        assert_eq!(labelled("item_page_question"), item.question_ja);
        let rollup = a.organisation_verdict(&item.number).unwrap();
        assert_eq!(labelled("item_page_answer"), rollup.verdict.name_ja());
        assert_eq!(labelled("item_page_reason"), page.reason);
        assert!(page.reason.contains("台"), "{}", page.reason);
        assert_eq!(labelled("item_page_control"), page.control);
        let deviations = labelled("item_page_deviations");
        if page.deviations.is_empty() {
            assert_eq!(deviations, m.get("item_page_no_deviation"));
        } else {
            with_deviations += 1;
            for d in &page.deviations {
                assert!(deviations.contains(&d.device), "{deviations}");
                assert!(deviations.contains(&d.detected_by), "{deviations}");
            }
            let remedies = labelled("item_page_remedies");
            for (title, remedy) in &page.remedies {
                assert!(remedies.contains(title) && remedies.contains(remedy));
            }
        }
        assert!(!labelled("item_page_rules").is_empty());
    }
    assert!(with_deviations > 0, "the fixture has deviations");
}

/// Issue 29's trial: 「評価基準の版: product-brief」. A catalog that states
/// its edition is named by the standard, its year (or that the source names
/// none) and its source, and the numbers it lacks say why they are not
/// judged; read back from page one of the workbook.
#[test]
fn page_one_states_the_edition_and_why_numbers_are_not_judged() {
    let mut a = analysis().clone();
    a.manifest.edition_info = Some(worklog_model::Edition {
        id: "product-brief".into(),
        year: None,
        name_ja: "生命保険協会「業務品質評価基準」Ⅲ 個人情報保護".into(),
        name_en: "Business-quality evaluation standard, III".into(),
        source_ja: "製品紹介資料に引用された設問".into(),
        source_en: "the product brief".into(),
        not_judged_ja: "出典の資料に設問の記載がないため".into(),
        not_judged_en: "not in the source".into(),
    });
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("report.xlsx");
    let model = ReportModel::new(&a, Language::Ja, generation());
    write_excel(&model, &path, ExcelOptions::default()).unwrap();
    let mut book: Xlsx<_> = open_workbook(&path).unwrap();
    let first = book.sheet_names()[0].clone();
    let texts: Vec<String> = book
        .worksheet_range(&first)
        .unwrap()
        .rows()
        .flatten()
        .map(cell_text)
        .collect();
    assert!(
        texts.contains(
            &"生命保険協会「業務品質評価基準」Ⅲ 個人情報保護(年度不明。製品紹介資料に引用された設問)"
                .to_owned()
        ),
        "{texts:?}"
    );
    assert!(!texts.iter().any(|t| t == "product-brief"));
    let scope = texts.iter().find(|t| t.contains("ログで判定")).unwrap();
    assert!(
        scope.ends_with("判定していない(出典の資料に設問の記載がないため)"),
        "{scope}"
    );
    // A year, when the catalog states one, is the edition's.
    a.manifest.edition_info.as_mut().unwrap().year = Some(2025);
    let model = ReportModel::new(&a, Language::En, generation());
    let m = worklog_report::Messages::new(Language::En);
    assert_eq!(
        model.edition_text(&m),
        "Business-quality evaluation standard, III (2025 edition; the product brief)"
    );
}

/// Column letters and row number of an `A1` reference, 0-based.
fn cell_of(reference: &str) -> (u32, u32) {
    let letters: String = reference
        .chars()
        .take_while(char::is_ascii_alphabetic)
        .collect();
    let col = letters
        .chars()
        .fold(0u32, |n, c| n * 26 + (c as u32 - 'A' as u32 + 1))
        - 1;
    let row: u32 = reference[letters.len()..].parse().unwrap();
    (row - 1, col)
}

/// Issue 29's trial: every 端末別 link went to the top of a 270-row
/// 判定理由, the 125 link to 125-1's sheet, and 例外 was a bare header.
/// Every internal link of the workbook lands on a sheet that exists and a
/// cell that holds something; a 端末別 cell lands on the row of its own
/// device and item; item 125 (a parent) names its sub-items' sheets; an
/// empty table says 該当なし.
#[test]
fn every_link_in_the_workbook_lands_on_its_row() {
    let (_tmp, path) = workbook(Language::Ja, ExcelOptions::default());
    let mut book: Xlsx<_> = open_workbook(&path).unwrap();
    let mut checked = 0;
    for (name, xml) in sheet_xml(&path) {
        for link in xml.split("<hyperlink ").skip(1) {
            let attr = |a: &str| {
                link.split(&format!("{a}=\""))
                    .nth(1)
                    .map(|v| v.split('"').next().unwrap().to_owned())
            };
            let (Some(from), Some(location)) = (attr("ref"), attr("location")) else {
                continue;
            };
            let (sheet, cell) = location.rsplit_once('!').unwrap();
            let sheet = sheet.trim_matches('\'');
            let range = book
                .worksheet_range(sheet)
                .unwrap_or_else(|e| panic!("{name}!{from} → {location}: {e}"));
            let (row, col) = cell_of(cell);
            let target = range
                .get_value((row, col))
                .map(cell_text)
                .unwrap_or_default();
            assert!(
                !target.is_empty(),
                "{name}!{from} → {location}: an empty cell"
            );
            if name == "端末別" {
                let source = book.worksheet_range(&name).unwrap();
                let (r, c) = cell_of(&from);
                let device = cell_text(source.get_value((r, 0)).unwrap());
                let item = cell_text(source.get_value((0, c)).unwrap());
                let item_there = cell_text(range.get_value((row, 2)).unwrap());
                assert_eq!((target, item_there), (device, item), "{from} → {location}");
            }
            checked += 1;
        }
    }
    assert!(checked > 100, "{checked} links checked");
    let summary = book
        .worksheet_range(&book.sheet_names()[0].clone())
        .unwrap();
    let texts: Vec<String> = summary.rows().flatten().map(cell_text).collect();
    assert!(
        texts.contains(&"125-1、125-2 の各シート".to_owned()),
        "{texts:?}"
    );
    let waived = book.worksheet_range("例外").unwrap();
    assert_eq!(cell_text(waived.get_value((1, 0)).unwrap()), "該当なし");
}

/// Issue 29's trial: no Japanese font was named (Calibri only). The
/// Japanese workbook's fonts are all 游ゴシック (Shift-JIS charset, which
/// applications use to pick a Japanese substitute when it is absent); the
/// English one keeps Calibri.
#[test]
fn the_japanese_workbook_names_a_japanese_font() {
    let styles = |language| {
        let (_tmp, path) = workbook(language, ExcelOptions::default());
        let mut archive = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
        let mut xml = String::new();
        std::io::Read::read_to_string(&mut archive.by_name("xl/styles.xml").unwrap(), &mut xml)
            .unwrap();
        xml
    };
    let ja = styles(Language::Ja);
    let fonts = ja.split("<font>").count() + ja.split("<font ").count() - 2;
    assert!(fonts > 3, "{ja}");
    assert_eq!(
        ja.matches("<name val=\"游ゴシック\"/>").count(),
        fonts,
        "{ja}"
    );
    assert!(ja.contains("<charset val=\"128\"/>"));
    assert!(styles(Language::En).contains("<name val=\"Calibri\"/>"));
}
