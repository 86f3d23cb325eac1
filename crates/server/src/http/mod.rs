//! The HTTP side: the API, health and metrics, the web client, and the layers
//! around them (open mode's guard, CORS, compression, tracing without tokens,
//! `nosniff`, body limits, timeouts).

pub mod guard;
pub mod health;
pub mod images;
pub mod rooms;
pub mod trace;
pub mod trips;
pub mod web;

use std::sync::Arc;

use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::from_fn_with_state;
use axum::routing::{delete, get, post};
use axum::Router;
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;

use crate::signal::connection;
use crate::state::AppState;

/// Every route of the server.
pub fn router(state: AppState) -> Router {
    let config = state.config.clone();
    let metrics = state.metrics.clone();
    let open_mode = state.auth.is_open();
    let api = Router::new()
        .route("/api/rooms/{room}", delete(rooms::delete))
        .route("/api/rooms/{room}/snapshot", get(rooms::snapshot))
        .route("/api/rooms/{room}/render", get(rooms::render))
        .route("/api/rooms/{room}/board.svg", get(rooms::svg))
        .route("/api/rooms/{room}/history", get(rooms::history))
        .route("/api/rooms/{room}/history/{id}", get(rooms::version))
        .route("/api/rooms/{room}/token", post(rooms::token))
        .route("/healthz", get(health::healthz))
        .route("/metrics", get(health::metrics))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            config.request_timeout,
        ))
        .layer(RequestBodyLimitLayer::new(config.max_body_bytes))
        .layer(from_fn_with_state(
            metrics.clone(),
            trips::count_limit_trips,
        ));
    // Image uploads are bodies of up to `IMAGE_MAX_BYTES`, which the handler
    // reads itself (answering its own 413), so they are outside the API's
    // 64 KiB body limit. They are outside its request timeout too, which a
    // large photo on a slow uplink could never meet: the handler bounds them
    // by a minimum rate and a longer total (`ImageUploadLimits`). Reads keep
    // the request timeout (the layer covers only the methods before it).
    let images = Router::new()
        .route(
            "/api/rooms/{room}/images/{sha256}",
            get(images::get)
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::REQUEST_TIMEOUT,
                    config.request_timeout,
                ))
                .put(images::put),
        )
        .layer(from_fn_with_state(metrics.clone(), trips::count_timeouts));
    let mut router = Router::new()
        // The socket lives as long as the member: no request timeout.
        .route("/api/signal", get(connection::upgrade))
        .merge(api)
        .merge(images)
        .merge(web::routes(&config))
        .with_state(state)
        // Boards are compact binary already, so the fastest levels keep nearly
        // all of the saving at a fraction of the time. A 10,000-stroke snapshot
        // (3.9 MB) on loopback: brotli 1.90 MB in 120 ms at the default level,
        // 2.02 MB in 48 ms at the fastest; gzip 260 ms against 41 ms.
        .layer(CompressionLayer::new().quality(CompressionLevel::Fastest));
    if !config.allow_origins.is_empty() {
        let origins: Vec<HeaderValue> = config
            .allow_origins
            .iter()
            .filter_map(|o| HeaderValue::from_str(o).ok())
            .collect();
        router = router.layer(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(origins))
                // No DELETE: deleting takes the admin token, which belongs
                // to a backend, never to a page, so no page needs to send one.
                .allow_methods([Method::GET, Method::POST, Method::PUT])
                .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE]),
        );
    }
    if open_mode {
        let guard = guard::OpenModeGuard::new(
            &config.allow_origins,
            config.allow_open_mode_on_network,
            metrics,
        );
        router = router.layer(from_fn_with_state(Arc::new(guard), guard::open_mode_guard));
    }
    router
        // Browsers must take every answer as the type it says it is: an SVG
        // or a JSON error holding user text is never sniffed into HTML.
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(trace::layer())
}
