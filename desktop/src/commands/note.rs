//! Commands of the note editor and psychotherapy notes.

use bloom_core::note::{NoteSummary, NoteView, Template};
use bloom_core::psychotherapy_note::{PsychotherapyNoteSummary, PsychotherapyNoteView};
use bloom_core::records::{note, psychotherapy};
use bloom_core::vault::Passphrase;
use tauri::{AppHandle, State};

use crate::ml::MlHolder;

use super::CommandError;
use super::journal::embed_note;
use crate::vault::VaultHolder;

/// What semantic search knows a note by: what it shows.
fn note_text(view: &NoteView) -> String {
    let mut parts: Vec<&str> = view.sections.iter().map(|(_, t)| t.as_str()).collect();
    parts.extend(view.addenda.iter().map(|a| a.text.as_str()));
    parts.join("\n")
}

/// Saves through `write`, then refreshes the note's embedding.
fn saved(
    app: &AppHandle,
    ml: &MlHolder,
    vault: &VaultHolder,
    view: Result<NoteView, CommandError>,
) -> Result<NoteView, CommandError> {
    let view = view?;
    embed_note(app, ml, vault, &view.id, &note_text(&view));
    Ok(view)
}

#[tauri::command(async)]
pub fn list_notes(
    client_id: String,
    vault: State<'_, VaultHolder>,
) -> Result<Vec<NoteSummary>, CommandError> {
    vault.vault(|v| note::list_notes(v, &client_id))
}

#[tauri::command(async)]
pub fn create_note(
    client_id: String,
    template: Template,
    session_ms: i64,
    appointment_id: Option<String>,
    vault: State<'_, VaultHolder>,
) -> Result<NoteView, CommandError> {
    vault.vault(|v| {
        let id = note::create_note(
            v,
            &client_id,
            template,
            session_ms,
            appointment_id.as_deref(),
        )?;
        note::read_note(v, &id)
    })
}

#[tauri::command(async)]
pub fn read_note(id: String, vault: State<'_, VaultHolder>) -> Result<NoteView, CommandError> {
    vault.vault(|v| note::read_note(v, &id))
}

#[tauri::command(async)]
pub fn save_note(
    id: String,
    sections: Vec<(String, String)>,
    app: AppHandle,
    ml: State<'_, MlHolder>,
    vault: State<'_, VaultHolder>,
) -> Result<NoteView, CommandError> {
    let changes: Vec<(&str, &str)> = sections
        .iter()
        .map(|(k, t)| (k.as_str(), t.as_str()))
        .collect();
    let view = vault.vault(|v| note::edit_sections(v, &id, &changes));
    saved(&app, &ml, &vault, view)
}

#[tauri::command(async)]
pub fn sign_note(
    id: String,
    app: AppHandle,
    ml: State<'_, MlHolder>,
    vault: State<'_, VaultHolder>,
) -> Result<NoteView, CommandError> {
    let view = vault.vault(|v| note::sign_note(v, &id));
    saved(&app, &ml, &vault, view)
}

#[tauri::command(async)]
pub fn add_addendum(
    id: String,
    text: String,
    app: AppHandle,
    ml: State<'_, MlHolder>,
    vault: State<'_, VaultHolder>,
) -> Result<NoteView, CommandError> {
    let view = vault.vault(|v| note::add_addendum(v, &id, &text));
    saved(&app, &ml, &vault, view)
}

/// Whether psychotherapy notes have their own passphrase yet.
#[tauri::command(async)]
pub fn psychotherapy_set_up(vault: State<'_, VaultHolder>) -> Result<bool, CommandError> {
    vault.session(|s| s.psychotherapy_set_up())
}

#[tauri::command(async)]
pub fn set_up_psychotherapy(
    passphrase: String,
    confirm: String,
    vault: State<'_, VaultHolder>,
) -> Result<(), CommandError> {
    vault.session(|s| {
        s.set_up_psychotherapy(&Passphrase::new(passphrase), &Passphrase::new(confirm))
    })
}

#[tauri::command(async)]
pub fn unlock_psychotherapy(
    passphrase: String,
    vault: State<'_, VaultHolder>,
) -> Result<(), CommandError> {
    vault.session(|s| s.unlock_psychotherapy(&Passphrase::new(passphrase)))
}

#[tauri::command(async)]
pub fn lock_psychotherapy(vault: State<'_, VaultHolder>) {
    let _ = vault.session(|s| {
        s.lock_psychotherapy();
        Ok::<(), CommandError>(())
    });
}

/// The list shows without the extra unlock (ids and dates only).
#[tauri::command(async)]
pub fn list_psychotherapy_notes(
    client_id: String,
    vault: State<'_, VaultHolder>,
) -> Result<Vec<PsychotherapyNoteSummary>, CommandError> {
    vault.vault(|v| psychotherapy::list(v, &client_id))
}

#[tauri::command(async)]
pub fn read_psychotherapy_note(
    id: String,
    vault: State<'_, VaultHolder>,
) -> Result<PsychotherapyNoteView, CommandError> {
    vault.session(|s| s.with_psychotherapy(|v, key| psychotherapy::read(v, key, &id)))
}

#[tauri::command(async)]
pub fn save_psychotherapy_note(
    client_id: String,
    id: Option<String>,
    text: String,
    vault: State<'_, VaultHolder>,
) -> Result<String, CommandError> {
    vault.session(|s| {
        s.with_psychotherapy(|v, key| match &id {
            Some(id) => psychotherapy::update(v, key, id, &text).map(|()| id.clone()),
            None => psychotherapy::create(v, key, &client_id, &text),
        })
    })
}
