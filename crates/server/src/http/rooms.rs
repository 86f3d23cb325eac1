//! The room API: the board for a fast first paint (its snapshot and render
//! stream), as SVG, its history, and guest tokens in open mode.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;
use inkmesh_transport::Role;
use serde::{Deserialize, Serialize};
use tracing::warn;

use crate::auth::{check_room, now_secs, Claims};
use crate::cold::{first_view_parts, View, FIRST_VIEW_SIDES};
use crate::deletion::{delete_board, refuse_deleted};
use crate::error::{ApiError, Code};
use crate::ids::new_peer_id;
use crate::limits::{label, GUEST_TOKEN_SECS, MAX_NAME_CHARS};
use crate::state::AppState;
use crate::view_body::{accepts_brotli, ViewBody};

/// A version never changes: a browser may keep it a year, for this user only
/// (it is behind the room's auth). Images, stored by their hash, neither.
pub(crate) const VERSION_CACHE_CONTROL: &str = "private, max-age=31536000, immutable";

/// What an SVG of the board may do when opened by itself: nothing. It holds
/// text members typed, so no script, no fetch, no frame, its own origin
/// (`sandbox`). The export uses presentation attributes only, which need no
/// `style-src`.
const SVG_CSP: &str = "default-src 'none'; sandbox";

#[derive(Debug, Default, Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

/// The token from `Authorization: Bearer` or, for `<img src>` and the like, `?token=`.
pub(crate) fn bearer<'a>(headers: &'a HeaderMap, query: &'a TokenQuery) -> Option<&'a str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .or(query.token.as_deref())
}

/// Checks the room name, that the request may read it, and that its board
/// was not deleted (410 `board_deleted`).
///
/// In open mode a request without a token reads too: anyone who reaches
/// the server may mint one (`POST .../token`), so asking for it first only
/// held a joining page's snapshot back by a round trip. A token that is
/// sent is checked all the same, so a client learns that it is refused.
async fn authorize(
    app: &AppState,
    room: &str,
    headers: &HeaderMap,
    query: &TokenQuery,
) -> Result<(), ApiError> {
    check_room(room)?;
    let token = bearer(headers, query).filter(|t| !t.is_empty());
    if token.is_some() || !app.auth.is_open() {
        app.auth.authorize(token, room)?;
    }
    refuse_deleted(&app.store, room).await
}

/// `GET /api/rooms/{room}/snapshot`: the whole board as one Yjs v1 update.
pub async fn snapshot(
    State(app): State<AppState>,
    Path(room): Path<String>,
    Query(query): Query<TokenQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    authorize(&app, &room, &headers, &query).await?;
    let update = app.keepers.view(&room, View::Snapshot).await?;
    served(&headers, "application/octet-stream", update).await
}

#[derive(Debug, Default, Deserialize)]
pub struct RenderQuery {
    token: Option<String>,
    /// `WxH`: only the first view of a window of W × H CSS px.
    first: Option<String>,
}

/// The answer's header with the whole render stream's record count, when it
/// holds only a first view.
const BOARD_ELEMENTS: &str = "inkmesh-board-elements";

/// `GET /api/rooms/{room}/render`: the render stream, which a joining page
/// draws before the snapshot is applied; with `?first=WxH`, only what a
/// window of that size shows first (`docs/PROTOCOL.md`), which comes and
/// decodes in a fraction of the time.
pub async fn render(
    State(app): State<AppState>,
    Path(room): Path<String>,
    Query(query): Query<RenderQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    authorize(&app, &room, &headers, &TokenQuery { token: query.token }).await?;
    let first = query.first.as_deref().map(first_view).transpose()?;
    let Some(view) = first else {
        let stream = app.keepers.view(&room, View::Render).await?;
        return served(&headers, "application/octet-stream", stream).await;
    };
    // A first view is a few kilobytes: the compression layer's turn.
    let (elements, stream) = first_view_parts(app.keepers.view(&room, view).await?.bytes());
    Ok((
        [(BOARD_ELEMENTS, elements.to_string())],
        fresh("application/octet-stream", stream),
    )
        .into_response())
}

/// The first view `?first=` asks for: `WxH`, each a whole number of CSS px
/// from 1 to the largest first view's side.
fn first_view(asked: &str) -> Result<View, ApiError> {
    let size = asked
        .split_once('x')
        .and_then(|(w, h)| Some((w.parse::<u32>().ok()?, h.parse::<u32>().ok()?)));
    size.and_then(|(w, h)| View::first_view(w, h)).ok_or_else(|| {
        ApiError::new(
            Code::BadRequest,
            format!(
                "?first= takes a window's size as WIDTHxHEIGHT, each 1 to {} px (got {asked:?}); without it, the whole render stream.",
                FIRST_VIEW_SIDES[FIRST_VIEW_SIDES.len() - 1]
            ),
        )
    })
}

/// `GET /api/rooms/{room}/board.svg`
pub async fn svg(
    State(app): State<AppState>,
    Path(room): Path<String>,
    Query(query): Query<TokenQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    authorize(&app, &room, &headers, &query).await?;
    let svg = app.keepers.view(&room, View::Svg).await?;
    let svg = served(&headers, "image/svg+xml", svg).await?;
    let contained = [
        (header::CONTENT_SECURITY_POLICY, SVG_CSP),
        (
            header::CONTENT_DISPOSITION,
            "inline; filename=\"board.svg\"",
        ),
    ];
    Ok((contained, svg).into_response())
}

