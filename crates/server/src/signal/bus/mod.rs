//! The seam between this node's hub and the other nodes of a cluster.
//!
//! Each node keeps its own members (their sockets, the keepers) in its
//! [`Hub`](super::hub::Hub); a [`Bus`] makes the rooms span nodes: it admits
//! members room by room across the cluster, tells the other nodes who came and
//! went, and carries signals to members on other nodes. Without one
//! ([`NodeLocal`]) a node works alone, exactly as a single server always has;
//! with `--bus redis://...` it is [`RedisBus`].
//!
//! What arrives from other nodes comes back to the hub as [`BusEvent`]s.

mod local;
mod redis;

use async_trait::async_trait;
use inkmesh_transport::{PeerId, PeerInfo, Signal};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::signal::colours::ColourChoice;

pub use local::NodeLocal;
pub use redis::RedisBus;

/// A node of the cluster, named at its start.
pub type NodeId = String;

/// A member of a room and the node its connection is on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemoteMember {
    pub node: NodeId,
    /// Its token's user id, never sent to clients: a join by the same user
    /// (a page reloaded before this connection's leave arrived) may take this
    /// member's colour. Absent in entries written before it was kept.
    #[serde(default)]
    pub user: String,
    pub peer: PeerInfo,
}

/// A member admitted to a room across the cluster.
#[derive(Debug, Clone, PartialEq)]
pub struct Admission {
    /// The room's members on other nodes.
    pub elsewhere: Vec<RemoteMember>,
    /// The colour the bus gave the member from its [`ColourChoice`], seeing
    /// every node's members of the room at that moment (the one other nodes
    /// were told of); `None` when the bus leaves it to the hub (a node alone).
    pub colour: Option<String>,
}

/// What another node tells this one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum BusEvent {
    /// A member joined `room` on another node.
    Joined { room: String, member: RemoteMember },
    /// A member of `room` on another node left.
    Left { room: String, id: PeerId },
    /// A signal for `to`, a member of `room` on this node; `from` was checked
    /// to be a member of the room by the bus.
    Signal {
        room: String,
        from: PeerId,
        to: PeerId,
        signal: Signal,
    },
    /// `room`'s board was deleted on another node: its members and keeper
    /// here end.
    RoomDeleted { room: String },
}

/// Rooms across the nodes of a cluster.
#[async_trait]
pub trait Bus: Send + Sync + 'static {
    /// Adds `peer`, a member on this node, to `room` across the cluster and
    /// tells the nodes with members there. Refused with `room_full` when the
    /// room already has `max_people` members who are not keepers, on all
    /// nodes together. With `colour`, the member gets the first colour of
    /// that choice no other member of the room (keepers and `user`'s own
    /// earlier connections aside) holds, in the same step, so that joins on
    /// two nodes at once never pick alike; a bus that remembers colours
    /// across nodes prefers the one `user` last had in `room`.
    async fn join(
        &self,
        room: &str,
        user: &str,
        peer: &PeerInfo,
        max_people: usize,
        colour: Option<&ColourChoice>,
    ) -> Result<Admission, ApiError>;

    /// Removes `id`, a member on this node, from `room` and tells the nodes
    /// with members there.
    async fn leave(&self, room: &str, id: &PeerId);

    /// Delivers `signal` from `from` to `to`, a member of `room` on another
    /// node; `unknown_peer` when either is not (or no longer) in the room.
    async fn relay(
        &self,
        room: &str,
        from: &PeerId,
        to: &PeerId,
        signal: &Signal,
    ) -> Result<(), ApiError>;

    /// Repairs `room`'s membership in the bus, `here` being this node's
    /// members of it with their user ids (written again if the bus lost them, and this node's
    /// other entries removed), and answers its members on other nodes now,
    /// without those of nodes that stopped answering. The hub compares them
    /// with what it was told, since announcements between nodes may be lost.
    /// The caller makes sure no join or leave of this node runs meanwhile.
    async fn members(
        &self,
        room: &str,
        here: &[(String, PeerInfo)],
    ) -> Result<Vec<RemoteMember>, ApiError>;

    /// Tells the other nodes with members in `room` that its board was
    /// deleted ([`BusEvent::RoomDeleted`]). At most once, like every event
    /// between nodes: on a node that misses it, the store fences the room's
    /// keeper, which steps down when its next renewal or write is refused, and the keeper started
    /// to replace it is refused the lease, finds the tombstone at once and
    /// ends the members (within a renewal period and the restart delay).
    async fn room_deleted(&self, room: &str);

    /// Leaves the cluster at shutdown, so that the other nodes drop this
    /// node's members when they next read their rooms rather than once its
    /// heartbeat expires.
    async fn retire(&self) {}
}
