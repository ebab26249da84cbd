//! The admin console's routes. Every handler takes an [`Admin`] (a signed-in
//! admin), calls one function and renders. Devices and revocation go through
//! the same admin operations as the CLI (`bloom-relay devices|revoke`).

use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bloom_core::HasCode;
use bloom_core::account::Role;
use bloom_ui::I18n;
use bloom_ui::console::audit::{AuditFilter, AuditPage, AuditRow};
use bloom_ui::console::devices::{DeviceRow, DevicesPage};
use bloom_ui::console::health::{HealthFacts, HealthPage, Series};
use bloom_ui::console::invites::{InviteRow, InvitesPage};
use bloom_ui::console::members::{MemberRow, MembersPage};
use bloom_ui::console::tickets::{TicketRow, TicketsPage};
use bloom_ui::console::{ConsoleFrame, ConsoleTab};
use bloom_ui::portal::Notice;
use dioxus::prelude::*;
use serde::Deserialize;

use super::csrf::CsrfForm;
use super::viewer::Viewer;
use super::{WebState, format, render};
use crate::account::{invite, store as accounts};
use crate::admin::{Reply, Request};
use crate::audit;
use crate::metrics_history;
use crate::ticket;

pub fn routes() -> Router<Arc<WebState>> {
    Router::new()
        .route("/console", get(health))
        .route("/console/members", get(members))
        .route("/console/members/{id}/role", post(set_role))
        .route("/console/devices", get(devices))
        .route("/console/devices/{id}/revoke", post(revoke))
        .route("/console/invites", get(invites).post(create_invite))
        .route("/console/audit", get(audit_log))
        .route("/console/tickets", get(tickets))
        .route("/console/tickets/{id}/answer", post(answer_ticket))
}

/// A signed-in admin.
pub struct Admin {
    viewer: Viewer,
    i18n: I18n,
}

impl FromRequestParts<Arc<WebState>> for Admin {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<WebState>,
    ) -> Result<Self, Response> {
        let viewer = Viewer::from_request_parts(parts, state).await?;
        viewer.require(&[Role::Admin], &parts.headers)?;
        Ok(Admin {
            viewer,
            i18n: render::i18n(&parts.headers),
        })
    }
}

#[derive(Deserialize, Default)]
pub struct Done {
    done: Option<String>,
}

impl Done {
    fn notice(&self, i18n: &I18n) -> Option<Notice> {
        let id = match self.done.as_deref()? {
            "role" => "console-role-changed",
            "revoked" => "console-device-revoked",
            "answered" => "console-ticket-answered",
            _ => return None,
        };
        Some(Notice::Done(i18n.t(id)))
    }
}

impl Admin {
    /// Accounts over the hourly record-access limit, for the alert on every page.
    async fn alerts(&self, state: &WebState) -> Vec<String> {
        let now = state.clock.now_ms();
        let found = state
            .store
            .run(move |c| audit::anomalies(c, now))
            .await
            .unwrap_or_default();
        found
            .into_iter()
            .map(|(account, n)| {
                self.i18n.t_args(
                    "console-anomaly-row",
                    &[
                        ("account", account.as_str()),
                        ("count", n.to_string().as_str()),
                    ],
                )
            })
            .collect()
    }

    /// The page in the console frame. Sync on purpose: Dioxus elements are
    /// not `Send`, so they are made after the handler's last await.
    fn page(
        &self,
        state: &WebState,
        anomalies: Vec<String>,
        tab: ConsoleTab,
        title_id: &str,
        notice: Option<Notice>,
        body: Element,
    ) -> Response {
        let frame = rsx! {
            ConsoleFrame {
                practice: state.practice.clone(),
                display_name: self.viewer.display_name.clone(),
                csrf: self.viewer.csrf.clone(),
                active: tab,
                notice,
                anomalies,
                {body}
            }
        };
        (
            [(header::CACHE_CONTROL, "no-store")],
            render::page(self.i18n, title_id, frame),
        )
            .into_response()
    }

    async fn failed(
        &self,
        state: &WebState,
        tab: ConsoleTab,
        title_id: &str,
        status: StatusCode,
        text: String,
    ) -> Response {
        let alerts = self.alerts(state).await;
        let mut r = self.page(
            state,
            alerts,
            tab,
            title_id,
            Some(Notice::Error(text)),
            rsx! {},
        );
        *r.status_mut() = status;
        r
    }
}

