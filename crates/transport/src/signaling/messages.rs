//! The JSON messages of the signaling WebSocket (`docs/PROTOCOL.md`,
//! "Signaling"), shared by the server, the Rust client and the in-memory hub
//! so that none of them can drift from the others.

use serde::{Deserialize, Serialize};

use super::{Code, SignalEvent};
use crate::protocol::Role;

/// A room member's id, assigned by the signaling server.
pub type PeerId = String;

/// A room member as the signaling server describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerInfo {
    pub id: PeerId,
    pub name: String,
    /// CSS `#rrggbb`, for the member's cursor and presence.
    pub colour: String,
    pub role: Role,
    /// The server's own peer, which persists the board.
    #[serde(default)]
    pub keeper: bool,
    /// The member said in its `join` that it renegotiates its links and takes
    /// media on them (`docs/PROTOCOL.md`, "Renegotiation"): only such members
    /// are sent a renegotiation offer. False (left out on the wire) for the
    /// keeper, native members and clients from before media.
    #[serde(default, skip_serializing_if = "is_false")]
    pub media: bool,
}

/// A STUN or TURN server, as browsers' `RTCIceServer` has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct IceServer {
    pub urls: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
}

/// What the signaling server says when we join a room, in the camelCase
/// browsers expect (`iceServers`, `meshLimit`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Welcome {
    /// Ourselves, as the server stamped us.
    pub me: PeerInfo,
    /// Everyone already in the room, the keeper first; the newcomer offers to
    /// them.
    pub peers: Vec<PeerInfo>,
    /// `ice_servers` is what early servers sent; still read.
    #[serde(default, alias = "ice_servers")]
    pub ice_servers: Vec<IceServer>,
    /// The largest room, in members other than the keeper, in which members
    /// link to each other directly; above it every member links to the keeper
    /// only (`docs/PROTOCOL.md`, "Topology"). `None` (an older server): no
    /// limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mesh_limit: Option<usize>,
}

/// An ICE candidate, in the JSON shape of a browser's `RTCIceCandidateInit`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IceCandidate {
    pub candidate: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sdp_mid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sdp_m_line_index: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username_fragment: Option<String>,
}

/// What one peer sends another to set up a connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Signal {
    Offer {
        sdp: String,
        /// A renegotiation of the sender's live connection (media added or
        /// removed), to be answered on that same connection; false (left out
        /// on the wire) for an offer that makes a new connection.
        /// `docs/PROTOCOL.md`, "Renegotiation". The keeper is never sent one.
        #[serde(default, skip_serializing_if = "is_false")]
        renegotiate: bool,
    },
    Answer {
        sdp: String,
    },
    Candidate {
        candidate: IceCandidate,
    },
}

fn is_false(value: &bool) -> bool {
    !value
}

/// What a client sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum ClientMessage {
    /// The first message: which room, and the token that opens it.
    Join {
        room: String,
        token: String,
        /// We renegotiate live links and take media on them; the server
        /// repeats it as [`PeerInfo::media`] to the room.
        #[serde(default, skip_serializing_if = "is_false")]
        media: bool,
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
    Welcome(Welcome),
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

impl ServerMessage {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("server messages always serialize")
    }
}

/// A room's event as the server sends it to a WebSocket member.
impl From<SignalEvent> for ServerMessage {
    fn from(event: SignalEvent) -> Self {
        match event {
            SignalEvent::PeerJoined(peer) => ServerMessage::PeerJoined { peer },
            SignalEvent::PeerLeft(id) => ServerMessage::PeerLeft { id },
            SignalEvent::Signal { from, signal } => ServerMessage::Signal { from, signal },
        }
    }
}

/// The room's event a server message carries; the message itself back when
/// it is not one (a welcome, an error, a ping or a pong).
impl TryFrom<ServerMessage> for SignalEvent {
    type Error = ServerMessage;

