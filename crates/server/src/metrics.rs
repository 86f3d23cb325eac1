//! What the server counts, for `GET /metrics` in the OpenMetrics text format
//! (which Prometheus scrapes). Names are part of the operator's interface:
//! dashboards, alerts, the end-to-end tests and the benchmarks read them.

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// Upper bounds (seconds) of the persist-latency histogram buckets.
const PERSIST_BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// The label of one limit's trip counter: `limit="<name>"`.
type LimitLabel = [(&'static str, &'static str); 1];

/// Everything the server counts. Counters are cheap atomics; clone-free
/// sharing is through `Arc<Metrics>`.
pub struct Metrics {
    /// Board updates committed to storage.
    pub updates_persisted: Counter,
    /// Batches committed to storage.
    pub batches: Counter,
    /// Storage writes that failed (they are retried).
    pub persist_errors: Counter,
    pub compactions: Counter,
    /// Signals relayed between members.
    pub signals_relayed: Counter,
    /// Signaling messages answered with an error (bad input, limits, auth).
    pub signaling_errors: Counter,
    /// Board updates from viewers that keepers dropped (a client bypassing its read-only UI).
    pub viewer_updates_dropped: Counter,
    /// Certificates reloaded after their files changed (`--tls-cert`).
    pub tls_reloads: Counter,
    /// Changed certificate files that did not load (the old pair stays).
    pub tls_reload_failures: Counter,
    /// Queued updates the store fenced (their keeper had lost the room's
    /// lease) and the writer dropped.
    pub updates_fenced: Counter,
    /// Keepers that stepped down because their room moved to another keeper.
    pub keeper_step_downs: Counter,
    /// Board deletions committed to storage (`DELETE /api/rooms/{room}`).
    pub boards_deleted: Counter,
    /// Unreferenced images the image sweep collected.
    pub images_swept: Counter,
    /// Time to commit one batch of appends, in seconds.
    pub persist_latency: Histogram,
    limit_trips: Family<LimitLabel, Counter>,
    rooms: Gauge,
    peers: Gauge,
    keepers: Gauge,
    keepers_dormant: Gauge,
    registry: Registry,
}

/// Gauges read at render time from the hub and keepers.
pub struct Gauges {
    pub rooms: usize,
    pub peers: usize,
    pub keepers: usize,
    pub keepers_dormant: usize,
}

impl Default for Metrics {
    fn default() -> Self {
        let metrics = Metrics {
            updates_persisted: Counter::default(),
            batches: Counter::default(),
            persist_errors: Counter::default(),
            compactions: Counter::default(),
            signals_relayed: Counter::default(),
            signaling_errors: Counter::default(),
            viewer_updates_dropped: Counter::default(),
            tls_reloads: Counter::default(),
            tls_reload_failures: Counter::default(),
            updates_fenced: Counter::default(),
            keeper_step_downs: Counter::default(),
            boards_deleted: Counter::default(),
            images_swept: Counter::default(),
            persist_latency: Histogram::new(PERSIST_BUCKETS),
            limit_trips: Family::default(),
            rooms: Gauge::default(),
            peers: Gauge::default(),
            keepers: Gauge::default(),
            keepers_dormant: Gauge::default(),
            registry: Registry::with_prefix("inkmesh"),
        };
        metrics.registered()
    }
}