async fn health(State(state): State<Arc<WebState>>, a: Admin) -> Response {
    let points = state.history.points();
    let series = vec![
        Series {
            id: "chart-connections".into(),
            title_id: "console-chart-connections".into(),
            values: points.iter().map(|p| p.connections_open as f64).collect(),
        },
        Series {
            id: "chart-sync".into(),
            title_id: "console-chart-sync".into(),
            values: points.iter().map(|p| p.blobs_stored as f64).collect(),
        },
        Series {
            id: "chart-errors".into(),
            title_id: "console-chart-errors".into(),
            values: points.iter().map(|p| p.errors as f64).collect(),
        },
        Series {
            id: "chart-requests".into(),
            title_id: "console-chart-requests".into(),
            values: points.iter().map(|p| p.http_requests as f64).collect(),
        },
    ];
    let open_tickets = state
        .store
        .run(|c| ticket::open_count(c))
        .await
        .unwrap_or(0);
    let inbox_waiting = state.portal.inbox_waiting().await.unwrap_or(0);
    let facts = HealthFacts {
        version: state.relay_version.clone(),
        uptime: format::duration(state.clock.now_ms() - state.started_ms),
        storage: state.storage_kind.clone(),
        devices_online: state.metrics.snapshot().connections_open,
        inbox_waiting,
        open_tickets,
    };
    let minutes = (metrics_history::INTERVAL.as_secs() / 60) as u32;
    {
        let alerts = a.alerts(&state).await;
        a.page(
            &state,
            alerts,
            ConsoleTab::Health,
            "console-health-title",
            None,
            rsx! { HealthPage { facts, series, minutes_per_point: minutes } },
        )
    }
}

async fn members(
    State(state): State<Arc<WebState>>,
    a: Admin,
    Query(done): Query<Done>,
) -> Response {
    let all = match state.store.run(|c| accounts::all(c)).await {
        Ok(all) => all,
        Err(e) => return render::internal(a.i18n, &e),
    };
    let now = state.clock.now_ms();
    let rows: Vec<MemberRow> = all
        .into_iter()
        .map(|acc| MemberRow {
            locked: acc.failures.is_locked(now),
            account: acc.id,
            display_name: acc.display_name,
            email: acc.email,
            role: acc.role.as_str().to_owned(),
            member: acc.member,
            totp: acc.totp_secret.is_some(),
            created: format::when(acc.created_ms, state.tz),
        })
        .collect();
    let (csrf, me) = (a.viewer.csrf.clone(), a.viewer.account_id.clone());
    {
        let alerts = a.alerts(&state).await;
        a.page(
            &state,
            alerts,
            ConsoleTab::Members,
            "console-members-title",
            done.notice(&a.i18n),
            rsx! { MembersPage { csrf, rows, me } },
        )
    }
}

#[derive(Deserialize)]
pub struct RoleForm {
    role: String,
}

async fn set_role(
    State(state): State<Arc<WebState>>,
    a: Admin,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<RoleForm>,
) -> Response {
    let Some(role) = Role::parse(&form.role).filter(|r| *r != Role::Patient) else {
        return a
            .failed(
                &state,
                ConsoleTab::Members,
                "console-members-title",
                StatusCode::BAD_REQUEST,
                a.i18n.t("console-error-role"),
            )
            .await;
    };
    if id == a.viewer.account_id {
        return a
            .failed(
                &state,
                ConsoleTab::Members,
                "console-members-title",
                StatusCode::BAD_REQUEST,
                a.i18n.t("console-error-own-role"),
            )
            .await;
    }
    let (now, by) = (state.clock.now_ms(), a.viewer.account_id.clone());
    match state
        .store
        .run(move |c| accounts::set_role(c, &id, role, &by, now))
        .await
    {
        Ok(()) => render::see_other("/console/members?done=role"),
        Err(e)
            if e.code() == bloom_core::Code::PortalNotFound
                || e.code() == bloom_core::Code::AccountForbidden =>
        {
            a.failed(
                &state,
                ConsoleTab::Members,
                "console-members-title",
                StatusCode::NOT_FOUND,
                a.i18n.t("console-error-role"),
            )
            .await
        }
        Err(e) => render::internal(a.i18n, &e),
    }
}

