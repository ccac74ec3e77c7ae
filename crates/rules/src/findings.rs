//! A rule's result rows as findings.

use std::collections::BTreeMap;

use arrow_array::RecordBatch;
use worklog_model::{Finding, LocalTime, Period};
use worklog_schema::policy::Device;

use crate::engine::QueryResult;
use crate::rule::Rule;
use crate::values;

/// Columns every rule's result must have (text).
pub(crate) const REQUIRED_OUTPUT: &[&str] = &["device_id", "detail"];
/// Columns with a fixed meaning; anything else is evidence.
pub(crate) const KNOWN_OUTPUT: &[&str] = &["device_id", "detail", "seq", "ts", "user_name"];

/// Turns the rows of `rule`'s result into findings. Columns were checked
/// (`checks::result_columns`) before the rule ran; a column of another
/// type here reads as empty.
pub(crate) fn findings_of(
    rule: &Rule,
    result: &QueryResult,
    period: &Period,
    inventory: &BTreeMap<&str, &Device>,
) -> Vec<Finding> {
    let local_time = period.local_times();
    let mut out = Vec::with_capacity(result.rows());
    for batch in &result.batches {
        append_batch(rule, batch, &local_time, inventory, &mut out);
    }
    out
}

fn append_batch(
    rule: &Rule,
    batch: &RecordBatch,
    local_time: &dyn Fn(i64) -> Option<LocalTime>,
    inventory: &BTreeMap<&str, &Device>,
    out: &mut Vec<Finding>,
) {
    let n = batch.num_rows();
    let column = |name: &str| batch.column_by_name(name).map(|c| c.as_ref());
    let text = |name: &str| -> Vec<Option<String>> {
        column(name)
            .and_then(values::texts)
            .unwrap_or_else(|| vec![None; n])
    };
    let device = text("device_id");
    let detail = text("detail");
    let user = text("user_name");
    let seq = column("seq")
        .and_then(values::integers)
        .unwrap_or_else(|| vec![None; n]);
    let ts = column("ts")
        .and_then(values::timestamps_us)
        .unwrap_or_else(|| vec![None; n]);
    let evidence: Vec<(String, Vec<String>)> = batch
        .schema()
        .fields()
        .iter()
        .zip(batch.columns())
        .filter(|(field, _)| !KNOWN_OUTPUT.contains(&field.name().as_str()))
        .map(|(field, array)| {
            let name = field.name();
            let local = name.starts_with("local_");
            let time = |row: usize, us: i64| {
                if local {
                    format_local(us, ts.get(row).copied().flatten())
                } else {
                    local_time(us).map(|t| t.to_string()).unwrap_or_default()
                }
            };
            (name.clone(), values::display_texts(array.as_ref(), &time))
        })
        .collect();
    for i in 0..n {
        let device_id = device[i].clone().unwrap_or_default();
        let department = inventory
            .get(device_id.as_str())
            .map(|d| d.department.clone())
            .unwrap_or_default();
        let ts = ts[i];
        out.push(Finding {
            rule_id: rule.id.clone(),
            category: rule.category,
            items: rule.items.clone(),
            severity: rule.severity,
            department,
            user_name: user[i].clone().unwrap_or_default(),
            ts,
            local_time: ts.and_then(local_time),
            seq: seq[i].and_then(|s| u64::try_from(s).ok()),
            detail: detail[i].clone().unwrap_or_default(),
            evidence: evidence
                .iter()
                .map(|(name, values)| (name.clone(), values[i].clone()))
                .collect(),
            waived_by: None,
            device_id,
        });
    }
}

/// A wall-clock time `local_us` (UTC shifted by the device's offset) with
/// that offset, `2026-10-05 10:12:09+09:00`; without `utc_us` the offset is
/// unknown and the text says so.
fn format_local(local_us: i64, utc_us: Option<i64>) -> String {
    let Some(t) = chrono::DateTime::from_timestamp_micros(local_us) else {
        return String::new();
    };
    let offset = utc_us
        .and_then(|u| local_us.checked_sub(u))
        .and_then(|d| i32::try_from(d / 1_000_000).ok())
        .and_then(chrono::FixedOffset::east_opt);
    match offset {
        Some(offset) => t
            .naive_utc()
            .and_local_timezone(offset)
            .single()
            .map(|t| LocalTime::new(t).to_string())
            .unwrap_or_default(),
        None => t.format("%Y-%m-%d %H:%M:%S (local)").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_evidence_carries_the_device_offset() {
        let utc = 1_790_000_000_000_000;
        let local = utc + 9 * 3_600_000_000;
        assert_eq!(format_local(local, Some(utc)), "2026-09-21 23:13:20+09:00");
        assert_eq!(format_local(local, None), "2026-09-21 23:13:20 (local)");
    }
}
