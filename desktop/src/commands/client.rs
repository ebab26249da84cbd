//! Commands of the client list and the chart.

use bloom_core::chart::{ChartView, ClientSummary, DiagnosisEntry, NewClient, Profile};
use bloom_core::consent::{ConsentAction, ConsentKind};
use bloom_core::records::client::{self, CaseStatus};
use bloom_core::records::{export, rebuild};
use tauri::State;

use super::CommandError;
use crate::vault::VaultHolder;

#[tauri::command(async)]
pub fn list_clients(vault: State<'_, VaultHolder>) -> Result<Vec<ClientSummary>, CommandError> {
    vault.vault(|v| client::list_clients(v))
}

#[tauri::command(async)]
pub fn create_client(
    new: NewClient,
    vault: State<'_, VaultHolder>,
) -> Result<String, CommandError> {
    vault.vault(|v| client::create_client(v, &new))
}

#[tauri::command(async)]
pub fn client_chart(id: String, vault: State<'_, VaultHolder>) -> Result<ChartView, CommandError> {
    vault.vault(|v| client::chart(v, &id))
}

#[tauri::command(async)]
pub fn update_profile(
    id: String,
    profile: Profile,
    vault: State<'_, VaultHolder>,
) -> Result<ChartView, CommandError> {
    vault.vault(|v| {
        client::update_profile(v, &id, &profile)?;
        client::chart(v, &id)
    })
}

#[tauri::command(async)]
pub fn set_case_status(
    id: String,
    status: CaseStatus,
    vault: State<'_, VaultHolder>,
) -> Result<ChartView, CommandError> {
    vault.vault(|v| {
        client::set_status(v, &id, status)?;
        client::chart(v, &id)
    })
}

#[tauri::command(async)]
pub fn add_diagnosis(
    id: String,
    code: String,
    vault: State<'_, VaultHolder>,
) -> Result<DiagnosisEntry, CommandError> {
    vault.vault(|v| client::add_diagnosis(v, &id, &code))
}

#[tauri::command(async)]
pub fn resolve_diagnosis(
    id: String,
    code: String,
    vault: State<'_, VaultHolder>,
) -> Result<ChartView, CommandError> {
    vault.vault(|v| {
        client::resolve_diagnosis(v, &id, &code)?;
        client::chart(v, &id)
    })
}

#[tauri::command(async)]
pub fn record_consent(
    id: String,
    kind: ConsentKind,
    granted: bool,
    vault: State<'_, VaultHolder>,
) -> Result<ChartView, CommandError> {
    let action = if granted {
        ConsentAction::Granted
    } else {
        ConsentAction::Revoked
    };
    vault.vault(|v| {
        client::record_consent(v, &id, kind, action)?;
        client::chart(v, &id)
    })
}

/// The client's record as JSON, written to `path`; psychotherapy notes only
/// when asked for and unlocked.
#[tauri::command(async)]
pub fn export_client(
    id: String,
    path: String,
    include_psychotherapy: bool,
    vault: State<'_, VaultHolder>,
) -> Result<(), CommandError> {
    let json = vault.session(|s| {
        if include_psychotherapy {
            s.with_psychotherapy(|v, key| export::export_client(v, &id, Some(key)))
        } else {
            s.with_vault(|v| export::export_client(v, &id, None))
        }
    })?;
    std::fs::write(&path, json).map_err(|e| CommandError {
        code: "vault.io",
        message: format!("cannot write the export: {}", e.kind()),
    })
}

/// Regenerates the lists, calendar and search index from the documents.
#[tauri::command(async)]
pub fn rebuild_projections(
    vault: State<'_, VaultHolder>,
) -> Result<rebuild::Rebuilt, CommandError> {
    vault.vault(rebuild::rebuild_projections)
}
