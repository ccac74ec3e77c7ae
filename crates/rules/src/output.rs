//! Writes an analysis for pipelines: the whole model as JSON, findings and
//! verdicts as Parquet tables.

use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::error::{Error, Result};
use crate::model::{Analysis, Finding};

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
    let json = serde_json::to_vec_pretty(analysis).map_err(|e| Error::Output {
        path: json_path.clone(),
        detail: e.to_string(),
    })?;
    std::fs::write(&json_path, json).map_err(|source| Error::Io {
        path: json_path.clone(),
        source,
    })?;
    let findings_path = dir.join(FINDINGS_PARQUET);
    let all: Vec<&Finding> = analysis.findings.iter().chain(&analysis.waived).collect();
    write_parquet(&findings_path, &mut findings_frame(&all)?)?;
    let verdicts_path = dir.join(VERDICTS_PARQUET);
    let v = &analysis.verdicts;
    let mut verdicts = DataFrame::new(
        v.len(),
        vec![
            Column::new(
                "item".into(),
                v.iter().map(|v| v.item.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                "device_id".into(),
                v.iter().map(|v| v.device_id.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                "department".into(),
                v.iter().map(|v| v.department.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                "verdict".into(),
                v.iter().map(|v| v.verdict.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                "verdict_ja".into(),
                v.iter().map(|v| v.verdict.name_ja()).collect::<Vec<_>>(),
            ),
            Column::new(
                "reason".into(),
                v.iter()
                    .map(|v| v.reason.text(crate::Language::En))
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "findings".into(),
                v.iter().map(|v| v.findings).collect::<Vec<_>>(),
            ),
            Column::new(
                "waived".into(),
                v.iter().map(|v| v.waived).collect::<Vec<_>>(),
            ),
            Column::new(
                "evidence_events".into(),
                v.iter().map(|v| v.evidence_events).collect::<Vec<_>>(),
            ),
        ],
    )?;
    write_parquet(&verdicts_path, &mut verdicts)?;
    Ok(vec![json_path, findings_path, verdicts_path])
}

fn findings_frame(f: &[&Finding]) -> Result<DataFrame> {
    let ts = DataType::Datetime(TimeUnit::Microseconds, None);
    let evidence: Vec<String> = f
        .iter()
        .map(|f| {
            f.evidence
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ")
        })
        .collect();
    Ok(DataFrame::new(
        f.len(),
        vec![
            Column::new(
                "rule_id".into(),
                f.iter().map(|f| f.rule_id.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                "category".into(),
                f.iter().map(|f| f.category.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                "items".into(),
                f.iter().map(|f| f.items.join(",")).collect::<Vec<_>>(),
            ),
            Column::new(
                "severity".into(),
                f.iter().map(|f| f.severity.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                "device_id".into(),
                f.iter().map(|f| f.device_id.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                "department".into(),
                f.iter().map(|f| f.department.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                "user_name".into(),
                f.iter().map(|f| f.user_name.as_str()).collect::<Vec<_>>(),
            ),
            Column::new("ts".into(), f.iter().map(|f| f.ts).collect::<Vec<_>>()).cast(&ts)?,
            Column::new(
                "local_time".into(),
                f.iter().map(|f| f.local_time.as_str()).collect::<Vec<_>>(),
            ),
            Column::new("seq".into(), f.iter().map(|f| f.seq).collect::<Vec<_>>()),
            Column::new(
                "detail".into(),
                f.iter().map(|f| f.detail.as_str()).collect::<Vec<_>>(),
            ),
            Column::new("evidence".into(), evidence),
            Column::new(
                "waived_by_line".into(),
                f.iter()
                    .map(|f| f.waived_by.as_ref().map(|w| w.line as u64))
                    .collect::<Vec<_>>(),
            ),
        ],
    )?)
}

fn write_parquet(path: &Path, frame: &mut DataFrame) -> Result<()> {
    let file = std::fs::File::create(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    ParquetWriter::new(file)
        .finish(frame)
        .map(|_| ())
        .map_err(|e| Error::Output {
            path: path.to_owned(),
            detail: e.to_string(),
        })
}
