//! What the commands print: verification and delivery summaries, paths;
//! every sentence from the message catalog, in the language asked for.

use std::collections::BTreeMap;

use worklog::ledger::stamps::StampsCheck;
use worklog::ledger::{AnchorLog, Depth, VerifyReport};
use worklog::report::Messages;

/// Where the reports were written.
pub(crate) fn report_paths(files: &worklog::report::ReportFiles) -> String {
    format!(
        "excel:         {}\nhtml:          {}\njson:          {}\ncsv:           {}\npdf:           {}\n",
        files.excel.display(),
        files.html.display(),
        files.json.display(),
        files.csv.display(),
        files.pdf.display()
    )
}

/// A number as the console shows it (plain, so batch logs can be read by
/// tools).
fn n(value: impl ToString) -> String {
    value.to_string()
}

/// The verifier's result in a few lines.
pub(crate) fn summary(report: &VerifyReport, m: &Messages) -> String {
    let anomalies: Vec<_> = report.anomalies().collect();
    let events: u64 = report.devices.iter().map(|d| d.rows_verified).sum();
    let mut text = m.fill(
        "console_verified",
        &[
            ("files", n(report.files)),
            (
                "megabytes",
                format!("{:.1}", report.file_bytes as f64 / 1e6),
            ),
            ("by_bytes", n(report.files_at(Depth::Bytes))),
            ("by_rows", n(report.files_at(Depth::Rows))),
            ("events", n(events)),
            ("devices", n(report.devices.len())),
        ],
    );
    let (lost, clock): (Vec<_>, Vec<_>) = anomalies
        .into_iter()
        .partition(|a| a.class.loses_evidence());
    let anchored: u64 = report.devices.iter().map(|d| d.anchors_matched).sum();
    text += &if report.verified_nothing() {
        m.get("console_verified_nothing").to_owned()
    } else if !lost.is_empty() {
        m.fill("console_integrity_anomalies", &[("count", n(lost.len()))])
    } else if anchored == 0 {
        m.get("console_chains_intact_unanchored").to_owned()
    } else {
        m.fill("console_chains_intact", &[("anchors", n(anchored))])
    };
    text.push('\n');
    for a in lost {
        text += &format!("  {a}\n");
    }
    // Genuine signed events whose clock went back: located, nothing lost.
    for a in clock {
        let window = a.window.map_or_else(String::new, |(from, to)| {
            m.fill(
                "console_clock_window",
                &[("from", from.to_string()), ("to", to.to_string())],
            )
        });
        let note = m.fill(
            "console_clock_note",
            &[("anomaly", a.to_string()), ("window", window)],
        );
        text += &format!("  {note}\n");
    }
    for device in &report.devices {
        for late in &device.late_deliveries {
            let line = m.fill(
                "console_late_delivery",
                &[
                    ("device", device.device_id.clone()),
                    ("first", n(late.seq.0)),
                    ("last", n(late.seq.1)),
                    ("file", late.file.clone()),
                    ("events", n(late.events)),
                    ("from", late.covers.0.to_string()),
                    ("to", late.covers.1.to_string()),
                    ("written", late.written_at.to_string()),
                ],
            );
            text += &format!("  {line}\n");
        }
    }
    text
}

/// One line per device that logged longer than `interval_hours` after its
/// newest anchor was made: the part after it is not covered.
pub(crate) fn stale_anchors(report: &VerifyReport, interval_hours: u32, m: &Messages) -> String {
    let mut text = String::new();
    for device in &report.devices {
        if let Some(span) = device.unanchored_beyond(interval_hours, None) {
            let line = m.fill(
                "console_stale_anchor",
                &[
                    ("device", device.device_id.clone()),
                    ("hours", format!("{:.1}", span as f64 / 3.6e9)),
                    ("interval", n(interval_hours)),
                ],
            );
            text += &format!("  {line}\n");
        }
    }
    text
}

/// The anchor log's time-stamps: per device, the newest anchor a stamp
/// covers and when and by whom it was stamped; every stamp that does not
/// hold (the log rewritten after it, a token that does not verify).
pub(crate) fn stamps(check: &StampsCheck, log: &AnchorLog, m: &Messages) -> String {
    let Some(file) = &check.file else {
        return format!("  {}\n", m.get("console_stamps_missing"));
    };
    let mut text = format!(
        "  {}\n",
        m.fill(
            "console_stamps",
            &[
                ("holding", n(check.stamped.len())),
                ("broken", n(check.problems.len())),
                ("file", file.display().to_string()),
            ],
        )
    );
    for p in &check.problems {
        let line = m.fill(
            "console_stamp_broken",
            &[("line", n(p.line)), ("reason", p.reason.clone())],
        );
        text += &format!("  {line}\n");
    }
    for (device, newest) in newest_anchors(log) {
        text += &format!("  {}\n", device_stamp(check, log, device, newest, m));
    }
    text
}

