//! The global search screen.

use bloom_core::search::SearchHit;
use bloom_ui::search::SearchPage;
use bloom_ui::use_i18n;
use dioxus::prelude::*;
use serde::Serialize;

use crate::tauri;

#[derive(Serialize)]
struct QueryArgs {
    query: String,
}

#[component]
pub fn SearchScreen(on_open: EventHandler<SearchHit>) -> Element {
    let i18n = use_i18n();
    let mut query = use_signal(String::new);
    let hits = use_resource(move || async move {
        let q = query();
        if q.trim().chars().count() < 2 {
            return Ok(None);
        }
        tauri::call::<Vec<SearchHit>>("search", QueryArgs { query: q })
            .await
            .map(Some)
    });
    let (list, searched, error) = match &*hits.read() {
        Some(Ok(Some(list))) => (list.clone(), true, None),
        Some(Err(e)) => (vec![], false, Some(i18n.error(&e.code, &e.message))),
        _ => (vec![], false, None),
    };
    rsx! {
        SearchPage { query: query(), hits: list, searched, on_query: move |q| query.set(q), on_open }
        if let Some(e) = error { p { class: "form-error", role: "alert", "{e}" } }
    }
}
