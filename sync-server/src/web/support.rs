//! Support tickets of members (therapists and admins) at `/support`;
//! patients use the portal's Help page, admins answer in the console.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bloom_core::account::Role;
use bloom_core::{Code, HasCode};
use bloom_ui::portal::support::{SupportPage, TicketItem};
use dioxus::prelude::*;
use serde::Deserialize;

use super::csrf::CsrfForm;
use super::viewer::Viewer;
use super::{WebState, format, render};
use crate::ticket;

pub fn routes() -> Router<Arc<WebState>> {
    Router::new().route("/support", get(page).post(open))
}

#[derive(Deserialize, Default)]
pub struct Done {
    done: Option<String>,
}

async fn page(
    State(state): State<Arc<WebState>>,
    viewer: Viewer,
    headers: HeaderMap,
    Query(done): Query<Done>,
) -> Response {
    if let Err(refused) = viewer.require(&[Role::Therapist, Role::Admin], &headers) {
        return refused;
    }
    let account = viewer.account_id.clone();
    let tickets = state
        .store
        .run(move |c| ticket::of_account(c, &account))
        .await
        .unwrap_or_default();
    let tickets: Vec<TicketItem> = tickets
        .into_iter()
        .map(|t| TicketItem {
            open: t.is_open(),
            subject: t.subject,
            opened: format::when(t.opened_ms, state.tz),
            answer: t.answer,
        })
        .collect();
    let i18n = render::i18n(&headers);
    let sent = done.done.as_deref() == Some("ticket");
    let csrf = viewer.csrf.clone();
    let body = rsx! {
        main { id: "main",
            if sent { p { class: "notice", role: "status", {i18n.t("support-sent")} } }
            SupportPage { csrf, action: "/support", tickets }
            p { a { href: "/home", {i18n.t("portal-back")} } }
        }
    };
    (
        [(header::CACHE_CONTROL, "no-store")],
        render::page(i18n, "support-title", body),
    )
        .into_response()
}

#[derive(Deserialize)]
pub struct TicketForm {
    subject: String,
    body: String,
}

async fn open(
    State(state): State<Arc<WebState>>,
    viewer: Viewer,
    headers: HeaderMap,
    CsrfForm(form): CsrfForm<TicketForm>,
) -> Response {
    if let Err(refused) = viewer.require(&[Role::Therapist, Role::Admin], &headers) {
        return refused;
    }
    let (account, now) = (viewer.account_id.clone(), state.clock.now_ms());
    match state
        .store
        .run(move |c| ticket::open(c, &account, &form.subject, &form.body, now))
        .await
    {
        Ok(_) => render::see_other("/support?done=ticket"),
        Err(e) if e.code() == Code::InvalidInput => render::refusal(
            render::i18n(&headers),
            StatusCode::BAD_REQUEST,
            Code::InvalidInput,
            "portal-error-form",
        ),
        Err(e) => render::internal(render::i18n(&headers), &e),
    }
}
