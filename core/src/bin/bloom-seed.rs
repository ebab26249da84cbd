//! Fills a NEW vault with a made-up practice for benchmarks and demos: clients
//! with profiles and diagnoses, session notes (most signed), recurring
//! appointments, PHQ-9/GAD-7 results and some treatment and safety plans.
//! Everything goes through the public bloom-core record APIs, so every
//! document has its projection rows, search entry and audit entries exactly
//! as the app would write them. Names and text come from small built-in word
//! lists and a seeded RNG: no real people. Not part of the app.
//!
//! Usage:
//!   bloom-seed --dir DIR --passphrase-env VAR
//!              [--clients 5000] [--notes 100000] [--appointments 200000] [--seed 42]
//!
//! `--appointments` counts calendar occurrences (rows of the week view), not
//! series. The vault key is wrapped with the default Argon2id costs and kept
//! out of the OS keychain.

use std::path::PathBuf;
use std::time::Instant;

use bloom_core::appointment::NewAppointment;
use bloom_core::assessment::Instrument;
use bloom_core::chart::{NewClient, Profile};
use bloom_core::note::Template;
use bloom_core::records::{appointment, assessment, client, note, safety_plan, treatment_plan};
use bloom_core::safety_plan::Section;
use bloom_core::schedule::{AppointmentStatus, Frequency, Modality, ServiceCode};
use bloom_core::treatment_plan::PlanEdit;
use bloom_core::vault::{KdfParams, NoKeychain, Passphrase, Vault, VaultError, now_ms};
use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Weekday};

type Error = Box<dyn std::error::Error>;

const USAGE: &str = "usage: bloom-seed --dir DIR --passphrase-env VAR \
[--clients N] [--notes N] [--appointments N] [--seed N]";

const DAY_MS: i64 = 86_400_000;

struct Args {
    dir: PathBuf,
    passphrase_env: String,
    clients: usize,
    notes: usize,
    appointments: usize,
    seed: u64,
}

fn parse_args() -> Result<Args, Error> {
    let mut args = Args {
        dir: PathBuf::new(),
        passphrase_env: String::new(),
        clients: 5_000,
        notes: 100_000,
        appointments: 200_000,
        seed: 42,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--help" || flag == "-h" {
            println!("{USAGE}");
            std::process::exit(0);
        }
        let value = it
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        match flag.as_str() {
            "--dir" => args.dir = PathBuf::from(value),
            "--passphrase-env" => args.passphrase_env = value,
            "--clients" => args.clients = value.parse()?,
            "--notes" => args.notes = value.parse()?,
            "--appointments" => args.appointments = value.parse()?,
            "--seed" => args.seed = value.parse()?,
            other => return Err(format!("unknown option {other}\n{USAGE}").into()),
        }
    }
    if args.dir.as_os_str().is_empty() || args.passphrase_env.is_empty() {
        return Err(USAGE.into());
    }
    if args.clients == 0 && (args.notes > 0 || args.appointments > 0) {
        return Err("notes and appointments need at least one client".into());
    }
    Ok(args)
}

/// SplitMix64: small, fast and the same on every platform for a given seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// In `lo..hi` (`lo` when the range is empty).
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + (self.next() % (hi - lo) as u64) as i64
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
}

const GIVEN: &[&str] = &[
    "Ada", "Amir", "Ana", "Ben", "Bianca", "Carlos", "Chloe", "Dara", "Devon", "Elena", "Emeka",
    "Farah", "Felix", "Grace", "Hana", "Hugo", "Ines", "Isaac", "Jada", "Jonah", "Kai", "Kemi",
    "Lena", "Liam", "Maya", "Mateo", "Nadia", "Noah", "Olga", "Omar", "Priya", "Quinn", "Rosa",
    "Sami", "Sofia", "Theo", "Uma", "Victor", "Wen", "Yusuf", "Zara", "Zoë",
];
const FAMILY: &[&str] = &[
    "Abara",
    "Bergstrom",
    "Castellano",
    "Delacroix",
    "Eriksen",
    "Fairweather",
    "Gallo",
    "Haddad",
    "Ibarra",
    "Jansen",
    "Kowalczyk",
    "Lindqvist",
    "Moreau",
    "Nakamura",
    "Okonkwo",
    "Petrov",
    "Quintero",
    "Rasmussen",
    "Salazar",
    "Tanaka",
    "Ueda",
    "Varga",
    "Whitlock",
    "Xiong",
    "Yilmaz",
    "Zamora",
    "Achterberg",
    "Brannigan",
    "Coelho",
    "Dunmore",
    "Estrada",
    "Fontaine",
    "Greaves",
    "Holloway",
    "Iversen",
    "Juarez",
    "Kettering",
    "Larkspur",
    "Marchetti",
    "Novak",
];
const PRONOUNS: &[&str] = &["she/her", "he/him", "they/them", ""];
const RELATION: &[&str] = &["partner", "mother", "father", "sister", "brother", "friend"];
const PAYERS: &[&str] = &["Acme Health", "Bluebird Mutual", "Cedar Care", "self-pay"];
const STREETS: &[&str] = &[
    "Maple Ave",
    "Harbor St",
    "Linden Rd",
    "Quarry Ln",
    "Orchard Way",
];
const DIAGNOSES: &[&str] = &[
    "F41.1", "F32.1", "F33.1", "F43.10", "F43.23", "F41.0", "F42.2", "F90.2", "F50.00", "F40.10",
];

