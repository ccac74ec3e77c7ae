//! `worklog ingest --format evtx|osquery|message-trace|intune|defender|squid
//! FILE|DIR…`: the logs and exports an agency already has into the store,
//! with a per-file summary printed and written as JSON.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use worklog::ExportFormat;
use worklog::import_formats::ImportOptions;

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
    let mut text: String = report.files.iter().map(file_text).collect();
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
    text += &rejects_text(&args, &report, &summary)?;
    text += &gaps_text(&report);
    let from_files: u64 = report.files.iter().map(|f| f.outcome.ingested).sum();
    text += &format!(
        "{} file(s), {records} records in {seconds:.2} s ({:.0} records/s){}; summary: {}\n",
        report.files.len(),
        records as f64 / seconds.max(1e-9),
        match report.store.accepted.saturating_sub(from_files) {
            0 => String::new(),
            own => format!(
                "; {own} of the events stored are the import's record of holes and of the ids read"
            ),
        },
        summary.display()
    );
    text += &crate::text::store_outcome(&report.store, &args.store);
    if args.json {
        text = json;
    }
    print(&text)?;
    for kept in &report.store.quarantined {
        eprintln!(
            "warning: {}; kept in {} ({} bytes)",
            kept.reason,
            kept.path.display(),
            kept.bytes
        );
    }
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
fn file_text(file: &worklog::EvtxFileReport) -> String {
    let r = &file.read;
    let kinds = counts(&r.mapped);
    let mut text = format!(
        "{}: {} records read; {} mapped ({}); {} ingested ({} late), {} already stored or delivered twice; {} not mapped; {} unreadable part(s)\n",
        r.file,
        r.records,
        r.mapped_total(),
        if kinds.is_empty() { "none" } else { &kinds },
        if file.outcome.ingested > 0 && file.outcome.ingested != r.mapped_total() {
            format!(
                "{} ({})",
                file.outcome.ingested,
                counts(&file.outcome.ingested_by_kind)
            )
        } else {
            file.outcome.ingested.to_string()
        },
        file.outcome.late,
        file.outcome.duplicates,
        r.not_mapped_total(),
        r.unparsed.len(),
    );
    for (channel, span) in r.record_ids.iter().filter(|(_, s)| s.missing > 0) {
        text += &format!(
            "  {channel}: record ids {}–{}, {} missing in {} hole(s) (cleared, lost or not exported)\n",
            span.first,
            span.last,
            span.missing,
            span.holes.len()
        );
    }
    let mut not_mapped: Vec<(&String, &u64)> = r.not_mapped.iter().collect();
    not_mapped.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    for (key, n) in not_mapped.iter().take(3) {
        text += &format!("  not mapped {n}: {key}\n");
    }
    if not_mapped.len() > 3 {
        text += &format!(
            "  … {} more kinds of record not mapped (see the summary)\n",
            not_mapped.len() - 3
        );
    }
    for reason in r.unparsed.iter().take(5) {
        text += &format!("  not parsed: {reason}\n");
    }
    if r.unparsed.len() > 5 {
        text += &format!("  … {} more (see the summary)\n", r.unparsed.len() - 5);
    }
    for (reason, n) in &file.outcome.rejected {
        text += &format!("  rejected {n}: {reason}\n");
    }
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
    Ok(format!(
        "{n} record(s) that could not be read, with their file, line and text: {}\n",
        path.display()
    ))
}

/// The holes in record ids, within the files and since earlier imports.
fn gaps_text(report: &worklog::EvtxReport) -> String {
    if report.gaps.is_empty() {
        return String::new();
    }
    let mut text = format!(
        "{} hole(s) in record ids, within the files and since earlier imports (each stored once as log-management evidence):\n",
        report.gaps.len()
    );
    for gap in report.gaps.iter().take(20) {
        text += &format!(
            "  {} {}: record ids {}–{} missing\n",
            gap.device_id, gap.channel, gap.first, gap.last
        );
    }
    if report.gaps.len() > 20 {
        text += &format!("  … {} more (see the summary)\n", report.gaps.len() - 20);
    }
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
