//! Prometheus metrics of the relay. Labels carry routes and error codes only,
//! never anything about a person.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpLabels {
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FrameLabels {
    pub kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ErrorLabels {
    pub code: String,
}

/// Every metric the relay exports. Cheap to clone.
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Registry,
    http_requests: Family<HttpLabels, Counter>,
    quic_connections: Counter,
    quic_connections_open: Gauge,
    frames: Family<FrameLabels, Counter>,
    frame_errors: Family<ErrorLabels, Counter>,
    blobs_stored: Counter,
    /// Plain totals for the console's charts (see [`Snapshot`]).
    http_total: AtomicU64,
    errors_total: AtomicU64,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("bloom_relay");
        let http_requests = Family::<HttpLabels, Counter>::default();
        let quic_connections = Counter::default();
        let quic_connections_open = Gauge::default();
        let frames = Family::<FrameLabels, Counter>::default();
        let frame_errors = Family::<ErrorLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests by route and status",
            http_requests.clone(),
        );
        registry.register(
            "quic_connections",
            "QUIC connections accepted",
            quic_connections.clone(),
        );
        registry.register(
            "quic_connections_open",
            "QUIC connections open now",
            quic_connections_open.clone(),
        );
        registry.register("frames", "Sync frames received by kind", frames.clone());
        registry.register(
            "frame_errors",
            "Sync frames refused by error code",
            frame_errors.clone(),
        );
        let blobs_stored = Counter::default();
        registry.register(
            "blobs_stored",
            "Sealed blobs stored in the log",
            blobs_stored.clone(),
        );
        Metrics {
            inner: Arc::new(Inner {
                blobs_stored,
                registry,
                http_requests,
                quic_connections,
                quic_connections_open,
                frames,
                frame_errors,
                http_total: AtomicU64::new(0),
                errors_total: AtomicU64::new(0),
            }),
        }
    }

    pub fn http_request(&self, route: &str, status: u16) {
        self.inner
            .http_requests
            .get_or_create(&HttpLabels {
                route: route.to_owned(),
                status,
            })
            .inc();
        self.inner.http_total.fetch_add(1, Ordering::Relaxed);
        if status >= 500 {
            self.inner.errors_total.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub fn connection_opened(&self) {
        self.inner.quic_connections.inc();
        self.inner.quic_connections_open.inc();
    }

    pub fn connection_closed(&self) {
        self.inner.quic_connections_open.dec();
    }

    pub fn frame(&self, kind: &str) {
        self.inner
            .frames
            .get_or_create(&FrameLabels {
                kind: kind.to_owned(),
            })
            .inc();
    }

    pub fn blob_stored(&self) {
        self.inner.blobs_stored.inc();
    }

    pub fn frame_error(&self, code: bloom_core::Code) {
        self.inner
            .frame_errors
            .get_or_create(&ErrorLabels {
                code: code.as_str().to_owned(),
            })
            .inc();
        self.inner.errors_total.fetch_add(1, Ordering::Relaxed);
    }

    /// The totals the console charts, read at one moment.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            connections_open: self.inner.quic_connections_open.get().max(0) as u64,
            blobs_stored: self.inner.blobs_stored.get(),
            errors: self.inner.errors_total.load(Ordering::Relaxed),
            http_requests: self.inner.http_total.load(Ordering::Relaxed),
        }
    }

    /// The text exposition, as served on `/metrics`.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.inner.registry);
        out
    }
}

/// Counter totals since start (and the open-connection gauge).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    pub connections_open: u64,
    pub blobs_stored: u64,
    /// Sync frames refused plus HTTP 5xx answers.
    pub errors: u64,
    pub http_requests: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_has_help_type_and_values() {
        let m = Metrics::new();
        m.connection_opened();
        m.frame("ping");
        m.frame_error(bloom_core::Code::FrameMalformed);
        m.http_request("/healthz", 200);
        let text = m.render();
        assert!(
            text.contains("# TYPE bloom_relay_quic_connections counter"),
            "{text}"
        );
        assert!(
            text.contains("bloom_relay_quic_connections_open 1"),
            "{text}"
        );
        assert!(
            text.contains(r#"bloom_relay_frames_total{kind="ping"} 1"#),
            "{text}"
        );
        assert!(
            text.contains(r#"bloom_relay_frame_errors_total{code="frame.malformed"} 1"#),
            "{text}"
        );
        assert!(text.trim_end().ends_with("# EOF"), "{text}");
    }
}
