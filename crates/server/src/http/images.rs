//! `PUT` and `GET /api/rooms/{room}/images/{sha256}`: a room's images, stored
//! by the SHA-256 of their bytes (docs/PROTOCOL.md, "HTTP API").
//!
//! An upload is checked in the order the protocol gives, and nothing is
//! stored unless every check passes: its size (read no further than
//! [`IMAGE_MAX_BYTES`]), its declared type, that it decodes completely as
//! that type ([`crate::images::check`]), that its hash is the one the URL
//! names, and the room's quota (checked by the store in the transaction
//! that stores it).

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::StreamExt;
use inkmesh_transport::Role;
use std::time::Duration;
use tokio::time::Instant;

use super::rooms::{bearer, TokenQuery, VERSION_CACHE_CONTROL};
use crate::auth::check_room;
use crate::config::ImageUploadLimits;
use crate::error::{ApiError, Code};
use crate::images::{check, is_sha256_hex, sha256_hex, ImageType, Invalid};
use crate::limits::{
    label, IMAGE_MAX_BYTES, IMAGE_UPLOADS, IMAGE_UPLOADS_PER_ROOM, IMAGE_UPLOAD_RETRY_AFTER,
};
use crate::state::AppState;
use crate::stores::{ImagePut, NewImage};

/// `PUT /api/rooms/{room}/images/{sha256}`: stores an image for the room;
/// editors only. `201` when stored, `200` when the room had it already.
/// Bounded by [`ImageUploadLimits::total`] rather than the API's request
/// timeout; `408` past it.
pub async fn put(
    State(app): State<AppState>,
    Path((room, sha256)): Path<(String, String)>,
    Query(query): Query<TokenQuery>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let limits = app.config.image_upload;
    let metrics = app.metrics.clone();
    let upload = put_within_limits(app, room, sha256, query, headers, body);
    match tokio::time::timeout(limits.total, upload).await {
        Ok(answer) => answer.into_response(),
        Err(_) => {
            metrics.limit_tripped(label::IMAGE_UPLOAD_SLOW);
            too_slow(format!(
                "The upload took longer than {} s, the most this server gives one image.",
                limits.total.as_secs()
            ))
        }
    }
}

/// `408` with the API's error shape; the code says the request was refused.
fn too_slow(message: String) -> Response {
    (
        StatusCode::REQUEST_TIMEOUT,
        Json(ApiError::bad_request(message)),
    )
        .into_response()
}

