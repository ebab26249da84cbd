//! The relay's HTTP side: pages rendered from `bloom-ui` components, plus
//! `/healthz` and `/metrics`. Handlers stay thin.
//!
//! - [`account`]: sign in, one-time codes, sign up, reset, `/home`.
//! - [`viewer`]: the [`viewer::Viewer`] extractor and role checks.
//! - [`csrf`]: the [`csrf::CsrfForm`] extractor every form goes through.
//! - [`portal`]: the patient portal.
//! - [`console`]: the practice admin's console.
//! - [`cookies`], [`render`], [`format`]: cookies, pages, refusals and times.

pub mod account;
pub mod console;
pub mod cookies;
pub mod csrf;
pub mod format;
pub mod portal;
pub mod render;
pub mod support;
pub mod viewer;

use std::sync::Arc;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use bloom_ui::relay_home::RelayHome;
use bloom_ui::{I18n, I18nProvider, Locale};
use dioxus::prelude::*;

use crate::metrics::Metrics;

pub(crate) const STYLESHEET: &str = "/assets/relay.css";

/// What the pages show about this relay.
pub struct WebState {
    pub practice: String,
    pub relay_version: String,
    pub quic_addr: String,
    pub fingerprint: String,
    pub metrics: Metrics,
    /// The web side's database (accounts, sessions, audit, portal).
    pub store: crate::webstore::WebStore,
    /// The time sessions, lockouts and rate limits go by (tests advance it).
    pub clock: crate::clock::Clock,
    pub accounts: account::AccountsState,
    /// The practice's time zone: pages show times in it.
    pub tz: chrono_tz::Tz,
    /// The last hours of metrics, for the console's charts.
    pub history: crate::metrics_history::History,
    /// When this relay started (ms since the epoch).
    pub started_ms: i64,
    /// "SQLite (SQLCipher)" or "PostgreSQL": what keeps the sync log.
    pub storage_kind: String,
    /// The device list and revocation, as the CLI's admin socket does them.
    pub admin: AdminOps,
    /// The portal channel: what the patient pages call.
    pub portal: crate::portal::Portal,
}

/// Runs one admin request against the relay's store (see [`crate::admin`]).
pub type AdminOps = Arc<
    dyn Fn(
            crate::admin::Request,
        ) -> std::pin::Pin<Box<dyn Future<Output = crate::admin::Reply> + Send>>
        + Send
        + Sync,
>;

pub fn router(state: Arc<WebState>) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route(STYLESHEET, get(stylesheet))
        .merge(account::routes(state.clone()))
        .merge(console::routes())
        .merge(portal::routes())
        .merge(support::routes())
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .layer(middleware::from_fn(security_headers))
        .with_state(state)
}

async fn home(State(state): State<Arc<WebState>>, headers: HeaderMap) -> Html<String> {
    let locale = Locale::negotiate(
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let i18n = I18n::new(locale);
    let body = dioxus_ssr::render_element(rsx! {
        I18nProvider { i18n,
            RelayHome {
                practice: state.practice.clone(),
                relay_version: state.relay_version.clone(),
                quic_addr: state.quic_addr.clone(),
                fingerprint: state.fingerprint.clone(),
            }
        }
    });
    let title = i18n.t_args("relay-home-title", &[("practice", state.practice.as_str())]);
    Html(bloom_ui::page::html_document(
        &i18n, &title, STYLESHEET, &body,
    ))
}

async fn healthz() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        r#"{"status":"ok"}"#,
    )
}

async fn metrics(State(state): State<Arc<WebState>>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
}

async fn stylesheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../../assets/relay.css"),
    )
}

/// Counts requests by route pattern (never by raw path, which could carry ids).
async fn observe(State(state): State<Arc<WebState>>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let response = next.run(req).await;
    state
        .metrics
        .http_request(&route, response.status().as_u16());
    response
}

async fn security_headers(req: Request, next: Next) -> Response {
    let asset = req.uri().path().starts_with("/assets/");
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'",
        ),
    );
    h.insert(
        header::STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static("max-age=63072000; includeSubDomains"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Pages may show who is signed in and what they see: never cache them.
    if !asset && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}
