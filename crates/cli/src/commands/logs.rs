//! `worklog ingest --format evtx|osquery|message-trace|intune|defender|squid
//! FILE|DIR…`: the logs and exports an agency already has into the store,
//! with a per-file summary printed and written as JSON.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use worklog::ExportFormat;
use worklog::import_formats::ImportOptions;
use worklog::report::Messages;

use crate::args::IngestArgs;
use crate::{EXIT_ERROR, EXIT_OK, print};

pub(crate) fn ingest_logs(args: IngestArgs, export: ExportFormat) -> Result<u8> {
    let mut inputs: Vec<PathBuf> = args.paths.clone();
    inputs.extend(args.input.clone());
    let format = export.name();
    if inputs.is_empty() {
        bail!("give the {format} files or folders to import");
    }
    let options = import_options(&args)?;
    let started = std::time::Instant::now();
    let report = worklog::import_export(
        export,
        &inputs,
        &args.store,
        &args.keys,
        args.create_keys,
        &options,
    )
    .with_context(|| format!("importing {format} files"))?;
    let seconds = started.elapsed().as_secs_f64();
    let m = Messages::new(args.lang.language());
    let mut text: String = report.files.iter().map(|f| file_text(f, &m)).collect();
    let failed = report
        .files
        .iter()
        .any(|f| f.read.unreadable || !f.outcome.rejected.is_empty());
    let records: u64 = report.files.iter().map(|f| f.read.records).sum();
    let summary = summary_path(&args, format);
    if let Some(dir) = summary.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let json = serde_json::to_string_pretty(&report)? + "\n";
    worklog::fs::write_atomic(&summary, json.as_bytes())
        .with_context(|| format!("writing the summary {}", summary.display()))?;
    text += &rejects_text(&args, &report, &summary, &m)?;
    text += &gaps_text(&report, &m);
    let from_files: u64 = report.files.iter().map(|f| f.outcome.ingested).sum();
    let own = match report.store.accepted.saturating_sub(from_files) {
        0 => String::new(),
        own => m.fill("console_import_own", &[("count", own.to_string())]),
    };
    text += &m.fill(
        "console_import_totals",
        &[
            ("files", report.files.len().to_string()),
            ("records", records.to_string()),
            ("seconds", format!("{seconds:.2}")),
            ("rate", format!("{:.0}", records as f64 / seconds.max(1e-9))),
            ("own", own),
            ("summary", summary.display().to_string()),
        ],
    );
    text.push('\n');
    text += &crate::text::store_outcome(&report.store, &args.store, &m);
    if args.json {
        text = json;
    }
    print(&text)?;
    crate::text::warn_quarantined(&report.store);
    if failed {
        eprintln!(
            "error: some files could not be read or some events were refused: see above and the summary"
        );
        return Ok(EXIT_ERROR);
    }
    Ok(EXIT_OK)
}

/// What one file gave: records read and mapped, stored, holes in its
/// record ids, what was not mapped or parsed, what was refused.
fn file_text(file: &worklog::EvtxFileReport, m: &Messages) -> String {
    let r = &file.read;
    let kinds = counts(&r.mapped);
    let ingested = if file.outcome.ingested > 0 && file.outcome.ingested != r.mapped_total() {
        format!(
            "{} ({})",
            file.outcome.ingested,
            counts(&file.outcome.ingested_by_kind)
        )
    } else {
        file.outcome.ingested.to_string()
    };
    let mut text = m.fill(
        "console_import_file",
        &[
            ("file", r.file.clone()),
            ("records", r.records.to_string()),
            ("mapped", r.mapped_total().to_string()),
            (
                "kinds",
                if kinds.is_empty() {
                    m.get("console_none").to_owned()
                } else {
                    kinds
                },
            ),
            ("ingested", ingested),
            ("late", file.outcome.late.to_string()),
            ("duplicates", file.outcome.duplicates.to_string()),
            ("not_mapped", r.not_mapped_total().to_string()),
            ("unparsed", r.unparsed.len().to_string()),
        ],
    ) + "\n";
    for (channel, span) in r.record_ids.iter().filter(|(_, s)| s.missing > 0) {
        let line = m.fill(
            "console_import_hole",
            &[
                ("channel", channel.clone()),
                ("first", span.first.to_string()),
                ("last", span.last.to_string()),
                ("missing", span.missing.to_string()),
                ("holes", span.holes.len().to_string()),
            ],
        );
        text += &format!("  {line}\n");
    }
    text += &unmapped_text(r, m);
    for (reason, n) in &file.outcome.rejected {
        let line = m.fill(
            "console_rejected",
            &[("count", n.to_string()), ("reason", reason.clone())],
        );
        text += &format!("  {line}\n");
    }
    text
}

