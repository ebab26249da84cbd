//! The account pages the relay serves: sign in, one-time codes, sign up,
//! password reset, and the small notices between them. Plain HTML forms
//! that work without JavaScript; every form carries the `_csrf` token it is
//! given, every input has a label, and errors are announced (`role="alert"`).

mod form;
mod login;
mod notice;
mod passkey;
mod reset;
mod signup;
mod totp;

pub use form::{CsrfInput, ErrorAlert};
pub use login::{LoginPage, LoginTotpPage};
pub use notice::{NoticePage, SignedInPage};
pub use passkey::{PASSKEY_SCRIPT, PasskeyLogin, PasskeyRow, PasskeysPage};
pub use reset::{ResetPasswordPage, ResetRequestPage};
pub use signup::SignupPage;
pub use totp::{RecoveryCodesPage, TotpSetupPage};

#[cfg(test)]
mod tests;
