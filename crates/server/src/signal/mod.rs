//! Signaling: the WebSocket protocol of `docs/PROTOCOL.md` ("Signaling").
//!
//! The JSON messages, the room-membership rules and the Rust client are the
//! transport crate's (`inkmesh_transport::signaling`), shared with native
//! peers; here is what only a server needs:
//!
//! - [`hub`]: the rooms, with the server's limits, TURN credentials and metrics.
//! - [`colours`]: which colour a joining member gets.
//! - [`bus`]: how rooms span the nodes of a cluster (`--bus`), or stay on one.
//! - [`connection`]: one WebSocket client of the hub, with its limits.
//! - [`local`]: an in-process member of the hub (the keeper's signaling).

pub mod bus;
pub mod colours;
pub mod connection;
pub mod hub;
pub mod local;
pub mod ratelimit;
