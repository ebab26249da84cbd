//! Assessment results: each completed PHQ-9 or GAD-7 is its own document
//! (answers and when they were given), scored by [`crate::assessment`] when
//! saved; the `assessments` projection holds totals for charts over time.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjType, ROOT, ReadDoc};
use rusqlite::params;

use crate::assessment::{self, Instrument, Scored};
use crate::vault::{Vault, VaultError};

pub const KIND: &str = "assessment";

pub use crate::assessment::ScorePoint;

fn am(e: automerge::AutomergeError) -> VaultError {
    VaultError::Corrupt(format!("assessment: {e}"))
}

/// Scores and stores a completed questionnaire for a client. Returns the
/// scored result, whose `safety_alert` the caller must surface at once.
pub fn record(
    vault: &mut Vault,
    client_id: &str,
    instrument: Instrument,
    answers: &[u8],
    taken_ms: i64,
) -> Result<(String, Scored), VaultError> {
    record_with_text(vault, client_id, instrument, answers, taken_ms, None)
}

/// Like [`record`], with the client's free-text answer ("anything else you
/// want your therapist to know?"), which the caller may send on to the
/// consent-gated analysis (`records::risk::on_arrival`).
pub fn record_with_text(
    vault: &mut Vault,
    client_id: &str,
    instrument: Instrument,
    answers: &[u8],
    taken_ms: i64,
    free_text: Option<&str>,
) -> Result<(String, Scored), VaultError> {
    let id = uuid::Uuid::new_v4().to_string();
    let scored = record_as(
        vault, &id, client_id, instrument, answers, taken_ms, free_text,
    )?;
    Ok((id, scored))
}

/// Like [`record_with_text`] under a given record id (a portal submission's,
/// so receiving it twice stores it once). Returns the scored result.
pub(crate) fn record_as(
    vault: &mut Vault,
    id: &str,
    client_id: &str,
    instrument: Instrument,
    answers: &[u8],
    taken_ms: i64,
    free_text: Option<&str>,
) -> Result<Scored, VaultError> {
    let id = id.to_owned();
    if free_text.is_some_and(|t| t.len() > 20_000) {
        return Err(VaultError::Invalid(
            "the free-text answer is too long".into(),
        ));
    }
    let scored =
        assessment::score(instrument, answers).map_err(|e| VaultError::Invalid(e.to_string()))?;
    if !vault.has_record(client_id)? {
        return Err(VaultError::RecordNotFound(client_id.to_owned()));
    }
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "client_id", client_id).map_err(am)?;
    doc.put(ROOT, "instrument", instrument.as_str())
        .map_err(am)?;
    doc.put(ROOT, "taken_ms", taken_ms).map_err(am)?;
    let list = doc.put_object(ROOT, "answers", ObjType::List).map_err(am)?;
    for (i, a) in answers.iter().enumerate() {
        doc.insert(&list, i, u64::from(*a)).map_err(am)?;
    }
    if let Some(text) = free_text.map(str::trim).filter(|t| !t.is_empty()) {
        let obj = doc
            .put_object(ROOT, "free_text", ObjType::Text)
            .map_err(am)?;
        doc.update_text(&obj, text).map_err(am)?;
    }
    let row = Row {
        id: id.clone(),
        client_id: client_id.to_owned(),
        instrument,
        scored: scored.clone(),
        taken_ms,
    };
    vault.save_document(&id, KIND, &mut doc, |tx| project(tx, &row))?;
    Ok(scored)
}

/// One projection row, derived from an assessment document.
pub(crate) struct Row {
    id: String,
    client_id: String,
    instrument: Instrument,
    scored: Scored,
    taken_ms: i64,
}

