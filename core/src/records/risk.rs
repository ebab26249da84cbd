//! The consent gate and the store for risk indicators. Nothing is inferred
//! about a client without a recorded ML-analysis consent: `on_arrival`
//! checks it before it calls the model, and stores the result (with the
//! model's version and the text's embedding, for later re-fits) only then.

use rusqlite::{OptionalExtension, params};

use crate::consent::ConsentKind;
use crate::records::{client, embedding};
use crate::risk::{RiskResult, TextSource};
use crate::vault::{Vault, VaultError, now_ms};

/// What the model said about one text.
#[derive(Clone, Debug, PartialEq)]
pub struct Analysis {
    pub model_version: String,
    pub label: String,
    pub suicide_score: f32,
    pub flagged: bool,
    pub by_phrase: bool,
    pub embedding: Vec<f32>,
}

/// Runs `analyze` on a text that just arrived, if and only if the client has
/// consented to ML analysis now; stores and returns the result. Without
/// consent the model is never called and nothing is stored.
pub fn on_arrival<E: std::fmt::Display>(
    vault: &mut Vault,
    record_id: &str,
    client_id: &str,
    source: TextSource,
    text: &str,
    analyze: impl FnOnce(&str) -> Result<Analysis, E>,
) -> Result<Option<RiskResult>, VaultError> {
    if !client::is_consented(vault, client_id, ConsentKind::MlAnalysis)? {
        return Ok(None);
    }
    // The model's error never carries the text; say only that it failed.
    let analysis =
        analyze(text).map_err(|e| VaultError::Internal(format!("analysis failed: {e}")))?;
    let result = RiskResult {
        record_id: record_id.to_owned(),
        client_id: client_id.to_owned(),
        source,
        model_version: analysis.model_version.clone(),
        label: analysis.label.clone(),
        suicide_score: analysis.suicide_score,
        flagged: analysis.flagged,
        by_phrase: analysis.by_phrase,
        at_ms: now_ms(),
        feedback: None,
    };
    store(vault, &result, &analysis.embedding)?;
    Ok(Some(result))
}

fn store(vault: &mut Vault, r: &RiskResult, vector: &[f32]) -> Result<(), VaultError> {
    let tx = vault.transaction()?;
    tx.execute(
        "INSERT INTO risk_results (record_id, client_id, source, model_version, label,
                                   suicide_score, flagged, by_phrase, at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT(record_id) DO UPDATE SET model_version = ?4, label = ?5,
             suicide_score = ?6, flagged = ?7, by_phrase = ?8, at_ms = ?9",
        params![
            r.record_id,
            r.client_id,
            r.source.as_str(),
            r.model_version,
            r.label,
            f64::from(r.suicide_score),
            r.flagged,
            r.by_phrase,
            r.at_ms
        ],
    )?;
    embedding::put(&tx, &r.record_id, &r.model_version, vector)?;
    tx.commit()?;
    Ok(())
}

const COLUMNS: &str = "record_id, client_id, source, model_version, label, suicide_score, flagged,
                       by_phrase, at_ms, feedback";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(RiskResult, String)> {
    let source: String = r.get(2)?;
    Ok((
        RiskResult {
            record_id: r.get(0)?,
            client_id: r.get(1)?,
            source: TextSource::Journal,
            model_version: r.get(3)?,
            label: r.get(4)?,
            suicide_score: r.get::<_, f64>(5)? as f32,
            flagged: r.get(6)?,
            by_phrase: r.get(7)?,
            at_ms: r.get(8)?,
            feedback: r.get(9)?,
        },
        source,
    ))
}

fn finish((mut r, source): (RiskResult, String)) -> Result<RiskResult, VaultError> {
    r.source = TextSource::parse(&source)
        .ok_or_else(|| VaultError::Corrupt(format!("risk result of source {source:?}")))?;
    Ok(r)
}

/// The stored result for a record, if any.
pub fn result(vault: &Vault, record_id: &str) -> Result<Option<RiskResult>, VaultError> {
    let sql = format!("SELECT {COLUMNS} FROM risk_results WHERE record_id = ?1");
    let found = vault
        .connection()
        .query_row(&sql, [record_id], row)
        .optional()?;
    found.map(finish).transpose()
}

/// Flags the therapist has not reviewed yet, newest first.
pub fn open_alerts(vault: &Vault) -> Result<Vec<RiskResult>, VaultError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM risk_results WHERE flagged = 1 AND feedback IS NULL
         ORDER BY at_ms DESC LIMIT 200"
    );
    let mut stmt = vault.connection().prepare(&sql)?;
    let rows = stmt.query_map([], row)?;
    rows.map(|r| finish(r?)).collect()
}

