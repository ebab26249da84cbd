//! Turning components into responses: the page around them, and the
//! refusal pages (403, 404, 429) that carry a stable error code.

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use bloom_core::Code;
use bloom_ui::account::NoticePage;
use bloom_ui::{I18n, I18nProvider, Locale};
use dioxus::prelude::*;

use super::STYLESHEET;

/// The translator for the request's `Accept-Language`.
pub fn i18n(headers: &HeaderMap) -> I18n {
    I18n::new(Locale::negotiate(
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    ))
}

/// A whole page: `title_id` is a message id, `body` the component tree.
pub fn page(i18n: I18n, title_id: &str, body: Element) -> Html<String> {
    let html = dioxus_ssr::render_element(rsx! { I18nProvider { i18n, {body} } });
    Html(bloom_ui::page::html_document(
        &i18n,
        &i18n.t(title_id),
        STYLESHEET,
        &html,
    ))
}

/// A refusal page with `code` announced, answered with `status`.
pub fn refusal(i18n: I18n, status: StatusCode, code: Code, text_id: &str) -> Response {
    let body = rsx! {
        NoticePage {
            heading: "account-error-title",
            text: text_id,
            error: Some(code.as_str().to_owned()),
            link: Some("/login".to_owned()),
            link_text: Some("account-sign-in-link".to_owned()),
        }
    };
    (status, page(i18n, "account-error-title", body)).into_response()
}

/// 403 with `account.forbidden`.
pub fn forbidden(i18n: I18n) -> Response {
    refusal(
        i18n,
        StatusCode::FORBIDDEN,
        Code::AccountForbidden,
        "account-forbidden-text",
    )
}

/// 500 with `internal`, after logging what failed (no secrets in `what`).
pub fn internal(i18n: I18n, what: &dyn std::fmt::Display) -> Response {
    tracing::error!(error = %what, "account request failed");
    refusal(
        i18n,
        StatusCode::INTERNAL_SERVER_ERROR,
        Code::Internal,
        "account-link-invalid-text",
    )
}

/// 303 See Other to `to`.
pub fn see_other(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_owned())]).into_response()
}
