//! A client's treatment plan: one document per client, id
//! `treatment-plan:<client id>`, so two devices that start a plan offline end
//! up editing the same document.
//!
//! Layout: `client_id`; `problems` (list of maps `{id, description, goals,
//! interventions}`, goals `{id, description, target_date, objectives}`,
//! objectives `{id, description, measure, target_date, status}`,
//! interventions `{id, description, frequency}`); `reviews` (list of maps
//! `{at_ms, by, text}`). Items carry their own ids so an edit finds its item
//! wherever concurrent inserts moved it.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ObjType, ROOT, ReadDoc};

use crate::treatment_plan::{
    Goal, Intervention, Objective, ObjectiveStatus, PlanEdit, Problem, Review, TreatmentPlan,
};
use crate::vault::{Vault, VaultError, now_ms};

pub const KIND: &str = "treatment_plan";

pub fn doc_id(client_id: &str) -> String {
    format!("treatment-plan:{client_id}")
}

fn am(e: automerge::AutomergeError) -> VaultError {
    VaultError::Corrupt(format!("treatment plan: {e}"))
}

fn text(doc: &AutoCommit, obj: &ObjId, key: &str) -> String {
    match doc.get(obj, key) {
        Ok(Some((v, _))) => v.as_str().unwrap_or_default().to_owned(),
        _ => String::new(),
    }
}

fn items(doc: &AutoCommit, obj: &ObjId, key: &str) -> Vec<ObjId> {
    let Ok(Some((_, list))) = doc.get(obj, key) else {
        return vec![];
    };
    (0..doc.length(&list))
        .filter_map(|i| Some(doc.get(&list, i).ok()??.1))
        .collect()
}

fn list(doc: &mut AutoCommit, obj: &ObjId, key: &str) -> Result<ObjId, VaultError> {
    match doc.get(obj, key).map_err(am)? {
        Some((_, list)) => Ok(list),
        None => doc.put_object(obj, key, ObjType::List).map_err(am),
    }
}

/// Appends a map with `fields` to the list `key` of `obj`; returns the map.
fn append(
    doc: &mut AutoCommit,
    obj: &ObjId,
    key: &str,
    fields: &[(&str, &str)],
) -> Result<ObjId, VaultError> {
    let list = list(doc, obj, key)?;
    let at = doc.length(&list);
    let item = doc.insert_object(&list, at, ObjType::Map).map_err(am)?;
    for (k, v) in fields {
        doc.put(&item, *k, *v).map_err(am)?;
    }
    Ok(item)
}

/// A new, empty plan. Every list is made here, up front: two devices that
/// each made a missing list on first use would make two rival lists, and a
/// merge keeps only one of them.
pub fn new_doc(client_id: &str) -> Result<AutoCommit, VaultError> {
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "client_id", client_id).map_err(am)?;
    doc.put_object(ROOT, "problems", ObjType::List)
        .map_err(am)?;
    doc.put_object(ROOT, "reviews", ObjType::List).map_err(am)?;
    Ok(doc)
}

/// Finds the item with `id` anywhere in the plan.
fn find(doc: &AutoCommit, id: &str) -> Option<ObjId> {
    for problem in items(doc, &ROOT, "problems") {
        if text(doc, &problem, "id") == id {
            return Some(problem);
        }
        for goal in items(doc, &problem, "goals") {
            if text(doc, &goal, "id") == id {
                return Some(goal);
            }
            for objective in items(doc, &goal, "objectives") {
                if text(doc, &objective, "id") == id {
                    return Some(objective);
                }
            }
        }
    }
    None
}

