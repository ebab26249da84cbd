//! Regenerates every projection (lists, calendar, scores, search) from the
//! documents alone, in one transaction. A maintenance step, not a person
//! reading charts, so the documents it reads are not audited one by one.
//! Psychotherapy notes keep their rows: their documents open only with
//! their own key.

use automerge::AutoCommit;
use serde::Serialize;

use crate::records::{appointment, assessment, booking, client, form, journal, message, note};
use crate::vault::{Vault, VaultError};

/// How many documents of each kind were projected.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Rebuilt {
    pub clients: u64,
    pub notes: u64,
    pub assessments: u64,
    pub appointments: u64,
    pub journal_entries: u64,
}

fn load(id: &str, body: &[u8]) -> Result<AutoCommit, VaultError> {
    AutoCommit::load(body)
        .map_err(|e| VaultError::Corrupt(format!("document {id} does not load: {e}")))
}

/// Upserts the projection rows of one document of `kind` (kinds without a
/// projection, such as plans, are a no-op). Shared by the rebuild and by sync,
/// which projects documents that arrive from other devices.
pub(crate) fn project_document(
    tx: &rusqlite::Transaction<'_>,
    id: &str,
    kind: &str,
    doc: &AutoCommit,
) -> Result<(), VaultError> {
    match kind {
        client::KIND => {
            let row = client::summary(id, doc, 0)?;
            client::project(tx, &row, &client::search_names(doc))?;
            crate::records::portal::project_link(tx, id, doc)
        }
        note::KIND => note::project(tx, &note::view(id, doc)?),
        assessment::KIND => assessment::project(tx, &assessment::row(id, doc)?),
        appointment::KIND => appointment::project(tx, id, doc),
        journal::KIND => journal::project(tx, id, doc),
        message::KIND => message::project(tx, id, doc),
        booking::KIND => booking::project(tx, id, doc),
        form::KIND => form::project(tx, id, doc),
        _ => Ok(()),
    }
}

