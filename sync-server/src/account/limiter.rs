//! A per-IP token bucket for the sign-in, reset and sign-up endpoints. It
//! lives in memory: each relay instance counts for itself and a restart
//! forgets (see docs/accounts.md).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

/// Requests a client may burst.
pub const BURST: f64 = 10.0;
/// Refill: tokens per minute.
pub const PER_MINUTE: f64 = 10.0;
const MAX_CLIENTS: usize = 100_000;

#[derive(Debug, Default)]
pub struct RateLimiter {
    buckets: Mutex<HashMap<IpAddr, (f64, i64)>>,
}

impl RateLimiter {
    /// Takes one token for `ip` at `now_ms`; false when it has none left.
    pub fn allow(&self, ip: IpAddr, now_ms: i64) -> bool {
        let Ok(mut buckets) = self.buckets.lock() else {
            return false;
        };
        if buckets.len() >= MAX_CLIENTS {
            // Drop the full buckets (clients that have been quiet longest).
            buckets.retain(|_, (tokens, at)| {
                *tokens + (now_ms - *at) as f64 / 60_000.0 * PER_MINUTE < BURST
            });
        }
        let (tokens, at) = buckets.entry(ip).or_insert((BURST, now_ms));
        let refill = (now_ms - *at).max(0) as f64 / 60_000.0 * PER_MINUTE;
        *tokens = (*tokens + refill).min(BURST);
        *at = now_ms;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_per_minute_per_address() {
        let l = RateLimiter::default();
        let a: IpAddr = [10, 0, 0, 1].into();
        let b: IpAddr = [10, 0, 0, 2].into();
        for _ in 0..10 {
            assert!(l.allow(a, 0));
        }
        assert!(!l.allow(a, 0));
        assert!(l.allow(b, 0));
        assert!(!l.allow(a, 5_000));
        assert!(l.allow(a, 7_000));
        assert!(!l.allow(a, 7_000));
    }
}
