//! One device's log: the daily rhythm plus the violations planned for it.

use chrono::{Datelike, NaiveDate, Weekday};
use worklog_schema::{Date, Event, EventKind, Timestamp};

use crate::catalog::*;
use crate::rng::Rng;
use crate::{DeviceLog, Fleet, Label, Signal};

/// JST: the simulated fleet is in Japan.
pub(crate) const OFFSET_MIN: i32 = 540;

/// A removable-media event that is compliant: the rules must not flag it.
struct MediaNoise {
    chance: f64,
    minutes_after_boot: u32,
    class: &'static str,
    vendor_id: &'static str,
    product_id: &'static str,
    serial: Option<&'static str>,
    blocked: bool,
}

/// A mouse (allowed), a USB stick (blocked by the shutter), a phone that
/// only charges (allowed).
const MEDIA_NOISE: [MediaNoise; 3] = [
    MediaNoise {
        chance: 0.15,
        minutes_after_boot: 60,
        class: "hid",
        vendor_id: "046d",
        product_id: "c52b",
        serial: None,
        blocked: false,
    },
    MediaNoise {
        chance: 0.08,
        minutes_after_boot: 120,
        class: "mass_storage",
        vendor_id: "0781",
        product_id: "5583",
        serial: Some("4C530001231120115142"),
        blocked: true,
    },
    MediaNoise {
        chance: 0.05,
        minutes_after_boot: 200,
        class: "charge_only",
        vendor_id: "05ac",
        product_id: "12a8",
        serial: None,
        blocked: false,
    },
];

/// A planned violation on one device.
#[derive(Debug, Clone)]
pub(crate) struct Injection {
    pub signal: Signal,
    pub day: u32,
    /// Local minute of the day it starts at.
    pub minute: u32,
    /// Ticket of the approval it uses, if any.
    pub ticket: Option<String>,
}

/// A label waiting for the event's sequence number.
struct PendingLabel {
    signal: Signal,
    detail: String,
}

struct Entry {
    ts: Timestamp,
    event: Event,
    labels: Vec<PendingLabel>,
}

/// Collects one device's events in any order; `finish` sorts them by time
/// and numbers them.
pub(crate) struct LogBuilder<'a> {
    device_id: &'a str,
    user: &'a str,
    entries: Vec<Entry>,
    gap_labels: Vec<Label>,
}

impl<'a> LogBuilder<'a> {
    fn new(device_id: &'a str, user: &'a str) -> Self {
        LogBuilder {
            device_id,
            user,
            entries: Vec::new(),
            gap_labels: Vec::new(),
        }
    }

    /// Adds an event at `ts`; the closure fills the typed fields. Returns
    /// its index for labelling.
    fn push(
        &mut self,
        ts: Timestamp,
        kind: EventKind,
        op: &str,
        with_user: bool,
        fill: impl FnOnce(&mut Event),
    ) -> usize {
        let mut event = Event::new(self.device_id, 0, ts, OFFSET_MIN, kind, op);
        if with_user {
            event.user_name = Some(self.user.to_owned());
        }
        fill(&mut event);
        self.entries.push(Entry {
            ts,
            event,
            labels: Vec::new(),
        });
        self.entries.len() - 1
    }

    fn label(&mut self, index: usize, signal: Signal, detail: impl Into<String>) {
        if let Some(entry) = self.entries.get_mut(index) {
            entry.labels.push(PendingLabel {
                signal,
                detail: detail.into(),
            });
        }
    }

    /// Removes the events in `from..to` (the agent recorded nothing), but
    /// never one that carries a label.
    fn drop_unlabelled(&mut self, from: Timestamp, to: Timestamp) {
        self.entries
            .retain(|e| e.ts < from || e.ts >= to || !e.labels.is_empty());
    }

    /// Sorts what was collected by time (stable: events at the same
    /// instant keep their insertion order), numbers it from `first_seq`, and
    /// returns the events and their labels, leaving the builder empty.
    fn take(&mut self, first_seq: u64) -> (Vec<Event>, Vec<Label>) {
        let mut entries = std::mem::take(&mut self.entries);
        entries.sort_by_key(|e| e.ts);
        let mut events = Vec::with_capacity(entries.len());
        let mut labels = std::mem::take(&mut self.gap_labels);
        for (i, entry) in entries.into_iter().enumerate() {
            let mut event = entry.event;
            event.seq = first_seq + i as u64;
            for pending in entry.labels {
                labels.push(Label::finding(pending.signal, &event, pending.detail));
            }
            events.push(event);
        }
        (events, labels)
    }
}

