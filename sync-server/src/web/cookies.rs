//! The cookies the web side sets: the session id and the pre-session CSRF
//! nonce. Both `HttpOnly; Secure; SameSite=Strict; Path=/`.

use axum::http::{HeaderMap, HeaderValue, header};
use bloom_core::account::token::OneTimeToken;

/// The signed-in session's id.
pub const SESSION: &str = "bloom_session";
/// The random nonce pre-session forms (sign in, reset, sign up) are bound to.
pub const PRE_SESSION: &str = "bloom_pre";

/// The value of cookie `name`, if the request carries it.
pub fn get(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// A token-valued cookie, parsed.
pub fn token(headers: &HeaderMap, name: &str) -> Option<OneTimeToken> {
    get(headers, name).and_then(|v| OneTimeToken::parse(&v))
}

/// `Set-Cookie` for `name=value` (a browser-session cookie).
pub fn set(name: &str, value: &str) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{name}={value}; HttpOnly; Secure; SameSite=Strict; Path=/"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("invalid=1; Max-Age=0"))
}

/// `Set-Cookie` that removes `name`.
pub fn clear(name: &str) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{name}=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("invalid=1; Max-Age=0"))
}
