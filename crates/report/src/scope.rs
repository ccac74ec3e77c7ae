//! What the report judges: the catalog's items, and the numbers of the
//! standard's range that the catalog does not hold (said, never silently
//! absent).

use worklog_model::{Analysis, list_separator};

use crate::messages::Messages;

/// The items judged, sub-items in brackets, and the numbers between the
/// first and the last item that the catalog does not hold, in words:
/// 「108、109、119、…、125(125-1、125-2)(ログで判定)。108〜125 のうち
/// 110〜118、121、122 はこの設問カタログになく、判定していない」.
pub fn scope_text(analysis: &Analysis, m: &Messages) -> String {
    let sep = list_separator(m.language());
    let range_sep = m.get("range_sep");
    let judged: Vec<String> = analysis
        .items
        .iter()
        .filter(|i| i.parent.is_none())
        .map(|i| {
            let children: Vec<&str> = analysis
                .items
                .iter()
                .filter(|c| c.parent.as_deref() == Some(i.number.as_str()))
                .map(|c| c.number.as_str())
                .collect();
            if children.is_empty() {
                i.number.clone()
            } else {
                m.fill(
                    "with_sub_items",
                    &[("item", i.number.clone()), ("subs", children.join(sep))],
                )
            }
        })
        .collect();
    let numbers: Vec<u32> = analysis
        .items
        .iter()
        .filter(|i| i.parent.is_none())
        .filter_map(|i| i.number.parse().ok())
        .collect();
    let judged = judged.join(sep);
    let (Some(&first), Some(&last)) = (numbers.iter().min(), numbers.iter().max()) else {
        return m.fill("scope_all", &[("judged", judged)]);
    };
    let missing: Vec<u32> = (first..=last).filter(|n| !numbers.contains(n)).collect();
    if missing.is_empty() {
        return m.fill("scope_all", &[("judged", judged)]);
    }
    let text = m.fill(
        "scope_text",
        &[
            ("judged", judged),
            ("range", format!("{first}{range_sep}{last}")),
            ("not_judged", runs(&missing, sep, range_sep)),
        ],
    );
    match &analysis.manifest.edition_info {
        Some(edition) => m.fill(
            "scope_not_judged_why",
            &[
                ("text", text),
                ("why", edition.not_judged(m.language()).to_owned()),
            ],
        ),
        None => text,
    }
}

/// Numbers with runs of three or more written as `a〜b`.
fn runs(numbers: &[u32], sep: &str, range_sep: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < numbers.len() {
        let mut j = i;
        while j + 1 < numbers.len() && numbers[j + 1] == numbers[j] + 1 {
            j += 1;
        }
        if j - i >= 2 {
            out.push(format!("{}{range_sep}{}", numbers[i], numbers[j]));
        } else {
            out.extend(numbers[i..=j].iter().map(ToString::to_string));
        }
        i = j + 1;
    }
    out.join(sep)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_of_three_or_more_are_ranges() {
        assert_eq!(
            runs(&[110, 111, 112, 121, 122, 130], "、", "〜"),
            "110〜112、121、122、130"
        );
        assert_eq!(runs(&[], "、", "〜"), "");
    }
}
