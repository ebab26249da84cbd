//! The client chart document: demographics, contacts, emergency contact,
//! insurance, case status with its history, diagnoses and consents.
//!
//! Document layout (Automerge map at the root): the profile fields as text
//! scalars under the keys of [`Profile::fields`] (`given_name`,
//! `contact.phone`, `insurance.member_id` …; last writer wins per field, so
//! concurrent edits to different fields both survive); `status` (scalar);
//! `status_history` (list of maps `{status, at_ms, by}`; concurrent appends
//! both survive); `diagnoses` (list of maps `{code, description, added_ms, by,
//! resolved_ms}`); `consents` (list of maps `{kind, action, at_ms, by}`;
//! append-only, see [`crate::consent`]).

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ObjType, ROOT, ReadDoc};
use rusqlite::params;

use crate::consent::{ConsentAction, ConsentKind, ConsentLog, ConsentRecord};
use crate::records::search;
use crate::vault::{Vault, VaultError, now_ms};

/// The record kind of client charts.
pub const KIND: &str = "client";

pub use crate::chart::{
    CaseStatus, ChartView, ClientSummary, DiagnosisEntry, NewClient, Profile, StatusChange,
};

fn am(e: automerge::AutomergeError) -> VaultError {
    VaultError::Corrupt(format!("client chart: {e}"))
}

fn text(doc: &AutoCommit, obj: &ObjId, key: &str) -> Option<String> {
    let (value, _) = doc.get(obj, key).ok()??;
    value.as_str().map(str::to_owned)
}

fn int(doc: &AutoCommit, obj: &ObjId, key: &str) -> Option<i64> {
    let (value, _) = doc.get(obj, key).ok()??;
    value.as_i64()
}

/// "Preferred Family", or "Given Family" without a preferred name.
pub fn display_name(doc: &AutoCommit) -> String {
    let first = text(doc, &ROOT, "preferred_name")
        .filter(|p| !p.trim().is_empty())
        .or_else(|| text(doc, &ROOT, "given_name"))
        .unwrap_or_default();
    let family = text(doc, &ROOT, "family_name").unwrap_or_default();
    format!("{} {}", first.trim(), family.trim())
        .trim()
        .to_owned()
}

pub fn status(doc: &AutoCommit) -> Result<CaseStatus, VaultError> {
    text(doc, &ROOT, "status")
        .and_then(|s| CaseStatus::parse(&s))
        .ok_or_else(|| VaultError::Corrupt("client chart has no valid status".into()))
}

/// The status history, oldest first.
pub fn status_history(doc: &AutoCommit) -> Vec<StatusChange> {
    let Ok(Some((_, list))) = doc.get(ROOT, "status_history") else {
        return vec![];
    };
    let mut out: Vec<StatusChange> = (0..doc.length(&list))
        .filter_map(|i| {
            let (_, item) = doc.get(&list, i).ok()??;
            Some(StatusChange {
                status: CaseStatus::parse(&text(doc, &item, "status")?)?,
                at_ms: int(doc, &item, "at_ms")?,
                by: text(doc, &item, "by").unwrap_or_default(),
            })
        })
        .collect();
    // Entries merged from several devices come in list order; show them in time order.
    out.sort_by_key(|c| c.at_ms);
    out
}

/// Appends a status change to a chart document (the document half of [`set_status`]).
pub fn append_status(
    doc: &mut AutoCommit,
    status: CaseStatus,
    at_ms: i64,
    by: &str,
) -> Result<(), VaultError> {
    doc.put(ROOT, "status", status.as_str()).map_err(am)?;
    let list = list(doc, "status_history")?;
    let at = doc.length(&list);
    let item = doc.insert_object(&list, at, ObjType::Map).map_err(am)?;
    doc.put(&item, "status", status.as_str()).map_err(am)?;
    doc.put(&item, "at_ms", at_ms).map_err(am)?;
    doc.put(&item, "by", by).map_err(am)?;
    Ok(())
}

/// The list at `key`, made if the document has none yet.
fn list(doc: &mut AutoCommit, key: &str) -> Result<ObjId, VaultError> {
    match doc.get(ROOT, key).map_err(am)? {
        Some((_, list)) => Ok(list),
        None => doc.put_object(ROOT, key, ObjType::List).map_err(am),
    }
}

