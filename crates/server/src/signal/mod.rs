//! Signaling: the WebSocket protocol of `docs/PROTOCOL.md` ("Signaling").
//!
//! - [`messages`]: the JSON messages, shared by server and client.
//! - [`hub`]: room membership and the relay.
//! - [`connection`]: one WebSocket client of the hub, with its limits.
//! - [`local`]: an in-process member of the hub (the keeper's signaling).
//! - [`client`]: the Rust client of the protocol, for native peers.

pub mod client;
pub mod connection;
pub mod hub;
pub mod local;
pub mod messages;
pub mod ratelimit;
