//! The relay's home page: who runs it and how devices verify it.

use dioxus::prelude::*;

use crate::i18n::use_i18n;

#[component]
pub fn RelayHome(
    practice: String,
    relay_version: String,
    quic_addr: String,
    fingerprint: String,
) -> Element {
    let i18n = use_i18n();
    rsx! {
        main { class: "relay-home",
            p { class: "brand", {i18n.t("app-name")} }
            h1 { id: "practice-name", {i18n.t_args("relay-home-heading", &[("practice", practice.as_str())])} }
            p { {i18n.t("relay-home-intro")} }
            dl {
                dt { {i18n.t("relay-home-status")} }
                dd { id: "relay-state", {i18n.t("relay-home-running")} }
                dt { {i18n.t("relay-home-version")} }
                dd { {relay_version} }
                dt { {i18n.t("relay-home-sync-address")} }
                dd { code { {quic_addr} } }
                dt { {i18n.t("relay-home-fingerprint")} }
                dd { code { id: "relay-fingerprint", {fingerprint} } }
            }
            p { class: "help", {i18n.t("relay-home-fingerprint-help")} }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn home_escapes_the_practice_name() {
        let html = dioxus_ssr::render_element(rsx! {
            RelayHome {
                practice: "<script>alert(1)</script>",
                relay_version: "0.1.0",
                quic_addr: "127.0.0.1:4433",
                fingerprint: "sha256:00",
            }
        });
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("alert(1)"), "{html}");
        assert!(html.contains("sha256:00"), "{html}");
    }
}
