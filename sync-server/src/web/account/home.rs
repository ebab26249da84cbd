//! `/home` sends each role where it works: patients to the portal, admins to
//! the console; therapists, whose work is in the desktop app, get a page with
//! their account and support.

use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use bloom_core::account::Role;
use bloom_ui::account::SignedInPage;
use dioxus::prelude::*;

use crate::web::render;
use crate::web::viewer::Viewer;

pub async fn home(viewer: Viewer, headers: HeaderMap) -> Response {
    match viewer.role {
        Role::Patient => render::see_other("/portal"),
        Role::Admin => render::see_other("/console"),
        Role::Therapist => signed_in(viewer, &headers),
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
    (
        [(axum::http::header::CACHE_CONTROL, "no-store")],
        render::page(render::i18n(headers), "account-signed-in-title", body),
    )
        .into_response()
}
