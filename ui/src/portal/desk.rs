//! The patient portal on the therapist's side: the Portal section (booking
//! requests, the inbox, publishing availability), the chart's Portal tab
//! (invite, the thread and a reply, assigning forms, submitted forms,
//! sharing the safety plan) and the notices shown when patients send
//! something. Presentational: the desktop frontend wires the callbacks to
//! the `portal_*` commands, whose answers the types below read.

use bloom_core::portal::FormKind;
use dioxus::prelude::*;
use serde::Deserialize;

use crate::client::format_date;
use crate::i18n::{I18n, use_i18n};

/// A booking request or cancellation (core's `BookingRequestView`).
#[derive(Clone, PartialEq, Deserialize)]
pub struct BookingRequestView {
    pub id: String,
    pub client_id: String,
    /// `request` or `cancellation`.
    pub kind: String,
    pub start_ms: i64,
    pub end_ms: i64,
    pub note: String,
    pub sent_ms: i64,
    /// `pending`, `accepted`, `declined`, `withdrawn` or `done`.
    pub status: String,
    pub portal_appointment: String,
    pub appointment: Option<String>,
}

/// One message of a client's thread (core's `MessageView`).
#[derive(Clone, PartialEq, Deserialize)]
pub struct MessageView {
    pub id: String,
    pub client_id: String,
    pub from_client: bool,
    pub body: String,
    pub sent_ms: i64,
    pub unread: bool,
}

/// A form the client submitted (core's `FormSubmissionView`).
#[derive(Clone, PartialEq, Deserialize)]
pub struct FormSubmissionView {
    pub id: String,
    pub client_id: String,
    pub form: FormKind,
    pub answers: Vec<(String, String)>,
    pub signed_name: Option<String>,
    pub signed_ms: Option<i64>,
    pub signed_text_sha256: Option<String>,
    pub sent_ms: i64,
}

/// What the Portal nav badge counts (`portal_badge`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct PortalBadge {
    pub unread: u32,
    pub pending: u32,
}

impl PortalBadge {
    pub fn total(self) -> u32 {
        self.unread + self.pending
    }
}

/// A booking request with the client's name.
#[derive(Clone, PartialEq, Deserialize)]
pub struct BookingRow {
    pub request: BookingRequestView,
    pub client_name: String,
}

/// One client's thread in the inbox.
#[derive(Clone, PartialEq, Deserialize)]
pub struct ThreadRow {
    pub client_id: String,
    pub client_name: String,
    pub unread: u32,
    pub messages: u32,
    pub last_ms: i64,
}

/// The Portal section (`portal_overview`).
#[derive(Clone, Default, PartialEq, Deserialize)]
pub struct PortalOverview {
    pub requests: Vec<BookingRow>,
    pub threads: Vec<ThreadRow>,
    pub badge: PortalBadge,
    pub outbox: u64,
}

/// The chart's Portal tab (`portal_client`).
#[derive(Clone, Default, PartialEq, Deserialize)]
pub struct PortalClientView {
    pub consented: bool,
    pub invited: bool,
    pub portal_id: Option<String>,
    pub messages: Vec<MessageView>,
    pub forms: Vec<FormSubmissionView>,
    /// Messages this read marked read (the badge may change).
    #[serde(default)]
    pub marked_read: u32,
}

/// An invite link to show once (`invite_to_portal`).
#[derive(Clone, PartialEq, Deserialize)]
pub struct InviteView {
    pub link: String,
    /// `false`: only the path is known.
    pub full: bool,
    pub portal_id: String,
    pub expires_ms: i64,
}

/// What publishing availability did (`publish_availability`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct PublishedView {
    pub slots: usize,
    pub first_ms: Option<i64>,
    pub last_ms: Option<i64>,
}

/// What arrived from patients (the `portal-received` event).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct PortalNews {
    pub messages: u32,
    pub requests: u32,
    pub forms: u32,
    pub assessments: u32,
    pub safety_alerts: Vec<String>,
}

/// What the publish form sends.
#[derive(Clone, Debug, PartialEq)]
pub struct PublishRequest {
    pub from: String,
    pub days: u32,
    pub notice_hours: u32,
}