const FEELINGS: &[&str] = &[
    "low mood",
    "racing thoughts",
    "difficulty sleeping",
    "irritability",
    "panic episodes",
    "worry about work",
    "tension headaches",
    "loss of appetite",
    "intrusive memories",
    "feeling overwhelmed",
    "restlessness",
    "poor concentration",
    "tearfulness",
    "social withdrawal",
];
const HOW_OFTEN: &[&str] = &[
    "most days",
    "several times a week",
    "in the evenings",
    "on weekends",
    "before meetings",
    "almost daily",
];
const PERIOD: &[&str] = &["week", "two weeks", "month", "few days"];
const CONTEXT: &[&str] = &[
    "linked to conflict at work",
    "after a family visit",
    "since the move",
    "around the anniversary of a loss",
    "while caring for a parent",
    "during exam preparation",
    "since starting a new job",
    "after the end of a relationship",
    "with financial pressure",
];
const ARRIVAL: &[&str] = &[
    "on time",
    "a few minutes late",
    "early",
    "on time via telehealth",
];
const AFFECT: &[&str] = &[
    "flat",
    "anxious",
    "euthymic",
    "constricted",
    "tearful",
    "bright",
];
const SPEECH: &[&str] = &["normal rate", "pressured", "soft", "slowed", "coherent"];
const ENGAGEMENT: &[&str] = &[
    "engaged throughout",
    "guarded at first, then open",
    "readily engaged with homework review",
    "distracted but cooperative",
];
const PROGRESS: &[&str] = &[
    "Steady progress",
    "Partial progress",
    "Limited progress",
    "Good progress",
    "Setback noted",
];
const GOALS: &[&str] = &[
    "reducing avoidance",
    "sleep hygiene goals",
    "managing panic symptoms",
    "challenging negative thoughts",
    "assertive communication",
    "grief processing",
    "behavioral activation targets",
    "emotion regulation",
];
const RISK: &[&str] = &[
    "denies suicidal ideation",
    "no safety concerns reported",
    "passive ideation without plan, safety plan reviewed",
    "risk assessed as low",
];
const APPROACH: &[&str] = &[
    "CBT",
    "ACT",
    "EMDR preparation",
    "DBT skills",
    "exposure work",
    "motivational interviewing",
    "psychodynamic exploration",
];
const HOMEWORK: &[&str] = &[
    "thought record daily",
    "sleep diary",
    "graded exposure hierarchy",
    "breathing practice twice daily",
    "values worksheet",
    "mindfulness ten minutes a day",
    "activity scheduling",
];
const INTERVAL: &[&str] = &["one week", "two weeks", "three weeks"];
const TECHNIQUE: &[&str] = &[
    "Socratic questioning",
    "cognitive restructuring",
    "role play",
    "psychoeducation",
    "grounding exercises",
    "chain analysis",
    "imaginal exposure",
];
const RESPONSE: &[&str] = &[
    "identified two alternative thoughts",
    "practised the skill in session with good effect",
    "found the exercise difficult but agreed to continue",
    "reported reduced distress by the end of the session",
    "linked current worry to earlier patterns",
];

fn subjective(r: &mut Rng) -> String {
    format!(
        "Client reports {} {} over the past {}, {}.",
        r.pick(FEELINGS),
        r.pick(HOW_OFTEN),
        r.pick(PERIOD),
        r.pick(CONTEXT)
    )
}

fn objective(r: &mut Rng) -> String {
    format!(
        "Arrived {}; {} affect, {} speech; {}.",
        r.pick(ARRIVAL),
        r.pick(AFFECT),
        r.pick(SPEECH),
        r.pick(ENGAGEMENT)
    )
}

