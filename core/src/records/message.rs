//! Portal messages between a client and their therapist: one document per
//! message (`portal-msg-<id>`, keyed by the portal's message or submission
//! id, so receiving a message twice stores it once and two devices never
//! make rival copies), with `client_id`, `from_client`, `body` (text),
//! `sent_ms` and `read`. A client's thread is their messages in time order;
//! the `portal_messages` projection lists them with an unread flag.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjType, ROOT, ReadDoc};
use rusqlite::params;
use serde::{Deserialize, Serialize};

use crate::vault::{Vault, VaultError};

pub const KIND: &str = "portal_message";

/// The longest message body, in bytes (the relay's limit).
pub const MAX_BODY_BYTES: usize = 8 * 1024;

/// One message of a client's thread.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageView {
    pub id: String,
    pub client_id: String,
    /// `true`: the client wrote it; `false`: the therapist's reply.
    pub from_client: bool,
    pub body: String,
    pub sent_ms: i64,
    /// A client's message the therapist has not marked read.
    pub unread: bool,
}

impl std::fmt::Debug for MessageView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MessageView")
            .field("id", &self.id)
            .field("from_client", &self.from_client)
            .field("sent_ms", &self.sent_ms)
            .field("unread", &self.unread)
            .finish_non_exhaustive()
    }
}

pub fn doc_id(message: &str) -> String {
    format!("portal-msg-{message}")
}

fn am(e: automerge::AutomergeError) -> VaultError {
    VaultError::Corrupt(format!("portal message: {e}"))
}

pub(crate) fn scalar(doc: &AutoCommit, key: &str) -> Option<automerge::ScalarValue> {
    match doc.get(ROOT, key).ok().flatten() {
        Some((automerge::Value::Scalar(s), _)) => Some(s.into_owned()),
        _ => None,
    }
}

pub(crate) fn str_of(doc: &AutoCommit, key: &str) -> Option<String> {
    match scalar(doc, key)? {
        automerge::ScalarValue::Str(s) => Some(s.to_string()),
        _ => None,
    }
}

pub(crate) fn int_of(doc: &AutoCommit, key: &str) -> Option<i64> {
    match scalar(doc, key)? {
        automerge::ScalarValue::Int(i) => Some(i),
        automerge::ScalarValue::Uint(u) => i64::try_from(u).ok(),
        automerge::ScalarValue::Timestamp(t) => Some(t),
        _ => None,
    }
}

pub(crate) fn bool_of(doc: &AutoCommit, key: &str) -> Option<bool> {
    match scalar(doc, key)? {
        automerge::ScalarValue::Boolean(b) => Some(b),
        _ => None,
    }
}

pub(crate) fn text_of(doc: &AutoCommit, key: &str) -> String {
    match doc.get(ROOT, key) {
        Ok(Some((_, obj))) => doc.text(&obj).unwrap_or_default(),
        _ => String::new(),
    }
}

fn view(id: &str, doc: &AutoCommit) -> Result<MessageView, VaultError> {
    let bad = || VaultError::Corrupt(format!("portal message {id} is incomplete"));
    let from_client = bool_of(doc, "from_client").ok_or_else(bad)?;
    Ok(MessageView {
        id: id.to_owned(),
        client_id: str_of(doc, "client_id").ok_or_else(bad)?,
        from_client,
        body: text_of(doc, "body"),
        sent_ms: int_of(doc, "sent_ms").unwrap_or(0),
        unread: from_client && !bool_of(doc, "read").unwrap_or(false),
    })
}

pub(crate) fn project(
    tx: &rusqlite::Transaction<'_>,
    id: &str,
    doc: &AutoCommit,
) -> Result<(), VaultError> {
    let v = view(id, doc)?;
    tx.execute(
        "INSERT INTO portal_messages (id, client_id, from_client, sent_ms, unread)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(id) DO UPDATE SET client_id = ?2, from_client = ?3, sent_ms = ?4, unread = ?5",
        params![v.id, v.client_id, v.from_client, v.sent_ms, v.unread],
    )?;
    Ok(())
}

/// Stores a message (the client's, received; or the therapist's reply) as
/// record `id`, running `also` in the same transaction. `false`: it was
/// stored before (nothing written).
pub(crate) fn store(
    vault: &mut Vault,
    id: &str,
    client_id: &str,
    from_client: bool,
    body: &str,
    sent_ms: i64,
    also: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<(), VaultError>,
) -> Result<bool, VaultError> {
    if body.trim().is_empty() || body.len() > MAX_BODY_BYTES {
        return Err(VaultError::Invalid(
            "a message needs 1 to 8 KiB of text".into(),
        ));
    }
    if vault.has_record(id)? {
        return Ok(false);
    }
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "client_id", client_id).map_err(am)?;
    doc.put(ROOT, "from_client", from_client).map_err(am)?;
    doc.put(ROOT, "sent_ms", sent_ms).map_err(am)?;
    doc.put(ROOT, "read", !from_client).map_err(am)?;
    let obj = doc.put_object(ROOT, "body", ObjType::Text).map_err(am)?;
    doc.update_text(&obj, body).map_err(am)?;
    let doc_ref = doc.clone();
    vault.save_document(id, KIND, &mut doc, |tx| {
        project(tx, id, &doc_ref)?;
        also(tx)
    })?;
    Ok(true)
}

/// A client's thread, oldest first (audited reads).
pub fn thread(vault: &mut Vault, client_id: &str) -> Result<Vec<MessageView>, VaultError> {
    let ids: Vec<String> = {
        let mut stmt = vault.connection().prepare_cached(
            "SELECT id FROM portal_messages WHERE client_id = ?1 ORDER BY sent_ms, id",
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

/// Marks every message of the client read (syncs to the other devices).
pub fn mark_read(vault: &mut Vault, client_id: &str) -> Result<u32, VaultError> {
    let ids: Vec<String> = {
        let mut stmt = vault
            .connection()
            .prepare_cached("SELECT id FROM portal_messages WHERE client_id = ?1 AND unread = 1")?;
        let rows = stmt.query_map([client_id], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    for id in &ids {
        vault.update_document(
            id,
            KIND,
            |doc| {
                doc.put(ROOT, "read", true).map_err(am)?;
                Ok(doc.clone())
            },
            |tx, doc: &AutoCommit| project(tx, id, doc),
        )?;
    }
    Ok(ids.len() as u32)
}

/// Unread client messages, all clients.
pub fn unread_count(vault: &Vault) -> Result<u32, VaultError> {
    let n: i64 = vault.connection().query_row(
        "SELECT count(*) FROM portal_messages WHERE unread = 1",
        [],
        |r| r.get(0),
    )?;
    Ok(n.max(0) as u32)
}
