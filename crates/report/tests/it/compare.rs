//! The comparison with the last audit, and the pseudonymised copy.

use std::collections::BTreeSet;
use std::sync::Arc;

use calamine::{Reader, Xlsx, open_workbook};
use sha2::{Digest, Sha256};
use worklog_model::{Analysis, Category, Language};
use worklog_report::{
    Change, PseudonymKey, ReportModel, ReportOptions, compare, pseudonymise, render_html,
    write_reports,
};

use crate::{analysis, generation};

/// This year: item 119's findings on one device are gone, and one device
/// that had no finding on item 108 has one now.
fn this_year() -> (Analysis, String, String) {
    let mut a = analysis().clone();
    let fixed = a
        .findings
        .iter()
        .find(|f| f.items == ["119"] && f.device_id != "PC-HOSTILE")
        .unwrap()
        .device_id
        .clone();
    a.findings
        .retain(|f| !(f.items.iter().any(|i| i == "119") && f.device_id == fixed));
    let on_108: BTreeSet<String> = a
        .findings
        .iter()
        .filter(|f| f.items.iter().any(|i| i == "108"))
        .map(|f| f.device_id.clone())
        .collect();
    let fresh = a
        .devices
        .iter()
        .find(|d| !on_108.contains(&d.device_id))
        .unwrap()
        .device_id
        .clone();
    let template = a
        .findings
        .iter()
        .find(|f| f.items.iter().any(|i| i == "108"))
        .cloned()
        .unwrap();
    a.findings.push(worklog_model::Finding {
        device_id: fresh.clone(),
        ..template
    });
    (a, fixed, fresh)
}

#[test]
fn new_fixed_and_still_open_per_item_and_device() {
    let previous = analysis();
    let (current, fixed, fresh) = this_year();
    let c = compare(previous, &current);
    let find = |item: &str, device: &str| {
        c.devices
            .iter()
            .find(|d| d.item == item && d.device_id == device)
            .unwrap_or_else(|| panic!("no change for {item} {device}"))
    };
    let gone = find("119", &fixed);
    assert_eq!(gone.change, Change::Fixed);
    assert!(gone.previous_findings > 0 && gone.current_findings == 0);
    assert!(!gone.fixed_rules.is_empty());
    let new = find("108", &fresh);
    assert_eq!(new.change, Change::New);
    assert_eq!((new.previous_findings, new.current_findings), (0, 1));
    // Everything else with findings both years is still open.
    let open = c
        .devices
        .iter()
        .filter(|d| d.change == Change::StillOpen)
        .count();
    let both: usize = {
        let keys = |a: &Analysis| -> BTreeSet<(String, String)> {
            a.findings
                .iter()
                .filter(|f| f.category == Category::Item)
                .flat_map(|f| f.items.iter().map(|i| (i.clone(), f.device_id.clone())))
                .collect()
        };
        keys(previous).intersection(&keys(&current)).count()
    };
    assert_eq!(open, both);
    // New first, and the per-item summary counts them.
    assert_eq!(c.devices[0].change, Change::New);
    let item_108 = c.items.iter().find(|i| i.item == "108").unwrap();
    assert_eq!(item_108.new, 1);
    let item_119 = c.items.iter().find(|i| i.item == "119").unwrap();
    assert_eq!(item_119.fixed, 1);
    // Comparing an audit with itself: nothing new, nothing fixed.
    let same = compare(previous, previous);
    assert!(same.devices.iter().all(|d| d.change == Change::StillOpen));
}

#[test]
fn both_reports_show_the_comparison() {
    let (current, fixed, fresh) = this_year();
    let tmp = tempfile::tempdir().unwrap();
    let options = ReportOptions {
        compare: Some(Arc::new(analysis().clone())),
        ..ReportOptions::default()
    };
    let files = write_reports(&current, tmp.path(), &options, generation()).unwrap();
    let mut book: Xlsx<_> = open_workbook(&files.excel).unwrap();
    let rows: Vec<Vec<String>> = book
        .worksheet_range("前回比較(端末)")
        .unwrap()
        .rows()
        .map(|r| r.iter().map(ToString::to_string).collect())
        .collect();
    assert!(
        rows.iter()
            .any(|r| r[0] == "108" && r[1] == fresh && r[3] == "新規")
    );
    assert!(
        rows.iter()
            .any(|r| r[0] == "119" && r[1] == fixed && r[3] == "解消")
    );
    let html = std::fs::read_to_string(&files.html).unwrap();
    assert!(html.contains("id=\"comparison\""));
    let rows = crate::html::table_rows(&html, "comparison-devices");
    assert!(
        rows.iter()
            .any(|r| r.contains(&fresh) && r.contains("新規"))
    );
    let en = render_html(
        &ReportModel::new(&current, Language::En, generation()).compared_with(analysis()),
        Default::default(),
    )
    .unwrap();
    assert!(en.contains("Comparison with the last audit") && en.contains(">fixed<"));
}