/// A notice on screen: `alert` ones (a safety alert) use `role="alert"`.
#[derive(Clone, Debug, PartialEq)]
pub struct PortalNotice {
    pub id: u64,
    pub text: String,
    pub alert: bool,
    /// The chart the notice leads to, if one.
    pub client_id: Option<String>,
}

/// The notices for one piece of news: a safety alert first (one per
/// client), then what else arrived, in one sentence.
pub fn notices(i18n: I18n, news: &PortalNews, first_id: u64) -> Vec<PortalNotice> {
    let mut out = vec![];
    let mut id = first_id;
    for client in &news.safety_alerts {
        out.push(PortalNotice {
            id,
            text: i18n.t("desk-portal-toast-safety-alert"),
            alert: true,
            client_id: Some(client.clone()),
        });
        id += 1;
    }
    let mut parts = vec![];
    for (n, one, many) in [
        (
            news.messages,
            "desk-portal-toast-message",
            "desk-portal-toast-messages",
        ),
        (
            news.requests,
            "desk-portal-toast-request",
            "desk-portal-toast-requests",
        ),
        (
            news.forms,
            "desk-portal-toast-form",
            "desk-portal-toast-forms",
        ),
        (
            news.assessments,
            "desk-portal-toast-assessment",
            "desk-portal-toast-assessments",
        ),
    ] {
        if n > 0 {
            let id = if n == 1 { one } else { many };
            parts.push(i18n.t_args(id, &[("count", &n.to_string())]));
        }
    }
    if !parts.is_empty() {
        out.push(PortalNotice {
            id,
            text: i18n.t_args("desk-portal-toast", &[("what", &parts.join(", "))]),
            alert: false,
            client_id: None,
        });
    }
    out
}

/// `YYYY-MM-DD HH:MM` of a UTC millisecond timestamp shifted by
/// `offset_min` (the reader's zone).
pub fn format_time(ms: i64, offset_min: i32) -> String {
    let local = ms + i64::from(offset_min) * 60_000;
    let minutes = local.div_euclid(60_000).rem_euclid(24 * 60);
    format!(
        "{} {:02}:{:02}",
        format_date(local),
        minutes / 60,
        minutes % 60
    )
}

/// The message id of a form's name.
pub fn form_label(kind: FormKind) -> &'static str {
    match kind {
        FormKind::Intake => "desk-portal-form-intake",
        FormKind::Consent => "desk-portal-form-consent",
        FormKind::Phq9 => "desk-portal-form-phq9",
        FormKind::Gad7 => "desk-portal-form-gad7",
    }
}

fn status_label(kind: &str, status: &str) -> &'static str {
    match (kind, status) {
        ("cancellation", _) => "desk-portal-status-cancelled",
        (_, "pending") => "desk-portal-status-pending",
        (_, "accepted") => "desk-portal-status-accepted",
        (_, "declined") => "desk-portal-status-declined",
        (_, "withdrawn") => "desk-portal-status-withdrawn",
        _ => "desk-portal-status-done",
    }
}

/// The notices shown when patients send something.
///
/// Element ids: `portal-notices`; per notice `portal-notice-{id}`
/// (`role="status"`, or `role="alert"` for a safety alert, with
/// `data-alert`), `portal-notice-open-{id}` (when it leads somewhere) and
/// `portal-notice-dismiss-{id}`.
#[component]
pub fn PortalNotices(
    notices: Vec<PortalNotice>,
    on_open: EventHandler<PortalNotice>,
    on_dismiss: EventHandler<u64>,
) -> Element {
    let i18n = use_i18n();
    rsx! {
        div { id: "portal-notices", class: "portal-notices",
            for n in notices {
                div { key: "{n.id}", id: "portal-notice-{n.id}",
                    class: if n.alert { "portal-notice alert" } else { "portal-notice" },
                    role: if n.alert { "alert" } else { "status" },
                    "data-alert": if n.alert { "true" } else { "false" },
                    span { {n.text.clone()} }
                    {
                        let opened = n.clone();
                        rsx! {
                            button { id: "portal-notice-open-{n.id}", r#type: "button", class: "small",
                                onclick: move |_| on_open.call(opened.clone()),
                                {i18n.t("desk-portal-notice-open")} }
                        }
                    }
                    button { id: "portal-notice-dismiss-{n.id}", r#type: "button", class: "link",
                        onclick: move |_| on_dismiss.call(n.id),
                        {i18n.t("desk-portal-notice-dismiss")} }
                }
            }
        }
    }
}

