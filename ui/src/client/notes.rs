//! The chart's session notes: a list of drafts and signed notes, and
//! "new note" with a template.

use bloom_core::note::{NoteSummary, Template};
use dioxus::prelude::*;

use super::format_date;
use crate::i18n::use_i18n;

/// The message id of a template's name.
pub fn template_label(template: Template) -> &'static str {
    match template {
        Template::Soap => "note-template-soap",
        Template::Dap => "note-template-dap",
        Template::Birp => "note-template-birp",
        Template::Free => "note-template-free",
    }
}

/// The client's notes, newest session first, and a "new note" control.
///
/// Element ids: `note-list` with one `note-row-{id}` button per note (session
/// date, template, a `.note-state[data-state="draft|signed"]` badge, the
/// number of addenda), `note-list-empty`; `note-template` (the template select;
/// option values are `Template::as_str`: soap, dap, birp, free), `note-new`.
#[component]
pub fn NoteList(
    notes: Vec<NoteSummary>,
    on_open: EventHandler<String>,
    on_new: EventHandler<Template>,
) -> Element {
    let i18n = use_i18n();
    let mut template = use_signal(|| Template::Soap);
    let mut rows = notes.clone();
    rows.sort_by_key(|n| std::cmp::Reverse(n.session_ms));
    rsx! {
        section { class: "note-list-panel", id: "note-list-panel",
            div { class: "panel-head",
                h2 { {i18n.t("note-list-title")} }
                div { class: "note-new",
                    label { r#for: "note-template", {i18n.t("note-template-label")} }
                    select { id: "note-template",
                        onchange: move |e| if let Some(t) = Template::parse(&e.value()) { template.set(t) },
                        for t in Template::ALL {
                            option { key: "{t.as_str()}", value: t.as_str(), selected: t == template(),
                                {i18n.t(template_label(t))} }
                        }
                    }
                    button { id: "note-new", r#type: "button", class: "primary",
                        onclick: move |_| on_new.call(template()),
                        {i18n.t("note-new")} }
                }
            }
            if rows.is_empty() {
                p { class: "empty-state", id: "note-list-empty", {i18n.t("note-list-empty")} }
            } else {
                ul { class: "note-list", id: "note-list",
                    for n in rows {
                        li { key: "{n.id}",
                            button { class: "note-row", id: "note-row-{n.id}", r#type: "button",
                                onclick: {
                                    let id = n.id.clone();
                                    move |_| on_open.call(id.clone())
                                },
                                time { class: "note-date", {format_date(n.session_ms)} }
                                span { class: "note-template", {i18n.t(template_label(n.template))} }
                                if n.signed_ms.is_some() {
                                    span { class: "note-state", "data-state": "signed", {i18n.t("note-signed")} }
                                } else {
                                    span { class: "note-state", "data-state": "draft", {i18n.t("note-draft")} }
                                }
                                if n.addenda == 1 {
                                    span { class: "note-addenda", {i18n.t("note-addenda-one")} }
                                } else if n.addenda > 1 {
                                    span { class: "note-addenda",
                                        {i18n.t_args("note-addenda-many", &[("count", &n.addenda.to_string())])} }
                                }
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
    use super::*;
    use crate::client::test_util::render;
    use crate::i18n::{I18n, Locale};

    #[test]
    fn every_template_has_a_name() {
        let en = I18n::new(Locale::En);
        for t in Template::ALL {
            assert!(en.has(template_label(t)), "{t:?}");
        }
    }

    #[test]
    fn lists_notes_newest_first_with_their_state() {
        fn app() -> Element {
            let note = |id: &str, template, session_ms, signed: bool, addenda| NoteSummary {
                id: id.into(),
                client_id: "c1".into(),
                template,
                session_ms,
                signed_ms: signed.then_some(session_ms + 1),
                signed_by: signed.then(|| "Dr Reyes".to_owned()),
                addenda,
            };
            let notes = vec![
                note("n1", Template::Soap, 1_709_251_200_000, true, 2),
                note("n2", Template::Dap, 1_709_337_600_000, false, 0),
            ];
            rsx! { NoteList { notes, on_open: |_| {}, on_new: |_| {} } }
        }
        let html = render(app);
        let (n1, n2) = (html.find("note-row-n1"), html.find("note-row-n2"));
        assert!(n1.is_some() && n2.is_some() && n2 < n1, "{html}");
        assert!(html.contains(r#"data-state="signed""#), "{html}");
        assert!(html.contains(r#"data-state="draft""#), "{html}");
        assert!(html.contains("2 addenda"), "{html}");
        assert!(html.contains("2024-03-02"), "{html}");
        for id in ["note-new", "note-template"] {
            assert!(html.contains(&format!("id=\"{id}\"")), "{html}");
        }
        for t in Template::ALL {
            assert!(
                html.contains(&format!("value=\"{}\"", t.as_str())),
                "{html}"
            );
        }
    }

    #[test]
    fn shows_an_empty_state() {
        fn app() -> Element {
            rsx! { NoteList { notes: vec![], on_open: |_| {}, on_new: |_| {} } }
        }
        assert!(render(app).contains(r#"id="note-list-empty""#));
    }
}