/// The therapist confirms (`label` = the model's) or corrects a result.
pub fn record_feedback(vault: &Vault, record_id: &str, label: &str) -> Result<(), VaultError> {
    if label.trim().is_empty() || label.len() > 64 {
        return Err(VaultError::Invalid("choose a label".into()));
    }
    let changed = vault.connection().execute(
        "UPDATE risk_results SET feedback = ?2, feedback_ms = ?3 WHERE record_id = ?1",
        params![record_id, label, now_ms()],
    )?;
    if changed == 0 {
        return Err(VaultError::RecordNotFound(record_id.to_owned()));
    }
    Ok(())
}

/// Every therapist label with the text's embedding: the data an on-device
/// re-fit learns from. Never leaves the machine.
///
/// Only texts of clients whose ML consent holds *now* are used: re-fitting on
/// a text after its consent was revoked would be new processing of it.
pub fn corrections(vault: &mut Vault) -> Result<Vec<(Vec<f32>, String)>, VaultError> {
    let rows: Vec<(String, String, Vec<u8>)> = {
        let mut stmt = vault.connection().prepare(
            "SELECT r.client_id, r.feedback, e.vector FROM risk_results r
             JOIN embeddings e ON e.record_id = r.record_id
             WHERE r.feedback IS NOT NULL ORDER BY r.record_id",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    let mut consented = std::collections::HashMap::new();
    let mut out = vec![];
    for (client_id, label, bytes) in rows {
        let ok = match consented.get(&client_id) {
            Some(ok) => *ok,
            None => {
                let ok = client::is_consented(vault, &client_id, ConsentKind::MlAnalysis)?;
                consented.insert(client_id, ok);
                ok
            }
        };
        if ok {
            out.push((embedding::decode(&bytes)?, label));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consent::ConsentAction;
    use crate::records::journal;
    use crate::vault::test_support::quick_vault;

    fn analysis(flagged: bool) -> Analysis {
        Analysis {
            model_version: "test-head-1".into(),
            label: if flagged { "Suicidal" } else { "Normal" }.into(),
            suicide_score: if flagged { 0.9 } else { 0.01 },
            flagged,
            by_phrase: false,
            embedding: vec![0.5; 4],
        }
    }

    #[test]
    fn nothing_is_inferred_without_consent_and_results_follow_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut v = quick_vault(dir.path());
        let ana = crate::vault::test_support::client(&mut v, "Ana", "Silva");
        let entry = journal::add(&mut v, &ana, 1, "rough week").unwrap();

        let mut calls = 0;
        let none = on_arrival(
            &mut v,
            &entry,
            &ana,
            TextSource::Journal,
            "rough week",
            |_| {
                calls += 1;
                Ok::<_, String>(analysis(true))
            },
        )
        .unwrap();
        assert_eq!((none, calls), (None, 0), "the model ran without consent");
        assert!(result(&v, &entry).unwrap().is_none());

        client::record_consent(
            &mut v,
            &ana,
            ConsentKind::MlAnalysis,
            ConsentAction::Granted,
        )
        .unwrap();
        let stored = on_arrival(
            &mut v,
            &entry,
            &ana,
            TextSource::Journal,
            "rough week",
            |_| Ok::<_, String>(analysis(true)),
        )
        .unwrap()
        .unwrap();
        assert!(stored.flagged);
        assert_eq!(result(&v, &entry).unwrap().as_ref(), Some(&stored));
        assert_eq!(open_alerts(&v).unwrap().len(), 1);
        assert_eq!(
            journal::list(&mut v, &ana, 10).unwrap()[0].risk.as_ref(),
            Some(&stored)
        );

        record_feedback(&v, &entry, "Stress").unwrap();
        assert!(open_alerts(&v).unwrap().is_empty());
        assert_eq!(
            corrections(&mut v).unwrap(),
            vec![(vec![0.5; 4], "Stress".to_owned())]
        );
        assert!(record_feedback(&v, "nothing", "Stress").is_err());

        // Revoked: the next arrival is not analysed.
        std::thread::sleep(std::time::Duration::from_millis(2));
        client::record_consent(
            &mut v,
            &ana,
            ConsentKind::MlAnalysis,
            ConsentAction::Revoked,
        )
        .unwrap();
        let later = journal::add(&mut v, &ana, 2, "another").unwrap();
        let none = on_arrival(&mut v, &later, &ana, TextSource::Journal, "another", |_| {
            Err::<Analysis, _>("must not run")
        })
        .unwrap();
        assert!(none.is_none());
        // Nor is the earlier labelled text used to re-fit any more.
        assert!(corrections(&mut v).unwrap().is_empty());
    }
}
