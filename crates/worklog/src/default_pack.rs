//! The default rule pack, embedded so that `worklog demo` and a binary
//! installed away from the repository can still write and use it.

/// `(path inside the pack, contents)` of every file of `rules/default`
/// except its fixtures.
pub const DEFAULT_PACK: &[(&str, &str)] = &[
    (
        "catalog.toml",
        include_str!("../../../rules/default/catalog.toml"),
    ),
    (
        "rules/agent_tamper.toml",
        include_str!("../../../rules/default/rules/agent_tamper.toml"),
    ),
    (
        "rules/bulk_copy_removable.toml",
        include_str!("../../../rules/default/rules/bulk_copy_removable.toml"),
    ),
    (
        "rules/customer_file_burst.toml",
        include_str!("../../../rules/default/rules/customer_file_burst.toml"),
    ),
    (
        "rules/eos_os.toml",
        include_str!("../../../rules/default/rules/eos_os.toml"),
    ),
    (
        "rules/patch_level_unknown.toml",
        include_str!("../../../rules/default/rules/patch_level_unknown.toml"),
    ),
    (
        "rules/software_inventory_missing.toml",
        include_str!("../../../rules/default/rules/software_inventory_missing.toml"),
    ),
    (
        "rules/network_security_unknown.toml",
        include_str!("../../../rules/default/rules/network_security_unknown.toml"),
    ),
    (
        "rules/os_not_in_catalog.toml",
        include_str!("../../../rules/default/rules/os_not_in_catalog.toml"),
    ),
    (
        "rules/eos_software.toml",
        include_str!("../../../rules/default/rules/eos_software.toml"),
    ),
    (
        "rules/ghost_drive_off_network.toml",
        include_str!("../../../rules/default/rules/ghost_drive_off_network.toml"),
    ),
    (
        "rules/log_gap.toml",
        include_str!("../../../rules/default/rules/log_gap.toml"),
    ),
    (
        "rules/media_allowed_outside_window.toml",
        include_str!("../../../rules/default/rules/media_allowed_outside_window.toml"),
    ),
    (
        "rules/media_use_after_window.toml",
        include_str!("../../../rules/default/rules/media_use_after_window.toml"),
    ),
    (
        "rules/off_hours_activity.toml",
        include_str!("../../../rules/default/rules/off_hours_activity.toml"),
    ),
    (
        "rules/personal_upload.toml",
        include_str!("../../../rules/default/rules/personal_upload.toml"),
    ),
    (
        "rules/personal_webmail.toml",
        include_str!("../../../rules/default/rules/personal_webmail.toml"),
    ),
    (
        "rules/portable_unencrypted.toml",
        include_str!("../../../rules/default/rules/portable_unencrypted.toml"),
    ),
    (
        "rules/remote_lock_not_executed.toml",
        include_str!("../../../rules/default/rules/remote_lock_not_executed.toml"),
    ),
    (
        "rules/removable_io_outside_window.toml",
        include_str!("../../../rules/default/rules/removable_io_outside_window.toml"),
    ),
    (
        "rules/shutter_disabled_without_approval.toml",
        include_str!("../../../rules/default/rules/shutter_disabled_without_approval.toml"),
    ),
    (
        "rules/silent_device.toml",
        include_str!("../../../rules/default/rules/silent_device.toml"),
    ),
    (
        "rules/source_record_gap.toml",
        include_str!("../../../rules/default/rules/source_record_gap.toml"),
    ),
    (
        "rules/stale_patches.toml",
        include_str!("../../../rules/default/rules/stale_patches.toml"),
    ),
    (
        "rules/unapproved_install.toml",
        include_str!("../../../rules/default/rules/unapproved_install.toml"),
    ),
    (
        "rules/unapproved_software_present.toml",
        include_str!("../../../rules/default/rules/unapproved_software_present.toml"),
    ),
    (
        "rules/unapproved_sender_domain.toml",
        include_str!("../../../rules/default/rules/unapproved_sender_domain.toml"),
    ),
    (
        "rules/unmonitored_window.toml",
        include_str!("../../../rules/default/rules/unmonitored_window.toml"),
    ),
    (
        "rules/unregistered_network.toml",
        include_str!("../../../rules/default/rules/unregistered_network.toml"),
    ),
    (
        "rules/weak_network_security.toml",
        include_str!("../../../rules/default/rules/weak_network_security.toml"),
    ),
    (
        "rules/window_not_closed.toml",
        include_str!("../../../rules/default/rules/window_not_closed.toml"),
    ),
];

#[cfg(test)]
mod tests {
    #[test]
    fn the_embedded_pack_is_the_whole_rules_default_folder() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules/default");
        let mut on_disk: Vec<String> = std::fs::read_dir(root.join("rules"))
            .unwrap()
            .map(|e| format!("rules/{}", e.unwrap().file_name().to_string_lossy()))
            .collect();
        on_disk.push("catalog.toml".into());
        on_disk.sort();
        let mut embedded: Vec<String> = super::DEFAULT_PACK
            .iter()
            .map(|(p, _)| (*p).to_owned())
            .collect();
        embedded.sort();
        assert_eq!(
            embedded, on_disk,
            "list every rule file in crates/worklog/src/default_pack.rs"
        );
    }
}