/// Reads and re-scores an assessment document (for rebuilding the projection).
pub(crate) fn row(id: &str, doc: &AutoCommit) -> Result<Row, VaultError> {
    let bad = |what: &str| VaultError::Corrupt(format!("assessment {id}: {what}"));
    let text = |key: &str| -> Option<String> {
        let (v, _) = doc.get(ROOT, key).ok()??;
        v.as_str().map(str::to_owned)
    };
    let instrument = match text("instrument").as_deref() {
        Some("phq-9") | Some("phq9") => Instrument::Phq9,
        Some("gad-7") | Some("gad7") => Instrument::Gad7,
        _ => return Err(bad("unknown instrument")),
    };
    let (taken, _) = doc
        .get(ROOT, "taken_ms")
        .map_err(am)?
        .ok_or_else(|| bad("no time"))?;
    let (_, list) = doc
        .get(ROOT, "answers")
        .map_err(am)?
        .ok_or_else(|| bad("no answers"))?;
    let mut answers = vec![];
    for i in 0..doc.length(&list) {
        let (v, _) = doc
            .get(&list, i)
            .map_err(am)?
            .ok_or_else(|| bad("answer"))?;
        let a = v.as_u64().and_then(|a| u8::try_from(a).ok());
        answers.push(a.ok_or_else(|| bad("answer"))?);
    }
    let scored = assessment::score(instrument, &answers).map_err(|e| bad(&e.to_string()))?;
    Ok(Row {
        id: id.to_owned(),
        client_id: text("client_id").ok_or_else(|| bad("no client"))?,
        instrument,
        scored,
        taken_ms: taken.as_i64().ok_or_else(|| bad("time"))?,
    })
}

pub(crate) fn project(tx: &rusqlite::Transaction<'_>, row: &Row) -> Result<(), VaultError> {
    tx.execute(
        "INSERT INTO assessments
         (id, client_id, instrument, total, severity, safety_alert, taken_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT(id) DO UPDATE SET client_id = ?2, instrument = ?3, total = ?4,
             severity = ?5, safety_alert = ?6, taken_ms = ?7",
        params![
            row.id,
            row.client_id,
            row.instrument.as_str(),
            row.scored.total,
            row.scored.severity.as_str(),
            row.scored.safety_alert,
            row.taken_ms
        ],
    )?;
    Ok(())
}

/// A client's totals on one instrument, oldest first (for the score chart).
pub fn scores_over_time(
    vault: &Vault,
    client_id: &str,
    instrument: Instrument,
) -> Result<Vec<ScorePoint>, VaultError> {
    let mut stmt = vault.connection().prepare(
        "SELECT id, taken_ms, total, safety_alert FROM assessments
         WHERE client_id = ?1 AND instrument = ?2 ORDER BY taken_ms, id",
    )?;
    let rows = stmt.query_map(params![client_id, instrument.as_str()], |r| {
        Ok(ScorePoint {
            assessment_id: r.get(0)?,
            taken_ms: r.get(1)?,
            total: r.get(2)?,
            safety_alert: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assessment::Severity;

    use crate::vault::test_support::quick_vault;

    #[test]
    fn scores_are_stored_per_client_in_time_order_with_safety_alerts() {
        let dir = tempfile::tempdir().unwrap();
        let mut v = quick_vault(dir.path());
        let ana = crate::vault::test_support::client(&mut v, "Ana", "Silva");

        let (_, later) = record(&mut v, &ana, Instrument::Phq9, &[1; 9], 2_000).unwrap();
        assert_eq!(later.total, 9);
        assert!(later.safety_alert, "item 9 answered 1");
        let (_, first) = record(
            &mut v,
            &ana,
            Instrument::Phq9,
            &[3, 3, 3, 2, 2, 2, 2, 2, 0],
            1_000,
        )
        .unwrap();
        assert_eq!(first.severity, Severity::ModeratelySevere);
        record(&mut v, &ana, Instrument::Gad7, &[0; 7], 1_500).unwrap();

        let phq: Vec<_> = scores_over_time(&v, &ana, Instrument::Phq9)
            .unwrap()
            .into_iter()
            .map(|p| (p.taken_ms, p.total, p.safety_alert))
            .collect();
        assert_eq!(phq, [(1_000, 19, false), (2_000, 9, true)]);
        assert_eq!(
            scores_over_time(&v, &ana, Instrument::Gad7).unwrap().len(),
            1
        );

        // Garbage answers and unknown clients are refused; nothing is stored.
        assert!(matches!(
            record(&mut v, &ana, Instrument::Phq9, &[0; 8], 3_000),
            Err(VaultError::Invalid(_))
        ));
        assert!(matches!(
            record(&mut v, "nobody", Instrument::Gad7, &[0; 7], 3_000),
            Err(VaultError::RecordNotFound(_))
        ));
        assert_eq!(
            scores_over_time(&v, &ana, Instrument::Phq9).unwrap().len(),
            2
        );
    }
}
