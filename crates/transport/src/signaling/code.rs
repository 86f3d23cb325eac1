//! The machine-readable half of every error the signaling server sends (and
//! of its HTTP API's errors): `{"type": "error", "code": "...", "message": "..."}`
//! (`docs/PROTOCOL.md`, "Signaling"). It lives beside the messages so a client
//! can act on a code without depending on the server.

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
    /// HTTP only: a body of a type the route does not take (an image upload
    /// that is not PNG, JPEG, GIF or WebP).
    UnsupportedType,
    /// HTTP only: a body of the right type whose content is wrong (an image
    /// that does not decode, or whose hash is not the one its URL names).
    Unprocessable,
    /// The board was deleted (`DELETE /api/rooms/{room}`): it cannot be
    /// joined, read or written again, and its live members are disconnected.
    BoardDeleted,
    /// The server cannot serve the room right now (storage failing, shutting down).
    Unavailable,
    Internal,
}

impl Code {
    /// The code as it is spelt on the wire (and in logs and close reasons).
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
            Code::UnsupportedType => "unsupported_type",
            Code::Unprocessable => "unprocessable",
            Code::BoardDeleted => "board_deleted",
            Code::Unavailable => "unavailable",
            Code::Internal => "internal",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_str_is_the_wire_spelling() {
        for code in [
            Code::Unauthorized,
            Code::Forbidden,
            Code::RoomFull,
            Code::BadRequest,
            Code::RateLimited,
            Code::TooLarge,
            Code::UnknownPeer,
            Code::NotFound,
            Code::UnsupportedType,
            Code::Unprocessable,
            Code::BoardDeleted,
            Code::Unavailable,
            Code::Internal,
        ] {
            assert_eq!(
                serde_json::to_value(code).unwrap(),
                serde_json::json!(code.as_str())
            );
        }
    }
}
