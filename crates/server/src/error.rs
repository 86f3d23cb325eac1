//! The one error type of the HTTP API and the signaling socket: a machine code
//! and a human sentence, the same two fields over both (`docs/PROTOCOL.md`, "Signaling").
//! The codes are the transport crate's, which clients share.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use inkmesh_transport::ServerMessage;
use serde::{Deserialize, Serialize};

pub use inkmesh_transport::signaling::Code;

/// The HTTP status that goes with a code, for the API's answers.
fn status(code: Code) -> StatusCode {
    match code {
        Code::Unauthorized => StatusCode::UNAUTHORIZED,
        Code::Forbidden => StatusCode::FORBIDDEN,
        Code::RoomFull => StatusCode::CONFLICT,
        Code::BadRequest | Code::UnknownPeer => StatusCode::BAD_REQUEST,
        Code::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        Code::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        Code::NotFound => StatusCode::NOT_FOUND,
        Code::UnsupportedType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        Code::Unprocessable => StatusCode::UNPROCESSABLE_ENTITY,
        Code::BoardDeleted => StatusCode::GONE,
        Code::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        Code::Internal => StatusCode::INTERNAL_SERVER_ERROR,
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

    /// A join refused: the room has `people` members, the most allowed.
    pub fn room_full(room: &str, people: impl std::fmt::Display) -> Self {
        Self::new(
            Code::RoomFull,
            format!("Room `{room}` already has {people} members, the most this server allows."),
        )
    }

    /// A signal addressed to `to`, who is not a member of `room`.
    pub fn unknown_peer(room: &str, to: impl std::fmt::Display) -> Self {
        Self::new(
            Code::UnknownPeer,
            format!("No member `{to}` in room `{room}`; the signal was not delivered."),
        )
    }

    /// Room `room` was deleted: refused for good (until an operator clears
    /// its tombstone, see README "Deleting a board").
    pub fn board_deleted(room: &str) -> Self {
        Self::new(
            Code::BoardDeleted,
            format!("This board was deleted (room `{room}`); it cannot be opened again."),
        )
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
        (status(self.code), Json(self)).into_response()
    }
}

/// The same error on the signaling socket.
impl From<ApiError> for ServerMessage {
    fn from(e: ApiError) -> Self {
        ServerMessage::Error {
            code: e.code,
            message: e.message,
        }
    }
}
