//! Setting up a one-time-code app: required for therapists and admins
//! before anything else, optional for patients. Confirming the first code
//! turns it on, shows the recovery codes once and renews the session id.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bloom_core::Code;
use bloom_core::account::session::Stage;
use bloom_core::account::totp::{self, TotpSecret};
use bloom_ui::account::{NoticePage, RecoveryCodesPage, TotpSetupPage};
use dioxus::prelude::*;
use serde::Deserialize;

use crate::account::{AccountStoreError, recovery, sessions, store};
use crate::web::csrf::CsrfForm;
use crate::web::viewer::SignedInSession;
use crate::web::{WebState, cookies, render};

fn qr_svg(uri: &str) -> String {
    match qrcode::QrCode::new(uri.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color>()
            .min_dimensions(200, 200)
            .build(),
        Err(_) => String::new(),
    }
}

fn setup_page(
    state: &WebState,
    s: &SignedInSession,
    secret: &TotpSecret,
    headers: &HeaderMap,
    error: Option<Code>,
) -> Response {
    let uri = secret.otpauth_uri(&state.practice, &s.account.email);
    let body = rsx! {
        TotpSetupPage {
            csrf: s.csrf.clone(),
            secret: secret.to_base32(),
            qr_svg: qr_svg(&uri),
            uri,
            error: error.map(|c| c.as_str().to_owned()),
        }
    };
    let status = if error.is_some() {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    (
        status,
        render::page(render::i18n(headers), "account-totp-setup-title", body),
    )
        .into_response()
}

pub async fn setup_form(
    State(state): State<Arc<WebState>>,
    s: SignedInSession,
    headers: HeaderMap,
) -> Response {
    if s.session.stage == Stage::Totp {
        return render::see_other("/login/totp");
    }
    if s.account.totp_secret.is_some() {
        let body = rsx! {
            NoticePage {
                heading: "account-totp-setup-heading",
                text: "account-totp-already",
                link: Some("/home".to_owned()),
                link_text: Some("account-continue".to_owned()),
            }
        };
        return render::page(render::i18n(&headers), "account-totp-setup-title", body)
            .into_response();
    }
    // The same pending secret until it is confirmed, so a reload shows the same code.
    let id = s.account.id.clone();
    let pending = s.account.totp_pending.clone();
    let secret = state
        .store
        .run(move |conn| match pending {
            Some(p) => Ok(p),
            None => {
                let secret = TotpSecret::generate()?;
                store::set_totp_pending(conn, &id, &secret)?;
                Ok::<_, AccountStoreError>(secret)
            }
        })
        .await;
    match secret {
        Ok(secret) => setup_page(&state, &s, &secret, &headers, None),
        Err(e) => render::internal(render::i18n(&headers), &e),
    }
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

pub async fn setup_submit(
    State(state): State<Arc<WebState>>,
    s: SignedInSession,
    headers: HeaderMap,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> Response {
    if s.session.stage == Stage::Totp || s.account.totp_secret.is_some() {
        return render::see_other("/account/totp");
    }
    let Some(secret) = s.account.totp_pending.clone() else {
        return render::see_other("/account/totp");
    };
    let now = state.clock.now_ms();
    let Ok(step) = totp::verify(&secret, &form.code, now, None) else {
        return setup_page(
            &state,
            &s,
            &secret,
            &headers,
            Some(Code::AccountTotpInvalid),
        );
    };
    let session = s.session.clone();
    let id = s.account.id.clone();
    let done = state
        .store
        .run(move |conn| {
            store::enable_totp(conn, &id, &secret, step)?;
            let codes = recovery::replace(conn, &id)?;
            let new_id = sessions::rotate(conn, &session, Stage::Full, now)?;
            Ok::<_, AccountStoreError>((codes, new_id))
        })
        .await;
    match done {
        Ok((codes, new_id)) => {
            let body = rsx! { RecoveryCodesPage { codes, next: "/home" } };
            let mut r = render::page(render::i18n(&headers), "account-recovery-title", body)
                .into_response();
            r.headers_mut().append(
                header::SET_COOKIE,
                cookies::set(cookies::SESSION, &new_id.text()),
            );
            r
        }
        Err(e) => render::internal(render::i18n(&headers), &e),
    }
}
