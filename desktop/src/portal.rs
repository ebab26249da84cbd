//! The portal in the app: what arrived from patients, told to the frontend
//! as an event (counts by kind and the clients concerned, never content),
//! and where the relay's patient pages are.

use bloom_core::assessment::Instrument;
use bloom_core::records::{assessment, client, portal};
use bloom_core::vault::{Vault, VaultError};
use serde::Serialize;
use tauri::{AppHandle, Emitter};

/// The event the frontend listens to for news from the portal.
const NEWS_EVENT: &str = "portal-received";
/// The relay's web address as patients reach it (`https://relay.example`),
/// for invite links. Bloom knows only the relay's QUIC address from the
/// enrollment, so without it the app shows the link's path alone.
pub const WEB_URL_ENV: &str = "BLOOM_PORTAL_URL";

/// What one inbox page brought, by kind.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PortalNews {
    pub messages: u32,
    pub requests: u32,
    pub forms: u32,
    pub assessments: u32,
    /// Clients whose portal questionnaire raised the safety alert.
    pub safety_alerts: Vec<String>,
}

impl PortalNews {
    /// Sorts stored records by their id's kind (the portal names them
    /// `portal-msg-…`, `portal-booking-…`, `portal-form-…`,
    /// `portal-assessment-…`); `alert_clients` are the clients of safety
    /// alerts.
    pub fn of(received: &portal::Received, alert_clients: Vec<String>) -> PortalNews {
        let mut news = PortalNews {
            safety_alerts: alert_clients,
            ..PortalNews::default()
        };
        for id in &received.stored {
            if id.starts_with("portal-msg-") {
                news.messages += 1;
            } else if id.starts_with("portal-booking-") {
                news.requests += 1;
            } else if id.starts_with("portal-form-") {
                news.forms += 1;
            } else if id.starts_with("portal-assessment-") {
                news.assessments += 1;
            }
        }
        news
    }

    pub fn total(&self) -> u32 {
        self.messages + self.requests + self.forms + self.assessments
    }

    pub fn is_empty(&self) -> bool {
        self.total() == 0 && self.safety_alerts.is_empty()
    }
}

/// The clients whose PHQ-9 records are among `alerts` (record ids).
pub fn alert_clients(vault: &mut Vault, alerts: &[String]) -> Result<Vec<String>, VaultError> {
    if alerts.is_empty() {
        return Ok(vec![]);
    }
    let mut out = vec![];
    for c in client::list_clients(vault)? {
        if portal::portal_id(vault, &c.id)?.is_none() {
            continue;
        }
        let scores = assessment::scores_over_time(vault, &c.id, Instrument::Phq9)?;
        if scores.iter().any(|s| alerts.contains(&s.assessment_id)) {
            out.push(c.id);
        }
    }
    Ok(out)
}

/// Tells the frontend, and the OS (naming no one: it can show on a locked
/// screen), that patients sent something.
pub fn announce(app: &AppHandle, news: &PortalNews) {
    if let Err(e) = app.emit(NEWS_EVENT, news) {
        tracing::warn!(error = %e, "cannot emit portal news");
    }
    use tauri_plugin_notification::NotificationExt;
    let body = if news.safety_alerts.is_empty() {
        "New from the patient portal."
    } else {
        "A questionnaire from the portal needs your attention."
    };
    let shown = app
        .notification()
        .builder()
        .title("Bloom")
        .body(body)
        .show();
    if let Err(e) = shown {
        tracing::warn!(error = %e, "cannot show a notification");
    }
}

/// The relay's web address for patients, if configured (no trailing `/`).
pub fn web_url() -> Option<String> {
    std::env::var(WEB_URL_ENV)
        .ok()
        .map(|u| u.trim().trim_end_matches('/').to_owned())
        .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
}

/// The path of an invite link on the relay.
pub fn signup_path(token: &str) -> String {
    format!("/signup/{token}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn news_counts_records_by_kind() {
        let received = portal::Received {
            done: vec!["a".into(), "b".into(), "c".into()],
            stored: vec![
                "portal-msg-1".into(),
                "portal-msg-2".into(),
                "portal-booking-3".into(),
                "portal-form-4".into(),
                "portal-assessment-5".into(),
            ],
            safety_alerts: vec!["portal-assessment-5".into()],
            failed: 0,
        };
        let news = PortalNews::of(&received, vec!["c1".into()]);
        assert_eq!(
            (news.messages, news.requests, news.forms, news.assessments),
            (2, 1, 1, 1)
        );
        assert_eq!(news.total(), 5);
        assert!(!news.is_empty());
        assert!(PortalNews::of(&portal::Received::default(), vec![]).is_empty());
        assert_eq!(signup_path("ab"), "/signup/ab");
    }
}