fn assessment_text(r: &mut Rng) -> String {
    format!(
        "{} toward {}; {}.",
        r.pick(PROGRESS),
        r.pick(GOALS),
        r.pick(RISK)
    )
}

fn plan_text(r: &mut Rng) -> String {
    format!(
        "Continue {}; {}; next session in {}.",
        r.pick(APPROACH),
        r.pick(HOMEWORK),
        r.pick(INTERVAL)
    )
}

fn intervention(r: &mut Rng) -> String {
    format!(
        "Therapist used {} with focus on {}.",
        r.pick(TECHNIQUE),
        r.pick(GOALS)
    )
}

fn response(r: &mut Rng) -> String {
    format!("Client {}.", r.pick(RESPONSE))
}

/// One to three sentences of `gen`.
fn some(r: &mut Rng, generate: fn(&mut Rng) -> String) -> String {
    let n = r.range(1, 4);
    (0..n).map(|_| generate(r)).collect::<Vec<_>>().join(" ")
}

fn section_text(r: &mut Rng, key: &str) -> String {
    match key {
        "subjective" => some(r, subjective),
        "objective" | "behavior" => some(r, objective),
        "data" => format!("{} {}", some(r, subjective), objective(r)),
        "assessment" => some(r, assessment_text),
        "intervention" => some(r, intervention),
        "response" => some(r, response),
        "plan" => plan_text(r),
        _ => format!(
            "{} {} {} {}",
            some(r, subjective),
            objective(r),
            assessment_text(r),
            plan_text(r)
        ),
    }
}

/// Progress on stderr about once a second.
struct Progress {
    what: &'static str,
    total: usize,
    started: Instant,
    last: Instant,
}

impl Progress {
    fn new(what: &'static str, total: usize) -> Progress {
        eprintln!("{what}: 0/{total}");
        Progress {
            what,
            total,
            started: Instant::now(),
            last: Instant::now(),
        }
    }

    fn tick(&mut self, done: usize) {
        if self.last.elapsed().as_secs_f64() >= 2.0 {
            self.last = Instant::now();
            let secs = self.started.elapsed().as_secs_f64();
            eprintln!(
                "{}: {done}/{} ({:.0}/s, {secs:.0} s)",
                self.what,
                self.total,
                done as f64 / secs.max(1e-9)
            );
        }
    }

    fn done(self, done: usize) -> f64 {
        let secs = self.started.elapsed().as_secs_f64();
        eprintln!("{}: {done} in {secs:.1} s", self.what);
        secs
    }
}