pub fn rebuild_projections(vault: &mut Vault) -> Result<Rebuilt, VaultError> {
    let tx = vault.transaction()?;
    // Psychotherapy-note rows cannot be rebuilt without their key, and deleting
    // the clients cascades to them: set them aside and put them back.
    tx.execute_batch(
        "CREATE TEMP TABLE kept_psychotherapy AS SELECT * FROM psychotherapy_notes;
         DELETE FROM search_docs; DELETE FROM notes; DELETE FROM assessments;
         DELETE FROM appointments; DELETE FROM journal_entries;
         DELETE FROM portal_messages; DELETE FROM booking_requests; DELETE FROM form_submissions;
         DELETE FROM portal_links; DELETE FROM clients;",
    )?;
    let docs: Vec<(String, String, Vec<u8>)> = {
        let mut stmt = tx.prepare(
            "SELECT id, kind, body FROM records
             WHERE kind IN ('client', 'note', 'assessment', 'appointment', 'journal_entry',
                            'portal_message', 'booking_request', 'form_submission')
             ORDER BY kind = 'client' DESC, id",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    let mut done = Rebuilt::default();
    for (id, kind, body) in docs {
        let doc = load(&id, &body)?;
        project_document(&tx, &id, &kind, &doc)?;
        match kind.as_str() {
            client::KIND => done.clients += 1,
            note::KIND => done.notes += 1,
            assessment::KIND => done.assessments += 1,
            appointment::KIND => done.appointments += 1,
            journal::KIND => done.journal_entries += 1,
            _ => {}
        }
    }
    tx.execute_batch(
        "INSERT OR IGNORE INTO psychotherapy_notes (id, client_id, created_ms)
             SELECT k.id, k.client_id, k.created_ms FROM kept_psychotherapy k
             JOIN clients c ON c.id = k.client_id;
         DROP TABLE kept_psychotherapy;",
    )?;
    tx.commit()?;
    Ok(done)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::appointment::NewAppointment;
    use crate::chart::NewClient;
    use crate::note::Template;
    use crate::records::search;
    use crate::schedule::{AppointmentStatus, Frequency, Modality, ServiceCode};
    use crate::vault::test_support::quick_vault;

    const TABLES: [&str; 7] = [
        "SELECT id, client_id, created_ms FROM psychotherapy_notes ORDER BY id",
        "SELECT id, client_id, written_ms FROM journal_entries ORDER BY id",
        "SELECT id, display_name, status, updated_ms FROM clients ORDER BY id",
        "SELECT id, client_id, template, session_ms, signed_ms, signed_by, addenda, updated_ms
         FROM notes ORDER BY id",
        "SELECT id, client_id, instrument, total, severity, safety_alert, taken_ms
         FROM assessments ORDER BY id",
        "SELECT id, series_id, client_id, start_ms, end_ms, status, service_code, fee_cents,
                modality, recurring FROM appointments ORDER BY id",
        "SELECT d.record_id, d.client_id, d.kind, s.title, s.body
         FROM search_docs d JOIN search_index s ON s.rowid = d.id ORDER BY d.record_id",
    ];

    fn snapshot(v: &Vault) -> Vec<Vec<String>> {
        TABLES
            .iter()
            .map(|sql| {
                let mut stmt = v.connection().prepare(sql).unwrap();
                let n = stmt.column_count();
                stmt.query_map([], |r| {
                    Ok((0..n)
                        .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                        .collect::<Vec<_>>()
                        .join("|"))
                })
                .unwrap()
                .map(|r| r.unwrap())
                .collect()
            })
            .collect()
    }

    #[test]
    fn rebuilding_every_projection_from_the_documents_gives_the_same_rows() {
        let dir = tempfile::tempdir().unwrap();
        let mut v = quick_vault(dir.path());
        for (given, family) in [("Ana", "Silva"), ("Ben", "Adams")] {
            let new = NewClient {
                given_name: given.into(),
                family_name: family.into(),
                preferred_name: None,
            };
            let id = client::create_client(&mut v, &new).unwrap();
            client::set_status(&mut v, &id, crate::chart::CaseStatus::Active).unwrap();
            let n = note::create_note(&mut v, &id, Template::Birp, 5, None).unwrap();
            note::edit_sections(&mut v, &n, &[("behavior", "Calm, engaged")]).unwrap();
            note::sign_note(&mut v, &n).unwrap();
            note::add_addendum(&mut v, &n, "Late entry").unwrap();
            assessment::record(&mut v, &id, crate::assessment::Instrument::Phq9, &[1; 9], 7)
                .unwrap();
            let series = appointment::create(
                &mut v,
                &NewAppointment {
                    client_id: id.clone(),
                    start_local: NaiveDate::from_ymd_opt(2026, 10, 27)
                        .unwrap()
                        .and_hms_opt(10, 0, 0)
                        .unwrap(),
                    duration_min: 53,
                    service_code: ServiceCode::Psychotherapy60,
                    fee_cents: 15_000,
                    modality: Modality::Telehealth,
                    repeat: Some(Frequency::Weekly),
                    until: None,
                    count: Some(6),
                },
                chrono_tz::America::New_York,
            )
            .unwrap();
            appointment::set_status(
                &mut v,
                &format!("{series}/2026-11-03"),
                AppointmentStatus::NoShow,
            )
            .unwrap();
            journal::add(&mut v, &id, 9, "Walked by the river today").unwrap();
            let key = match crate::records::psychotherapy::is_set_up(&v).unwrap() {
                false => crate::records::psychotherapy::set_up(
                    &v,
                    &crate::vault::Passphrase::new("violet harbor kettle sixteen"),
                    crate::vault::test_support::quick_kdf(),
                )
                .unwrap(),
                true => crate::records::psychotherapy::unlock(
                    &v,
                    &crate::vault::Passphrase::new("violet harbor kettle sixteen"),
                )
                .unwrap(),
            };
            crate::records::psychotherapy::create(&mut v, &key, &id, "sealed").unwrap();
        }
        let before = snapshot(&v);
        assert!(before.iter().all(|rows| !rows.is_empty()), "{before:?}");
        // The rebuild empties every projection itself (in its transaction)
        // and must regenerate each row from the documents alone.
        let done = rebuild_projections(&mut v).unwrap();
        assert_eq!(
            done,
            Rebuilt {
                clients: 2,
                notes: 2,
                assessments: 2,
                appointments: 2,
                journal_entries: 2,
            }
        );
        assert_eq!(snapshot(&v), before);
        assert_eq!(search::search(&v, "late entry", 10).unwrap().len(), 2);
    }
}