/// A log gap: the agent's records for a stretch of a working day are
/// missing although the PC was in use (labelled events stay).
fn drop_gap(b: &mut LogBuilder<'_>, profile: &crate::Profile, date: NaiveDate, minute: u32) {
    let from = local_ts(date, minute, 0);
    let to = local_ts(date, minute + 270, 0);
    b.drop_unlabelled(from, to);
    let before = b
        .entries
        .iter()
        .filter(|e| e.ts < from)
        .map(|e| e.ts)
        .max()
        .unwrap_or(from);
    b.gap_labels.push(Label::device_level(
        Signal::LogGap,
        &profile.device.device_id,
        &profile.device.owner,
        before,
        "no events for 4.5 hours of a working day while the PC was on",
    ));
}

/// Local wall-clock minute of a day → UTC timestamp.
pub(crate) fn local_ts(date: NaiveDate, minute: u32, second: u32) -> Timestamp {
    let days = Date::from_naive(date).0 as i64;
    let secs =
        days * 86_400 + i64::from(minute) * 60 + i64::from(second) - i64::from(OFFSET_MIN) * 60;
    Timestamp::from_secs(secs)
}

pub(crate) fn is_working_day(date: NaiveDate) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

struct Day {
    date: NaiveDate,
    index: u32,
    boot: u32,
    shutdown: u32,
}

impl Fleet {
    /// Generates one device's events and labels (deterministic).
    pub(crate) fn build_device(&self, index: usize) -> DeviceLog {
        let mut events = Vec::new();
        let mut labels = Vec::new();
        self.stream_device(index, &mut |chunk, chunk_labels| {
            events.extend(chunk);
            labels.extend(chunk_labels);
            Ok::<(), std::convert::Infallible>(())
        })
        .unwrap_or_else(|never| match never {});
        labels.sort_by(|a, b| (a.ts, &a.signal_name, a.seq).cmp(&(b.ts, &b.signal_name, b.seq)));
        DeviceLog {
            device_id: self.profiles[index].device.device_id.clone(),
            events,
            labels,
        }
    }

    /// Generates one device's events a day at a time, in sequence order,
    /// handing each day's events and labels to `sink` as soon as the day is
    /// simulated: memory holds one day, whatever the period. The events are
    /// those of [`Fleet::device`], in the same order.
    pub(crate) fn stream_device<E>(
        &self,
        index: usize,
        sink: &mut dyn FnMut(Vec<Event>, Vec<Label>) -> Result<(), E>,
    ) -> Result<(), E> {
        let profile = &self.profiles[index];
        let mut b = LogBuilder::new(&profile.device.device_id, &profile.device.owner);
        if profile.silent {
            let label = Label::device_level(
                Signal::SilentDevice,
                &profile.device.device_id,
                &profile.device.owner,
                local_ts(self.config.start, 0, 0),
                "in the inventory, no events in the period",
            );
            return sink(Vec::new(), vec![label]);
        }
        let mut rng = Rng::new(self.config.seed, index as u64 + 1);
        let mut first_boot = true;
        let mut next_seq = 1;
        for day_index in 0..self.config.days {
            let Some(date) = self
                .config
                .start
                .checked_add_days(chrono::Days::new(u64::from(day_index)))
            else {
                break;
            };
            let injections: Vec<&Injection> = profile
                .injections
                .iter()
                .filter(|inj| inj.day == day_index)
                .collect();
            if !is_working_day(date) && injections.is_empty() {
                continue;
            }
            let day = Day {
                date,
                index: day_index,
                boot: rng.range(480, 530) as u32,
                shutdown: rng.range(1050, 1230) as u32,
            };
            self.working_day(&mut b, &mut rng, profile, &day, first_boot);
            first_boot = false;
            for inj in &injections {
                self.inject(&mut b, &mut rng, profile, &day, inj);
            }
            if let Some((window_day, minute, ticket)) = &profile.compliant_window
                && *window_day == day_index
            {
                compliant_window(&mut b, &day, *minute, ticket, &profile.device.device_id);
            }
            if let Some(gap) = injections.iter().find(|inj| inj.signal == Signal::LogGap) {
                drop_gap(&mut b, profile, date, gap.minute);
            }
            // A day's events, its night included, all lie before the next
            // working day's boot: each day is whole once simulated.
            let (events, labels) = b.take(next_seq);
            next_seq += events.len() as u64;
            sink(events, labels)?;
        }
        if profile.no_inventory {
            let label = Label::device_level(
                Signal::NoInventory,
                &profile.device.device_id,
                &profile.device.owner,
                local_ts(self.config.start, 0, 0),
                "no inventory snapshot in the period",
            );
            sink(Vec::new(), vec![label])?;
        }
        Ok(())
    }

