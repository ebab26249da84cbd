//! Commands of the treatment plan, the safety plan and assessments.

use bloom_core::assessment::{Instrument, Scored};
use bloom_core::records::assessment::{self, ScorePoint};
use bloom_core::records::{safety_plan, treatment_plan};
use bloom_core::risk::TextSource;
use bloom_core::safety_plan::{SafetyPlan, Section};
use bloom_core::treatment_plan::{PlanEdit, TreatmentPlan};
use tauri::{AppHandle, State};

use super::CommandError;
use super::journal::analyze_on_arrival;
use crate::ml::MlHolder;
use crate::vault::VaultHolder;

#[tauri::command(async)]
pub fn treatment_plan(
    client_id: String,
    vault: State<'_, VaultHolder>,
) -> Result<TreatmentPlan, CommandError> {
    vault.vault(|v| treatment_plan::plan(v, &client_id))
}

#[tauri::command(async)]
pub fn edit_treatment_plan(
    client_id: String,
    edit: PlanEdit,
    vault: State<'_, VaultHolder>,
) -> Result<TreatmentPlan, CommandError> {
    vault.vault(|v| treatment_plan::apply(v, &client_id, &edit))
}

#[tauri::command(async)]
pub fn safety_plan(
    client_id: String,
    vault: State<'_, VaultHolder>,
) -> Result<SafetyPlan, CommandError> {
    vault.vault(|v| safety_plan::plan(v, &client_id))
}

#[tauri::command(async)]
pub fn save_safety_plan(
    client_id: String,
    sections: Vec<(Section, String)>,
    vault: State<'_, VaultHolder>,
) -> Result<SafetyPlan, CommandError> {
    vault.vault(|v| safety_plan::save(v, &client_id, &sections))
}

/// Scores and stores a questionnaire; its free-text answer, if any, is
/// analysed on arrival like a journal entry (with consent only).
#[allow(clippy::too_many_arguments)]
#[tauri::command(async)]
pub fn record_assessment(
    client_id: String,
    instrument: Instrument,
    answers: Vec<u8>,
    taken_ms: i64,
    free_text: Option<String>,
    app: AppHandle,
    ml: State<'_, MlHolder>,
    vault: State<'_, VaultHolder>,
) -> Result<Scored, CommandError> {
    let text = free_text.filter(|t| !t.trim().is_empty());
    let (id, scored) = vault.vault(|v| {
        assessment::record_with_text(
            v,
            &client_id,
            instrument,
            &answers,
            taken_ms,
            text.as_deref(),
        )
    })?;
    if let Some(text) = text {
        analyze_on_arrival(
            &app,
            &ml,
            &vault,
            &id,
            &client_id,
            TextSource::AssessmentText,
            &text,
        )?;
    }
    Ok(scored)
}

#[tauri::command(async)]
pub fn assessment_scores(
    client_id: String,
    instrument: Instrument,
    vault: State<'_, VaultHolder>,
) -> Result<Vec<ScorePoint>, CommandError> {
    vault.vault(|v| assessment::scores_over_time(v, &client_id, instrument))
}
