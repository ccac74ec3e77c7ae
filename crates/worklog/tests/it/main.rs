//! Integration tests of the facade: scenario audits of hand-built fleets
//! and the getting-started guide run as written.

mod fleet;
mod scenarios;
