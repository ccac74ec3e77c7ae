//! Integration tests of the facade: scenario audits of hand-built fleets.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod fleet;
mod scenarios;
