//! The patient portal's routes. Every handler takes a [`Patient`] (a signed-in
//! patient with a linked portal client), calls one portal function scoped to
//! that client — never to an id from the request alone — and renders.

use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bloom_core::account::Role;
use bloom_core::assessment::Instrument;
use bloom_core::portal::{
    FormKind, PortalAppointmentStatus, PortalClientId, PublishedSlot, Signature, booking, form,
};
use bloom_core::{Code, HasCode};
use bloom_ui::I18n;
use bloom_ui::portal::appointments::{AppointmentItem, AppointmentsPage};
use bloom_ui::portal::assessment::AssessmentPage;
use bloom_ui::portal::booking::{BookingPage, SlotDay, SlotItem};
use bloom_ui::portal::forms::{AssignmentItem, FormPage, FormsPage};
use bloom_ui::portal::home::{PortalHome, PortalSummary};
use bloom_ui::portal::messages::{MessageItem, MessagesPage};
use bloom_ui::portal::safety_plan::SafetyPlanPage;
use bloom_ui::portal::support::{SupportPage, TicketItem};
use bloom_ui::portal::{Notice, PortalFrame, PortalTab};
use dioxus::prelude::*;
use serde::Deserialize;

use super::csrf::CsrfForm;
use super::viewer::Viewer;
use super::{WebState, format, render};
use crate::audit;
use crate::portal::PortalError;
use crate::ticket;

pub fn routes() -> Router<Arc<WebState>> {
    Router::new()
        .route("/portal", get(home))
        .route("/portal/appointments", get(appointments))
        .route("/portal/appointments/{id}/cancel", post(cancel))
        .route("/portal/book", get(book_form).post(book))
        .route("/portal/messages", get(messages).post(send_message))
        .route("/portal/forms", get(forms))
        .route("/portal/forms/{id}", get(form_page).post(submit_form))
        .route("/portal/safety-plan", get(safety_plan))
        .route("/portal/support", get(support).post(open_ticket))
}

/// A signed-in patient and their portal client.
pub struct Patient {
    viewer: Viewer,
    client: PortalClientId,
    i18n: I18n,
}

impl FromRequestParts<Arc<WebState>> for Patient {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<WebState>,
    ) -> Result<Self, Response> {
        let viewer = Viewer::from_request_parts(parts, state).await?;
        viewer.require(&[Role::Patient], &parts.headers)?;
        let i18n = render::i18n(&parts.headers);
        let client = viewer
            .portal_client
            .clone()
            .ok_or_else(|| render::forbidden(i18n))?;
        Ok(Patient {
            viewer,
            client,
            i18n,
        })
    }
}

/// `?done=…` after a form: which notice to show.
#[derive(Deserialize, Default)]
pub struct Done {
    done: Option<String>,
}

impl Done {
    fn notice(&self, i18n: &I18n) -> Option<Notice> {
        let id = match self.done.as_deref()? {
            "booked" => "portal-booked",
            "cancelled" => "portal-cancelled",
            "sent" => "portal-message-sent",
            "form" => "portal-form-sent",
            "ticket" => "support-sent",
            _ => return None,
        };
        Some(Notice::Done(i18n.t(id)))
    }
}

impl Patient {
    /// The page inside the portal frame.
    fn page(
        &self,
        state: &WebState,
        tab: PortalTab,
        title_id: &str,
        notice: Option<Notice>,
        body: Element,
    ) -> Response {
        let frame = rsx! {
            PortalFrame {
                practice: state.practice.clone(),
                display_name: self.viewer.display_name.clone(),
                csrf: self.viewer.csrf.clone(),
                active: tab,
                notice,
                {body}
            }
        };
        (
            [(axum::http::header::CACHE_CONTROL, "no-store")],
            render::page(self.i18n, title_id, frame),
        )
            .into_response()
    }

    /// Records that this patient opened `object` (their own records only).
    async fn audit(&self, state: &WebState, object: &str) {
        let event = audit::Event::new(state.clock.now_ms(), "portal.access")
            .account(&self.viewer.account_id)
            .object(object);
        let _ = state.store.run(move |c| audit::record(c, &event)).await;
    }

