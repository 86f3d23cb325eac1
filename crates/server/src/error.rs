//! The one error type of the HTTP API and the signaling socket: a machine code
//! and a human sentence, the same two fields over both (`docs/PROTOCOL.md`, "Signaling").

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

/// What went wrong, for programs. The message says it for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Code {
    /// No token, a bad signature, or an expired token.
    Unauthorized,
    /// A valid token that does not allow this (another room, a disabled endpoint).
    Forbidden,
    RoomFull,
    BadRequest,
    RateLimited,
    TooLarge,
    /// A signal addressed to someone who is not in the sender's room.
    UnknownPeer,
    NotFound,
    /// The server cannot serve the room right now (storage failing, shutting down).
    Unavailable,
    Internal,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Unauthorized => "unauthorized",
            Code::Forbidden => "forbidden",
            Code::RoomFull => "room_full",
            Code::BadRequest => "bad_request",
            Code::RateLimited => "rate_limited",
            Code::TooLarge => "too_large",
            Code::UnknownPeer => "unknown_peer",
            Code::NotFound => "not_found",
            Code::Unavailable => "unavailable",
            Code::Internal => "internal",
        }
    }

    fn status(self) -> StatusCode {
        match self {
            Code::Unauthorized => StatusCode::UNAUTHORIZED,
            Code::Forbidden => StatusCode::FORBIDDEN,
            Code::RoomFull => StatusCode::CONFLICT,
            Code::BadRequest | Code::UnknownPeer => StatusCode::BAD_REQUEST,
            Code::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Code::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Code::NotFound => StatusCode::NOT_FOUND,
            Code::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Code::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// An error answered to a client: `{"code": "...", "message": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{code:?}: {message}")]
pub struct ApiError {
    pub code: Code,
    pub message: String,
}

impl ApiError {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(Code::BadRequest, message)
    }

    /// A failure of ours; the details go to the log, not to the client.
    pub fn internal(context: &str, error: impl std::fmt::Display) -> Self {
        tracing::error!("{context}: {error}");
        Self::new(
            Code::Internal,
            format!("{context}; the server log has the details."),
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.code.status(), Json(self)).into_response()
    }
}
