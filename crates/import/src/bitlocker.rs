//! BitLocker in Windows events: the management API's log
//! (`Microsoft-Windows-BitLocker/BitLocker Management`, provider
//! BitLocker-API) and the filter driver's events in the System log
//! (provider BitLocker-Driver).
//!
//! Windows logs changes, not states: encryption started, stopped,
//! suspended, decryption started… Each of those says the volume was **not**
//! protected at that moment, and becomes an `encryption status` with
//! `protection_on = false` and the state it left (`suspended`, `decrypting`,
//! `encrypting`, `off`). No event here proves the opposite: a volume is
//! protected only when fully encrypted *and* a key protector is enabled,
//! and "encryption completed" or "key protector created" each show one
//! half at most (device encryption completes with a clear key and waits for
//! a protector). Those are counted as not mapped with that reason, so an
//! EVTX import alone never makes a disk look encrypted; the protected state
//! comes from osquery's `bitlocker_info` or an agent. "Protection resumed"
//! (774) becomes `encryption resume`: it ends a suspension (Windows Update
//! suspends BitLocker before a restart and resumes it at the next boot),
//! which rule 125-1 then does not count, and says nothing more.

use worklog_schema::{Event, EventKind};

use crate::mapping::Mapping;
use crate::record::Record;

/// The BitLocker-API provider (its channel is BitLocker Management).
pub(crate) const API: &str = "Microsoft-Windows-BitLocker-API";
/// The BitLocker filter driver (its events go to the System log).
pub(crate) const DRIVER: &str = "Microsoft-Windows-BitLocker-Driver";

/// BitLocker-API ids that say the volume is not protected, the protection
/// state they leave, and what happened (`VolumeMountPoint` is the volume,
/// `%3` of each message).
const API_UNPROTECTED: &[(u32, &str, &str)] = &[
    (768, "encrypting", "encryption started"),
    (
        769,
        "encrypting",
        "encryption scheduled for the next restart",
    ),
    (770, "decrypting", "decryption started"),
    (771, "off", "encryption stopped"),
    (772, "encrypting", "encryption restarted"),
    (
        773,
        "suspended",
        "protection suspended (the key is in the clear until resumed)",
    ),
    (778, "off", "volume reverted to an unprotected state"),
];

/// BitLocker-API 774: protection resumed. It ends a suspension (773), and
/// says nothing of a volume that was not suspended.
const API_RESUMED: u32 = 774;

/// BitLocker-Driver ids that say the volume is not protected, the state
/// they leave, and what happened (`%2` of each message is the volume).
const DRIVER_UNPROTECTED: &[(u32, &str, &str)] = &[
    (24577, "encrypting", "encryption started"),
    (24578, "off", "encryption stopped"),
    (24580, "decrypting", "decryption started"),
    (24581, "off", "decryption stopped"),
    (24582, "off", "decryption completed"),
    (24646, "encrypting", "used-space encryption started"),
    (24647, "off", "used-space encryption stopped"),
];

/// Ids whose records are read and deliberately not made a status, with why.
const NOT_A_STATE: &[(&str, u32, &str)] = &[
    (
        API,
        775,
        "key protector created: no protection state (a protector alone does not encrypt)",
    ),
    (API, 776, "key protector removed: no protection state"),
    (
        DRIVER,
        24579,
        "encryption completed: protected only with an enabled key protector, which this event does not say",
    ),
    (
        DRIVER,
        24648,
        "used-space encryption completed: protected only with an enabled key protector, which this event does not say",
    ),
];

/// The schema's role of a volume named by its drive: `C:` holds the
/// operating system, any other is data.
pub(crate) fn volume_role(drive: &str) -> &'static str {
    if drive.eq_ignore_ascii_case("C:") {
        "system"
    } else {
        "data"
    }
}

/// BitLocker's method numbers as the schema names them.
fn method(text: &str) -> String {
    let n: Option<u32> = text.trim().parse().ok();
    match n {
        Some(0x8000) => "aes_128_diffuser".into(),
        Some(0x8001) => "aes_256_diffuser".into(),
        Some(0x8002) => "aes_128".into(),
        Some(0x8003) => "aes_256".into(),
        Some(0x8004) => "xts_aes_128".into(),
        Some(0x8005) => "xts_aes_256".into(),
        _ => format!("algorithm {}", text.trim()),
    }
}

/// A BitLocker-API or BitLocker-Driver record, or `None` when `provider`
/// and `id` are not BitLocker's.
pub(crate) fn map(record: &Record<'_>, provider: &str, id: u32) -> Option<Mapping> {
    if let Some((_, _, why)) = NOT_A_STATE
        .iter()
        .find(|(p, i, _)| *p == provider && *i == id)
    {
        return Some(Mapping::NotMapped((*why).to_owned()));
    }
    let (state, what, volume) = if provider == API && id == API_RESUMED {
        (None, "protection resumed", api_volume(record))
    } else if provider == API {
        let (_, state, what) = API_UNPROTECTED.iter().find(|(i, ..)| *i == id)?;
        (Some(*state), *what, api_volume(record))
    } else if provider == DRIVER {
        let (_, state, what) = DRIVER_UNPROTECTED.iter().find(|(i, ..)| *i == id)?;
        // The driver's events write the volume's name after its length.
        let volume = record.field("VolumeName").or_else(|| record.data(1));
        (Some(*state), *what, volume)
    } else {
        return None;
    };
    let volume = volume.map(|v| v.trim().trim_end_matches('\\').to_owned());
    let Some(volume) = volume.filter(|v| !v.is_empty()) else {
        return Some(Mapping::NotMapped("no volume".into()));
    };
    Some(Mapping::Event(Box::new(Event {
        volume_role: Some(volume_role(&volume).into()),
        volume_name: Some(volume),
        protection_on: state.map(|_| false),
        protection_state: state.map(str::to_owned),
        encryption_method: record.field("AlgorithmType").map(|a| method(&a)),
        detail: Some(format!("BitLocker {id}: {what}")),
        kind: EventKind::Encryption,
        op: if state.is_some() { "status" } else { "resume" }.into(),
        ..Event::default()
    })))
}

/// The volume of a BitLocker-API record: its mount point, else (a volume
/// without a drive letter) its volume GUID path.
fn api_volume(record: &Record<'_>) -> Option<String> {
    record
        .field("VolumeMountPoint")
        .or_else(|| record.field("VolumeName"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::RULES;

    /// The table's BitLocker rows list exactly the ids handled here.
    #[test]
    fn the_mapping_table_lists_every_id_handled_here() {
        let listed = |provider: &str, status: bool| -> Vec<u32> {
            let mut ids: Vec<u32> = RULES
                .iter()
                .filter(|r| {
                    r.provider == provider && r.becomes.starts_with("encryption status") == status
                })
                .flat_map(|r| r.ids.iter().copied())
                .collect();
            ids.sort_unstable();
            ids
        };
        let own =
            |list: &[(u32, &str, &str)]| -> Vec<u32> { list.iter().map(|(id, ..)| *id).collect() };
        let explained = |provider: &str| -> Vec<u32> {
            NOT_A_STATE
                .iter()
                .filter(|(p, _, _)| *p == provider)
                .map(|(_, id, _)| *id)
                .collect()
        };
        assert_eq!(listed(API, true), own(API_UNPROTECTED));
        assert_eq!(listed(DRIVER, true), own(DRIVER_UNPROTECTED));
        let mut api_other = explained(API);
        api_other.push(API_RESUMED);
        api_other.sort_unstable();
        assert_eq!(listed(API, false), api_other);
        assert_eq!(listed(DRIVER, false), explained(DRIVER));
    }
}