async fn put_within_limits(
    app: AppState,
    room: String,
    sha256: String,
    query: TokenQuery,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    check_room(&room)?;
    let claims = app.auth.authorize(bearer(&headers, &query), &room)?;
    if claims.role != Role::Editor {
        return Err(ApiError::new(
            Code::Forbidden,
            "Only editors may add images; this token is a viewer's.",
        ));
    }
    let metrics = app.metrics.clone();
    let refuse = |limit: &'static str, error: ApiError| {
        metrics.limit_tripped(limit);
        error
    };
    let too_large = || {
        ApiError::new(
            Code::TooLarge,
            format!(
                "The image is larger than {} MiB, the most this server stores.",
                IMAGE_MAX_BYTES >> 20
            ),
        )
    };
    let declared_length = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared_length.is_some_and(|n| n > IMAGE_MAX_BYTES as u64) {
        return Err(refuse(label::IMAGE_BYTES, too_large()));
    }
    // Refused at once rather than queued: a room's queued uploads would
    // still take the server-wide places as they free, ahead of other rooms.
    let Some(_room_place) = app.image_work.rooms.try_take(&room) else {
        metrics.limit_tripped(label::IMAGE_UPLOADS_ROOM);
        let error = ApiError::new(
            Code::RateLimited,
            format!(
                "Room {room} has {IMAGE_UPLOADS_PER_ROOM} uploads in progress, the most this \
                 server reads at once for one room; try again in {} s.",
                IMAGE_UPLOAD_RETRY_AFTER.as_secs()
            ),
        );
        let retry_after = [(
            header::RETRY_AFTER,
            IMAGE_UPLOAD_RETRY_AFTER.as_secs().to_string(),
        )];
        return Ok((retry_after, error).into_response());
    };
    // Before reading the body (the store checks again as it stores), and
    // after taking the room's place: this is a storage round trip (up to
    // TOMBSTONE_LOOKUP_TIMEOUT), so one room's uploads hold at most their
    // room's places while it runs, never the server-wide ones.
    crate::deletion::refuse_deleted(&app.store, &room).await?;
    // Waits for a place within the request timeout (a waiting upload holds
    // no body yet); the body is read only once one is held. The semaphore is
    // never closed.
    let waiting = app.image_work.uploads.clone().acquire_owned();
    let _reading = match tokio::time::timeout(app.config.request_timeout, waiting).await {
        Ok(place) => {
            place.map_err(|e| ApiError::internal("waiting to read an upload failed", e))?
        }
        Err(_) => {
            metrics.limit_tripped(label::REQUEST_TIMEOUT);
            return Ok(too_slow(format!(
                "The server was reading {IMAGE_UPLOADS} other uploads for longer than {} s; \
                 try again shortly.",
                app.config.request_timeout.as_secs()
            )));
        }
    };
    let bytes = match read_at_most(body, IMAGE_MAX_BYTES, &app.config.image_upload).await {
        Read::Whole(bytes) => bytes,
        Read::TooLarge => return Err(refuse(label::IMAGE_BYTES, too_large())),
        Read::Slow => {
            metrics.limit_tripped(label::IMAGE_UPLOAD_SLOW);
            return Ok(too_slow(format!(
                "The upload arrived slower than {} KiB/s, the least this server waits for; \
                 try again on a faster connection.",
                app.config.image_upload.min_bytes_per_sec >> 10
            )));
        }
        Read::Broken(e) => {
            return Err(ApiError::bad_request(format!(
                "The upload did not arrive whole: {e}."
            )))
        }
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let Some(kind) = ImageType::from_content_type(content_type) else {
        return Err(refuse(
            label::IMAGE_TYPE,
            ApiError::new(
                Code::UnsupportedType,
                format!(
                    "Images must be PNG, JPEG, GIF or WebP (Content-Type image/png, image/jpeg, \
                     image/gif or image/webp), not {content_type:?}. SVG is not stored: it can \
                     carry script and links to other sites."
                ),
            ),
        ));
    };
    let decoding = app
        .image_work
        .decodes
        .clone()
        .acquire_owned()
        .await
        .map_err(|e| ApiError::internal("waiting to check an upload failed", e))?;
    let (checked, bytes) = tokio::task::spawn_blocking(move || {
        // Held by the decode itself: a request that times out meanwhile does
        // not free the place while its decode still runs.
        let _decoding = decoding;
        let checked = check(&bytes, kind).map(|()| sha256_hex(&bytes));
        (checked, bytes)
    })
    .await
    .map_err(|e| ApiError::internal("checking an image failed", e))?;
    let actual = checked.map_err(|invalid: Invalid| {
        refuse(
            label::IMAGE_INVALID,
            ApiError::new(Code::Unprocessable, invalid.to_string()),
        )
    })?;
    if actual != sha256 {
        return Err(refuse(
            label::IMAGE_HASH,
            ApiError::new(
                Code::Unprocessable,
                format!(
                    "The image's SHA-256 is {actual}, not {sha256} as the URL says: \
                     name an image by the lowercase hex SHA-256 of its bytes."
                ),
            ),
        ));
    }
    let store = app.store.clone();
    let quota = app.config.room_image_max_bytes;
    let (stored_room, size) = (room.clone(), bytes.len());
    let put = tokio::task::spawn_blocking(move || {
        store.put_image(
            &stored_room,
            NewImage {
                sha256: &actual,
                mime: kind.mime,
                bytes: &bytes,
            },
            quota,
        )
    })
    .await
    .map_err(|e| ApiError::internal("storing an image failed", e))?
    .map_err(|e| ApiError::internal("storing an image failed", e))?;
    let status = match put {
        ImagePut::Stored => StatusCode::CREATED,
        ImagePut::AlreadyStored => StatusCode::OK,
        ImagePut::RoomDeleted => return Err(ApiError::board_deleted(&room)),
        ImagePut::OverQuota { stored_bytes } => {
            return Err(refuse(
                label::ROOM_IMAGE_BYTES,
                ApiError::new(
                    Code::TooLarge,
                    format!(
                        "Room {room} holds {} MiB of images; this one would take it over \
                         {} MiB, the most this server keeps per room. Images no longer on \
                         the board or in its kept history are removed in time.",
                        stored_bytes >> 20,
                        quota >> 20
                    ),
                ),
            ))
        }
    };
    Ok((
        status,
        Json(serde_json::json!({ "sha256": sha256, "type": kind.mime, "size": size })),
    )
        .into_response())
}

