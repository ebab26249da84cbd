//! Secure messages with the therapist: the patient's own thread and a reply box.

use dioxus::prelude::*;

use super::CsrfField;
use crate::i18n::use_i18n;

/// One message in the thread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageItem {
    pub from_patient: bool,
    pub body: String,
    pub when: String,
}

#[component]
pub fn MessagesPage(csrf: String, therapist: String, thread: Vec<MessageItem>) -> Element {
    let i18n = use_i18n();
    rsx! {
        h1 { {i18n.t_args("portal-messages-title", &[("therapist", therapist.as_str())])} }
        p { class: "help", {i18n.t("portal-messages-help")} }
        if thread.is_empty() {
            p { id: "no-messages", {i18n.t("portal-messages-none")} }
        } else {
            ol { class: "thread", id: "thread",
                for m in thread {
                    li { class: if m.from_patient { "msg mine" } else { "msg theirs" },
                        p { class: "meta",
                            if m.from_patient { {i18n.t("portal-messages-you")} } else { {therapist.clone()} }
                            " · "
                            time { {m.when.clone()} }
                        }
                        p { class: "body", {m.body.clone()} }
                    }
                }
            }
        }
        form { method: "post", action: "/portal/messages", id: "message-form",
            CsrfField { csrf }
            label { r#for: "message-body", {i18n.t("portal-messages-new")} }
            textarea { id: "message-body", name: "body", required: true, maxlength: "8000", rows: "4" }
            button { r#type: "submit", class: "primary", id: "message-send", {i18n.t("portal-messages-send")} }
        }
        p { class: "help", {i18n.t("portal-emergency")} }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::portal::test_support::{XSS, assert_inert, render};

    #[test]
    fn thread_text_is_inert() {
        let thread = vec![MessageItem {
            from_patient: true,
            body: XSS.into(),
            when: "now".into(),
        }];
        let html = render(rsx! { MessagesPage { csrf: "t", therapist: "Dr <b>", thread } });
        assert_inert(&html);
        assert!(!html.contains("<b>"), "{html}");
        assert!(html.contains("msg mine"), "{html}");
    }
}
