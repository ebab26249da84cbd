//! Measurement-based care: the PHQ-9 and GAD-7 questionnaires, their scoring,
//! severity bands, and the PHQ-9 item 9 safety alert.
//!
//! Both instruments were developed by Drs. Spitzer, Williams, Kroenke and
//! colleagues with an educational grant from Pfizer; no permission is
//! required to reproduce, translate, display or distribute them.

use serde::{Deserialize, Serialize};

/// The questionnaires Bloom scores.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Instrument {
    Phq9,
    Gad7,
}

/// The answer scale both instruments share ("over the last 2 weeks…").
pub const ANSWERS: [&str; 4] = [
    "Not at all",
    "Several days",
    "More than half the days",
    "Nearly every day",
];

const PHQ9_ITEMS: [&str; 9] = [
    "Little interest or pleasure in doing things",
    "Feeling down, depressed, or hopeless",
    "Trouble falling or staying asleep, or sleeping too much",
    "Feeling tired or having little energy",
    "Poor appetite or overeating",
    "Feeling bad about yourself — or that you are a failure or have let yourself or your family down",
    "Trouble concentrating on things, such as reading the newspaper or watching television",
    "Moving or speaking so slowly that other people could have noticed? Or the opposite — being so \
     fidgety or restless that you have been moving around a lot more than usual",
    "Thoughts that you would be better off dead or of hurting yourself in some way",
];

const GAD7_ITEMS: [&str; 7] = [
    "Feeling nervous, anxious, or on edge",
    "Not being able to stop or control worrying",
    "Worrying too much about different things",
    "Trouble relaxing",
    "Being so restless that it is hard to sit still",
    "Becoming easily annoyed or irritable",
    "Feeling afraid as if something awful might happen",
];

/// Severity bands, from the instruments' published cut-offs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    Minimal,
    Mild,
    Moderate,
    /// PHQ-9 only (15–19).
    ModeratelySevere,
    Severe,
}

impl Instrument {
    /// The stable name stored in documents.
    pub fn as_str(self) -> &'static str {
        match self {
            Instrument::Phq9 => "phq-9",
            Instrument::Gad7 => "gad-7",
        }
    }

    pub fn parse(s: &str) -> Option<Instrument> {
        [Instrument::Phq9, Instrument::Gad7]
            .into_iter()
            .find(|i| i.as_str() == s)
    }

    pub fn items(self) -> &'static [&'static str] {
        match self {
            Instrument::Phq9 => &PHQ9_ITEMS,
            Instrument::Gad7 => &GAD7_ITEMS,
        }
    }

    /// The highest possible total.
    pub fn max_score(self) -> u8 {
        (self.items().len() * 3) as u8
    }

    /// The band a total falls in.
    pub fn severity(self, total: u8) -> Severity {
        match (self, total) {
            (_, 0..=4) => Severity::Minimal,
            (_, 5..=9) => Severity::Mild,
            (_, 10..=14) => Severity::Moderate,
            (Instrument::Phq9, 15..=19) => Severity::ModeratelySevere,
            _ => Severity::Severe,
        }
    }

    /// The lowest total of each band, for drawing bands behind a score chart.
    pub fn bands(self) -> &'static [(u8, Severity)] {
        match self {
            Instrument::Phq9 => &[
                (0, Severity::Minimal),
                (5, Severity::Mild),
                (10, Severity::Moderate),
                (15, Severity::ModeratelySevere),
                (20, Severity::Severe),
            ],
            Instrument::Gad7 => &[
                (0, Severity::Minimal),
                (5, Severity::Mild),
                (10, Severity::Moderate),
                (15, Severity::Severe),
            ],
        }
    }
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Minimal => "minimal",
            Severity::Mild => "mild",
            Severity::Moderate => "moderate",
            Severity::ModeratelySevere => "moderately-severe",
            Severity::Severe => "severe",
        }
    }
}

/// One point of a client's scores over time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScorePoint {
    pub assessment_id: String,
    pub taken_ms: i64,
    pub total: u8,
    pub safety_alert: bool,
}

/// A scored questionnaire. Clinical content: its `Debug` shows only the instrument.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scored {
    pub instrument: Instrument,
    pub answers: Vec<u8>,
    pub total: u8,
    pub severity: Severity,
    /// PHQ-9 item 9 (thoughts of death or self-harm) answered above 0: the
    /// therapist must be alerted whatever the total.
    pub safety_alert: bool,
}

