//! The last hours of the relay's metrics, kept in memory for the console's
//! charts: one point a minute (connections open, and per-minute increases of
//! blobs stored, errors and web requests). Prometheus keeps the long history.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::metrics::{Metrics, Snapshot};

/// How often a point is taken, and how many are kept (3 hours).
pub const INTERVAL: Duration = Duration::from_secs(60);
pub const POINTS: usize = 180;

/// One point: the gauge's level and the counters' increase since the last point.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Point {
    pub connections_open: u64,
    pub blobs_stored: u64,
    pub errors: u64,
    pub http_requests: u64,
}

#[derive(Clone, Default)]
pub struct History {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Default)]
struct Inner {
    last: Option<Snapshot>,
    points: VecDeque<Point>,
}

impl History {
    /// Adds a point from `now` (totals since start).
    pub fn record(&self, now: Snapshot) {
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        let last = inner.last.unwrap_or_default();
        let point = Point {
            connections_open: now.connections_open,
            blobs_stored: now.blobs_stored.saturating_sub(last.blobs_stored),
            errors: now.errors.saturating_sub(last.errors),
            http_requests: now.http_requests.saturating_sub(last.http_requests),
        };
        inner.last = Some(now);
        inner.points.push_back(point);
        while inner.points.len() > POINTS {
            inner.points.pop_front();
        }
    }

    /// The points kept, oldest first.
    pub fn points(&self) -> Vec<Point> {
        self.inner
            .lock()
            .map(|i| i.points.iter().copied().collect())
            .unwrap_or_default()
    }

    /// Takes a point every [`INTERVAL`] until the task is dropped.
    pub async fn sample(self, metrics: Metrics) {
        let mut tick = tokio::time::interval(INTERVAL);
        loop {
            tick.tick().await;
            self.record(metrics.snapshot());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_become_increases_and_the_window_slides() {
        let h = History::default();
        let m = Metrics::new();
        m.blob_stored();
        m.blob_stored();
        h.record(m.snapshot());
        m.blob_stored();
        m.http_request("/", 500);
        m.connection_opened();
        h.record(m.snapshot());
        let p = h.points();
        assert_eq!(p[0].blobs_stored, 2);
        assert_eq!(
            p[1],
            Point {
                connections_open: 1,
                blobs_stored: 1,
                errors: 1,
                http_requests: 1
            }
        );
        for _ in 0..POINTS + 5 {
            h.record(m.snapshot());
        }
        assert_eq!(h.points().len(), POINTS);
        assert_eq!(h.points()[POINTS - 1].blobs_stored, 0);
    }
}
