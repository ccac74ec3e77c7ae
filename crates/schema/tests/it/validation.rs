//! Record validation names the field and the reason.

use worklog_schema::{Event, EventKind, Timestamp};

fn ts() -> Timestamp {
    Timestamp::parse_rfc3339("2026-10-05T10:00:00+09:00").unwrap()
}

fn web() -> Event {
    let mut e = Event::new("PC-0001", 1, ts(), 540, EventKind::Web, "visit");
    e.user_name = Some("user001".into());
    e.url = Some("https://www.fsa.go.jp/".into());
    e.web_domain = Some("www.fsa.go.jp".into());
    e
}

fn problems(event: &Event) -> Vec<String> {
    match event.validate(Some(ts())) {
        Ok(()) => Vec::new(),
        Err(e) => e.problems.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn a_complete_record_is_valid() {
    assert_eq!(problems(&web()), Vec::<String>::new());
}

#[test]
fn required_fields_of_the_kind_are_named() {
    let mut e = web();
    e.url = None;
    e.web_domain = None;
    assert_eq!(
        problems(&e),
        [
            "`url`: is required for web/visit",
            "`web_domain`: is required for web/visit"
        ]
    );
    // A proxy without authentication does not know the user: a visit
    // without one is valid.
    let mut e = web();
    e.user_name = None;
    assert_eq!(problems(&e), Vec::<String>::new());
}

#[test]
fn a_field_of_another_kind_is_rejected() {
    let mut e = web();
    e.ssid = Some("CORP".into());
    assert_eq!(problems(&e), ["`ssid`: does not apply to web/visit"]);
}

#[test]
fn unknown_action_lists_the_valid_ones() {
    let mut e = web();
    e.op = "download".into();
    assert_eq!(
        problems(&e),
        ["`op`: \"download\" is not an action of kind `web` (expected one of: visit, upload)"]
    );
}

#[test]
fn ranges_and_formats_are_checked() {
    let mut e = Event::new("PC 1", 0, Timestamp(0), 541, EventKind::Network, "connect");
    e.if_type = Some("wifi".into());
    e.auth_method = Some("wpa9".into());
    e.bssid = Some("zz:11".into());
    let got = problems(&e);
    assert_eq!(
        got,
        [
            "`seq`: must be 1 or more (1 is a device's first event)",
            "`ts`: 1970-01-01T00:00:00Z is outside 2000-01-01..2100-01-01",
            "`utc_offset_min`: 541 is not a UTC offset (whole quarter hours from -720 to 840)",
            "`device_id`: \"PC 1\" must be 1-64 characters of A-Z a-z 0-9 . _ -",
            "`auth_method`: \"wpa9\" is not one of: none, open, wep, wpa_psk, wpa2_psk, wpa2_enterprise, wpa3_sae, wpa3_enterprise",
            "`bssid`: \"zz:11\" must be a MAC address like 00:11:22:aa:bb:cc",
        ]
    );
}

#[test]
fn future_times_beyond_skew_and_inverted_windows_are_rejected() {
    let mut e = Event::new(
        "PC-0001",
        5,
        ts().plus_secs(2 * 86_400),
        540,
        EventKind::Shutter,
        "disable",
    );
    e.window_start = Some(ts());
    e.window_end = Some(ts());
    let got = problems(&e);
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(
        got[0].starts_with("`ts`: 2026-10-07T01:00:00Z is more than a day after"),
        "{got:?}"
    );
    assert!(got[1].starts_with("`window_end`:"), "{got:?}");
}

#[test]
fn oversized_text_is_rejected_but_hostile_text_is_kept() {
    let mut e = web();
    e.url = Some(format!("https://x/{}", "a".repeat(9000)));
    assert_eq!(
        problems(&e),
        ["`url`: is 9010 bytes; at most 8192 are kept"]
    );
    let mut hostile = web();
    hostile.url = Some("https://x/<script>alert(1)</script>=cmd|'/C calc'!A0\u{1b}[31m".into());
    assert!(problems(&hostile).is_empty());
}

#[test]
fn json_round_trip_uses_field_names_and_rfc3339_times() {
    let e = web();
    let json = serde_json::to_string(&e).unwrap();
    assert_eq!(
        json,
        r#"{"seq":1,"ts":"2026-10-05T01:00:00Z","utc_offset_min":540,"device_id":"PC-0001","user_name":"user001","kind":"web","op":"visit","url":"https://www.fsa.go.jp/","web_domain":"www.fsa.go.jp"}"#
    );
    assert_eq!(serde_json::from_str::<Event>(&json).unwrap(), e);
    let err = serde_json::from_str::<Event>(r#"{"seq":1,"ts":"yesterday"}"#).unwrap_err();
    assert!(err.to_string().contains("not an RFC 3339 time"), "{err}");
}