    fn working_day(
        &self,
        b: &mut LogBuilder<'_>,
        rng: &mut Rng,
        profile: &crate::Profile,
        day: &Day,
        first_boot: bool,
    ) {
        let date = day.date;
        let at = |minute: u32, second: u32| local_ts(date, minute, second);
        let boot = day.boot;
        b.push(at(boot, 0), EventKind::Agent, "start", false, |e| {
            e.agent_version = Some(AGENT_VERSION.into());
        });
        // The agent re-applies the storage shutter at start and reports it:
        // the per-day shutter-state evidence item 108 needs.
        b.push(at(boot, 1), EventKind::Shutter, "enable", false, |e| {
            e.detail = Some("state at agent start".into());
        });
        let laptop = profile.device.portable;
        self.connect_office(b, rng, at(boot, 20), laptop);
        let unencrypted = profile
            .injections
            .iter()
            .any(|inj| inj.signal == Signal::PortableUnencrypted);
        let status = b.push(at(boot, 30), EventKind::Encryption, "status", false, |e| {
            e.volume_name = Some("C:".into());
            e.volume_role = Some("system".into());
            e.protection_on = Some(!unencrypted);
            e.protection_state = Some(if unencrypted { "off" } else { "on" }.into());
            e.encryption_method = (!unencrypted).then(|| "xts_aes_256".into());
        });
        if unencrypted && first_boot {
            b.label(
                status,
                Signal::PortableUnencrypted,
                "system volume C: not encrypted",
            );
        }
        if laptop {
            b.push(at(boot, 31), EventKind::Encryption, "status", false, |e| {
                e.volume_name = Some("G:".into());
                e.volume_role = Some("ghost_drive".into());
                e.protection_on = Some(true);
                e.protection_state = Some("on".into());
                e.encryption_method = Some("xts_aes_256".into());
            });
            b.push(at(boot, 40), EventKind::GhostDrive, "mount", false, |e| {
                e.volume_name = Some("G:".into());
                e.if_type = Some("wifi".into());
                e.ssid = Some(OFFICE_WIFI.0.into());
            });
        }
        let monday = date.weekday() == Weekday::Mon;
        if (first_boot || monday) && !profile.no_inventory {
            self.inventory(b, profile, day, at(boot, 50), first_boot);
        }
        let logon = boot + 2;
        b.push(at(logon, 0), EventKind::Session, "logon", true, |_| {});

        // Heartbeats every 15 minutes while the PC is on.
        let mut minute = boot + 15;
        while minute < day.shutdown {
            b.push(at(minute, 0), EventKind::Agent, "heartbeat", false, |_| {});
            minute += 15;
        }
        b.push(at(720, 5), EventKind::Session, "lock", true, |_| {});
        b.push(at(775, 10), EventKind::Session, "unlock", true, |_| {});

        self.background(b, rng, day);

        let off = day.shutdown;
        b.push(at(off, 0), EventKind::Session, "logoff", true, |_| {});
        if laptop {
            b.push(at(off, 10), EventKind::GhostDrive, "unmount", false, |e| {
                e.volume_name = Some("G:".into());
            });
        }
        b.push(at(off, 20), EventKind::Network, "disconnect", false, |e| {
            e.if_type = Some(if laptop { "wifi" } else { "ethernet" }.into());
        });
        // An orderly shutdown: the silence until the next start is the PC
        // being off, not a log gap.
        b.push(at(off, 30), EventKind::Agent, "shutdown", false, |e| {
            e.agent_version = Some(AGENT_VERSION.into());
        });
    }

