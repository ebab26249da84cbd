//! The client list and the chart, with the note editor over it. Every tab
//! reads what it shows through its own command, so opening a chart never
//! loads every document of the client.

use bloom_core::assessment::{Instrument, ScorePoint, Scored};
use bloom_core::chart::{CaseStatus, ChartView, ClientSummary, NewClient, Profile};
use bloom_core::consent::ConsentKind;
use bloom_core::note::{NoteSummary, NoteView, Template};
use bloom_core::psychotherapy_note::{PsychotherapyNoteSummary, PsychotherapyNoteView};
use bloom_core::safety_plan::{SafetyPlan, Section};
use bloom_core::treatment_plan::{PlanEdit, TreatmentPlan};
use bloom_ui::client::assessment::{AssessmentForm, ScoreChart};
use bloom_ui::client::chart::{ChartSummary, ChartTab, ClientChart};
use bloom_ui::client::consent::ConsentPanel;
use bloom_ui::client::diagnosis::DiagnosisList;
use bloom_ui::client::list::ClientList;
use bloom_ui::client::notes::NoteList;
use bloom_ui::client::profile::ProfileForm;
use bloom_ui::client::psychotherapy::PsychotherapyPanel;
use bloom_ui::client::safety_plan::SafetyPlanForm;
use bloom_ui::client::treatment_plan::TreatmentPlanView;
use bloom_ui::note_editor::NoteEditor;
use bloom_ui::use_i18n;
use dioxus::prelude::*;
use serde::Serialize;

use crate::tauri::{self, NoArgs};

/// Which note the chart shows over its tabs.
#[derive(Clone, Debug, PartialEq)]
pub enum OpenNote {
    Existing(String),
    /// Start a note for this appointment (from the calendar).
    ForAppointment {
        appointment_id: String,
        session_ms: i64,
    },
}