/// A kept view as the answer, as [`fresh`] makes it: its brotli copy
/// ([`ViewBody`], made by the first request to want it) when the request
/// accepts `br`, else the view as encoded, which the compression layer may
/// still compress as the request asks.
async fn served(
    headers: &HeaderMap,
    content_type: &'static str,
    body: ViewBody,
) -> Result<Response, ApiError> {
    if !accepts_brotli(headers) {
        return Ok(fresh(content_type, body.bytes().clone()));
    }
    let copy = match body.brotli_made() {
        Some(copy) => copy,
        None => {
            let body = body.clone();
            tokio::task::spawn_blocking(move || body.brotli())
                .await
                .map_err(|e| ApiError::internal("compressing the board failed", e))?
        }
    };
    Ok(match copy {
        Some(copy) => (
            [
                (header::CONTENT_ENCODING, "br"),
                (header::VARY, "accept-encoding"),
            ],
            fresh(content_type, copy),
        )
            .into_response(),
        None => fresh(content_type, body.bytes().clone()),
    })
}

/// A live view of a board: never cached, since the board changes under it.
fn fresh(content_type: &'static str, body: impl IntoResponse) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

/// `GET /api/rooms/{room}/history`: the kept snapshots, newest first.
pub async fn history(
    State(app): State<AppState>,
    Path(room): Path<String>,
    Query(query): Query<TokenQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    authorize(&app, &room, &headers, &query).await?;
    let store = app.store.clone();
    let snapshots = tokio::task::spawn_blocking(move || store.history(&room))
        .await
        .map_err(|e| ApiError::internal("reading the history failed", e))?
        .map_err(|e| ApiError::internal("reading the history failed", e))?;
    Ok(Json(serde_json::json!({ "snapshots": snapshots })).into_response())
}

/// `GET /api/rooms/{room}/history/{id}`: one kept version, encoded as the
/// snapshot is. A version never changes, so it may be cached (by the browser
/// only: it is behind the room's token).
pub async fn version(
    State(app): State<AppState>,
    Path((room, id)): Path<(String, String)>,
    Query(query): Query<TokenQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    authorize(&app, &room, &headers, &query).await?;
    // Not a number: no such version either.
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::new(Code::NotFound, format!("Room {room} has no such version.")))?;
    let update = app.keepers.version(&room, id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream"),
            (header::CACHE_CONTROL, VERSION_CACHE_CONTROL),
        ],
        update,
    )
        .into_response())
}

/// `DELETE /api/rooms/{room}`: deletes the board with the operator's admin
/// token (see [`crate::admin`] for why no room token can), and answers 204.
/// Its members are disconnected with `board_deleted`, and the room answers
/// 410 from then on ([`crate::deletion`]). Deleting a deleted board, or a
/// name that never held one (tombstoned all the same), answers 204 again.
/// Storage may keep the bytes a while (README, "Deleting a board").
pub async fn delete(
    State(app): State<AppState>,
    Path(room): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    check_room(&room)?;
    let Some(admin) = app.admin.as_deref() else {
        return Err(crate::admin::deletion_disabled());
    };
    // The header only: a token in a URL ends up in logs and histories.
    if let Err(refused) = admin.check(bearer(&headers, &TokenQuery::default())) {
        // The room only, never what was sent: a near miss is nearly the token.
        warn!(room, code = ?refused.code, "a board delete was refused: missing or wrong admin token");
        app.metrics.limit_tripped(label::ADMIN_TOKEN);
        return Err(refused);
    }
    delete_board(
        app.store.clone(),
        app.keepers.clone(),
        app.hub.clone(),
        room,
    )
    .await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenRequest {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    role: Option<Role>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct TokenResponse {
    token: String,
    room: String,
    sub: String,
    name: String,
    role: Role,
    /// Seconds since the Unix epoch.
    expires_at: u64,
}

/// `POST /api/rooms/{room}/token`: a guest token, in open mode only. The body
/// is optional: `{"name": "Ada", "role": "viewer"}`.
pub async fn token(
    State(app): State<AppState>,
    Path(room): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    check_room(&room)?;
    if !app.auth.is_open() {
        return Err(ApiError::new(
            Code::Forbidden,
            "This server has an auth secret, so it does not issue tokens: \
             your application's backend mints them with the same secret.",
        ));
    }
    let request: TokenRequest = if body.iter().all(u8::is_ascii_whitespace) {
        TokenRequest::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            ApiError::bad_request(format!(
                "The body must be empty or JSON like {{\"name\": \"Ada\"}}: {e}."
            ))
        })?
    };
    let sub = new_peer_id("guest-");
    let name = request
        .name
        .map(|n| n.trim().chars().take(MAX_NAME_CHARS).collect::<String>())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| format!("Guest {}", &sub[6..10]));
    let claims = Claims {
        room: room.clone(),
        sub: sub.clone(),
        name: name.clone(),
        role: request.role.unwrap_or(Role::Editor),
        exp: now_secs() + GUEST_TOKEN_SECS,
    };
    Ok(Json(TokenResponse {
        token: app.auth.mint(&claims),
        room,
        sub,
        name,
        role: claims.role,
        expires_at: claims.exp,
    })
    .into_response())
}
