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

/// How many matches are ranked at most. FTS5 scores every match before it
/// sorts, so a word found in a third of 100,000 notes costs ~100 ms (measured);
/// instead the most recently written matches (highest rowids: an entry is
/// re-indexed on every save) are ranked, which for a common word is also
/// what a therapist looks for. Rare words have fewer matches and lose nothing.
pub const RANK_WINDOW: u32 = 1_000;

/// Searches client names and notes; best matches first.
pub fn search(vault: &Vault, query: &str, limit: u32) -> Result<Vec<SearchHit>, VaultError> {
    search_within(vault, query, limit, RANK_WINDOW)
}

fn search_within(
    vault: &Vault,
    query: &str,
    limit: u32,
    window: u32,
) -> Result<Vec<SearchHit>, VaultError> {
    let Some(fts) = fts_query(query) else {
        return Ok(vec![]);
    };
    // Clients by name come first and are never pushed out of the window by
    // notes: a column-filtered query only meets rows whose title matches.
    let mut out = ranked(
        vault,
        &format!("title : ({fts})"),
        "AND d.kind = 'client'",
        limit,
        0,
    )?;
    // The rowid of the window's oldest match: walking matches in rowid order
    // costs no scoring.
    let floor: i64 = vault
        .connection()
        .prepare_cached(
            "SELECT rowid FROM search_index WHERE search_index MATCH ?1
             ORDER BY rowid DESC LIMIT 1 OFFSET ?2",
        )?
        .query_row(params![fts, window.saturating_sub(1)], |r| r.get(0))
        .optional()?
        .unwrap_or(0);
    for hit in ranked(vault, &fts, "", limit, floor)? {
        if !out.iter().any(|h| h.record_id == hit.record_id) {
            out.push(hit);
        }
    }
    out.truncate(limit as usize);
    Ok(out)
}