#[derive(Serialize)]
struct IdArgs {
    id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ClientArgs {
    client_id: String,
}

#[component]
pub fn ClientsScreen(
    open_client: Signal<Option<String>>,
    open_note: Signal<Option<OpenNote>>,
    chart_tab: Signal<Option<ChartTab>>,
) -> Element {
    match open_client() {
        Some(id) => rsx! { ChartScreen { key: "{id}", id, open_note, open_client, chart_tab } },
        None => rsx! { ClientListScreen { open_client } },
    }
}

#[derive(Serialize)]
struct NewArgs {
    new: NewClient,
}

#[component]
fn ClientListScreen(open_client: Signal<Option<String>>) -> Element {
    let i18n = use_i18n();
    let mut error = use_signal(|| None::<String>);
    let received = crate::sync::use_received();
    let clients = use_resource(move || async move {
        // Read again when sync brings changes from another device.
        received();
        tauri::call::<Vec<ClientSummary>>("list_clients", NoArgs {}).await
    });
    let (list, load_error) = match &*clients.read() {
        Some(Ok(list)) => (list.clone(), None),
        Some(Err(e)) => (vec![], Some(i18n.error(&e.code, &e.message))),
        None => (vec![], None),
    };
    rsx! {
        ClientList {
            clients: list,
            error: error().or(load_error),
            on_open: move |id: String| open_client.set(Some(id)),
            on_create: move |new: NewClient| async move {
                match tauri::call::<String>("create_client", NewArgs { new }).await {
                    Ok(id) => open_client.set(Some(id)),
                    Err(e) => error.set(Some(i18n.error(&e.code, &e.message))),
                }
            },
        }
    }
}

#[derive(Serialize)]
struct ProfileArgs {
    id: String,
    profile: Profile,
}

#[derive(Serialize)]
struct StatusArgs {
    id: String,
    status: CaseStatus,
}

#[derive(Serialize)]
struct CodeArgs {
    id: String,
    code: String,
}

#[derive(Serialize)]
struct ConsentArgs {
    id: String,
    kind: ConsentKind,
    granted: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PlanArgs {
    client_id: String,
    edit: PlanEdit,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SafetyArgs {
    client_id: String,
    sections: Vec<(Section, String)>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AssessmentArgs {
    client_id: String,
    instrument: Instrument,
    answers: Vec<u8>,
    taken_ms: i64,
    free_text: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ScoresArgs {
    client_id: String,
    instrument: Instrument,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NewNoteArgs {
    client_id: String,
    template: Template,
    session_ms: i64,
    appointment_id: Option<String>,
}

#[component]
fn ChartScreen(
    id: String,
    open_note: Signal<Option<OpenNote>>,
    open_client: Signal<Option<String>>,
    chart_tab: Signal<Option<ChartTab>>,
) -> Element {
    let i18n = use_i18n();
    let mut version = use_signal(|| 0u32);
    let mut message = use_signal(|| None::<String>);
    let client = id.clone();
    let chart = use_resource(move || {
        let id = client.clone();
        async move {
            let _ = version();
            tauri::call::<ChartView>("client_chart", IdArgs { id }).await
        }
    });
    let Some(result) = chart.read().clone() else {
        return rsx! { p { class: "loading", "…" } };
    };
    let chart = match result {
        Ok(c) => c,
        Err(e) => {
            return rsx! { p { class: "form-error", role: "alert", {i18n.error(&e.code, &e.message)} } };
        }
    };
    let (id1, id2, id3, id4) = (id.clone(), id.clone(), id.clone(), id.clone());
    let report = move |r: Result<(), tauri::CommandError>| match r {
        Ok(()) => version += 1,
        Err(e) => message.set(Some(i18n.error(&e.code, &e.message))),
    };
    let mut report1 = report;
    let mut report2 = report;
    let mut report3 = report;
    let mut report4 = report;
    let mut report5 = report;
    rsx! {
        button { id: "chart-back", class: "link", onclick: move |_| { open_note.set(None); open_client.set(None) },
            {i18n.t("chart-back")} }
        if let Some(m) = message() { p { class: "form-error", role: "alert", "{m}" } }
        if open_note().is_some() {
            NoteArea { client_id: id.clone(), client_name: chart.display_name.clone(), open_note }
        }
        ClientChart {
            chart: chart.clone(),
            initial_tab: chart_tab().unwrap_or_default(),
            on_status: move |status: CaseStatus| {
                let id = id1.clone();
                async move { report1(tauri::call::<ChartView>("set_case_status", StatusArgs { id, status }).await.map(|_| ())) }
            },
            summary: rsx! {
                ChartSummary { chart: chart.clone() }
                ExportRecord { client_id: chart.id.clone() }
                ProfileForm {
                    profile: chart.profile.clone(),
                    error: None,
                    on_save: move |profile: Profile| {
                        let id = id2.clone();
                        async move { report2(tauri::call::<ChartView>("update_profile", ProfileArgs { id, profile }).await.map(|_| ())) }
                    },
                }
                DiagnosisList {
                    diagnoses: chart.diagnoses.clone(),
                    on_add: move |code: String| {
                        let id = id3.clone();
                        async move { report3(tauri::call::<bloom_core::chart::DiagnosisEntry>("add_diagnosis", CodeArgs { id, code }).await.map(|_| ())) }
                    },
                    on_resolve: move |code: String| {
                        let id = id4.clone();
                        async move { report4(tauri::call::<ChartView>("resolve_diagnosis", CodeArgs { id, code }).await.map(|_| ())) }
                    },
                }
            },
            plan: rsx! { PlanTab { client_id: id.clone() } },
            notes: rsx! { NotesTab { client_id: id.clone(), open_note } },
            assessments: rsx! { AssessmentsTab { client_id: id.clone() } },
            consents: rsx! {
                ConsentPanel {
                    consents: chart.consents.clone(),
                    now_ms: js_sys::Date::now() as i64,
                    on_change: move |(kind, granted): (ConsentKind, bool)| {
                        let id = id.clone();
                        async move { report5(tauri::call::<ChartView>("record_consent", ConsentArgs { id, kind, granted }).await.map(|_| ())) }
                    },
                }
            },
            safety: rsx! { SafetyTab { client_id: chart.id.clone() } },
            portal: rsx! { crate::portal::PortalChartTab { client_id: chart.id.clone() } },
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExportArgs {
    id: String,
    path: String,
    include_psychotherapy: bool,
}

/// Writes the client's record to a JSON file; psychotherapy notes only when
/// ticked (and unlocked).
#[component]
fn ExportRecord(client_id: String) -> Element {
    let i18n = use_i18n();
    let mut path = use_signal(String::new);
    let mut psychotherapy = use_signal(|| false);
    let mut notice = use_signal(|| None::<String>);
    rsx! {
        details { class: "chart-export",
            summary { {i18n.t("chart-export")} }
            div { class: "row",
                input { id: "chart-export-path", r#type: "text", "aria-label": i18n.t("chart-export-path"),
                    placeholder: i18n.t("chart-export-path"), value: "{path}", oninput: move |e| path.set(e.value()) }
                button { id: "chart-export-save", disabled: path().trim().is_empty(),
                    onclick: move |_| {
                        let args = ExportArgs { id: client_id.clone(), path: path().trim().to_owned(), include_psychotherapy: psychotherapy() };
                        async move {
                            let done = tauri::call::<()>("export_client", args).await;
                            notice.set(Some(match done {
                                Ok(()) => i18n.t("chart-exported"),
                                Err(e) => i18n.error(&e.code, &e.message),
                            }));
                        }
                    },
                    {i18n.t("chart-export-save")} }
            }
            label { class: "inline",
                input { id: "chart-export-psychotherapy", r#type: "checkbox", checked: psychotherapy(),
                    onchange: move |e| psychotherapy.set(e.checked()) }
                " " {i18n.t("chart-export-psychotherapy")}
            }
            if let Some(n) = notice() { p { id: "chart-export-notice", class: "notice", role: "status", "{n}" } }
        }
    }
}

#[component]
fn NoteArea(
    client_id: String,
    client_name: String,
    open_note: Signal<Option<OpenNote>>,
) -> Element {
    let i18n = use_i18n();
    let mut note = use_signal(|| None::<NoteView>);
    let mut message = use_signal(|| None::<String>);
    let wanted = open_note();
    let cid = client_id.clone();
    // Opens (or starts) the note whenever the request changes.
    use_effect(use_reactive!(|wanted| {
        let client_id = cid.clone();
        spawn(async move {
            let loaded = match wanted {
                None => return,
                Some(OpenNote::Existing(id)) => {
                    tauri::call::<NoteView>("read_note", IdArgs { id }).await
                }
                Some(OpenNote::ForAppointment {
                    appointment_id,
                    session_ms,
                }) => {
                    let args = NewNoteArgs {
                        client_id,
                        template: Template::Soap,
                        session_ms,
                        appointment_id: Some(appointment_id),
                    };
                    let made = tauri::call::<NoteView>("create_note", args).await;
                    if let Ok(n) = &made {
                        open_note.set(Some(OpenNote::Existing(n.id.clone())));
                    }
                    made
                }
            };
            match loaded {
                Ok(n) => note.set(Some(n)),
                Err(e) => message.set(Some(i18n.error(&e.code, &e.message))),
            }
        });
    }));
    let Some(current) = note() else {
        return rsx! { if let Some(m) = message() { p { class: "form-error", role: "alert", "{m}" } } };
    };
    let (id1, id2, id3) = (current.id.clone(), current.id.clone(), current.id.clone());
    rsx! {
        NoteEditor {
            note: current,
            client_name,
            message: message(),
            on_close: move |_| { note.set(None); open_note.set(None) },
            on_save: move |sections: Vec<(String, String)>| {
                let id = id1.clone();
                async move {
                    match tauri::call::<NoteView>("save_note", SaveArgs { id, sections }).await {
                        Ok(n) => { note.set(Some(n)); message.set(Some(i18n.t("note-saved"))) }
                        Err(e) => message.set(Some(i18n.error(&e.code, &e.message))),
                    }
                }
            },
            on_sign: move |sections: Vec<(String, String)>| {
                let id = id2.clone();
                async move {
                    // What is on screen is what gets signed: save, then sign.
                    let saved = tauri::call::<NoteView>("save_note", SaveArgs { id: id.clone(), sections }).await;
                    let signed = match saved {
                        Ok(_) => tauri::call::<NoteView>("sign_note", IdArgs { id }).await,
                        Err(e) => Err(e),
                    };
                    match signed {
                        Ok(n) => { note.set(Some(n)); message.set(Some(i18n.t("note-signed-done"))) }
                        Err(e) => message.set(Some(i18n.error(&e.code, &e.message))),
                    }
                }
            },
            on_addendum: move |text: String| {
                let id = id3.clone();
                async move {
                    match tauri::call::<NoteView>("add_addendum", AddendumArgs { id, text }).await {
                        Ok(n) => note.set(Some(n)),
                        Err(e) => message.set(Some(i18n.error(&e.code, &e.message))),
                    }
                }
            },
        }
    }
}

#[derive(Serialize)]
struct SaveArgs {
    id: String,
    sections: Vec<(String, String)>,
}

#[derive(Serialize)]
struct AddendumArgs {
    id: String,
    text: String,
}

#[component]
fn NotesTab(client_id: String, open_note: Signal<Option<OpenNote>>) -> Element {
    let i18n = use_i18n();
    let cid = client_id.clone();
    let received = crate::sync::use_received();
    let notes = use_resource(move || {
        let client_id = cid.clone();
        async move {
            let _ = open_note();
            received();
            tauri::call::<Vec<NoteSummary>>("list_notes", ClientArgs { client_id })
                .await
                .unwrap_or_default()
        }
    });
    let mut error = use_signal(|| None::<String>);
    let new_for = client_id.clone();
    rsx! {
        NoteList {
            notes: notes().unwrap_or_default(),
            on_open: move |id: String| open_note.set(Some(OpenNote::Existing(id))),
            on_new: move |template: Template| {
                let client_id = new_for.clone();
                async move {
                    let args = NewNoteArgs { client_id, template, session_ms: js_sys::Date::now() as i64, appointment_id: None };
                    match tauri::call::<NoteView>("create_note", args).await {
                        Ok(n) => open_note.set(Some(OpenNote::Existing(n.id))),
                        Err(e) => error.set(Some(i18n.error(&e.code, &e.message))),
                    }
                }
            },
        }
        if let Some(e) = error() { p { class: "form-error", role: "alert", "{e}" } }
        JournalArea { client_id: client_id.clone() }
        PsychotherapyArea { client_id }
    }
}

/// What the shell says about on-device analysis for one client.
#[derive(Clone, PartialEq, serde::Deserialize)]
struct MlStatus {
    available: bool,
    reason: Option<String>,
    consented: bool,
    labels: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JournalArgs {
    client_id: String,
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FeedbackArgs {
    record_id: String,
    label: String,
}

#[component]
fn JournalArea(client_id: String) -> Element {
    use bloom_core::risk::JournalEntry;
    use bloom_ui::client::journal::{JournalPanel, MlState};
    let i18n = use_i18n();
    let mut version = use_signal(|| 0u32);
    let mut error = use_signal(|| None::<String>);
    let cid = client_id.clone();
    let data = use_resource(move || {
        let client_id = cid.clone();
        async move {
            let _ = version();
            let status = tauri::call::<MlStatus>(
                "ml_status",
                ClientArgs {
                    client_id: client_id.clone(),
                },
            )
            .await;
            let entries =
                tauri::call::<Vec<JournalEntry>>("journal_entries", ClientArgs { client_id }).await;
            (status, entries)
        }
    });
    let Some((status, entries)) = data() else {
        return rsx! { p { class: "loading", "…" } };
    };
    let (ml, labels) = match status {
        Ok(s) if !s.available => (MlState::Unavailable(s.reason.unwrap_or_default()), s.labels),
        Ok(s) if !s.consented => (MlState::NoConsent, s.labels),
        Ok(s) => (MlState::Available, s.labels),
        Err(e) => (
            MlState::Unavailable(i18n.error(&e.code, &e.message)),
            vec![],
        ),
    };
    let entries = entries.unwrap_or_default();
    rsx! {
        JournalPanel {
            entries,
            ml,
            labels,
            error: error(),
            on_add: move |text: String| {
                let client_id = client_id.clone();
                async move {
                    match tauri::call::<JournalEntry>("add_journal_entry", JournalArgs { client_id, text }).await {
                        Ok(_) => { version += 1; error.set(None) }
                        Err(e) => error.set(Some(i18n.error(&e.code, &e.message))),
                    }
                }
            },
            on_feedback: move |(record_id, label): (String, String)| async move {
                match tauri::call::<()>("risk_feedback", FeedbackArgs { record_id, label }).await {
                    Ok(()) => { version += 1; error.set(None) }
                    Err(e) => error.set(Some(i18n.error(&e.code, &e.message))),
                }
            },
        }
    }
}

#[derive(Serialize)]
struct SetUpArgs {
    passphrase: String,
    confirm: String,
}

#[derive(Serialize)]
struct PassphraseArgs {
    passphrase: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PsySaveArgs {
    client_id: String,
    id: Option<String>,
    text: String,
}

#[component]
fn PsychotherapyArea(client_id: String) -> Element {
    let i18n = use_i18n();
    let mut unlocked = use_signal(|| false);
    let mut open = use_signal(|| None::<PsychotherapyNoteView>);
    let mut error = use_signal(|| None::<String>);
    let mut version = use_signal(|| 0u32);
    let cid = client_id.clone();
    let list = use_resource(move || {
        let client_id = cid.clone();
        async move {
            let _ = version();
            tauri::call::<Vec<PsychotherapyNoteSummary>>(
                "list_psychotherapy_notes",
                ClientArgs { client_id },
            )
            .await
            .unwrap_or_default()
        }
    });
    let mut set_up_resource = use_resource(|| async {
        tauri::call::<bool>("psychotherapy_set_up", NoArgs {})
            .await
            .ok()
    });
    let set_up = move || (*set_up_resource.read()).flatten();
    rsx! {
        PsychotherapyPanel {
            unlocked: unlocked(),
            notes: list().unwrap_or_default(),
            open: open(),
            error: error(),
            first_time: set_up() == Some(false),
            on_unlock: move |(passphrase, confirm): (String, Option<String>)| async move {
                let done = match confirm {
                    Some(confirm) => {
                        tauri::call::<()>("set_up_psychotherapy", SetUpArgs { passphrase, confirm }).await
                    }
                    None => tauri::call::<()>("unlock_psychotherapy", PassphraseArgs { passphrase }).await,
                };
                match done {
                    Ok(()) => { unlocked.set(true); error.set(None); set_up_resource.restart() }
                    Err(e) => error.set(Some(i18n.error(&e.code, &e.message))),
                }
            },
            on_lock: move |_| async move {
                let _ = tauri::call::<()>("lock_psychotherapy", NoArgs {}).await;
                unlocked.set(false);
                open.set(None);
            },
            on_open: move |id: String| async move {
                match tauri::call::<PsychotherapyNoteView>("read_psychotherapy_note", IdArgs { id }).await {
                    Ok(n) => open.set(Some(n)),
                    Err(e) => error.set(Some(i18n.error(&e.code, &e.message))),
                }
            },
            on_save: move |(id, text): (Option<String>, String)| {
                let client_id = client_id.clone();
                async move {
                    match tauri::call::<String>("save_psychotherapy_note", PsySaveArgs { client_id, id, text }).await {
                        Ok(_) => { version += 1; open.set(None) }
                        Err(e) => error.set(Some(i18n.error(&e.code, &e.message))),
                    }
                }
            },
        }
    }
}

#[component]
fn PlanTab(client_id: String) -> Element {
    let i18n = use_i18n();
    let mut version = use_signal(|| 0u32);
    let mut error = use_signal(|| None::<String>);
    let cid = client_id.clone();
    let plan = use_resource(move || {
        let client_id = cid.clone();
        async move {
            let _ = version();
            tauri::call::<TreatmentPlan>("treatment_plan", ClientArgs { client_id }).await
        }
    });
    let Some(Ok(current)) = plan() else {
        return rsx! { p { class: "loading", "…" } };
    };
    rsx! {
        TreatmentPlanView {
            plan: current,
            on_edit: move |edit: PlanEdit| {
                let client_id = client_id.clone();
                async move {
                    match tauri::call::<TreatmentPlan>("edit_treatment_plan", PlanArgs { client_id, edit }).await {
                        Ok(_) => { version += 1; error.set(None) }
                        Err(e) => error.set(Some(i18n.error(&e.code, &e.message))),
                    }
                }
            },
        }
        if let Some(e) = error() { p { class: "form-error", role: "alert", "{e}" } }
    }
}

#[component]
fn SafetyTab(client_id: String) -> Element {
    let i18n = use_i18n();
    let mut saved = use_signal(|| false);
    let mut error = use_signal(|| None::<String>);
    let cid = client_id.clone();
    let plan = use_resource(move || {
        let client_id = cid.clone();
        async move { tauri::call::<SafetyPlan>("safety_plan", ClientArgs { client_id }).await }
    });
    let Some(Ok(current)) = plan() else {
        return rsx! { p { class: "loading", "…" } };
    };
    rsx! {
        SafetyPlanForm {
            plan: current,
            error: error(),
            saved: saved(),
            on_save: move |sections: Vec<(Section, String)>| {
                let client_id = client_id.clone();
                async move {
                    match tauri::call::<SafetyPlan>("save_safety_plan", SafetyArgs { client_id, sections }).await {
                        Ok(_) => { saved.set(true); error.set(None) }
                        Err(e) => error.set(Some(i18n.error(&e.code, &e.message))),
                    }
                }
            },
        }
    }
}

#[component]
fn AssessmentsTab(client_id: String) -> Element {
    let i18n = use_i18n();
    let mut version = use_signal(|| 0u32);
    let mut message = use_signal(|| None::<String>);
    let cid = client_id.clone();
    // Questionnaires also arrive from the portal (and other devices).
    let received = crate::sync::use_received();
    let scores = use_resource(move || {
        let client_id = cid.clone();
        async move {
            let _ = (version(), received());
            let phq = tauri::call::<Vec<ScorePoint>>(
                "assessment_scores",
                ScoresArgs {
                    client_id: client_id.clone(),
                    instrument: Instrument::Phq9,
                },
            )
            .await
            .unwrap_or_default();
            let gad = tauri::call::<Vec<ScorePoint>>(
                "assessment_scores",
                ScoresArgs {
                    client_id,
                    instrument: Instrument::Gad7,
                },
            )
            .await
            .unwrap_or_default();
            (phq, gad)
        }
    });
    let (phq, gad) = scores().unwrap_or_default();
    let mut free_text = use_signal(String::new);
    rsx! {
        ScoreChart { instrument: Instrument::Phq9, points: phq }
        ScoreChart { instrument: Instrument::Gad7, points: gad }
        if let Some(m) = message() { p { class: "notice", role: "status", "{m}" } }
        label { r#for: "assessment-free-text", {i18n.t("assessment-free-text")} }
        textarea { id: "assessment-free-text", rows: "2", value: "{free_text}",
            oninput: move |e| free_text.set(e.value()) }
        AssessmentForm {
            instrument: None,
            on_submit: move |(instrument, answers): (Instrument, Vec<u8>)| {
                let client_id = client_id.clone();
                async move {
                    let text = free_text();
                    let args = AssessmentArgs {
                        client_id, instrument, answers, taken_ms: js_sys::Date::now() as i64,
                        free_text: (!text.trim().is_empty()).then_some(text),
                    };
                    match tauri::call::<Scored>("record_assessment", args).await {
                        Ok(s) => {
                            version += 1;
                            free_text.set(String::new());
                            message.set(Some(if s.safety_alert {
                                i18n.t("score-safety-alert")
                            } else {
                                i18n.t_args("score-recorded", &[("total", &s.total.to_string())])
                            }));
                        }
                        Err(e) => message.set(Some(i18n.error(&e.code, &e.message))),
                    }
                }
            },
        }
    }
}
