//! Session notes: one Automerge document per note.
//!
//! Layout: `client_id`, `template`, `session_ms`, `appointment_id` (scalars);
//! `sections` (map of section key → Text, all made when the note is created so
//! every device edits the same text objects); `signature` (one scalar holding
//! the signer, time and signed text together, so a merge can never mix two
//! signatures); `addenda` (list of maps `{text, by, at_ms}`).
//!
//! The signed text is the signature's copy, never the live sections. An edit
//! that another device made before it heard of the signature stays in the
//! live sections and is shown as an addendum ([`AddendumKind::ConcurrentEdit`]);
//! this device refuses edits once it knows the note is signed.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ObjType, ROOT, ReadDoc};
use rusqlite::params;

use crate::note::{
    Addendum, AddendumKind, MAX_TEXT_BYTES, NoteSummary, NoteView, Signature, Template,
};
use crate::records::search;
use crate::vault::{Vault, VaultError, now_ms};

pub const KIND: &str = "note";

fn am(e: automerge::AutomergeError) -> VaultError {
    VaultError::Corrupt(format!("note: {e}"))
}

fn text(doc: &AutoCommit, obj: &ObjId, key: &str) -> Option<String> {
    let (value, _) = doc.get(obj, key).ok()??;
    value.as_str().map(str::to_owned)
}

fn int(doc: &AutoCommit, obj: &ObjId, key: &str) -> Option<i64> {
    let (value, _) = doc.get(obj, key).ok()??;
    value.as_i64()
}

fn check_len(s: &str) -> Result<(), VaultError> {
    if s.len() > MAX_TEXT_BYTES {
        return Err(VaultError::Invalid(format!(
            "a note section may hold at most {MAX_TEXT_BYTES} bytes"
        )));
    }
    Ok(())
}

/// Starts a draft note for a session.
pub fn create_note(
    vault: &mut Vault,
    client_id: &str,
    template: Template,
    session_ms: i64,
    appointment_id: Option<&str>,
) -> Result<String, VaultError> {
    if !crate::records::client::exists(vault, client_id)? {
        return Err(VaultError::RecordNotFound(client_id.to_owned()));
    }
    let id = uuid::Uuid::new_v4().to_string();
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "client_id", client_id).map_err(am)?;
    doc.put(ROOT, "template", template.as_str()).map_err(am)?;
    doc.put(ROOT, "session_ms", session_ms).map_err(am)?;
    if let Some(a) = appointment_id {
        doc.put(ROOT, "appointment_id", a).map_err(am)?;
    }
    let sections = doc.put_object(ROOT, "sections", ObjType::Map).map_err(am)?;
    for key in template.sections() {
        doc.put_object(&sections, *key, ObjType::Text).map_err(am)?;
    }
    doc.put_object(ROOT, "addenda", ObjType::List).map_err(am)?;
    save(vault, &id, &mut doc)?;
    Ok(id)
}

/// Replaces the text of some sections of a draft. Refused once signed.
pub fn edit_sections(
    vault: &mut Vault,
    id: &str,
    changes: &[(&str, &str)],
) -> Result<NoteView, VaultError> {
    vault.update_document(
        id,
        KIND,
        |doc| {
            edit_doc(doc, id, changes)?;
            view(id, doc)
        },
        project,
    )
}

/// The document half of [`edit_sections`] (also used by the merge tests).
pub fn edit_doc(
    doc: &mut AutoCommit,
    id: &str,
    changes: &[(&str, &str)],
) -> Result<(), VaultError> {
    let template = template(doc)?;
    if is_signed(doc) {
        return Err(VaultError::NoteSigned(id.to_owned()));
    }
    for (key, new_text) in changes {
        if !template.has_section(key) {
            return Err(VaultError::Invalid(format!(
                "a {} note has no section {key:?}",
                template.as_str()
            )));
        }
        check_len(new_text)?;
    }
    let sections = section_map(doc)?;
    for (key, new_text) in changes {
        let obj = match doc.get(&sections, *key).map_err(am)? {
            Some((_, obj)) => obj,
            None => doc.put_object(&sections, *key, ObjType::Text).map_err(am)?,
        };
        doc.update_text(&obj, *new_text).map_err(am)?;
    }
    Ok(())
}