async fn devices(
    State(state): State<Arc<WebState>>,
    a: Admin,
    Query(done): Query<Done>,
) -> Response {
    let rows = match (state.admin)(Request::Devices).await {
        Reply::Devices { devices } => devices
            .into_iter()
            .map(|d| DeviceRow {
                id: d.id.clone(),
                name: d.name,
                member: d.member,
                enrolled: format::when(d.enrolled_ms, state.tz),
                last_seen: d
                    .last_seen_ms
                    .map(|t| format::when(t, state.tz))
                    .unwrap_or_else(|| a.i18n.t("console-never")),
                revoked: d.revoked_ms.map(|t| format::when(t, state.tz)),
            })
            .collect(),
        _ => Vec::new(),
    };
    let csrf = a.viewer.csrf.clone();
    {
        let alerts = a.alerts(&state).await;
        a.page(
            &state,
            alerts,
            ConsoleTab::Devices,
            "console-devices-title",
            done.notice(&a.i18n),
            rsx! { DevicesPage { csrf, rows } },
        )
    }
}

#[derive(Deserialize)]
pub struct NoFields {}

async fn revoke(
    State(state): State<Arc<WebState>>,
    a: Admin,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Response {
    match (state.admin)(Request::Revoke { device: id.clone() }).await {
        Reply::Revoked { .. } => {
            let event = audit::Event::new(state.clock.now_ms(), "revocation")
                .account(&a.viewer.account_id)
                .object(&id);
            let _ = state.store.run(move |c| audit::record(c, &event)).await;
            render::see_other("/console/devices?done=revoked")
        }
        _ => {
            a.failed(
                &state,
                ConsoleTab::Devices,
                "console-devices-title",
                StatusCode::NOT_FOUND,
                a.i18n.t("console-error-device"),
            )
            .await
        }
    }
}

async fn invites(State(state): State<Arc<WebState>>, a: Admin) -> Response {
    invites_page(&state, &a, None).await
}

async fn invites_page(state: &WebState, a: &Admin, new_link: Option<String>) -> Response {
    let now = state.clock.now_ms();
    let pending = state
        .store
        .run(move |c| invite::pending_member_invites(c, now))
        .await
        .unwrap_or_default();
    let pending: Vec<InviteRow> = pending
        .into_iter()
        .map(|i| InviteRow {
            role: i.role.as_str().to_owned(),
            member: i.member,
            email: i.email,
            expires: format::when(i.expires_ms, state.tz),
        })
        .collect();
    let csrf = a.viewer.csrf.clone();
    let alerts = a.alerts(state).await;
    a.page(
        state,
        alerts,
        ConsoleTab::Invites,
        "console-invites-title",
        None,
        rsx! { InvitesPage { csrf, pending, new_link } },
    )
}

#[derive(Deserialize)]
pub struct InviteForm {
    role: String,
    member: String,
    #[serde(default)]
    email: String,
}

async fn create_invite(
    State(state): State<Arc<WebState>>,
    a: Admin,
    CsrfForm(form): CsrfForm<InviteForm>,
) -> Response {
    let Some(role) = Role::parse(&form.role).filter(|r| *r != Role::Patient) else {
        return a
            .failed(
                &state,
                ConsoleTab::Invites,
                "console-invites-title",
                StatusCode::BAD_REQUEST,
                a.i18n.t("console-error-role"),
            )
            .await;
    };
    let now = state.clock.now_ms();
    let email = Some(form.email.trim().to_owned()).filter(|e| !e.is_empty());
    let made = state
        .store
        .run(move |c| {
            invite::create_member_invite(c, role, &form.member, email.as_deref(), 72, now)
        })
        .await;
    match made {
        Ok((token, _)) => {
            let link = format!(
                "{}/signup/{}",
                state.accounts.public_url.trim_end_matches('/'),
                token.text()
            );
            invites_page(&state, &a, Some(link)).await
        }
        Err(e) => {
            a.failed(
                &state,
                ConsoleTab::Invites,
                "console-invites-title",
                StatusCode::BAD_REQUEST,
                e.to_string(),
            )
            .await
        }
    }
}

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    #[serde(default)]
    action: String,
    #[serde(default)]
    account: String,
    #[serde(default)]
    since: String,
    #[serde(default)]
    until: String,
}

