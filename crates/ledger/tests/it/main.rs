//! Integration tests of the ledger.

mod common;

mod anchors_and_prune;
mod battery;
mod crash;
mod proofs;
mod rfc6962_vectors;
mod vectors;