/// Signs a draft: records the signer, the time and the text as it stands.
pub fn sign_note(vault: &mut Vault, id: &str) -> Result<NoteView, VaultError> {
    let by = vault.actor().user.clone();
    vault.update_document(
        id,
        KIND,
        |doc| {
            sign_doc(doc, id, &by, now_ms())?;
            view(id, doc)
        },
        project,
    )
}

/// The document half of [`sign_note`].
pub fn sign_doc(doc: &mut AutoCommit, id: &str, by: &str, at_ms: i64) -> Result<(), VaultError> {
    if is_signed(doc) {
        return Err(VaultError::NoteSigned(id.to_owned()));
    }
    let sections = live_sections(doc)?;
    if sections.iter().all(|(_, t)| t.trim().is_empty()) {
        return Err(VaultError::Invalid("an empty note cannot be signed".into()));
    }
    let signature = Signature {
        by: by.to_owned(),
        at_ms,
        sections,
    };
    let json = serde_json::to_string(&signature)
        .map_err(|e| VaultError::Internal(format!("signature: {e}")))?;
    doc.put(ROOT, "signature", json).map_err(am)?;
    Ok(())
}

/// Adds a correction to a signed note.
pub fn add_addendum(vault: &mut Vault, id: &str, text: &str) -> Result<NoteView, VaultError> {
    let by = vault.actor().user.clone();
    vault.update_document(
        id,
        KIND,
        |doc| {
            addendum_doc(doc, text, &by, now_ms())?;
            view(id, doc)
        },
        project,
    )
}

/// The document half of [`add_addendum`].
pub fn addendum_doc(
    doc: &mut AutoCommit,
    text: &str,
    by: &str,
    at_ms: i64,
) -> Result<(), VaultError> {
    if signature(doc).is_none() {
        return Err(VaultError::Invalid(
            "addenda are for signed notes; edit the draft instead".into(),
        ));
    }
    if text.trim().is_empty() {
        return Err(VaultError::Invalid("an addendum needs text".into()));
    }
    check_len(text)?;
    let list = match doc.get(ROOT, "addenda").map_err(am)? {
        Some((_, list)) => list,
        None => doc.put_object(ROOT, "addenda", ObjType::List).map_err(am)?,
    };
    let at = doc.length(&list);
    let item = doc.insert_object(&list, at, ObjType::Map).map_err(am)?;
    doc.put(&item, "text", text).map_err(am)?;
    doc.put(&item, "by", by).map_err(am)?;
    doc.put(&item, "at_ms", at_ms).map_err(am)?;
    Ok(())
}

/// Reads a note (an audited read).
pub fn read_note(vault: &mut Vault, id: &str) -> Result<NoteView, VaultError> {
    let doc = vault.load_document(id)?;
    view(id, &doc)
}

fn template(doc: &AutoCommit) -> Result<Template, VaultError> {
    text(doc, &ROOT, "template")
        .and_then(|t| Template::parse(&t))
        .ok_or_else(|| VaultError::Corrupt("note has no valid template".into()))
}

fn section_map(doc: &AutoCommit) -> Result<ObjId, VaultError> {
    match doc.get(ROOT, "sections").map_err(am)? {
        Some((_, obj)) => Ok(obj),
        None => Err(VaultError::Corrupt("note has no sections".into())),
    }
}

/// The sections as currently edited, in template order.
fn live_sections(doc: &AutoCommit) -> Result<Vec<(String, String)>, VaultError> {
    let template = template(doc)?;
    let sections = section_map(doc)?;
    Ok(template
        .sections()
        .iter()
        .map(|key| {
            let body = match doc.get(&sections, *key) {
                Ok(Some((_, obj))) => doc.text(&obj).unwrap_or_default(),
                _ => String::new(),
            };
            ((*key).to_owned(), body)
        })
        .collect())
}

fn parse_signature(value: &automerge::Value<'_>) -> Option<Signature> {
    serde_json::from_str(value.as_str()?).ok()
}

/// The winning signature (the same on every device after a merge).
fn signature(doc: &AutoCommit) -> Option<Signature> {
    let (value, _) = doc.get(ROOT, "signature").ok()??;
    parse_signature(&value)
}

/// Whether the note carries a signature at all, readable or not: a damaged
/// signature must lock the note, never reopen it for editing.
fn is_signed(doc: &AutoCommit) -> bool {
    matches!(doc.get(ROOT, "signature"), Ok(Some(_)))
}