    fn connect_office(&self, b: &mut LogBuilder<'_>, rng: &mut Rng, ts: Timestamp, laptop: bool) {
        if laptop {
            let bssid = *rng.pick(OFFICE_WIFI.1);
            b.push(ts, EventKind::Network, "connect", false, |e| {
                e.if_type = Some("wifi".into());
                e.ssid = Some(OFFICE_WIFI.0.into());
                e.bssid = Some(bssid.into());
                e.auth_method = Some("wpa2_enterprise".into());
                e.cipher = Some("ccmp".into());
                e.gateway_ip = Some(OFFICE_GATEWAY.into());
            });
        } else {
            b.push(ts, EventKind::Network, "connect", false, |e| {
                e.if_type = Some("ethernet".into());
                e.auth_method = Some("none".into());
                e.gateway_ip = Some(OFFICE_GATEWAY.into());
            });
        }
    }

    fn inventory(
        &self,
        b: &mut LogBuilder<'_>,
        profile: &crate::Profile,
        day: &Day,
        ts: Timestamp,
        first: bool,
    ) {
        let snapshot = format!("{}-{}", profile.device.device_id, day.date.format("%Y%m%d"));
        let has = |s: Signal| profile.injections.iter().any(|inj| inj.signal == s);
        let (os, version, build) = if has(Signal::EosOs) {
            OS_EOS
        } else {
            OS_CURRENT
        };
        let patch_days_ago = if has(Signal::StalePatches) { 200 } else { 12 };
        let patched = day
            .date
            .checked_sub_days(chrono::Days::new(patch_days_ago))
            .map(Date::from_naive);
        let snap = snapshot.clone();
        let os_row = b.push(ts, EventKind::Inventory, "os", false, |e| {
            e.snapshot_id = Some(snap);
            e.os_product = Some(os.into());
            e.os_version = Some(version.into());
            e.os_build = Some(build.into());
            e.last_patch_date = patched;
        });
        if first && has(Signal::EosOs) {
            b.label(
                os_row,
                Signal::EosOs,
                format!("{os} {version} is past end of support"),
            );
        }
        if first && has(Signal::StalePatches) {
            b.label(
                os_row,
                Signal::StalePatches,
                "last OS patch 200 days before the snapshot",
            );
        }
        let mut products: Vec<(&str, &str, &str)> = APPROVED_SOFTWARE.to_vec();
        if has(Signal::EosSoftware) {
            products.push(SOFTWARE_EOS);
        }
        if let Some(inj) = profile
            .injections
            .iter()
            .find(|inj| inj.signal == Signal::UnapprovedInstall)
            && day.index > inj.day
        {
            products.push(UNAPPROVED_SOFTWARE[0]);
        }
        for (name, publisher, version) in products {
            let snap = snapshot.clone();
            let row = b.push(ts, EventKind::Inventory, "software", false, |e| {
                e.snapshot_id = Some(snap);
                e.product_name = Some(name.into());
                e.publisher = Some(publisher.into());
                e.product_version = Some(version.into());
            });
            if first && name == SOFTWARE_EOS.0 {
                b.label(
                    row,
                    Signal::EosSoftware,
                    format!("{name} is past end of support"),
                );
            }
        }
    }

