//! Merge semantics of clinical documents under random offline edits.
//!
//! Three devices hold forks of the same note, chart and treatment plan. Each
//! step either edits on one device or syncs one device into another, in an
//! order proptest picks. In the end every device merges everything and they
//! must agree — and nothing acknowledged may be lost: every addendum, every
//! status change, every plan review, and the note's signature once anyone
//! signed it, with the signed text exactly what that signer saw.

#![allow(clippy::unwrap_used)]

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjType, ROOT};
use bloom_core::chart::CaseStatus;
use bloom_core::note::{AddendumKind, Template};
use bloom_core::records::{client, note, treatment_plan};
use bloom_core::treatment_plan::PlanEdit;
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Step {
    Edit {
        device: usize,
        section: usize,
        text: String,
    },
    Sign {
        device: usize,
    },
    Addendum {
        device: usize,
        text: String,
    },
    Status {
        device: usize,
        status: usize,
    },
    Review {
        device: usize,
        text: String,
    },
    Sync {
        from: usize,
        to: usize,
    },
}

fn step() -> impl Strategy<Value = Step> {
    let device = 0..3usize;
    prop_oneof![
        4 => (device.clone(), 0..4usize, "[a-z ]{0,12}")
            .prop_map(|(device, section, text)| Step::Edit { device, section, text }),
        1 => device.clone().prop_map(|device| Step::Sign { device }),
        2 => (device.clone(), "[a-z]{1,8}")
            .prop_map(|(device, text)| Step::Addendum { device, text }),
        2 => (device.clone(), 0..5usize).prop_map(|(device, status)| Step::Status { device, status }),
        2 => (device.clone(), "[a-z]{1,8}").prop_map(|(device, text)| Step::Review { device, text }),
        4 => (device.clone(), device).prop_map(|(from, to)| Step::Sync { from, to }),
    ]
}

struct Device {
    note: AutoCommit,
    chart: AutoCommit,
    plan: AutoCommit,
}

fn base() -> Device {
    let mut note = AutoCommit::new();
    note.put(ROOT, "client_id", "c1").unwrap();
    note.put(ROOT, "template", "soap").unwrap();
    let sections = note.put_object(ROOT, "sections", ObjType::Map).unwrap();
    for key in Template::Soap.sections() {
        note.put_object(&sections, *key, ObjType::Text).unwrap();
    }
    note.put_object(ROOT, "addenda", ObjType::List).unwrap();
    let mut chart = AutoCommit::new();
    chart.put(ROOT, "given_name", "Ana").unwrap();
    chart.put(ROOT, "family_name", "Silva").unwrap();
    client::append_status(&mut chart, CaseStatus::Intake, 0, "setup").unwrap();
    let plan = treatment_plan::new_doc("c1").unwrap();
    Device { note, chart, plan }
}

fn fork(d: &mut Device, actor: u8) -> Device {
    let with = |doc: &mut AutoCommit| {
        doc.fork()
            .with_actor(automerge::ActorId::from(vec![actor; 16]))
    };
    Device {
        note: with(&mut d.note),
        chart: with(&mut d.chart),
        plan: with(&mut d.plan),
    }
}

fn sync(devices: &mut [Device], from: usize, to: usize) {
    if from == to {
        return;
    }
    let (a, b) = if from < to {
        let (l, r) = devices.split_at_mut(to);
        (&mut l[from], &mut r[0])
    } else {
        let (l, r) = devices.split_at_mut(from);
        (&mut r[0], &mut l[to])
    };
    b.note.merge(&mut a.note).unwrap();
    b.chart.merge(&mut a.chart).unwrap();
    b.plan.merge(&mut a.plan).unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn three_devices_converge_and_lose_nothing(steps in prop::collection::vec(step(), 1..40)) {
        let mut origin = base();
        let mut devices: Vec<Device> = (1..=3).map(|i| fork(&mut origin, i)).collect();
        let mut addenda = vec![];
        let mut statuses = 1usize;
        let mut reviews = vec![];
        // Every signature someone made: (signer, signed text).
        let mut signatures = vec![];
        for (i, s) in steps.iter().enumerate() {
            let t = i as i64;
            match s {
                Step::Edit { device, section, text } => {
                    let key = Template::Soap.sections()[*section];
                    let r = note::edit_doc(&mut devices[*device].note, "n", &[(key, text)]);
                    // Refused only when this device already knows of a signature.
                    if r.is_err() {
                        prop_assert!(note::view("n", &devices[*device].note).unwrap().is_signed());
                    }
                }
                Step::Sign { device } => {
                    let who = format!("dr{device}");
                    if note::sign_doc(&mut devices[*device].note, "n", &who, t).is_ok() {
                        let v = note::view("n", &devices[*device].note).unwrap();
                        signatures.push(v.sections.clone());
                    }
                }
                Step::Addendum { device, text } => {
                    if note::addendum_doc(&mut devices[*device].note, text, "dr", t).is_ok() {
                        addenda.push(text.clone());
                    }
                }
                Step::Status { device, status } => {
                    client::append_status(&mut devices[*device].chart, CaseStatus::ALL[*status], t, "dr")
                        .unwrap();
                    statuses += 1;
                }
                Step::Review { device, text } => {
                    treatment_plan::apply_doc(
                        &mut devices[*device].plan,
                        &PlanEdit::AddReview { text: text.clone() },
                        "dr",
                        t,
                    )
                    .unwrap();
                    reviews.push(text.clone());
                }
                Step::Sync { from, to } => sync(&mut devices, *from, *to),
            }
        }
        for from in 0..3 {
            for to in 0..3 {
                sync(&mut devices, from, to);
            }
        }
        let views: Vec<_> = devices.iter().map(|d| note::view("n", &d.note).unwrap()).collect();
        prop_assert_eq!(&views[0], &views[1]);
        prop_assert_eq!(&views[1], &views[2]);
        let merged = &views[0];
        prop_assert_eq!(merged.is_signed(), !signatures.is_empty());
        if merged.is_signed() {
            prop_assert!(signatures.contains(&merged.sections), "signed text was changed");
        }
        let written: Vec<_> = merged
            .addenda
            .iter()
            .filter(|a| a.kind == AddendumKind::Written)
            .map(|a| a.text.clone())
            .collect();
        let (mut w, mut want) = (written.clone(), addenda.clone());
        w.sort();
        want.sort();
        prop_assert_eq!(w, want);

        let histories: Vec<_> = devices.iter().map(|d| client::status_history(&d.chart)).collect();
        prop_assert_eq!(histories[0].len(), statuses);
        prop_assert_eq!(&histories[0], &histories[1]);
        prop_assert_eq!(&histories[1], &histories[2]);
        let statuses_now: Vec<_> = devices.iter().map(|d| client::status(&d.chart).unwrap()).collect();
        prop_assert_eq!(statuses_now[0], statuses_now[1]);
        prop_assert_eq!(statuses_now[1], statuses_now[2]);

        let plans: Vec<_> = devices.iter().map(|d| treatment_plan::plan_of("c1", &d.plan)).collect();
        prop_assert_eq!(&plans[0], &plans[1]);
        prop_assert_eq!(&plans[1], &plans[2]);
        let mut got: Vec<_> = plans[0].reviews.iter().map(|r| r.text.clone()).collect();
        got.sort();
        reviews.sort();
        prop_assert_eq!(got, reviews);
    }
}
