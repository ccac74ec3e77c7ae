//! The weekly chart as inline SVG: per item, the devices with findings in
//! each week of the period.

use serde::Serialize;

use crate::messages::Messages;
use crate::model::ReportModel;

#[derive(Serialize)]
pub(super) struct Bar {
    x: u32,
    y: u32,
    w: u32,
    h: u32,
    color: &'static str,
    label: String,
}

#[derive(Serialize)]
pub(super) struct Label {
    x: u32,
    y: u32,
    text: String,
}

#[derive(Serialize)]
pub(super) struct SvgChart {
    width: u32,
    height: u32,
    bars: Vec<Bar>,
    labels: Vec<Label>,
}

/// A grouped bar chart of devices with findings per week and item.
pub(super) fn chart(model: &ReportModel<'_>, m: &Messages) -> Option<SvgChart> {
    const COLORS: [&str; 8] = [
        "#c0392b", "#2b6cb0", "#2f855a", "#b7791f", "#6b46c1", "#319795", "#d53f8c", "#4a5568",
    ];
    let w = &model.weekly;
    if w.items.is_empty() || w.weeks.is_empty() {
        return None;
    }
    let max = w.counts.iter().flatten().copied().max().unwrap_or(1).max(1);
    let (plot_h, bar_w, gap) = (160u32, 10u32, 14u32);
    let group_w = bar_w * w.items.len() as u32 + gap;
    let width = 40 + group_w * w.weeks.len() as u32 + 120;
    let mut bars = Vec::new();
    let mut labels = Vec::new();
    for (week_index, week) in w.weeks.iter().enumerate() {
        let x0 = 40 + group_w * week_index as u32;
        for (item_index, counts) in w.counts.iter().enumerate() {
            let n = counts.get(week_index).copied().unwrap_or(0);
            let h = (n.saturating_mul(u64::from(plot_h)) / max) as u32;
            bars.push(Bar {
                x: x0 + bar_w * item_index as u32,
                y: 10 + plot_h - h,
                w: bar_w - 1,
                h,
                color: COLORS[item_index % COLORS.len()],
                label: format!("{} {}: {}", w.items[item_index], week, m.number(n)),
            });
        }
        labels.push(Label {
            x: x0,
            y: plot_h + 24,
            text: week.get(5..).unwrap_or(week).to_owned(),
        });
    }
    for (item_index, item) in w.items.iter().enumerate() {
        let y = 20 + 14 * item_index as u32;
        bars.push(Bar {
            x: width - 100,
            y: y - 9,
            w: 10,
            h: 10,
            color: COLORS[item_index % COLORS.len()],
            label: item.clone(),
        });
        labels.push(Label {
            x: width - 85,
            y,
            text: item.clone(),
        });
    }
    labels.push(Label {
        x: 0,
        y: 18,
        text: m.number(max),
    });
    Some(SvgChart {
        width,
        height: plot_h + 34,
        bars,
        labels,
    })
}
