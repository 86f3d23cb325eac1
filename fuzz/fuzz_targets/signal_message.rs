//! A client's signaling text frame, parsed as the server parses it
//! (`signal/connection.rs`): the JSON message, then for a `join` the room name
//! and the token, and the error reply the server would send.

#![no_main]

use inkmesh_server::auth::check_room;
use inkmesh_server::ApiError;
use inkmesh_transport::{ClientMessage, ServerMessage};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // WebSocket text frames are UTF-8; the server never sees anything else.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let message = match serde_json::from_str::<ClientMessage>(text) {
        Ok(message) => message,
        Err(e) => {
            reply(ApiError::bad_request(format!("Malformed message: {e}.")));
            return;
        }
    };
    // What the server reads, it could have written: the message survives
    // a round trip through its own JSON.
    let json = serde_json::to_string(&message).expect("client messages serialize");
    assert_eq!(
        serde_json::from_str::<ClientMessage>(&json).ok(),
        Some(message.clone())
    );
    if let ClientMessage::Join { room, token, .. } = message {
        match check_room(&room).and_then(|()| inkmesh_fuzz::auth().authorize(Some(&token), &room)) {
            Ok(claims) => assert_eq!(claims.room, room),
            Err(e) => reply(e),
        }
    }
});

/// The error the server sends back must itself be a well-formed message.
fn reply(error: ApiError) {
    let json = ServerMessage::from(error).to_json();
    assert!(matches!(
        serde_json::from_str::<ServerMessage>(&json),
        Ok(ServerMessage::Error { .. })
    ));
}
