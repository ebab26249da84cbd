//! The note editor: a draft's sections as text areas with Save and Sign; a
//! signed note read-only with its signature and addenda, and a box for a new
//! addendum.
//!
//! Element ids: `note-editor`, `note-section-{key}`, `note-save`, `note-sign`,
//! `note-signed`, `note-signed-{key}`, `note-addendum`, `note-addendum-save`,
//! `note-addenda`, `note-close`.

use bloom_core::note::{AddendumKind, NoteView, Template};
use dioxus::prelude::*;

use crate::i18n::use_i18n;

pub fn section_label(key: &str) -> String {
    format!("note-section-{key}")
}

pub fn template_label(t: Template) -> &'static str {
    match t {
        Template::Soap => "note-title-soap",
        Template::Dap => "note-title-dap",
        Template::Birp => "note-title-birp",
        Template::Free => "note-title-free",
    }
}

#[component]
pub fn NoteEditor(
    note: NoteView,
    client_name: String,
    message: Option<String>,
    on_save: EventHandler<Vec<(String, String)>>,
    on_sign: EventHandler<Vec<(String, String)>>,
    on_addendum: EventHandler<String>,
    on_close: EventHandler<()>,
) -> Element {
    let i18n = use_i18n();
    let initial = note.sections.clone();
    let mut texts = use_signal(move || initial);
    // A different note (or the same note after a save from elsewhere) resets the fields.
    let note_key = note.id.clone();
    let mut shown = use_signal(move || note_key);
    if *shown.peek() != note.id {
        shown.set(note.id.clone());
        texts.set(note.sections.clone());
    }
    let mut addendum = use_signal(String::new);
    let title = i18n.t(template_label(note.template));
    rsx! {
        section { id: "note-editor", class: "note-editor", "aria-labelledby": "note-title",
            div { class: "note-head",
                h2 { id: "note-title", "{title} · {client_name}" }
                button { id: "note-close", class: "link", onclick: move |_| on_close.call(()), {i18n.t("note-close")} }
            }
            if let Some(sig) = note.signature.clone() {
                div { id: "note-signed", class: "note-signed",
                    for (key, body) in note.sections.iter() {
                        div { key: "{key}", class: "note-section",
                            h3 { {i18n.t(&section_label(key))} }
                            p { id: "note-signed-{key}", class: "note-text", "{body}" }
                        }
                    }
                    p { class: "signature",
                        {i18n.t_args("note-signed-by", &[("who", &sig.by)])}
                    }
                }
                if !note.addenda.is_empty() {
                    div { id: "note-addenda", class: "note-addenda",
                        h3 { {i18n.t("note-addenda")} }
                        for (i, a) in note.addenda.iter().enumerate() {
                            div { key: "{i}", class: "addendum", "data-kind": match a.kind {
                                    AddendumKind::Written => "written",
                                    AddendumKind::ConcurrentEdit => "concurrent_edit",
                                    AddendumKind::ConflictingSignature => "conflicting_signature",
                                },
                                if a.kind != AddendumKind::Written {
                                    p { class: "warning", {i18n.t("note-addendum-late")} }
                                }
                                p { class: "note-text", "{a.text}" }
                                if !a.by.is_empty() { p { class: "muted", "— {a.by}" } }
                            }
                        }
                    }
                }
                label { r#for: "note-addendum", {i18n.t("note-addendum-new")} }
                textarea { id: "note-addendum", rows: "3", value: "{addendum}", oninput: move |e| addendum.set(e.value()) }
                button { id: "note-addendum-save", disabled: addendum().trim().is_empty(),
                    onclick: move |_| {
                        on_addendum.call(addendum());
                        addendum.set(String::new());
                    },
                    {i18n.t("note-addendum-save")} }
            } else {
                p { class: "muted", {i18n.t("note-draft-help")} }
                for (i, (key, _)) in note.sections.iter().enumerate() {
                    div { key: "{key}", class: "note-section",
                        label { r#for: "note-section-{key}", {i18n.t(&section_label(key))} }
                        textarea { id: "note-section-{key}", rows: "5",
                            value: texts.read().get(i).map(|(_, t)| t.clone()).unwrap_or_default(),
                            oninput: move |e| {
                                if let Some(slot) = texts.write().get_mut(i) {
                                    slot.1 = e.value();
                                }
                            }
                        }
                    }
                }
                div { class: "actions",
                    button { id: "note-save", onclick: move |_| on_save.call(texts()), {i18n.t("note-save")} }
                    button { id: "note-sign", class: "primary",
                        disabled: texts().iter().all(|(_, t)| t.trim().is_empty()),
                        onclick: move |_| on_sign.call(texts()),
                        {i18n.t("note-sign")} }
                }
            }
            if let Some(m) = message { p { class: "notice", role: "status", "{m}" } }
        }
    }
}

#[cfg(test)]
mod tests {
    use bloom_core::note::{Addendum, Signature};

    use super::*;

    fn note(signed: bool) -> NoteView {
        let sections = vec![
            ("data".to_owned(), "Calm <b>today</b>".to_owned()),
            ("assessment".into(), String::new()),
            ("plan".into(), String::new()),
        ];
        NoteView {
            id: "n1".into(),
            client_id: "c1".into(),
            template: Template::Dap,
            session_ms: 0,
            appointment_id: None,
            signature: signed.then(|| Signature {
                by: "Dr Okafor".into(),
                at_ms: 1,
                sections: sections.clone(),
            }),
            addenda: if signed {
                vec![Addendum {
                    kind: AddendumKind::ConcurrentEdit,
                    text: "data: tearful".into(),
                    by: String::new(),
                    at_ms: 1,
                }]
            } else {
                vec![]
            },
            sections,
        }
    }

    fn render(n: NoteView) -> String {
        let mut dom = VirtualDom::new_with_props(
            |p: NoteView| {
                rsx! {
                    NoteEditor { note: p, client_name: "Ana Silva", message: None,
                        on_save: |_| {}, on_sign: |_| {}, on_addendum: |_| {}, on_close: |_| {} }
                }
            },
            n,
        );
        dom.rebuild_in_place();
        dioxus_ssr::render(&dom)
    }

    #[test]
    fn a_draft_is_editable_and_a_signed_note_is_not() {
        let draft = render(note(false));
        assert!(
            draft.contains("note-section-data") && draft.contains("note-sign"),
            "{draft}"
        );
        assert!(draft.contains("Calm &#60;b&#62;today"), "escaped: {draft}");
        let signed = render(note(true));
        assert!(
            !signed.contains("<textarea id=\"note-section-data\""),
            "{signed}"
        );
        assert!(
            signed.contains("note-signed-data") && signed.contains("Dr Okafor"),
            "{signed}"
        );
        assert!(
            signed.contains(r#"data-kind="concurrent_edit""#),
            "{signed}"
        );
        assert!(signed.contains("note-addendum-save"), "{signed}");
    }
}
