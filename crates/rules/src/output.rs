//! Writes an analysis for pipelines: the whole model as JSON, findings and
//! verdicts as Parquet tables. Every file is written whole under a
//! temporary name and renamed, so that a failed job leaves no half file.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, StringArray, TimestampMicrosecondArray, UInt64Array};
use arrow_schema::{Field, Schema};
use parquet::arrow::ArrowWriter;
use worklog_model::{Analysis, Finding, Language};

use crate::error::{Error, Result};

/// File names written by [`write_analysis`].
pub const ANALYSIS_JSON: &str = "analysis.json";
/// Findings (waived ones included, with their waiver), one row each.
pub const FINDINGS_PARQUET: &str = "findings.parquet";
/// Verdicts per item and device.
pub const VERDICTS_PARQUET: &str = "verdicts.parquet";

/// Writes `analysis.json`, `findings.parquet` and `verdicts.parquet` into
/// `dir` (created if missing); returns the paths written.
pub fn write_analysis(analysis: &Analysis, dir: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Io {
        path: dir.to_owned(),
        source,
    })?;
    let json_path = dir.join(ANALYSIS_JSON);
    write_whole(&json_path, |file| {
        let mut out = std::io::BufWriter::new(file);
        serde_json::to_writer_pretty(&mut out, analysis).map_err(|e| e.to_string())?;
        std::io::Write::flush(&mut out).map_err(|e| e.to_string())
    })?;
    let findings_path = dir.join(FINDINGS_PARQUET);
    let all: Vec<&Finding> = analysis.findings.iter().chain(&analysis.waived).collect();
    write_batch(&findings_path, &findings_batch(&all)?)?;
    let verdicts_path = dir.join(VERDICTS_PARQUET);
    let v = &analysis.verdicts;
    let text = |f: &dyn Fn(usize) -> String| -> ArrayRef {
        Arc::new((0..v.len()).map(|i| Some(f(i))).collect::<StringArray>())
    };
    let count = |f: &dyn Fn(usize) -> u64| -> ArrayRef {
        Arc::new(UInt64Array::from((0..v.len()).map(f).collect::<Vec<_>>()))
    };
    let verdicts = batch(vec![
        ("item", text(&|i| v[i].item.clone())),
        ("device_id", text(&|i| v[i].device_id.clone())),
        ("department", text(&|i| v[i].department.clone())),
        ("verdict", text(&|i| v[i].verdict.as_str().to_owned())),
        ("verdict_ja", text(&|i| v[i].verdict.name_ja().to_owned())),
        ("reason", text(&|i| v[i].reason.text(Language::En))),
        ("findings", count(&|i| v[i].findings)),
        ("waived", count(&|i| v[i].waived)),
        ("evidence_events", count(&|i| v[i].evidence_events)),
    ])?;
    write_batch(&verdicts_path, &verdicts)?;
    Ok(vec![json_path, findings_path, verdicts_path])
}

fn findings_batch(f: &[&Finding]) -> Result<RecordBatch> {
    let text = |get: &dyn Fn(&Finding) -> String| -> ArrayRef {
        Arc::new(f.iter().map(|f| Some(get(f))).collect::<StringArray>())
    };
    batch(vec![
        ("rule_id", text(&|f| f.rule_id.clone())),
        ("category", text(&|f| f.category.as_str().to_owned())),
        ("items", text(&|f| f.items.join(","))),
        ("severity", text(&|f| f.severity.as_str().to_owned())),
        ("device_id", text(&|f| f.device_id.clone())),
        ("department", text(&|f| f.department.clone())),
        ("user_name", text(&|f| f.user_name.clone())),
        (
            "ts",
            Arc::new(TimestampMicrosecondArray::from(
                f.iter().map(|f| f.ts).collect::<Vec<_>>(),
            )),
        ),
        (
            "local_time",
            text(&|f| f.local_time.map(|t| t.to_string()).unwrap_or_default()),
        ),
        (
            "seq",
            Arc::new(UInt64Array::from(
                f.iter().map(|f| f.seq).collect::<Vec<_>>(),
            )),
        ),
        ("detail", text(&|f| f.detail.clone())),
        (
            "evidence",
            text(&|f| {
                f.evidence
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join("; ")
            }),
        ),
        (
            "waived_by_line",
            Arc::new(UInt64Array::from(
                f.iter()
                    .map(|f| f.waived_by.as_ref().map(|w| w.line as u64))
                    .collect::<Vec<_>>(),
            )),
        ),
    ])
}

fn batch(columns: Vec<(&str, ArrayRef)>) -> Result<RecordBatch> {
    let fields: Vec<Field> = columns
        .iter()
        .map(|(name, c)| Field::new(*name, c.data_type().clone(), true))
        .collect();
    let arrays = columns.into_iter().map(|(_, c)| c).collect();
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).map_err(|e| {
        Error::Engine(crate::EngineError::with_source(
            "building an output table",
            e,
        ))
    })
}

/// Writes one batch as a Parquet file (zstd), whole or not at all.
pub(crate) fn write_batch(path: &Path, batch: &RecordBatch) -> Result<()> {
    write_whole(path, |file| {
        let props = parquet::file::properties::WriterProperties::builder()
            .set_compression(parquet::basic::Compression::ZSTD(Default::default()))
            .build();
        let mut writer =
            ArrowWriter::try_new(file, batch.schema(), Some(props)).map_err(|e| e.to_string())?;
        writer.write(batch).map_err(|e| e.to_string())?;
        writer.close().map(|_| ()).map_err(|e| e.to_string())
    })
}

/// Writes `path` through `write` into a temporary file beside it, synced
/// and renamed over `path` only when everything was written.
fn write_whole(
    path: &Path,
    write: impl FnOnce(&std::fs::File) -> std::result::Result<(), String>,
) -> Result<()> {
    let io = |source| Error::Io {
        path: path.to_owned(),
        source,
    };
    worklog_fs::write_atomic_by(path, |file| write(file)).map_err(|e| match e {
        worklog_fs::WriteError::Writer(detail) => Error::Output {
            path: path.to_owned(),
            detail,
        },
        worklog_fs::WriteError::Io(e) => io(e),
    })
}