/// Every text the four report files hold (the workbook's XML included).
fn report_texts(dir: &std::path::Path) -> String {
    use std::io::Read;
    let mut all = String::new();
    for name in ["report.html", "report.json", "findings.csv"] {
        all += &std::fs::read_to_string(dir.join(name)).unwrap();
    }
    let mut archive =
        zip::ZipArchive::new(std::fs::File::open(dir.join("report.xlsx")).unwrap()).unwrap();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let mut text = String::new();
        if file.read_to_string(&mut text).is_ok() {
            all += &text;
        }
    }
    all
}

#[test]
fn the_pseudonymised_copy_keeps_counts_and_shows_no_name() {
    let a = analysis();
    let key = PseudonymKey::new(b"the agency keeps this key safe!!".to_vec()).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let options = ReportOptions {
        pseudonymise: Some(key.clone()),
        ..ReportOptions::default()
    };
    write_reports(a, tmp.path(), &options, generation()).unwrap();
    let texts = report_texts(tmp.path());
    let mut names: BTreeSet<&str> = BTreeSet::new();
    for f in &a.findings {
        names.insert(&f.device_id);
        names.insert(&f.user_name);
    }
    for d in &a.devices {
        names.insert(&d.device_id);
        names.insert(&d.owner);
    }
    names.retain(|n| !n.is_empty() && !n.starts_with('='));
    let leaked: Vec<&&str> = names.iter().filter(|n| texts.contains(**n)).collect();
    assert!(
        leaked.is_empty(),
        "names in the pseudonymised reports: {leaked:?}"
    );
    let pc = key.pseudonym("device", &a.devices[0].device_id);
    assert!(texts.contains(&pc), "{pc} is the device's stable pseudonym");

    // Same structure and counts; the same key gives the same pseudonyms,
    // another key others.
    let p = pseudonymise(a, &key).unwrap();
    assert_eq!(p.findings.len(), a.findings.len());
    assert_eq!(p.rollups, a.rollups);
    assert_eq!(pseudonymise(a, &key).unwrap(), p);
    let other = PseudonymKey::new(b"another agency, another key 1234".to_vec()).unwrap();
    assert_ne!(
        pseudonymise(a, &other).unwrap().devices[0].device_id,
        p.devices[0].device_id
    );
    // Personal path segments and mail addresses go too.
    let paths: Vec<&String> = a
        .findings
        .iter()
        .flat_map(|f| f.evidence.iter().map(|(_, v)| v))
        .filter(|v| v.contains("\\Users\\") || v.contains('@'))
        .collect();
    assert!(!paths.is_empty(), "the fixture has paths and addresses");
    let json = serde_json::to_string(&p).unwrap();
    for value in paths {
        assert!(!json.contains(value.as_str()), "{value} left as it was");
    }
}

/// Every id of `original` against the copy: each device and user field is
/// the original's own pseudonym, whole (not another name's, not a name
/// replaced inside a pseudonym).
fn assert_each_id_is_its_own_pseudonym(original: &Analysis, copy: &Analysis, key: &PseudonymKey) {
    for (o, p) in original.findings.iter().zip(&copy.findings) {
        assert_eq!(p.device_id, key.pseudonym("device", &o.device_id));
        if !o.user_name.is_empty() {
            assert_eq!(p.user_name, key.pseudonym("user", &o.user_name));
        }
    }
    for (o, p) in original.devices.iter().zip(&copy.devices) {
        assert_eq!(p.device_id, key.pseudonym("device", &o.device_id));
    }
    for (o, p) in original.verdicts.iter().zip(&copy.verdicts) {
        assert_eq!(p.device_id, key.pseudonym("device", &o.device_id));
    }
}

/// Issue 29's trial: one device's pseudonym began with another device's
/// id, and that id was then replaced inside the pseudonym, so filtering one
/// PC showed another's rows. Each text is now replaced in one pass.
#[test]
fn a_name_inside_another_names_pseudonym_is_left_alone() {
    let a = analysis();
    let key = PseudonymKey::new(b"the agency keeps this key safe!!".to_vec()).unwrap();
    let first = &a.devices[0].device_id;
    let pseudonym = key.pseudonym("device", first);
    // Rename the second device to the first's pseudonym's beginning, and a
    // user to a piece of its middle.
    let second = a.devices[1].device_id.clone();
    let prefix = &pseudonym[..6];
    let json = serde_json::to_string(a)
        .unwrap()
        .replace(&format!("\"{second}\""), &format!("\"{prefix}\""));
    let mut renamed: Analysis = serde_json::from_str(&json).unwrap();
    renamed.findings[0].user_name = pseudonym[4..9].to_owned();
    assert!(renamed.devices.iter().any(|d| d.device_id == prefix));
    let copy = pseudonymise(&renamed, &key).unwrap();
    assert_each_id_is_its_own_pseudonym(&renamed, &copy, &key);
    assert!(copy.devices.iter().any(|d| d.device_id == pseudonym));
}

