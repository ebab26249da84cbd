//! Global search results: client names and notes, with the matched words
//! highlighted (from the snippet's markers, never from markup).
//!
//! Element ids: `search-input`, `search-results`, `search-hit-{record id}`.

use bloom_core::search::{HitKind, SearchHit, snippet_runs};
use dioxus::prelude::*;

use crate::i18n::use_i18n;

#[component]
pub fn SearchPage(
    query: String,
    hits: Vec<SearchHit>,
    searched: bool,
    on_query: EventHandler<String>,
    on_open: EventHandler<SearchHit>,
) -> Element {
    let i18n = use_i18n();
    rsx! {
        h1 { {i18n.t("search-title")} }
        input { id: "search-input", r#type: "search", class: "search-input", autofocus: true,
            "aria-label": i18n.t("search-title"), placeholder: i18n.t("search-placeholder"),
            oninput: move |e| on_query.call(e.value()) }
        if searched && hits.is_empty() {
            p { class: "empty-state", {i18n.t("search-none")} }
        }
        ul { id: "search-results", class: "search-results",
            for hit in hits.iter().cloned() {
                li { key: "{hit.record_id}",
                    button { id: "search-hit-{hit.record_id}", class: "search-hit",
                        onclick: { let h = hit.clone(); move |_| on_open.call(h.clone()) },
                        span { class: "hit-kind",
                            {i18n.t(if hit.kind == HitKind::Client { "search-kind-client" } else { "search-kind-note" })}
                        }
                        span { class: "hit-title",
                            if hit.kind == HitKind::Note { "{hit.client_name} · {hit.title}" } else { "{hit.title}" }
                        }
                        span { class: "hit-snippet",
                            for (i, (text, marked)) in snippet_runs(&hit.snippet).into_iter().enumerate() {
                                if marked { mark { key: "{i}", "{text}" } } else { span { key: "{i}", "{text}" } }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use bloom_core::search::{MATCH_END, MATCH_START};

    use super::*;

    #[test]
    fn hits_show_highlighted_words_and_inert_markup() {
        fn app() -> Element {
            let hit = SearchHit {
                kind: HitKind::Note,
                record_id: "n1".into(),
                client_id: "c1".into(),
                client_name: "Ana Silva".into(),
                title: "SOAP note".into(),
                snippet: format!("<script>x</script> slept {MATCH_START}badly{MATCH_END}"),
                session_ms: Some(0),
            };
            rsx! { SearchPage { query: "badly", hits: vec![hit], searched: true, on_query: |_| {}, on_open: |_| {} } }
        }
        let mut dom = VirtualDom::new(app);
        dom.rebuild_in_place();
        let html = dioxus_ssr::render(&dom);
        assert!(html.contains("<mark>badly</mark>"), "{html}");
        assert!(html.contains("&#60;script&#62;"), "{html}");
        assert!(
            html.contains("search-hit-n1") && html.contains("Ana Silva · SOAP note"),
            "{html}"
        );
    }
}
