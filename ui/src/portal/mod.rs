//! The patient portal's pages, server-rendered by the relay. Plain HTML forms
//! that work without JavaScript; every form posts its session's CSRF token.
//! The components take view structs already scoped to the signed-in patient
//! and already formatted (times in the practice's zone): they decide nothing.
//!
//! - [`layout`]: the page frame and navigation.
//! - [`appointments`], [`booking`], [`messages`], [`forms`], [`assessment`],
//!   [`safety_plan`], [`support`]: one page each.
//! - [`desk`]: the other side, in the desktop app: the Portal section and the
//!   chart's Portal tab where the therapist answers.

pub mod appointments;
pub mod assessment;
pub mod booking;
pub mod desk;
pub mod forms;
pub mod home;
pub mod layout;
pub mod messages;
pub mod safety_plan;
pub mod support;

pub use layout::{CsrfField, Notice, PortalFrame, PortalTab};

#[cfg(test)]
pub(crate) mod test_support {
    use dioxus::prelude::*;

    use crate::{I18n, I18nProvider, Locale};

    /// Renders `el` inside an English i18n provider.
    pub fn render(el: Element) -> String {
        let i18n = I18n::new(Locale::En);
        dioxus_ssr::render_element(rsx! { I18nProvider { i18n, {el} } })
    }

    pub const XSS: &str = "<script>alert('x')</script>";

    /// The payload appears only escaped.
    pub fn assert_inert(html: &str) {
        assert!(!html.contains("<script>"), "{html}");
        assert!(
            html.contains("&lt;script&gt;") || html.contains("&#60;script&#62;"),
            "{html}"
        );
    }
}
