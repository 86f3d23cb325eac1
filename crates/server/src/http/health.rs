//! `GET /healthz` and `GET /metrics`.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;
use serde_json::json;

use crate::metrics::Gauges;
use crate::state::AppState;

/// Liveness, with the numbers an operator looks at first.
pub async fn healthz(State(app): State<AppState>) -> impl IntoResponse {
    let (rooms, peers) = app.hub.stats();
    // Still 200 when degraded: every node shares the database, so a load
    // balancer taking failing nodes out would take them all out, while each
    // still relays signaling and keeps its updates until storage is back.
    let storage_failing = app.writer.storage_failing();
    Json(json!({
        "status": if storage_failing { "degraded" } else { "ok" },
        "storage": if storage_failing { "failing" } else { "ok" },
        "rooms": rooms,
        "peers": peers,
        "keepers": app.keepers.running(),
        "keepersDormant": app.keepers.dormant(),
        "openMode": app.auth.is_open(),
    }))
}

/// The OpenMetrics text format (Prometheus scrapes it).
pub async fn metrics(State(app): State<AppState>) -> impl IntoResponse {
    let (rooms, peers) = app.hub.stats();
    let body = app.metrics.render(&Gauges {
        rooms,
        peers,
        keepers: app.keepers.running(),
        keepers_dormant: app.keepers.dormant(),
    });
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        body,
    )
}
