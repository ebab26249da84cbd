//! Commands of the patient portal: the Portal section (booking requests,
//! the inbox, publishing availability) and the chart's Portal tab (invite,
//! the thread, forms, the shared safety plan). The work is in
//! `bloom_core::records::portal`; what arrives is announced by
//! `crate::portal`.

use bloom_core::consent::ConsentKind;
use bloom_core::portal::FormKind;
use bloom_core::records::client;
use bloom_core::records::portal::{self, BookingRequestView, FormSubmissionView, MessageView};
use bloom_core::vault::{Vault, VaultError};
use chrono::NaiveDate;
use serde::Serialize;
use tauri::State;

use super::CommandError;
use crate::vault::VaultHolder;

/// The client has not consented to the portal (stable code; core says
/// `input.invalid` with a sentence).
const NO_CONSENT: &str = "portal.no_consent";
/// The client was never invited to the portal.
const NOT_INVITED: &str = "portal.not_invited";

fn refused(code: &'static str, message: &str) -> CommandError {
    CommandError {
        code,
        message: message.into(),
    }
}

/// What the Portal nav item's badge counts.
#[derive(Clone, Debug, Serialize)]
pub struct PortalBadge {
    /// Unread client messages.
    pub unread: u32,
    /// Booking requests waiting for an answer.
    pub pending: u32,
}

/// A booking request with the client's name, for the list.
#[derive(Clone, Debug, Serialize)]
pub struct BookingRow {
    pub request: BookingRequestView,
    pub client_name: String,
}

/// One client's thread in the inbox.
#[derive(Clone, Debug, Serialize)]
pub struct ThreadRow {
    pub client_id: String,
    pub client_name: String,
    pub unread: u32,
    pub messages: u32,
    pub last_ms: i64,
}

/// The Portal section.
#[derive(Clone, Debug, Serialize)]
pub struct PortalOverview {
    pub requests: Vec<BookingRow>,
    pub threads: Vec<ThreadRow>,
    pub badge: PortalBadge,
    /// Publications not sent to the relay yet.
    pub outbox: u64,
}

/// The chart's Portal tab.
#[derive(Clone, Debug, Serialize)]
pub struct PortalClientView {
    pub consented: bool,
    pub invited: bool,
    pub portal_id: Option<String>,
    pub messages: Vec<MessageView>,
    pub forms: Vec<FormSubmissionView>,
    /// Messages this read marked read (the badge may change).
    pub marked_read: u32,
}

/// An invite to show once: the link (or only its path, when the relay's
/// web address is not configured). Holds a one-time token: never logged.
#[derive(Serialize)]
pub struct InviteView {
    pub link: String,
    /// `false`: `link` is only the path, to append to the relay's address.
    pub full: bool,
    pub portal_id: String,
    pub expires_ms: i64,
}

/// What publishing availability did.
#[derive(Clone, Debug, Serialize)]
pub struct PublishedView {
    pub slots: usize,
    pub first_ms: Option<i64>,
    pub last_ms: Option<i64>,
}

fn pending_requests(v: &mut Vault) -> Result<u32, VaultError> {
    Ok(portal::booking_requests(v)?
        .iter()
        .filter(|r| r.kind == "request" && r.status == "pending")
        .count() as u32)
}

fn badge(v: &mut Vault) -> Result<PortalBadge, VaultError> {
    Ok(PortalBadge {
        unread: portal::unread_count(v)?,
        pending: pending_requests(v)?,
    })
}

#[tauri::command(async)]
pub fn portal_badge(vault: State<'_, VaultHolder>) -> Result<PortalBadge, CommandError> {
    vault.vault(badge)
}

#[tauri::command(async)]
pub fn portal_overview(vault: State<'_, VaultHolder>) -> Result<PortalOverview, CommandError> {
    vault.vault(|v| {
        let clients = client::list_clients(v)?;
        let name = |id: &str| {
            clients
                .iter()
                .find(|c| c.id == id)
                .map(|c| c.display_name.clone())
                .unwrap_or_default()
        };
        let requests = portal::booking_requests(v)?
            .into_iter()
            .map(|r| BookingRow {
                client_name: name(&r.client_id),
                request: r,
            })
            .collect();
        // Core has no per-client thread summary: read each invited
        // client's thread.
        let mut threads = vec![];
        for c in &clients {
            if portal::portal_id(v, &c.id)?.is_none() {
                continue;
            }
            let thread = portal::thread(v, &c.id)?;
            if thread.is_empty() {
                continue;
            }
            threads.push(ThreadRow {
                client_id: c.id.clone(),
                client_name: c.display_name.clone(),
                unread: thread.iter().filter(|m| m.unread).count() as u32,
                messages: thread.len() as u32,
                last_ms: thread.iter().map(|m| m.sent_ms).max().unwrap_or(0),
            });
        }
        threads.sort_by_key(|t| (t.unread == 0, std::cmp::Reverse(t.last_ms)));
        Ok(PortalOverview {
            requests,
            threads,
            badge: badge(v)?,
            outbox: portal::pending(v)?,
        })
    })
}