    /// The bulk of a day: window focus, web visits, file work, mail, and
    /// harmless media events.
    fn background(&self, b: &mut LogBuilder<'_>, rng: &mut Rng, day: &Day) {
        let date = day.date;
        let start = i64::from(day.boot + 5) * 60;
        let end = i64::from(day.shutdown - 5) * 60;
        let total = self.config.events_per_device_day.saturating_sub(60);
        let user = b.user.to_owned();
        for _ in 0..total {
            let second = rng.range(start, end);
            let ts = local_ts(date, 0, 0).plus_secs(second);
            // Keep the lunch lock honest: nothing while the screen is locked.
            if (720 * 60..775 * 60 + 10).contains(&second) {
                continue;
            }
            let roll = rng.below(100);
            if roll < 45 {
                let (exe, path, titles) = *rng.pick(APPS);
                let title = *rng.pick(titles);
                let op = if rng.chance(0.1) { "start" } else { "focus" };
                b.push(ts, EventKind::App, op, true, |e| {
                    e.exe_name = Some(exe.into());
                    e.exe_path = Some(path.into());
                    e.window_title = Some(title.into());
                });
            } else if roll < 75 {
                let site = *rng.pick(WORK_SITES);
                let page = rng.below(500);
                b.push(ts, EventKind::Web, "visit", true, |e| {
                    e.url = Some(format!("https://{site}/page/{page}?q=<b>&x=1"));
                    e.web_domain = Some(site.into());
                    e.browser = Some("chrome".into());
                });
            } else if roll < 99 {
                if rng.chance(0.02) {
                    let n = rng.below(5000);
                    b.push(ts, EventKind::File, "read", true, |e| {
                        e.file_path = Some(format!("{CUSTOMER_PREFIX}顧客_{n:05}.xlsx"));
                        e.src_volume = Some(r"\\fs01\share".into());
                        e.src_removable = Some(false);
                        e.file_size = Some(40_000 + n as i64);
                        e.exe_name = Some("EXCEL.EXE".into());
                    });
                } else {
                    let name = *rng.pick(DOC_NAMES);
                    let n = rng.below(300);
                    let op = *rng.pick(&["read", "write", "create", "read", "write"]);
                    let size = rng.range(2_000, 3_000_000);
                    b.push(ts, EventKind::File, op, true, |e| {
                        e.file_path = Some(format!(r"C:\Users\{user}\Documents\{name}_{n}.docx"));
                        e.src_volume = Some("C:".into());
                        e.src_removable = Some(false);
                        e.file_size = Some(size);
                    });
                }
            } else {
                let to = if rng.chance(0.5) {
                    COMPANY_DOMAIN
                } else {
                    GROUP_DOMAIN
                };
                b.push(ts, EventKind::Mail, "send", true, |e| {
                    e.sender_address = Some(format!("{user}@{to}"));
                    e.sender_domain = Some(to.to_owned());
                    e.mail_client = Some("Outlook".into());
                });
            }
        }
        // Harmless peripherals and a blocked USB stick: compliant noise.
        for noise in MEDIA_NOISE {
            if rng.chance(noise.chance) {
                let ts = local_ts(date, day.boot + noise.minutes_after_boot, 0);
                b.push(ts, EventKind::Media, "connect", true, |e| {
                    e.media_class = Some(noise.class.into());
                    e.vendor_id = Some(noise.vendor_id.into());
                    e.product_id = Some(noise.product_id.into());
                    e.media_serial = noise.serial.map(Into::into);
                    e.blocked = Some(noise.blocked);
                });
            }
        }
    }

