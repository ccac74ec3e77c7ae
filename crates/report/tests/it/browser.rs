//! The HTML report rendered by headless Chromium: a screenshot is taken
//! and the DOM is checked for one card per item. Skipped (with a message)
//! where Chromium is absent, unless WORKLOG_REQUIRE_CHROMIUM=1 (set by
//! `.ci/run`, which installs it), which turns a skip into a failure.

use std::path::PathBuf;
use std::process::Command;

use worklog_model::Language;
use worklog_report::HtmlOptions;

use crate::html::html;
use crate::{HOSTILE_SCRIPT, analysis};

fn chromium() -> Option<PathBuf> {
    let candidates = ["chromium", "chromium-browser", "google-chrome", "chrome"];
    let found = candidates.iter().find_map(|name| {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(name))
                .find(|p| p.is_file())
        })
    });
    if found.is_none() {
        let required = std::env::var("WORKLOG_REQUIRE_CHROMIUM").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "WORKLOG_REQUIRE_CHROMIUM=1 but no Chromium on PATH"
        );
        eprintln!("skipped: no Chromium on PATH (apt-get install chromium)");
    }
    found
}

fn headless(browser: &PathBuf, args: &[String]) -> std::process::Output {
    Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
        ])
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn chromium_renders_every_item_card_and_runs_no_script() {
    let Some(browser) = chromium() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let page = tmp.path().join("report.html");
    std::fs::write(&page, html(Language::Ja, HtmlOptions::default())).unwrap();
    let url = format!("file://{}", page.display());

    let shot = tmp.path().join("report.png");
    let out = headless(
        &browser,
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1280,2000".into(),
            url.clone(),
        ],
    );
    let png = std::fs::read(&shot).unwrap_or_else(|e| {
        panic!(
            "no screenshot ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "screenshot too small: {} bytes",
        png.len()
    );

    let out = headless(&browser, &["--dump-dom".into(), url]);
    let dom = String::from_utf8_lossy(&out.stdout);
    let cards = dom.matches("class=\"card item-card").count();
    assert_eq!(cards, analysis().items.len(), "item cards in the DOM");
    for item in &analysis().items {
        assert!(
            dom.contains(&format!("id=\"item-{}\"", item.number)),
            "card {}",
            item.number
        );
    }
    // The hostile value is a text node in the rendered DOM, not an element.
    assert!(
        dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "escaped text in the DOM"
    );
    assert!(!dom.contains(HOSTILE_SCRIPT));
}

#[test]
fn the_inline_filter_hides_rows_that_do_not_match() {
    let Some(browser) = chromium() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let page = tmp.path().join("report.html");
    std::fs::write(&page, html(Language::Ja, HtmlOptions::default())).unwrap();
    let leak: Vec<&worklog_model::Finding> = analysis()
        .findings
        .iter()
        .filter(|f| f.category == worklog_model::Category::Leak)
        .collect();
    let device = &leak[0].device_id;
    let others = leak.iter().filter(|f| &f.device_id != device).count();
    assert!(
        others > 0,
        "the fixture has leak signals on more than one device"
    );
    // The fragment fills the filter as a user typing would.
    let url = format!("file://{}#filter/leak-table/{device}", page.display());
    let out = headless(&browser, &["--dump-dom".into(), url]);
    let dom = String::from_utf8_lossy(&out.stdout);
    let table = &dom[dom.find("id=\"leak-table\"").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    let rows: Vec<&str> = table.split("<tr").skip(2).collect();
    assert_eq!(rows.len(), leak.len());
    let hidden = rows.iter().filter(|r| r.starts_with(" hidden")).count();
    assert_eq!(hidden, others, "rows of other devices hidden");
    assert!(
        rows.iter()
            .filter(|r| !r.starts_with(" hidden"))
            .all(|r| r.contains(device.as_str()))
    );
}
