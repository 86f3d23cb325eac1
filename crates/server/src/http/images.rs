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

use super::rooms::{bearer, TokenQuery, VERSION_CACHE_CONTROL};
use crate::auth::check_room;
use crate::error::{ApiError, Code};
use crate::images::{check, is_sha256_hex, sha256_hex, ImageType, Invalid};
use crate::limits::{label, IMAGE_MAX_BYTES};
use crate::state::AppState;
use crate::stores::{ImagePut, NewImage};

/// `PUT /api/rooms/{room}/images/{sha256}`: stores an image for the room;
/// editors only. `201` when stored, `200` when the room had it already.
pub async fn put(
    State(app): State<AppState>,
    Path((room, sha256)): Path<(String, String)>,
    Query(query): Query<TokenQuery>,
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
    // Waits for a place, bounded by the request timeout (408); the body is
    // read only once one is held. The semaphore is never closed.
    let _reading = app
        .image_work
        .uploads
        .clone()
        .acquire_owned()
        .await
        .map_err(|e| ApiError::internal("waiting to read an upload failed", e))?;
    let bytes = match read_at_most(body, IMAGE_MAX_BYTES).await {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return Err(refuse(label::IMAGE_BYTES, too_large())),
        Err(e) => {
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

/// The body's bytes, or `None` as soon as it is over `limit` bytes (nothing
/// more of it is read or kept).
async fn read_at_most(body: Body, limit: usize) -> Result<Option<Vec<u8>>, axum::Error> {
    let mut bytes = Vec::new();
    let mut chunks = body.into_data_stream();
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk?;
        if bytes.len() + chunk.len() > limit {
            return Ok(None);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Some(bytes))
}
