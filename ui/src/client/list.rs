//! The client list: search by name (client-side), a status badge per client,
//! and the "new client" form.

use bloom_core::chart::{ClientSummary, NewClient};
use dioxus::prelude::*;

use super::status_label;
use crate::i18n::use_i18n;

/// The clients whose name contains every word of `query`, ignoring case, in
/// the order given. An empty query keeps everyone.
pub fn filter_clients<'a>(clients: &'a [ClientSummary], query: &str) -> Vec<&'a ClientSummary> {
    let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    clients
        .iter()
        .filter(|c| {
            let name = c.display_name.to_lowercase();
            words.iter().all(|w| name.contains(w.as_str()))
        })
        .collect()
}

/// The list of clients with a search box and the "new client" form.
///
/// Element ids:
/// - `client-search`: the search box (filters by name as you type);
/// - `client-list`: the list; `client-row-{id}`: the button opening a client,
///   with the name inside (`.client-name`) and a `.status-badge[data-status]`;
/// - `client-list-empty` (no clients at all), `client-list-no-match` (the search
///   matches nobody);
/// - `new-client-form`, `new-client-given`, `new-client-family`,
///   `new-client-preferred`, `new-client-save`, `new-client-error`.
#[component]
pub fn ClientList(
    clients: Vec<ClientSummary>,
    on_open: EventHandler<String>,
    on_create: EventHandler<NewClient>,
    error: Option<String>,
) -> Element {
    let i18n = use_i18n();
    let mut query = use_signal(String::new);
    let mut given = use_signal(String::new);
    let mut family = use_signal(String::new);
    let mut preferred = use_signal(String::new);
    let ready = !given().trim().is_empty() && !family().trim().is_empty();
    let shown: Vec<ClientSummary> = filter_clients(&clients, &query())
        .into_iter()
        .cloned()
        .collect();
    let count = shown.len().to_string();
    rsx! {
        section { class: "client-list-page", id: "client-list-page",
            div { class: "client-list-column",
                h1 { {i18n.t("client-list-title")} }
                label { r#for: "client-search", {i18n.t("client-search-label")} }
                input { id: "client-search", r#type: "search", autocomplete: "off",
                    placeholder: i18n.t("client-search-placeholder"), value: "{query}",
                    oninput: move |e| query.set(e.value()) }
                if clients.is_empty() {
                    p { class: "empty-state", id: "client-list-empty", {i18n.t("client-list-empty")} }
                } else if shown.is_empty() {
                    p { class: "empty-state", id: "client-list-no-match", {i18n.t("client-list-no-match")} }
                } else {
                    p { class: "visually-hidden", role: "status",
                        {i18n.t_args("client-list-count", &[("count", &count)])} }
                    ul { class: "client-list", id: "client-list",
                        for c in shown {
                            li { key: "{c.id}",
                                button { class: "client-row", id: "client-row-{c.id}",
                                    onclick: {
                                        let id = c.id.clone();
                                        move |_| on_open.call(id.clone())
                                    },
                                    span { class: "client-name", {c.display_name.clone()} }
                                    span { class: "status-badge", "data-status": c.status.as_str(),
                                        {i18n.t(status_label(c.status))} }
                                }
                            }
                        }
                    }
                }
            }
            form { class: "client-new panel", id: "new-client-form",
                onsubmit: move |e| {
                    e.prevent_default();
                    if ready {
                        let pref = preferred().trim().to_owned();
                        on_create.call(NewClient {
                            given_name: given().trim().to_owned(),
                            family_name: family().trim().to_owned(),
                            preferred_name: (!pref.is_empty()).then_some(pref),
                        });
                        given.set(String::new());
                        family.set(String::new());
                        preferred.set(String::new());
                    }
                },
                h2 { {i18n.t("client-new-title")} }
                label { r#for: "new-client-given", {i18n.t("client-given-name")} }
                input { id: "new-client-given", r#type: "text", autocomplete: "off", required: true,
                    value: "{given}", oninput: move |e| given.set(e.value()) }
                label { r#for: "new-client-family", {i18n.t("client-family-name")} }
                input { id: "new-client-family", r#type: "text", autocomplete: "off", required: true,
                    value: "{family}", oninput: move |e| family.set(e.value()) }
                label { r#for: "new-client-preferred", {i18n.t("client-preferred-name")} }
                input { id: "new-client-preferred", r#type: "text", autocomplete: "off",
                    value: "{preferred}", oninput: move |e| preferred.set(e.value()) }
                p { class: "field-help", {i18n.t("client-preferred-help")} }
                if let Some(e) = error.as_ref() {
                    p { class: "form-error", id: "new-client-error", role: "alert", {e.clone()} }
                }
                button { id: "new-client-save", r#type: "submit", class: "primary", disabled: !ready,
                    {i18n.t("client-new-save")} }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::test_util::render;
    use bloom_core::chart::CaseStatus;

    fn client(id: &str, name: &str, status: CaseStatus) -> ClientSummary {
        ClientSummary {
            id: id.into(),
            display_name: name.into(),
            status,
            updated_ms: 0,
        }
    }

    fn sample() -> Vec<ClientSummary> {
        vec![
            client("c1", "Ana Silva", CaseStatus::Active),
            client("c2", "Ben Okafor", CaseStatus::Intake),
            client("c3", "Ana Berg", CaseStatus::Closed),
        ]
    }

    #[test]
    fn search_matches_every_word_ignoring_case() {
        let all = sample();
        let ids = |q: &str| -> Vec<String> {
            filter_clients(&all, q)
                .iter()
                .map(|c| c.id.clone())
                .collect()
        };
        assert_eq!(ids(""), ["c1", "c2", "c3"]);
        assert_eq!(ids("  ana "), ["c1", "c3"]);
        assert_eq!(ids("SILVA ana"), ["c1"]);
        assert!(ids("zed").is_empty());
    }

    #[test]
    fn renders_rows_with_names_and_status_badges() {
        fn app() -> Element {
            rsx! { ClientList { clients: sample(), on_open: |_| {}, on_create: |_| {} } }
        }
        let html = render(app);
        for id in [
            "client-search",
            "new-client-given",
            "new-client-family",
            "new-client-preferred",
            "new-client-save",
        ] {
            assert!(html.contains(&format!("id=\"{id}\"")), "{id}: {html}");
        }
        assert!(html.contains(r#"id="client-row-c1""#), "{html}");
        assert!(html.contains("Ana Silva"), "{html}");
        assert!(html.contains("Ben Okafor"), "{html}");
        assert!(html.contains(r#"data-status="intake""#), "{html}");
        assert!(html.contains("Intake"), "{html}");
        assert!(!html.contains("client-list-empty"), "{html}");
        // The form cannot be sent empty.
        assert!(html.contains("disabled"), "{html}");
    }

    #[test]
    fn shows_the_empty_state_and_errors() {
        fn app() -> Element {
            rsx! {
                ClientList { clients: vec![], on_open: |_| {}, on_create: |_| {},
                    error: "That did not work.".to_owned() }
            }
        }
        let html = render(app);
        assert!(html.contains(r#"id="client-list-empty""#), "{html}");
        assert!(html.contains(r#"id="new-client-error""#), "{html}");
        assert!(html.contains("That did not work."), "{html}");
    }
}