/// Publishes the slots of `days` days from `from` (`YYYY-MM-DD`) within
/// the calendar's working hours, and the cancel notice.
#[tauri::command(async)]
pub fn publish_availability(
    from: String,
    days: u32,
    notice_hours: u32,
    vault: State<'_, VaultHolder>,
) -> Result<PublishedView, CommandError> {
    let from = NaiveDate::parse_from_str(from.trim(), "%Y-%m-%d")
        .map_err(|_| refused("input.invalid", "the date must be YYYY-MM-DD"))?;
    let slots = vault.vault(|v| portal::publish_availability(v, from, days, notice_hours))?;
    Ok(PublishedView {
        slots: slots.len(),
        first_ms: slots.iter().map(|s| s.start_ms).min(),
        last_ms: slots.iter().map(|s| s.start_ms).max(),
    })
}

#[tauri::command(async)]
pub fn decide_booking(
    id: String,
    accept: bool,
    vault: State<'_, VaultHolder>,
) -> Result<BookingRequestView, CommandError> {
    vault.vault(|v| portal::decide_booking(v, &id, accept))
}

/// The chart's Portal tab. Opening it marks the client's messages read.
#[tauri::command(async)]
pub fn portal_client(
    client_id: String,
    vault: State<'_, VaultHolder>,
) -> Result<PortalClientView, CommandError> {
    vault.vault(|v| {
        let consented = client::is_consented(v, &client_id, ConsentKind::PortalUse)?;
        let portal_id = portal::portal_id(v, &client_id)?.map(|p| p.as_str().to_owned());
        let mut messages = portal::thread(v, &client_id)?;
        let mut marked_read = 0;
        if messages.iter().any(|m| m.unread) {
            marked_read = portal::mark_read(v, &client_id)?;
            messages.iter_mut().for_each(|m| m.unread = false);
        }
        Ok(PortalClientView {
            consented,
            invited: portal_id.is_some(),
            portal_id,
            messages,
            forms: portal::form_submissions(v, &client_id)?,
            marked_read,
        })
    })
}

/// Refuses with a stable code unless the client consents to the portal
/// (and, if `invited`, was invited).
fn check(vault: &VaultHolder, client_id: &str, invited: bool) -> Result<(), CommandError> {
    let (consented, linked) = vault.vault(|v| {
        Ok((
            client::is_consented(v, client_id, ConsentKind::PortalUse)?,
            portal::portal_id(v, client_id)?.is_some(),
        ))
    })?;
    if !consented {
        return Err(refused(
            NO_CONSENT,
            "the client has not consented to the portal",
        ));
    }
    if invited && !linked {
        return Err(refused(
            NOT_INVITED,
            "the client is not invited to the portal",
        ));
    }
    Ok(())
}

#[tauri::command(async)]
pub fn invite_to_portal(
    client_id: String,
    email: Option<String>,
    vault: State<'_, VaultHolder>,
) -> Result<InviteView, CommandError> {
    check(&vault, &client_id, false)?;
    let invite = vault.vault(|v| portal::invite_client(v, &client_id, email.as_deref()))?;
    let path = crate::portal::signup_path(&invite.token);
    let (link, full) = match crate::portal::web_url() {
        Some(base) => (format!("{base}{path}"), true),
        None => (path, false),
    };
    Ok(InviteView {
        link,
        full,
        portal_id: invite.portal_id.clone(),
        expires_ms: invite.expires_ms,
    })
}

#[tauri::command(async)]
pub fn revoke_portal(client_id: String, vault: State<'_, VaultHolder>) -> Result<(), CommandError> {
    vault.vault(|v| portal::revoke_client(v, &client_id))
}

#[tauri::command(async)]
pub fn portal_reply(
    client_id: String,
    body: String,
    vault: State<'_, VaultHolder>,
) -> Result<MessageView, CommandError> {
    check(&vault, &client_id, true)?;
    vault.vault(|v| portal::reply(v, &client_id, &body))
}

#[tauri::command(async)]
pub fn assign_form(
    client_id: String,
    form: FormKind,
    vault: State<'_, VaultHolder>,
) -> Result<String, CommandError> {
    check(&vault, &client_id, true)?;
    vault.vault(|v| portal::assign(v, &client_id, form))
}

/// Shares the safety plan; returns how many sections were shared.
#[tauri::command(async)]
pub fn share_safety_plan(
    client_id: String,
    vault: State<'_, VaultHolder>,
) -> Result<usize, CommandError> {
    check(&vault, &client_id, true)?;
    vault.vault(|v| portal::share_safety_plan(v, &client_id))
}
