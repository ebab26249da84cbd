//! `/home` sends each role where it works; placeholders stand in for the
//! portal and console pages until they exist.

use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use bloom_core::account::Role;
use bloom_ui::account::SignedInPage;
use dioxus::prelude::*;

use crate::web::render;
use crate::web::viewer::Viewer;

pub async fn home(viewer: Viewer) -> Response {
    match viewer.role {
        Role::Patient | Role::Therapist => render::see_other("/portal"),
        Role::Admin => render::see_other("/console"),
    }
}

fn signed_in(viewer: Viewer, headers: &HeaderMap) -> Response {
    let body = rsx! {
        SignedInPage {
            display_name: viewer.display_name,
            role: viewer.role.as_str(),
            csrf: viewer.csrf,
        }
    };
    render::page(render::i18n(headers), "account-signed-in-title", body).into_response()
}

pub async fn portal_placeholder(viewer: Viewer, headers: HeaderMap) -> Response {
    signed_in(viewer, &headers)
}
