//! Reports of Worklog Analyzer, Japanese first, English too, all read from
//! one [`ReportModel`]:
//!
//! - `report.xlsx` for compliance officers: 概要 (summary, manifest, items
//!   coloured by verdict, links), one sheet per item with its findings,
//!   端末別 (device × item), 完全性 (integrity), 証跡 (log management),
//!   漏洩兆候 (leak signals), 例外 (waived), 週次推移 (weekly chart);
//! - `report.html`, one self-contained file (inline CSS and SVG, nothing
//!   fetched, autoescaped) that prints cleanly to PDF;
//! - `report.json`, the whole model for pipelines (`docs/report-json.md`);
//! - `findings.csv`, every finding, formula-safe.
//!
//! # Example
//! The reports of an analysis written by `worklog analyze` (here the
//! real pipeline's output kept as this crate's test fixture):
//! ```
//! use worklog_model::{Analysis, Language};
//! use worklog_report::{Generation, ReportOptions, write_reports};
//!
//! let json = std::fs::read_to_string("tests/fixtures/analysis.json")?;
//! let analysis: Analysis = serde_json::from_str(&json)?;
//! let out = tempfile::tempdir()?;
//! let options = ReportOptions { language: Language::En, ..ReportOptions::default() };
//! let files = write_reports(&analysis, out.path(), &options, Generation::now())?;
//! assert!(files.excel.metadata()?.len() > 0 && files.html.exists() && files.csv.exists());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod colors;
mod compare;
mod console;
mod error;
mod excel;
mod headline;
mod html;
mod integrity_summary;
mod item_page;
mod messages;
mod model;
mod pdf;
mod pseudonym;
mod scope;
mod summary;
mod text;
mod words;

use std::path::{Path, PathBuf};

pub use compare::{Change, Comparison, DeviceChange, ItemChange, compare};
pub use console::console_summary;
pub use error::{Error, Result};
pub use excel::{EXCEL_MAX_ROWS, ExcelOptions, item_sheet_name, write_excel};
pub use headline::{Attention, AttentionKind, Headline, Overall, headline};
pub use html::{HtmlOptions, render_html, write_html};
pub use integrity_summary::integrity_text;
pub use item_page::{DEVIATIONS_ON_PAGE, Deviation, ItemPage};
pub use messages::Messages;
/// The compiled-in message catalog, `{language: {key: text}}`.
pub use messages::catalog as messages_catalog;
pub use model::{AnalysisStamp, Generation, ItemRow, ReportModel, WeeklyCounts, log_check_texts};
pub use pdf::{PdfOptions, render_pdf, write_pdf};
pub use pseudonym::{MIN_KEY_BYTES, PseudonymKey, pseudonymise};
pub use scope::scope_text;
pub use summary::{
    DepartmentCell, DepartmentRow, FindingGroup, ItemGroups, departments, item_groups,
};
pub use text::{EXCEL_CELL_LIMIT, clean_cell, csv_field};
pub use words::{anomaly_text, evidence_text, evidence_value, finding_detail};
use worklog_model::{Analysis, Language};

/// What to write.
#[derive(Debug, Clone, Default)]
pub struct ReportOptions {
    /// Language of the texts (Japanese by default).
    pub language: Language,
    /// Excel options.
    pub excel: ExcelOptions,
    /// HTML options.
    pub html: HtmlOptions,
    /// PDF binder options.
    pub pdf: PdfOptions,
    /// The last audit's analysis: the reports then compare with it (new,
    /// fixed, still open, verdict changes per item and device).
    pub compare: Option<std::sync::Arc<Analysis>>,
    /// Write a pseudonymised copy for external parties: names, device ids,
    /// personal paths and mail addresses replaced by keyed pseudonyms
    /// (the last audit's too, with the same key, so that they compare).
    pub pseudonymise: Option<PseudonymKey>,
}

/// The files written by [`write_reports`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFiles {
    /// `report.xlsx`.
    pub excel: PathBuf,
    /// `report.html`.
    pub html: PathBuf,
    /// `report.json`.
    pub json: PathBuf,
    /// `findings.csv`.
    pub csv: PathBuf,
    /// `binder.pdf`: the evidence binder.
    pub pdf: PathBuf,
}

