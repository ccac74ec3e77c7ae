//! Integration tests of the event schema.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod field_reference;
mod parquet_roundtrip;
mod policy;
mod validation;
mod validation_table;
