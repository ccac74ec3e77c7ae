//! Which event columns a pack reads: only those are loaded into memory.

use std::collections::BTreeSet;

use crate::engine::Columns;
use crate::rule::Rule;

/// Columns the analysis itself reads (statistics, partitioning).
const ALWAYS: &[&str] = &["device_id", "kind", "ts", "seq", "source"];

/// The `events` columns any of `rules` may read: every event column whose
/// name appears as a word in some rule's SQL, plus those the statistics
/// need; every column when a rule may select `*` (`COUNT(*)` reads none).
pub(crate) fn used_columns(rules: &[&Rule]) -> Columns {
    let star = rules.iter().any(|r| {
        let compact: String = r
            .sql
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        compact.replace("count(*)", "").contains('*')
    });
    if star {
        return Columns::All;
    }
    let words: BTreeSet<&str> = rules
        .iter()
        .flat_map(|r| {
            r.sql
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .filter(|w| !w.is_empty())
        })
        .collect();
    let schema = worklog_schema::event_schema();
    Columns::Named(
        schema
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .chain(std::iter::once("local_ts"))
            .filter(|name| ALWAYS.contains(name) || words.contains(name))
            .map(str::to_owned)
            .collect(),
    )
}
