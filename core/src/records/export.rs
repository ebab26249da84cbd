//! A client's whole record as one JSON document, for a records request or a
//! transfer of care. Psychotherapy notes are left out unless the caller
//! unlocked them and asked for them.

use serde::Serialize;

use crate::appointment::AppointmentView;
use crate::assessment::Instrument;
use crate::chart::ChartView;
use crate::note::NoteView;
use crate::psychotherapy_note::PsychotherapyNoteView;
use crate::records::assessment::{ScorePoint, scores_over_time};
use crate::records::psychotherapy::{self, PsychotherapyKey};
use crate::records::{appointment, client, note, safety_plan, treatment_plan};
use crate::safety_plan::SafetyPlan;
use crate::treatment_plan::TreatmentPlan;
use crate::vault::{Vault, VaultError, now_ms};

#[derive(Serialize)]
pub struct ClientExport {
    pub format: &'static str,
    pub exported_ms: i64,
    pub chart: ChartView,
    pub notes: Vec<NoteView>,
    pub treatment_plan: TreatmentPlan,
    pub safety_plan: SafetyPlan,
    pub phq9: Vec<ScorePoint>,
    pub gad7: Vec<ScorePoint>,
    pub appointments: Vec<AppointmentView>,
    /// Present only when asked for with the psychotherapy key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub psychotherapy_notes: Option<Vec<PsychotherapyNoteView>>,
}

/// Builds the export. `psychotherapy` is `None` by default: those notes stay out.
pub fn export_client(
    vault: &mut Vault,
    client_id: &str,
    psychotherapy: Option<&PsychotherapyKey>,
) -> Result<String, VaultError> {
    let chart = client::chart(vault, client_id)?;
    let mut notes = vec![];
    for summary in note::list_notes(vault, client_id)? {
        notes.push(note::read_note(vault, &summary.id)?);
    }
    let psychotherapy_notes = match psychotherapy {
        None => None,
        Some(key) => {
            let mut out = vec![];
            for summary in psychotherapy::list(vault, client_id)? {
                out.push(psychotherapy::read(vault, key, &summary.id)?);
            }
            Some(out)
        }
    };
    let export = ClientExport {
        format: "bloom.client-export.v1",
        exported_ms: now_ms(),
        chart,
        notes,
        treatment_plan: treatment_plan::plan(vault, client_id)?,
        safety_plan: safety_plan::plan(vault, client_id)?,
        phq9: scores_over_time(vault, client_id, Instrument::Phq9)?,
        gad7: scores_over_time(vault, client_id, Instrument::Gad7)?,
        appointments: appointment::for_client(vault, client_id)?,
        psychotherapy_notes,
    };
    serde_json::to_string_pretty(&export).map_err(|e| VaultError::Internal(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::note::Template;
    use crate::vault::Passphrase;
    use crate::vault::test_support::{quick_kdf, quick_vault};

    #[test]
    fn an_export_holds_the_record_but_psychotherapy_notes_only_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let mut v = quick_vault(dir.path());
        let ana = crate::vault::test_support::client(&mut v, "Ana", "Silva");
        let n = note::create_note(&mut v, &ana, Template::Free, 1, None).unwrap();
        note::edit_sections(&mut v, &n, &[("body", "MARKER-PROGRESS-NOTE")]).unwrap();
        let key = psychotherapy::set_up(
            &v,
            &Passphrase::new("violet harbor kettle sixteen"),
            quick_kdf(),
        )
        .unwrap();
        psychotherapy::create(&mut v, &key, &ana, "MARKER-PSYCHOTHERAPY").unwrap();

        let plain = export_client(&mut v, &ana, None).unwrap();
        assert!(plain.contains("MARKER-PROGRESS-NOTE") && plain.contains("Silva"));
        assert!(!plain.contains("MARKER-PSYCHOTHERAPY"));
        assert!(!plain.contains("psychotherapy_notes"));
        let full = export_client(&mut v, &ana, Some(&key)).unwrap();
        assert!(full.contains("MARKER-PSYCHOTHERAPY"));
        let parsed: serde_json::Value = serde_json::from_str(&full).unwrap();
        assert_eq!(parsed["format"], "bloom.client-export.v1");
        assert!(export_client(&mut v, "nobody", None).is_err());
    }
}
