//! The relay connection status the desktop shows in its status bar.

use serde::{Deserialize, Serialize};

use crate::Code;

/// Where the device stands with its relay.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum RelayStatus {
    /// No relay address is configured; the app works offline only.
    NotConfigured,
    /// A connection attempt is under way.
    Connecting { relay: String },
    /// Connected and answering pings.
    Connected {
        relay: String,
        practice: String,
        /// Round trip of the last ping, in microseconds.
        round_trip_us: u64,
    },
    /// Connected and exchanging records: `pending` local changes still to
    /// upload, `behind` whether the relay has entries not yet received.
    Syncing {
        relay: String,
        practice: String,
        pending: u64,
        behind: bool,
    },
    /// Not connected; `code` says why, and the app retries on its own.
    Offline { relay: String, code: Code },
    /// Sync cannot go on without someone acting (revoked device, not
    /// enrolled, over quota); editing still works and changes stay queued.
    Error { relay: String, code: Code },
}

impl RelayStatus {
    /// The short machine name of the state, as used in the UI's `data-state`.
    pub fn state(&self) -> &'static str {
        match self {
            RelayStatus::NotConfigured => "not_configured",
            RelayStatus::Connecting { .. } => "connecting",
            RelayStatus::Connected { .. } => "connected",
            RelayStatus::Syncing { .. } => "syncing",
            RelayStatus::Offline { .. } => "offline",
            RelayStatus::Error { .. } => "error",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_serializes_with_a_state_tag_and_stable_code() {
        let s = RelayStatus::Offline {
            relay: "127.0.0.1:4433".into(),
            code: Code::RelayUnreachable,
        };
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(
            json,
            r#"{"state":"offline","relay":"127.0.0.1:4433","code":"relay.unreachable"}"#
        );
        let back: RelayStatus = serde_json::from_str(&json).unwrap();
        assert_eq!(back, s);
        assert_eq!(back.state(), "offline");
    }

    #[test]
    fn unknown_code_in_status_is_an_error_not_a_panic() {
        let r: Result<RelayStatus, _> =
            serde_json::from_str(r#"{"state":"offline","relay":"x","code":"nope"}"#);
        assert!(r.is_err());
    }
}
