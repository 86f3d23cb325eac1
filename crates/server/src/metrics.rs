//! Counters for `GET /metrics`, in the Prometheus text format. Hand-rolled: a
//! few atomics and one histogram do not need a metrics framework.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds (seconds) of the persist-latency histogram buckets.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// A latency histogram with fixed buckets.
#[derive(Default)]
pub struct Histogram {
    counts: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl Histogram {
    pub fn observe(&self, elapsed: Duration) {
        let secs = elapsed.as_secs_f64();
        if let Some(i) = BUCKETS.iter().position(|b| secs <= *b) {
            self.counts[i].fetch_add(1, Ordering::Relaxed);
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micros
            .fetch_add(elapsed.as_micros() as u64, Ordering::Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        let mut cumulative = 0;
        for (bound, count) in BUCKETS.iter().zip(&self.counts) {
            cumulative += count.load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {cumulative}");
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum {sum}\n{name}_count {count}");
    }
}

/// Everything the server counts.
#[derive(Default)]
pub struct Metrics {
    /// Board updates committed to storage.
    pub updates_persisted: AtomicU64,
    /// Batches committed to storage.
    pub batches: AtomicU64,
    /// Storage writes that failed (they are retried).
    pub persist_errors: AtomicU64,
    pub compactions: AtomicU64,
    /// Signals relayed between members.
    pub signals_relayed: AtomicU64,
    /// Signaling messages refused (bad input, limits, auth).
    pub signaling_errors: AtomicU64,
    /// Board updates from viewers that keepers dropped (a client bypassing its read-only UI).
    pub viewer_updates_dropped: AtomicU64,
    /// Time to commit one batch of appends.
    pub persist_latency: Histogram,
}

/// Gauges read at render time from the hub and keepers.
pub struct Gauges {
    pub rooms: usize,
    pub peers: usize,
    pub keepers: usize,
}

impl Metrics {
    /// A transport limit tripped (`inkmesh_transport::Limit::name`). Only
    /// logged for now: the metrics rework replaces this with a counter per
    /// limit.
    pub fn limit_tripped(&self, limit: &'static str) {
        tracing::debug!(limit, "limit tripped");
    }

    pub fn render(&self, gauges: &Gauges) -> String {
        let mut out = String::new();
        let mut gauge = |name: &str, help: &str, value: usize| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
            );
        };
        gauge(
            "inkmesh_rooms",
            "Rooms with at least one member.",
            gauges.rooms,
        );
        gauge(
            "inkmesh_peers",
            "Signaling connections joined to a room (keepers excluded).",
            gauges.peers,
        );
        gauge("inkmesh_keepers", "Keeper peers running.", gauges.keepers);
        let counters = [
            (
                "inkmesh_updates_persisted_total",
                "Board updates committed to storage.",
                &self.updates_persisted,
            ),
            (
                "inkmesh_persist_batches_total",
                "Append batches committed to storage.",
                &self.batches,
            ),
            (
                "inkmesh_persist_errors_total",
                "Storage writes that failed and were retried.",
                &self.persist_errors,
            ),
            (
                "inkmesh_compactions_total",
                "Log compactions into snapshots.",
                &self.compactions,
            ),
            (
                "inkmesh_signals_relayed_total",
                "Signals relayed between room members.",
                &self.signals_relayed,
            ),
            (
                "inkmesh_signaling_errors_total",
                "Signaling messages answered with an error.",
                &self.signaling_errors,
            ),
            (
                "inkmesh_viewer_updates_dropped_total",
                "Board updates from viewers that keepers dropped.",
                &self.viewer_updates_dropped,
            ),
        ];
        for (name, help, value) in counters {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                value.load(Ordering::Relaxed)
            );
        }
        self.persist_latency.render(
            &mut out,
            "inkmesh_persist_seconds",
            "Time to commit one batch of board updates.",
        );
        out
    }
}
