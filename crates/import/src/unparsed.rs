//! A record an importer could not read, and where in its file it is: what
//! the summary lists and the reject file holds.

use std::fmt;

use serde::Serialize;

/// Where in a file a record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Place {
    /// A text line, from 1 (a CSV row: the line it starts on).
    Line(u64),
    /// An element of a JSON answer's array (Graph's `value`, the Defender
    /// API's `Results`), from 1.
    Item(u64),
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Line(n) => write!(f, "line {n}"),
            Place::Item(n) => write!(f, "item {n}"),
        }
    }
}

/// A record (or the whole file, with no place) that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unparsed {
    /// Where it is; none when the reason is the file's (unreadable, of
    /// another layout) or the parser's own (an EVTX chunk).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub place: Option<Place>,
    /// Why, in words a user can act on.
    pub reason: String,
}

impl Unparsed {
    /// The record at `place`.
    pub fn at(place: Place, reason: impl Into<String>) -> Self {
        Unparsed {
            place: Some(place),
            reason: reason.into(),
        }
    }

    /// The file's, or a record the parser cannot place.
    pub fn file(reason: impl Into<String>) -> Self {
        Unparsed {
            place: None,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for Unparsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.place {
            Some(place) => write!(f, "{place}: {}", self.reason),
            None => f.write_str(&self.reason),
        }
    }
}
