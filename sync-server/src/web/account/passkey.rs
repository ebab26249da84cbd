//! Passkeys: listing, adding and removing them on `/account/passkeys`, and
//! signing in with one on `/login`. The WebAuthn ceremonies run in
//! `/assets/passkey.js`, which fetches options as JSON and posts the results
//! as JSON with the CSRF token in the `X-Bloom-Csrf` header; the checks are
//! `bloom_core::account::passkey`.
//!
//! A passkey sign-in is a full sign-in for every role: the passkey is
//! something the user has and user verification (PIN or biometrics) is
//! required, which is the two steps therapists and admins owe.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bloom_core::Code;
use bloom_core::account::passkey::{self, RelyingParty, b64url, from_b64url};
use bloom_core::account::session::Stage;
use bloom_ui::account::{PasskeyRow, PasskeysPage};
use dioxus::prelude::*;
use serde::Deserialize;
use serde_json::json;

use crate::account::passkeys::{self, Passkey, Purpose};
use crate::account::{AccountStoreError, sessions, store};
use crate::audit::{self, Event};
use crate::web::csrf::{CsrfForm, token_matches};
use crate::web::viewer::{ClientIp, Viewer};
use crate::web::{WebState, cookies, format, render};

/// The header the script sends the CSRF token in.
pub const CSRF_HEADER: &str = "x-bloom-csrf";
/// How long the browser waits for the authenticator.
const TIMEOUT_MS: u32 = 120_000;
/// The longest passkey name kept.
const MAX_NAME_CHARS: usize = 60;

pub async fn script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../../../assets/passkey.js"),
    )
}

fn json_response(status: StatusCode, value: serde_json::Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        value.to_string(),
    )
        .into_response()
}

fn json_error(status: StatusCode, code: Code) -> Response {
    json_response(status, json!({ "error": code.as_str() }))
}

fn invalid(status: StatusCode) -> Response {
    json_error(status, Code::AccountPasskeyInvalid)
}

fn internal(e: &dyn std::fmt::Display) -> Response {
    tracing::error!(error = %e, "passkey request failed");
    json_error(StatusCode::INTERNAL_SERVER_ERROR, Code::Internal)
}

/// A JSON request carrying a valid CSRF token in [`CSRF_HEADER`] (a JSON
/// content type also keeps other sites from posting without a preflight).
#[allow(clippy::result_large_err)]
fn check_json(state: &WebState, headers: &HeaderMap) -> Result<(), Response> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !json {
        return Err(json_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Code::InvalidInput,
        ));
    }
    let given = headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if given.is_empty() || !token_matches(state, headers, given) {
        return Err(json_error(StatusCode::FORBIDDEN, Code::AccountCsrf));
    }
    Ok(())
}

#[allow(clippy::result_large_err)]
fn relying_party(state: &WebState) -> Result<RelyingParty, Response> {
    RelyingParty::from_public_url(&state.accounts.public_url)
        .ok_or_else(|| internal(&"public_url is not an http(s) URL"))
}

/// The session cookie's id hash (what registration challenges are bound to).
fn session_binding(headers: &HeaderMap) -> Option<[u8; 32]> {
    cookies::token(headers, cookies::SESSION).map(|t| t.sha256())
}

/// The pre-session cookie's hash (what sign-in challenges are bound to).
fn pre_binding(headers: &HeaderMap) -> Option<[u8; 32]> {
    cookies::token(headers, cookies::PRE_SESSION).map(|t| t.sha256())
}

fn day(ms: i64) -> String {
    format::when(ms, chrono_tz::UTC)
}