/// The chart's consent history.
pub fn consents(doc: &AutoCommit) -> ConsentLog {
    let mut log = ConsentLog::new();
    let Ok(Some((_, list))) = doc.get(ROOT, "consents") else {
        return log;
    };
    for i in 0..doc.length(&list) {
        let Ok(Some((_, item))) = doc.get(&list, i) else {
            continue;
        };
        let kind = text(doc, &item, "kind").and_then(|k| ConsentKind::parse(&k));
        let action = match text(doc, &item, "action").as_deref() {
            Some("granted") => Some(ConsentAction::Granted),
            Some("revoked") => Some(ConsentAction::Revoked),
            _ => None,
        };
        if let (Some(kind), Some(action), Some(at_ms)) = (kind, action, int(doc, &item, "at_ms")) {
            log.record(ConsentRecord {
                kind,
                action,
                at_ms,
                recorded_by: text(doc, &item, "by").unwrap_or_default(),
            });
        }
    }
    log
}

/// Records that the client granted or revoked `kind`, effective now. Earlier
/// records are never changed.
pub fn record_consent(
    vault: &mut Vault,
    id: &str,
    kind: ConsentKind,
    action: ConsentAction,
) -> Result<(), VaultError> {
    let by = vault.actor().user.clone();
    record_consent_by(vault, id, kind, action, &by)
}

/// Like [`record_consent`], recorded by `by` (the client, through the portal).
pub fn record_consent_by(
    vault: &mut Vault,
    id: &str,
    kind: ConsentKind,
    action: ConsentAction,
    by: &str,
) -> Result<(), VaultError> {
    let mut doc = vault.load_document(id)?;
    let list = list(&mut doc, "consents")?;
    let at = doc.length(&list);
    let item = doc.insert_object(&list, at, ObjType::Map).map_err(am)?;
    doc.put(&item, "kind", kind.as_str()).map_err(am)?;
    let action = match action {
        ConsentAction::Granted => "granted",
        ConsentAction::Revoked => "revoked",
    };
    doc.put(&item, "action", action).map_err(am)?;
    doc.put(&item, "at_ms", crate::vault::now_ms())
        .map_err(am)?;
    doc.put(&item, "by", by).map_err(am)?;
    save(vault, id, &mut doc)
}

/// Whether the client has `kind` consented now: the one question every
/// feature that needs consent asks.
pub fn is_consented(vault: &mut Vault, id: &str, kind: ConsentKind) -> Result<bool, VaultError> {
    let doc = vault.load_document(id)?;
    Ok(consents(&doc).is_consented(kind, crate::vault::now_ms()))
}

pub(crate) fn summary(
    id: &str,
    doc: &AutoCommit,
    updated_ms: i64,
) -> Result<ClientSummary, VaultError> {
    Ok(ClientSummary {
        id: id.to_owned(),
        display_name: display_name(doc),
        status: status(doc)?,
        updated_ms,
    })
}

/// Upserts the list row and the name search entry; the row's time is the
/// record's own, so a rebuild from the documents yields exactly the same rows.
pub(crate) fn project(
    tx: &rusqlite::Transaction<'_>,
    row: &ClientSummary,
    names: &str,
) -> Result<(), VaultError> {
    tx.execute(
        "INSERT INTO clients (id, display_name, status, updated_ms)
         SELECT ?1, ?2, ?3, updated_ms FROM records WHERE id = ?1
         ON CONFLICT(id) DO UPDATE SET display_name = ?2, status = ?3,
             updated_ms = excluded.updated_ms",
        params![row.id, row.display_name, row.status.as_str()],
    )?;
    search::index(tx, &row.id, &row.id, KIND, &row.display_name, names)
}

/// What the name search matches a chart on.
pub(crate) fn search_names(doc: &AutoCommit) -> String {
    let p = profile(doc);
    [p.given_name, p.preferred_name, p.family_name].join(" ")
}

fn save(vault: &mut Vault, id: &str, doc: &mut AutoCommit) -> Result<(), VaultError> {
    let row = summary(id, doc, 0)?;
    let names = search_names(doc);
    vault.save_document(id, KIND, doc, |tx| project(tx, &row, &names))
}

/// Opens a chart for a new client (status: intake). Returns its id.
pub fn create_client(vault: &mut Vault, new: &NewClient) -> Result<String, VaultError> {
    if new.given_name.trim().is_empty() || new.family_name.trim().is_empty() {
        return Err(VaultError::Invalid(
            "a client needs a given name and a family name".into(),
        ));
    }
    let id = uuid::Uuid::new_v4().to_string();
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "given_name", new.given_name.trim())
        .map_err(am)?;
    doc.put(ROOT, "family_name", new.family_name.trim())
        .map_err(am)?;
    if let Some(p) = new
        .preferred_name
        .as_deref()
        .filter(|p| !p.trim().is_empty())
    {
        doc.put(ROOT, "preferred_name", p.trim()).map_err(am)?;
    }
    // Lists are made with the chart: rival lists made on first use by two
    // devices would merge into one, losing the other's entries.
    doc.put_object(ROOT, "consents", ObjType::List)
        .map_err(am)?;
    doc.put_object(ROOT, "diagnoses", ObjType::List)
        .map_err(am)?;
    let by = vault.actor().user.clone();
    append_status(&mut doc, CaseStatus::Intake, crate::vault::now_ms(), &by)?;
    save(vault, &id, &mut doc)?;
    Ok(id)
}