/// Best-ranked matches of `fts` among index rows from `floor` on.
fn ranked(
    vault: &Vault,
    fts: &str,
    also: &str,
    limit: u32,
    floor: i64,
) -> Result<Vec<SearchHit>, VaultError> {
    let sql = format!(
        "SELECT d.kind, d.record_id, d.client_id, c.display_name, s.title,
                snippet(search_index, 1, ?2, ?3, '…', 12), n.session_ms
         FROM search_index s
         JOIN search_docs d ON d.id = s.rowid
         JOIN clients c ON c.id = d.client_id
         LEFT JOIN notes n ON n.id = d.record_id
         WHERE search_index MATCH ?1 AND s.rowid >= ?5 {also}
         ORDER BY s.rank
         LIMIT ?4"
    );
    let mut stmt = vault.connection().prepare_cached(&sql)?;
    let rows = stmt.query_map(
        params![
            fts,
            MATCH_START.to_string(),
            MATCH_END.to_string(),
            limit,
            floor
        ],
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

/// Reciprocal rank fusion constant (the usual 60): dampens the weight of top ranks.
const RRF_K: f32 = 60.0;

/// Full-text and semantic results in one ranking (reciprocal rank fusion):
/// a note that matches the words and the meaning comes first; a note that
/// only means the same thing ("can't sleep" for "insomnia") still shows.
/// `query_vector` is the query's embedding, when the model is available.
pub fn hybrid(
    vault: &Vault,
    query: &str,
    query_vector: Option<&[f32]>,
    limit: u32,
) -> Result<Vec<SearchHit>, VaultError> {
    let words = search(vault, query, limit.saturating_mul(2))?;
    let Some(vector) = query_vector else {
        let mut words = words;
        words.truncate(limit as usize);
        return Ok(words);
    };
    let meaning = crate::records::embedding::nearest_notes(vault, vector, limit as usize * 2)?;
    let mut scores: Vec<(String, f32)> = vec![];
    let mut add = |id: &str, rank: usize| {
        let s = 1.0 / (RRF_K + rank as f32 + 1.0);
        match scores.iter_mut().find(|(i, _)| i == id) {
            Some(entry) => entry.1 += s,
            None => scores.push((id.to_owned(), s)),
        }
    };
    for (rank, hit) in words.iter().enumerate() {
        add(&hit.record_id, rank);
    }
    // Only reasonably close meanings count; unrelated notes stay out.
    for (rank, (id, _)) in meaning.iter().filter(|(_, sim)| *sim >= 0.3).enumerate() {
        add(id, rank);
    }
    scores.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    scores.truncate(limit as usize);
    let mut out = vec![];
    for (id, _) in scores {
        match words.iter().find(|h| h.record_id == id) {
            Some(hit) => out.push(hit.clone()),
            None => {
                if let Some(hit) = note_hit(vault, &id)? {
                    out.push(hit);
                }
            }
        }
    }
    Ok(out)
}

/// A hit for a note found by meaning alone: its opening words as the snippet.
fn note_hit(vault: &Vault, note_id: &str) -> Result<Option<SearchHit>, VaultError> {
    let found = vault
        .connection()
        .query_row(
            "SELECT d.client_id, c.display_name, s.title, s.body, n.session_ms
             FROM search_docs d JOIN search_index s ON s.rowid = d.id
             JOIN clients c ON c.id = d.client_id JOIN notes n ON n.id = d.record_id
             WHERE d.record_id = ?1",
            [note_id],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?,
                ))
            },
        )
        .optional()?;
    Ok(
        found.map(|(client_id, client_name, title, body, session_ms)| {
            let words: Vec<&str> = body.split_whitespace().take(24).collect();
            let mut snippet = words.join(" ");
            if body.split_whitespace().count() > 24 {
                snippet.push('…');
            }
            SearchHit {
                kind: HitKind::Note,
                record_id: note_id.to_owned(),
                client_id,
                client_name,
                title,
                snippet,
                session_ms: Some(session_ms),
            }
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::note::Template;
    use crate::records::{embedding, note};
    use crate::vault::test_support::quick_vault;

    #[test]
    fn a_common_word_ranks_only_the_most_recent_matches() {
        let dir = tempfile::tempdir().unwrap();
        let mut v = quick_vault(dir.path());
        let ana = crate::vault::test_support::client(&mut v, "Ana", "Silva");
        let mut ids = vec![];
        for i in 0..5 {
            let id = note::create_note(&mut v, &ana, Template::Free, i, None).unwrap();
            note::edit_sections(&mut v, &id, &[("body", &format!("panic episode {i}"))]).unwrap();
            ids.push(id);
        }
        assert_eq!(search(&v, "panic", 10).unwrap().len(), 5);
        let recent: Vec<String> = search_within(&v, "panic", 10, 3)
            .unwrap()
            .into_iter()
            .map(|h| h.record_id)
            .collect();
        assert_eq!(recent.len(), 3);
        assert!(ids[2..].iter().all(|id| recent.contains(id)), "{recent:?}");
        // Editing an old note makes it recent again.
        note::edit_sections(&mut v, &ids[0], &[("body", "panic, revisited")]).unwrap();
        let recent: Vec<String> = search_within(&v, "panic", 10, 3)
            .unwrap()
            .into_iter()
            .map(|h| h.record_id)
            .collect();
        assert!(recent.contains(&ids[0]), "{recent:?}");
        assert!(
            search_within(&v, "nothing-like-this", 10, 3)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn hybrid_ranking_puts_word_and_meaning_matches_first_and_keeps_meaning_only_ones() {
        let dir = tempfile::tempdir().unwrap();
        let mut v = quick_vault(dir.path());
        let ana = crate::vault::test_support::client(&mut v, "Ana", "Silva");
        let mut note_with = |text: &str, vector: [f32; 3]| {
            let id = note::create_note(&mut v, &ana, Template::Free, 1, None).unwrap();
            note::edit_sections(&mut v, &id, &[("body", text)]).unwrap();
            embedding::store(&mut v, &id, "test", &vector).unwrap();
            id
        };
        let both = note_with("insomnia again, lying awake", [1.0, 0.0, 0.0]);
        let meaning = note_with("can't get to sleep at night", [0.9, 0.1, 0.0]);
        let words = note_with("insomnia mentioned by her sister", [0.0, 0.0, 1.0]);
        let _other = note_with("talked about the new job", [0.0, 1.0, 0.0]);

        let plain = hybrid(&v, "insomnia", None, 10).unwrap();
        let ids: Vec<_> = plain.iter().map(|h| h.record_id.as_str()).collect();
        assert_eq!(ids.len(), 2);
        assert!(ids.contains(&both.as_str()) && ids.contains(&words.as_str()));

        let fused = hybrid(&v, "insomnia", Some(&[1.0, 0.0, 0.0]), 10).unwrap();
        let ids: Vec<_> = fused.iter().map(|h| h.record_id.as_str()).collect();
        assert_eq!(ids[0], both, "{ids:?}");
        assert!(
            ids.contains(&meaning.as_str()) && ids.contains(&words.as_str()),
            "{ids:?}"
        );
        assert_eq!(ids.len(), 3, "the unrelated note stays out: {ids:?}");
        let by_meaning = fused.iter().find(|h| h.record_id == meaning).unwrap();
        assert!(by_meaning.snippet.starts_with("can't get to sleep"));
    }
}
