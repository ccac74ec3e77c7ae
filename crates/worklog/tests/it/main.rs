//! Integration tests of the facade: scenario audits of hand-built fleets,
//! the report crate's fixture.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod at_least_once;
mod delivery;
mod docs_quotes;
mod evtx_audit;
mod evtx_holes;
mod fleet;
mod no_agent;
mod report_fixture;
mod scenarios;
mod sources_doc;
mod terms;

/// `../shared/evtx/`, the real EVTX samples. CI has the folder; a missing
/// folder fails unless WORKLOG_SKIP_EVTX_SAMPLES=1 (which CI does not set).
fn evtx_samples() -> Option<std::path::PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/evtx");
    if dir.is_dir() {
        return Some(dir);
    }
    let skip = std::env::var("WORKLOG_SKIP_EVTX_SAMPLES").is_ok_and(|v| v == "1");
    assert!(skip, "{} is missing", dir.display());
    None
}