/// A hundred keys over the fixture: every id maps to its own pseudonym
/// and no original name is left anywhere in the copy, approvers included.
#[test]
fn a_hundred_keys_give_each_name_its_own_pseudonym() {
    let a = analysis();
    let mut people: BTreeSet<String> = BTreeSet::new();
    for f in a.findings.iter().chain(&a.waived) {
        for (column, value) in &f.evidence {
            if column == "approver" && !value.is_empty() {
                people.insert(value.clone());
            }
        }
    }
    assert!(!people.is_empty(), "the fixture names an approver");
    for i in 0u32..100 {
        let seed: [u8; 32] = Sha256::digest(i.to_be_bytes()).into();
        let key = PseudonymKey::new(seed.to_vec()).unwrap();
        let copy = pseudonymise(a, &key).unwrap();
        assert_each_id_is_its_own_pseudonym(a, &copy, &key);
        let text = serde_json::to_string(&copy).unwrap();
        for d in &a.devices {
            assert!(!text.contains(&format!("\"{}\"", d.device_id)), "key {i}");
        }
        for person in &people {
            assert!(!text.contains(person.as_str()), "key {i}: {person}");
        }
    }
}

/// The copy says on page one that it is pseudonymised, and under which
/// key (its id, not the key), in the workbook and the page.
#[test]
fn the_copy_says_it_is_pseudonymised_and_under_which_key() {
    let a = analysis();
    let key = PseudonymKey::new(b"the agency keeps this key safe!!".to_vec()).unwrap();
    let id = key.id();
    assert_eq!(id.len(), 16);
    assert!(!id.contains("agency"));
    let tmp = tempfile::tempdir().unwrap();
    let options = ReportOptions {
        pseudonymise: Some(key),
        ..ReportOptions::default()
    };
    let files = write_reports(a, tmp.path(), &options, generation()).unwrap();
    let html = std::fs::read_to_string(&files.html).unwrap();
    assert!(
        html.contains("仮名化") && html.contains(&id),
        "the page says so"
    );
    let mut book: Xlsx<_> = open_workbook(&files.excel).unwrap();
    let first = book.sheet_names()[0].clone();
    let summary = book.worksheet_range(&first).unwrap();
    assert!(
        summary
            .rows()
            .any(|r| r.iter().any(|c| c.to_string().contains(&id))),
        "the summary sheet names the key id"
    );
    // A copy that is not pseudonymised says nothing of the kind.
    let plain = write_reports(
        a,
        &tmp.path().join("plain"),
        &ReportOptions::default(),
        generation(),
    )
    .unwrap();
    assert!(
        !std::fs::read_to_string(&plain.html)
            .unwrap()
            .contains("仮名化されている")
    );
}

/// Issue 29's trial: the comparison stated neither the previous period nor
/// what 新規/継続/解消 mean, and two datasets of the same period compared
/// without a word. The notes say all three, in the page and on page one.
#[test]
fn the_comparison_says_what_it_compares_and_warns_of_the_same_period() {
    let (current, _, _) = this_year();
    let mut other = analysis().clone();
    let model = ReportModel::new(&current, Language::Ja, generation()).compared_with(&other);
    let m = worklog_report::Messages::new(Language::Ja);
    let notes = model.comparison_notes(&m);
    assert!(
        notes[0].contains(&other.organisation) && notes[0].contains("2026年"),
        "{notes:?}"
    );
    assert!(
        notes.iter().any(|n| n.contains("対象期間が同じ")),
        "{notes:?}"
    );
    assert!(notes.iter().any(|n| n.starts_with("新規:")), "{notes:?}");
    assert!(
        !notes.iter().any(|n| n.contains("組織名")),
        "same organisation: {notes:?}"
    );
    // Another organisation, another period: the period warning goes, the
    // organisation one comes.
    other.organisation = "別の代理店".into();
    other.period = worklog_model::Period::new(
        other.period.first_day - chrono::Days::new(28),
        other.period.last_day - chrono::Days::new(28),
        &other.period.time_zone,
    )
    .unwrap();
    let model = ReportModel::new(&current, Language::Ja, generation()).compared_with(&other);
    let notes = model.comparison_notes(&m);
    assert!(
        !notes.iter().any(|n| n.contains("対象期間が同じ")),
        "{notes:?}"
    );
    assert!(
        notes.iter().any(|n| n.contains("「別の代理店」")),
        "{notes:?}"
    );
    let html = render_html(&model, Default::default()).unwrap();
    assert!(html.contains("class=\"compare-note\"") && html.contains("解消: 前回はあり今回ない"));
    // Without a comparison there is nothing to say.
    let plain = ReportModel::new(&current, Language::Ja, generation());
    assert!(plain.comparison_notes(&m).is_empty());
}
