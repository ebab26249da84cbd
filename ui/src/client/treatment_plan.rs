//! The treatment plan: problems, their goals and measurable objectives,
//! interventions, and periodic reviews. Every change is sent as a
//! [`PlanEdit`]; the plan shown is always the one handed in.

use bloom_core::treatment_plan::{
    Goal, Intervention, Objective, ObjectiveStatus, PlanEdit, Problem, TreatmentPlan,
};
use dioxus::prelude::*;

use super::format_date;
use crate::i18n::use_i18n;

/// The message id of an objective status's label.
pub fn objective_status_label(status: ObjectiveStatus) -> &'static str {
    match status {
        ObjectiveStatus::NotStarted => "plan-status-not-started",
        ObjectiveStatus::InProgress => "plan-status-in-progress",
        ObjectiveStatus::Met => "plan-status-met",
        ObjectiveStatus::Revised => "plan-status-revised",
        ObjectiveStatus::Discontinued => "plan-status-discontinued",
    }
}

/// One input of an [`AddForm`].
#[derive(Clone, PartialEq)]
pub struct FormField {
    /// The element id of the input.
    pub id: String,
    /// The visible label (already translated).
    pub label: String,
    /// `text`, `date` or `textarea`.
    pub kind: &'static str,
    pub required: bool,
}

impl FormField {
    fn new(id: String, label: String, kind: &'static str, required: bool) -> FormField {
        FormField {
            id,
            label,
            kind,
            required,
        }
    }
}

