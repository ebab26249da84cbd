//! A client's safety plan: one document per client (`safety-plan:<client
//! id>`), each Stanley-Brown section a Text so concurrent edits merge by
//! character rather than one overwriting the other.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjType, ROOT, ReadDoc};

use crate::safety_plan::{SafetyPlan, Section};
use crate::vault::{Vault, VaultError, now_ms};

pub const KIND: &str = "safety_plan";

pub fn doc_id(client_id: &str) -> String {
    format!("safety-plan:{client_id}")
}

fn am(e: automerge::AutomergeError) -> VaultError {
    VaultError::Corrupt(format!("safety plan: {e}"))
}

pub fn plan_of(client_id: &str, doc: &AutoCommit) -> SafetyPlan {
    let scalar = |key: &str| doc.get(ROOT, key).ok().flatten().map(|(v, _)| v);
    let sections = Section::ALL
        .into_iter()
        .map(|s| {
            let body = match doc.get(ROOT, s.as_str()) {
                Ok(Some((_, obj))) => doc.text(&obj).unwrap_or_default(),
                _ => String::new(),
            };
            (s, body)
        })
        .collect();
    SafetyPlan {
        client_id: client_id.to_owned(),
        sections,
        updated_ms: scalar("updated_ms").and_then(|v| v.as_i64()).unwrap_or(0),
        updated_by: scalar("updated_by")
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
    }
}

/// The client's safety plan; every section empty if none was written.
pub fn plan(vault: &mut Vault, client_id: &str) -> Result<SafetyPlan, VaultError> {
    let id = doc_id(client_id);
    if !vault.has_record(&id)? {
        return Ok(plan_of(client_id, &AutoCommit::new()));
    }
    Ok(plan_of(client_id, &vault.load_document(&id)?))
}

/// Saves the sections the form sent (others are left as they are).
pub fn save(
    vault: &mut Vault,
    client_id: &str,
    changes: &[(Section, String)],
) -> Result<SafetyPlan, VaultError> {
    if changes.iter().any(|(_, t)| t.len() > 20_000) {
        return Err(VaultError::Invalid(
            "a safety plan section is too long".into(),
        ));
    }
    if !crate::records::client::exists(vault, client_id)? {
        return Err(VaultError::RecordNotFound(client_id.to_owned()));
    }
    let id = doc_id(client_id);
    let mut doc = if vault.has_record(&id)? {
        vault.load_document(&id)?
    } else {
        // Every section's text is made up front, so later edits on any
        // device that has this document go to the same objects.
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "client_id", client_id).map_err(am)?;
        for s in Section::ALL {
            doc.put_object(ROOT, s.as_str(), ObjType::Text)
                .map_err(am)?;
        }
        doc
    };
    for (section, body) in changes {
        let obj = match doc.get(ROOT, section.as_str()).map_err(am)? {
            Some((_, obj)) => obj,
            None => doc
                .put_object(ROOT, section.as_str(), ObjType::Text)
                .map_err(am)?,
        };
        doc.update_text(&obj, body.trim_end()).map_err(am)?;
    }
    doc.put(ROOT, "updated_ms", now_ms()).map_err(am)?;
    doc.put(ROOT, "updated_by", vault.actor().user.as_str())
        .map_err(am)?;
    vault.save_document(&id, KIND, &mut doc, |_| Ok(()))?;
    Ok(plan_of(client_id, &doc))
}
