//! Password reset: `/reset` always answers the same; an existing account
//! gets a one-time link by mail. Setting the new password ends every session.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bloom_core::account::secret::Password;
use bloom_core::account::token::OneTimeToken;
use bloom_core::account::{AccountError, password};
use bloom_core::{Code, HasCode};
use bloom_ui::account::{NoticePage, ResetPasswordPage, ResetRequestPage};
use dioxus::prelude::*;
use serde::Deserialize;

use super::hash_password;
use crate::account::{AccountStoreError, reset, store};
use crate::web::csrf::{CsrfForm, pre_session};
use crate::web::viewer::ClientIp;
use crate::web::{WebState, cookies, render};

pub async fn request_form(State(state): State<Arc<WebState>>, headers: HeaderMap) -> Response {
    let (csrf, cookie) = pre_session(&state, &headers);
    let body = rsx! { ResetRequestPage { csrf, error: None } };
    let mut r = render::page(render::i18n(&headers), "account-reset-title", body).into_response();
    if let Some((name, value)) = cookie {
        r.headers_mut().append(name, value);
    }
    r
}

#[derive(Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    email: String,
}

fn notice(headers: &HeaderMap, heading: &str, text: &str) -> Response {
    let body = rsx! {
        NoticePage {
            heading,
            text,
            link: Some("/login".to_owned()),
            link_text: Some("account-sign-in-link".to_owned()),
        }
    };
    render::page(render::i18n(headers), "account-reset-title", body).into_response()
}

pub async fn request_submit(
    State(state): State<Arc<WebState>>,
    headers: HeaderMap,
    CsrfForm(form): CsrfForm<EmailForm>,
) -> Response {
    let now = state.clock.now_ms();
    let made = state
        .store
        .run(move |conn| {
            let Some(account) = store::by_email(conn, &form.email)? else {
                return Ok(None);
            };
            let token = reset::create(conn, &account.id, now)?;
            Ok::<_, AccountStoreError>(Some((account.email, token)))
        })
        .await;
    match made {
        Ok(Some((email, token))) => {
            let link = format!("{}/reset/{}", state.accounts.public_url, token.text());
            let body = format!(
                "Someone asked to reset the password of your {} account.\r\n\r\n\
                 To choose a new password, open this link within an hour:\r\n{link}\r\n\r\n\
                 If it was not you, ignore this message; your password stays as it is.\r\n",
                state.practice
            );
            let mailer = state.accounts.mailer.clone();
            // Sent in the background, so the answer takes as long whether or not the account exists.
            tokio::spawn(async move {
                if let Err(e) = mailer.send(&email, "Reset your password", body).await {
                    tracing::warn!(error = %e, "password-reset mail failed");
                }
            });
        }
        Ok(None) => {}
        Err(e) => return render::internal(render::i18n(&headers), &e),
    }
    notice(&headers, "account-reset-sent-heading", "account-reset-sent")
}

fn invalid(headers: &HeaderMap) -> Response {
    render::refusal(
        render::i18n(headers),
        StatusCode::NOT_FOUND,
        Code::AccountResetInvalid,
        "account-link-invalid-text",
    )
}

fn password_page(
    state: &WebState,
    headers: &HeaderMap,
    token: &str,
    error: Option<&str>,
) -> Response {
    let (csrf, cookie) = pre_session(state, headers);
    let body = rsx! { ResetPasswordPage { action: format!("/reset/{token}"), csrf, error: error.map(str::to_owned) } };
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let mut r = (
        status,
        render::page(render::i18n(headers), "account-reset-title", body),
    )
        .into_response();
    if let Some((name, value)) = cookie {
        r.headers_mut().append(name, value);
    }
    r
}

pub async fn password_form(
    State(state): State<Arc<WebState>>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(parsed) = OneTimeToken::parse(&token) else {
        return invalid(&headers);
    };
    let now = state.clock.now_ms();
    match state
        .store
        .run(move |conn| reset::find(conn, &parsed, now))
        .await
    {
        Ok(_) => password_page(&state, &headers, &token, None),
        Err(AccountStoreError::ResetInvalid) => invalid(&headers),
        Err(e) => render::internal(render::i18n(&headers), &e),
    }
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    password2: String,
}

pub async fn password_submit(
    State(state): State<Arc<WebState>>,
    ClientIp(ip): ClientIp,
    Path(token): Path<String>,
    headers: HeaderMap,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> Response {
    let Some(parsed) = OneTimeToken::parse(&token) else {
        return invalid(&headers);
    };
    if form.password != form.password2 {
        return password_page(&state, &headers, &token, Some("account.password_mismatch"));
    }
    let pw = Password::new(form.password);
    if password::check_policy(&pw, &[]).is_err() {
        return password_page(
            &state,
            &headers,
            &token,
            Some(AccountError::WeakPassword.code().as_str()),
        );
    }
    let hash = match hash_password(pw).await {
        Ok(h) => h,
        Err(e) => return render::internal(render::i18n(&headers), &e),
    };
    let now = state.clock.now_ms();
    match state
        .store
        .run(move |conn| reset::complete(conn, &parsed, &hash, now, ip))
        .await
    {
        Ok(_) => {
            let mut r = notice(&headers, "account-reset-done-heading", "account-reset-done");
            r.headers_mut()
                .append(header::SET_COOKIE, cookies::clear(cookies::SESSION));
            r
        }
        Err(AccountStoreError::ResetInvalid) => invalid(&headers),
        Err(e) => render::internal(render::i18n(&headers), &e),
    }
}
