//! Booking: the therapist's open slots, grouped by day, as one radio group.

use dioxus::prelude::*;

use super::CsrfField;
use crate::i18n::use_i18n;

/// A slot the patient may request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotItem {
    /// The form value: `{start_ms}-{end_ms}`.
    pub value: String,
    /// Formatted time of day.
    pub time: String,
}

/// The open slots of one day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotDay {
    pub day: String,
    pub slots: Vec<SlotItem>,
}

#[component]
pub fn BookingPage(csrf: String, days: Vec<SlotDay>, zone: String) -> Element {
    let i18n = use_i18n();
    if days.is_empty() {
        return rsx! {
            h1 { {i18n.t("portal-book-title")} }
            p { id: "no-slots", {i18n.t("portal-book-none")} }
        };
    }
    rsx! {
        h1 { {i18n.t("portal-book-title")} }
        p { class: "help", {i18n.t_args("portal-book-help", &[("zone", zone.as_str())])} }
        form { method: "post", action: "/portal/book", id: "book-form",
            CsrfField { csrf }
            for (d, day) in days.iter().enumerate() {
                fieldset { class: "slots",
                    legend { {day.day.clone()} }
                    for (i, slot) in day.slots.iter().enumerate() {
                        div { class: "slot",
                            input { r#type: "radio", name: "slot", id: "slot-{d}-{i}", value: "{slot.value}", required: true }
                            label { r#for: "slot-{d}-{i}", {slot.time.clone()} }
                        }
                    }
                }
            }
            label { r#for: "book-note", {i18n.t("portal-book-note")} }
            textarea { id: "book-note", name: "note", maxlength: "1000", rows: "3" }
            button { r#type: "submit", class: "primary", id: "book-submit", {i18n.t("portal-book-submit")} }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::portal::test_support::render;

    #[test]
    fn every_slot_is_a_labelled_radio() {
        let days = vec![SlotDay {
            day: "Mon 2 Mar".into(),
            slots: vec![
                SlotItem {
                    value: "1-2".into(),
                    time: "10:00".into(),
                },
                SlotItem {
                    value: "3-4".into(),
                    time: "11:00".into(),
                },
            ],
        }];
        let html = render(rsx! { BookingPage { csrf: "t", days, zone: "Europe/London" } });
        assert!(html.contains(r#"id="slot-0-1""#), "{html}");
        assert!(html.contains(r#"for="slot-0-1""#), "{html}");
        assert!(html.contains(r#"value="3-4""#), "{html}");
    }

    #[test]
    fn no_slots_says_so() {
        let html = render(rsx! { BookingPage { csrf: "t", days: vec![], zone: "UTC" } });
        assert!(html.contains("no-slots"), "{html}");
        assert!(!html.contains("<form"), "{html}");
    }
}
