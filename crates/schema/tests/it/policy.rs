//! Policy folders: the sample loads, a written policy reads back, and every
//! problem is named by file, line and field.

use std::path::{Path, PathBuf};

use worklog_schema::policy::Policy;
use worklog_synth::{Fleet, FleetConfig};

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples/policy")
}

#[test]
fn the_sample_policy_loads() {
    let policy = Policy::load(&sample()).unwrap_or_else(|e| panic!("{e:#?}"));
    assert_eq!(policy.devices.len(), 10);
    assert!(policy.settings.unwrap().time_zone == "Asia/Tokyo");
    assert!(!policy.media_approvals.is_empty());
}

#[test]
fn a_written_policy_reads_back_equal() {
    let fleet = Fleet::new(FleetConfig {
        devices: 12,
        days: 7,
        events_per_device_day: 10,
        ..FleetConfig::default()
    })
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    fleet.write_policy(dir.path()).unwrap();
    assert_eq!(&Policy::load(dir.path()).unwrap(), fleet.policy());
}

fn broken(edit: impl FnOnce(&Path)) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(sample()).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    edit(dir.path());
    let errors = Policy::load(dir.path()).unwrap_err();
    errors
        .iter()
        .map(|e| {
            e.to_string()
                .replace(&dir.path().display().to_string(), "<policy>")
        })
        .collect()
}

fn rewrite(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from:?} not in {}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn every_problem_is_reported_with_file_line_and_field() {
    let errors = broken(|dir| {
        rewrite(
            &dir.join("devices.csv"),
            "PC-0002,laptop,true",
            "PC-0002,laptop,yes",
        );
        rewrite(
            &dir.join("devices.csv"),
            "PC-0003,desktop",
            "PC-0003,tablet",
        );
        rewrite(&dir.join("networks.csv"), "wpa2_enterprise", "wpa9");
        rewrite(
            &dir.join("policy.toml"),
            "work_end = \"18:00\"",
            "work_end = \"6pm\"",
        );
        std::fs::remove_file(dir.join("mail_domains.csv")).unwrap();
    });
    assert_eq!(errors.len(), 5, "{errors:#?}");
    let has = |needle: &str| errors.iter().any(|e| e.contains(needle));
    assert!(
        has(
            "<policy>/devices.csv line 3, field `portable`: provided string was not `true` or `false`"
        ),
        "{errors:#?}"
    );
    assert!(
        has(
            "<policy>/devices.csv line 4, field `device_type`: \"tablet\" is not one of: desktop, laptop"
        ),
        "{errors:#?}"
    );
    assert!(
        has("<policy>/networks.csv line 2, field `min_auth`: \"wpa9\" is not one of"),
        "{errors:#?}"
    );
    assert!(
        has("<policy>/policy.toml line 4, field `work_end`: \"6pm\" is not a time such as 18:00"),
        "{errors:#?}"
    );
    assert!(has("<policy>/mail_domains.csv: cannot read"), "{errors:#?}");
}

#[test]
fn references_and_windows_are_checked() {
    let errors = broken(|dir| {
        let path = dir.join("media_approvals.csv");
        let text = std::fs::read_to_string(&path).unwrap();
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        lines[1] = "REQ-1,it-admin,PC-9999,USB-X,2026-10-07T02:00:00Z,2026-10-07T01:00:00Z".into();
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    });
    assert_eq!(
        errors,
        [
            "<policy>/media_approvals.csv line 2, field `device_id`: PC-9999 is not in devices.csv",
            "<policy>/media_approvals.csv line 2, field `valid_to`: is not after valid_from",
        ]
    );
}
