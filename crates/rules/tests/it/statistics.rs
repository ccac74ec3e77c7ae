//! The per-day statistics behind "evidence over the period": days are 24
//! hours from the period's local start (Asia/Tokyo: 15:00 UTC), exactly to
//! the microsecond, whatever the engine's calendar functions do.

use worklog_rules::Analysis;

use crate::common::*;

/// A device's network events at the given UTC instants (RFC 3339).
fn network_events(device: &str, times: &[&str]) -> Vec<worklog_schema::Event> {
    times
        .iter()
        .enumerate()
        .map(|(i, ts)| {
            serde_json::from_value(serde_json::json!({
                "seq": i + 1, "ts": ts, "utc_offset_min": 540, "device_id": device,
                "kind": "network", "op": "connect", "if_type": "wifi",
                "ssid": "CORP-WIFI", "auth_method": "wpa2_enterprise", "cipher": "ccmp"
            }))
            .unwrap()
        })
        .collect()
}

fn coverage_of<'a>(analysis: &'a Analysis, device: &str) -> &'a worklog_rules::Coverage {
    analysis
        .verdicts
        .iter()
        .find(|v| v.item == "119" && v.device_id == device)
        .and_then(|v| v.coverage.as_ref())
        .unwrap_or_else(|| panic!("no coverage of 119 on {device}"))
}

#[test]
fn a_microsecond_before_local_midnight_is_the_day_before() {
    // Two weeks: 2026-10-01 .. 2026-10-14 JST. Day 6 (Oct 7 JST) ends at
    // 2026-10-07T15:00:00Z; week 0 is days 0-6, week 1 days 7-13.
    let pack = default_pack();
    let policy = load_policy(&fixture_dir().join("policy"));
    let tmp = tempfile::tempdir().unwrap();
    let mut events = network_events(
        "PC-0001",
        &["2026-10-07T14:59:59.999999Z", "2026-10-14T14:59:59.999999Z"],
    );
    events.extend(network_events(
        "PC-0003",
        &["2026-10-07T15:00:00Z", "2026-10-14T14:59:59.999999Z"],
    ));
    let file = tmp.path().join("events.parquet");
    write_parquet(&file, &events);
    let day = |s| worklog_rules::Period::parse_day(s, "day").unwrap();
    let period =
        worklog_rules::Period::new(day("2026-10-01"), day("2026-10-14"), "Asia/Tokyo").unwrap();
    let analysis = worklog_rules::Analyzer::builder(&pack, &policy, &worklog_polars::PolarsEngine)
        .period(period)
        .build()
        .unwrap()
        .analyze(&worklog_rules::EventSource::Files(vec![file]))
        .unwrap();
    // Oct 7 23:59:59.999999 JST is in week 0, Oct 14 in week 1: both weeks.
    let a = coverage_of(&analysis, "PC-0001");
    assert_eq!((a.weeks_with_evidence, a.weeks, a.evidence_days), (2, 2, 2));
    // Oct 8 00:00:00 JST is day 7: both events in week 1.
    let b = coverage_of(&analysis, "PC-0003");
    assert_eq!((b.weeks_with_evidence, b.weeks, b.evidence_days), (1, 2, 2));
}