/// The Portal section.
///
/// Element ids: `portal-page`; `portal-requests` with one
/// `portal-request-{id}` per request (`data-kind`, `data-status`; pending
/// requests have `portal-accept-{id}` and `portal-decline-{id}`) or
/// `portal-requests-empty`; `portal-inbox` with `portal-thread-{client id}`
/// per thread (`data-unread`, the count in `portal-thread-unread-{client
/// id}`) or `portal-inbox-empty`; `portal-publish` with
/// `portal-publish-from`, `portal-publish-days`, `portal-publish-notice`,
/// `portal-publish-submit` and, once published, `portal-published`
/// (`role="status"`, `data-slots`); `portal-outbox`; `portal-error`.
#[component]
pub fn PortalPage(
    overview: Option<PortalOverview>,
    published: Option<PublishedView>,
    error: Option<String>,
    busy: bool,
    /// The publish form's first day, `YYYY-MM-DD`.
    default_from: String,
    /// The reader's offset from UTC, in minutes, for times.
    #[props(default)]
    offset_min: i32,
    on_decide: EventHandler<(String, bool)>,
    on_publish: EventHandler<PublishRequest>,
    on_open_thread: EventHandler<String>,
) -> Element {
    let i18n = use_i18n();
    let mut from = use_signal(move || default_from.clone());
    let mut days = use_signal(|| "14".to_owned());
    let mut notice = use_signal(|| "24".to_owned());
    let overview = overview.unwrap_or_default();
    let parsed = (
        days()
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|d| (1..=90).contains(d)),
        notice().trim().parse::<u32>().ok().filter(|n| *n <= 336),
    );
    let can_publish =
        !busy && !from().trim().is_empty() && parsed.0.is_some() && parsed.1.is_some();
    rsx! {
        div { class: "portal-page", id: "portal-page",
            h1 { {i18n.t("desk-portal-title")} }
            p { class: "muted", {i18n.t("desk-portal-intro")} }
            if let Some(e) = error { p { class: "form-error", id: "portal-error", role: "alert", {e} } }
            section { class: "panel", id: "portal-requests", "aria-labelledby": "portal-requests-title",
                h2 { id: "portal-requests-title", {i18n.t("desk-portal-requests-title")} }
                if overview.requests.is_empty() {
                    p { class: "empty-state", id: "portal-requests-empty", {i18n.t("desk-portal-requests-empty")} }
                } else {
                    ul { class: "plain-list portal-requests",
                        for row in overview.requests.clone() {
                            {
                                let r = row.request.clone();
                                let pending = r.kind == "request" && r.status == "pending";
                                let (id1, id2) = (r.id.clone(), r.id.clone());
                                let when = if r.start_ms > 0 { format_time(r.start_ms, offset_min) } else { String::new() };
                                rsx! {
                                    li { key: "{r.id}", id: "portal-request-{r.id}", class: "portal-request",
                                        "data-kind": "{r.kind}", "data-status": "{r.status}",
                                        strong { {row.client_name.clone()} }
                                        " · "
                                        if r.kind == "cancellation" {
                                            span { {i18n.t_args("desk-portal-request-cancel", &[("time", &when)])} }
                                        } else {
                                            span { {i18n.t_args("desk-portal-request-slot", &[("time", &when)])} }
                                        }
                                        " · "
                                        span { class: "status-badge", {i18n.t(status_label(&r.kind, &r.status))} }
                                        if !r.note.trim().is_empty() {
                                            p { class: "portal-request-note", {r.note.clone()} }
                                        }
                                        if pending {
                                            div { class: "row",
                                                button { id: "portal-accept-{r.id}", r#type: "button", disabled: busy,
                                                    onclick: move |_| on_decide.call((id1.clone(), true)),
                                                    {i18n.t("desk-portal-accept")} }
                                                button { id: "portal-decline-{r.id}", r#type: "button", class: "secondary", disabled: busy,
                                                    onclick: move |_| on_decide.call((id2.clone(), false)),
                                                    {i18n.t("desk-portal-decline")} }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            section { class: "panel", id: "portal-inbox", "aria-labelledby": "portal-inbox-title",
                h2 { id: "portal-inbox-title", {i18n.t("desk-portal-inbox-title")} }
                if overview.threads.is_empty() {
                    p { class: "empty-state", id: "portal-inbox-empty", {i18n.t("desk-portal-inbox-empty")} }
                } else {
                    ul { class: "plain-list portal-threads",
                        for t in overview.threads.clone() {
                            {
                                let cid = t.client_id.clone();
                                rsx! {
                                    li { key: "{t.client_id}",
                                        button { id: "portal-thread-{t.client_id}", r#type: "button", class: "portal-thread link",
                                            "data-unread": "{t.unread}",
                                            onclick: move |_| on_open_thread.call(cid.clone()),
                                            strong { {t.client_name.clone()} }
                                            " · "
                                            span { {i18n.t_args("desk-portal-thread-count", &[("count", &t.messages.to_string())])} }
                                            " · "
                                            time { {format_time(t.last_ms, offset_min)} }
                                            if t.unread > 0 {
                                                " "
                                                span { class: "badge", id: "portal-thread-unread-{t.client_id}",
                                                    {i18n.t_args("desk-portal-thread-unread", &[("count", &t.unread.to_string())])} }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            section { class: "panel", id: "portal-publish", "aria-labelledby": "portal-publish-title",
                h2 { id: "portal-publish-title", {i18n.t("desk-portal-publish-title")} }
                p { class: "muted", {i18n.t("desk-portal-publish-help")} }
                div { class: "row",
                    label { r#for: "portal-publish-from", {i18n.t("desk-portal-publish-from")} }
                    input { id: "portal-publish-from", r#type: "date", value: "{from}",
                        oninput: move |e| from.set(e.value()) }
                    label { r#for: "portal-publish-days", {i18n.t("desk-portal-publish-days")} }
                    input { id: "portal-publish-days", r#type: "number", min: "1", max: "90", value: "{days}",
                        oninput: move |e| days.set(e.value()) }
                    label { r#for: "portal-publish-notice", {i18n.t("desk-portal-publish-notice")} }
                    input { id: "portal-publish-notice", r#type: "number", min: "0", max: "336", value: "{notice}",
                        oninput: move |e| notice.set(e.value()) }
                    button { id: "portal-publish-submit", r#type: "button", disabled: !can_publish,
                        onclick: move |_| {
                            if let (Some(days), Some(notice_hours)) = parsed {
                                on_publish.call(PublishRequest { from: from().trim().to_owned(), days, notice_hours });
                            }
                        },
                        {i18n.t("desk-portal-publish-submit")} }
                }
                if let Some(p) = published {
                    p { id: "portal-published", class: "notice", role: "status", "data-slots": "{p.slots}",
                        if p.slots == 0 {
                            {i18n.t("desk-portal-published-none")}
                        } else {
                            {i18n.t_args("desk-portal-published", &[
                                ("count", &p.slots.to_string()),
                                ("first", &p.first_ms.map(|m| format_time(m, offset_min)).unwrap_or_default()),
                                ("last", &p.last_ms.map(|m| format_time(m, offset_min)).unwrap_or_default()),
                            ])}
                        }
                    }
                }
            }
            if overview.outbox > 0 {
                p { class: "muted", id: "portal-outbox",
                    {i18n.t_args("desk-portal-outbox", &[("count", &overview.outbox.to_string())])} }
            }
        }
    }
}

/// The chart's Portal tab.
///
/// Element ids: `portal-tab` (`data-invited`, `data-portal-id`);
/// `portal-no-consent` when the PortalUse consent is missing;
/// `portal-invite-email`, `portal-invite`; once invited with a link to
/// show: `portal-invite-link` (the link, shown once), `portal-invite-copy`,
/// `portal-invite-path-only` (when only the path is known);
/// `portal-revoke`; `portal-thread` (one `.portal-message` per message,
/// `data-from="client|therapist"`) or `portal-thread-empty`;
/// `portal-reply-body`, `portal-reply-send`; `portal-assign-{form}` per
/// form (`FormKind::as_str`); `portal-share-safety-plan`; `portal-forms`
/// (one `portal-form-{id}` per submission, with `portal-form-signed-{id}`)
/// or `portal-forms-empty`; `portal-tab-notice` (`role="status"`);
/// `portal-tab-error` (`role="alert"`).
#[component]
pub fn PortalTab(
    view: PortalClientView,
    invite: Option<InviteView>,
    notice: Option<String>,
    error: Option<String>,
    busy: bool,
    #[props(default)] offset_min: i32,
    on_invite: EventHandler<Option<String>>,
    on_copy: EventHandler<String>,
    on_revoke: EventHandler<()>,
    on_reply: EventHandler<String>,
    on_assign: EventHandler<FormKind>,
    on_share: EventHandler<()>,
) -> Element {
    let i18n = use_i18n();
    let mut email = use_signal(String::new);
    let mut reply = use_signal(String::new);
    let can_publish = view.consented && view.invited && !busy;
    let can_invite = view.consented && !busy;
    rsx! {
        div { class: "portal-tab", id: "portal-tab",
            "data-invited": if view.invited { "true" } else { "false" },
            "data-portal-id": view.portal_id.clone().unwrap_or_default(),
            if let Some(e) = error { p { class: "form-error", id: "portal-tab-error", role: "alert", {e} } }
            if let Some(n) = notice { p { class: "notice", id: "portal-tab-notice", role: "status", {n} } }
            section { class: "panel",
                h2 { {i18n.t("desk-portal-access-title")} }
                if !view.consented {
                    p { class: "muted", id: "portal-no-consent", {i18n.t("desk-portal-no-consent")} }
                } else if view.invited {
                    p { class: "muted", id: "portal-invited", {i18n.t("desk-portal-invited")} }
                } else {
                    p { class: "muted", {i18n.t("desk-portal-invite-help")} }
                }
                div { class: "row",
                    label { r#for: "portal-invite-email", {i18n.t("desk-portal-invite-email")} }
                    input { id: "portal-invite-email", r#type: "email", value: "{email}", disabled: !view.consented,
                        oninput: move |e| email.set(e.value()) }
                    button { id: "portal-invite", r#type: "button", disabled: !can_invite,
                        "aria-describedby": if view.consented { "" } else { "portal-no-consent" },
                        onclick: move |_| {
                            let e = email().trim().to_owned();
                            on_invite.call((!e.is_empty()).then_some(e));
                        },
                        if view.invited { {i18n.t("desk-portal-invite-again")} } else { {i18n.t("desk-portal-invite")} }
                    }
                    if view.invited {
                        button { id: "portal-revoke", r#type: "button", class: "secondary", disabled: busy,
                            onclick: move |_| on_revoke.call(()),
                            {i18n.t("desk-portal-revoke")} }
                    }
                }
                if let Some(inv) = invite {
                    div { class: "portal-invite-link", id: "portal-invite-box",
                        p { {i18n.t_args("desk-portal-invite-once", &[("date", &format_date(inv.expires_ms))])} }
                        code { id: "portal-invite-link", {inv.link.clone()} }
                        {
                            let link = inv.link.clone();
                            rsx! {
                                button { id: "portal-invite-copy", r#type: "button", class: "small",
                                    onclick: move |_| on_copy.call(link.clone()),
                                    {i18n.t("desk-portal-invite-copy")} }
                            }
                        }
                        if !inv.full {
                            p { class: "muted", id: "portal-invite-path-only", {i18n.t("desk-portal-invite-path-only")} }
                        }
                    }
                }
            }
            section { class: "panel",
                h2 { {i18n.t("desk-portal-messages-title")} }
                if view.messages.is_empty() {
                    p { class: "empty-state", id: "portal-thread-empty", {i18n.t("desk-portal-thread-empty")} }
                } else {
                    ol { class: "plain-list portal-thread", id: "portal-thread",
                        for m in view.messages.clone() {
                            li { key: "{m.id}", class: "portal-message",
                                "data-from": if m.from_client { "client" } else { "therapist" },
                                div { class: "muted",
                                    if m.from_client { {i18n.t("desk-portal-from-client")} } else { {i18n.t("desk-portal-from-me")} }
                                    " · "
                                    time { {format_time(m.sent_ms, offset_min)} }
                                }
                                p { class: "portal-message-body", {m.body.clone()} }
                            }
                        }
                    }
                }
                label { r#for: "portal-reply-body", {i18n.t("desk-portal-reply-label")} }
                textarea { id: "portal-reply-body", rows: "3", value: "{reply}", disabled: !can_publish,
                    oninput: move |e| reply.set(e.value()) }
                button { id: "portal-reply-send", r#type: "button",
                    disabled: !can_publish || reply().trim().is_empty(),
                    onclick: move |_| {
                        on_reply.call(reply());
                        reply.set(String::new());
                    },
                    {i18n.t("desk-portal-reply-send")} }
            }
            section { class: "panel",
                h2 { {i18n.t("desk-portal-assign-title")} }
                p { class: "muted", {i18n.t("desk-portal-assign-help")} }
                div { class: "row",
                    for kind in [FormKind::Phq9, FormKind::Gad7, FormKind::Intake, FormKind::Consent] {
                        button { key: "{kind.as_str()}", id: "portal-assign-{kind.as_str()}", r#type: "button",
                            disabled: !can_publish,
                            onclick: move |_| on_assign.call(kind),
                            {i18n.t_args("desk-portal-assign", &[("form", &i18n.t(form_label(kind)))])} }
                    }
                }
                button { id: "portal-share-safety-plan", r#type: "button", disabled: !can_publish,
                    onclick: move |_| on_share.call(()),
                    {i18n.t("desk-portal-share-safety-plan")} }
            }
            section { class: "panel",
                h2 { {i18n.t("desk-portal-forms-title")} }
                if view.forms.is_empty() {
                    p { class: "empty-state", id: "portal-forms-empty", {i18n.t("desk-portal-forms-empty")} }
                } else {
                    ul { class: "plain-list", id: "portal-forms",
                        for f in view.forms.clone() {
                            li { key: "{f.id}", id: "portal-form-{f.id}", class: "portal-form", "data-form": f.form.as_str(),
                                h3 { {i18n.t(form_label(f.form))} " · " time { {format_time(f.sent_ms, offset_min)} } }
                                dl { class: "facts",
                                    for (i, (field, answer)) in f.answers.iter().enumerate() {
                                        div { key: "{i}", class: "fact",
                                            dt { {field.clone()} }
                                            dd { {answer.clone()} }
                                        }
                                    }
                                }
                                if let Some(name) = f.signed_name.clone() {
                                    p { id: "portal-form-signed-{f.id}", class: "portal-signed",
                                        {i18n.t_args("desk-portal-form-signed", &[
                                            ("name", &name),
                                            ("time", &f.signed_ms.map(|m| format_time(m, offset_min)).unwrap_or_default()),
                                        ])}
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::test_util::render;
    use crate::i18n::Locale;

    const T: i64 = 1_709_280_000_000; // 2024-03-01 08:00 UTC

    fn request(id: &str, kind: &str, status: &str) -> BookingRow {
        BookingRow {
            request: BookingRequestView {
                id: id.into(),
                client_id: "c1".into(),
                kind: kind.into(),
                start_ms: T,
                end_ms: T + 50 * 60_000,
                note: "Mornings suit me".into(),
                sent_ms: T - 86_400_000,
                status: status.into(),
                portal_appointment: "pa1".into(),
                appointment: None,
            },
            client_name: "Ana Silva".into(),
        }
    }

    fn overview() -> PortalOverview {
        PortalOverview {
            requests: vec![
                request("portal-booking-1", "request", "pending"),
                request("portal-booking-2", "cancellation", "done"),
            ],
            threads: vec![ThreadRow {
                client_id: "c1".into(),
                client_name: "Ana Silva".into(),
                unread: 2,
                messages: 3,
                last_ms: T,
            }],
            badge: PortalBadge {
                unread: 2,
                pending: 1,
            },
            outbox: 1,
        }
    }

    #[test]
    fn times_are_shifted_into_the_readers_zone() {
        assert_eq!(format_time(T, 0), "2024-03-01 08:00");
        assert_eq!(format_time(T, 90), "2024-03-01 09:30");
        assert_eq!(format_time(T, -9 * 60), "2024-02-29 23:00");
    }

    #[test]
    fn the_page_lists_requests_threads_and_the_publish_form() {
        fn app() -> Element {
            rsx! {
                PortalPage {
                    overview: Some(overview()),
                    published: Some(PublishedView { slots: 12, first_ms: Some(T), last_ms: Some(T + 3_600_000) }),
                    error: None,
                    busy: false,
                    default_from: "2024-03-01",
                    on_decide: |_| {},
                    on_publish: |_| {},
                    on_open_thread: |_| {},
                }
            }
        }
        let html = render(app);
        assert!(
            html.contains(r#"id="portal-request-portal-booking-1""#),
            "{html}"
        );
        assert!(
            html.contains(r#"id="portal-accept-portal-booking-1""#),
            "{html}"
        );
        assert!(
            html.contains(r#"id="portal-decline-portal-booking-1""#),
            "{html}"
        );
        // A cancellation is shown, without buttons.
        assert!(html.contains(r#"data-kind="cancellation""#), "{html}");
        assert!(!html.contains("portal-accept-portal-booking-2"), "{html}");
        assert!(html.contains("Cancelled by the client"), "{html}");
        assert!(html.contains("Mornings suit me"), "{html}");
        assert!(html.contains(r#"id="portal-thread-c1""#), "{html}");
        assert!(html.contains(r#"data-unread="2""#), "{html}");
        assert!(html.contains("2 unread"), "{html}");
        for id in [
            "portal-publish-from",
            "portal-publish-days",
            "portal-publish-notice",
        ] {
            assert!(
                html.contains(&format!(r#"for="{id}""#)),
                "{id} has no label: {html}"
            );
        }
        assert!(html.contains(r#"id="portal-published""#), "{html}");
        assert!(html.contains(r#"data-slots="12""#), "{html}");
        assert!(html.contains("12 slots published"), "{html}");
        assert!(html.contains(r#"id="portal-outbox""#), "{html}");
        assert!(!html.contains("portal-requests-empty"), "{html}");
    }

    #[test]
    fn an_empty_page_says_so() {
        fn app() -> Element {
            rsx! {
                PortalPage { overview: None, published: None, error: None, busy: false, default_from: "",
                    on_decide: |_| {}, on_publish: |_| {}, on_open_thread: |_| {} }
            }
        }
        let html = render(app);
        assert!(html.contains(r#"id="portal-requests-empty""#), "{html}");
        assert!(html.contains(r#"id="portal-inbox-empty""#), "{html}");
        assert!(!html.contains("portal-published"), "{html}");
    }

    fn client_view() -> PortalClientView {
        PortalClientView {
            consented: true,
            invited: true,
            portal_id: Some("ab".repeat(16)),
            messages: vec![
                MessageView {
                    id: "portal-msg-1".into(),
                    client_id: "c1".into(),
                    from_client: true,
                    body: "Can we move Thursday?".into(),
                    sent_ms: T,
                    unread: false,
                },
                MessageView {
                    id: "portal-msg-2".into(),
                    client_id: "c1".into(),
                    from_client: false,
                    body: "Yes, Friday works.".into(),
                    sent_ms: T + 60_000,
                    unread: false,
                },
            ],
            forms: vec![FormSubmissionView {
                id: "portal-form-9".into(),
                client_id: "c1".into(),
                form: FormKind::Consent,
                answers: vec![("agree".into(), "yes".into())],
                signed_name: Some("Ana Silva".into()),
                signed_ms: Some(T),
                signed_text_sha256: Some("00".repeat(32)),
                sent_ms: T,
            }],
            marked_read: 0,
        }
    }

    #[test]
    fn the_tab_shows_the_thread_forms_and_the_link_once() {
        fn app() -> Element {
            rsx! {
                PortalTab {
                    view: client_view(),
                    invite: Some(InviteView { link: "https://relay.example/signup/tok".into(), full: true, portal_id: "ab".repeat(16), expires_ms: T }),
                    notice: None, error: None, busy: false,
                    on_invite: |_| {}, on_copy: |_| {}, on_revoke: |_| {}, on_reply: |_| {}, on_assign: |_| {}, on_share: |_| {},
                }
            }
        }
        let html = render(app);
        assert!(html.contains(r#"data-invited="true""#), "{html}");
        assert!(
            html.contains(&format!(r#"data-portal-id="{}""#, "ab".repeat(16))),
            "{html}"
        );
        assert!(html.contains(r#"id="portal-invite-link""#), "{html}");
        assert!(html.contains("https://relay.example/signup/tok"), "{html}");
        assert!(!html.contains("portal-invite-path-only"), "{html}");
        assert!(html.contains(r#"data-from="client""#), "{html}");
        assert!(html.contains(r#"data-from="therapist""#), "{html}");
        assert!(html.contains("Can we move Thursday?"), "{html}");
        assert!(html.contains(r#"for="portal-reply-body""#), "{html}");
        for kind in FormKind::ALL {
            assert!(
                html.contains(&format!(r#"id="portal-assign-{}""#, kind.as_str())),
                "{html}"
            );
        }
        assert!(html.contains("Assign PHQ-9"), "{html}");
        assert!(html.contains(r#"id="portal-form-portal-form-9""#), "{html}");
        assert!(
            html.contains(r#"id="portal-form-signed-portal-form-9""#),
            "{html}"
        );
        assert!(
            html.contains("Signed by Ana Silva on 2024-03-01 08:00"),
            "{html}"
        );
        assert!(html.contains(r#"id="portal-share-safety-plan""#), "{html}");
        assert!(!html.contains("portal-no-consent"), "{html}");
    }

    #[test]
    fn without_consent_invite_is_disabled_and_explained() {
        fn app() -> Element {
            let view = PortalClientView {
                consented: false,
                invited: false,
                portal_id: None,
                ..PortalClientView::default()
            };
            rsx! {
                PortalTab {
                    view, invite: None, notice: None, error: None, busy: false,
                    on_invite: |_| {}, on_copy: |_| {}, on_revoke: |_| {}, on_reply: |_| {}, on_assign: |_| {}, on_share: |_| {},
                }
            }
        }
        let html = render(app);
        assert!(html.contains(r#"id="portal-no-consent""#), "{html}");
        assert!(html.contains("portal consent"), "{html}");
        let invite = html
            .split(r#"id="portal-invite""#)
            .nth(1)
            .unwrap_or_default();
        let tag = invite.split('>').next().unwrap_or_default();
        assert!(tag.contains("disabled"), "{tag}");
        assert!(
            tag.contains(r#"aria-describedby="portal-no-consent""#),
            "{tag}"
        );
        assert!(html.contains(r#"id="portal-thread-empty""#), "{html}");
        assert!(html.contains(r#"id="portal-forms-empty""#), "{html}");
        assert!(!html.contains("portal-revoke"), "{html}");
    }

    #[test]
    fn only_the_path_is_shown_when_the_web_address_is_unknown() {
        fn app() -> Element {
            rsx! {
                PortalTab {
                    view: client_view(),
                    invite: Some(InviteView { link: "/signup/tok".into(), full: false, portal_id: "ab".repeat(16), expires_ms: T }),
                    notice: None, error: None, busy: false,
                    on_invite: |_| {}, on_copy: |_| {}, on_revoke: |_| {}, on_reply: |_| {}, on_assign: |_| {}, on_share: |_| {},
                }
            }
        }
        let html = render(app);
        assert!(html.contains(r#"id="portal-invite-path-only""#), "{html}");
    }

    #[test]
    fn news_becomes_notices_with_an_alert_for_a_safety_alert() {
        let en = I18n::new(Locale::En);
        let news = PortalNews {
            messages: 1,
            requests: 2,
            forms: 0,
            assessments: 1,
            safety_alerts: vec!["c1".into()],
        };
        let list = notices(en, &news, 7);
        assert_eq!(list.len(), 2);
        assert!(list[0].alert);
        assert_eq!(list[0].client_id.as_deref(), Some("c1"));
        assert_eq!(list[0].id, 7);
        assert!(!list[1].alert);
        assert_eq!(
            list[1].text,
            "New from the portal: 1 message, 2 booking requests, 1 questionnaire"
        );
        assert!(notices(en, &PortalNews::default(), 0).is_empty());

        fn app() -> Element {
            let list = notices(
                I18n::new(Locale::En),
                &PortalNews {
                    messages: 1,
                    safety_alerts: vec!["c1".into()],
                    ..PortalNews::default()
                },
                0,
            );
            rsx! { PortalNotices { notices: list, on_open: |_| {}, on_dismiss: |_| {} } }
        }
        let html = render(app);
        assert!(html.contains(r#"id="portal-notice-0""#), "{html}");
        assert!(html.contains(r#"role="alert""#), "{html}");
        assert!(html.contains(r#"role="status""#), "{html}");
        assert!(html.contains(r#"id="portal-notice-dismiss-1""#), "{html}");
    }
}
