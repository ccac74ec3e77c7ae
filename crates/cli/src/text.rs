//! What the commands print: verification and verdict summaries, paths.

use std::collections::BTreeMap;

use worklog::ledger::stamps::StampsCheck;
use worklog::ledger::{AnchorLog, Depth, VerifyReport};

/// Where the reports were written.
pub(crate) fn report_paths(files: &worklog::report::ReportFiles) -> String {
    format!(
        "excel:         {}\nhtml:          {}\njson:          {}\ncsv:           {}\n",
        files.excel.display(),
        files.html.display(),
        files.json.display(),
        files.csv.display()
    )
}

/// The verifier's result in a few lines.
pub(crate) fn summary(report: &VerifyReport) -> String {
    let devices = report.devices.len();
    let anomalies: Vec<_> = report.anomalies().collect();
    let events: u64 = report.devices.iter().map(|d| d.rows_verified).sum();
    let mut text = format!(
        "Verified {} segment files ({:.1} MB; {} proven by their bytes, {} row by row), {} events of {} devices: ",
        report.files,
        report.file_bytes as f64 / 1e6,
        report.files_at(Depth::Bytes),
        report.files_at(Depth::Rows),
        events,
        devices,
    );
    let (lost, clock): (Vec<_>, Vec<_>) = anomalies
        .into_iter()
        .partition(|a| a.class.loses_evidence());
    if report.verified_nothing() {
        text += "nothing to verify: the store holds no device's segments (an emptied store looks the same).\n";
    } else if lost.is_empty() {
        let anchored: u64 = report.devices.iter().map(|d| d.anchors_matched).sum();
        text += &if anchored == 0 {
            "every chain intact as far as the store shows; no anchor matched, so a cut end or a rewrite by the key holder is not excluded (anchor the heads: `worklog anchor`).\n".to_owned()
        } else {
            format!("every chain intact, {anchored} anchors matched.\n")
        };
    } else {
        text += &format!("{} integrity anomalies.\n", lost.len());
        for a in lost {
            text += &format!("  {a}\n");
        }
    }
    // Genuine signed events whose clock went back: located, nothing lost.
    for a in clock {
        let window = a.window.map_or_else(String::new, |(from, to)| {
            format!(" (events from {from} to {to} recorded twice)")
        });
        text += &format!("  note: {a}{window}\n");
    }
    for device in &report.devices {
        for late in &device.late_deliveries {
            text += &format!(
                "  late delivery: device {} seq {}..={} in {}: {} event(s) of {} to {}, written {}\n",
                device.device_id,
                late.seq.0,
                late.seq.1,
                late.file,
                late.events,
                late.covers.0,
                late.covers.1,
                late.written_at
            );
        }
    }
    text
}

/// One line per device that logged longer than `interval_hours` after its
/// newest anchor was made: the part after it is not covered.
pub(crate) fn stale_anchors(report: &VerifyReport, interval_hours: u32) -> String {
    let mut text = String::new();
    for device in &report.devices {
        if let Some(span) = device.unanchored_beyond(interval_hours, None) {
            text += &format!(
                "  stale anchor: device {} logged for {:.1} h after its newest anchor was made (anchor interval {interval_hours} h): truncation or rewrite after it cannot be excluded\n",
                device.device_id,
                span as f64 / 3.6e9
            );
        }
    }
    text
}

/// The anchor log's time-stamps: per device, the newest anchor a stamp
/// covers and when and by whom it was stamped; every stamp that does not
/// hold (the log rewritten after it, a token that does not verify).
pub(crate) fn stamps(check: &StampsCheck, log: &AnchorLog) -> String {
    let mut text = String::new();
    let Some(file) = &check.file else {
        return "  STAMPS MISSING: no stamps file beside the anchor log (removed, or the log was never stamped): when the anchors were made is not proven, and a rewrite of the log cannot be excluded\n".into();
    };
    text += &format!(
        "  time-stamps: {} holding, {} not, in {}\n",
        check.stamped.len(),
        check.problems.len(),
        file.display()
    );
    for p in &check.problems {
        text += &format!("  STAMP BROKEN line {}: {}\n", p.line, p.reason);
    }
    let mut newest: BTreeMap<&str, (u64, &worklog::ledger::Anchor)> = BTreeMap::new();
    for entry in log.entries() {
        newest
            .entry(entry.device_id.as_str())
            .and_modify(|(index, anchor)| {
                if entry.index > *index {
                    *index = entry.index;
                    *anchor = entry;
                }
            })
            .or_insert((entry.index, entry));
    }
    for (device, (_, anchor)) in newest {
        // The newest anchor of the device that a stamp covers.
        let stamped = log
            .entries()
            .iter()
            .filter(|e| e.device_id == device)
            .filter_map(|e| check.covering(e.index).map(|s| (e, s)))
            .max_by_key(|(e, _)| e.index);
        text += &match stamped {
            Some((entry, s)) => format!(
                "  {device}: anchored up to seq {}, time-stamped by {} at {}{}\n",
                entry.seq,
                s.stamp.tsa,
                s.stamp.time.format("%Y-%m-%dT%H:%M:%SZ"),
                if entry.index == anchor.index {
                    String::new()
                } else {
                    format!(
                        " (its newest anchor, seq {}, is not stamped yet)",
                        anchor.seq
                    )
                }
            ),
            None => format!(
                "  {device}: anchored up to seq {}, not time-stamped\n",
                anchor.seq
            ),
        };
    }
    text
}

/// What a delivery did in the store: the totals, then every device that
/// had duplicates, late events or refusals, so that an operator sees what
/// was not stored again and what was filled in afterwards.
pub(crate) fn store_outcome(store: &worklog::StoreOutcome, path: &std::path::Path) -> String {
    let mut text = format!(
        "{} event(s) stored for {} device(s) into {}: {} late, {} already stored or delivered twice (not stored again)\n",
        store.accepted,
        store.devices.values().filter(|d| d.accepted > 0).count(),
        path.display(),
        store.late,
        store.duplicates,
    );
    for (device, d) in &store.devices {
        let mut parts = Vec::new();
        if d.duplicates > 0 {
            parts.push(format!("{} duplicate(s) not stored again", d.duplicates));
        }
        if let Some((from, to)) = d.late_covers {
            parts.push(format!(
                "{} late event(s) from {from} to {to} stored as a late delivery",
                d.late
            ));
        }
        if d.rejected > 0 {
            parts.push(format!("{} refused", d.rejected));
        }
        if d.index.starts_with("rebuilt") {
            parts.push(format!("identity index {}", d.index));
        }
        if !parts.is_empty() {
            text += &format!("  {device}: {}\n", parts.join("; "));
        }
    }
    text
}