/// Moves a client's case to `status`, keeping the history.
pub fn set_status(vault: &mut Vault, id: &str, status: CaseStatus) -> Result<(), VaultError> {
    let mut doc = vault.load_document(id)?;
    let by = vault.actor().user.clone();
    append_status(&mut doc, status, crate::vault::now_ms(), &by)?;
    save(vault, id, &mut doc)
}

/// Whether a client chart exists (not an access to its contents).
pub fn exists(vault: &Vault, id: &str) -> Result<bool, VaultError> {
    use rusqlite::OptionalExtension;
    Ok(vault
        .connection()
        .query_row("SELECT 1 FROM clients WHERE id = ?1", [id], |_| Ok(()))
        .optional()?
        .is_some())
}

/// The profile as the chart document holds it.
pub fn profile(doc: &AutoCommit) -> Profile {
    let mut p = Profile::default();
    for (key, _) in Profile::default().fields() {
        if let Some(v) = text(doc, &ROOT, key) {
            p.set(key, v);
        }
    }
    p
}

/// Saves the profile form: only fields that changed are written, so an edit
/// to one field never overwrites another device's edit to a different one.
pub fn update_profile(vault: &mut Vault, id: &str, new: &Profile) -> Result<(), VaultError> {
    new.validate().map_err(VaultError::Invalid)?;
    let mut doc = vault.load_document(id)?;
    let old = profile(&doc);
    for ((key, before), (_, after)) in old.fields().into_iter().zip(new.fields()) {
        let after = after.trim();
        if before != after {
            doc.put(ROOT, key, after).map_err(am)?;
        }
    }
    save(vault, id, &mut doc)
}

/// The diagnoses on the chart, in the order they were added.
pub fn diagnoses(doc: &AutoCommit) -> Vec<DiagnosisEntry> {
    let Ok(Some((_, list))) = doc.get(ROOT, "diagnoses") else {
        return vec![];
    };
    (0..doc.length(&list))
        .filter_map(|i| {
            let (_, item) = doc.get(&list, i).ok()??;
            Some(DiagnosisEntry {
                code: text(doc, &item, "code")?,
                description: text(doc, &item, "description").unwrap_or_default(),
                added_ms: int(doc, &item, "added_ms").unwrap_or(0),
                added_by: text(doc, &item, "by").unwrap_or_default(),
                resolved_ms: int(doc, &item, "resolved_ms"),
            })
        })
        .collect()
}

/// Adds a diagnosis by ICD-10-CM code from the bundled list.
pub fn add_diagnosis(
    vault: &mut Vault,
    id: &str,
    code: &str,
) -> Result<DiagnosisEntry, VaultError> {
    let known = crate::icd10::lookup(code).ok_or_else(|| {
        VaultError::Invalid("that is not a behavioral-health ICD-10-CM code".into())
    })?;
    let mut doc = vault.load_document(id)?;
    if diagnoses(&doc)
        .iter()
        .any(|d| d.code == known.code && d.resolved_ms.is_none())
    {
        return Err(VaultError::Invalid(format!(
            "{} is already on the chart",
            known.code
        )));
    }
    let list = list(&mut doc, "diagnoses")?;
    let at = doc.length(&list);
    let item = doc.insert_object(&list, at, ObjType::Map).map_err(am)?;
    let entry = DiagnosisEntry {
        code: known.code.to_owned(),
        description: known.description.to_owned(),
        added_ms: now_ms(),
        added_by: vault.actor().user.clone(),
        resolved_ms: None,
    };
    doc.put(&item, "code", entry.code.as_str()).map_err(am)?;
    doc.put(&item, "description", entry.description.as_str())
        .map_err(am)?;
    doc.put(&item, "added_ms", entry.added_ms).map_err(am)?;
    doc.put(&item, "by", entry.added_by.as_str()).map_err(am)?;
    save(vault, id, &mut doc)?;
    Ok(entry)
}

