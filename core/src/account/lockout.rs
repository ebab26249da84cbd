//! Failed passwords and one-time codes lock an account: after
//! [`MAX_FAILURES`] in a row for [`LOCK_MS`], doubling with every further
//! [`MAX_FAILURES`] failures up to [`MAX_LOCK_MS`]. A success clears the count.

/// Failures in a row that lock the account.
pub const MAX_FAILURES: u32 = 5;
/// The first lock's length.
pub const LOCK_MS: i64 = 15 * 60 * 1000;
/// The longest lock.
pub const MAX_LOCK_MS: i64 = 24 * 60 * 60 * 1000;

/// An account's failure record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Failures {
    pub count: u32,
    pub locked_until_ms: Option<i64>,
}

impl Failures {
    /// Whether sign-in is refused at `now_ms` (even with the right password).
    pub fn is_locked(&self, now_ms: i64) -> bool {
        self.locked_until_ms.is_some_and(|until| now_ms < until)
    }

    /// The record after one more failure at `now_ms`.
    pub fn after_failure(self, now_ms: i64) -> Failures {
        let count = self.count.saturating_add(1);
        let locked_until_ms = if count >= MAX_FAILURES && count.is_multiple_of(MAX_FAILURES) {
            let doublings = (count / MAX_FAILURES - 1).min(16);
            let length = LOCK_MS.saturating_mul(1 << doublings).min(MAX_LOCK_MS);
            Some(now_ms.saturating_add(length))
        } else {
            self.locked_until_ms
        };
        Failures {
            count,
            locked_until_ms,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_lock_for_fifteen_minutes_then_longer() {
        let t0 = 1_700_000_000_000;
        let mut f = Failures::default();
        for _ in 0..4 {
            f = f.after_failure(t0);
            assert!(!f.is_locked(t0));
        }
        f = f.after_failure(t0);
        assert!(f.is_locked(t0));
        assert!(f.is_locked(t0 + LOCK_MS - 1));
        assert!(!f.is_locked(t0 + LOCK_MS));
        let t1 = t0 + LOCK_MS;
        for _ in 0..5 {
            f = f.after_failure(t1);
        }
        assert!(f.is_locked(t1 + 2 * LOCK_MS - 1));
        assert!(!f.is_locked(t1 + 2 * LOCK_MS));
        let mut g = Failures::default();
        for _ in 0..500 {
            g = g.after_failure(t0);
        }
        assert_eq!(g.locked_until_ms, Some(t0 + MAX_LOCK_MS));
    }
}
