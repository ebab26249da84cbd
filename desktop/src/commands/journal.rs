//! Journal entries and on-device analysis: add an entry (analysed on arrival
//! when the client consented), see results, confirm or correct them, re-fit.

use bloom_core::consent::ConsentKind;
use bloom_core::records::{client, embedding, journal, risk};
use bloom_core::risk::{JournalEntry, RiskResult, TextSource};
use serde::Serialize;
use tauri::{AppHandle, State};

use super::CommandError;
use crate::ml::{Engine, MlHolder, alert};
use crate::vault::VaultHolder;

#[derive(Serialize)]
pub struct MlStatus {
    available: bool,
    reason: Option<String>,
    consented: bool,
    labels: Vec<String>,
}

#[tauri::command(async)]
pub fn ml_status(
    client_id: String,
    app: AppHandle,
    ml: State<'_, MlHolder>,
    vault: State<'_, VaultHolder>,
) -> Result<MlStatus, CommandError> {
    let engine = ml.engine(&app);
    vault.vault(|v| {
        let consented = client::is_consented(v, &client_id, ConsentKind::MlAnalysis)?;
        Ok(match &engine {
            Ok(e) => MlStatus {
                available: true,
                reason: None,
                consented,
                labels: e.head(v)?.labels,
            },
            Err(reason) => MlStatus {
                available: false,
                reason: Some(reason.clone()),
                consented,
                labels: vec![],
            },
        })
    })
}

/// Runs the consent-gated analysis of a text that just arrived and alerts
/// on a flag. Without the model the text is kept and simply not analysed.
pub fn analyze_on_arrival(
    app: &AppHandle,
    ml: &MlHolder,
    vault: &VaultHolder,
    record_id: &str,
    client_id: &str,
    source: TextSource,
    text: &str,
) -> Result<Option<RiskResult>, CommandError> {
    let Ok(engine) = ml.engine(app) else {
        return Ok(None);
    };
    let analysed = vault.vault(|v| {
        let head = engine.head(v)?;
        risk::on_arrival(v, record_id, client_id, source, text, |t| {
            engine.analyze(&head, t)
        })
    });
    // The text is already saved: a failed analysis must not read as a failed
    // save (a retry would duplicate it). It is logged, without the text.
    let result = match analysed {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(code = e.code, "a text was saved but could not be analysed");
            None
        }
    };
    if let Some(r) = result.as_ref().filter(|r| r.flagged) {
        alert(app, r);
    }
    Ok(result)
}

#[tauri::command(async)]
pub fn add_journal_entry(
    client_id: String,
    text: String,
    app: AppHandle,
    ml: State<'_, MlHolder>,
    vault: State<'_, VaultHolder>,
) -> Result<JournalEntry, CommandError> {
    let written_ms = bloom_core::vault::now_ms();
    let id = vault.vault(|v| journal::add(v, &client_id, written_ms, &text))?;
    let risk = analyze_on_arrival(
        &app,
        &ml,
        &vault,
        &id,
        &client_id,
        TextSource::Journal,
        &text,
    )?;
    Ok(JournalEntry {
        id,
        client_id,
        written_ms,
        text,
        risk,
    })
}

#[tauri::command(async)]
pub fn journal_entries(
    client_id: String,
    vault: State<'_, VaultHolder>,
) -> Result<Vec<JournalEntry>, CommandError> {
    vault.vault(|v| journal::list(v, &client_id, 100))
}

#[tauri::command(async)]
pub fn risk_feedback(
    record_id: String,
    label: String,
    vault: State<'_, VaultHolder>,
) -> Result<(), CommandError> {
    vault.vault(|v| risk::record_feedback(v, &record_id, &label))
}

#[tauri::command(async)]
pub fn open_alerts(vault: State<'_, VaultHolder>) -> Result<Vec<RiskResult>, CommandError> {
    vault.vault(|v| risk::open_alerts(v))
}

#[derive(Serialize)]
pub struct RefitReport {
    replaced: bool,
    reason: String,
    corrections: usize,
    suicide_recall_before: f32,
    suicide_recall_after: f32,
    everyday_flagged_before: f32,
    everyday_flagged_after: f32,
}

fn unavailable(reason: String) -> CommandError {
    CommandError {
        code: "ml.unavailable",
        message: reason,
    }
}

/// Re-fits the head from the base data plus this practice's corrections and
/// keeps it only when it is no worse on the held-out split. Nothing leaves
/// the machine.
#[tauri::command(async)]
pub fn refit_model(
    app: AppHandle,
    ml: State<'_, MlHolder>,
    vault: State<'_, VaultHolder>,
) -> Result<RefitReport, CommandError> {
    use bloom_core::ml::{BaseData, Correction, RefitOutcome, RefitParams};
    let engine = ml.engine(&app).map_err(unavailable)?;
    let base = BaseData::read(&engine.dir().join("base_embeddings.bin"))?;
    let (head, labelled) = vault.vault(|v| Ok((engine.head(v)?, risk::corrections(v)?)))?;
    let corrections: Vec<Correction> = labelled
        .into_iter()
        .filter_map(|(embedding, label)| {
            let label = head.labels.iter().position(|l| *l == label)?;
            Some(Correction { embedding, label })
        })
        .collect();
    let params = RefitParams {
        version: format!("{}+refit-{}", head.version, corrections.len()),
        ..RefitParams::default()
    };
    let outcome = bloom_core::ml::refit(&head, &base, &corrections, &params)?;
    let report = |replaced,
                  reason: String,
                  before: &bloom_core::ml::HeldOutScores,
                  after: &bloom_core::ml::HeldOutScores| RefitReport {
        replaced,
        reason,
        corrections: corrections.len(),
        suicide_recall_before: before.suicide_recall,
        suicide_recall_after: after.suicide_recall,
        everyday_flagged_before: before.everyday_flagged_rate,
        everyday_flagged_after: after.everyday_flagged_rate,
    };
    match outcome {
        RefitOutcome::Replaced {
            head,
            current,
            candidate,
        } => {
            vault.vault(|v| Engine::save_head(v, &head))?;
            Ok(report(true, String::new(), &current, &candidate))
        }
        RefitOutcome::Kept {
            reason,
            current,
            candidate,
        } => Ok(report(false, reason, &current, &candidate)),
    }
}

/// Stores a note's embedding for semantic search (after each save).
pub fn embed_note(app: &AppHandle, ml: &MlHolder, vault: &VaultHolder, note_id: &str, text: &str) {
    let Ok(engine) = ml.engine(app) else {
        return;
    };
    let Ok(vector) = engine.embed(text) else {
        tracing::warn!("a note could not be embedded");
        return;
    };
    if let Err(e) =
        vault.vault(|v| embedding::store(v, note_id, crate::ml::EMBEDDING_VERSION, &vector))
    {
        tracing::warn!(code = e.code, "cannot store a note embedding");
    }
}
