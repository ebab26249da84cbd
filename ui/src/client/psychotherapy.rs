//! Psychotherapy notes: kept apart from the rest of the record, behind their
//! own unlock, and left out of exports.

use bloom_core::psychotherapy_note::{PsychotherapyNoteSummary, PsychotherapyNoteView};
use dioxus::prelude::*;

use super::format_date;
use crate::i18n::use_i18n;

/// Psychotherapy notes for one client.
///
/// Locked (`unlocked: false`): an explanation and a passphrase field →
/// `on_unlock((passphrase, confirmation))` (the confirmation only the first time). Unlocked: the list (`on_open(id)` loads a note into
/// `open`), "new note", and an editor → `on_save((id, text))` with `None` for
/// a new note; `on_lock` locks them again.
///
/// Element ids: `psy-panel` (`data-state="locked|unlocked"`),
/// `psy-explanation`; locked: `psy-passphrase`, `psy-unlock`, `psy-error`;
/// unlocked: `psy-list` with `psy-row-{id}` buttons or `psy-list-empty`,
/// `psy-new`, `psy-lock`, the editor `psy-editor` with `psy-text` and
/// `psy-save`.
#[component]
pub fn PsychotherapyPanel(
    unlocked: bool,
    notes: Vec<PsychotherapyNoteSummary>,
    open: Option<PsychotherapyNoteView>,
    error: Option<String>,
    on_unlock: EventHandler<(String, Option<String>)>,
    on_open: EventHandler<String>,
    on_save: EventHandler<(Option<String>, String)>,
    #[props(default)] on_lock: EventHandler<()>,
    /// No passphrase yet: ask for the new one twice (`psy-passphrase-confirm`).
    #[props(default)]
    first_time: bool,
) -> Element {
    let i18n = use_i18n();
    let mut passphrase = use_signal(String::new);
    let mut confirm = use_signal(String::new);
    let ready = !passphrase().is_empty() && (!first_time || confirm() == passphrase());
    // A new, unsaved note is being written (rather than the `open` one).
    let mut writing_new = use_signal(|| false);
    let mut rows = notes.clone();
    rows.sort_by_key(|n| std::cmp::Reverse(n.created_ms));
    let editing: Option<PsychotherapyNoteView> = if writing_new() { None } else { open.clone() };
    let show_editor = writing_new() || open.is_some();
    let editor_key = editing
        .as_ref()
        .map(|n| n.id.clone())
        .unwrap_or_else(|| "new".into());
    rsx! {
        section { class: "psy-panel panel", id: "psy-panel",
            "data-state": if unlocked { "unlocked" } else { "locked" },
            h2 { {i18n.t("psy-title")} }
            p { class: "muted", id: "psy-explanation", {i18n.t("psy-explanation")} }
            if !unlocked {
                form { class: "psy-unlock",
                    onsubmit: move |e| {
                        e.prevent_default();
                        if ready {
                            on_unlock.call((passphrase(), first_time.then_some(confirm())));
                            passphrase.set(String::new());
                            confirm.set(String::new());
                        }
                    },
                    label { r#for: "psy-passphrase", {i18n.t("psy-passphrase")} }
                    div { class: "row",
                        input { id: "psy-passphrase", r#type: "password", autocomplete: "current-password",
                            value: "{passphrase}", oninput: move |e| passphrase.set(e.value()) }
                        button { id: "psy-unlock", r#type: "submit", class: "primary",
                            disabled: !ready, {i18n.t("psy-unlock")} }
                    }
                    if first_time {
                        label { r#for: "psy-passphrase-confirm", {i18n.t("psy-passphrase-confirm")} }
                        input { id: "psy-passphrase-confirm", r#type: "password", autocomplete: "new-password",
                            value: "{confirm}", oninput: move |e| confirm.set(e.value()) }
                        p { class: "muted", id: "psy-first-time", {i18n.t("psy-first-time")} }
                    }
                    if let Some(e) = error.as_ref() {
                        p { class: "form-error", id: "psy-error", role: "alert", {e.clone()} }
                    }
                }
            } else {
                div { class: "psy-body",
                    div { class: "psy-side",
                        div { class: "row",
                            button { id: "psy-new", r#type: "button", onclick: move |_| writing_new.set(true),
                                {i18n.t("psy-new")} }
                            button { id: "psy-lock", r#type: "button", class: "link",
                                onclick: move |_| on_lock.call(()), {i18n.t("psy-lock")} }
                        }
                        if rows.is_empty() {
                            p { class: "empty-state", id: "psy-list-empty", {i18n.t("psy-list-empty")} }
                        } else {
                            ul { class: "psy-list", id: "psy-list",
                                for n in rows {
                                    li { key: "{n.id}",
                                        button { class: "psy-row", id: "psy-row-{n.id}", r#type: "button",
                                            "aria-current": if !writing_new() && open.as_ref().is_some_and(|o| o.id == n.id) { "true" } else { "false" },
                                            onclick: {
                                                let id = n.id.clone();
                                                move |_| {
                                                    writing_new.set(false);
                                                    on_open.call(id.clone());
                                                }
                                            },
                                            {i18n.t_args("psy-row", &[("date", &format_date(n.created_ms))])}
                                        }
                                    }
                                }
                            }
                        }
                    }
                    if show_editor {
                        PsyEditor { key: "{editor_key}", note: editing, on_save: move |v| {
                            writing_new.set(false);
                            on_save.call(v);
                        } }
                    }
                    if let Some(e) = error.as_ref() {
                        p { class: "form-error", id: "psy-error", role: "alert", {e.clone()} }
                    }
                }
            }
        }
    }
}

/// The editor of one psychotherapy note; keyed by note so that opening
/// another note starts from its text.
#[component]
fn PsyEditor(
    note: Option<PsychotherapyNoteView>,
    on_save: EventHandler<(Option<String>, String)>,
) -> Element {
    let i18n = use_i18n();
    let start = note.as_ref().map(|n| n.text.clone()).unwrap_or_default();
    let mut text = use_signal(move || start);
    let id = note.as_ref().map(|n| n.id.clone());
    let heading = match note.as_ref() {
        Some(n) => i18n.t_args("psy-row", &[("date", &format_date(n.created_ms))]),
        None => i18n.t("psy-new-heading"),
    };
    rsx! {
        form { class: "psy-editor", id: "psy-editor",
            onsubmit: move |e| {
                e.prevent_default();
                if !text().trim().is_empty() {
                    on_save.call((id.clone(), text()));
                }
            },
            label { r#for: "psy-text", {heading} }
            textarea { id: "psy-text", rows: "14", value: "{text}", oninput: move |e| text.set(e.value()) }
            button { id: "psy-save", r#type: "submit", class: "primary", disabled: text().trim().is_empty(),
                {i18n.t("psy-save")} }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::test_util::render;

    #[test]
    fn locked_shows_only_the_explanation_and_the_passphrase() {
        fn app() -> Element {
            let notes = vec![PsychotherapyNoteSummary {
                id: "p1".into(),
                client_id: "c1".into(),
                created_ms: 1_709_251_200_000,
            }];
            rsx! {
                PsychotherapyPanel { unlocked: false, notes, on_unlock: |_| {}, on_open: |_| {}, on_save: |_| {} }
            }
        }
        let html = render(app);
        assert!(html.contains(r#"data-state="locked""#), "{html}");
        assert!(html.contains(r#"id="psy-explanation""#), "{html}");
        assert!(html.contains("exports"), "{html}");
        assert!(html.contains(r#"id="psy-passphrase""#), "{html}");
        assert!(html.contains(r#"type="password""#), "{html}");
        assert!(html.contains(r#"id="psy-unlock""#), "{html}");
        assert!(!html.contains("psy-row-p1"), "{html}");
        assert!(!html.contains("psy-text"), "{html}");
    }

    #[test]
    fn unlocked_lists_notes_and_edits_the_open_one() {
        fn app() -> Element {
            let notes = vec![PsychotherapyNoteSummary {
                id: "p1".into(),
                client_id: "c1".into(),
                created_ms: 1_709_251_200_000,
            }];
            let open = PsychotherapyNoteView {
                id: "p1".into(),
                client_id: "c1".into(),
                created_ms: 1_709_251_200_000,
                text: "Process notes here".into(),
            };
            rsx! {
                PsychotherapyPanel { unlocked: true, notes, open, on_unlock: |_| {}, on_open: |_| {}, on_save: |_| {} }
            }
        }
        let html = render(app);
        assert!(html.contains(r#"data-state="unlocked""#), "{html}");
        assert!(html.contains(r#"id="psy-row-p1""#), "{html}");
        assert!(html.contains("2024-03-01"), "{html}");
        assert!(html.contains(r#"id="psy-text""#), "{html}");
        assert!(html.contains("Process notes here"), "{html}");
        assert!(html.contains(r#"id="psy-save""#), "{html}");
        assert!(!html.contains("psy-passphrase"), "{html}");
    }

    #[test]
    fn unlocked_without_notes_shows_an_empty_state() {
        fn app() -> Element {
            rsx! {
                PsychotherapyPanel { unlocked: true, notes: vec![], on_unlock: |_| {}, on_open: |_| {}, on_save: |_| {} }
            }
        }
        let html = render(app);
        assert!(html.contains(r#"id="psy-list-empty""#), "{html}");
        assert!(html.contains(r#"id="psy-new""#), "{html}");
    }
}