/// Builds the view: the signed text once signed, with late edits and rival
/// signatures shown as addenda. Every device derives the same view from the
/// same document, so nothing has to be rewritten after a merge.
pub fn view(id: &str, doc: &AutoCommit) -> Result<NoteView, VaultError> {
    let template = template(doc)?;
    let live = live_sections(doc)?;
    let signature = signature(doc);
    if signature.is_none() && is_signed(doc) {
        return Err(VaultError::Corrupt(format!(
            "note {id} has an unreadable signature"
        )));
    }
    let mut addenda = vec![];
    let sections = match &signature {
        None => live,
        Some(sig) => {
            let rivals = doc.get_all(ROOT, "signature").map_err(am)?;
            for (value, _) in &rivals {
                if let Some(other) = parse_signature(value)
                    && other.sections != sig.sections
                {
                    addenda.push(Addendum {
                        kind: AddendumKind::ConflictingSignature,
                        text: joined(template, &other.sections),
                        by: other.by,
                        at_ms: other.at_ms,
                    });
                }
            }
            let late: Vec<(String, String)> = live
                .into_iter()
                .filter(|(key, body)| {
                    let signed = sig.sections.iter().find(|(k, _)| k == key);
                    signed.map(|(_, t)| t != body).unwrap_or(!body.is_empty())
                })
                .collect();
            // A rival signature of exactly this text already says it.
            let covered = addenda
                .iter()
                .any(|a| a.kind == AddendumKind::ConflictingSignature);
            if !late.is_empty() && !covered {
                addenda.push(Addendum {
                    kind: AddendumKind::ConcurrentEdit,
                    text: joined(template, &late),
                    by: String::new(),
                    at_ms: sig.at_ms,
                });
            }
            sig.sections.clone()
        }
    };
    if let Ok(Some((_, list))) = doc.get(ROOT, "addenda") {
        for i in 0..doc.length(&list) {
            let Ok(Some((_, item))) = doc.get(&list, i) else {
                continue;
            };
            addenda.push(Addendum {
                kind: AddendumKind::Written,
                text: text(doc, &item, "text").unwrap_or_default(),
                by: text(doc, &item, "by").unwrap_or_default(),
                at_ms: int(doc, &item, "at_ms").unwrap_or(0),
            });
        }
    }
    addenda.sort_by(|a, b| (a.at_ms, &a.text).cmp(&(b.at_ms, &b.text)));
    Ok(NoteView {
        id: id.to_owned(),
        client_id: text(doc, &ROOT, "client_id")
            .ok_or_else(|| VaultError::Corrupt("note has no client".into()))?,
        template,
        session_ms: int(doc, &ROOT, "session_ms").unwrap_or(0),
        appointment_id: text(doc, &ROOT, "appointment_id"),
        sections,
        signature,
        addenda,
    })
}

