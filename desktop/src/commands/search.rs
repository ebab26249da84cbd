//! The global search box: words (FTS5) and, when the on-device model is
//! available, meaning, in one ranking.

use bloom_core::records::search;
use bloom_core::search::SearchHit;
use tauri::{AppHandle, State};

use super::CommandError;
use crate::ml::MlHolder;
use crate::vault::VaultHolder;

#[tauri::command(async)]
pub fn search(
    query: String,
    app: AppHandle,
    ml: State<'_, MlHolder>,
    vault: State<'_, VaultHolder>,
) -> Result<Vec<SearchHit>, CommandError> {
    // Short queries are prefixes being typed: words alone answer them.
    let vector = if query.trim().chars().count() >= 4 {
        ml.engine(&app).ok().and_then(|e| e.embed(&query).ok())
    } else {
        None
    };
    vault.vault(|v| search::hybrid(v, &query, vector.as_deref(), 50))
}
