//! The fill of each verdict and overall state, one palette for the
//! workbook and the binder (the page's CSS mirrors it).

use worklog_model::Verdict;

use crate::headline::Overall;

/// A verdict's fill, `0xRRGGBB`.
pub(crate) fn verdict_fill(verdict: Verdict) -> u32 {
    match verdict {
        Verdict::Fail => 0xF8_CBAD,
        Verdict::InsufficientEvidence => 0xFF_E699,
        Verdict::NeedsReview => 0xBD_D7EE,
        Verdict::Pass => 0xC6_EFCE,
        _ => 0xD9_D9D9,
    }
}

/// An overall state's fill: that of the verdict it stands for.
pub(crate) fn state_fill(state: Overall) -> u32 {
    verdict_fill(match state {
        Overall::Integrity | Overall::Fail => Verdict::Fail,
        Overall::Insufficient => Verdict::InsufficientEvidence,
        Overall::Review => Verdict::NeedsReview,
        Overall::Ok => Verdict::Pass,
    })
}
