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
    let mut text = String::new();
    let mut failed = false;
    let mut records = 0;
    for file in &report.files {
        let r = &file.read;
        records += r.records;
        let kinds = counts(&r.mapped);
        text += &format!(
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
        failed |= r.unreadable || !file.outcome.rejected.is_empty();
    }
    let summary = args.summary.unwrap_or_else(|| {
        let micros = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX));
        let stamp = worklog::schema::Timestamp(micros)
            .to_string()
            .replace([':', '-', '.'], "");
        args.store
            .join("_import")
            .join(format!("{format}-{stamp}.json"))
    });
    if let Some(dir) = summary.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(&summary, serde_json::to_string_pretty(&report)? + "\n")
        .with_context(|| format!("writing the summary {}", summary.display()))?;
    let unread: usize = report
        .files
        .iter()
        .filter(|f| !f.read.unreadable)
        .map(|f| f.read.unparsed.len())
        .sum();
    // A file given with --rejects is written even empty: an old one never
    // stands for this run.
    let rejects = match &args.rejects {
        Some(path) => Some(path.clone()),
        None if unread > 0 => Some(summary.with_extension("rejects.jsonl")),
        None => None,
    };
    if let Some(path) = rejects {
        let n = worklog::write_import_rejects(&report, &path)
            .with_context(|| format!("writing the reject file {}", path.display()))?;
        text += &format!(
            "{n} record(s) that could not be read, with their file, line and text: {}\n",
            path.display()
        );
    }
    let from_files: u64 = report.files.iter().map(|f| f.outcome.ingested).sum();
    if !report.gaps.is_empty() {
        text += &format!(
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
    }
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
