//! The one place user-facing text comes from: Fluent bundles per locale.
//!
//! Messages live in `ui/locales/<lang>/*.ftl` (one file per area) and are compiled into the
//! binary, so the desktop works offline and the relay needs no files at run time.
//! A missing message renders as its id (and a test keeps that from shipping).

use std::sync::LazyLock;

use dioxus::prelude::*;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::{LanguageIdentifier, langid};

/// The languages Bloom speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Locale {
    En,
}

impl Locale {
    pub const ALL: &'static [Locale] = &[Locale::En];

    /// The BCP 47 tag, for `<html lang>`.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
        }
    }

    /// The locale's message files, one per area of the app.
    fn sources(self) -> &'static [&'static str] {
        match self {
            Locale::En => &[
                include_str!("../locales/en/bloom.ftl"),
                include_str!("../locales/en/clients.ftl"),
                include_str!("../locales/en/calendar.ftl"),
                include_str!("../locales/en/sync.ftl"),
                include_str!("../locales/en/portal.ftl"),
                include_str!("../locales/en/portal-desk.ftl"),
                include_str!("../locales/en/console.ftl"),
                include_str!("../locales/en/account.ftl"),
            ],
        }
    }

    fn langid(self) -> LanguageIdentifier {
        match self {
            Locale::En => langid!("en"),
        }
    }

    /// Picks the best locale for an HTTP `Accept-Language` header.
    pub fn negotiate(accept_language: Option<&str>) -> Locale {
        let Some(header) = accept_language else {
            return Locale::En;
        };
        for part in header.split(',') {
            let tag = part.split(';').next().unwrap_or("").trim();
            let primary = tag.split('-').next().unwrap_or("").to_ascii_lowercase();
            if let Some(l) = Locale::ALL.iter().find(|l| l.tag() == primary) {
                return *l;
            }
        }
        Locale::En
    }
}

struct Bundle {
    locale: Locale,
    bundle: FluentBundle<FluentResource>,
}

fn build(locale: Locale) -> Bundle {
    let mut bundle = FluentBundle::new_concurrent(vec![locale.langid()]);
    // Isolation marks would be invisible characters in every string; Bloom's
    // layouts set direction on the container instead.
    bundle.set_use_isolating(false);
    for source in locale.sources() {
        let resource = match FluentResource::try_new((*source).to_owned()) {
            Ok(r) => r,
            // A syntax error keeps the parsable messages; the locale test fails on it.
            Err((r, _)) => r,
        };
        // Duplicate ids are reported by the locale test; the first one wins here.
        let _ = bundle.add_resource(resource);
    }
    Bundle { locale, bundle }
}

static BUNDLES: LazyLock<Vec<Bundle>> =
    LazyLock::new(|| Locale::ALL.iter().map(|l| build(*l)).collect());

/// A translator for one locale. Cheap to copy; hand it down through context.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct I18n {
    locale: Locale,
}

impl I18n {
    pub fn new(locale: Locale) -> Self {
        I18n { locale }
    }

    pub fn locale(&self) -> Locale {
        self.locale
    }

    /// The message `id`, or `id` itself when the message is missing.
    pub fn t(&self, id: &str) -> String {
        self.format(id, None)
    }

    /// The message `id` with named arguments.
    pub fn t_args(&self, id: &str, args: &[(&str, &str)]) -> String {
        let mut fargs = FluentArgs::new();
        for (k, v) in args {
            fargs.set(*k, FluentValue::from(*v));
        }
        self.format(id, Some(&fargs))
    }

    /// The user-facing sentence for an error: the locale's message for its
    /// stable code (`vault.wrong_passphrase` → `error-vault-wrong-passphrase`),
    /// or, for a code without one, the message the error came with.
    pub fn error(&self, code: &str, message: &str) -> String {
        let id = format!("error-{}", code.replace(['.', '_'], "-"));
        if self.has(&id) {
            self.t(&id)
        } else {
            message.to_owned()
        }
    }

    /// Whether the locale has a message with this id.
    pub fn has(&self, id: &str) -> bool {
        self.bundle().is_some_and(|b| b.bundle.has_message(id))
    }

