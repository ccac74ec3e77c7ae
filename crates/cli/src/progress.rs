//! Progress on stderr: a spinner for stages, a bar over the analysis's
//! partitions. Nothing when stderr is not a terminal or with `--quiet`.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};
use worklog::rules::Progress;

/// A spinner on stderr when it is a terminal and not `--quiet`.
pub(crate) fn spinner(quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

/// Shows the analysis's progress on `bar`: a bar over the partitions, with
/// the events read so far; a device over the memory budget is said above
/// the bar (and in the output, when stderr is not shown).
pub(crate) fn show_analysis(bar: &ProgressBar, progress: Progress) {
    match progress {
        Progress::Planned {
            partitions,
            devices,
            events,
        } => {
            bar.set_length(partitions as u64);
            bar.set_position(0);
            if let Ok(style) = ProgressStyle::with_template(
                "{spinner} analysing {wide_bar} {pos}/{len} partitions {msg} ({elapsed})",
            ) {
                bar.set_style(style);
            }
            bar.set_message(format!("— {devices} devices, up to {events} events"));
        }
        Progress::OverBudget {
            device_id,
            events,
            budget_events,
        } => {
            let line = format!(
                "warning: device {device_id} has up to {events} events in the period, more than the {budget_events} a partition holds under --memory; it is analysed alone, above the budget (raise --memory, or analyse a shorter period)"
            );
            if bar.is_hidden() {
                eprintln!("{line}");
            } else {
                bar.println(line);
            }
        }
        Progress::PartitionDone { events, .. } => {
            bar.inc(1);
            bar.set_message(format!("— last read {events} events"));
        }
        _ => {}
    }
}
