//! The analysis in a few lines for a terminal, in the report's language
//! and words (the catalog's `console_*` texts): what `worklog audit` and
//! `worklog analyze` print.

use worklog_model::{Analysis, Category, Language, list_separator};

use crate::messages::Messages;
use crate::model::log_check_texts;

/// The organisation's verdict per item, the totals, the log-management
/// checks and the inputs not processed.
pub fn console_summary(analysis: &Analysis, language: Language) -> String {
    let m = Messages::new(language);
    let period = &analysis.period;
    let mut text = String::from("\n");
    text += &m.fill(
        "console_heading",
        &[
            ("organisation", analysis.organisation.clone()),
            (
                "period",
                format!("{} – {}", m.date(period.first_day), m.date(period.last_day)),
            ),
            ("time_zone", period.time_zone.clone()),
            ("events", m.number(analysis.events)),
            ("devices", m.number(analysis.devices.len() as u64)),
        ],
    );
    text.push('\n');
    for item in &analysis.items {
        let Some(r) = analysis.organisation_verdict(&item.number) else {
            continue;
        };
        let counts: Vec<String> = r
            .counts
            .iter()
            .map(|(v, n)| format!("{} {}", v.name(language), m.number(*n)))
            .collect();
        let line = m.fill(
            "console_item",
            &[
                ("item", format!("{:<6}", item.number)),
                ("verdict", r.verdict.name(language).to_owned()),
                ("findings", m.number(r.findings)),
                ("counts", counts.join(list_separator(language))),
            ],
        );
        text += &format!("  {line}\n");
    }
    let leak = analysis
        .findings
        .iter()
        .filter(|f| f.category == Category::Leak)
        .count();
    let totals = m.fill(
        "console_totals",
        &[
            ("leak", m.number(leak as u64)),
            ("waived", m.number(analysis.waived.len() as u64)),
            ("problems", m.number(analysis.problems.len() as u64)),
        ],
    );
    text += &format!("  {totals}\n");
    text += &checks_and_problems(analysis, &m);
    text
}

/// The log-management checks and the inputs not processed, a line each.
fn checks_and_problems(analysis: &Analysis, m: &Messages) -> String {
    let mut text = String::new();
    for check in &analysis.log_checks {
        let (name, status, detail) = log_check_texts(check, m.language());
        let line = m.fill(
            "console_check",
            &[
                ("name", name.to_owned()),
                ("status", m.get(status).to_owned()),
                ("detail", detail.to_owned()),
            ],
        );
        text += &format!("  {line}\n");
    }
    for p in &analysis.problems {
        let at = p
            .line
            .map(|l| m.fill("console_line", &[("line", l.to_string())]))
            .unwrap_or_default();
        let line = m.fill(
            "console_problem",
            &[
                ("source", p.source.as_str().to_owned()),
                ("file", p.file.clone()),
                ("line", at),
                ("reason", p.reason.clone()),
            ],
        );
        text += &format!("  {line}\n");
    }
    text
}
