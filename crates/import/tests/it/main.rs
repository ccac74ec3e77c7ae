//! The EVTX importer on real files (`../shared/evtx/`, counts from two
//! independent parsers) and on records built from Microsoft's documented
//! layouts for the events the samples lack.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod defender;
mod documented;
mod exchange;
mod intune;
mod osquery;
mod samples;
mod squid;
mod written_evtx;