    /// Maps a portal error to its page: 404 for other people's ids, the
    /// rule's message for refused bookings and forms.
    fn refuse(
        &self,
        state: &WebState,
        tab: PortalTab,
        title_id: &str,
        e: &PortalError,
    ) -> Response {
        let (status, text) = match e.code() {
            Code::PortalNotFound => (StatusCode::NOT_FOUND, self.i18n.t("portal-error-not-found")),
            Code::PortalNotLinked => (StatusCode::CONFLICT, self.i18n.t("portal-error-not-linked")),
            Code::PortalSlotUnavailable => (StatusCode::CONFLICT, self.i18n.t("portal-error-slot")),
            Code::PortalCancelTooLate => {
                (StatusCode::CONFLICT, self.i18n.t("portal-error-too-late"))
            }
            Code::PortalFormInvalid | Code::InvalidInput | Code::AssessmentInvalid => {
                (StatusCode::BAD_REQUEST, self.i18n.t("portal-error-form"))
            }
            _ => return render::internal(self.i18n, e),
        };
        let code = e.code().as_str();
        let mut response = self.page(
            state,
            tab,
            title_id,
            Some(Notice::Error(format!("{text} ({code})"))),
            rsx! { p { a { href: tab.path(), {self.i18n.t("portal-back")} } } },
        );
        *response.status_mut() = status;
        response
    }
}

fn redirect(path: &str, done: &str) -> Response {
    render::see_other(&format!("{path}?done={done}"))
}

async fn home(
    State(state): State<Arc<WebState>>,
    p: Patient,
    Query(done): Query<Done>,
) -> Response {
    let now = state.clock.now_ms();
    let summary = async {
        let (upcoming, _) = state.portal.appointments(&p.client, now).await?;
        let thread = state.portal.thread(&p.client).await?;
        let assignments = state.portal.assignments(&p.client).await?;
        let plan = state.portal.safety_plan(&p.client).await?;
        let next = upcoming
            .iter()
            .find(|a| a.status == PortalAppointmentStatus::Confirmed);
        // Replies after the patient's last message count as new.
        let last_mine = thread
            .iter()
            .filter(|m| m.from_patient)
            .map(|m| m.sent_ms)
            .max()
            .unwrap_or(i64::MIN);
        let unread = thread
            .iter()
            .filter(|m| !m.from_patient && m.sent_ms > last_mine)
            .count();
        Ok::<_, PortalError>(PortalSummary {
            next_appointment: next.map(|a| format::span(a.start_ms, a.end_ms, state.tz)),
            unread_replies: u32::try_from(unread).unwrap_or(u32::MAX),
            open_assignments: u32::try_from(
                assignments.iter().filter(|a| a.done_ms.is_none()).count(),
            )
            .unwrap_or(u32::MAX),
            has_safety_plan: plan.is_some(),
        })
    }
    .await;
    match summary {
        Ok(summary) => {
            p.audit(&state, p.client.as_str()).await;
            let name = p.viewer.display_name.clone();
            p.page(
                &state,
                PortalTab::Home,
                "portal-nav-home",
                done.notice(&p.i18n),
                rsx! { PortalHome { display_name: name, summary } },
            )
        }
        Err(e) => p.refuse(&state, PortalTab::Home, "portal-nav-home", &e),
    }
}

async fn appointments(
    State(state): State<Arc<WebState>>,
    p: Patient,
    Query(done): Query<Done>,
) -> Response {
    let now = state.clock.now_ms();
    let (upcoming, past) = match state.portal.appointments(&p.client, now).await {
        Ok(v) => v,
        Err(e) => {
            return p.refuse(
                &state,
                PortalTab::Appointments,
                "portal-appointments-title",
                &e,
            );
        }
    };
    let notice_hours = state
        .portal
        .cancel_notice_hours(&p.client)
        .await
        .unwrap_or(crate::portal::DEFAULT_NOTICE_HOURS);
    let item = |a: &crate::portal::PortalAppointment| AppointmentItem {
        id: a.id.clone(),
        when: format::span(a.start_ms, a.end_ms, state.tz),
        status: a.status,
        can_cancel: matches!(
            a.status,
            PortalAppointmentStatus::Requested | PortalAppointmentStatus::Confirmed
        ) && booking::check_cancel(a.start_ms, now, notice_hours).is_ok(),
    };
    let upcoming: Vec<_> = upcoming.iter().map(item).collect();
    let past: Vec<_> = past.iter().map(item).collect();
    p.audit(&state, p.client.as_str()).await;
    let csrf = p.viewer.csrf.clone();
    p.page(
        &state,
        PortalTab::Appointments,
        "portal-appointments-title",
        done.notice(&p.i18n),
        rsx! {
            AppointmentsPage { csrf, upcoming, past, cancel_notice_hours: notice_hours }
        },
    )
}

