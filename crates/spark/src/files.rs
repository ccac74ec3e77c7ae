//! The files the engine and the job exchange: reference tables out,
//! query results back, and a look at the event files before they go.

use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::file::reader::{FileReader, SerializedFileReader};
use worklog_rules::{EngineError, QueryResult};

/// Writes `batch` as one Parquet file.
pub(crate) fn write_parquet(path: &Path, batch: &RecordBatch) -> Result<(), EngineError> {
    let fail = |e: &dyn std::fmt::Display| {
        EngineError::new(format!("cannot write {}: {e}", path.display()))
    };
    let file = std::fs::File::create(path).map_err(|e| fail(&e))?;
    let mut writer = ArrowWriter::try_new(file, batch.schema(), None).map_err(|e| fail(&e))?;
    writer.write(batch).map_err(|e| fail(&e))?;
    writer.close().map(|_| ()).map_err(|e| fail(&e))
}

/// Reads a query's result back (and removes the file).
pub(crate) fn read_result(path: &Path) -> Result<QueryResult, EngineError> {
    let fail = |e: &dyn std::fmt::Display| {
        EngineError::new(format!(
            "cannot read the Spark result {}: {e}",
            path.display()
        ))
    };
    let file = std::fs::File::open(path).map_err(|e| fail(&e))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| fail(&e))?;
    let schema = reader.schema().clone();
    let batches = reader
        .build()
        .map_err(|e| fail(&e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| fail(&e))?;
    let _ = std::fs::remove_file(path);
    Ok(QueryResult { schema, batches })
}

/// The first event file whose Parquet footer cannot be read, with why: the
/// analysis leaves such a file out and reports it (Spark would fail every
/// query over it instead).
pub(crate) fn unreadable(files: &[PathBuf]) -> Option<(PathBuf, String)> {
    files.iter().find_map(|path| {
        let checked = std::fs::File::open(path)
            .map_err(|e| e.to_string())
            .and_then(|f| SerializedFileReader::new(f).map_err(|e| e.to_string()))
            .and_then(|r| {
                let schema = r.metadata().file_metadata().schema_descr_ptr();
                match schema.columns().iter().any(|c| c.name() == "ts") {
                    true => Ok(()),
                    false => Err("no ts column: not an event file".to_owned()),
                }
            });
        checked.err().map(|why| (path.clone(), why))
    })
}