/// `GET /account/passkeys`.
pub async fn list(
    State(state): State<Arc<WebState>>,
    viewer: Viewer,
    headers: HeaderMap,
) -> Response {
    let id = viewer.account_id.clone();
    let found = state.store.run(move |c| passkeys::list(c, &id)).await;
    let rows = match found {
        Ok(rows) => rows,
        Err(e) => return render::internal(render::i18n(&headers), &e),
    };
    let passkeys: Vec<PasskeyRow> = rows
        .into_iter()
        .map(|p| PasskeyRow {
            id: b64url(&p.credential_id),
            name: p.name,
            created: day(p.created_ms),
            last_used: p.last_used_ms.map(day),
        })
        .collect();
    let body = rsx! { PasskeysPage { csrf: viewer.csrf, passkeys, error: None } };
    render::page(render::i18n(&headers), "account-passkeys-title", body).into_response()
}

/// `POST /account/passkeys/options`: a challenge and the creation options.
pub async fn register_options(
    State(state): State<Arc<WebState>>,
    viewer: Viewer,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = check_json(&state, &headers) {
        return r;
    }
    let rp = match relying_party(&state) {
        Ok(rp) => rp,
        Err(r) => return r,
    };
    let Some(binding) = session_binding(&headers) else {
        return json_error(StatusCode::FORBIDDEN, Code::AccountCsrf);
    };
    let now = state.clock.now_ms();
    let account = viewer.account_id.clone();
    let issued = state
        .store
        .run(move |c| {
            let challenge = passkey::new_challenge()?;
            passkeys::issue_challenge(c, Purpose::Register, &binding, &challenge, now)?;
            let existing = passkeys::list(c, &account)?;
            Ok::<_, AccountStoreError>((challenge, existing))
        })
        .await;
    let (challenge, existing) = match issued {
        Ok(x) => x,
        Err(e) => return internal(&e),
    };
    let exclude: Vec<_> = existing
        .iter()
        .map(|p| json!({ "type": "public-key", "id": b64url(&p.credential_id) }))
        .collect();
    json_response(
        StatusCode::OK,
        json!({ "publicKey": {
            "rp": { "id": rp.id(), "name": state.practice },
            "user": {
                "id": b64url(viewer.account_id.as_bytes()),
                "name": viewer.display_name,
                "displayName": viewer.display_name,
            },
            "challenge": b64url(&challenge),
            "pubKeyCredParams": [{ "type": "public-key", "alg": passkey::ALG_ES256 }],
            "timeout": TIMEOUT_MS,
            "attestation": "none",
            "authenticatorSelection": {
                "residentKey": "required",
                "requireResidentKey": true,
                "userVerification": "required",
            },
            "excludeCredentials": exclude,
        }}),
    )
}

#[derive(Deserialize)]
struct Registration {
    #[serde(default)]
    name: String,
    #[serde(rename = "clientDataJSON")]
    client_data_json: String,
    #[serde(rename = "attestationObject")]
    attestation_object: String,
}