    #[allow(clippy::too_many_lines)]
    fn inject(
        &self,
        b: &mut LogBuilder<'_>,
        rng: &mut Rng,
        profile: &crate::Profile,
        day: &Day,
        inj: &Injection,
    ) {
        let date = day.date;
        let m = inj.minute;
        let at = |minute: u32, second: u32| local_ts(date, minute, second);
        let serial = format!("USB-{}", profile.device.device_id);
        let ticket = inj.ticket.clone().unwrap_or_default();
        let user = b.user.to_owned();
        match inj.signal {
            Signal::MediaAllowedOutsideWindow => {
                let i = media_connect(b, at(m, 0), &serial, false);
                b.label(
                    i,
                    inj.signal,
                    "USB mass storage allowed with no approved window",
                );
            }
            Signal::RemovableIoOutsideWindow => {
                let c = media_connect(b, at(m, 0), &serial, false);
                b.label(
                    c,
                    Signal::MediaAllowedOutsideWindow,
                    "USB mass storage allowed with no approved window",
                );
                let w = copy_to_removable(b, at(m + 1, 0), &user, 0);
                b.label(
                    w,
                    inj.signal,
                    "file copied to removable E: with no approved window",
                );
            }
            Signal::ShutterDisabledWithoutApproval => {
                let d = b.push(at(m, 0), EventKind::Shutter, "disable", true, |_| {});
                b.label(
                    d,
                    inj.signal,
                    "storage shutter disabled with no approval ticket",
                );
                b.push(at(m + 30, 0), EventKind::Shutter, "enable", true, |_| {});
            }
            Signal::MediaUseAfterWindow | Signal::BulkCopyRemovable => {
                // Approved window m..m+60; shutter re-enabled late for the
                // after-window case.
                approved_disable(b, at(m, 0), &ticket, &serial, at(m + 60, 0));
                media_connect(b, at(m + 2, 0), &serial, false);
                if inj.signal == Signal::BulkCopyRemovable {
                    let mut first = None;
                    for k in 0..150u32 {
                        let i = copy_to_removable(b, at(m + 5, k * 2), &user, k);
                        first.get_or_insert(i);
                    }
                    if let Some(i) = first {
                        b.label(
                            i,
                            inj.signal,
                            "150 files copied to removable media in 5 minutes",
                        );
                    }
                    b.push(at(m + 50, 0), EventKind::Shutter, "enable", true, |e| {
                        e.ticket_id = Some(ticket.clone());
                    });
                } else {
                    copy_to_removable(b, at(m + 10, 0), &user, 1);
                    let late = copy_to_removable(b, at(m + 70, 0), &user, 2);
                    b.label(
                        late,
                        inj.signal,
                        "file copied to removable media after the approved window",
                    );
                    b.push(at(m + 75, 0), EventKind::Shutter, "enable", true, |e| {
                        e.ticket_id = Some(ticket.clone());
                    });
                }
            }
            Signal::WindowNotClosed => {
                let d = approved_disable(b, at(m, 0), &ticket, &serial, at(m + 60, 0));
                media_connect(b, at(m + 2, 0), &serial, false);
                copy_to_removable(b, at(m + 10, 0), &user, 3);
                b.label(
                    d,
                    inj.signal,
                    "shutter not re-enabled after the approved window",
                );
            }
            Signal::UnmonitoredWindow => {
                let d = approved_disable(b, at(m, 0), &ticket, &serial, at(m + 60, 0));
                b.label(
                    d,
                    inj.signal,
                    "agent stopped during the approved window: nothing monitored",
                );
                let stop = b.push(at(m + 1, 0), EventKind::Agent, "stop", true, |e| {
                    e.detail = Some("service stopped by user".into());
                });
                b.label(stop, Signal::AgentTamper, "agent service stopped by a user");
                // The agent is down: drop what the day's rhythm put inside.
                let (from, to) = (at(m + 1, 1), at(m + 70, 0));
                b.drop_unlabelled(from, to);
                b.push(at(m + 70, 0), EventKind::Agent, "start", false, |e| {
                    e.agent_version = Some(AGENT_VERSION.into());
                });
                b.push(at(m + 71, 0), EventKind::Shutter, "enable", true, |e| {
                    e.ticket_id = Some(ticket.clone());
                });
            }
            Signal::UnregisteredNetwork | Signal::GhostDriveOffNetwork => {
                let (ssid, bssid, auth, cipher) = HOME_WIFI;
                let c = b.push(at(m, 0), EventKind::Network, "connect", false, |e| {
                    e.if_type = Some("wifi".into());
                    e.ssid = Some(ssid.into());
                    e.bssid = Some(bssid.into());
                    e.auth_method = Some(auth.into());
                    e.cipher = Some(cipher.into());
                    e.gateway_ip = Some("192.168.10.1".into());
                });
                b.label(
                    c,
                    Signal::UnregisteredNetwork,
                    format!("connected to unregistered Wi-Fi {ssid:?}"),
                );
                if inj.signal == Signal::GhostDriveOffNetwork {
                    let g = b.push(at(m + 1, 0), EventKind::GhostDrive, "mount", false, |e| {
                        e.volume_name = Some("G:".into());
                        e.if_type = Some("wifi".into());
                        e.ssid = Some(ssid.into());
                        e.bssid = Some(bssid.into());
                    });
                    b.label(
                        g,
                        inj.signal,
                        "ghost drive mounted on an unregistered network",
                    );
                }
                b.push(
                    at(m + 30, 0),
                    EventKind::Network,
                    "disconnect",
                    false,
                    |e| {
                        e.if_type = Some("wifi".into());
                    },
                );
                self.connect_office(b, rng, at(m + 31, 0), true);
            }
            Signal::WeakNetworkSecurity => {
                let (ssid, bssid, auth, cipher) = HOTEL_WIFI;
                let c = b.push(at(m, 0), EventKind::Network, "connect", false, |e| {
                    e.if_type = Some("wifi".into());
                    e.ssid = Some(ssid.into());
                    e.bssid = Some(bssid.into());
                    e.auth_method = Some(auth.into());
                    e.cipher = Some(cipher.into());
                    e.gateway_ip = Some("172.20.0.1".into());
                });
                b.label(
                    c,
                    Signal::UnregisteredNetwork,
                    format!("connected to unregistered Wi-Fi {ssid:?}"),
                );
                b.label(c, inj.signal, "open Wi-Fi without encryption");
                b.push(
                    at(m + 20, 0),
                    EventKind::Network,
                    "disconnect",
                    false,
                    |e| {
                        e.if_type = Some("wifi".into());
                    },
                );
                self.connect_office(b, rng, at(m + 21, 0), true);
            }
            Signal::UnapprovedSenderDomain => {
                let i = b.push(at(m, 0), EventKind::Mail, "send", true, |e| {
                    e.sender_address = Some(format!("{user}.private@gmail.com"));
                    e.sender_domain = Some("gmail.com".into());
                    e.mail_client = Some("Outlook".into());
                });
                b.label(i, inj.signal, "mail sent from gmail.com");
            }
            Signal::PersonalWebmail => {
                let site = WEBMAIL[2];
                let i = b.push(at(m, 0), EventKind::Web, "visit", true, |e| {
                    e.url = Some(format!("https://{site}/u/0/"));
                    e.web_domain = Some(site.into());
                    e.browser = Some("chrome".into());
                });
                b.label(i, inj.signal, format!("personal webmail {site}"));
            }
            Signal::PersonalUpload => {
                let cloud = CLOUD_STORAGE[1];
                let i = b.push(at(m, 0), EventKind::Web, "upload", true, |e| {
                    e.url = Some(format!("https://{cloud}/upload"));
                    e.web_domain = Some(cloud.into());
                    e.browser = Some("chrome".into());
                    e.bytes_sent = Some(48_000_000);
                });
                b.label(i, inj.signal, format!("48 MB uploaded to {cloud}"));
                let mail = WEBMAIL[0];
                let j = b.push(at(m + 5, 0), EventKind::Web, "upload", true, |e| {
                    e.url = Some(format!("https://{mail}/mail/u/0/#compose"));
                    e.web_domain = Some(mail.into());
                    e.browser = Some("chrome".into());
                    e.bytes_sent = Some(9_500_000);
                });
                b.label(j, inj.signal, format!("attachment uploaded to {mail}"));
                b.label(
                    j,
                    Signal::PersonalWebmail,
                    format!("personal webmail {mail}"),
                );
            }
            Signal::UnapprovedInstall => {
                let (name, publisher, version) = UNAPPROVED_SOFTWARE[0];
                let i = software(b, at(m, 0), "install", name, publisher, version, false);
                b.label(
                    i,
                    inj.signal,
                    format!("{name} installed, not approved, never removed"),
                );
                // Compliant neighbours: one blocked, one removed in time.
                let (n2, p2, v2) = UNAPPROVED_SOFTWARE[1];
                software(b, at(m + 5, 0), "install", n2, p2, v2, true);
                let (n3, p3, v3) = UNAPPROVED_SOFTWARE[2];
                software(b, at(m + 10, 0), "install", n3, p3, v3, false);
                software(b, at(m + 130, 0), "uninstall", n3, p3, v3, false);
            }
            Signal::RemoteLockNotExecuted => {
                let i = b.push(at(m, 0), EventKind::RemoteLock, "command", false, |e| {
                    e.command_id = Some(format!("LOCK-{}-{}", profile.device.device_id, day.index));
                    e.approver = Some("it-admin".into());
                });
                b.label(i, inj.signal, "remote-lock command never executed");
            }
            Signal::OffHoursActivity => {
                let start = 60 + m % 120;
                b.push(at(start, 0), EventKind::Agent, "start", false, |e| {
                    e.agent_version = Some(AGENT_VERSION.into());
                });
                let logon = b.push(at(start + 2, 0), EventKind::Session, "logon", true, |_| {});
                b.label(logon, inj.signal, "sign-in and file activity at night");
                for k in 0..20u32 {
                    b.push(at(start + 3, k * 10), EventKind::File, "read", true, |e| {
                        e.file_path = Some(format!(r"C:\Users\{user}\Documents\見積書_{k}.xlsx"));
                        e.src_volume = Some("C:".into());
                        e.src_removable = Some(false);
                    });
                }
                b.push(
                    at(start + 30, 0),
                    EventKind::Session,
                    "logoff",
                    true,
                    |_| {},
                );
            }
            Signal::AgentTamper => {
                let i = b.push(at(m, 0), EventKind::Agent, "log_clear_attempt", true, |e| {
                    e.detail = Some("wevtutil cl worklog".into());
                });
                b.label(i, inj.signal, "attempt to clear the operation log");
            }
            Signal::CustomerFileBurst => {
                let mut first = None;
                for k in 0..300u32 {
                    let i = b.push(at(m, k + k / 2), EventKind::File, "read", true, |e| {
                        e.file_path = Some(format!("{CUSTOMER_PREFIX}顧客_{k:05}.xlsx"));
                        e.src_volume = Some(r"\\fs01\share".into());
                        e.src_removable = Some(false);
                        e.exe_name = Some("robocopy.exe".into());
                    });
                    first.get_or_insert(i);
                }
                if let Some(i) = first {
                    b.label(i, inj.signal, "300 customer files read in under 8 minutes");
                }
            }
            // Planned as whole-device or whole-day conditions elsewhere.
            Signal::PortableUnencrypted
            | Signal::EosOs
            | Signal::EosSoftware
            | Signal::StalePatches
            | Signal::LogGap
            | Signal::SilentDevice
            | Signal::NoInventory => {}
        }
    }
}