/// Marks an active diagnosis resolved; it stays on the chart's history.
pub fn resolve_diagnosis(vault: &mut Vault, id: &str, code: &str) -> Result<(), VaultError> {
    let mut doc = vault.load_document(id)?;
    let Some((_, list)) = doc.get(ROOT, "diagnoses").map_err(am)? else {
        return Err(VaultError::Invalid(format!("{code} is not on the chart")));
    };
    let mut found = false;
    for i in 0..doc.length(&list) {
        let Some((_, item)) = doc.get(&list, i).map_err(am)? else {
            continue;
        };
        if text(&doc, &item, "code").as_deref() == Some(code)
            && int(&doc, &item, "resolved_ms").is_none()
        {
            doc.put(&item, "resolved_ms", now_ms()).map_err(am)?;
            found = true;
        }
    }
    if !found {
        return Err(VaultError::Invalid(format!(
            "{code} is not an active diagnosis"
        )));
    }
    save(vault, id, &mut doc)
}

/// Everything the chart summary shows (an audited read of the chart).
pub fn chart(vault: &mut Vault, id: &str) -> Result<ChartView, VaultError> {
    let doc = vault.load_document(id)?;
    Ok(ChartView {
        id: id.to_owned(),
        display_name: display_name(&doc),
        profile: profile(&doc),
        status: status(&doc)?,
        status_history: status_history(&doc),
        diagnoses: diagnoses(&doc),
        consents: consents(&doc),
    })
}

/// The client list, by name (reads the projection, not the documents).
pub fn list_clients(vault: &Vault) -> Result<Vec<ClientSummary>, VaultError> {
    list_rows(vault, "", [])
}

/// `limit` rows of the client list from `offset`, in the order of
/// [`list_clients`]: what one screen of the list shows.
pub fn list_clients_page(
    vault: &Vault,
    offset: u32,
    limit: u32,
) -> Result<Vec<ClientSummary>, VaultError> {
    list_rows(vault, "LIMIT ?1 OFFSET ?2", [limit, offset])
}

