//! Psychotherapy notes: Automerge documents sealed with a key of their own.
//!
//! The key is random and kept in the vault's settings wrapped under a second
//! passphrase (Argon2id + XChaCha20-Poly1305, the same wrapping as the vault
//! key). The record body is `MAGIC || nonce || AEAD(document)`, bound to the
//! record id, so a note cannot be read with the vault key alone, nor moved to
//! another record. Their projection holds only ids and times; they are never
//! in the search index.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjType, ROOT, ReadDoc};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rusqlite::params;

use crate::psychotherapy_note::{PsychotherapyNoteSummary, PsychotherapyNoteView};
use crate::vault::{KdfParams, KeyFile, Passphrase, Vault, VaultError, VaultKey, now_ms};

pub const KIND: &str = "psychotherapy_note";
const SETTING: &str = "psychotherapy_key";
const MAGIC: &[u8; 4] = b"BPN1";

/// The unwrapped key. Not printable; zeroed on drop (it holds a [`VaultKey`]).
#[derive(Clone)]
pub struct PsychotherapyKey(VaultKey);

impl std::fmt::Debug for PsychotherapyKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PsychotherapyKey(<redacted>)")
    }
}

fn wrap_label(vault: &Vault) -> String {
    format!("{}/psychotherapy", vault.id())
}

pub fn is_set_up(vault: &Vault) -> Result<bool, VaultError> {
    Ok(vault.setting(SETTING)?.is_some())
}

/// Makes the key and wraps it under `passphrase` (which must pass the same
/// strength rule as the vault's). Refused if one exists already.
pub fn set_up(
    vault: &Vault,
    passphrase: &Passphrase,
    kdf: KdfParams,
) -> Result<PsychotherapyKey, VaultError> {
    if is_set_up(vault)? {
        return Err(VaultError::Invalid(
            "psychotherapy notes already have a passphrase".into(),
        ));
    }
    if !crate::vault::strength::assess(passphrase.expose()).acceptable {
        return Err(VaultError::WeakPassphrase(crate::vault::strength::rule()));
    }
    let key = VaultKey::generate().map_err(|e| VaultError::Internal(e.to_string()))?;
    let wrapped = KeyFile::wrap(&wrap_label(vault), &key, passphrase, kdf)?;
    let json = serde_json::to_string(&wrapped)
        .map_err(|e| VaultError::Internal(format!("psychotherapy key: {e}")))?;
    vault.set_setting(SETTING, &json)?;
    Ok(PsychotherapyKey(key))
}

/// The extra unlock: a wrong passphrase is [`VaultError::WrongPassphrase`].
pub fn unlock(vault: &Vault, passphrase: &Passphrase) -> Result<PsychotherapyKey, VaultError> {
    let json = vault
        .setting(SETTING)?
        .ok_or(VaultError::PsychotherapyNotSetUp)?;
    let wrapped: KeyFile = serde_json::from_str(&json)
        .map_err(|_| VaultError::Corrupt("psychotherapy key is damaged".into()))?;
    if wrapped.vault_id != wrap_label(vault) {
        return Err(VaultError::Corrupt(
            "psychotherapy key belongs to another vault".into(),
        ));
    }
    Ok(PsychotherapyKey(wrapped.unwrap(passphrase)?))
}

fn seal(key: &PsychotherapyKey, id: &str, plain: &[u8]) -> Result<Vec<u8>, VaultError> {
    let mut nonce = [0u8; 24];
    getrandom::fill(&mut nonce).map_err(|e| VaultError::Internal(e.to_string()))?;
    let cipher = XChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(key.0.as_bytes()));
    let sealed = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: plain,
                aad: id.as_bytes(),
            },
        )
        .map_err(|_| VaultError::Internal("cannot seal a psychotherapy note".into()))?;
    let mut out = Vec::with_capacity(MAGIC.len() + nonce.len() + sealed.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    Ok(out)
}

fn open(key: &PsychotherapyKey, id: &str, body: &[u8]) -> Result<AutoCommit, VaultError> {
    let damaged = || VaultError::Corrupt(format!("psychotherapy note {id} does not open"));
    let rest = body.strip_prefix(MAGIC).ok_or_else(damaged)?;
    if rest.len() < 24 {
        return Err(damaged());
    }
    let (nonce, sealed) = rest.split_at(24);
    let cipher = XChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(key.0.as_bytes()));
    let plain = cipher
        .decrypt(
            XNonce::from_slice(nonce),
            Payload {
                msg: sealed,
                aad: id.as_bytes(),
            },
        )
        .map_err(|_| damaged())?;
    AutoCommit::load(&plain).map_err(|_| damaged())
}

fn am(e: automerge::AutomergeError) -> VaultError {
    VaultError::Corrupt(format!("psychotherapy note: {e}"))
}

fn save(
    vault: &mut Vault,
    key: &PsychotherapyKey,
    id: &str,
    doc: &mut AutoCommit,
) -> Result<(), VaultError> {
    let view = view(id, doc)?;
    let body = seal(key, id, &doc.save())?;
    vault.write_record_with(id, KIND, &body, |tx| project(tx, &view))
}

pub(crate) fn project(
    tx: &rusqlite::Transaction<'_>,
    view: &PsychotherapyNoteSummary,
) -> Result<(), VaultError> {
    tx.execute(
        "INSERT INTO psychotherapy_notes (id, client_id, created_ms) VALUES (?1, ?2, ?3)
         ON CONFLICT(id) DO UPDATE SET client_id = ?2, created_ms = ?3",
        params![view.id, view.client_id, view.created_ms],
    )?;
    Ok(())
}

