//! Who is asking: the signed-in account behind the session cookie.
//!
//! [`Viewer`] is an extractor: a request without a live, fully signed-in
//! session is answered with `303 /login` (or the one-time-code page when the
//! password was accepted but the code is still owed). [`Viewer::require`]
//! answers `403 account.forbidden` for other roles.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use bloom_core::account::Role;
use bloom_core::account::session::{self, SessionState, Stage};
use bloom_core::portal::PortalClientId;

use super::{WebState, cookies, render};
use crate::account::sessions::{self as session_store, Session};
use crate::account::{Account, AccountStoreError, store};

/// A fully signed-in account. Handlers get one by naming it as an argument.
#[derive(Clone, Debug)]
pub struct Viewer {
    pub account_id: String,
    pub role: Role,
    pub display_name: String,
    /// The sync member (therapists and admins).
    pub member: Option<String>,
    /// The portal client (patients).
    pub portal_client: Option<PortalClientId>,
    /// The `_csrf` value for this session's forms.
    pub csrf: String,
}

impl Viewer {
    /// `Ok` when the viewer has one of `roles`, else the 403 page to answer.
    #[allow(clippy::result_large_err)]
    pub fn require(&self, roles: &[Role], headers: &HeaderMap) -> Result<(), Response> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(render::forbidden(render::i18n(headers)))
        }
    }
}

/// A session at any stage (the one-time-code pages use it).
#[derive(Clone, Debug)]
pub struct SignedInSession {
    pub session: Session,
    pub account: Account,
    pub csrf: String,
}

/// The CSRF token of the session whose id hashes to `id_sha256`.
pub fn session_csrf(state: &WebState, id_sha256: &[u8; 32]) -> String {
    bloom_core::account::csrf::token(&state.accounts.csrf_key, "session", id_sha256)
}

/// Loads the cookie's session if it is live (and marks it used), ending it
/// if it has timed out.
pub async fn current_session(
    state: &Arc<WebState>,
    headers: &HeaderMap,
) -> Result<Option<SignedInSession>, AccountStoreError> {
    let Some(id) = cookies::token(headers, cookies::SESSION) else {
        return Ok(None);
    };
    let hash = id.sha256();
    let now = state.clock.now_ms();
    let found = state
        .store
        .run(move |conn| {
            let Some(s) = session_store::find(conn, &hash)? else {
                return Ok(None);
            };
            if session::state(s.created_ms, s.last_seen_ms, now) != SessionState::Live {
                session_store::delete(conn, &hash)?;
                return Ok(None);
            }
            let Some(account) = store::by_id(conn, &s.account_id)? else {
                return Ok(None);
            };
            if session::needs_touch(s.last_seen_ms, now) {
                session_store::touch(conn, &hash, now)?;
            }
            Ok::<_, AccountStoreError>(Some((s, account)))
        })
        .await?;
    Ok(found.map(|(session, account)| SignedInSession {
        csrf: session_csrf(state, &session.id_sha256),
        session,
        account,
    }))
}

impl FromRequestParts<Arc<WebState>> for SignedInSession {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<WebState>,
    ) -> Result<Self, Response> {
        match current_session(state, &parts.headers).await {
            Ok(Some(s)) => Ok(s),
            Ok(None) => Err(to_login()),
            Err(e) => Err(render::internal(render::i18n(&parts.headers), &e)),
        }
    }
}

impl FromRequestParts<Arc<WebState>> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<WebState>,
    ) -> Result<Self, Response> {
        let s = SignedInSession::from_request_parts(parts, state).await?;
        match s.session.stage {
            Stage::Full => Ok(Viewer {
                account_id: s.account.id,
                role: s.account.role,
                display_name: s.account.display_name,
                member: s.account.member,
                portal_client: s.account.portal_client,
                csrf: s.csrf,
            }),
            Stage::Totp => Err(render::see_other("/login/totp")),
            Stage::TotpSetup => Err(render::see_other("/account/totp")),
        }
    }
}

/// `303 /login`, dropping a dead session cookie.
fn to_login() -> Response {
    let mut r = render::see_other("/login");
    r.headers_mut()
        .append(header::SET_COOKIE, cookies::clear(cookies::SESSION));
    r.into_response()
}

/// The peer's address, when the server was started with connect info.
#[derive(Clone, Copy, Debug)]
pub struct ClientIp(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}
