//! The policy as SQL tables: the reference data rules join against.

use std::collections::BTreeSet;
use std::sync::Arc;

use arrow_array::{
    ArrayRef, BooleanArray, Date32Array, RecordBatch, StringArray, TimestampMicrosecondArray,
};
use arrow_schema::{Field, Schema};
use arrow_select::filter::filter_record_batch;
use worklog_model::Period;
use worklog_schema::policy::Policy;
use worklog_schema::{Date, Timestamp};

use crate::engine::{EngineError, Table};
use crate::error::{Error, Result};

/// A column's SQL type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ColumnType {
    /// Text (`VARCHAR`); an empty CSV field is NULL.
    Text,
    /// Boolean.
    Boolean,
    /// Calendar date.
    Date,
    /// UTC timestamp, microseconds, without a zone (like `events.ts`).
    Timestamp,
}

impl ColumnType {
    /// The SQL name used in the docs.
    pub fn sql_name(self) -> &'static str {
        match self {
            ColumnType::Text => "VARCHAR",
            ColumnType::Boolean => "BOOLEAN",
            ColumnType::Date => "DATE",
            ColumnType::Timestamp => "TIMESTAMP",
        }
    }
}

/// A reference table's name and columns.
#[derive(Debug, Clone, Copy)]
pub struct TableSpec {
    /// Table name in SQL.
    pub name: &'static str,
    /// The policy file it comes from.
    pub file: &'static str,
    /// Columns in order.
    pub columns: &'static [(&'static str, ColumnType)],
}

use ColumnType::{Boolean as B, Date as D, Text as T, Timestamp as TS};

/// Every reference table rules may read.
pub const REFERENCE_TABLES: &[TableSpec] = &[
    TableSpec {
        name: "devices",
        file: "devices.csv",
        columns: &[
            ("device_id", T),
            ("device_type", T),
            ("portable", B),
            ("department", T),
            ("owner", T),
            ("in_service_from", D),
            ("in_service_to", D),
        ],
    },
    TableSpec {
        name: "networks",
        file: "networks.csv",
        columns: &[
            ("name", T),
            ("if_type", T),
            ("ssid", T),
            ("gateway_ip", T),
            ("min_auth", T),
        ],
    },
    TableSpec {
        name: "mail_domains",
        file: "mail_domains.csv",
        columns: &[("domain", T)],
    },
    TableSpec {
        name: "personal_services",
        file: "personal_services.csv",
        columns: &[("web_domain", T), ("category", T)],
    },
    TableSpec {
        name: "approved_software",
        file: "approved_software.csv",
        columns: &[("product_name", T), ("publisher", T)],
    },
    TableSpec {
        name: "eos_catalog",
        file: "eos_catalog.csv",
        columns: &[
            ("category", T),
            ("product", T),
            ("version", T),
            ("end_of_support", D),
        ],
    },
    TableSpec {
        name: "media_approvals",
        file: "media_approvals.csv",
        columns: &[
            ("ticket_id", T),
            ("approver", T),
            ("device_id", T),
            ("media_serial", T),
            ("valid_from", TS),
            ("valid_to", TS),
        ],
    },
    TableSpec {
        name: "period",
        file: "(the analysis period, one row)",
        columns: &[
            ("first_day", D),
            ("last_day", D),
            ("start_utc", TS),
            ("end_utc", TS),
            ("time_zone", T),
        ],
    },
    TableSpec {
        name: "device_service",
        file: "(derived from devices.csv and the period)",
        columns: &[("device_id", T), ("start_utc", TS), ("end_utc", TS)],
    },
];

/// Tables the engine derives for each analysis rather than reading them
/// from the policy files.
pub(crate) const DERIVED_TABLES: &[&str] = &["period", "device_service"];

/// One cell as read from the policy.
enum Cell<'a> {
    Text(&'a str),
    Bool(bool),
}