/// Approved media use done right: disable with the ticket, a few copies
/// inside the window, media removed and the shutter re-enabled in time.
fn compliant_window(b: &mut LogBuilder<'_>, day: &Day, minute: u32, ticket: &str, device_id: &str) {
    let at = |m: u32, s: u32| local_ts(day.date, m, s);
    let serial = format!("USB-{device_id}");
    let user = b.user.to_owned();
    approved_disable(b, at(minute, 0), ticket, &serial, at(minute + 60, 0));
    media_connect(b, at(minute + 3, 0), &serial, false);
    for k in 0..8 {
        copy_to_removable(b, at(minute + 10, k * 20), &user, k);
    }
    b.push(
        at(minute + 40, 0),
        EventKind::Media,
        "disconnect",
        true,
        |e| {
            e.media_class = Some("mass_storage".into());
            e.media_serial = Some(serial.clone());
            e.volume_name = Some("E:".into());
        },
    );
    b.push(
        at(minute + 41, 0),
        EventKind::Shutter,
        "enable",
        true,
        |e| {
            e.ticket_id = Some(ticket.into());
        },
    );
}

fn media_connect(b: &mut LogBuilder<'_>, ts: Timestamp, serial: &str, blocked: bool) -> usize {
    b.push(ts, EventKind::Media, "connect", true, |e| {
        e.media_class = Some("mass_storage".into());
        e.vendor_id = Some("0781".into());
        e.product_id = Some("5583".into());
        e.media_serial = Some(serial.into());
        e.volume_name = Some("E:".into());
        e.blocked = Some(blocked);
    })
}