fn dir_size(dir: &std::path::Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_size(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

fn main() -> Result<(), Error> {
    let args = parse_args()?;
    let pass = std::env::var(&args.passphrase_env)
        .map_err(|_| format!("the variable {} is not set", args.passphrase_env))?;
    let pass = Passphrase::new(&pass);
    if bloom_core::vault::exists(&args.dir) {
        return Err(format!(
            "{} already holds a vault; bloom-seed only fills a new one",
            args.dir.display()
        )
        .into());
    }
    let started = Instant::now();
    let (mut vault, _recovery) = Vault::create(
        &args.dir,
        "Dr Seed",
        &pass,
        &NoKeychain,
        KdfParams::default(),
    )?;
    let mut rng = Rng(args.seed);
    let now = now_ms();
    let today = DateTime::from_timestamp_millis(now)
        .ok_or("the clock is out of range")?
        .date_naive();
    let today_ms = now - now.rem_euclid(DAY_MS);
    let tz = chrono_tz::America::New_York;

    // One transaction per write as in the app, without an fsync after each.
    let (clients, notes, appts) = vault.bulk(|vault| {
        let clients = seed_clients(vault, &mut rng, args.clients, now)?;
        let notes = seed_notes(vault, &mut rng, &clients.0, args.notes, today_ms)?;
        let appts = seed_appointments(vault, &mut rng, &clients.0, args.appointments, today, tz)?;
        Ok((clients, notes, appts))
    })?;
    let secs = [
        ("clients", clients.1),
        ("notes", notes.2),
        ("appointments", appts.3),
    ];
    let clients = clients.0;

    let total = started.elapsed().as_secs_f64();
    drop(vault);
    println!("vault: {}", args.dir.display());
    println!(
        "clients: {} (with assessments, diagnoses and plans)",
        clients.len()
    );
    println!(
        "notes: {} ({} signed, {} drafts)",
        notes.0,
        notes.1,
        notes.0 - notes.1
    );
    println!(
        "appointments: {} occurrences in {} series, {} occurrence status changes",
        appts.0, appts.1, appts.2
    );
    for (what, s) in secs {
        println!("  {what}: {s:.1} s");
    }
    println!("seed time: {total:.1} s");
    println!(
        "size on disk: {:.1} MiB",
        dir_size(&args.dir) as f64 / 1_048_576.0
    );
    Ok(())
}

/// Clients with profiles, a diagnosis for most, PHQ-9s (and GAD-7s), and a
/// treatment or safety plan for some. Returns the client ids and the seconds.
fn seed_clients(
    vault: &mut Vault,
    r: &mut Rng,
    n: usize,
    now: i64,
) -> Result<(Vec<String>, f64), VaultError> {
    let mut progress = Progress::new("clients", n);
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let given = *r.pick(GIVEN);
        let family = *r.pick(FAMILY);
        let preferred = r.chance(10).then(|| r.pick(GIVEN).to_string());
        let new = NewClient {
            given_name: given.into(),
            family_name: family.into(),
            preferred_name: preferred.clone(),
        };
        let id = client::create_client(vault, &new)?;
        let mut p = Profile {
            given_name: given.into(),
            family_name: family.into(),
            preferred_name: preferred.unwrap_or_default(),
            date_of_birth: format!(
                "{}-{:02}-{:02}",
                r.range(1950, 2008),
                r.range(1, 13),
                r.range(1, 29)
            ),
            pronouns: r.pick(PRONOUNS).to_string(),
            phone: format!("+1 555 01{:02}", r.range(0, 100)),
            email: format!("client{i}@example.org"),
            address: format!("{} {}", r.range(1, 999), r.pick(STREETS)),
            ..Profile::default()
        };
        p.emergency.name = format!("{} {}", r.pick(GIVEN), family);
        p.emergency.relationship = r.pick(RELATION).to_string();
        p.emergency.phone = format!("+1 555 01{:02}", r.range(0, 100));
        p.insurance.payer = r.pick(PAYERS).to_string();
        p.insurance.member_id = format!("M{:08}", r.range(0, 100_000_000));
        client::update_profile(vault, &id, &p)?;
        if r.chance(70) {
            client::add_diagnosis(vault, &id, r.pick::<&str>(DIAGNOSES))?;
        }
        if r.chance(85) {
            client::set_status(vault, &id, bloom_core::chart::CaseStatus::Active)?;
        }
        for k in 0..r.range(2, 4) {
            let mut answers = [0u8; 9];
            for a in answers.iter_mut().take(8) {
                *a = r.range(0, 4) as u8;
            }
            answers[8] = u8::from(r.chance(5));
            let taken = now - (k * 60 + r.range(1, 60)) * DAY_MS;
            assessment::record(vault, &id, Instrument::Phq9, &answers, taken)?;
        }
        if r.chance(50) {
            let answers: Vec<u8> = (0..7).map(|_| r.range(0, 4) as u8).collect();
            let taken = now - r.range(1, 300) * DAY_MS;
            assessment::record(vault, &id, Instrument::Gad7, &answers, taken)?;
        }
        if r.chance(40) {
            let plan = treatment_plan::apply(
                vault,
                &id,
                &PlanEdit::AddProblem {
                    description: format!("{} {}", r.pick(FEELINGS), r.pick(CONTEXT)),
                },
            )?;
            if let Some(problem) = plan.problems.first() {
                treatment_plan::apply(
                    vault,
                    &id,
                    &PlanEdit::AddGoal {
                        problem_id: problem.id.clone(),
                        description: format!("Progress on {}", r.pick(GOALS)),
                        target_date: String::new(),
                    },
                )?;
            }
        }
        if r.chance(10) {
            safety_plan::save(
                vault,
                &id,
                &[
                    (Section::WarningSigns, some(r, subjective)),
                    (Section::InternalCoping, r.pick(HOMEWORK).to_string()),
                    (
                        Section::Professionals,
                        "Crisis line 988; therapist office line".into(),
                    ),
                ],
            )?;
        }
        ids.push(id);
        progress.tick(i + 1);
    }
    let secs = progress.done(n);
    Ok((ids, secs))
}

/// Notes spread over the past year, about 70% signed. Returns (notes,
/// signed, seconds).
fn seed_notes(
    vault: &mut Vault,
    r: &mut Rng,
    clients: &[String],
    n: usize,
    today_ms: i64,
) -> Result<(usize, usize, f64), VaultError> {
    let mut progress = Progress::new("notes", n);
    let mut signed = 0;
    for i in 0..n {
        // Round robin, so every client has about the same number of notes.
        let client_id = &clients[i % clients.len()];
        let template = *r.pick(&[
            Template::Soap,
            Template::Soap,
            Template::Dap,
            Template::Birp,
            Template::Free,
        ]);
        let session_ms = today_ms - r.range(1, 366) * DAY_MS + r.range(13, 23) * 3_600_000;
        let id = note::create_note(vault, client_id, template, session_ms, None)?;
        let texts: Vec<(&str, String)> = template
            .sections()
            .iter()
            .map(|k| (*k, section_text(r, k)))
            .collect();
        let changes: Vec<(&str, &str)> = texts.iter().map(|(k, t)| (*k, t.as_str())).collect();
        note::edit_sections(vault, &id, &changes)?;
        if r.chance(70) {
            note::sign_note(vault, &id)?;
            signed += 1;
        }
        progress.tick(i + 1);
    }
    let secs = progress.done(n);
    Ok((n, signed, secs))
}

/// Series of weekly, biweekly and monthly sessions (and some one-offs) from a
/// year ago to six months ahead, until the calendar holds `n` occurrences; a
/// few occurrences per series get a status. Returns (occurrences, series,
/// statuses set, seconds).
fn seed_appointments(
    vault: &mut Vault,
    r: &mut Rng,
    clients: &[String],
    n: usize,
    today: NaiveDate,
    tz: chrono_tz::Tz,
) -> Result<(usize, usize, usize, f64), VaultError> {
    let mut progress = Progress::new("appointment occurrences", n);
    let first_day = today - TimeDelta::days(365);
    let last_day = today + TimeDelta::days(182);
    let mut made = 0usize;
    let mut series = 0usize;
    let mut statuses = 0usize;
    let mut i = 0usize;
    while made < n {
        let client_id = &clients[i % clients.len()];
        i += 1;
        let roll = r.range(0, 100);
        let (repeat, step) = match roll {
            0..55 => (Some(Frequency::Weekly), 7),
            55..85 => (Some(Frequency::Biweekly), 14),
            85..90 => (Some(Frequency::Monthly), 31),
            _ => (None, 0),
        };
        let mut start = first_day + TimeDelta::days(r.range(0, 365 + 150));
        // Sessions on weekdays.
        while matches!(start.weekday(), Weekday::Sat | Weekday::Sun) {
            start += TimeDelta::days(1);
        }
        let remaining = n - made;
        let count = match repeat {
            None => 1,
            Some(_) => {
                let fits = ((last_day - start).num_days() / step + 1).max(1) as usize;
                (r.range(6, 53) as usize).min(fits).min(remaining)
            }
        };
        let start_local = start
            .and_hms_opt(r.range(8, 18) as u32, *r.pick(&[0, 30]), 0)
            .ok_or_else(|| VaultError::Internal("bad seed time".into()))?;
        let service_code = *r.pick(&[
            ServiceCode::Psychotherapy45,
            ServiceCode::Psychotherapy45,
            ServiceCode::Psychotherapy60,
            ServiceCode::Psychotherapy30,
            ServiceCode::FamilyWithPatient,
        ]);
        let new = NewAppointment {
            client_id: client_id.clone(),
            start_local,
            duration_min: service_code.default_duration_min(),
            service_code,
            fee_cents: *r.pick(&[12_000, 15_000, 17_500]),
            modality: *r.pick(&[Modality::InPerson, Modality::Telehealth]),
            repeat,
            until: None,
            count: repeat.map(|_| count as u32),
        };
        let series_id = appointment::create(vault, &new, tz)?;
        series += 1;
        made += count;
        // A few past occurrences of weekly and biweekly series get a status.
        if step == 7 || step == 14 {
            let past = ((today - start).num_days() / step).clamp(0, count as i64);
            for _ in 0..past.min(3) {
                let k = r.range(0, past);
                let date = start + TimeDelta::days(k * step);
                let status = *r.pick(&[
                    AppointmentStatus::Completed,
                    AppointmentStatus::Completed,
                    AppointmentStatus::Cancelled,
                    AppointmentStatus::LateCancel,
                    AppointmentStatus::NoShow,
                ]);
                let occurrence = bloom_core::appointment::occurrence_id(&series_id, date);
                appointment::set_status(vault, &occurrence, status)?;
                statuses += 1;
            }
        }
        progress.tick(made);
    }
    let secs = progress.done(made);
    Ok((made, series, statuses, secs))
}