impl Metrics {
    /// Registers every metric under its public name (counters get `_total`).
    fn registered(mut self) -> Self {
        let r = &mut self.registry;
        r.register(
            "rooms",
            "Rooms with at least one member on this node",
            self.rooms.clone(),
        );
        r.register(
            "peers",
            "Signaling connections to this node joined to a room (keepers excluded)",
            self.peers.clone(),
        );
        r.register("keepers", "Keeper peers running", self.keepers.clone());
        r.register(
            "keepers_dormant",
            "Keepers in a room's signaling, dormant until someone connects to them",
            self.keepers_dormant.clone(),
        );
        let counters = [
            (
                "updates_persisted",
                "Board updates committed to storage",
                &self.updates_persisted,
            ),
            (
                "persist_batches",
                "Append batches committed to storage",
                &self.batches,
            ),
            (
                "persist_errors",
                "Storage writes that failed and were retried",
                &self.persist_errors,
            ),
            (
                "compactions",
                "Log compactions into snapshots",
                &self.compactions,
            ),
            (
                "signals_relayed",
                "Signals relayed between room members",
                &self.signals_relayed,
            ),
            (
                "signaling_errors",
                "Signaling messages answered with an error",
                &self.signaling_errors,
            ),
            (
                "viewer_updates_dropped",
                "Board updates from viewers that keepers dropped",
                &self.viewer_updates_dropped,
            ),
            (
                "tls_reloads",
                "TLS certificates reloaded after their files changed",
                &self.tls_reloads,
            ),
            (
                "tls_reload_failures",
                "Changed TLS certificate files that did not load (the previous pair is kept)",
                &self.tls_reload_failures,
            ),
            (
                "updates_fenced",
                "Queued board updates dropped because their keeper lost the room's lease",
                &self.updates_fenced,
            ),
            (
                "keeper_step_downs",
                "Keepers that stepped down because their room moved to another keeper",
                &self.keeper_step_downs,
            ),
            (
                "boards_deleted",
                "Board deletions committed to storage by the operator's DELETE",
                &self.boards_deleted,
            ),
            (
                "images_swept",
                "Unreferenced images the periodic image sweep collected",
                &self.images_swept,
            ),
        ];
        for (name, help, counter) in counters {
            r.register(name, help, counter.clone());
        }
        r.register(
            "persist_seconds",
            "Time to commit one batch of board updates",
            self.persist_latency.clone(),
        );
        r.register(
            "limit_trips",
            "Times a server limit tripped, by limit (README.md, \"Limits\")",
            self.limit_trips.clone(),
        );
        self
    }

    /// Counts one trip of the limit named `limit` (a label from
    /// [`crate::limits::label`], or the transport's own limit names).
    pub fn limit_tripped(&self, limit: &'static str) {
        self.limit_trips.get_or_create(&[("limit", limit)]).inc();
    }

    /// How often `limit` has tripped (for tests and the benchmark).
    pub fn limit_trips(&self, limit: &'static str) -> u64 {
        self.limit_trips.get_or_create(&[("limit", limit)]).get()
    }

    /// The OpenMetrics text of every metric, with the gauges set to `gauges`.
    pub fn render(&self, gauges: &Gauges) -> String {
        let as_gauge = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        self.rooms.set(as_gauge(gauges.rooms));
        self.peers.set(as_gauge(gauges.peers));
        self.keepers.set(as_gauge(gauges.keepers));
        self.keepers_dormant.set(as_gauge(gauges.keepers_dormant));
        let mut out = String::new();
        encode(&mut out, &self.registry).expect("writing to a String cannot fail");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_stay_what_dashboards_and_tests_read() {
        let metrics = Metrics::default();
        metrics.viewer_updates_dropped.inc();
        metrics.updates_persisted.inc_by(3);
        metrics.persist_latency.observe(0.002);
        metrics.limit_tripped("connections");
        metrics.limit_tripped("connections");
        let text = metrics.render(&Gauges {
            rooms: 2,
            peers: 5,
            keepers: 1,
            keepers_dormant: 3,
        });
        for line in [
            "inkmesh_rooms 2",
            "inkmesh_peers 5",
            "inkmesh_keepers 1",
            "inkmesh_keepers_dormant 3",
            "inkmesh_updates_persisted_total 3",
            "inkmesh_persist_batches_total 0",
            "inkmesh_persist_errors_total 0",
            "inkmesh_compactions_total 0",
            "inkmesh_signals_relayed_total 0",
            "inkmesh_signaling_errors_total 0",
            "inkmesh_viewer_updates_dropped_total 1",
            "inkmesh_tls_reloads_total 0",
            "inkmesh_tls_reload_failures_total 0",
            "inkmesh_persist_seconds_count 1",
            "inkmesh_persist_seconds_bucket{le=\"0.0025\"} 1",
            "inkmesh_limit_trips_total{limit=\"connections\"} 2",
        ] {
            assert!(text.lines().any(|l| l == line), "{line:?} in\n{text}");
        }
        assert_eq!(metrics.limit_trips("connections"), 2);
    }
}