fn joined(template: Template, sections: &[(String, String)]) -> String {
    if template == Template::Free {
        return sections
            .iter()
            .map(|(_, t)| t.as_str())
            .collect::<Vec<_>>()
            .join("\n");
    }
    sections
        .iter()
        .map(|(k, t)| format!("{k}: {t}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The text the search index holds for a note: what the note shows.
fn searchable(view: &NoteView) -> String {
    let mut body: Vec<&str> = view.sections.iter().map(|(_, t)| t.as_str()).collect();
    body.extend(view.addenda.iter().map(|a| a.text.as_str()));
    body.join("\n")
}

pub(crate) fn project(tx: &rusqlite::Transaction<'_>, view: &NoteView) -> Result<(), VaultError> {
    let sig = view.signature.as_ref();
    tx.execute(
        "INSERT INTO notes (id, client_id, template, session_ms, signed_ms, signed_by, addenda,
                            updated_ms)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, updated_ms FROM records WHERE id = ?1
         ON CONFLICT(id) DO UPDATE SET client_id = ?2, template = ?3, session_ms = ?4,
             signed_ms = ?5, signed_by = ?6, addenda = ?7, updated_ms = excluded.updated_ms",
        params![
            view.id,
            view.client_id,
            view.template.as_str(),
            view.session_ms,
            sig.map(|s| s.at_ms),
            sig.map(|s| s.by.as_str()),
            view.addenda.len() as i64,
        ],
    )?;
    // The old vector describes the old text; the desktop stores a fresh one
    // after the save when the model is available.
    tx.execute("DELETE FROM embeddings WHERE record_id = ?1", [&view.id])?;
    let title = format!("{} note", view.template.as_str().to_uppercase());
    search::index(
        tx,
        &view.id,
        &view.client_id,
        KIND,
        &title,
        &searchable(view),
    )
}

/// Saves the note with its projection and search entry; returns its view.
fn save(vault: &mut Vault, id: &str, doc: &mut AutoCommit) -> Result<NoteView, VaultError> {
    let view = view(id, doc)?;
    vault.save_document(id, KIND, doc, |tx| project(tx, &view))?;
    Ok(view)
}

/// A client's notes, newest session first (from the projection).
pub fn list_notes(vault: &Vault, client_id: &str) -> Result<Vec<NoteSummary>, VaultError> {
    let mut stmt = vault.connection().prepare_cached(
        "SELECT id, client_id, template, session_ms, signed_ms, signed_by, addenda
         FROM notes WHERE client_id = ?1 ORDER BY session_ms DESC, id",
    )?;
    let rows = stmt.query_map([client_id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, i64>(3)?,
            r.get::<_, Option<i64>>(4)?,
            r.get::<_, Option<String>>(5)?,
            r.get::<_, i64>(6)?,
        ))
    })?;
    let mut out = vec![];
    for row in rows {
        let (id, client_id, template, session_ms, signed_ms, signed_by, addenda) = row?;
        let template = Template::parse(&template)
            .ok_or_else(|| VaultError::Corrupt(format!("note {id} has template {template:?}")))?;
        out.push(NoteSummary {
            id,
            client_id,
            template,
            session_ms,
            signed_ms,
            signed_by,
            addenda: u32::try_from(addenda).unwrap_or(0),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::NewClient;
    use crate::records::{client, search};
    use crate::vault::test_support::quick_vault;

    fn client(v: &mut Vault) -> String {
        let new = NewClient {
            given_name: "Ana".into(),
            family_name: "Silva".into(),
            preferred_name: None,
        };
        client::create_client(v, &new).unwrap()
    }

    #[test]
    fn a_draft_is_edited_signed_then_corrected_only_by_addendum() {
        let dir = tempfile::tempdir().unwrap();
        let mut v = quick_vault(dir.path());
        let ana = client(&mut v);
        let id = create_note(&mut v, &ana, Template::Soap, 1_000, None).unwrap();
        assert!(matches!(
            sign_note(&mut v, &id),
            Err(VaultError::Invalid(_))
        ));
        edit_sections(&mut v, &id, &[("subjective", "Slept badly all week")]).unwrap();
        edit_sections(&mut v, &id, &[("plan", "Sleep diary")]).unwrap();
        assert!(matches!(
            edit_sections(&mut v, &id, &[("data", "x")]),
            Err(VaultError::Invalid(_))
        ));
        let signed = sign_note(&mut v, &id).unwrap();
        let sig = signed.signature.clone().unwrap();
        assert_eq!(sig.by, v.actor().user);
        assert_eq!(signed.sections[0].1, "Slept badly all week");

        let err = edit_sections(&mut v, &id, &[("subjective", "changed")]).unwrap_err();
        assert!(matches!(err, VaultError::NoteSigned(_)));
        assert!(matches!(
            sign_note(&mut v, &id),
            Err(VaultError::NoteSigned(_))
        ));
        let corrected = add_addendum(&mut v, &id, "Also reports nightmares").unwrap();
        assert_eq!(corrected.sections, signed.sections);
        assert_eq!(corrected.addenda.len(), 1);
        assert_eq!(corrected.addenda[0].kind, AddendumKind::Written);

        let list = list_notes(&v, &ana).unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].signed_ms, Some(sig.at_ms));
        assert_eq!(list[0].addenda, 1);

        // Search finds the signed text and the addendum, with a marked snippet.
        let hits = search::search(&v, "nightmar", 10).unwrap();
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].record_id, id);
        assert_eq!(hits[0].client_name, "Ana Silva");
        assert!(hits[0].snippet.contains("\u{2}nightmares\u{3}"));
        assert_eq!(search::search(&v, "silva", 10).unwrap()[0].record_id, ana);
    }

    #[test]
    fn an_edit_is_audited_as_a_read_and_a_write_and_a_refused_one_as_a_read() {
        let dir = tempfile::tempdir().unwrap();
        let mut v = quick_vault(dir.path());
        let ana = client(&mut v);
        let id = create_note(&mut v, &ana, Template::Free, 1_000, None).unwrap();
        let before = v.verify_audit().unwrap();
        edit_sections(&mut v, &id, &[("body", "Calm, engaged")]).unwrap();
        let actions = |v: &Vault, n: u32| -> Vec<(String, String)> {
            let mut out: Vec<_> = v
                .recent_audit(n)
                .unwrap()
                .into_iter()
                .map(|e| (e.action, e.record_id))
                .collect();
            out.reverse();
            out
        };
        let edit = vec![
            ("read".to_owned(), id.clone()),
            ("write".to_owned(), id.clone()),
        ];
        assert_eq!(actions(&v, 2), edit);
        assert_eq!(v.verify_audit().unwrap(), before + 2);
        let stored = v.get_record(&id).unwrap().body;
        sign_note(&mut v, &id).unwrap();
        let signed = v.get_record(&id).unwrap().body;
        assert_ne!(stored, signed);

        let count = v.verify_audit().unwrap();
        assert!(matches!(
            edit_sections(&mut v, &id, &[("body", "changed")]),
            Err(VaultError::NoteSigned(_))
        ));
        assert_eq!(v.verify_audit().unwrap(), count + 1);
        assert_eq!(actions(&v, 1), vec![("read".to_owned(), id.clone())]);
        assert_eq!(v.get_record(&id).unwrap().body, signed, "nothing written");
        assert!(matches!(
            edit_sections(&mut v, "no-such-note", &[("body", "x")]),
            Err(VaultError::RecordNotFound(_))
        ));
    }

    #[test]
    fn an_edit_made_offline_while_another_device_signed_becomes_an_addendum() {
        let mut laptop = AutoCommit::new();
        laptop.put(ROOT, "client_id", "c1").unwrap();
        laptop.put(ROOT, "template", "dap").unwrap();
        let sections = laptop.put_object(ROOT, "sections", ObjType::Map).unwrap();
        for key in Template::Dap.sections() {
            laptop.put_object(&sections, *key, ObjType::Text).unwrap();
        }
        edit_doc(&mut laptop, "n1", &[("data", "Client on time, calm")]).unwrap();
        let mut tablet = laptop.fork();

        sign_doc(&mut laptop, "n1", "Dr A", 5_000).unwrap();
        edit_doc(
            &mut tablet,
            "n1",
            &[("data", "Client on time, calm, tearful")],
        )
        .unwrap();

        laptop.merge(&mut tablet).unwrap();
        tablet.merge(&mut laptop).unwrap();
        for doc in [&laptop, &tablet] {
            let view = view("n1", doc).unwrap();
            assert_eq!(
                view.sections[0].1, "Client on time, calm",
                "signed text changed"
            );
            assert_eq!(view.addenda.len(), 1);
            assert_eq!(view.addenda[0].kind, AddendumKind::ConcurrentEdit);
            assert!(view.addenda[0].text.contains("tearful"));
        }
        // Now both know it is signed: further edits are refused everywhere.
        assert!(matches!(
            edit_doc(&mut tablet, "n1", &[("data", "again")]),
            Err(VaultError::NoteSigned(_))
        ));
    }

    #[test]
    fn two_devices_signing_different_text_at_once_keep_one_signature_and_show_the_other() {
        let mut a = AutoCommit::new();
        a.put(ROOT, "client_id", "c1").unwrap();
        a.put(ROOT, "template", "free").unwrap();
        let sections = a.put_object(ROOT, "sections", ObjType::Map).unwrap();
        a.put_object(&sections, "body", ObjType::Text).unwrap();
        let mut b = a.fork();
        edit_doc(&mut a, "n", &[("body", "Version A")]).unwrap();
        sign_doc(&mut a, "n", "Dr A", 10).unwrap();
        edit_doc(&mut b, "n", &[("body", "Version B")]).unwrap();
        sign_doc(&mut b, "n", "Dr B", 11).unwrap();
        a.merge(&mut b).unwrap();
        b.merge(&mut a).unwrap();
        let (va, vb) = (view("n", &a).unwrap(), view("n", &b).unwrap());
        assert_eq!(va, vb);
        let signed = &va.sections[0].1;
        assert!(signed == "Version A" || signed == "Version B");
        let rival = va
            .addenda
            .iter()
            .find(|x| x.kind == AddendumKind::ConflictingSignature)
            .unwrap();
        assert_ne!(&rival.text, signed);
    }
}