/// A small collapsible form: a `details` whose summary (`{id}-toggle`) opens
/// it, labelled inputs, and a submit button (`{id}-add`) enabled once every
/// required input has text. Sends the trimmed values in field order, then
/// clears them.
#[component]
pub fn AddForm(
    id: String,
    title: String,
    fields: Vec<FormField>,
    submit: String,
    #[props(default)] open: bool,
    on_submit: EventHandler<Vec<String>>,
) -> Element {
    let n = fields.len();
    let mut values = use_signal(move || vec![String::new(); n]);
    let ready = fields
        .iter()
        .zip(values().iter())
        .all(|(f, v)| !f.required || !v.trim().is_empty());
    rsx! {
        details { class: "add-form", id: "{id}", open,
            summary { id: "{id}-toggle", {title} }
            form {
                onsubmit: move |e| {
                    e.prevent_default();
                    if ready {
                        let sent: Vec<String> = values().iter().map(|v| v.trim().to_owned()).collect();
                        on_submit.call(sent);
                        values.set(vec![String::new(); n]);
                    }
                },
                for (i, f) in fields.iter().cloned().enumerate() {
                    div { key: "{f.id}", class: "field",
                        label { r#for: "{f.id}", {f.label.clone()} }
                        if f.kind == "textarea" {
                            textarea { id: "{f.id}", rows: "3", required: f.required,
                                value: values().get(i).cloned().unwrap_or_default(),
                                oninput: move |e| if let Some(v) = values.write().get_mut(i) { *v = e.value() } }
                        } else {
                            input { id: "{f.id}", r#type: f.kind, required: f.required, autocomplete: "off",
                                value: values().get(i).cloned().unwrap_or_default(),
                                oninput: move |e| if let Some(v) = values.write().get_mut(i) { *v = e.value() } }
                        }
                    }
                }
                button { id: "{id}-add", r#type: "submit", class: "small primary", disabled: !ready, {submit} }
            }
        }
    }
}

/// The whole plan with forms to extend it.
///
/// Element ids: `treatment-plan`, `plan-empty` (no problems yet);
/// `plan-problem-{id}`, `plan-goal-{id}`, `plan-objective-{id}`,
/// `plan-intervention-{id}` for what the plan holds;
/// `plan-objective-status-{id}` (status select per objective; option values
/// are `ObjectiveStatus::as_str`); forms (each a `details` opened by
/// `{form}-toggle`, sent by `{form}-add`): `plan-problem-form`
/// (`plan-problem-description`), `plan-goal-form-{problem}`
/// (`plan-goal-description-{problem}`, `plan-goal-date-{problem}`),
/// `plan-objective-form-{goal}` (`plan-objective-description-{goal}`,
/// `plan-objective-measure-{goal}`, `plan-objective-date-{goal}`),
/// `plan-intervention-form-{problem}` (`plan-intervention-description-{problem}`,
/// `plan-intervention-frequency-{problem}`); reviews: `plan-reviews`
/// (or `plan-reviews-empty`), `plan-review-form` (`plan-review-text`).
#[component]
pub fn TreatmentPlanView(plan: TreatmentPlan, on_edit: EventHandler<PlanEdit>) -> Element {
    let i18n = use_i18n();
    let mut reviews = plan.reviews.clone();
    reviews.sort_by_key(|r| std::cmp::Reverse(r.at_ms));
    let problem_fields = vec![FormField::new(
        "plan-problem-description".into(),
        i18n.t("plan-problem-description"),
        "textarea",
        true,
    )];
    let review_fields = vec![FormField::new(
        "plan-review-text".into(),
        i18n.t("plan-review-text"),
        "textarea",
        true,
    )];
    rsx! {
        section { class: "treatment-plan", id: "treatment-plan",
            h2 { {i18n.t("plan-title")} }
            if plan.problems.is_empty() {
                p { class: "empty-state", id: "plan-empty", {i18n.t("plan-empty")} }
            }
            for (n, p) in plan.problems.iter().cloned().enumerate() {
                ProblemBlock { key: "{p.id}", number: n + 1, problem: p, on_edit }
            }
            AddForm {
                id: "plan-problem-form",
                title: i18n.t("plan-problem-add"),
                fields: problem_fields,
                submit: i18n.t("plan-add"),
                open: plan.problems.is_empty(),
                on_submit: move |v: Vec<String>| {
                    let description = v.into_iter().next().unwrap_or_default();
                    on_edit.call(PlanEdit::AddProblem { description });
                },
            }
            section { class: "plan-reviews panel",
                h3 { {i18n.t("plan-reviews-title")} }
                if reviews.is_empty() {
                    p { class: "empty-state", id: "plan-reviews-empty", {i18n.t("plan-reviews-empty")} }
                } else {
                    ol { class: "plain-list", id: "plan-reviews",
                        for (i, r) in reviews.into_iter().enumerate() {
                            li { key: "{i}", class: "plan-review",
                                p { class: "muted",
                                    {i18n.t_args("plan-review-meta", &[("date", &format_date(r.at_ms)), ("by", &r.by)])} }
                                p { class: "prose", {r.text.clone()} }
                            }
                        }
                    }
                }
                AddForm {
                    id: "plan-review-form",
                    title: i18n.t("plan-review-add"),
                    fields: review_fields,
                    submit: i18n.t("plan-add"),
                    on_submit: move |v: Vec<String>| {
                        let text = v.into_iter().next().unwrap_or_default();
                        on_edit.call(PlanEdit::AddReview { text });
                    },
                }
            }
        }
    }
}

#[component]
fn ProblemBlock(number: usize, problem: Problem, on_edit: EventHandler<PlanEdit>) -> Element {
    let i18n = use_i18n();
    let pid = problem.id.clone();
    let goal_fields = vec![
        FormField::new(
            format!("plan-goal-description-{pid}"),
            i18n.t("plan-goal-description"),
            "text",
            true,
        ),
        FormField::new(
            format!("plan-goal-date-{pid}"),
            i18n.t("plan-target-date"),
            "date",
            false,
        ),
    ];
    let intervention_fields = vec![
        FormField::new(
            format!("plan-intervention-description-{pid}"),
            i18n.t("plan-intervention-description"),
            "text",
            true,
        ),
        FormField::new(
            format!("plan-intervention-frequency-{pid}"),
            i18n.t("plan-intervention-frequency"),
            "text",
            false,
        ),
    ];
    let goal_pid = pid.clone();
    let intervention_pid = pid.clone();
    rsx! {
        article { class: "plan-problem panel", id: "plan-problem-{pid}",
            h3 { {i18n.t_args("plan-problem-heading", &[("number", &number.to_string())])} }
            p { class: "prose", {problem.description.clone()} }
            h4 { {i18n.t("plan-goals-title")} }
            if problem.goals.is_empty() {
                p { class: "empty-state", {i18n.t("plan-goals-empty")} }
            }
            for g in problem.goals.iter().cloned() {
                GoalBlock { key: "{g.id}", goal: g, on_edit }
            }
            AddForm {
                id: "plan-goal-form-{pid}",
                title: i18n.t("plan-goal-add"),
                fields: goal_fields,
                submit: i18n.t("plan-add"),
                on_submit: move |v: Vec<String>| {
                    let mut v = v.into_iter();
                    on_edit.call(PlanEdit::AddGoal {
                        problem_id: goal_pid.clone(),
                        description: v.next().unwrap_or_default(),
                        target_date: v.next().unwrap_or_default(),
                    });
                },
            }
            h4 { {i18n.t("plan-interventions-title")} }
            if problem.interventions.is_empty() {
                p { class: "empty-state", {i18n.t("plan-interventions-empty")} }
            } else {
                ul { class: "plain-list",
                    for iv in problem.interventions.iter().cloned() {
                        InterventionRow { key: "{iv.id}", intervention: iv }
                    }
                }
            }
            AddForm {
                id: "plan-intervention-form-{pid}",
                title: i18n.t("plan-intervention-add"),
                fields: intervention_fields,
                submit: i18n.t("plan-add"),
                on_submit: move |v: Vec<String>| {
                    let mut v = v.into_iter();
                    on_edit.call(PlanEdit::AddIntervention {
                        problem_id: intervention_pid.clone(),
                        description: v.next().unwrap_or_default(),
                        frequency: v.next().unwrap_or_default(),
                    });
                },
            }
        }
    }
}

#[component]
fn InterventionRow(intervention: Intervention) -> Element {
    let i18n = use_i18n();
    let frequency = intervention.frequency.trim().to_owned();
    rsx! {
        li { class: "plan-intervention", id: "plan-intervention-{intervention.id}",
            {intervention.description.clone()}
            if !frequency.is_empty() {
                span { class: "muted", " · " {i18n.t_args("plan-frequency", &[("frequency", &frequency)])} }
            }
        }
    }
}

#[component]
fn GoalBlock(goal: Goal, on_edit: EventHandler<PlanEdit>) -> Element {
    let i18n = use_i18n();
    let gid = goal.id.clone();
    let target = goal.target_date.trim().to_owned();
    let objective_fields = vec![
        FormField::new(
            format!("plan-objective-description-{gid}"),
            i18n.t("plan-objective-description"),
            "text",
            true,
        ),
        FormField::new(
            format!("plan-objective-measure-{gid}"),
            i18n.t("plan-objective-measure"),
            "text",
            false,
        ),
        FormField::new(
            format!("plan-objective-date-{gid}"),
            i18n.t("plan-target-date"),
            "date",
            false,
        ),
    ];
    let goal_id = gid.clone();
    rsx! {
        div { class: "plan-goal", id: "plan-goal-{gid}",
            p { class: "plan-goal-text",
                strong { {goal.description.clone()} }
                if !target.is_empty() {
                    span { class: "muted", " · " {i18n.t_args("plan-target", &[("date", &target)])} }
                }
            }
            if !goal.objectives.is_empty() {
                ul { class: "plan-objectives",
                    for o in goal.objectives.iter().cloned() {
                        ObjectiveRow { key: "{o.id}", objective: o, on_edit }
                    }
                }
            }
            AddForm {
                id: "plan-objective-form-{gid}",
                title: i18n.t("plan-objective-add"),
                fields: objective_fields,
                submit: i18n.t("plan-add"),
                on_submit: move |v: Vec<String>| {
                    let mut v = v.into_iter();
                    on_edit.call(PlanEdit::AddObjective {
                        goal_id: goal_id.clone(),
                        description: v.next().unwrap_or_default(),
                        measure: v.next().unwrap_or_default(),
                        target_date: v.next().unwrap_or_default(),
                    });
                },
            }
        }
    }
}

#[component]
fn ObjectiveRow(objective: Objective, on_edit: EventHandler<PlanEdit>) -> Element {
    let i18n = use_i18n();
    let oid = objective.id.clone();
    let status = objective.status;
    let measure = objective.measure.trim().to_owned();
    let target = objective.target_date.trim().to_owned();
    rsx! {
        li { class: "plan-objective", id: "plan-objective-{oid}", "data-status": status.as_str(),
            div { class: "plan-objective-text",
                {objective.description.clone()}
                if !measure.is_empty() {
                    span { class: "muted", " · " {i18n.t_args("plan-measure", &[("measure", &measure)])} }
                }
                if !target.is_empty() {
                    span { class: "muted", " · " {i18n.t_args("plan-target", &[("date", &target)])} }
                }
            }
            label { class: "visually-hidden", r#for: "plan-objective-status-{oid}", {i18n.t("plan-objective-status")} }
            select { id: "plan-objective-status-{oid}", class: "status-select",
                onchange: move |e| {
                    if let Some(s) = ObjectiveStatus::parse(&e.value()) && s != status {
                        on_edit.call(PlanEdit::SetObjectiveStatus { objective_id: oid.clone(), status: s });
                    }
                },
                for s in ObjectiveStatus::ALL {
                    option { key: "{s.as_str()}", value: s.as_str(), selected: s == status,
                        {i18n.t(objective_status_label(s))} }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::test_util::render;
    use crate::i18n::{I18n, Locale};
    use bloom_core::treatment_plan::Review;

    fn sample() -> TreatmentPlan {
        TreatmentPlan {
            client_id: "c1".into(),
            problems: vec![Problem {
                id: "p1".into(),
                description: "Low mood most days".into(),
                goals: vec![Goal {
                    id: "g1".into(),
                    description: "Return to work part time".into(),
                    target_date: "2024-09-01".into(),
                    objectives: vec![Objective {
                        id: "o1".into(),
                        description: "Walk 20 minutes, 3 times a week".into(),
                        measure: "Activity log".into(),
                        target_date: "2024-06-01".into(),
                        status: ObjectiveStatus::InProgress,
                    }],
                }],
                interventions: vec![Intervention {
                    id: "i1".into(),
                    description: "Behavioural activation".into(),
                    frequency: "Weekly".into(),
                }],
            }],
            reviews: vec![Review {
                at_ms: 1_709_251_200_000,
                by: "Dr Reyes".into(),
                text: "Steady progress.".into(),
            }],
        }
    }

    #[test]
    fn every_status_has_a_label() {
        let en = I18n::new(Locale::En);
        for s in ObjectiveStatus::ALL {
            assert!(en.has(objective_status_label(s)), "{s:?}");
        }
    }

    #[test]
    fn renders_the_plan_with_its_forms() {
        fn app() -> Element {
            rsx! { TreatmentPlanView { plan: sample(), on_edit: |_| {} } }
        }
        let html = render(app);
        for id in [
            "plan-problem-p1",
            "plan-goal-g1",
            "plan-objective-o1",
            "plan-intervention-i1",
            "plan-objective-status-o1",
            "plan-problem-form",
            "plan-problem-description",
            "plan-goal-form-p1",
            "plan-goal-description-p1",
            "plan-objective-form-g1",
            "plan-objective-measure-g1",
            "plan-intervention-form-p1",
            "plan-review-form",
            "plan-review-text",
            "plan-reviews",
        ] {
            assert!(html.contains(&format!("id=\"{id}\"")), "{id}: {html}");
        }
        assert!(html.contains("Walk 20 minutes"), "{html}");
        assert!(html.contains(r#"value="in_progress" selected"#), "{html}");
        assert!(html.contains("Steady progress."), "{html}");
        assert!(!html.contains("plan-empty"), "{html}");
    }

    #[test]
    fn an_empty_plan_invites_a_first_problem() {
        fn app() -> Element {
            rsx! { TreatmentPlanView { plan: TreatmentPlan::default(), on_edit: |_| {} } }
        }
        let html = render(app);
        assert!(html.contains(r#"id="plan-empty""#), "{html}");
        assert!(html.contains(r#"id="plan-reviews-empty""#), "{html}");
    }
}
