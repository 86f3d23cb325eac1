//! The JSON messages of the signaling WebSocket (`docs/PROTOCOL.md`, "Signaling"), shared by the
//! server and the Rust client so the two cannot drift apart.

use inkmesh_transport::{IceServer, PeerId, PeerInfo, Signal, Welcome};
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, Code};

/// What a client sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum ClientMessage {
    /// The first message: which room, and the token that opens it.
    Join {
        room: String,
        token: String,
    },
    /// Relay `signal` to the member `to` of the same room.
    Signal {
        to: PeerId,
        signal: Signal,
    },
    Ping,
    Pong,
}

/// What the server sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum ServerMessage {
    Welcome(WelcomeMessage),
    PeerJoined {
        peer: PeerInfo,
    },
    PeerLeft {
        id: PeerId,
    },
    /// A relayed signal; `from` is stamped by the server.
    Signal {
        from: PeerId,
        signal: Signal,
    },
    Error {
        code: Code,
        message: String,
    },
    Ping,
    Pong,
}

impl From<ApiError> for ServerMessage {
    fn from(e: ApiError) -> Self {
        ServerMessage::Error {
            code: e.code,
            message: e.message,
        }
    }
}

/// The welcome, in the camelCase browsers expect (`iceServers`). It carries
/// exactly the fields of the transport crate's [`Welcome`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WelcomeMessage {
    pub me: PeerInfo,
    pub peers: Vec<PeerInfo>,
    #[serde(default, alias = "ice_servers")]
    pub ice_servers: Vec<IceServer>,
    /// Absent from older servers: no limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mesh_limit: Option<usize>,
}

impl From<WelcomeMessage> for Welcome {
    fn from(w: WelcomeMessage) -> Self {
        Welcome {
            me: w.me,
            peers: w.peers,
            ice_servers: w.ice_servers,
            mesh_limit: w.mesh_limit,
        }
    }
}

impl ServerMessage {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("server messages always serialize")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use inkmesh_transport::Role;
    use serde_json::json;

    #[test]
    fn wire_shapes() {
        let msg: ClientMessage =
            serde_json::from_value(json!({"type":"join","room":"r","token":"t"})).unwrap();
        assert_eq!(
            msg,
            ClientMessage::Join {
                room: "r".into(),
                token: "t".into()
            }
        );
        let msg: ClientMessage = serde_json::from_value(
            json!({"type":"signal","to":"p1","signal":{"type":"offer","sdp":"v=0"}}),
        )
        .unwrap();
        assert!(matches!(msg, ClientMessage::Signal { .. }));
        assert!(serde_json::from_value::<ClientMessage>(json!({"type":"nope"})).is_err());

        let peer = PeerInfo {
            id: "k1".into(),
            name: "Keeper".into(),
            colour: "#868e96".into(),
            role: Role::Editor,
            keeper: true,
        };
        let welcome = ServerMessage::Welcome(WelcomeMessage {
            me: peer.clone(),
            peers: vec![],
            ice_servers: vec![IceServer {
                urls: vec!["stun:s:3478".into()],
                ..IceServer::default()
            }],
            mesh_limit: Some(6),
        });
        assert_eq!(
            serde_json::to_value(&welcome).unwrap(),
            json!({"type":"welcome","me":{"id":"k1","name":"Keeper","colour":"#868e96","role":"editor","keeper":true},
                   "peers":[],"iceServers":[{"urls":["stun:s:3478"]}],"meshLimit":6})
        );
        assert_eq!(
            serde_json::to_value(ServerMessage::PeerLeft { id: "p2".into() }).unwrap(),
            json!({"type":"peer-left","id":"p2"})
        );
        assert_eq!(
            serde_json::to_value(ServerMessage::from(ApiError::new(Code::RoomFull, "full")))
                .unwrap(),
            json!({"type":"error","code":"room_full","message":"full"})
        );
    }
}
