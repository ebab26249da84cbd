//! The global search box.

use bloom_core::records::search;
use bloom_core::search::SearchHit;
use tauri::State;

use super::CommandError;
use crate::vault::VaultHolder;

#[tauri::command(async)]
pub fn search(
    query: String,
    vault: State<'_, VaultHolder>,
) -> Result<Vec<SearchHit>, CommandError> {
    vault.vault(|v| search::search(v, &query, 50))
}
