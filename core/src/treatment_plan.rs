//! Treatment plans as the screens see them: problems, goals, measurable
//! objectives, interventions, target dates and progress reviews. Stored as
//! one document per client by `records::treatment_plan`.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectiveStatus {
    NotStarted,
    InProgress,
    Met,
    Revised,
    Discontinued,
}

impl ObjectiveStatus {
    pub const ALL: [ObjectiveStatus; 5] = [
        ObjectiveStatus::NotStarted,
        ObjectiveStatus::InProgress,
        ObjectiveStatus::Met,
        ObjectiveStatus::Revised,
        ObjectiveStatus::Discontinued,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ObjectiveStatus::NotStarted => "not_started",
            ObjectiveStatus::InProgress => "in_progress",
            ObjectiveStatus::Met => "met",
            ObjectiveStatus::Revised => "revised",
            ObjectiveStatus::Discontinued => "discontinued",
        }
    }

    pub fn parse(s: &str) -> Option<ObjectiveStatus> {
        ObjectiveStatus::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

/// A measurable step toward a goal ("PHQ-9 below 10", "3 exposures a week").
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Objective {
    pub id: String,
    pub description: String,
    pub measure: String,
    /// `YYYY-MM-DD`, or empty.
    pub target_date: String,
    pub status: ObjectiveStatus,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Goal {
    pub id: String,
    pub description: String,
    pub target_date: String,
    pub objectives: Vec<Objective>,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Intervention {
    pub id: String,
    pub description: String,
    /// "weekly CBT sessions", free text.
    pub frequency: String,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub id: String,
    pub description: String,
    pub goals: Vec<Goal>,
    pub interventions: Vec<Intervention>,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub at_ms: i64,
    pub by: String,
    pub text: String,
}

#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreatmentPlan {
    pub client_id: String,
    pub problems: Vec<Problem>,
    pub reviews: Vec<Review>,
}

// Plan items hold clinical text: `Debug` names the type only.
macro_rules! redacted_debug {
    ($($t:ty),*) => {$(
        impl std::fmt::Debug for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($t), "(<redacted>)"))
            }
        }
    )*};
}
redacted_debug!(Objective, Goal, Intervention, Problem, Review);

impl std::fmt::Debug for TreatmentPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TreatmentPlan")
            .field("problems", &self.problems.len())
            .finish_non_exhaustive()
    }
}

/// A change to a plan, as the plan form sends it.
#[derive(Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum PlanEdit {
    AddProblem {
        description: String,
    },
    AddGoal {
        problem_id: String,
        description: String,
        target_date: String,
    },
    AddObjective {
        goal_id: String,
        description: String,
        measure: String,
        target_date: String,
    },
    SetObjectiveStatus {
        objective_id: String,
        status: ObjectiveStatus,
    },
    AddIntervention {
        problem_id: String,
        description: String,
        frequency: String,
    },
    AddReview {
        text: String,
    },
}