/// The actions the filter offers.
const ACTIONS: &[&str] = &[
    "login.ok",
    "login.failed",
    "login.locked",
    "totp.failed",
    "signup",
    "password.reset",
    "invite.created",
    "portal.access",
    "enrollment",
    "revocation",
    "role.changed",
];
const AUDIT_ROWS: u32 = 500;

async fn audit_log(
    State(state): State<Arc<WebState>>,
    a: Admin,
    Query(q): Query<AuditQuery>,
) -> Response {
    let filter = audit::Filter {
        action: Some(q.action.trim().to_owned()).filter(|s| !s.is_empty()),
        account: Some(q.account.trim().to_owned()).filter(|s| !s.is_empty()),
        since_ms: format::parse_day(&q.since, state.tz),
        // `until` is inclusive: up to the start of the next day.
        until_ms: format::parse_day(&q.until, state.tz).map(|t| t + 86_400_000),
        limit: Some(AUDIT_ROWS + 1),
    };
    let mut found = match state.store.run(move |c| audit::query(c, &filter)).await {
        Ok(f) => f,
        Err(e) => return render::internal(a.i18n, &e),
    };
    let truncated = found.len() > AUDIT_ROWS as usize;
    found.truncate(AUDIT_ROWS as usize);
    let rows: Vec<AuditRow> = found
        .into_iter()
        .map(|e| AuditRow {
            at: format::when(e.at_ms, state.tz),
            account: e.account_id.unwrap_or_default(),
            action: e.action,
            object: e.object.unwrap_or_default(),
            ip: e.ip.unwrap_or_default(),
        })
        .collect();
    let filter = AuditFilter {
        action: q.action,
        account: q.account,
        since: q.since,
        until: q.until,
    };
    let actions: Vec<String> = ACTIONS.iter().map(|s| (*s).to_owned()).collect();
    {
        let alerts = a.alerts(&state).await;
        a.page(
            &state,
            alerts,
            ConsoleTab::Audit,
            "console-audit-title",
            None,
            rsx! { AuditPage { filter, actions, rows, truncated } },
        )
    }
}

async fn tickets(
    State(state): State<Arc<WebState>>,
    a: Admin,
    Query(done): Query<Done>,
) -> Response {
    let all = state
        .store
        .run(|c| ticket::all(c))
        .await
        .unwrap_or_default();
    let ids: Vec<String> = all.iter().map(|t| t.account_id.clone()).collect();
    let authors = state
        .store
        .run(move |c| {
            ids.iter()
                .map(|id| accounts::by_id(c, id))
                .collect::<Result<Vec<_>, _>>()
        })
        .await
        .unwrap_or_default();
    let rows: Vec<TicketRow> = all
        .into_iter()
        .zip(authors.into_iter().chain(std::iter::repeat(None)))
        .map(|(t, author)| TicketRow {
            open: t.is_open(),
            from: author
                .as_ref()
                .map(|a| format!("{} <{}>", a.display_name, a.email))
                .unwrap_or_default(),
            role: author
                .map(|a| a.role.as_str().to_owned())
                .unwrap_or_else(|| "patient".into()),
            id: t.id,
            subject: t.subject,
            body: t.body,
            opened: format::when(t.opened_ms, state.tz),
        })
        .collect();
    let csrf = a.viewer.csrf.clone();
    {
        let alerts = a.alerts(&state).await;
        a.page(
            &state,
            alerts,
            ConsoleTab::Tickets,
            "console-tickets-title",
            done.notice(&a.i18n),
            rsx! { TicketsPage { csrf, rows } },
        )
    }
}

#[derive(Deserialize)]
pub struct AnswerForm {
    answer: String,
}

async fn answer_ticket(
    State(state): State<Arc<WebState>>,
    a: Admin,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<AnswerForm>,
) -> Response {
    let (admin, now) = (a.viewer.account_id.clone(), state.clock.now_ms());
    match state
        .store
        .run(move |c| ticket::answer(c, &id, &admin, &form.answer, now))
        .await
    {
        Ok(()) => render::see_other("/console/tickets?done=answered"),
        Err(e) => {
            a.failed(
                &state,
                ConsoleTab::Tickets,
                "console-tickets-title",
                StatusCode::BAD_REQUEST,
                e.to_string(),
            )
            .await
        }
    }
}