/// `GET /api/rooms/{room}/images/{sha256}`: one of the room's images, for any
/// of its tokens. Immutable (named by its hash), so cached for a year.
pub async fn get(
    State(app): State<AppState>,
    Path((room, sha256)): Path<(String, String)>,
    Query(query): Query<TokenQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    check_room(&room)?;
    app.auth.authorize(bearer(&headers, &query), &room)?;
    let not_found = || ApiError::new(Code::NotFound, format!("Room {room} has no such image."));
    if !is_sha256_hex(&sha256) {
        return Err(not_found());
    }
    let store = app.store.clone();
    let (stored_room, stored_sha256) = (room.clone(), sha256.clone());
    let image = tokio::task::spawn_blocking(move || store.image(&stored_room, &stored_sha256))
        .await
        .map_err(|e| ApiError::internal("reading an image failed", e))?
        .map_err(|e| ApiError::internal("reading an image failed", e))?
        .ok_or_else(not_found)?;
    Ok((
        [
            (header::CONTENT_TYPE, image.mime),
            (header::CACHE_CONTROL, VERSION_CACHE_CONTROL.to_owned()),
            (header::ETAG, format!("\"{sha256}\"")),
        ],
        image.bytes,
    )
        .into_response())
}

/// What reading an upload's body came to.
enum Read {
    Whole(Vec<u8>),
    /// Over the limit; nothing more of it was read or kept.
    TooLarge,
    /// Slower than [`ImageUploadLimits::min_bytes_per_sec`] on average, once
    /// its grace had passed.
    Slow,
    Broken(axum::Error),
}

/// The body's bytes, read no further than `limit` bytes and no slower than
/// the minimum rate: each chunk must arrive by the time the bytes so far
/// would have taken at that rate, plus the grace.
async fn read_at_most(body: Body, limit: usize, rate: &ImageUploadLimits) -> Read {
    let started = Instant::now();
    let bytes_per_sec = rate.min_bytes_per_sec.max(1) as f64;
    let mut bytes = Vec::new();
    let mut chunks = body.into_data_stream();
    loop {
        let earned = Duration::from_secs_f64(bytes.len() as f64 / bytes_per_sec);
        let due = started + rate.rate_grace + earned;
        let chunk = match tokio::time::timeout_at(due, chunks.next()).await {
            Err(_) => return Read::Slow,
            Ok(None) => return Read::Whole(bytes),
            Ok(Some(Err(e))) => return Read::Broken(e),
            Ok(Some(Ok(chunk))) => chunk,
        };
        if bytes.len() + chunk.len() > limit {
            return Read::TooLarge;
        }
        bytes.extend_from_slice(&chunk);
    }
}
