//! The full-text index over client names and notes (SQLite FTS5, inside the
//! encrypted database). `search_docs` maps each indexed record to an FTS row,
//! so replacing a record's entry is a keyed delete rather than a scan.

use rusqlite::{OptionalExtension, Transaction, params};

use crate::search::{HitKind, MATCH_END, MATCH_START, SearchHit, fts_query};
use crate::vault::{Vault, VaultError};

/// Replaces the index entry of `record_id`.
pub(crate) fn index(
    tx: &Transaction<'_>,
    record_id: &str,
    client_id: &str,
    kind: &str,
    title: &str,
    body: &str,
) -> Result<(), VaultError> {
    unindex(tx, record_id)?;
    tx.execute(
        "INSERT INTO search_docs (record_id, client_id, kind) VALUES (?1, ?2, ?3)",
        params![record_id, client_id, kind],
    )?;
    let rowid = tx.last_insert_rowid();
    tx.execute(
        "INSERT INTO search_index (rowid, title, body) VALUES (?1, ?2, ?3)",
        params![rowid, title, body],
    )?;
    Ok(())
}

/// Removes the index entry of `record_id`, if any (a trigger drops the FTS row).
pub(crate) fn unindex(tx: &Transaction<'_>, record_id: &str) -> Result<(), VaultError> {
    let existing: Option<i64> = tx
        .query_row(
            "SELECT id FROM search_docs WHERE record_id = ?1",
            [record_id],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(rowid) = existing {
        tx.execute("DELETE FROM search_docs WHERE id = ?1", [rowid])?;
    }
    Ok(())
}

/// Searches client names and notes; best matches first.
pub fn search(vault: &Vault, query: &str, limit: u32) -> Result<Vec<SearchHit>, VaultError> {
    let Some(fts) = fts_query(query) else {
        return Ok(vec![]);
    };
    let mut stmt = vault.connection().prepare_cached(
        "SELECT d.kind, d.record_id, d.client_id, c.display_name, s.title,
                snippet(search_index, 1, ?2, ?3, '…', 12), n.session_ms
         FROM search_index s
         JOIN search_docs d ON d.id = s.rowid
         JOIN clients c ON c.id = d.client_id
         LEFT JOIN notes n ON n.id = d.record_id
         WHERE search_index MATCH ?1
         ORDER BY s.rank
         LIMIT ?4",
    )?;
    let rows = stmt.query_map(
        params![fts, MATCH_START.to_string(), MATCH_END.to_string(), limit],
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                SearchHit {
                    kind: HitKind::Client,
                    record_id: r.get(1)?,
                    client_id: r.get(2)?,
                    client_name: r.get(3)?,
                    title: r.get(4)?,
                    snippet: r.get(5)?,
                    session_ms: r.get(6)?,
                },
            ))
        },
    )?;
    let mut out = vec![];
    for row in rows {
        let (kind, mut hit) = row?;
        hit.kind = match kind.as_str() {
            "client" => HitKind::Client,
            "note" => HitKind::Note,
            other => {
                return Err(VaultError::Corrupt(format!(
                    "search entry of kind {other:?}"
                )));
            }
        };
        out.push(hit);
    }
    Ok(out)
}
