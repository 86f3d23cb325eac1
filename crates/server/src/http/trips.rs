//! Counts the trips of the HTTP limits that tower-http enforces by answering
//! for the handler: 408 from the request timeout, 413 from the body limit.
//! (No handler answers those statuses itself, so the status says which limit.)

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use crate::limits::label;
use crate::metrics::Metrics;

pub async fn count_limit_trips(
    State(metrics): State<Arc<Metrics>>,
    request: Request,
    next: Next,
) -> Response {
    let response = next.run(request).await;
    match response.status() {
        StatusCode::REQUEST_TIMEOUT => metrics.limit_tripped(label::REQUEST_TIMEOUT),
        StatusCode::PAYLOAD_TOO_LARGE => metrics.limit_tripped(label::BODY_BYTES),
        _ => {}
    }
    response
}

/// Counts only the request timeout's trips, for routes that answer 413
/// themselves (image uploads count their own limits, their 408 included).
pub async fn count_timeouts(
    State(metrics): State<Arc<Metrics>>,
    request: Request,
    next: Next,
) -> Response {
    let request_method = request.method().clone();
    let response = next.run(request).await;
    if request_method != Method::PUT && response.status() == StatusCode::REQUEST_TIMEOUT {
        metrics.limit_tripped(label::REQUEST_TIMEOUT);
    }
    response
}
