//! How long a signed-in session lives: it ends after [`IDLE_TIMEOUT_MS`]
//! without a request, and after [`ABSOLUTE_TIMEOUT_MS`] whatever happens.

/// A session unused this long is over.
pub const IDLE_TIMEOUT_MS: i64 = 30 * 60 * 1000;
/// No session lives longer than this.
pub const ABSOLUTE_TIMEOUT_MS: i64 = 12 * 60 * 60 * 1000;

/// Whether a session may still be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionState {
    Live,
    IdleExpired,
    AbsoluteExpired,
}

/// Judges a session made at `created_ms` and last used at `last_seen_ms`.
pub fn state(created_ms: i64, last_seen_ms: i64, now_ms: i64) -> SessionState {
    if now_ms.saturating_sub(created_ms) >= ABSOLUTE_TIMEOUT_MS {
        SessionState::AbsoluteExpired
    } else if now_ms.saturating_sub(last_seen_ms) >= IDLE_TIMEOUT_MS {
        SessionState::IdleExpired
    } else {
        SessionState::Live
    }
}

/// How stale `last_seen_ms` may get before a request writes it again. Each
/// write is a durable commit; once a minute per session is plenty for a
/// 30-minute idle timeout (a session may end up to this much early, never late).
pub const TOUCH_EVERY_MS: i64 = 60 * 1000;

/// Whether a request at `now_ms` should record itself as the session's last use.
pub fn needs_touch(last_seen_ms: i64, now_ms: i64) -> bool {
    now_ms.saturating_sub(last_seen_ms) >= TOUCH_EVERY_MS
}

/// How far a sign-in has got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Password accepted; a one-time code is still owed.
    Totp,
    /// Password accepted; this role must set up TOTP before anything else.
    TotpSetup,
    /// Fully signed in.
    Full,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Totp => "totp",
            Stage::TotpSetup => "totp_setup",
            Stage::Full => "full",
        }
    }

    pub fn parse(s: &str) -> Option<Stage> {
        [Stage::Totp, Stage::TotpSetup, Stage::Full]
            .into_iter()
            .find(|st| st.as_str() == s)
    }

    /// The stage right after the password: a code if TOTP is on, setup if
    /// the role needs it and it is off, else done.
    pub fn after_password(totp_enabled: bool, role: super::Role) -> Stage {
        if totp_enabled {
            Stage::Totp
        } else if role.requires_totp() {
            Stage::TotpSetup
        } else {
            Stage::Full
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::Role;

    #[test]
    fn use_is_recorded_at_most_once_a_minute() {
        let t0 = 1_700_000_000_000;
        assert!(!needs_touch(t0, t0));
        assert!(!needs_touch(t0, t0 + TOUCH_EVERY_MS - 1));
        assert!(needs_touch(t0, t0 + TOUCH_EVERY_MS));
        // Even the staleest record keeps the session alive long enough.
        assert_eq!(state(t0, t0, t0 + TOUCH_EVERY_MS), SessionState::Live);
    }

    #[test]
    fn idle_and_absolute_timeouts() {
        let t0 = 1_700_000_000_000;
        assert_eq!(state(t0, t0, t0), SessionState::Live);
        assert_eq!(state(t0, t0, t0 + IDLE_TIMEOUT_MS - 1), SessionState::Live);
        assert_eq!(
            state(t0, t0, t0 + IDLE_TIMEOUT_MS),
            SessionState::IdleExpired
        );
        // Kept busy, it still ends at the absolute limit.
        let busy = t0 + ABSOLUTE_TIMEOUT_MS - 1000;
        assert_eq!(state(t0, busy, busy + 999), SessionState::Live);
        assert_eq!(
            state(t0, busy, t0 + ABSOLUTE_TIMEOUT_MS),
            SessionState::AbsoluteExpired
        );
    }

    #[test]
    fn stages_after_the_password() {
        assert_eq!(Stage::after_password(true, Role::Patient), Stage::Totp);
        assert_eq!(Stage::after_password(false, Role::Patient), Stage::Full);
        assert_eq!(Stage::after_password(false, Role::Admin), Stage::TotpSetup);
        assert_eq!(Stage::after_password(true, Role::Therapist), Stage::Totp);
        for s in [Stage::Totp, Stage::TotpSetup, Stage::Full] {
            assert_eq!(Stage::parse(s.as_str()), Some(s));
        }
    }
}