fn list_rows<P: rusqlite::Params>(
    vault: &Vault,
    tail: &str,
    args: P,
) -> Result<Vec<ClientSummary>, VaultError> {
    let mut stmt = vault.connection().prepare_cached(&format!(
        "SELECT id, display_name, status, updated_ms FROM clients
         ORDER BY display_name COLLATE NOCASE, id {tail}"
    ))?;
    let rows = stmt.query_map(args, |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, i64>(3)?,
        ))
    })?;
    let mut out = vec![];
    for row in rows {
        let (id, display_name, status, updated_ms) = row?;
        let status = CaseStatus::parse(&status)
            .ok_or_else(|| VaultError::Corrupt(format!("client {id} has status {status:?}")))?;
        out.push(ClientSummary {
            id,
            display_name,
            status,
            updated_ms,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::test_support::quick_vault as vault;

    fn new(given: &str, family: &str, preferred: Option<&str>) -> NewClient {
        NewClient {
            given_name: given.into(),
            family_name: family.into(),
            preferred_name: preferred.map(str::to_owned),
        }
    }

    #[test]
    fn a_new_client_is_in_intake_and_on_the_list() {
        let dir = tempfile::tempdir().unwrap();
        let mut v = vault(dir.path());
        let id = create_client(&mut v, &new("Margaret", "Okafor", Some("Maggie"))).unwrap();
        create_client(&mut v, &new("Ben", "Adams", None)).unwrap();
        let list = list_clients(&v).unwrap();
        let names: Vec<_> = list.iter().map(|c| c.display_name.as_str()).collect();
        assert_eq!(names, ["Ben Adams", "Maggie Okafor"]);
        assert!(list.iter().all(|c| c.status == CaseStatus::Intake));
        let page = list_clients_page(&v, 1, 5).unwrap();
        assert_eq!(page, list[1..]);
        assert!(list_clients_page(&v, 2, 5).unwrap().is_empty());
        assert!(!format!("{list:?}").contains("Okafor"), "names in Debug");
        let doc = v.load_document(&id).unwrap();
        assert_eq!(status_history(&doc).len(), 1);
    }

    #[test]
    fn status_changes_keep_their_history_and_update_the_list() {
        let dir = tempfile::tempdir().unwrap();
        let mut v = vault(dir.path());
        let id = create_client(&mut v, &new("Ana", "Silva", None)).unwrap();
        set_status(&mut v, &id, CaseStatus::Active).unwrap();
        set_status(&mut v, &id, CaseStatus::Paused).unwrap();
        let doc = v.load_document(&id).unwrap();
        let history: Vec<_> = status_history(&doc).into_iter().map(|c| c.status).collect();
        assert_eq!(
            history,
            [CaseStatus::Intake, CaseStatus::Active, CaseStatus::Paused]
        );
        assert_eq!(list_clients(&v).unwrap()[0].status, CaseStatus::Paused);
    }

    #[test]
    fn consent_is_granted_then_revoked_and_the_history_stays() {
        let dir = tempfile::tempdir().unwrap();
        let mut v = vault(dir.path());
        let id = create_client(&mut v, &new("Ana", "Silva", None)).unwrap();
        assert!(!is_consented(&mut v, &id, ConsentKind::MlAnalysis).unwrap());
        record_consent(&mut v, &id, ConsentKind::MlAnalysis, ConsentAction::Granted).unwrap();
        assert!(is_consented(&mut v, &id, ConsentKind::MlAnalysis).unwrap());
        assert!(!is_consented(&mut v, &id, ConsentKind::PortalUse).unwrap());
        std::thread::sleep(std::time::Duration::from_millis(2));
        record_consent(&mut v, &id, ConsentKind::MlAnalysis, ConsentAction::Revoked).unwrap();
        assert!(!is_consented(&mut v, &id, ConsentKind::MlAnalysis).unwrap());
        let doc = v.load_document(&id).unwrap();
        assert_eq!(consents(&doc).records().len(), 2);
    }

    #[test]
    fn empty_names_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut v = vault(dir.path());
        let err = create_client(&mut v, &new("  ", "Silva", None)).unwrap_err();
        assert!(matches!(err, VaultError::Invalid(_)));
        assert!(list_clients(&v).unwrap().is_empty());
    }

    #[test]
    fn profile_fields_diagnoses_and_the_chart() {
        let dir = tempfile::tempdir().unwrap();
        let mut v = vault(dir.path());
        let id = create_client(&mut v, &new("Ana", "Silva", None)).unwrap();
        let mut p = chart(&mut v, &id).unwrap().profile;
        p.preferred_name = "Annie".into();
        p.phone = "+1 555 0100".into();
        p.emergency.name = "Rui Silva".into();
        p.insurance.member_id = "XJ12345".into();
        update_profile(&mut v, &id, &p).unwrap();
        let c = chart(&mut v, &id).unwrap();
        assert_eq!(c.profile, p);
        assert_eq!(c.display_name, "Annie Silva");
        assert_eq!(list_clients(&v).unwrap()[0].display_name, "Annie Silva");

        p.date_of_birth = "yesterday".into();
        assert!(matches!(
            update_profile(&mut v, &id, &p),
            Err(VaultError::Invalid(_))
        ));

        let dx = add_diagnosis(&mut v, &id, "f411").unwrap();
        assert_eq!(dx.code, "F41.1");
        assert!(
            add_diagnosis(&mut v, &id, "F41.1").is_err(),
            "already active"
        );
        assert!(
            add_diagnosis(&mut v, &id, "J45.909").is_err(),
            "not an F-code"
        );
        assert!(add_diagnosis(&mut v, &id, "<script>").is_err());
        resolve_diagnosis(&mut v, &id, "F41.1").unwrap();
        assert!(resolve_diagnosis(&mut v, &id, "F41.1").is_err());
        let c = chart(&mut v, &id).unwrap();
        assert_eq!(c.diagnoses.len(), 1);
        assert!(c.diagnoses[0].resolved_ms.is_some());
        add_diagnosis(&mut v, &id, "F41.1").unwrap();
        assert_eq!(chart(&mut v, &id).unwrap().diagnoses.len(), 2);
    }

    #[test]
    fn concurrent_edits_to_different_fields_and_statuses_all_survive() {
        let mut a = AutoCommit::new();
        a.put(ROOT, "given_name", "Ana").unwrap();
        a.put(ROOT, "family_name", "Silva").unwrap();
        append_status(&mut a, CaseStatus::Intake, 1, "Dr A").unwrap();
        let mut b = a.fork();
        // Offline on two devices: one fixes the name, the other changes status.
        a.put(ROOT, "family_name", "Silva-Costa").unwrap();
        append_status(&mut b, CaseStatus::Active, 2, "Dr B").unwrap();
        append_status(&mut a, CaseStatus::Paused, 3, "Dr A").unwrap();
        let mut ab = a.fork();
        ab.merge(&mut b).unwrap();
        let mut ba = b.fork();
        ba.merge(&mut a).unwrap();
        for doc in [&ab, &ba] {
            assert_eq!(display_name(doc), "Ana Silva-Costa");
            let history: Vec<_> = status_history(doc).into_iter().map(|c| c.status).collect();
            assert_eq!(
                history,
                [CaseStatus::Intake, CaseStatus::Active, CaseStatus::Paused]
            );
        }
        assert_eq!(status(&ab).unwrap(), status(&ba).unwrap());
    }
}
