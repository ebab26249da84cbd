//! CSRF protection for every form. A form's `_csrf` field must match the
//! token of the session cookie it came with, or — before sign-in — the
//! signed token of the `bloom_pre` cookie (signed double submit).

use std::sync::Arc;

use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use bloom_core::Code;
use bloom_core::account::csrf;
use bloom_core::account::token::OneTimeToken;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::{WebState, cookies, render};

/// The largest form accepted.
const MAX_FORM_BYTES: usize = 64 * 1024;

/// An urlencoded form whose `_csrf` field was checked.
#[derive(Debug)]
pub struct CsrfForm<T>(pub T);

#[derive(Deserialize)]
struct Token {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
}

impl<T: DeserializeOwned> FromRequest<Arc<WebState>> for CsrfForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &Arc<WebState>) -> Result<Self, Response> {
        let headers = req.headers().clone();
        let i18n = render::i18n(&headers);
        let refuse = || {
            render::refusal(
                i18n,
                StatusCode::FORBIDDEN,
                Code::AccountCsrf,
                "account-link-invalid-text",
            )
        };
        let bytes = axum::body::to_bytes(req.into_body(), MAX_FORM_BYTES)
            .await
            .map_err(|_| refuse())?;
        let given = serde_urlencoded::from_bytes::<Token>(&bytes)
            .ok()
            .and_then(|t| t.csrf)
            .ok_or_else(refuse)?;
        if !token_matches(state, &headers, &given) {
            return Err(refuse());
        }
        let form = serde_urlencoded::from_bytes::<T>(&bytes).map_err(|_| {
            render::refusal(
                i18n,
                StatusCode::BAD_REQUEST,
                Code::InvalidInput,
                "account-link-invalid-text",
            )
        })?;
        Ok(CsrfForm(form))
    }
}

/// Whether `given` is the token of the request's session or pre-session cookie.
pub(crate) fn token_matches(state: &WebState, headers: &HeaderMap, given: &str) -> bool {
    let key = &state.accounts.csrf_key;
    let by_session = cookies::token(headers, cookies::SESSION)
        .is_some_and(|id| csrf::verify(key, "session", &id.sha256(), given));
    let by_pre = cookies::token(headers, cookies::PRE_SESSION)
        .is_some_and(|nonce| csrf::verify(key, "pre", &nonce.sha256(), given));
    by_session || by_pre
}

/// The token for a pre-session form, and the `Set-Cookie` to send when the
/// browser has no `bloom_pre` nonce yet.
pub fn pre_session(
    state: &WebState,
    headers: &HeaderMap,
) -> (
    String,
    Option<(header::HeaderName, axum::http::HeaderValue)>,
) {
    let (nonce, cookie) = match cookies::token(headers, cookies::PRE_SESSION) {
        Some(n) => (n, None),
        None => {
            let n = OneTimeToken::generate()
                .unwrap_or_else(|_| OneTimeToken::from_bytes(rand_fallback()));
            let c = cookies::set(cookies::PRE_SESSION, &n.text());
            (n, Some((header::SET_COOKIE, c)))
        }
    };
    (
        csrf::token(&state.accounts.csrf_key, "pre", &nonce.sha256()),
        cookie,
    )
}

fn rand_fallback() -> [u8; 32] {
    let mut b = [0u8; 32];
    let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut b);
    b
}
