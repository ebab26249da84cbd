//! The web side's clock: the system time plus an offset that only tests
//! move (sessions, lockouts and rate limits all read it), so timeouts are
//! tested by advancing it, never by sleeping.

use std::sync::atomic::{AtomicI64, Ordering};

#[derive(Debug, Default)]
pub struct Clock {
    offset_ms: AtomicI64,
}

impl Clock {
    /// Milliseconds since the Unix epoch.
    pub fn now_ms(&self) -> i64 {
        crate::quic::now_ms().saturating_add(self.offset_ms.load(Ordering::Relaxed))
    }

    /// Moves the clock forward (tests).
    pub fn advance(&self, ms: i64) {
        self.offset_ms.fetch_add(ms, Ordering::Relaxed);
    }
}