    fn try_from(message: ServerMessage) -> Result<Self, ServerMessage> {
        match message {
            ServerMessage::PeerJoined { peer } => Ok(SignalEvent::PeerJoined(peer)),
            ServerMessage::PeerLeft { id } => Ok(SignalEvent::PeerLeft(id)),
            ServerMessage::Signal { from, signal } => Ok(SignalEvent::Signal { from, signal }),
            other => Err(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    #[test]
    fn wire_shapes() {
        let msg: ClientMessage =
            serde_json::from_value(json!({"type":"join","room":"r","token":"t"})).unwrap();
        assert_eq!(
            msg,
            ClientMessage::Join {
                room: "r".into(),
                token: "t".into(),
                media: false,
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
            media: false,
        };
        let welcome = ServerMessage::Welcome(Welcome {
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
            serde_json::to_value(ServerMessage::Error {
                code: Code::RoomFull,
                message: "full".into()
            })
            .unwrap(),
            json!({"type":"error","code":"room_full","message":"full"})
        );
    }

    /// The first JSON block after `heading` in docs/PROTOCOL.md.
    fn protocol_example(heading: &str) -> Value {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/PROTOCOL.md");
        let doc = std::fs::read_to_string(path).expect("docs/PROTOCOL.md");
        let section = &doc[doc.find(heading).expect("the heading")..];
        let start = section.find("```json\n").expect("a JSON example") + "```json\n".len();
        let end = start + section[start..].find("```").expect("the example's end");
        serde_json::from_str(&section[start..end]).expect("the example is JSON")
    }

    /// The documented join, with `media`, reads as ours and writes back
    /// unchanged; without it, media is false and is left out on the wire.
    #[test]
    fn the_documented_join_round_trips() {
        let example = protocol_example("#### `join`");
        let message: ClientMessage = serde_json::from_value(example.clone()).unwrap();
        assert!(matches!(message, ClientMessage::Join { media: true, .. }));
        assert_eq!(serde_json::to_value(&message).unwrap(), example);
        let plain = json!({"type": "join", "room": "r", "token": "t"});
        let message: ClientMessage = serde_json::from_value(plain.clone()).unwrap();
        assert!(matches!(message, ClientMessage::Join { media: false, .. }));
        assert_eq!(serde_json::to_value(&message).unwrap(), plain);
    }

    /// An outside team writes clients from PROTOCOL.md alone: its welcome must
    /// read as ours and write back unchanged.
    #[test]
    fn the_documented_welcome_round_trips() {
        let example = protocol_example("#### `welcome`");
        let message: ServerMessage = serde_json::from_value(example.clone()).unwrap();
        let ServerMessage::Welcome(welcome) = &message else {
            panic!("not a welcome: {message:?}");
        };
        assert_eq!(welcome.mesh_limit, Some(6));
        assert!(welcome.peers[0].keeper);
        // The keeper never says media; the documented members do.
        assert!(!welcome.peers[0].media);
        assert!(welcome.me.media && welcome.peers[1].media);
        assert_eq!(serde_json::to_value(&message).unwrap(), example);
    }

    /// The server relays what it parsed: a renegotiation mark it dropped would
    /// make the receiver replace a live link instead of renegotiating it.
    #[test]
    fn the_documented_renegotiation_offer_round_trips() {
        let example = protocol_example("### Renegotiation");
        let message: ClientMessage = serde_json::from_value(example.clone()).unwrap();
        let ClientMessage::Signal {
            signal: Signal::Offer { renegotiate, .. },
            ..
        } = &message
        else {
            panic!("not an offer: {message:?}");
        };
        assert!(renegotiate);
        assert_eq!(serde_json::to_value(&message).unwrap(), example);

        let first = Signal::Offer {
            sdp: "v=0".into(),
            renegotiate: false,
        };
        assert_eq!(
            serde_json::to_value(&first).unwrap(),
            json!({"type":"offer","sdp":"v=0"}),
            "a first offer is written as before renegotiation existed"
        );
    }

    #[test]
    fn a_welcome_from_an_early_server_still_reads() {
        let welcome: Welcome = serde_json::from_value(json!({
            "me": {"id": "p1", "name": "A", "colour": "#e03131", "role": "editor"},
            "peers": [],
            "ice_servers": [{"urls": ["stun:s:3478"]}]
        }))
        .unwrap();
        assert_eq!(welcome.ice_servers.len(), 1);
        assert_eq!(welcome.mesh_limit, None);
    }

    #[test]
    fn room_events_convert_both_ways() {
        let events = [
            SignalEvent::PeerLeft("p1".into()),
            SignalEvent::Signal {
                from: "p2".into(),
                signal: Signal::Answer { sdp: "v=0".into() },
            },
        ];
        for event in events {
            assert_eq!(
                SignalEvent::try_from(ServerMessage::from(event.clone())),
                Ok(event)
            );
        }
        assert_eq!(
            SignalEvent::try_from(ServerMessage::Pong),
            Err(ServerMessage::Pong)
        );
    }
}