/// The commonest records not mapped and the first parts not parsed.
fn unmapped_text(r: &worklog::import_formats::FileImport, m: &Messages) -> String {
    let mut text = String::new();
    let mut not_mapped: Vec<(&String, &u64)> = r.not_mapped.iter().collect();
    not_mapped.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    for (key, n) in not_mapped.iter().take(3) {
        let line = m.fill(
            "console_not_mapped",
            &[("count", n.to_string()), ("key", (*key).clone())],
        );
        text += &format!("  {line}\n");
    }
    if not_mapped.len() > 3 {
        let line = m.fill(
            "console_more_not_mapped",
            &[("count", (not_mapped.len() - 3).to_string())],
        );
        text += &format!("  {line}\n");
    }
    for reason in r.unparsed.iter().take(5) {
        let line = m.fill("console_not_parsed", &[("reason", reason.to_string())]);
        text += &format!("  {line}\n");
    }
    text += &more(r.unparsed.len(), 5, m);
    text
}

/// `--summary`, or `<store>/_import/<format>-<UTC time>.json`.
fn summary_path(args: &IngestArgs, format: &str) -> PathBuf {
    args.summary.clone().unwrap_or_else(|| {
        let micros = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX));
        let stamp = worklog::schema::Timestamp(micros)
            .to_string()
            .replace([':', '-', '.'], "");
        args.store
            .join("_import")
            .join(format!("{format}-{stamp}.json"))
    })
}

/// The records that could not be read, written beside the summary (or to
/// `--rejects`, even when there are none: an old file never stands for
/// this run); what was written.
fn rejects_text(
    args: &IngestArgs,
    report: &worklog::EvtxReport,
    summary: &std::path::Path,
    m: &Messages,
) -> Result<String> {
    let unread: usize = report
        .files
        .iter()
        .filter(|f| !f.read.unreadable)
        .map(|f| f.read.unparsed.len())
        .sum();
    let rejects = match &args.rejects {
        Some(path) => Some(path.clone()),
        None if unread > 0 => Some(summary.with_extension("rejects.jsonl")),
        None => None,
    };
    let Some(path) = rejects else {
        return Ok(String::new());
    };
    let n = worklog::write_import_rejects(report, &path)
        .with_context(|| format!("writing the reject file {}", path.display()))?;
    Ok(m.fill(
        "console_reject_file",
        &[
            ("count", n.to_string()),
            ("path", path.display().to_string()),
        ],
    ) + "\n")
}

/// 「… ほか N 件(要約を参照)」 when `total` lines were cut to `shown`.
fn more(total: usize, shown: usize, m: &Messages) -> String {
    match total.checked_sub(shown) {
        Some(left) if left > 0 => {
            let line = m.fill("console_more", &[("count", left.to_string())]);
            format!("  {line}\n")
        }
        _ => String::new(),
    }
}

/// The holes in record ids, within the files and since earlier imports.
fn gaps_text(report: &worklog::EvtxReport, m: &Messages) -> String {
    if report.gaps.is_empty() {
        return String::new();
    }
    let mut text = m.fill("console_holes", &[("count", report.gaps.len().to_string())]) + "\n";
    for gap in report.gaps.iter().take(20) {
        let line = m.fill(
            "console_hole",
            &[
                ("device", gap.device_id.clone()),
                ("channel", gap.channel.clone()),
                ("first", gap.first.to_string()),
                ("last", gap.last.to_string()),
            ],
        );
        text += &format!("  {line}\n");
    }
    text += &more(report.gaps.len(), 20, m);
    text
}

/// The options of an import: time zone and device names from the policy,
/// and the maps given.
fn import_options(args: &IngestArgs) -> Result<ImportOptions> {
    let policy = args
        .policy
        .as_ref()
        .map(|dir| worklog::load_policy(dir).with_context(|| format!("--policy {}", dir.display())))
        .transpose()?;
    let zone = match (&args.time_zone, &policy, &args.policy) {
        (Some(zone), ..) => zone.clone(),
        (None, Some(policy), Some(dir)) => policy
            .settings
            .as_ref()
            .map(|s| s.time_zone.clone())
            .with_context(|| {
                format!(
                    "--policy {}: no policy.toml, so no time zone; give --time-zone",
                    dir.display()
                )
            })?,
        _ => "Asia/Tokyo".to_owned(),
    };
    let mut options = ImportOptions::with_time_zone(&zone)?;
    if let Some(policy) = &policy {
        options = options.with_devices(policy.devices.iter().map(|d| d.device_id.as_str()));
    }
    if let Some(map) = &args.computer_map {
        options = options
            .read_computer_map(map)
            .with_context(|| format!("--computer-map {}", map.display()))?;
    }
    if let Some(map) = &args.user_map {
        options = options
            .read_user_map(map)
            .with_context(|| format!("--user-map {}", map.display()))?;
    }
    if let Some(map) = &args.address_map {
        options = options
            .read_address_map(map)
            .with_context(|| format!("--address-map {}", map.display()))?;
    }
    Ok(options)
}

/// `key n, key n, …` of a count per key.
fn counts(by_key: &std::collections::BTreeMap<String, u64>) -> String {
    let parts: Vec<String> = by_key.iter().map(|(k, n)| format!("{k} {n}")).collect();
    parts.join(", ")
}
