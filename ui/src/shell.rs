//! The desktop app's frame: navigation on the left, the page, a status bar.

use bloom_core::sync::status::RelayStatus;
use dioxus::prelude::*;

use crate::i18n::use_i18n;
use crate::status_bar::RelayIndicator;

/// The top-level sections of the desktop app.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    Today,
    Clients,
    Calendar,
    Portal,
    Search,
    Crisis,
    Settings,
}

impl Section {
    pub const ALL: &'static [Section] = &[
        Section::Today,
        Section::Clients,
        Section::Calendar,
        Section::Portal,
        Section::Search,
        Section::Crisis,
        Section::Settings,
    ];

    /// Stable id used in element ids and tests.
    pub fn slug(self) -> &'static str {
        match self {
            Section::Today => "today",
            Section::Clients => "clients",
            Section::Calendar => "calendar",
            Section::Portal => "portal",
            Section::Search => "search",
            Section::Crisis => "crisis",
            Section::Settings => "settings",
        }
    }

    fn nav_label(self) -> &'static str {
        match self {
            Section::Today => "nav-today",
            Section::Clients => "nav-clients",
            Section::Calendar => "nav-calendar",
            Section::Portal => "desk-nav-portal",
            Section::Search => "nav-search",
            Section::Crisis => "nav-crisis",
            Section::Settings => "nav-settings",
        }
    }
}

#[component]
pub fn AppShell(
    active: Section,
    on_navigate: EventHandler<Section>,
    on_lock: EventHandler<()>,
    relay: RelayStatus,
    /// What is new on the portal (unread messages and booking requests
    /// waiting), shown on its nav item.
    #[props(default)]
    portal_badge: u32,
    children: Element,
) -> Element {
    let i18n = use_i18n();
    let badge_text = i18n.t_args("desk-nav-badge", &[("count", &portal_badge.to_string())]);
    rsx! {
        div { class: "app-shell",
            nav { class: "app-nav", "aria-label": i18n.t("nav-label"),
                div { class: "app-brand", {i18n.t("app-name")} }
                ul {
                    for section in Section::ALL.iter().copied() {
                        li { key: "{section.slug()}",
                            button {
                                id: "nav-{section.slug()}",
                                class: if section == active { "nav-item active" } else { "nav-item" },
                                "aria-current": if section == active { "page" } else { "false" },
                                onclick: move |_| on_navigate.call(section),
                                {i18n.t(section.nav_label())}
                                if section == Section::Portal && portal_badge > 0 {
                                    " "
                                    span { class: "nav-badge", id: "nav-portal-badge",
                                        "data-count": "{portal_badge}", "aria-label": "{badge_text}",
                                        "{portal_badge}" }
                                }
                            }
                        }
                    }
                }
                button { id: "lock-vault", class: "nav-lock", onclick: move |_| on_lock.call(()),
                    {i18n.t("nav-lock")}
                }
            }
            main { class: "app-main", id: "page-{active.slug()}", {children} }
            footer { class: "app-status-bar", RelayIndicator { status: relay } }
        }
    }
}

/// The page of a section that has no records yet.
#[component]
pub fn SectionPage(section: Section) -> Element {
    let i18n = use_i18n();
    let (title, body) = match section {
        Section::Today => ("today-title", "today-empty"),
        Section::Clients => ("clients-title", "clients-empty"),
        Section::Calendar => ("calendar-title", "calendar-empty"),
        Section::Portal => ("desk-portal-title", "desk-portal-intro"),
        Section::Search => ("search-title", "search-none"),
        Section::Crisis => ("nav-crisis", "search-none"),
        Section::Settings => ("settings-title", "settings-relay-help"),
    };
    rsx! {
        h1 { {i18n.t(title)} }
        p { class: "empty-state", {i18n.t(body)} }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_renders_every_section_and_the_status_bar() {
        fn app() -> Element {
            rsx! {
                AppShell {
                    active: Section::Clients,
                    on_navigate: |_| {},
                    on_lock: |_| {},
                    relay: RelayStatus::NotConfigured,
                    SectionPage { section: Section::Clients }
                }
            }
        }
        let mut dom = VirtualDom::new(app);
        dom.rebuild_in_place();
        let html = dioxus_ssr::render(&dom);
        for s in Section::ALL {
            assert!(html.contains(&format!("nav-{}", s.slug())), "{html}");
        }
        assert!(html.contains("No clients yet."), "{html}");
        assert!(html.contains(r#"aria-current="page""#), "{html}");
        assert!(html.contains("relay-status"), "{html}");
        assert!(html.contains("lock-vault"), "{html}");
        // No news: no badge.
        assert!(!html.contains("nav-portal-badge"), "{html}");
    }

    #[test]
    fn the_portal_nav_item_shows_what_is_new() {
        fn app() -> Element {
            rsx! {
                AppShell {
                    active: Section::Portal,
                    on_navigate: |_| {},
                    on_lock: |_| {},
                    relay: RelayStatus::NotConfigured,
                    portal_badge: 3,
                    SectionPage { section: Section::Portal }
                }
            }
        }
        let mut dom = VirtualDom::new(app);
        dom.rebuild_in_place();
        let html = dioxus_ssr::render(&dom);
        assert!(html.contains(r#"id="nav-portal""#), "{html}");
        assert!(html.contains(r#"id="nav-portal-badge""#), "{html}");
        assert!(html.contains(r#"data-count="3""#), "{html}");
        assert!(html.contains(r#"aria-label="3 new""#), "{html}");
        assert!(html.contains(r#"id="page-portal""#), "{html}");
    }
}
