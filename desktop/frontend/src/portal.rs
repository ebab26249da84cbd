//! The patient portal, wired to the shell's `portal_*` commands: the Portal
//! section, the chart's Portal tab, the nav badge and the notices shown
//! when patients send something (the `portal-received` event).

use bloom_core::portal::FormKind;
use bloom_ui::portal::desk::{
    InviteView, PortalBadge, PortalClientView, PortalNews, PortalNotice, PortalNotices,
    PortalOverview, PortalPage, PortalTab, PublishRequest, PublishedView, form_label, notices,
};
use bloom_ui::use_i18n;
use dioxus::prelude::*;
use futures_util::StreamExt;
use serde::Serialize;

use crate::tauri::{self, NoArgs};

/// The portal's state for the whole window.
#[derive(Clone, Copy)]
pub struct Portal {
    /// Bumped when something arrived or changed: portal screens read again.
    pub news: Signal<u64>,
    /// Bumped when only the badge may have changed (messages marked read).
    badge_tick: Signal<u64>,
    pub badge: Signal<u32>,
    pub notices: Signal<Vec<PortalNotice>>,
    next_notice: Signal<u64>,
}

impl Portal {
    /// Something changed here: screens and the badge read again.
    pub fn changed(mut self) {
        self.news += 1;
    }
}

/// Listens for `portal-received` once, for the whole window, and keeps the
/// nav badge current.
pub fn provide_portal() -> Portal {
    let i18n = use_i18n();
    let portal = use_context_provider(|| Portal {
        news: Signal::new(0),
        badge_tick: Signal::new(0),
        badge: Signal::new(0),
        notices: Signal::new(vec![]),
        next_notice: Signal::new(0),
    });
    let mut state = portal;
    use_future(move || async move {
        let mut events = tauri::events::<PortalNews>("portal-received").await;
        while let Some(news) = events.next().await {
            let first = (state.next_notice)();
            let list = notices(i18n, &news, first);
            state.next_notice.set(first + list.len() as u64);
            // Safety alerts first, newest on top.
            let mut all = list;
            all.extend(state.notices.read().iter().cloned());
            all.truncate(6);
            state.notices.set(all);
            state.news += 1;
        }
    });
    let received = crate::sync::use_received();
    // Kept for the window's life: it reads the badge again on every change.
    let _badge = use_resource(move || async move {
        let _ = ((portal.news)(), (portal.badge_tick)(), received());
        if let Ok(b) = tauri::call::<PortalBadge>("portal_badge", NoArgs {}).await {
            state.badge.set(b.total());
        }
    });
    portal
}

pub fn use_portal() -> Portal {
    use_context::<Portal>()
}

/// The notices, over every screen.
#[component]
pub fn Notices(on_open_client: EventHandler<String>, on_open_portal: EventHandler<()>) -> Element {
    let portal = use_portal();
    let mut list = portal.notices;
    if list.read().is_empty() {
        return rsx! {};
    }
    rsx! {
        PortalNotices {
            notices: list(),
            on_open: move |n: PortalNotice| {
                list.write().retain(|x| x.id != n.id);
                match n.client_id {
                    Some(c) => on_open_client.call(c),
                    None => on_open_portal.call(()),
                }
            },
            on_dismiss: move |id: u64| list.write().retain(|x| x.id != id),
        }
    }
}

/// Minutes east of UTC where the reader is.
pub fn offset_min() -> i32 {
    -(js_sys::Date::new_0().get_timezone_offset() as i32)
}