    fn bundle(&self) -> Option<&'static Bundle> {
        BUNDLES.iter().find(|b| b.locale == self.locale)
    }

    fn format(&self, id: &str, args: Option<&FluentArgs>) -> String {
        let Some(bundle) = self.bundle() else {
            return id.to_owned();
        };
        let Some(pattern) = bundle.bundle.get_message(id).and_then(|m| m.value()) else {
            return id.to_owned();
        };
        let mut errors = vec![];
        bundle
            .bundle
            .format_pattern(pattern, args, &mut errors)
            .into_owned()
    }
}

/// Makes `i18n` available to every component below through [`use_i18n`].
#[component]
pub fn I18nProvider(i18n: I18n, children: Element) -> Element {
    use_context_provider(|| i18n);
    rsx! { {children} }
}

/// The translator provided by the nearest [`I18nProvider`] (English if none).
pub fn use_i18n() -> I18n {
    try_use_context::<I18n>().unwrap_or(I18n::new(Locale::En))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_locale_parses_without_errors_or_duplicates() {
        for locale in Locale::ALL {
            let mut bundle = FluentBundle::new_concurrent(vec![locale.langid()]);
            for (i, source) in locale.sources().iter().enumerate() {
                let resource = FluentResource::try_new((*source).to_owned());
                assert!(resource.is_ok(), "{locale:?} file {i} has syntax errors");
                let added = resource.map(|r| bundle.add_resource(r));
                assert!(
                    matches!(added, Ok(Ok(()))),
                    "{locale:?} file {i} repeats an id"
                );
            }
        }
    }

    #[test]
    fn translates_with_and_without_arguments() {
        let en = I18n::new(Locale::En);
        assert_eq!(en.t("app-name"), "Bloom");
        assert_eq!(
            en.t_args("relay-home-heading", &[("practice", "Demo Practice")]),
            "Demo Practice"
        );
        let missing = format!("no-such-{}", "message");
        assert_eq!(en.t(&missing), missing);
    }

    #[test]
    fn errors_are_translated_by_code_with_the_message_as_fallback() {
        let en = I18n::new(Locale::En);
        assert_eq!(
            en.error("vault.wrong_passphrase", "wrong passphrase"),
            "Wrong passphrase. Check it and try again."
        );
        assert_eq!(en.error("no.such_code", "as sent"), "as sent");
    }

    #[test]
    fn negotiates_accept_language() {
        assert_eq!(Locale::negotiate(None), Locale::En);
        assert_eq!(Locale::negotiate(Some("fr-FR,fr;q=0.9")), Locale::En);
        assert_eq!(Locale::negotiate(Some("en-GB,en;q=0.9")), Locale::En);
        assert_eq!(Locale::negotiate(Some(";;,,")), Locale::En);
    }

    /// Every `t("id")` / `t_args("id"` in the UI sources must exist in every locale.
    #[test]
    fn every_message_used_in_the_sources_exists() {
        let roots = [
            concat!(env!("CARGO_MANIFEST_DIR"), "/src"),
            concat!(env!("CARGO_MANIFEST_DIR"), "/../desktop/frontend/src"),
            concat!(env!("CARGO_MANIFEST_DIR"), "/../sync-server/src"),
        ];
        let mut ids = vec![];
        for root in roots {
            collect_ids(std::path::Path::new(root), &mut ids);
        }
        assert!(ids.len() > 5, "found only {} message ids", ids.len());
        for locale in Locale::ALL {
            let i18n = I18n::new(*locale);
            let missing: Vec<_> = ids.iter().filter(|id| !i18n.has(id)).collect();
            assert!(missing.is_empty(), "{locale:?} lacks {missing:?}");
        }
    }

    fn collect_ids(dir: &std::path::Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                collect_ids(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                for marker in [".t(\"", ".t_args(\""] {
                    for piece in text.split(marker).skip(1) {
                        if let Some(id) = piece.split('"').next()
                            && id != "id"
                            && !id.is_empty()
                        {
                            out.push(id.to_owned());
                        }
                    }
                }
            }
        }
    }
}