fn copy_to_removable(b: &mut LogBuilder<'_>, ts: Timestamp, user: &str, n: u32) -> usize {
    b.push(ts, EventKind::File, "copy", true, |e| {
        e.file_path = Some(format!(r"C:\Users\{user}\Documents\提案書_{n}.docx"));
        e.target_path = Some(format!(r"E:\提案書_{n}.docx"));
        e.src_volume = Some("C:".into());
        e.dst_volume = Some("E:".into());
        e.src_removable = Some(false);
        e.dst_removable = Some(true);
        e.file_size = Some(120_000 + i64::from(n));
        e.exe_name = Some("explorer.exe".into());
    })
}

fn approved_disable(
    b: &mut LogBuilder<'_>,
    ts: Timestamp,
    ticket: &str,
    serial: &str,
    end: Timestamp,
) -> usize {
    b.push(ts, EventKind::Shutter, "disable", true, |e| {
        e.ticket_id = Some(ticket.into());
        e.approver = Some("it-admin".into());
        e.window_start = Some(ts);
        e.window_end = Some(end);
        e.media_serial = Some(serial.into());
    })
}

fn software(
    b: &mut LogBuilder<'_>,
    ts: Timestamp,
    op: &str,
    name: &str,
    publisher: &str,
    version: &str,
    blocked: bool,
) -> usize {
    b.push(ts, EventKind::Software, op, true, |e| {
        e.product_name = Some(name.into());
        e.publisher = Some(publisher.into());
        e.product_version = Some(version.into());
        e.elevated = Some(true);
        e.blocked = Some(blocked);
    })
}
