//! Signing up with an invite link: the account gets the invite's role,
//! member or portal client; then TOTP setup (staff) or home.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bloom_core::account::secret::Password;
use bloom_core::account::session::Stage;
use bloom_core::account::token::OneTimeToken;
use bloom_core::account::{AccountError, password};
use bloom_core::{Code, HasCode};
use bloom_ui::account::SignupPage;
use dioxus::prelude::*;
use serde::Deserialize;

use super::hash_password;
use crate::account::invite::{self, Signup};
use crate::account::{AccountStoreError, sessions};
use crate::web::csrf::{CsrfForm, pre_session};
use crate::web::viewer::ClientIp;
use crate::web::{WebState, cookies, render};

fn invalid(headers: &HeaderMap) -> Response {
    render::refusal(
        render::i18n(headers),
        StatusCode::NOT_FOUND,
        Code::AccountInviteInvalid,
        "account-link-invalid-text",
    )
}

fn signup_page(
    state: &WebState,
    headers: &HeaderMap,
    token: &str,
    email: String,
    display_name: String,
    error: Option<&str>,
) -> Response {
    let (csrf, cookie) = pre_session(state, headers);
    let body = rsx! {
        SignupPage {
            action: format!("/signup/{token}"),
            csrf,
            email,
            display_name,
            error: error.map(str::to_owned),
        }
    };
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let mut r = (
        status,
        render::page(render::i18n(headers), "account-signup-title", body),
    )
        .into_response();
    if let Some((name, value)) = cookie {
        r.headers_mut().append(name, value);
    }
    r
}

pub async fn form(
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
        .run(move |conn| invite::find(conn, &parsed, now))
        .await
    {
        Ok(inv) => signup_page(
            &state,
            &headers,
            &token,
            inv.email.unwrap_or_default(),
            inv.display_name.unwrap_or_default(),
            None,
        ),
        Err(AccountStoreError::InviteInvalid) => invalid(&headers),
        Err(e) => render::internal(render::i18n(&headers), &e),
    }
}

#[derive(Deserialize)]
pub struct SignupForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password2: String,
}

pub async fn submit(
    State(state): State<Arc<WebState>>,
    ClientIp(ip): ClientIp,
    Path(token): Path<String>,
    headers: HeaderMap,
    CsrfForm(form): CsrfForm<SignupForm>,
) -> Response {
    let Some(parsed) = OneTimeToken::parse(&token) else {
        return invalid(&headers);
    };
    let again = |error: &str| {
        signup_page(
            &state,
            &headers,
            &token,
            form.email.clone(),
            form.display_name.clone(),
            Some(error),
        )
    };
    if form.password != form.password2 {
        return again("account.password_mismatch");
    }
    let pw = Password::new(form.password.clone());
    if password::check_policy(&pw, &[&form.email, &form.display_name]).is_err() {
        return again(AccountError::WeakPassword.code().as_str());
    }
    let hash = match hash_password(pw).await {
        Ok(h) => h,
        Err(e) => return render::internal(render::i18n(&headers), &e),
    };
    let now = state.clock.now_ms();
    let (email, name) = (form.email.clone(), form.display_name.clone());
    let old = cookies::token(&headers, cookies::SESSION).map(|t| t.sha256());
    let made = state
        .store
        .run(move |conn| {
            let account = invite::sign_up(
                conn,
                &parsed,
                Signup {
                    email: &email,
                    display_name: &name,
                    password_hash: &hash,
                },
                now,
                ip,
            )?;
            if let Some(old) = old {
                sessions::delete(conn, &old)?;
            }
            let stage = Stage::after_password(false, account.role);
            Ok::<_, AccountStoreError>((sessions::create(conn, &account.id, stage, now)?, stage))
        })
        .await;
    match made {
        Ok((id, stage)) => {
            let to = if stage == Stage::TotpSetup {
                "/account/totp"
            } else {
                "/home"
            };
            let mut r = render::see_other(to);
            r.headers_mut().append(
                header::SET_COOKIE,
                cookies::set(cookies::SESSION, &id.text()),
            );
            r
        }
        Err(AccountStoreError::InviteInvalid) => invalid(&headers),
        Err(
            e @ (AccountStoreError::EmailTaken
            | AccountStoreError::Invalid(_)
            | AccountStoreError::Rule(_)),
        ) => again(e.code().as_str()),
        Err(e) => render::internal(render::i18n(&headers), &e),
    }
}