/// `POST /account/passkeys`: checks and stores a new passkey.
pub async fn register(
    State(state): State<Arc<WebState>>,
    viewer: Viewer,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(r) = check_json(&state, &headers) {
        return r;
    }
    let rp = match relying_party(&state) {
        Ok(rp) => rp,
        Err(r) => return r,
    };
    let Some(binding) = session_binding(&headers) else {
        return json_error(StatusCode::FORBIDDEN, Code::AccountCsrf);
    };
    let parsed = serde_json::from_slice::<Registration>(&body)
        .ok()
        .and_then(|r| {
            Some((
                r.name,
                from_b64url(&r.client_data_json)?,
                from_b64url(&r.attestation_object)?,
            ))
        });
    let default_name = render::i18n(&headers).t("account-passkeys-default-name");
    let now = state.clock.now_ms();
    let account = viewer.account_id.clone();
    let outcome = state
        .store
        .run(move |c| {
            // Taken before anything is checked: a challenge answers once.
            let challenge = passkeys::take_challenge(c, Purpose::Register, &binding, now)?;
            let verified = match (challenge, parsed) {
                (Some(challenge), Some((name, client, object))) => {
                    passkey::verify_registration(&rp, &challenge, &client, &object)
                        .ok()
                        .map(|p| (name, p))
                }
                _ => None,
            };
            let Some((name, new)) = verified else {
                audit::record(
                    c,
                    &Event::new(now, "passkey.failed").account(&account).ip(ip),
                )?;
                return Ok(false);
            };
            let name: String = name
                .trim()
                .chars()
                .filter(|ch| !ch.is_control())
                .take(MAX_NAME_CHARS)
                .collect();
            let passkey = Passkey {
                credential_id: new.credential_id,
                account_id: account.clone(),
                public_key: new.public_key,
                sign_count: new.sign_count,
                name: if name.is_empty() { default_name } else { name },
                created_ms: now,
                last_used_ms: None,
            };
            let object = b64url(&passkey.credential_id);
            match passkeys::add(c, &passkey) {
                Ok(()) => {}
                Err(AccountStoreError::Invalid(_)) => {
                    audit::record(
                        c,
                        &Event::new(now, "passkey.failed").account(&account).ip(ip),
                    )?;
                    return Ok(false);
                }
                Err(e) => return Err(e),
            }
            audit::record(
                c,
                &Event::new(now, "passkey.added")
                    .account(&account)
                    .object(&object)
                    .ip(ip),
            )?;
            Ok::<_, AccountStoreError>(true)
        })
        .await;
    match outcome {
        Ok(true) => json_response(StatusCode::OK, json!({ "redirect": "/account/passkeys" })),
        Ok(false) => invalid(StatusCode::BAD_REQUEST),
        Err(e) => internal(&e),
    }
}

#[derive(Deserialize)]
pub struct Empty {}

/// `POST /account/passkeys/{id}/remove` (a plain form).
pub async fn remove(
    State(state): State<Arc<WebState>>,
    viewer: Viewer,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    headers: HeaderMap,
    CsrfForm(_): CsrfForm<Empty>,
) -> Response {
    let Some(credential) = from_b64url(&id) else {
        return render::see_other("/account/passkeys");
    };
    let now = state.clock.now_ms();
    let account = viewer.account_id.clone();
    let done = state
        .store
        .run(move |c| {
            if passkeys::remove(c, &account, &credential)? {
                audit::record(
                    c,
                    &Event::new(now, "passkey.removed")
                        .account(&account)
                        .object(&id)
                        .ip(ip),
                )?;
            }
            Ok::<_, AccountStoreError>(())
        })
        .await;
    match done {
        Ok(()) => render::see_other("/account/passkeys"),
        Err(e) => render::internal(render::i18n(&headers), &e),
    }
}

/// `POST /login/passkey/options`: a challenge bound to the pre-session cookie.
pub async fn login_options(State(state): State<Arc<WebState>>, headers: HeaderMap) -> Response {
    if let Err(r) = check_json(&state, &headers) {
        return r;
    }
    let rp = match relying_party(&state) {
        Ok(rp) => rp,
        Err(r) => return r,
    };
    let Some(binding) = pre_binding(&headers) else {
        return json_error(StatusCode::FORBIDDEN, Code::AccountCsrf);
    };
    let now = state.clock.now_ms();
    let issued = state
        .store
        .run(move |c| {
            let challenge = passkey::new_challenge()?;
            passkeys::issue_challenge(c, Purpose::Login, &binding, &challenge, now)?;
            Ok::<_, AccountStoreError>(challenge)
        })
        .await;
    match issued {
        Ok(challenge) => json_response(
            StatusCode::OK,
            json!({ "publicKey": {
                "challenge": b64url(&challenge),
                "rpId": rp.id(),
                "timeout": TIMEOUT_MS,
                "userVerification": "required",
                "allowCredentials": [],
            }}),
        ),
        Err(e) => internal(&e),
    }
}

#[derive(Deserialize)]
struct AssertionJson {
    id: String,
    #[serde(rename = "clientDataJSON")]
    client_data_json: String,
    #[serde(rename = "authenticatorData")]
    authenticator_data: String,
    signature: String,
    #[serde(rename = "userHandle", default)]
    user_handle: Option<String>,
}