#[derive(Deserialize)]
pub struct NoFields {}

async fn cancel(
    State(state): State<Arc<WebState>>,
    p: Patient,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Response {
    match state
        .portal
        .cancel(&p.client, &id, state.clock.now_ms())
        .await
    {
        Ok(()) => {
            p.audit(&state, &id).await;
            redirect("/portal/appointments", "cancelled")
        }
        Err(e) => p.refuse(
            &state,
            PortalTab::Appointments,
            "portal-appointments-title",
            &e,
        ),
    }
}

async fn book_form(State(state): State<Arc<WebState>>, p: Patient) -> Response {
    let slots = match state
        .portal
        .open_slots(&p.client, state.clock.now_ms())
        .await
    {
        Ok(s) => s,
        Err(e) => return p.refuse(&state, PortalTab::Book, "portal-book-title", &e),
    };
    let mut days: Vec<SlotDay> = Vec::new();
    let mut last_key = None;
    for s in slots.iter().take(400) {
        let key = format::date_key(s.start_ms, state.tz);
        if key != last_key || days.is_empty() {
            days.push(SlotDay {
                day: format::day(s.start_ms, state.tz),
                slots: Vec::new(),
            });
            last_key = key;
        }
        if let Some(day) = days.last_mut() {
            day.slots.push(SlotItem {
                value: format!("{}-{}", s.start_ms, s.end_ms),
                time: format::time(s.start_ms, state.tz),
            });
        }
    }
    let csrf = p.viewer.csrf.clone();
    let zone = state.tz.name().to_owned();
    p.page(
        &state,
        PortalTab::Book,
        "portal-book-title",
        None,
        rsx! { BookingPage { csrf, days, zone } },
    )
}

#[derive(Deserialize)]
pub struct BookForm {
    slot: String,
    #[serde(default)]
    note: String,
}

/// `{start_ms}-{end_ms}` from the booking form.
fn parse_slot(value: &str) -> Option<PublishedSlot> {
    let (start, end) = value.split_once('-')?;
    let slot = PublishedSlot {
        start_ms: start.parse().ok()?,
        end_ms: end.parse().ok()?,
    };
    (slot.end_ms > slot.start_ms).then_some(slot)
}

async fn book(
    State(state): State<Arc<WebState>>,
    p: Patient,
    CsrfForm(form): CsrfForm<BookForm>,
) -> Response {
    let Some(slot) = parse_slot(&form.slot) else {
        return p.refuse(
            &state,
            PortalTab::Book,
            "portal-book-title",
            &PortalError::Invalid("slot"),
        );
    };
    match state
        .portal
        .request_booking(&p.client, slot, &form.note, state.clock.now_ms())
        .await
    {
        Ok(a) => {
            p.audit(&state, &a.id).await;
            redirect("/portal/appointments", "booked")
        }
        Err(e) => p.refuse(&state, PortalTab::Book, "portal-book-title", &e),
    }
}

async fn messages(
    State(state): State<Arc<WebState>>,
    p: Patient,
    Query(done): Query<Done>,
) -> Response {
    let thread = match state.portal.thread(&p.client).await {
        Ok(t) => t,
        Err(e) => return p.refuse(&state, PortalTab::Messages, "portal-nav-messages", &e),
    };
    let therapist = therapist_name(&state, &p).await;
    let thread: Vec<MessageItem> = thread
        .into_iter()
        .map(|m| MessageItem {
            from_patient: m.from_patient,
            body: m.body,
            when: format::when(m.sent_ms, state.tz),
        })
        .collect();
    p.audit(&state, p.client.as_str()).await;
    let csrf = p.viewer.csrf.clone();
    p.page(
        &state,
        PortalTab::Messages,
        "portal-nav-messages",
        done.notice(&p.i18n),
        rsx! { MessagesPage { csrf, therapist, thread } },
    )
}

#[derive(Deserialize)]
pub struct MessageForm {
    body: String,
}

async fn send_message(
    State(state): State<Arc<WebState>>,
    p: Patient,
    CsrfForm(form): CsrfForm<MessageForm>,
) -> Response {
    match state
        .portal
        .send_message(&p.client, &form.body, state.clock.now_ms())
        .await
    {
        Ok(_) => redirect("/portal/messages", "sent"),
        Err(e) => p.refuse(&state, PortalTab::Messages, "portal-nav-messages", &e),
    }
}

async fn forms(
    State(state): State<Arc<WebState>>,
    p: Patient,
    Query(done): Query<Done>,
) -> Response {
    let assignments = match state.portal.assignments(&p.client).await {
        Ok(a) => a,
        Err(e) => return p.refuse(&state, PortalTab::Forms, "portal-forms-title", &e),
    };
    let assignments: Vec<AssignmentItem> = assignments
        .into_iter()
        .map(|a| AssignmentItem {
            id: a.id,
            form: a.form,
            assigned: format::when(a.assigned_ms, state.tz),
            done: a.done_ms.map(|ms| format::when(ms, state.tz)),
        })
        .collect();
    p.page(
        &state,
        PortalTab::Forms,
        "portal-forms-title",
        done.notice(&p.i18n),
        rsx! { FormsPage { assignments } },
    )
}

/// The open assignment `id` of this patient, or the refusal page.
async fn open_assignment(state: &WebState, p: &Patient, id: &str) -> Result<FormKind, Response> {
    let assignments = state
        .portal
        .assignments(&p.client)
        .await
        .map_err(|e| p.refuse(state, PortalTab::Forms, "portal-forms-title", &e))?;
    assignments
        .into_iter()
        .find(|a| a.id == id && a.done_ms.is_none())
        .map(|a| a.form)
        .ok_or_else(|| {
            p.refuse(
                state,
                PortalTab::Forms,
                "portal-forms-title",
                &PortalError::NotFound,
            )
        })
}

fn form_body(
    p: &Patient,
    assignment: String,
    kind: FormKind,
    values: Vec<(String, String)>,
    error: Option<String>,
) -> Element {
    let csrf = p.viewer.csrf.clone();
    match kind.instrument() {
        Some(instrument) => rsx! { AssessmentPage { csrf, assignment, instrument, error } },
        None => rsx! { FormPage { csrf, assignment, kind, values, error } },
    }
}

async fn form_page(
    State(state): State<Arc<WebState>>,
    p: Patient,
    Path(id): Path<String>,
) -> Response {
    let kind = match open_assignment(&state, &p, &id).await {
        Ok(k) => k,
        Err(r) => return r,
    };
    p.audit(&state, &id).await;
    let body = form_body(&p, id, kind, Vec::new(), None);
    p.page(&state, PortalTab::Forms, "portal-forms-title", None, body)
}

async fn submit_form(
    State(state): State<Arc<WebState>>,
    p: Patient,
    Path(id): Path<String>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Response {
    let kind = match open_assignment(&state, &p, &id).await {
        Ok(k) => k,
        Err(r) => return r,
    };
    let now = state.clock.now_ms();
    let result = match kind.instrument() {
        Some(instrument) => {
            let answers = match assessment_answers(instrument, &fields) {
                Some(a) => a,
                None => {
                    let error = Some(p.i18n.t("portal-error-answer-all"));
                    let body = form_body(&p, id, kind, Vec::new(), error);
                    let mut r = p.page(&state, PortalTab::Forms, "portal-forms-title", None, body);
                    *r.status_mut() = StatusCode::BAD_REQUEST;
                    return r;
                }
            };
            let comment = value(&fields, "comment").unwrap_or_default();
            state
                .portal
                .submit_assessment(&p.client, &id, answers, &comment, now)
                .await
        }
        None => {
            let answers: Vec<(String, String)> = fields
                .iter()
                .filter(|(k, _)| form::fields(kind).iter().any(|f| f.id == k))
                .cloned()
                .collect();
            let agreed = value(&fields, "agree").as_deref() == Some("yes");
            let signature = value(&fields, "signature")
                .filter(|_| agreed)
                .map(|typed_name| Signature {
                    typed_name,
                    signed_ms: now,
                    text_sha256: bloom_core::hex::encode(
                        ring::digest::digest(
                            &ring::digest::SHA256,
                            form::signed_text(kind).as_bytes(),
                        )
                        .as_ref(),
                    ),
                });
            match state
                .portal
                .submit_form(&p.client, &id, answers.clone(), signature, now)
                .await
            {
                Err(PortalError::Form(e)) => {
                    let mut values = answers;
                    if let Some(s) = value(&fields, "signature") {
                        values.push(("signature".into(), s));
                    }
                    let body = form_body(&p, id, kind, values, Some(e.to_string()));
                    let mut r = p.page(&state, PortalTab::Forms, "portal-forms-title", None, body);
                    *r.status_mut() = StatusCode::BAD_REQUEST;
                    return r;
                }
                other => other,
            }
        }
    };
    match result {
        Ok(()) => {
            p.audit(&state, &id).await;
            redirect("/portal/forms", "form")
        }
        Err(e) => p.refuse(&state, PortalTab::Forms, "portal-forms-title", &e),
    }
}

/// The display name of the patient's therapist (the member who invited them).
async fn therapist_name(state: &WebState, p: &Patient) -> String {
    let fallback = p.i18n.t("portal-your-therapist");
    let Ok(client) = state.portal.client(&p.client).await else {
        return fallback;
    };
    let member = client.member;
    state
        .store
        .run(move |c| crate::account::store::by_member(c, &member))
        .await
        .ok()
        .flatten()
        .map(|a| a.display_name)
        .unwrap_or(fallback)
}

fn value(fields: &[(String, String)], name: &str) -> Option<String> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

/// `q0`…`qN` as answers 0–3; `None` when one is missing or out of range.
fn assessment_answers(instrument: Instrument, fields: &[(String, String)]) -> Option<Vec<u8>> {
    (0..instrument.items().len())
        .map(|i| {
            value(fields, &format!("q{i}"))?
                .parse::<u8>()
                .ok()
                .filter(|v| *v <= 3)
        })
        .collect()
}

async fn safety_plan(State(state): State<Arc<WebState>>, p: Patient) -> Response {
    let plan = match state.portal.safety_plan(&p.client).await {
        Ok(plan) => plan,
        Err(e) => return p.refuse(&state, PortalTab::SafetyPlan, "portal-safety-title", &e),
    };
    p.audit(&state, p.client.as_str()).await;
    let (sections, shared) = match plan {
        Some(plan) => (
            plan.sections.clone(),
            Some(format::when(plan.shared_ms, state.tz)),
        ),
        None => (Vec::new(), None),
    };
    p.page(
        &state,
        PortalTab::SafetyPlan,
        "portal-safety-title",
        None,
        rsx! { SafetyPlanPage { sections, shared } },
    )
}

async fn support(
    State(state): State<Arc<WebState>>,
    p: Patient,
    Query(done): Query<Done>,
) -> Response {
    let account = p.viewer.account_id.clone();
    let tickets = state
        .store
        .run(move |c| ticket::of_account(c, &account))
        .await
        .unwrap_or_default();
    let tickets: Vec<TicketItem> = tickets
        .into_iter()
        .map(|t| TicketItem {
            open: t.is_open(),
            subject: t.subject,
            opened: format::when(t.opened_ms, state.tz),
            answer: t.answer,
        })
        .collect();
    let csrf = p.viewer.csrf.clone();
    p.page(
        &state,
        PortalTab::Support,
        "support-title",
        done.notice(&p.i18n),
        rsx! {
            SupportPage { csrf, action: "/portal/support", tickets }
        },
    )
}

#[derive(Deserialize)]
pub struct TicketForm {
    subject: String,
    body: String,
}

async fn open_ticket(
    State(state): State<Arc<WebState>>,
    p: Patient,
    CsrfForm(form): CsrfForm<TicketForm>,
) -> Response {
    let account = p.viewer.account_id.clone();
    let now = state.clock.now_ms();
    match state
        .store
        .run(move |c| ticket::open(c, &account, &form.subject, &form.body, now))
        .await
    {
        Ok(_) => redirect("/portal/support", "ticket"),
        Err(e) if e.code() == Code::InvalidInput => p.refuse(
            &state,
            PortalTab::Support,
            "support-title",
            &PortalError::Invalid("ticket"),
        ),
        Err(e) => render::internal(p.i18n, &e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_and_answers_parse_strictly() {
        assert_eq!(
            parse_slot("10-20"),
            Some(PublishedSlot {
                start_ms: 10,
                end_ms: 20
            })
        );
        assert_eq!(parse_slot("20-10"), None);
        assert_eq!(parse_slot("x-1"), None);
        assert_eq!(parse_slot(""), None);
        let mut fields: Vec<(String, String)> =
            (0..7).map(|i| (format!("q{i}"), "2".to_owned())).collect();
        assert_eq!(
            assessment_answers(Instrument::Gad7, &fields),
            Some(vec![2; 7])
        );
        fields[3].1 = "4".into();
        assert_eq!(assessment_answers(Instrument::Gad7, &fields), None);
        assert_eq!(assessment_answers(Instrument::Phq9, &[]), None);
    }
}
