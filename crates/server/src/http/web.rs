//! The built web client: static files from `--web-dir`, and `/b/{room}` (a board
//! link) answered with its `index.html`, which reads the room from the path.
//! Pages may be framed only by this server and the allowed origins.

use std::path::{Path, PathBuf};

use axum::http::{header, HeaderValue};
use axum::response::Html;
use axum::routing::get;
use axum::Router;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::config::ServerConfig;
use crate::state::AppState;

pub fn routes(config: &ServerConfig) -> Router<AppState> {
    let web_dir = resolve_web_dir(&config.web_dir);
    let index = web_dir.join("index.html");
    if !index.is_file() {
        tracing::warn!(
            web_dir = %web_dir.display(),
            "the web client is not built; `/` explains how to build it"
        );
        return Router::new()
            .route("/", get(not_built))
            .route("/b/{room}", get(not_built));
    }
    let ancestors = std::iter::once("'self'")
        .chain(config.allow_origins.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join(" ");
    let csp = HeaderValue::from_str(&format!("frame-ancestors {ancestors}"))
        .unwrap_or_else(|_| HeaderValue::from_static("frame-ancestors 'self'"));
    Router::new()
        .route_service("/b/{room}", ServeFile::new(&index))
        .fallback_service(ServeDir::new(&web_dir).append_index_html_on_directories(true))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            csp,
        ))
}

/// The configured directory, or, when the default relative `web/dist` is not
/// there (the server started from another directory), the one the build script
/// wrote next to this crate's sources.
fn resolve_web_dir(configured: &Path) -> PathBuf {
    let built = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web/dist");
    if configured.is_relative()
        && !configured.join("index.html").is_file()
        && built.join("index.html").is_file()
    {
        return built;
    }
    configured.to_path_buf()
}

async fn not_built() -> Html<&'static str> {
    Html(
        "<!doctype html><meta charset=utf-8><title>Inkmesh</title>\
         <h1>Inkmesh is running</h1>\
         <p>The web client is not built, so there is nothing to draw on yet. Build it with \
         <code>npm ci --prefix web &amp;&amp; npm run build --prefix web</code> \
         (or point <code>--web-dir</code> at a built copy) and restart the server.</p>\
         <p>The API is up: <a href=\"/healthz\">/healthz</a>, <a href=\"/metrics\">/metrics</a>.</p>",
    )
}