fn rows_of<'p>(policy: &'p Policy, table: &str) -> Vec<Vec<Cell<'p>>> {
    use Cell::{Bool, Text};
    match table {
        "devices" => policy
            .devices
            .iter()
            .map(|d| {
                vec![
                    Text(&d.device_id),
                    Text(&d.device_type),
                    Bool(d.portable),
                    Text(&d.department),
                    Text(&d.owner),
                    Text(&d.in_service_from),
                    Text(&d.in_service_to),
                ]
            })
            .collect(),
        "networks" => policy
            .networks
            .iter()
            .map(|n| {
                vec![
                    Text(&n.name),
                    Text(&n.if_type),
                    Text(&n.ssid),
                    Text(&n.gateway_ip),
                    Text(&n.min_auth),
                ]
            })
            .collect(),
        "mail_domains" => policy
            .mail_domains
            .iter()
            .map(|m| vec![Text(&m.domain)])
            .collect(),
        "personal_services" => policy
            .personal_services
            .iter()
            .map(|p| vec![Text(&p.web_domain), Text(&p.category)])
            .collect(),
        "approved_software" => policy
            .approved_software
            .iter()
            .map(|s| vec![Text(&s.product_name), Text(&s.publisher)])
            .collect(),
        "eos_catalog" => policy
            .eos_catalog
            .iter()
            .map(|e| {
                vec![
                    Text(&e.category),
                    Text(&e.product),
                    Text(&e.version),
                    Text(&e.end_of_support),
                ]
            })
            .collect(),
        "media_approvals" => policy
            .media_approvals
            .iter()
            .map(|a| {
                vec![
                    Text(&a.ticket_id),
                    Text(&a.approver),
                    Text(&a.device_id),
                    Text(&a.media_serial),
                    Text(&a.valid_from),
                    Text(&a.valid_to),
                ]
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Builds every policy table from a validated policy (all but the derived
/// `period` and `device_service`).
pub fn reference_tables(policy: &Policy) -> Result<Vec<Table>> {
    REFERENCE_TABLES
        .iter()
        .filter(|spec| !DERIVED_TABLES.contains(&spec.name))
        .map(|spec| {
            Ok(Table {
                name: spec.name.to_owned(),
                batch: build_table(spec, &rows_of(policy, spec.name))?,
            })
        })
        .collect()
}

/// Every table the rules may read: the policy's, `period` and
/// `device_service`.
pub(crate) fn all_tables(policy: &Policy, period: &Period) -> Result<Vec<Table>> {
    let mut tables = reference_tables(policy)?;
    tables.push(Table {
        name: "period".into(),
        batch: period_table(period)?,
    });
    tables.push(Table {
        name: "device_service".into(),
        batch: device_service_table(policy, period)?,
    });
    Ok(tables)
}

/// `tables` with the rows of per-device tables (those with a `device_id`
/// column) cut to `devices`: what one partition of the analysis sees, so
/// that a rule over `devices` (say, which inventory devices logged
/// nothing) judges the partition's devices only.
pub(crate) fn cut_to_devices(tables: &[Table], devices: &BTreeSet<String>) -> Result<Vec<Table>> {
    tables
        .iter()
        .map(|table| {
            let Some(column) = table.batch.column_by_name("device_id") else {
                return Ok(table.clone());
            };
            let Some(ids) = column.as_any().downcast_ref::<StringArray>() else {
                return Ok(table.clone());
            };
            let keep: BooleanArray = ids
                .iter()
                .map(|id| Some(id.is_some_and(|id| devices.contains(id))))
                .collect();
            let batch = filter_record_batch(&table.batch, &keep).map_err(|e| {
                Error::Engine(EngineError::with_source(
                    format!("cutting table `{}` to a partition's devices", table.name),
                    e,
                ))
            })?;
            Ok(Table {
                name: table.name.clone(),
                batch,
            })
        })
        .collect()
}

fn build_table(spec: &TableSpec, rows: &[Vec<Cell<'_>>]) -> Result<RecordBatch> {
    let bad = |row: usize, column: &str, value: &str| Error::Policy {
        file: spec.file.into(),
        detail: format!(
            "row {} column `{column}`: {value:?} is not a valid {}",
            row + 1,
            spec.columns
                .iter()
                .find(|(c, _)| *c == column)
                .map_or("value", |(_, t)| t.sql_name())
        ),
    };
    let mut fields = Vec::with_capacity(spec.columns.len());
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(spec.columns.len());
    for (index, (name, kind)) in spec.columns.iter().enumerate() {
        let text = |row: &Vec<Cell<'_>>| match row.get(index) {
            Some(Cell::Text(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            _ => None,
        };
        let column: ArrayRef = match kind {
            ColumnType::Text => Arc::new(rows.iter().map(text).collect::<StringArray>()),
            ColumnType::Boolean => Arc::new(
                rows.iter()
                    .map(|row| match row.get(index) {
                        Some(Cell::Bool(b)) => Some(*b),
                        _ => None,
                    })
                    .collect::<BooleanArray>(),
            ),
            ColumnType::Date => {
                let mut values = Vec::with_capacity(rows.len());
                for (i, row) in rows.iter().enumerate() {
                    values.push(match text(row) {
                        None => None,
                        Some(s) => Some(Date::parse(&s).ok_or_else(|| bad(i, name, &s))?.0),
                    });
                }
                Arc::new(Date32Array::from(values))
            }
            ColumnType::Timestamp => {
                let mut values = Vec::with_capacity(rows.len());
                for (i, row) in rows.iter().enumerate() {
                    values.push(match text(row) {
                        None => None,
                        Some(s) => Some(
                            Timestamp::parse_rfc3339(&s)
                                .ok_or_else(|| bad(i, name, &s))?
                                .0,
                        ),
                    });
                }
                Arc::new(TimestampMicrosecondArray::from(values))
            }
        };
        fields.push(Field::new(*name, column.data_type().clone(), true));
        columns.push(column);
    }
    batch_of(fields, columns)
}

fn batch_of(fields: Vec<Field>, columns: Vec<ArrayRef>) -> Result<RecordBatch> {
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).map_err(|e| {
        Error::Engine(EngineError::with_source(
            "building a reference table".to_owned(),
            e,
        ))
    })
}

/// The `period` table: one row with the analysis period.
pub(crate) fn period_table(period: &Period) -> Result<RecordBatch> {
    let days = |d: chrono::NaiveDate| Date::from_naive(d).0;
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Date32Array::from(vec![days(period.first_day)])),
        Arc::new(Date32Array::from(vec![days(period.last_day)])),
        Arc::new(TimestampMicrosecondArray::from(vec![period.start_utc_us])),
        Arc::new(TimestampMicrosecondArray::from(vec![period.end_utc_us])),
        Arc::new(StringArray::from(vec![period.time_zone.as_str()])),
    ];
    let fields = ["first_day", "last_day", "start_utc", "end_utc", "time_zone"]
        .iter()
        .zip(&columns)
        .map(|(name, c)| Field::new(*name, c.data_type().clone(), false))
        .collect();
    batch_of(fields, columns)
}

/// `device_service`: one row per inventory device in service during the
/// period, with the UTC bounds of the part of the period it was in service
/// (start included, end excluded). Rules that judge silence at the edges of
/// the period (`log_gap`) measure it against these bounds.
pub(crate) fn device_service_table(policy: &Policy, period: &Period) -> Result<RecordBatch> {
    let mut ids = Vec::new();
    let mut starts = Vec::new();
    let mut ends = Vec::new();
    for device in &policy.devices {
        let Some((first, last)) = service_days_of(device, period) else {
            continue;
        };
        let Some((start, end)) = period.utc_bounds_of_days(first, last) else {
            continue;
        };
        ids.push(device.device_id.clone());
        starts.push(start);
        ends.push(end);
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(ids)),
        Arc::new(TimestampMicrosecondArray::from(starts)),
        Arc::new(TimestampMicrosecondArray::from(ends)),
    ];
    let fields = ["device_id", "start_utc", "end_utc"]
        .iter()
        .zip(&columns)
        .map(|(name, c)| Field::new(*name, c.data_type().clone(), true))
        .collect();
    batch_of(fields, columns)
}

/// The period's days (0-based, both included) `device` was in service, from
/// its inventory dates; `None` when not in service during the period.
pub(crate) fn service_days_of(
    device: &worklog_schema::policy::Device,
    period: &Period,
) -> Option<(u32, u32)> {
    let day = |s: &str| chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
    period.service_days(day(&device.in_service_from), day(&device.in_service_to))
}
