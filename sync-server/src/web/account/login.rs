//! Signing in (password, then a one-time code when the account has TOTP)
//! and signing out. Every refusal — unknown email, wrong password, locked
//! account — looks the same.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bloom_core::Code;
use bloom_core::account::secret::Password;
use bloom_core::account::session::Stage;
use bloom_core::account::{password, totp};
use bloom_ui::account::{LoginPage, LoginTotpPage};
use dioxus::prelude::*;
use serde::Deserialize;

use crate::account::{AccountStoreError, recovery, sessions, store};
use crate::audit::{self, Event};
use crate::web::csrf::{CsrfForm, pre_session};
use crate::web::viewer::{ClientIp, SignedInSession};
use crate::web::{WebState, cookies, render};

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

fn login_page(
    state: &WebState,
    headers: &HeaderMap,
    email: String,
    error: Option<Code>,
    status: StatusCode,
) -> Response {
    let (csrf, cookie) = pre_session(state, headers);
    let body = rsx! { LoginPage { csrf, email, error: error.map(|c| c.as_str().to_owned()) } };
    let mut r = (
        status,
        render::page(render::i18n(headers), "account-login-title", body),
    )
        .into_response();
    if let Some((name, value)) = cookie {
        r.headers_mut().append(name, value);
    }
    r
}

pub async fn form(State(state): State<Arc<WebState>>, headers: HeaderMap) -> Response {
    login_page(&state, &headers, String::new(), None, StatusCode::OK)
}

/// Where a session at `stage` goes next.
fn next_page(stage: Stage) -> &'static str {
    match stage {
        Stage::Totp => "/login/totp",
        Stage::TotpSetup => "/account/totp",
        Stage::Full => "/home",
    }
}

/// Redirects to `to` with a new session cookie.
pub(super) fn with_session(to: &str, id: &bloom_core::account::token::OneTimeToken) -> Response {
    let mut r = render::see_other(to);
    r.headers_mut().append(
        header::SET_COOKIE,
        cookies::set(cookies::SESSION, &id.text()),
    );
    r
}

pub async fn submit(
    State(state): State<Arc<WebState>>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> Response {
    let i18n = render::i18n(&headers);
    let now = state.clock.now_ms();
    let email = form.email.clone();
    let found = state
        .store
        .run(move |conn| store::by_email(conn, &email))
        .await;
    let account = match found {
        Ok(a) => a,
        Err(e) => return render::internal(i18n, &e),
    };
    let password = Password::new(form.password);
    let refused = |state: &WebState| {
        login_page(
            state,
            &headers,
            form.email.clone(),
            Some(Code::AccountCredentials),
            StatusCode::UNAUTHORIZED,
        )
    };
    let Some(account) = account else {
        let _ = tokio::task::spawn_blocking(move || password::verify_nothing(&password)).await;
        return refused(&state);
    };
    let phc = account.password_hash.clone();
    let locked = account.failures.is_locked(now);
    let ok = tokio::task::spawn_blocking(move || password::verify(&password, &phc))
        .await
        .unwrap_or(false);
    let old = cookies::token(&headers, cookies::SESSION).map(|t| t.sha256());
    let outcome = state
        .store
        .run(move |conn| {
            if locked {
                audit::record(
                    conn,
                    &Event::new(now, "login.locked").account(&account.id).ip(ip),
                )?;
                return Ok(None);
            }
            if !ok {
                audit::record(
                    conn,
                    &Event::new(now, "login.failed").account(&account.id).ip(ip),
                )?;
                if store::record_failure(conn, &account, now)?.is_locked(now) {
                    audit::record(
                        conn,
                        &Event::new(now, "login.locked").account(&account.id).ip(ip),
                    )?;
                }
                return Ok(None);
            }
            // A session id from before sign-in never survives it (fixation).
            if let Some(old) = old {
                sessions::delete(conn, &old)?;
            }
            store::clear_failures(conn, &account.id)?;
            let stage = Stage::after_password(account.totp_secret.is_some(), account.role);
            let id = sessions::create(conn, &account.id, stage, now)?;
            audit::record(
                conn,
                &Event::new(now, "login.ok").account(&account.id).ip(ip),
            )?;
            Ok::<_, AccountStoreError>(Some((id, stage)))
        })
        .await;
    match outcome {
        Ok(Some((id, stage))) => with_session(next_page(stage), &id),
        Ok(None) => refused(&state),
        Err(e) => render::internal(i18n, &e),
    }
}

fn totp_page(
    s: &SignedInSession,
    headers: &HeaderMap,
    error: Option<Code>,
    status: StatusCode,
) -> Response {
    let body = rsx! { LoginTotpPage { csrf: s.csrf.clone(), error: error.map(|c| c.as_str().to_owned()) } };
    (
        status,
        render::page(render::i18n(headers), "account-totp-title", body),
    )
        .into_response()
}

pub async fn totp_form(session: SignedInSession, headers: HeaderMap) -> Response {
    match session.session.stage {
        Stage::Totp => totp_page(&session, &headers, None, StatusCode::OK),
        other => render::see_other(next_page(other)),
    }
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

pub async fn totp_submit(
    State(state): State<Arc<WebState>>,
    ClientIp(ip): ClientIp,
    session: SignedInSession,
    headers: HeaderMap,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> Response {
    if session.session.stage != Stage::Totp {
        return render::see_other(next_page(session.session.stage));
    }
    let now = state.clock.now_ms();
    let s = session.session.clone();
    let outcome = state
        .store
        .run(move |conn| {
            let Some(account) = store::by_id(conn, &s.account_id)? else {
                return Ok(None);
            };
            let accepted = !account.failures.is_locked(now)
                && match &account.totp_secret {
                    Some(secret) => {
                        match totp::verify(secret, &form.code, now, account.totp_last_step) {
                            Ok(step) => {
                                store::set_totp_last_step(conn, &account.id, step)?;
                                true
                            }
                            Err(_) => recovery::redeem(conn, &account.id, &form.code, now)?,
                        }
                    }
                    None => false,
                };
            if !accepted {
                audit::record(
                    conn,
                    &Event::new(now, "totp.failed").account(&account.id).ip(ip),
                )?;
                if !account.failures.is_locked(now)
                    && store::record_failure(conn, &account, now)?.is_locked(now)
                {
                    audit::record(
                        conn,
                        &Event::new(now, "login.locked").account(&account.id).ip(ip),
                    )?;
                }
                return Ok(None);
            }
            store::clear_failures(conn, &account.id)?;
            // Privilege changes: a new session id.
            Ok::<_, AccountStoreError>(Some(sessions::rotate(conn, &s, Stage::Full, now)?))
        })
        .await;
    match outcome {
        Ok(Some(id)) => with_session("/home", &id),
        Ok(None) => totp_page(
            &session,
            &headers,
            Some(Code::AccountTotpInvalid),
            StatusCode::UNAUTHORIZED,
        ),
        Err(e) => render::internal(render::i18n(&headers), &e),
    }
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn logout(
    State(state): State<Arc<WebState>>,
    headers: HeaderMap,
    CsrfForm(_): CsrfForm<Empty>,
) -> Response {
    if let Some(id) = cookies::token(&headers, cookies::SESSION) {
        let hash = id.sha256();
        if let Err(e) = state
            .store
            .run(move |conn| sessions::delete(conn, &hash))
            .await
        {
            return render::internal(render::i18n(&headers), &e);
        }
    }
    let mut r = render::see_other("/login");
    r.headers_mut()
        .append(header::SET_COOKIE, cookies::clear(cookies::SESSION));
    r
}