pub fn plan_of(client_id: &str, doc: &AutoCommit) -> TreatmentPlan {
    let problems = items(doc, &ROOT, "problems")
        .into_iter()
        .map(|p| Problem {
            id: text(doc, &p, "id"),
            description: text(doc, &p, "description"),
            goals: items(doc, &p, "goals")
                .into_iter()
                .map(|g| Goal {
                    id: text(doc, &g, "id"),
                    description: text(doc, &g, "description"),
                    target_date: text(doc, &g, "target_date"),
                    objectives: items(doc, &g, "objectives")
                        .into_iter()
                        .map(|o| Objective {
                            id: text(doc, &o, "id"),
                            description: text(doc, &o, "description"),
                            measure: text(doc, &o, "measure"),
                            target_date: text(doc, &o, "target_date"),
                            status: ObjectiveStatus::parse(&text(doc, &o, "status"))
                                .unwrap_or(ObjectiveStatus::NotStarted),
                        })
                        .collect(),
                })
                .collect(),
            interventions: items(doc, &p, "interventions")
                .into_iter()
                .map(|i| Intervention {
                    id: text(doc, &i, "id"),
                    description: text(doc, &i, "description"),
                    frequency: text(doc, &i, "frequency"),
                })
                .collect(),
        })
        .collect();
    let mut reviews: Vec<Review> = items(doc, &ROOT, "reviews")
        .into_iter()
        .map(|r| Review {
            at_ms: match doc.get(&r, "at_ms") {
                Ok(Some((v, _))) => v.as_i64().unwrap_or(0),
                _ => 0,
            },
            by: text(doc, &r, "by"),
            text: text(doc, &r, "text"),
        })
        .collect();
    reviews.sort_by_key(|r| r.at_ms);
    TreatmentPlan {
        client_id: client_id.to_owned(),
        problems,
        reviews,
    }
}

/// The client's plan; an empty plan if none was started.
pub fn plan(vault: &mut Vault, client_id: &str) -> Result<TreatmentPlan, VaultError> {
    let id = doc_id(client_id);
    if !vault.has_record(&id)? {
        return Ok(TreatmentPlan {
            client_id: client_id.to_owned(),
            ..TreatmentPlan::default()
        });
    }
    Ok(plan_of(client_id, &vault.load_document(&id)?))
}

fn required(s: &str, what: &str) -> Result<String, VaultError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(VaultError::Invalid(format!(
            "the {what} needs a description"
        )));
    }
    if s.len() > 5_000 {
        return Err(VaultError::Invalid(format!("the {what} is too long")));
    }
    Ok(s.to_owned())
}

fn date(s: &str) -> Result<String, VaultError> {
    let s = s.trim();
    let ok = s.is_empty()
        || (s.len() == 10
            && s.bytes().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            }));
    if ok {
        Ok(s.to_owned())
    } else {
        Err(VaultError::Invalid("target dates are YYYY-MM-DD".into()))
    }
}

/// Applies one edit; returns the id of the item it made, if any.
pub fn apply_doc(
    doc: &mut AutoCommit,
    edit: &PlanEdit,
    by: &str,
    at_ms: i64,
) -> Result<Option<String>, VaultError> {
    let new_id = uuid::Uuid::new_v4().to_string();
    let missing = || VaultError::Invalid("that plan item no longer exists".into());
    match edit {
        PlanEdit::AddProblem { description } => {
            let d = required(description, "problem")?;
            let problem = append(
                doc,
                &ROOT,
                "problems",
                &[("id", &new_id), ("description", &d)],
            )?;
            for key in ["goals", "interventions"] {
                doc.put_object(&problem, key, ObjType::List).map_err(am)?;
            }
        }
        PlanEdit::AddGoal {
            problem_id,
            description,
            target_date,
        } => {
            let (d, t) = (required(description, "goal")?, date(target_date)?);
            let problem = find(doc, problem_id).ok_or_else(missing)?;
            let goal = append(
                doc,
                &problem,
                "goals",
                &[("id", &new_id), ("description", &d), ("target_date", &t)],
            )?;
            doc.put_object(&goal, "objectives", ObjType::List)
                .map_err(am)?;
        }
        PlanEdit::AddObjective {
            goal_id,
            description,
            measure,
            target_date,
        } => {
            let (d, t) = (required(description, "objective")?, date(target_date)?);
            let goal = find(doc, goal_id).ok_or_else(missing)?;
            append(
                doc,
                &goal,
                "objectives",
                &[
                    ("id", &new_id),
                    ("description", &d),
                    ("measure", measure.trim()),
                    ("target_date", &t),
                    ("status", ObjectiveStatus::NotStarted.as_str()),
                ],
            )?;
        }
        PlanEdit::SetObjectiveStatus {
            objective_id,
            status,
        } => {
            let objective = find(doc, objective_id).ok_or_else(missing)?;
            doc.put(&objective, "status", status.as_str()).map_err(am)?;
            return Ok(None);
        }
        PlanEdit::AddIntervention {
            problem_id,
            description,
            frequency,
        } => {
            let d = required(description, "intervention")?;
            let problem = find(doc, problem_id).ok_or_else(missing)?;
            append(
                doc,
                &problem,
                "interventions",
                &[
                    ("id", &new_id),
                    ("description", &d),
                    ("frequency", frequency.trim()),
                ],
            )?;
        }
        PlanEdit::AddReview { text } => {
            let t = required(text, "review")?;
            let item = append(doc, &ROOT, "reviews", &[("by", by), ("text", &t)])?;
            doc.put(&item, "at_ms", at_ms).map_err(am)?;
        }
    }
    Ok(Some(new_id))
}

