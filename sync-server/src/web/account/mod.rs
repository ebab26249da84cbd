//! The account pages: sign in and out, one-time codes, passkeys, sign up
//! with an invite, password reset, and `/home`, which sends each role on.
//!
//! Sign-in, reset and sign-up requests pass the per-IP rate limiter
//! ([`rate_limit`]); every form is checked by [`super::csrf::CsrfForm`].

mod home;
mod login;
pub mod passkey;
mod reset;
mod signup;
mod totp;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::Router;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use bloom_core::Code;

use super::{WebState, render};
use crate::account::limiter::RateLimiter;
use crate::account::mail::Mailer;

/// What the account pages need besides the store and the clock.
#[derive(Debug)]
pub struct AccountsState {
    /// Signs CSRF tokens; made at start, so forms from before a restart are refused.
    pub csrf_key: [u8; 32],
    /// The base of links in mail (`https://portal.example.org`).
    pub public_url: String,
    pub mailer: Mailer,
    pub limiter: RateLimiter,
}

/// The account routes.
pub fn routes(state: Arc<WebState>) -> Router<Arc<WebState>> {
    Router::new()
        .route("/login", get(login::form).post(login::submit))
        .route(
            "/login/totp",
            get(login::totp_form).post(login::totp_submit),
        )
        .route("/logout", post(login::logout))
        .route(
            "/account/totp",
            get(totp::setup_form).post(totp::setup_submit),
        )
        .route("/signup/{token}", get(signup::form).post(signup::submit))
        .route(
            "/reset",
            get(reset::request_form).post(reset::request_submit),
        )
        .route(
            "/reset/{token}",
            get(reset::password_form).post(reset::password_submit),
        )
        .route("/home", get(home::home))
        .route("/assets/passkey.js", get(passkey::script))
        .route(
            "/account/passkeys",
            get(passkey::list).post(passkey::register),
        )
        .route("/account/passkeys/options", post(passkey::register_options))
        .route("/account/passkeys/{id}/remove", post(passkey::remove))
        .route("/login/passkey/options", post(passkey::login_options))
        .route("/login/passkey", post(passkey::login))
        .layer(middleware::from_fn_with_state(state, rate_limit))
}

/// 429 `account.rate_limited` when an address sends too many sign-in, reset
/// or sign-up requests.
async fn rate_limit(State(state): State<Arc<WebState>>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let limited = req.method() == Method::POST && path != "/logout"
        || path.starts_with("/signup/")
        || path.starts_with("/reset/");
    if limited {
        let ip = req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(IpAddr::from([0, 0, 0, 0]));
        if !state.accounts.limiter.allow(ip, state.clock.now_ms()) {
            return render::refusal(
                render::i18n(req.headers()),
                StatusCode::TOO_MANY_REQUESTS,
                Code::AccountRateLimited,
                "account-rate-limited-text",
            );
        }
    }
    next.run(req).await
}

/// Hashes a password on the blocking pool.
async fn hash_password(
    password: bloom_core::account::secret::Password,
) -> Result<String, crate::account::AccountStoreError> {
    tokio::task::spawn_blocking(move || bloom_core::account::password::hash(&password))
        .await
        .map_err(|_| crate::account::AccountStoreError::Invalid("hashing panicked"))?
        .map_err(Into::into)
}
