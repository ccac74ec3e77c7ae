//! Integration tests of the ledger.

mod common;

mod battery;
mod rfc6962_vectors;
