//! Integration tests of the event schema.

mod field_reference;
mod parquet_roundtrip;
mod validation;
