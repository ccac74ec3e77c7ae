//! Integration tests of the ledger.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

mod anchors_and_prune;
mod battery;
mod crafted;
mod crash;
mod decisions;
mod journal;
mod proofs;
mod rfc6962_vectors;
mod vectors;
