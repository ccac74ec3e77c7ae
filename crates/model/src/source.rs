//! Where an event's evidence came from, by family: the event's `source`
//! column names the importer and its channel or table
//! (`evtx:Security`, `defender:deviceevents`); the agent's own events have
//! none.

use serde::{Deserialize, Serialize};

/// The family of an event's `source`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SourceFamily {
    /// The agent (hash-chained at the PC): no `source`.
    Agent,
    /// Windows event logs (`evtx:<channel>`).
    Evtx,
    /// osquery result logs (`osquery:<query>`).
    Osquery,
    /// Exchange Online message trace (`exchange:…`).
    Exchange,
    /// Intune managed devices (`intune:…`).
    Intune,
    /// Defender for Endpoint advanced hunting (`defender:<table>`).
    Defender,
    /// A web proxy's access log (`squid:…`).
    Proxy,
    /// Any other collector's own JSON Lines or CSV (its own `source`).
    Collector,
}

impl SourceFamily {
    /// Every family, in the order reports list them.
    pub const ALL: [SourceFamily; 8] = [
        SourceFamily::Agent,
        SourceFamily::Evtx,
        SourceFamily::Osquery,
        SourceFamily::Exchange,
        SourceFamily::Intune,
        SourceFamily::Defender,
        SourceFamily::Proxy,
        SourceFamily::Collector,
    ];

    /// The family of a `source` value (its part before `:`).
    pub fn of(source: Option<&str>) -> SourceFamily {
        let Some(source) = source.map(str::trim).filter(|s| !s.is_empty()) else {
            return SourceFamily::Agent;
        };
        let prefix = source.split(':').next().unwrap_or(source);
        match prefix.to_ascii_lowercase().as_str() {
            "evtx" => SourceFamily::Evtx,
            "osquery" => SourceFamily::Osquery,
            "exchange" => SourceFamily::Exchange,
            "intune" => SourceFamily::Intune,
            "defender" => SourceFamily::Defender,
            "squid" | "proxy" => SourceFamily::Proxy,
            _ => SourceFamily::Collector,
        }
    }

    /// The identifier (`evtx`, `defender`, …), as serialised.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceFamily::Agent => "agent",
            SourceFamily::Evtx => "evtx",
            SourceFamily::Osquery => "osquery",
            SourceFamily::Exchange => "exchange",
            SourceFamily::Intune => "intune",
            SourceFamily::Defender => "defender",
            SourceFamily::Proxy => "proxy",
            SourceFamily::Collector => "collector",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_by_the_source_prefix() {
        assert_eq!(SourceFamily::of(None), SourceFamily::Agent);
        assert_eq!(SourceFamily::of(Some(" ")), SourceFamily::Agent);
        assert_eq!(SourceFamily::of(Some("evtx:Security")), SourceFamily::Evtx);
        assert_eq!(
            SourceFamily::of(Some("defender:deviceevents")),
            SourceFamily::Defender
        );
        assert_eq!(SourceFamily::of(Some("squid:access")), SourceFamily::Proxy);
        assert_eq!(SourceFamily::of(Some("skysea")), SourceFamily::Collector);
        for f in SourceFamily::ALL {
            assert_eq!(
                serde_json::to_string(&f).unwrap(),
                format!("\"{}\"", f.as_str())
            );
        }
    }
}
