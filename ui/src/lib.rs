//! bloom-ui: Dioxus components shared by the desktop frontend (wasm) and the
//! relay's server-rendered pages. All user-facing text comes from [`i18n`].

pub mod calendar;
pub mod client;
pub mod i18n;
pub mod note_editor;
pub mod page;
pub mod portal;
pub mod relay_home;
pub mod search;
pub mod shell;
pub mod status_bar;
pub mod sync;
pub mod vault;

pub use i18n::{I18n, I18nProvider, Locale, use_i18n};
