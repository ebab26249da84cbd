//! Journal entries a client wrote (typed in or imported by the therapist now;
//! from the portal once it delivers them): one document each, with a
//! projection that lists them by client and time.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjType, ROOT, ReadDoc};
use rusqlite::params;

use crate::risk::JournalEntry;
use crate::vault::{Vault, VaultError};

pub const KIND: &str = "journal_entry";
pub const MAX_TEXT_BYTES: usize = 100_000;

fn am(e: automerge::AutomergeError) -> VaultError {
    VaultError::Corrupt(format!("journal entry: {e}"))
}

pub(crate) fn project(
    tx: &rusqlite::Transaction<'_>,
    id: &str,
    doc: &AutoCommit,
) -> Result<(), VaultError> {
    let client = match doc.get(ROOT, "client_id").map_err(am)? {
        Some((v, _)) => v.as_str().map(str::to_owned),
        None => None,
    }
    .ok_or_else(|| VaultError::Corrupt(format!("journal entry {id} has no client")))?;
    let written = match doc.get(ROOT, "written_ms").map_err(am)? {
        Some((v, _)) => v.as_i64(),
        None => None,
    }
    .unwrap_or(0);
    tx.execute(
        "INSERT INTO journal_entries (id, client_id, written_ms) VALUES (?1, ?2, ?3)
         ON CONFLICT(id) DO UPDATE SET client_id = ?2, written_ms = ?3",
        params![id, client, written],
    )?;
    Ok(())
}

/// Stores an entry; returns its id. The caller then runs the consent-gated
/// analysis (`records::risk::on_arrival`).
pub fn add(
    vault: &mut Vault,
    client_id: &str,
    written_ms: i64,
    text: &str,
) -> Result<String, VaultError> {
    if text.trim().is_empty() {
        return Err(VaultError::Invalid("a journal entry needs text".into()));
    }
    if text.len() > MAX_TEXT_BYTES {
        return Err(VaultError::Invalid("the journal entry is too long".into()));
    }
    if !crate::records::client::exists(vault, client_id)? {
        return Err(VaultError::RecordNotFound(client_id.to_owned()));
    }
    let id = uuid::Uuid::new_v4().to_string();
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "client_id", client_id).map_err(am)?;
    doc.put(ROOT, "written_ms", written_ms).map_err(am)?;
    let obj = doc.put_object(ROOT, "text", ObjType::Text).map_err(am)?;
    doc.update_text(&obj, text).map_err(am)?;
    let bytes = doc.save();
    let doc_ref: &AutoCommit = &doc;
    vault.write_record_with(&id, KIND, &bytes, |tx| project(tx, &id, doc_ref))?;
    Ok(id)
}

/// The entry's text (an audited read).
pub fn text(vault: &mut Vault, id: &str) -> Result<String, VaultError> {
    let doc = vault.load_document(id)?;
    match doc.get(ROOT, "text").map_err(am)? {
        Some((_, obj)) => doc.text(&obj).map_err(am),
        None => Ok(String::new()),
    }
}

/// A client's entries, newest first, with their risk results.
pub fn list(
    vault: &mut Vault,
    client_id: &str,
    limit: u32,
) -> Result<Vec<JournalEntry>, VaultError> {
    let rows: Vec<(String, i64)> = {
        let mut stmt = vault.connection().prepare_cached(
            "SELECT id, written_ms FROM journal_entries WHERE client_id = ?1
             ORDER BY written_ms DESC, id LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![client_id, limit], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    let mut out = vec![];
    for (id, written_ms) in rows {
        out.push(JournalEntry {
            text: text(vault, &id)?,
            risk: crate::records::risk::result(vault, &id)?,
            id,
            client_id: client_id.to_owned(),
            written_ms,
        });
    }
    Ok(out)
}