struct Assertion {
    id: Vec<u8>,
    client: Vec<u8>,
    auth: Vec<u8>,
    signature: Vec<u8>,
    user_handle: Option<Vec<u8>>,
}

fn parse_assertion(body: &[u8]) -> Option<Assertion> {
    let a: AssertionJson = serde_json::from_slice(body).ok()?;
    Some(Assertion {
        id: from_b64url(&a.id)?,
        client: from_b64url(&a.client_data_json)?,
        auth: from_b64url(&a.authenticator_data)?,
        signature: from_b64url(&a.signature)?,
        user_handle: match a.user_handle {
            Some(h) => Some(from_b64url(&h)?),
            None => None,
        },
    })
}

/// `POST /login/passkey`: checks the assertion and signs in (full stage).
pub async fn login(
    State(state): State<Arc<WebState>>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(r) = check_json(&state, &headers) {
        return r;
    }
    let rp = match relying_party(&state) {
        Ok(rp) => rp,
        Err(r) => return r,
    };
    let Some(binding) = pre_binding(&headers) else {
        return json_error(StatusCode::FORBIDDEN, Code::AccountCsrf);
    };
    let assertion = parse_assertion(&body);
    let now = state.clock.now_ms();
    let old = session_binding(&headers);
    let outcome = state
        .store
        .run(move |c| {
            let challenge = passkeys::take_challenge(c, Purpose::Login, &binding, now)?;
            let failed = |c: &rusqlite::Connection, account: Option<&str>| {
                let mut e = Event::new(now, "passkey.failed").ip(ip);
                if let Some(a) = account {
                    e = e.account(a);
                }
                audit::record(c, &e)
            };
            let (Some(challenge), Some(a)) = (challenge, assertion) else {
                failed(c, None)?;
                return Ok(None);
            };
            let Some(key) = passkeys::find(c, &a.id)? else {
                failed(c, None)?;
                return Ok(None);
            };
            let Some(account) = store::by_id(c, &key.account_id)? else {
                failed(c, None)?;
                return Ok(None);
            };
            if account.failures.is_locked(now) {
                audit::record(
                    c,
                    &Event::new(now, "login.locked").account(&account.id).ip(ip),
                )?;
                return Ok(None);
            }
            let handle_ok = a
                .user_handle
                .as_deref()
                .is_none_or(|h| h == account.id.as_bytes());
            let verified = passkey::verify_assertion(
                &rp,
                &challenge,
                &key.public_key,
                key.sign_count,
                &a.client,
                &a.auth,
                &a.signature,
            );
            let count = match verified {
                Ok(count) if handle_ok => count,
                _ => {
                    failed(c, Some(&account.id))?;
                    if store::record_failure(c, &account, now)?.is_locked(now) {
                        audit::record(
                            c,
                            &Event::new(now, "login.locked").account(&account.id).ip(ip),
                        )?;
                    }
                    return Ok(None);
                }
            };
            // As for a password: a session id from before sign-in never survives it.
            if let Some(old) = old {
                sessions::delete(c, &old)?;
            }
            store::clear_failures(c, &account.id)?;
            passkeys::used(c, &key.credential_id, count, now)?;
            let id = sessions::create(c, &account.id, Stage::Full, now)?;
            audit::record(
                c,
                &Event::new(now, "passkey.login")
                    .account(&account.id)
                    .object(&b64url(&key.credential_id))
                    .ip(ip),
            )?;
            Ok::<_, AccountStoreError>(Some(id))
        })
        .await;
    match outcome {
        Ok(Some(id)) => {
            let mut r = json_response(StatusCode::OK, json!({ "redirect": "/home" }));
            r.headers_mut().append(
                header::SET_COOKIE,
                cookies::set(cookies::SESSION, &id.text()),
            );
            r
        }
        Ok(None) => invalid(StatusCode::UNAUTHORIZED),
        Err(e) => internal(&e),
    }
}
