//! Intake and consent forms a client filled in on the portal: one document
//! each (`portal-form-<submission id>`) in the client's chart, with
//! `client_id`, `form`, `assignment`, `answers` (a JSON list of (field,
//! answer) pairs), the signature and `sent_ms`.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ROOT};
use rusqlite::params;
use serde::{Deserialize, Serialize};

use super::message::{int_of, str_of};
use crate::portal::{FormKind, Signature};
use crate::vault::{Vault, VaultError};

pub const KIND: &str = "form_submission";

/// A submitted form as the chart shows it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormSubmissionView {
    pub id: String,
    pub client_id: String,
    pub form: FormKind,
    pub answers: Vec<(String, String)>,
    /// The name the client typed to sign, and when.
    pub signed_name: Option<String>,
    pub signed_ms: Option<i64>,
    /// SHA-256 (hex) of the text signed.
    pub signed_text_sha256: Option<String>,
    pub sent_ms: i64,
}

impl std::fmt::Debug for FormSubmissionView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FormSubmissionView")
            .field("id", &self.id)
            .field("form", &self.form)
            .field("sent_ms", &self.sent_ms)
            .finish_non_exhaustive()
    }
}

pub fn doc_id(submission: &str) -> String {
    format!("portal-form-{submission}")
}

fn am(e: automerge::AutomergeError) -> VaultError {
    VaultError::Corrupt(format!("form submission: {e}"))
}

fn view(id: &str, doc: &AutoCommit) -> Result<FormSubmissionView, VaultError> {
    let bad = || VaultError::Corrupt(format!("form submission {id} is incomplete"));
    let answers = str_of(doc, "answers")
        .and_then(|j| serde_json::from_str(&j).ok())
        .ok_or_else(bad)?;
    Ok(FormSubmissionView {
        id: id.to_owned(),
        client_id: str_of(doc, "client_id").ok_or_else(bad)?,
        form: str_of(doc, "form")
            .and_then(|f| FormKind::parse(&f))
            .ok_or_else(bad)?,
        answers,
        signed_name: str_of(doc, "signed_name"),
        signed_ms: int_of(doc, "signed_ms"),
        signed_text_sha256: str_of(doc, "signed_text_sha256"),
        sent_ms: int_of(doc, "sent_ms").unwrap_or(0),
    })
}

pub(crate) fn project(
    tx: &rusqlite::Transaction<'_>,
    id: &str,
    doc: &AutoCommit,
) -> Result<(), VaultError> {
    let v = view(id, doc)?;
    tx.execute(
        "INSERT INTO form_submissions (id, client_id, form, sent_ms) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(id) DO UPDATE SET client_id = ?2, form = ?3, sent_ms = ?4",
        params![v.id, v.client_id, v.form.as_str(), v.sent_ms],
    )?;
    Ok(())
}

/// What a received form holds.
pub(crate) struct NewForm<'a> {
    pub client_id: &'a str,
    pub form: FormKind,
    pub assignment: &'a str,
    pub answers: &'a [(String, String)],
    pub signature: Option<&'a Signature>,
    pub sent_ms: i64,
}

/// Stores a received form; `false` if it was stored before.
pub(crate) fn store(vault: &mut Vault, id: &str, new: &NewForm<'_>) -> Result<bool, VaultError> {
    let NewForm {
        client_id,
        form,
        assignment,
        answers,
        signature,
        sent_ms,
    } = *new;
    if vault.has_record(id)? {
        return Ok(false);
    }
    let json =
        serde_json::to_string(answers).map_err(|_| VaultError::Invalid("form answers".into()))?;
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "client_id", client_id).map_err(am)?;
    doc.put(ROOT, "form", form.as_str()).map_err(am)?;
    doc.put(ROOT, "assignment", assignment).map_err(am)?;
    doc.put(ROOT, "answers", json).map_err(am)?;
    doc.put(ROOT, "sent_ms", sent_ms).map_err(am)?;
    if let Some(sig) = signature {
        doc.put(ROOT, "signed_name", sig.typed_name.as_str())
            .map_err(am)?;
        doc.put(ROOT, "signed_ms", sig.signed_ms).map_err(am)?;
        doc.put(ROOT, "signed_text_sha256", sig.text_sha256.as_str())
            .map_err(am)?;
    }
    let doc_ref = doc.clone();
    vault.save_document(id, KIND, &mut doc, |tx| project(tx, id, &doc_ref))?;
    Ok(true)
}

/// A client's submitted forms, newest first (audited reads).
pub fn for_client(
    vault: &mut Vault,
    client_id: &str,
) -> Result<Vec<FormSubmissionView>, VaultError> {
    let ids: Vec<String> = {
        let mut stmt = vault.connection().prepare_cached(
            "SELECT id FROM form_submissions WHERE client_id = ?1 ORDER BY sent_ms DESC, id",
        )?;
        let rows = stmt.query_map([client_id], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let doc = vault.load_document(&id)?;
        out.push(view(&id, &doc)?);
    }
    Ok(out)
}
