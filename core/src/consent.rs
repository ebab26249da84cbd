//! Consents: granular, append-only, revocable. Revoking is a new record, never
//! an edit; one question — "is X consented at time T?" — answers every feature
//! that needs consent (ML analysis, portal publication, sharing).

use serde::{Deserialize, Serialize};

/// What a client can consent to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConsentKind {
    Treatment,
    Telehealth,
    /// On-device ML analysis of what the client writes.
    MlAnalysis,
    SupervisorSharing,
    PortalUse,
}

impl ConsentKind {
    pub const ALL: [ConsentKind; 5] = [
        ConsentKind::Treatment,
        ConsentKind::Telehealth,
        ConsentKind::MlAnalysis,
        ConsentKind::SupervisorSharing,
        ConsentKind::PortalUse,
    ];

    /// The stable name stored in documents.
    pub fn as_str(self) -> &'static str {
        match self {
            ConsentKind::Treatment => "treatment",
            ConsentKind::Telehealth => "telehealth",
            ConsentKind::MlAnalysis => "ml-analysis",
            ConsentKind::SupervisorSharing => "supervisor-sharing",
            ConsentKind::PortalUse => "portal-use",
        }
    }

    pub fn parse(s: &str) -> Option<ConsentKind> {
        ConsentKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConsentAction {
    Granted,
    Revoked,
}

/// One entry of a client's consent history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentRecord {
    pub kind: ConsentKind,
    pub action: ConsentAction,
    /// When it takes effect (UTC milliseconds).
    pub at_ms: i64,
    /// Who recorded it (therapist or, through the portal, the client).
    pub recorded_by: String,
}

/// A client's consent history. Records are only ever added; merged copies
/// from several devices are just more records.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentLog {
    records: Vec<ConsentRecord>,
}

impl ConsentLog {
    pub fn new() -> ConsentLog {
        ConsentLog::default()
    }

    pub fn record(&mut self, record: ConsentRecord) {
        self.records.push(record);
    }

    pub fn records(&self) -> &[ConsentRecord] {
        &self.records
    }

    /// Whether `kind` is consented at `at_ms`: the latest record for it at or
    /// before that time is a grant. With no record, nothing is consented. Two
    /// records at the same instant resolve to revoked: when in doubt, no data
    /// flows.
    pub fn is_consented(&self, kind: ConsentKind, at_ms: i64) -> bool {
        self.records
            .iter()
            .filter(|r| r.kind == kind && r.at_ms <= at_ms)
            .max_by_key(|r| (r.at_ms, r.action == ConsentAction::Revoked))
            .is_some_and(|r| r.action == ConsentAction::Granted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(kind: ConsentKind, action: ConsentAction, at_ms: i64) -> ConsentRecord {
        ConsentRecord {
            kind,
            action,
            at_ms,
            recorded_by: "Dr A".into(),
        }
    }

    #[test]
    fn kind_names_round_trip_and_match_serde() {
        for kind in ConsentKind::ALL {
            assert_eq!(ConsentKind::parse(kind.as_str()), Some(kind));
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
        }
    }

    #[test]
    fn nothing_is_consented_until_granted() {
        let log = ConsentLog::new();
        assert!(!log.is_consented(ConsentKind::MlAnalysis, i64::MAX));
    }

    #[test]
    fn a_grant_holds_until_revoked_and_history_is_kept() {
        let mut log = ConsentLog::new();
        log.record(rec(ConsentKind::MlAnalysis, ConsentAction::Granted, 100));
        log.record(rec(ConsentKind::MlAnalysis, ConsentAction::Revoked, 200));
        assert!(!log.is_consented(ConsentKind::MlAnalysis, 99));
        assert!(log.is_consented(ConsentKind::MlAnalysis, 150));
        assert!(!log.is_consented(ConsentKind::MlAnalysis, 250));
        // Other kinds are independent.
        assert!(!log.is_consented(ConsentKind::PortalUse, 150));
        assert_eq!(log.records().len(), 2);
    }

    #[test]
    fn merged_records_in_any_order_give_the_same_answer() {
        let a = rec(ConsentKind::Telehealth, ConsentAction::Granted, 100);
        let b = rec(ConsentKind::Telehealth, ConsentAction::Revoked, 300);
        let c = rec(ConsentKind::Telehealth, ConsentAction::Granted, 200);
        let orders = [[&a, &b, &c], [&c, &b, &a], [&b, &a, &c]];
        for order in orders {
            let mut log = ConsentLog::new();
            for r in order {
                log.record((*r).clone());
            }
            assert!(log.is_consented(ConsentKind::Telehealth, 250));
            assert!(!log.is_consented(ConsentKind::Telehealth, 300));
        }
    }

    #[test]
    fn a_tie_between_grant_and_revoke_is_a_revoke() {
        let mut log = ConsentLog::new();
        log.record(rec(ConsentKind::PortalUse, ConsentAction::Revoked, 100));
        log.record(rec(ConsentKind::PortalUse, ConsentAction::Granted, 100));
        assert!(!log.is_consented(ConsentKind::PortalUse, 100));
    }
}