/// Writes every report of `analysis` into `dir` (created if missing).
pub fn write_reports(
    analysis: &Analysis,
    dir: &Path,
    options: &ReportOptions,
    generation: Generation,
) -> Result<ReportFiles> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Io {
        path: dir.to_owned(),
        source,
    })?;
    let pseudonymised;
    let previous_pseudonymised;
    let (analysis, previous) = match &options.pseudonymise {
        Some(key) => {
            pseudonymised = pseudonymise(analysis, key)?;
            previous_pseudonymised = match &options.compare {
                Some(previous) => Some(pseudonymise(previous, key)?),
                None => None,
            };
            (&pseudonymised, previous_pseudonymised.as_ref())
        }
        None => (analysis, options.compare.as_deref()),
    };
    let mut generation = generation;
    generation.pseudonymised_with = options.pseudonymise.as_ref().map(PseudonymKey::id);
    let mut model = ReportModel::new(analysis, options.language, generation);
    if let Some(previous) = previous {
        model = model.compared_with(previous);
    }
    let files = ReportFiles {
        excel: dir.join("report.xlsx"),
        html: dir.join("report.html"),
        json: dir.join("report.json"),
        csv: dir.join("findings.csv"),
        pdf: dir.join("binder.pdf"),
    };
    write_excel(&model, &files.excel, options.excel)?;
    write_html(&model, &files.html, options.html)?;
    write_json(&model, &files.json)?;
    write_csv(&model, &files.csv)?;
    write_pdf(&model, &files.pdf, options.pdf)?;
    Ok(files)
}

/// Writes the whole model as JSON.
pub fn write_json(model: &ReportModel<'_>, path: &Path) -> Result<()> {
    worklog_fs::write_atomic_with(path, |file| {
        let mut out = std::io::BufWriter::new(file);
        serde_json::to_writer_pretty(&mut out, model).map_err(std::io::Error::other)?;
        std::io::Write::flush(&mut out)
    })
    .map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })
}

/// Writes every finding (waived ones too) as CSV that no spreadsheet
/// evaluates: UTF-8 with a byte-order mark (so that Japanese Excel opens
/// it without 文字化け), headers in the report language, the rule's title
/// and remediation, and the waiver that covers a finding.
pub fn write_csv(model: &ReportModel<'_>, path: &Path) -> Result<()> {
    worklog_fs::write_atomic_with(path, |file| {
        csv_rows(model, &mut std::io::BufWriter::new(file))
    })
    .map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })
}

/// The CSV's bytes: the byte-order mark, the header, a line per finding.
fn csv_rows(model: &ReportModel<'_>, out: &mut impl std::io::Write) -> std::io::Result<()> {
    let m = Messages::new(model.language);
    out.write_all("\u{FEFF}".as_bytes())?;
    let headers = [
        "rule_id",
        "rule",
        "items",
        "severity",
        "device",
        "department",
        "user",
        "local_time",
        "seq",
        "what_happened",
        "evidence",
        "remediation",
        "waived",
        "waiver_line",
        "waiver_scope",
        "waiver_reason",
        "approver",
        "expires",
    ];
    let head: Vec<String> = headers.iter().map(|k| csv_field(m.get(k))).collect();
    writeln!(out, "{}", head.join(","))?;
    let a = model.analysis;
    for f in a.findings.iter().chain(&a.waived) {
        let (title, remediation) = model.rule_texts(&f.rule_id);
        let w = f.waived_by.as_ref();
        let fields = [
            f.rule_id.clone(),
            title,
            f.items.join(" "),
            m.get(&format!("severity_{}", f.severity.as_str()))
                .to_owned(),
            f.device_id.clone(),
            f.department.clone(),
            f.user_name.clone(),
            f.local_time.map(|t| t.to_string()).unwrap_or_default(),
            f.seq.map(|s| s.to_string()).unwrap_or_default(),
            model.detail(f),
            model.evidence(f),
            remediation,
            m.get(if w.is_some() { "yes" } else { "no" }).to_owned(),
            w.map(|w| w.line.to_string()).unwrap_or_default(),
            match w {
                Some(w) if w.all_devices => m.get("waiver_all_devices").to_owned(),
                Some(_) => m.get("waiver_named_device").to_owned(),
                None => String::new(),
            },
            w.map(|w| w.reason.clone()).unwrap_or_default(),
            w.map(|w| w.approver.clone()).unwrap_or_default(),
            w.map(|w| w.expires.clone()).unwrap_or_default(),
        ];
        let line: Vec<String> = fields.iter().map(|v| csv_field(v)).collect();
        writeln!(out, "{}", line.join(","))?;
    }
    out.flush()
}
