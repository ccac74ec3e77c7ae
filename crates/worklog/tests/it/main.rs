//! Integration tests of the facade: scenario audits of hand-built fleets,
//! the report crate's fixture.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod evtx_audit;
mod fleet;
mod report_fixture;
mod scenarios;
