//! Excel and HTML reports for 10^6 findings: time and peak memory, beside
//! JSON serialisation of the same model as the in-run baseline.
//!
//! `cargo bench -p worklog-benches --bench reports` (`WORKLOG_BENCH_FINDINGS`
//! resizes it).

use std::path::Path;

use worklog_benches::{best_of, env_or, peak_rss_mib};
use worklog_report::{
    ExcelOptions, Generation, HtmlOptions, PdfOptions, ReportModel, write_csv, write_excel,
    write_html, write_json, write_pdf,
};
use worklog_rules::{Analyzer, EventSource, Language, Period, RulePack};
use worklog_synth::{Fleet, FleetConfig};

fn main() {
    let quick = !std::env::args().any(|a| a == "--bench");
    let target = env_or(
        "WORKLOG_BENCH_FINDINGS",
        if quick { 2_000 } else { 1_000_000 },
    ) as usize;
    let config = FleetConfig {
        devices: 20,
        days: 14,
        events_per_device_day: 100,
        ..FleetConfig::default()
    };
    let Ok(fleet) = Fleet::new(config) else {
        return;
    };
    let Ok(work) = tempfile::tempdir() else {
        return;
    };
    let mut files = Vec::new();
    for log in fleet.generate() {
        if log.events.is_empty() {
            continue;
        }
        let path = work.path().join(format!("{}.parquet", log.device_id));
        if write_parquet(&path, &log.events).is_some() {
            files.push(path);
        }
    }
    let pack_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules/default");
    let (Ok(pack), Ok(first), Ok(last)) = (
        RulePack::load(&pack_dir),
        Period::parse_day("2026-10-01", "from"),
        Period::parse_day("2026-10-14", "to"),
    ) else {
        return;
    };
    let Ok(period) = Period::new(first, last, "Asia/Tokyo") else {
        return;
    };
    let analysis = Analyzer::builder(&pack, fleet.policy(), &worklog_polars::PolarsEngine)
        .period(period)
        .build()
        .and_then(|a| a.analyze(&EventSource::Files(files)));
    let Ok(mut analysis) = analysis else {
        eprintln!("reports bench: analysis failed");
        std::process::exit(2);
    };
    // Replicate the real findings (every item, leak signals) up to the target.
    let base = analysis.findings.clone();
    if base.is_empty() {
        return;
    }
    analysis.findings = (0..target)
        .map(|i| {
            let mut f = base[i % base.len()].clone();
            f.seq = Some(i as u64);
            f.device_id = format!("PC-{:05}", i % 5_000);
            f
        })
        .collect();
    let rss_before = peak_rss_mib();
    println!(
        "reports bench: {} findings ({} distinct templates), model in memory: peak RSS {rss_before:.0} MiB",
        analysis.findings.len(),
        base.len()
    );
    let generation = Generation::now();
    // The model groups every finding (per item, device and rule), counts
    // departments and weeks: timed too.
    let started = std::time::Instant::now();
    let model = ReportModel::new(&analysis, Language::Ja, generation);
    let model_time = started.elapsed();
    let runs = 1;
    let (json_time, _) = best_of(runs, || {
        write_json(&model, &work.path().join("report.json"))
    });
    let (excel_time, excel) = best_of(runs, || {
        write_excel(
            &model,
            &work.path().join("report.xlsx"),
            ExcelOptions::default(),
        )
    });
    let rss_excel = peak_rss_mib();
    let (html_time, html) = best_of(runs, || {
        write_html(
            &model,
            &work.path().join("report.html"),
            HtmlOptions::default(),
        )
    });
    let rss_html = peak_rss_mib();
    let (csv_time, csv) = best_of(runs, || {
        write_csv(&model, &work.path().join("findings.csv"))
    });
    let (pdf_time, pdf) = best_of(runs, || {
        write_pdf(
            &model,
            &work.path().join("binder.pdf"),
            PdfOptions::default(),
        )
    });
    let rss_pdf = peak_rss_mib();
    if let Err(e) = pdf {
        eprintln!("reports bench: {e}");
        std::process::exit(2);
    }
    if let Err(e) = csv {
        eprintln!("reports bench: {e}");
        std::process::exit(2);
    }
    if let Err(e) = excel.and(html) {
        eprintln!("reports bench: {e}");
        std::process::exit(2);
    }
    let size = |name: &str| {
        std::fs::metadata(work.path().join(name)).map_or(0.0, |m| m.len() as f64 / 1e6)
    };
    println!(
        "  model (grouping, departments, weeks): {:.2} s",
        model_time.as_secs_f64()
    );
    println!(
        "  JSON (baseline):  {:.2} s, {:.1} MB",
        json_time.as_secs_f64(),
        size("report.json")
    );
    println!(
        "  Excel:            {:.2} s, {:.1} MB, {:.2}× the JSON time, peak RSS {rss_excel:.0} MiB (+{:.0} MiB over the model)",
        excel_time.as_secs_f64(),
        size("report.xlsx"),
        excel_time.as_secs_f64() / json_time.as_secs_f64(),
        rss_excel - rss_before
    );
    println!(
        "  HTML (200 findings per item shown): {:.3} s, {:.2} MB, peak RSS {rss_html:.0} MiB",
        html_time.as_secs_f64(),
        size("report.html")
    );
    println!(
        "  CSV:              {:.2} s, {:.1} MB",
        csv_time.as_secs_f64(),
        size("findings.csv")
    );
    println!(
        "  PDF binder ({} deviation groups per 設問 shown): {:.3} s, {:.2} MB, peak RSS {rss_pdf:.0} MiB",
        worklog_report::DEVIATIONS_ON_PAGE,
        pdf_time.as_secs_f64(),
        size("binder.pdf")
    );
    let total = model_time + json_time + excel_time + html_time + csv_time + pdf_time;
    println!(
        "  all five reports with the model: {:.1} s (aim < 30 s), peak RSS {:.0} MiB",
        total.as_secs_f64(),
        peak_rss_mib()
    );
}

fn write_parquet(path: &Path, events: &[worklog_schema::Event]) -> Option<()> {
    let batch = worklog_schema::events_to_batch(events).ok()?;
    let file = std::fs::File::create(path).ok()?;
    let mut writer = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None).ok()?;
    writer.write(&batch).ok()?;
    writer.close().ok()?;
    Some(())
}