/// Each device's newest anchor in the log.
fn newest_anchors(log: &AnchorLog) -> BTreeMap<&str, &worklog::ledger::Anchor> {
    let mut newest: BTreeMap<&str, &worklog::ledger::Anchor> = BTreeMap::new();
    for entry in log.entries() {
        newest
            .entry(entry.device_id.as_str())
            .and_modify(|anchor| {
                if entry.index > anchor.index {
                    *anchor = entry;
                }
            })
            .or_insert(entry);
    }
    newest
}

/// The newest anchor of `device` that a stamp covers, by whom and when.
fn device_stamp(
    check: &StampsCheck,
    log: &AnchorLog,
    device: &str,
    newest: &worklog::ledger::Anchor,
    m: &Messages,
) -> String {
    let stamped = log
        .entries()
        .iter()
        .filter(|e| e.device_id == device)
        .filter_map(|e| check.covering(e.index).map(|s| (e, s)))
        .max_by_key(|(e, _)| e.index);
    match stamped {
        Some((entry, s)) => m.fill(
            "console_stamp_device",
            &[
                ("device", device.to_owned()),
                ("seq", n(entry.seq)),
                ("tsa", s.stamp.tsa.to_string()),
                (
                    "time",
                    s.stamp.time.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                ),
                (
                    "newer",
                    if entry.index == newest.index {
                        String::new()
                    } else {
                        m.fill("console_stamp_newest_unstamped", &[("seq", n(newest.seq))])
                    },
                ),
            ],
        ),
        None => m.fill(
            "console_stamp_none",
            &[("device", device.to_owned()), ("seq", n(newest.seq))],
        ),
    }
}

/// What `worklog ingest` did with one file of lines.
pub(crate) fn lines_file(file: &worklog::LinesFileReport, m: &Messages) -> String {
    let name = file.file.display().to_string();
    let line = match &file.refused {
        Some(reason) => m.fill(
            "console_file_refused",
            &[("file", name), ("reason", reason.clone())],
        ),
        None => m.fill(
            "console_file_ingested",
            &[
                ("file", name),
                ("lines", n(file.lines)),
                ("ingested", n(file.outcome.ingested)),
                ("late", n(file.outcome.late)),
                ("duplicates", n(file.outcome.duplicates)),
                ("rejected", n(file.rejected_lines)),
            ],
        ),
    };
    line + "\n"
}

/// What a delivery did in the store: the totals, then every device that
/// had duplicates, late events or refusals, so that an operator sees what
/// was not stored again and what was filled in afterwards.
pub(crate) fn store_outcome(
    store: &worklog::StoreOutcome,
    path: &std::path::Path,
    m: &Messages,
) -> String {
    let mut text = m.fill(
        "console_stored",
        &[
            ("accepted", n(store.accepted)),
            (
                "devices",
                n(store.devices.values().filter(|d| d.accepted > 0).count()),
            ),
            ("store", path.display().to_string()),
            ("late", n(store.late)),
            ("duplicates", n(store.duplicates)),
        ],
    ) + "\n";
    for (device, d) in &store.devices {
        let mut parts = Vec::new();
        if d.duplicates > 0 {
            parts.push(m.fill("console_device_duplicates", &[("count", n(d.duplicates))]));
        }
        if let Some((from, to)) = d.late_covers {
            parts.push(m.fill(
                "console_device_late",
                &[
                    ("count", n(d.late)),
                    ("from", from.to_string()),
                    ("to", to.to_string()),
                ],
            ));
        }
        if d.rejected > 0 {
            parts.push(m.fill("console_device_refused", &[("count", n(d.rejected))]));
        }
        if d.index.starts_with("rebuilt") {
            parts.push(m.fill("console_device_index", &[("state", d.index.clone())]));
        }
        if !parts.is_empty() {
            let line = m.fill(
                "console_device",
                &[
                    ("device", device.clone()),
                    ("parts", parts.join(m.get("console_separator"))),
                ],
            );
            text += &format!("  {line}\n");
        }
    }
    text
}

/// On stderr, each journal the delivery set aside, and what to do with it.
pub(crate) fn warn_quarantined(store: &worklog::StoreOutcome) {
    for kept in &store.quarantined {
        eprintln!(
            "warning: {}; kept in {} ({} bytes): recover the events from it, or keep it as evidence",
            kept.reason,
            kept.path.display(),
            kept.bytes
        );
    }
}