fn view(id: &str, doc: &AutoCommit) -> Result<PsychotherapyNoteSummary, VaultError> {
    let client_id = match doc.get(ROOT, "client_id").map_err(am)? {
        Some((v, _)) => v.as_str().map(str::to_owned),
        None => None,
    };
    let created_ms = match doc.get(ROOT, "created_ms").map_err(am)? {
        Some((v, _)) => v.as_i64(),
        None => None,
    };
    Ok(PsychotherapyNoteSummary {
        id: id.to_owned(),
        client_id: client_id
            .ok_or_else(|| VaultError::Corrupt("psychotherapy note has no client".into()))?,
        created_ms: created_ms.unwrap_or(0),
    })
}

fn check(text: &str) -> Result<(), VaultError> {
    if text.len() > crate::note::MAX_TEXT_BYTES {
        return Err(VaultError::Invalid("the note is too long".into()));
    }
    Ok(())
}

pub fn create(
    vault: &mut Vault,
    key: &PsychotherapyKey,
    client_id: &str,
    text: &str,
) -> Result<String, VaultError> {
    check(text)?;
    if !crate::records::client::exists(vault, client_id)? {
        return Err(VaultError::RecordNotFound(client_id.to_owned()));
    }
    let id = uuid::Uuid::new_v4().to_string();
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "client_id", client_id).map_err(am)?;
    doc.put(ROOT, "created_ms", now_ms()).map_err(am)?;
    let obj = doc.put_object(ROOT, "text", ObjType::Text).map_err(am)?;
    doc.update_text(&obj, text).map_err(am)?;
    save(vault, key, &id, &mut doc)?;
    Ok(id)
}

pub fn update(
    vault: &mut Vault,
    key: &PsychotherapyKey,
    id: &str,
    text: &str,
) -> Result<(), VaultError> {
    check(text)?;
    let record = vault.get_record(id)?;
    if record.kind != KIND {
        return Err(VaultError::RecordNotFound(id.to_owned()));
    }
    let mut doc = open(key, id, &record.body)?;
    let obj = match doc.get(ROOT, "text").map_err(am)? {
        Some((_, obj)) => obj,
        None => doc.put_object(ROOT, "text", ObjType::Text).map_err(am)?,
    };
    doc.update_text(&obj, text).map_err(am)?;
    save(vault, key, id, &mut doc)
}

pub fn read(
    vault: &mut Vault,
    key: &PsychotherapyKey,
    id: &str,
) -> Result<PsychotherapyNoteView, VaultError> {
    let record = vault.get_record(id)?;
    if record.kind != KIND {
        return Err(VaultError::RecordNotFound(id.to_owned()));
    }
    let doc = open(key, id, &record.body)?;
    let summary = view(id, &doc)?;
    let text = match doc.get(ROOT, "text").map_err(am)? {
        Some((_, obj)) => doc.text(&obj).map_err(am)?,
        None => String::new(),
    };
    Ok(PsychotherapyNoteView {
        id: summary.id,
        client_id: summary.client_id,
        created_ms: summary.created_ms,
        text,
    })
}

/// A client's psychotherapy notes, newest first: ids and times only.
pub fn list(vault: &Vault, client_id: &str) -> Result<Vec<PsychotherapyNoteSummary>, VaultError> {
    let mut stmt = vault.connection().prepare_cached(
        "SELECT id, client_id, created_ms FROM psychotherapy_notes
         WHERE client_id = ?1 ORDER BY created_ms DESC, id",
    )?;
    let rows = stmt.query_map([client_id], |r| {
        Ok(PsychotherapyNoteSummary {
            id: r.get(0)?,
            client_id: r.get(1)?,
            created_ms: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::NewClient;
    use crate::records::client;
    use crate::vault::test_support::{quick_kdf, quick_vault};

    const STRONG: &str = "violet harbor kettle sixteen";

    #[test]
    fn a_psychotherapy_note_needs_its_own_unlock_and_is_sealed_in_the_vault() {
        let dir = tempfile::tempdir().unwrap();
        let mut v = quick_vault(dir.path());
        let ana = client::create_client(
            &mut v,
            &NewClient {
                given_name: "Ana".into(),
                family_name: "Silva".into(),
                preferred_name: None,
            },
        )
        .unwrap();
        assert!(matches!(
            unlock(&v, &Passphrase::new(STRONG)),
            Err(VaultError::PsychotherapyNotSetUp)
        ));
        assert!(matches!(
            set_up(&v, &Passphrase::new("short"), quick_kdf()),
            Err(VaultError::WeakPassphrase(_))
        ));
        let key = set_up(&v, &Passphrase::new(STRONG), quick_kdf()).unwrap();
        let id = create(&mut v, &key, &ana, "MARKER-PSY transference themes").unwrap();

        // The vault key alone (the stored body) does not show the text.
        let body = v.get_record(&id).unwrap().body;
        assert!(!String::from_utf8_lossy(&body).contains("MARKER-PSY"));
        assert!(AutoCommit::load(&body).is_err());
        // Not in search, listed without text.
        assert!(
            crate::records::search::search(&v, "MARKER", 10)
                .unwrap()
                .is_empty()
        );
        assert_eq!(list(&v, &ana).unwrap().len(), 1);

        assert!(matches!(
            unlock(&v, &Passphrase::new("wrong wrong wrong wrong")),
            Err(VaultError::WrongPassphrase)
        ));
        let again = unlock(&v, &Passphrase::new(STRONG)).unwrap();
        update(&mut v, &again, &id, "MARKER-PSY revised").unwrap();
        assert_eq!(
            read(&mut v, &again, &id).unwrap().text,
            "MARKER-PSY revised"
        );
        assert!(!format!("{again:?}").contains(STRONG));

        // A body moved to another record id does not open.
        let moved = open(&again, "other-id", &v.get_record(&id).unwrap().body);
        assert!(matches!(moved, Err(VaultError::Corrupt(_))));
    }
}