impl std::fmt::Debug for Scored {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scored")
            .field("instrument", &self.instrument)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AssessmentError {
    #[error("{instrument:?} has {expected} items, got {got} answers")]
    WrongCount {
        instrument: Instrument,
        expected: usize,
        got: usize,
    },
    #[error("answer {item} is {value}; answers are 0 to 3")]
    OutOfRange { item: usize, value: u8 },
}

impl crate::HasCode for AssessmentError {
    fn code(&self) -> crate::Code {
        crate::Code::AssessmentInvalid
    }
}

/// Scores a complete set of answers (each 0–3, in item order).
pub fn score(instrument: Instrument, answers: &[u8]) -> Result<Scored, AssessmentError> {
    let expected = instrument.items().len();
    if answers.len() != expected {
        return Err(AssessmentError::WrongCount {
            instrument,
            expected,
            got: answers.len(),
        });
    }
    if let Some((i, &v)) = answers.iter().enumerate().find(|(_, v)| **v > 3) {
        return Err(AssessmentError::OutOfRange {
            item: i + 1,
            value: v,
        });
    }
    let total: u8 = answers.iter().sum();
    Ok(Scored {
        instrument,
        answers: answers.to_vec(),
        total,
        severity: instrument.severity(total),
        safety_alert: instrument == Instrument::Phq9 && answers[8] > 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phq9_bands_follow_the_published_cut_offs() {
        let cases = [
            (0, Severity::Minimal),
            (4, Severity::Minimal),
            (5, Severity::Mild),
            (9, Severity::Mild),
            (10, Severity::Moderate),
            (14, Severity::Moderate),
            (15, Severity::ModeratelySevere),
            (19, Severity::ModeratelySevere),
            (20, Severity::Severe),
            (27, Severity::Severe),
        ];
        for (total, band) in cases {
            assert_eq!(Instrument::Phq9.severity(total), band, "PHQ-9 {total}");
        }
    }

    #[test]
    fn gad7_has_no_moderately_severe_band() {
        assert_eq!(Instrument::Gad7.severity(14), Severity::Moderate);
        assert_eq!(Instrument::Gad7.severity(15), Severity::Severe);
        assert_eq!(Instrument::Gad7.severity(21), Severity::Severe);
        assert_eq!(Instrument::Gad7.max_score(), 21);
        assert_eq!(Instrument::Phq9.max_score(), 27);
    }

    #[test]
    fn bands_agree_with_severity() {
        for instrument in [Instrument::Phq9, Instrument::Gad7] {
            for &(low, band) in instrument.bands() {
                assert_eq!(instrument.severity(low), band);
            }
        }
    }

    #[test]
    fn item_9_raises_a_safety_alert_even_at_a_low_total() {
        let s = score(Instrument::Phq9, &[0, 0, 0, 0, 0, 0, 0, 0, 1]).unwrap();
        assert_eq!(s.total, 1);
        assert_eq!(s.severity, Severity::Minimal);
        assert!(s.safety_alert);
        let s = score(Instrument::Phq9, &[3, 3, 3, 3, 3, 3, 3, 3, 0]).unwrap();
        assert_eq!(s.total, 24);
        assert!(!s.safety_alert);
        // GAD-7 has no item 9.
        let s = score(Instrument::Gad7, &[3; 7]).unwrap();
        assert!(!s.safety_alert);
        assert_eq!(s.total, 21);
    }

    #[test]
    fn debug_output_hides_the_answers() {
        let s = score(Instrument::Phq9, &[0, 0, 0, 0, 0, 0, 0, 0, 3]).unwrap();
        let shown = format!("{s:?}");
        assert!(!shown.contains("safety") && !shown.contains('3'), "{shown}");
    }

    #[test]
    fn incomplete_or_out_of_range_answers_are_refused() {
        assert_eq!(
            score(Instrument::Phq9, &[0; 8]),
            Err(AssessmentError::WrongCount {
                instrument: Instrument::Phq9,
                expected: 9,
                got: 8
            })
        );
        assert_eq!(
            score(Instrument::Gad7, &[0, 0, 4, 0, 0, 0, 0]),
            Err(AssessmentError::OutOfRange { item: 3, value: 4 })
        );
    }
}
