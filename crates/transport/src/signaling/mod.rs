//! Signaling: how peers find each other and exchange offers, answers and ICE
//! candidates before any data channel exists.
//!
//! [`Signaling`] is the abstraction a room runs on. [`WsSignaling`] (the
//! `ws-client` feature) implements it over the server's WebSocket;
//! [`MemoryHub`] implements it in memory for tests and in-process peers.
//! [`messages`] is the wire both speak, [`Code`] the errors' codes, and
//! [`rooms`] the membership rules every hub shares: whoever relays stamps the
//! sender itself, so `from` in a [`SignalEvent`] is never taken from the
//! peer's own word.

mod code;
pub mod colours;
mod memory;
pub mod messages;
pub mod rooms;
#[cfg(feature = "ws-client")]
mod ws_client;

use async_trait::async_trait;

pub use code::Code;
pub use memory::{MemoryHub, MemorySignaling};
pub use messages::{
    ClientMessage, IceCandidate, IceServer, PeerId, PeerInfo, ServerMessage, Signal, Welcome,
};
pub use rooms::Rooms;
#[cfg(feature = "ws-client")]
pub use ws_client::WsSignaling;

/// Something that happened in the room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignalEvent {
    PeerJoined(PeerInfo),
    PeerLeft(PeerId),
    /// A signal relayed from `from` (stamped by the relay, not by the sender).
    Signal {
        from: PeerId,
        signal: Signal,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum SignalingError {
    #[error("signaling connection closed")]
    Closed,
    #[error("refused by the signaling server: {code}: {message}")]
    Refused { code: String, message: String },
    #[error("signaling failed: {0}")]
    Other(String),
}

/// A connection to a room's signaling.
#[async_trait]
pub trait Signaling: Send + Sync + 'static {
    /// Joins the room. Called once, before anything else.
    async fn join(&mut self) -> Result<Welcome, SignalingError>;
    /// Sends a signal to a member of the same room.
    async fn send(&self, to: &PeerId, signal: Signal) -> Result<(), SignalingError>;
    /// The next event, or `None` once signaling is closed. Must be cancel-safe:
    /// the room awaits it in a `select!`.
    async fn recv(&mut self) -> Option<SignalEvent>;
}