fn today() -> String {
    let d = js_sys::Date::new_0();
    format!(
        "{:04}-{:02}-{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date()
    )
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PublishArgs {
    from: String,
    days: u32,
    notice_hours: u32,
}

#[derive(Serialize)]
struct DecideArgs {
    id: String,
    accept: bool,
}

#[derive(serde::Deserialize)]
struct Decided {
    status: String,
}

/// The Portal section.
#[component]
pub fn PortalScreen(on_open_thread: EventHandler<String>) -> Element {
    let i18n = use_i18n();
    let portal = use_portal();
    let mut published = use_signal(|| None::<PublishedView>);
    let mut error = use_signal(|| None::<String>);
    let mut notice = use_signal(|| None::<String>);
    let mut busy = use_signal(|| false);
    let received = crate::sync::use_received();
    let overview = use_resource(move || async move {
        let _ = ((portal.news)(), received());
        tauri::call::<PortalOverview>("portal_overview", NoArgs {}).await
    });
    let (data, load_error) = match &*overview.read() {
        Some(Ok(o)) => (Some(o.clone()), None),
        Some(Err(e)) => (None, Some(i18n.error(&e.code, &e.message))),
        None => (None, None),
    };
    rsx! {
        if let Some(n) = notice() { p { class: "notice", id: "portal-page-notice", role: "status", "{n}" } }
        PortalPage {
            overview: data,
            published: published(),
            error: error().or(load_error),
            busy: busy(),
            default_from: today(),
            offset_min: offset_min(),
            on_decide: move |(id, accept): (String, bool)| async move {
                busy.set(true);
                error.set(None);
                match tauri::call::<Decided>("decide_booking", DecideArgs { id, accept }).await {
                    Ok(d) => notice.set(Some(i18n.t(if d.status == "accepted" { "desk-portal-accepted" } else { "desk-portal-declined" }))),
                    Err(e) => error.set(Some(i18n.error(&e.code, &e.message))),
                }
                portal.changed();
                busy.set(false);
            },
            on_publish: move |req: PublishRequest| async move {
                busy.set(true);
                error.set(None);
                let args = PublishArgs { from: req.from, days: req.days, notice_hours: req.notice_hours };
                match tauri::call::<PublishedView>("publish_availability", args).await {
                    Ok(p) => published.set(Some(p)),
                    Err(e) => error.set(Some(i18n.error(&e.code, &e.message))),
                }
                portal.changed();
                busy.set(false);
            },
            on_open_thread,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ClientArgs {
    client_id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct InviteArgs {
    client_id: String,
    email: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReplyArgs {
    client_id: String,
    body: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AssignArgs {
    client_id: String,
    form: FormKind,
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["navigator", "clipboard"], js_name = writeText, catch)]
    fn write_clipboard(text: &str) -> Result<js_sys::Promise, wasm_bindgen::JsValue>;
}

/// The chart's Portal tab. Loading it marks the client's messages read.
#[component]
pub fn PortalChartTab(client_id: String) -> Element {
    let i18n = use_i18n();
    let mut portal = use_portal();
    let mut invite = use_signal(|| None::<InviteView>);
    let mut notice = use_signal(|| None::<String>);
    let mut error = use_signal(|| None::<String>);
    let mut busy = use_signal(|| false);
    let received = crate::sync::use_received();
    let cid = client_id.clone();
    let view = use_resource(move || {
        let client_id = cid.clone();
        async move {
            let _ = ((portal.news)(), received());
            let v =
                tauri::call::<PortalClientView>("portal_client", ClientArgs { client_id }).await;
            if v.as_ref().is_ok_and(|v| v.marked_read > 0) {
                portal.badge_tick += 1;
            }
            v
        }
    });
    let current = match &*view.read() {
        Some(Ok(v)) => v.clone(),
        Some(Err(e)) => {
            return rsx! { p { class: "form-error", id: "portal-tab-error", role: "alert", {i18n.error(&e.code, &e.message)} } };
        }
        None => return rsx! { p { class: "loading", "…" } },
    };
    let (c1, c2, c3, c4, c5) = (
        client_id.clone(),
        client_id.clone(),
        client_id.clone(),
        client_id.clone(),
        client_id.clone(),
    );
    let mut done = move |r: Result<String, tauri::CommandError>| {
        match r {
            Ok(n) => {
                notice.set(Some(n));
                error.set(None);
            }
            Err(e) => error.set(Some(i18n.error(&e.code, &e.message))),
        }
        portal.changed();
        busy.set(false);
    };
    rsx! {
        PortalTab {
            view: current,
            invite: invite(),
            notice: notice(),
            error: error(),
            busy: busy(),
            offset_min: offset_min(),
            on_invite: move |email: Option<String>| {
                let client_id = c1.clone();
                async move {
                    busy.set(true);
                    match tauri::call::<InviteView>("invite_to_portal", InviteArgs { client_id, email }).await {
                        Ok(i) => { invite.set(Some(i)); done(Ok(String::new())); notice.set(None) }
                        Err(e) => done(Err(e)),
                    }
                }
            },
            on_copy: move |text: String| async move {
                // Without clipboard access the link can still be selected by hand.
                if let Ok(promise) = write_clipboard(&text) {
                    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
                }
            },
            on_revoke: move |_| {
                let client_id = c2.clone();
                async move {
                    busy.set(true);
                    invite.set(None);
                    let r = tauri::call::<()>("revoke_portal", ClientArgs { client_id }).await;
                    done(r.map(|_| i18n.t("desk-portal-revoked")));
                }
            },
            on_reply: move |body: String| {
                let client_id = c3.clone();
                async move {
                    busy.set(true);
                    let r = tauri::call::<bloom_ui::portal::desk::MessageView>("portal_reply", ReplyArgs { client_id, body }).await;
                    done(r.map(|_| i18n.t("desk-portal-reply-sent")));
                }
            },
            on_assign: move |form: FormKind| {
                let client_id = c4.clone();
                async move {
                    busy.set(true);
                    let r = tauri::call::<String>("assign_form", AssignArgs { client_id, form }).await;
                    done(r.map(|_| i18n.t_args("desk-portal-assigned", &[("form", &i18n.t(form_label(form)))])));
                }
            },
            on_share: move |_| {
                let client_id = c5.clone();
                async move {
                    busy.set(true);
                    let r = tauri::call::<usize>("share_safety_plan", ClientArgs { client_id }).await;
                    done(r.map(|n| i18n.t_args("desk-portal-shared", &[("count", &n.to_string())])));
                }
            },
        }
    }
}
