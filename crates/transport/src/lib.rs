//! `inkmesh-transport`: the Rust side of the Inkmesh wire (`docs/PROTOCOL.md`).
//!
//! [`protocol`] is a sans-I/O core (board-channel framing, chunking, cursor
//! frames, presence, the sync session, one link's rules in
//! [`protocol::peer::PeerCore`], the keeper's relay decisions) that tests
//! drive without sockets, against fixtures shared with the web client. The
//! rest is thin glue onto the `webrtc` crate and tokio: [`peer`] is one
//! connection with its two data channels, [`room`] keeps a board in sync with
//! every member of a room, and [`signaling`] is how members find each other:
//! its wire messages, the room-membership rules every hub shares, an
//! in-memory hub and, with the `ws-client` feature, the WebSocket client of
//! the server.
//! [`limits`] names every bound on what a peer can make us hold or do, and
//! [`candidates`] decides which remote addresses we send connectivity checks to.
//!
//! ```no_run
//! # async fn demo() -> Result<(), inkmesh_transport::TransportError> {
//! use std::sync::{Arc, Mutex};
//! use inkmesh_doc::{Board, NewElement};
//! use inkmesh_transport::{MemoryHub, Role, Room, TransportConfig};
//!
//! let hub = MemoryHub::new();
//! let board = Arc::new(Mutex::new(Board::new("u-alice")));
//! let (room, mut events) =
//!     Room::join(hub.connect("demo", "Alice", Role::Editor), board, TransportConfig::loopback()).await?;
//! room.edit(|b| b.add(NewElement::rect(0.0, 0.0, 10.0, 10.0))).await.unwrap();
//! while let Some(event) = events.recv().await {
//!     println!("{event:?}");
//! }
//! # Ok(()) }
//! ```

pub mod candidates;
pub mod config;
pub mod error;
pub mod limits;
pub mod peer;
pub mod protocol;
pub mod room;
pub mod signaling;
pub mod token_bucket;

pub use candidates::{CandidatePolicy, IpNet};
pub use config::{SctpRto, TransportConfig};
pub use error::TransportError;
pub use limits::Limit;
pub use protocol::cursor::CursorFrame;
pub use protocol::presence::{Presence, PresenceChange, Viewport};
pub use protocol::session::SyncState;
pub use protocol::{Limits, Role};
pub use room::{PeerStatus, Room, RoomEvent};
#[cfg(feature = "ws-client")]
pub use signaling::WsSignaling;
pub use signaling::{
    ClientMessage, IceCandidate, IceServer, MemoryHub, MemorySignaling, PeerId, PeerInfo,
    ServerMessage, Signal, SignalEvent, Signaling, SignalingError, Welcome,
};
pub use token_bucket::TokenBucket;