/// Applies an edit to the client's plan (starting the plan if needed).
pub fn apply(
    vault: &mut Vault,
    client_id: &str,
    edit: &PlanEdit,
) -> Result<TreatmentPlan, VaultError> {
    if !crate::records::client::exists(vault, client_id)? {
        return Err(VaultError::RecordNotFound(client_id.to_owned()));
    }
    let id = doc_id(client_id);
    let mut doc = if vault.has_record(&id)? {
        vault.load_document(&id)?
    } else {
        new_doc(client_id)?
    };
    let by = vault.actor().user.clone();
    apply_doc(&mut doc, edit, &by, now_ms())?;
    vault.save_document(&id, KIND, &mut doc, |_| Ok(()))?;
    Ok(plan_of(client_id, &doc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_grows_from_problem_to_objective_and_merges_across_devices() {
        let mut a = new_doc("c1").unwrap();
        let add = |doc: &mut AutoCommit, e: PlanEdit| apply_doc(doc, &e, "Dr A", 1).unwrap();
        let problem = add(
            &mut a,
            PlanEdit::AddProblem {
                description: "Panic attacks".into(),
            },
        )
        .unwrap();
        let goal = add(
            &mut a,
            PlanEdit::AddGoal {
                problem_id: problem.clone(),
                description: "Fewer panic attacks".into(),
                target_date: "2027-03-01".into(),
            },
        )
        .unwrap();
        let mut b = a.fork();
        let objective = add(
            &mut a,
            PlanEdit::AddObjective {
                goal_id: goal.clone(),
                description: "At most one attack a week".into(),
                measure: "panic diary".into(),
                target_date: "2027-01-15".into(),
            },
        )
        .unwrap();
        add(
            &mut b,
            PlanEdit::AddIntervention {
                problem_id: problem.clone(),
                description: "Interoceptive exposure".into(),
                frequency: "weekly".into(),
            },
        );
        add(
            &mut b,
            PlanEdit::AddReview {
                text: "Good engagement".into(),
            },
        );
        a.merge(&mut b).unwrap();
        add(
            &mut a,
            PlanEdit::SetObjectiveStatus {
                objective_id: objective,
                status: ObjectiveStatus::InProgress,
            },
        );
        let plan = plan_of("c1", &a);
        let p = &plan.problems[0];
        assert_eq!(p.goals[0].objectives[0].status, ObjectiveStatus::InProgress);
        assert_eq!(p.interventions[0].description, "Interoceptive exposure");
        assert_eq!(plan.reviews.len(), 1);

        let bad = apply_doc(
            &mut a,
            &PlanEdit::AddGoal {
                problem_id: "gone".into(),
                description: "x".into(),
                target_date: "".into(),
            },
            "Dr A",
            2,
        );
        assert!(matches!(bad, Err(VaultError::Invalid(_))));
        let bad_date = apply_doc(
            &mut a,
            &PlanEdit::AddGoal {
                problem_id: problem,
                description: "x".into(),
                target_date: "next spring".into(),
            },
            "Dr A",
            2,
        );
        assert!(matches!(bad_date, Err(VaultError::Invalid(_))));
    }
}
