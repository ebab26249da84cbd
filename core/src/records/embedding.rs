//! Sentence embeddings kept in the vault: one vector per record (notes for
//! semantic search, client texts for re-fits), stored as little-endian f32
//! with the model version that made it.

use rusqlite::{OptionalExtension, Transaction, params};

use crate::vault::{Vault, VaultError};

pub(crate) fn encode(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

pub(crate) fn decode(bytes: &[u8]) -> Result<Vec<f32>, VaultError> {
    if !bytes.len().is_multiple_of(4) {
        return Err(VaultError::Corrupt(
            "an embedding has a broken length".into(),
        ));
    }
    Ok(bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect())
}

pub(crate) fn put(
    tx: &Transaction<'_>,
    record_id: &str,
    model_version: &str,
    vector: &[f32],
) -> Result<(), VaultError> {
    if vector.is_empty() || vector.len() > 4096 || vector.iter().any(|x| !x.is_finite()) {
        return Err(VaultError::Invalid("not a usable embedding".into()));
    }
    tx.execute(
        "INSERT INTO embeddings (record_id, model_version, vector) VALUES (?1, ?2, ?3)
         ON CONFLICT(record_id) DO UPDATE SET model_version = ?2, vector = ?3",
        params![record_id, model_version, encode(vector)],
    )?;
    Ok(())
}

/// Stores (or replaces) a record's embedding.
pub fn store(
    vault: &mut Vault,
    record_id: &str,
    model_version: &str,
    vector: &[f32],
) -> Result<(), VaultError> {
    let tx = vault.transaction()?;
    put(&tx, record_id, model_version, vector)?;
    tx.commit()?;
    Ok(())
}

pub fn get(vault: &Vault, record_id: &str) -> Result<Option<Vec<f32>>, VaultError> {
    let bytes: Option<Vec<u8>> = vault
        .connection()
        .query_row(
            "SELECT vector FROM embeddings WHERE record_id = ?1",
            [record_id],
            |r| r.get(0),
        )
        .optional()?;
    bytes.map(|b| decode(&b)).transpose()
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    if a.len() != b.len() {
        return f32::MIN;
    }
    let (mut dot, mut na, mut nb) = (0f32, 0f32, 0f32);
    for (x, y) in a.iter().zip(b) {
        dot += x * y;
        na += x * x;
        nb += y * y;
    }
    if na == 0.0 || nb == 0.0 {
        return 0.0;
    }
    dot / (na.sqrt() * nb.sqrt())
}

/// The notes most similar to `query`, best first, with their cosine
/// similarity. A linear scan: fine for one practice's notes, and the vectors
/// never leave the encrypted database.
pub fn nearest_notes(
    vault: &Vault,
    query: &[f32],
    limit: usize,
) -> Result<Vec<(String, f32)>, VaultError> {
    let mut stmt = vault.connection().prepare_cached(
        "SELECT e.record_id, e.vector FROM embeddings e JOIN notes n ON n.id = e.record_id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
    })?;
    let mut scored = vec![];
    for row in rows {
        let (id, bytes) = row?;
        scored.push((id, cosine(query, &decode(&bytes)?)));
    }
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    scored.truncate(limit);
    Ok(scored)
}
