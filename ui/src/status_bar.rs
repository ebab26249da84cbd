//! The status bar's relay indicator.

use bloom_core::Code;
use bloom_core::sync::status::RelayStatus;
use dioxus::prelude::*;

use crate::i18n::{I18n, use_i18n};

/// The sentence the status bar shows for a relay status.
pub fn relay_status_text(i18n: &I18n, status: &RelayStatus) -> String {
    match status {
        RelayStatus::NotConfigured => i18n.t("relay-not-configured"),
        RelayStatus::Connecting { relay } => i18n.t_args("relay-connecting", &[("relay", relay)]),
        RelayStatus::Connected {
            relay, practice, ..
        } => i18n.t_args(
            "relay-connected",
            &[("relay", relay.as_str()), ("practice", practice.as_str())],
        ),
        RelayStatus::Syncing {
            practice, pending, ..
        } => {
            let pending = pending.to_string();
            i18n.t_args(
                "relay-syncing",
                &[
                    ("practice", practice.as_str()),
                    ("pending", pending.as_str()),
                ],
            )
        }
        RelayStatus::Error { code, .. } => {
            let reason = match code {
                Code::SyncDeviceRevoked => i18n.t("relay-reason-revoked"),
                Code::SyncNotEnrolled => i18n.t("relay-reason-not-enrolled"),
                Code::SyncQuota => i18n.t("relay-reason-quota"),
                other => i18n.t_args("relay-reason-other", &[("code", other.as_str())]),
            };
            i18n.t_args("relay-error", &[("reason", reason.as_str())])
        }
        RelayStatus::Offline { code, .. } => {
            let reason = match code {
                Code::RelayUnreachable => i18n.t("relay-reason-relay-unreachable"),
                Code::RelayPinMismatch => i18n.t("relay-reason-relay-pin-mismatch"),
                Code::RelayProtocol => i18n.t("relay-reason-relay-protocol"),
                Code::RelayRefused => i18n.t("relay-reason-relay-refused"),
                other => i18n.t_args("relay-reason-other", &[("code", other.as_str())]),
            };
            i18n.t_args("relay-offline", &[("reason", reason.as_str())])
        }
    }
}

/// Shows where the device stands with its relay. `data-state` carries the
/// machine-readable state for styling and tests.
#[component]
pub fn RelayIndicator(status: RelayStatus) -> Element {
    let i18n = use_i18n();
    let text = relay_status_text(&i18n, &status);
    rsx! {
        div { class: "relay-indicator", role: "status", "aria-live": "polite",
            span { class: "relay-dot", "data-state": status.state() }
            span { class: "relay-label", {i18n.t("relay-label")} ": " }
            span { id: "relay-status", "data-state": status.state(), {text} }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locale;

    #[test]
    fn every_state_has_a_readable_sentence() {
        let en = I18n::new(Locale::En);
        let relay = "127.0.0.1:4433".to_owned();
        let cases = [
            (RelayStatus::NotConfigured, "offline"),
            (
                RelayStatus::Connecting {
                    relay: relay.clone(),
                },
                "127.0.0.1:4433",
            ),
            (
                RelayStatus::Connected {
                    relay: relay.clone(),
                    practice: "Demo Practice".into(),
                    round_trip_us: 300,
                },
                "Connected to Demo Practice",
            ),
            (
                RelayStatus::Offline {
                    relay: relay.clone(),
                    code: Code::RelayPinMismatch,
                },
                "certificate does not match",
            ),
            (
                RelayStatus::Offline {
                    relay,
                    code: Code::FrameMalformed,
                },
                "frame.malformed",
            ),
        ];
        for (status, expected) in cases {
            let text = relay_status_text(&en, &status);
            assert!(text.contains(expected), "{status:?} -> {text}");
            assert!(!text.contains("relay-"), "missing message in {text}");
        }
    }

    #[test]
    fn indicator_renders_state_attribute() {
        let html = dioxus_ssr::render_element(rsx! {
            RelayIndicator { status: RelayStatus::NotConfigured }
        });
        assert!(html.contains(r#"id="relay-status""#), "{html}");
        assert!(html.contains(r#"data-state="not_configured""#), "{html}");
    }
}
