//! What a report says about a finding or an anomaly, in the report's
//! language: a rule's detail code becomes its text with the evidence
//! filled in, evidence columns get labels and enumerated values words, and
//! integrity anomalies are located in words instead of code syntax.

use worklog_model::{
    AnomalyEntry, Finding, Language, LocalTime, RuleRun, anomaly_label, column_label,
    fill_placeholders, list_separator, value_label,
};

/// An evidence value as the report shows it: enumerated values in words,
/// anything else (names, paths, times, numbers) as logged.
pub fn evidence_value<'a>(column: &str, value: &'a str, language: Language) -> &'a str {
    value_label(column, value, language).unwrap_or(value)
}

/// What the finding says: the text its rule gives the detail code, with
/// `{column}` filled from its evidence; a detail that is no code of the
/// rule is shown as the rule wrote it.
pub fn finding_detail(rule: Option<&RuleRun>, finding: &Finding, language: Language) -> String {
    let Some(text) = rule.and_then(|r| r.details.get(&finding.detail)) else {
        return finding.detail.clone();
    };
    fill_placeholders(text.get(language), |name| {
        finding
            .evidence
            .iter()
            .find(|(column, _)| column == name)
            .map(|(column, value)| evidence_value(column, value, language).to_owned())
    })
}

/// `label: value` of each evidence column that has a value, joined as the
/// language joins a list.
pub fn evidence_text(finding: &Finding, language: Language) -> String {
    let pair = match language {
        Language::En => ": ",
        _ => ":",
    };
    finding
        .evidence
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| {
            format!(
                "{}{pair}{}",
                column_label(k, language),
                evidence_value(k, v, language)
            )
        })
        .collect::<Vec<_>>()
        .join(list_separator(language))
}

/// One anomaly in words: its class, the events and file concerned, when.
pub fn anomaly_text(
    entry: &AnomalyEntry,
    language: Language,
    local_time: &dyn Fn(i64) -> Option<LocalTime>,
) -> String {
    let text = |key: &str, parts: &[(&str, String)]| {
        let template = worklog_model::label("anomaly_text", key, language).unwrap_or(key);
        worklog_model::fill_placeholders(template, |name| {
            parts
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.clone())
        })
    };
    let mut parts: Vec<String> = Vec::new();
    match (entry.first_seq, entry.last_seq) {
        (Some(a), Some(b)) if a == b => parts.push(text("event", &[("a", a.to_string())])),
        (Some(a), Some(b)) => parts.push(text(
            "events",
            &[("a", a.to_string()), ("b", b.to_string())],
        )),
        _ => {}
    }
    if let Some(file) = &entry.file {
        parts.push(text("file", &[("file", file.clone())]));
    }
    if let Some(time) = entry.ts.and_then(local_time) {
        parts.push(time.to_string());
    }
    let located = parts.join(list_separator(language));
    let class = anomaly_label(entry.class.as_str(), language).to_owned();
    let detail = entry.detail_en.clone();
    if located.is_empty() {
        text("unlocated", &[("class", class), ("detail", detail)])
    } else {
        text(
            "located",
            &[("class", class), ("located", located), ("detail", detail)],
        )
    }
}

/// A device's late deliveries in words, one per line: the event time each
/// covers, its events, when it was written.
pub(crate) fn late_deliveries_text(
    device: &worklog_model::DeviceSummary,
    m: &crate::messages::Messages,
    local: &dyn Fn(i64) -> Option<LocalTime>,
) -> String {
    let local = |us| local(us).map(|t| t.to_string()).unwrap_or_default();
    let Some(integrity) = &device.integrity else {
        return String::new();
    };
    integrity
        .late_deliveries
        .iter()
        .map(|l| {
            [
                ("from", local(l.from)),
                ("to", local(l.to)),
                ("events", m.number(l.events)),
                ("written", local(l.written_at)),
            ]
            .iter()
            .fold(m.get("late_delivery").to_owned(), |text, (name, value)| {
                text.replace(&format!("{{{name}}}"), value)
            })
        })
        .collect::<Vec<_>>()
        .join("\n")
}
