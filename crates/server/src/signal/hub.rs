//! The room hub: who is in which room, and the relay between them.
//!
//! Membership, stamping and the room boundary are the transport crate's
//! [`Rooms`], shared with its in-memory hub; this adds what a server needs
//! around them: the room-size limit, per-member TURN credentials, the mesh
//! limit every welcome carries, and metrics. Every member, WebSocket client
//! or in-process keeper, is reached through an [`Outbox`].

use std::sync::{Arc, Mutex, MutexGuard};

use inkmesh_transport::signaling::rooms::Delivery;
use inkmesh_transport::signaling::Rooms;
use inkmesh_transport::{IceServer, PeerId, PeerInfo, ServerMessage, Signal, SignalEvent, Welcome};
use tokio::sync::{mpsc, Notify};

use crate::auth::now_secs;
use crate::error::{ApiError, Code};
use crate::metrics::Metrics;
use crate::turn::IceServers;

/// Where a member's messages go.
pub enum Outbox {
    /// A WebSocket client: a bounded queue its connection task drains. When it
    /// is full the client is too slow, and `kick` tells its task to drop it.
    Remote {
        tx: mpsc::Sender<ServerMessage>,
        kick: Arc<Notify>,
    },
    /// An in-process peer (the keeper).
    Local(mpsc::UnboundedSender<SignalEvent>),
}

impl Outbox {
    fn deliver(&self, event: SignalEvent) {
        match self {
            Outbox::Remote { tx, kick } => {
                if tx.try_send(event.into()).is_err() {
                    kick.notify_one();
                }
            }
            Outbox::Local(tx) => {
                let _ = tx.send(event);
            }
        }
    }
}

/// Delivers what [`Rooms`] decided, while its lock is still held: every
/// member then sees joins, leaves and signals in one order.
fn deliver(deliveries: Vec<Delivery<'_, Outbox>>) {
    for delivery in deliveries {
        delivery.to.deliver(delivery.event);
    }
}

/// All rooms' membership.
pub struct Hub {
    rooms: Mutex<Rooms<Outbox>>,
    ice_servers: IceServers,
    max_peers: usize,
    /// Sent in every welcome as `meshLimit`.
    mesh_limit: usize,
    metrics: Arc<Metrics>,
}

/// Colours for members' cursors, picked by user id so a user keeps theirs.
const PALETTE: [&str; 12] = [
    "#e03131", "#1971c2", "#2f9e44", "#f08c00", "#9c36b5", "#0c8599", "#c2255c", "#5c940d",
    "#e8590c", "#3b5bdb", "#087f5b", "#862e9c",
];

/// The colour for a user id (FNV-1a: stable across processes and versions).
pub fn colour_for(user: &str) -> &'static str {
    let hash = user.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    PALETTE[(hash % PALETTE.len() as u64) as usize]
}

impl Hub {
    pub fn new(ice_servers: IceServers, max_peers: usize, metrics: Arc<Metrics>) -> Self {
        Self {
            rooms: Mutex::new(Rooms::new()),
            ice_servers,
            max_peers,
            mesh_limit: crate::limits::MESH_LIMIT,
            metrics,
        }
    }

    /// Welcomes members with this mesh limit instead of the default.
    pub fn with_mesh_limit(mut self, mesh_limit: usize) -> Self {
        self.mesh_limit = mesh_limit;
        self
    }

    /// The mesh limit every welcome carries.
    pub fn mesh_limit(&self) -> usize {
        self.mesh_limit
    }

    fn rooms(&self) -> MutexGuard<'_, Rooms<Outbox>> {
        // Every critical section leaves the rooms consistent; a poisoned lock is
        // still usable.
        self.rooms.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds a member, tells the others, and returns the welcome. Keepers are not
    /// counted against the room's limit.
    pub fn join(&self, room: &str, info: PeerInfo, outbox: Outbox) -> Result<Welcome, ApiError> {
        let mut rooms = self.rooms();
        let people = rooms.people(room);
        if !info.keeper && people >= self.max_peers {
            return Err(ApiError::new(
                Code::RoomFull,
                format!("Room `{room}` already has {people} members, the most this server allows."),
            ));
        }
        let joined = rooms
            .join(room, info.clone(), outbox)
            .map_err(|e| ApiError::internal("cannot add a member to its room", e))?;
        let peers = joined.peers;
        deliver(joined.announce);
        drop(rooms);
        // Each member its own TURN credential, named after its peer id.
        let ice_servers = if info.keeper {
            self.keeper_ice_servers().to_vec()
        } else {
            self.ice_servers.for_member(&info.id, now_secs())
        };
        Ok(Welcome {
            me: info,
            peers,
            ice_servers,
            mesh_limit: Some(self.mesh_limit),
        })
    }

    /// Removes a member and tells the others.
    pub fn leave(&self, room: &str, id: &PeerId) {
        deliver(self.rooms().leave(room, id));
    }

    /// Relays `signal` from `from` to `to`, both in `room`.
    pub fn relay(
        &self,
        room: &str,
        from: &PeerId,
        to: &PeerId,
        signal: Signal,
    ) -> Result<(), ApiError> {
        let rooms = self.rooms();
        match rooms.route(room, from, to, signal) {
            Ok(delivery) => {
                delivery.to.deliver(delivery.event);
                self.metrics.signals_relayed.inc();
                Ok(())
            }
            Err(_) => Err(ApiError::new(
                Code::UnknownPeer,
                format!("No member `{to}` in room `{room}`; the signal was not delivered."),
            )),
        }
    }

    /// The server's counters, shared with the keepers that run beside the hub.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The STUN and TURN servers the keepers use (no minted TURN credentials:
    /// see [`IceServers::for_keeper`]).
    pub fn keeper_ice_servers(&self) -> &[IceServer] {
        self.ice_servers.for_keeper()
    }

    /// Members of `room` other than keepers.
    pub fn people(&self, room: &str) -> usize {
        self.rooms().people(room)
    }

    /// The members of `room`, keeper first.
    pub fn members(&self, room: &str) -> Vec<PeerInfo> {
        self.rooms().members(room)
    }

    /// (rooms with members, members who are not keepers)
    pub fn stats(&self) -> (usize, usize) {
        self.rooms().stats()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use inkmesh_transport::Role;

    fn info(id: &str, keeper: bool) -> PeerInfo {
        PeerInfo {
            id: id.into(),
            name: id.into(),
            colour: colour_for(id).into(),
            role: Role::Editor,
            keeper,
        }
    }

    fn remote() -> (Outbox, mpsc::Receiver<ServerMessage>) {
        let (tx, rx) = mpsc::channel(8);
        (
            Outbox::Remote {
                tx,
                kick: Arc::new(Notify::new()),
            },
            rx,
        )
    }

    #[test]
    fn members_are_welcomed_with_their_own_turn_credentials_and_keepers_without() {
        let servers = IceServers {
            fixed: vec![IceServer {
                urls: vec!["stun:s:3478".into()],
                ..IceServer::default()
            }],
            minted: Some(crate::turn::TurnRest::new(
                "0123456789abcdef".into(),
                std::time::Duration::from_secs(60),
                vec!["turn:t:3478".into()],
            )),
        };
        let hub = Hub::new(servers, 2, Arc::default());
        let keeper = hub.join("r", info("k", true), remote().0).unwrap();
        assert_eq!(keeper.ice_servers.len(), 1);
        let a = hub.join("r", info("a", false), remote().0).unwrap();
        let b = hub.join("r", info("b", false), remote().0).unwrap();
        let expiry = now_secs() + 60;
        for (welcome, id) in [(&a, "a"), (&b, "b")] {
            let turn = &welcome.ice_servers[1];
            let username = turn.username.as_deref().unwrap();
            let (at, user) = username.split_once(':').unwrap();
            assert_eq!(user, id);
            assert!(
                at.parse::<u64>().unwrap().abs_diff(expiry) <= 1,
                "{username}"
            );
        }
        assert_ne!(a.ice_servers[1].credential, b.ice_servers[1].credential);
    }

    #[test]
    fn every_welcome_carries_the_mesh_limit() {
        let hub = Hub::new(IceServers::default(), 2, Arc::default());
        let welcome = hub.join("r1", info("a", false), remote().0).unwrap();
        assert_eq!(welcome.mesh_limit, Some(crate::limits::MESH_LIMIT));
        let hub = Hub::new(IceServers::default(), 2, Arc::default()).with_mesh_limit(0);
        let welcome = hub.join("r1", info("a", false), remote().0).unwrap();
        assert_eq!(welcome.mesh_limit, Some(0));
    }

    #[tokio::test]
    async fn relays_only_within_a_room_and_stamps_the_sender() {
        let hub = Hub::new(IceServers::default(), 2, Arc::default());
        let (a_box, mut a_rx) = remote();
        let (b_box, mut b_rx) = remote();
        let (c_box, _c_rx) = remote();
        hub.join("r1", info("a", false), a_box).unwrap();
        let welcome = hub.join("r1", info("b", false), b_box).unwrap();
        assert_eq!(welcome.peers, vec![info("a", false)]);
        assert_eq!(
            a_rx.recv().await.unwrap(),
            ServerMessage::PeerJoined {
                peer: info("b", false)
            }
        );
        hub.join("r2", info("c", false), c_box).unwrap();
        let offer = Signal::Offer { sdp: "x".into() };
        hub.relay("r1", &"b".into(), &"a".into(), offer.clone())
            .unwrap();
        assert_eq!(
            a_rx.recv().await.unwrap(),
            ServerMessage::Signal {
                from: "b".into(),
                signal: offer.clone()
            }
        );
        let err = hub
            .relay("r2", &"c".into(), &"a".into(), offer.clone())
            .unwrap_err();
        assert_eq!(err.code, Code::UnknownPeer);
        // Not a member of r1: cannot send into it even naming a real member.
        assert!(hub.relay("r1", &"c".into(), &"a".into(), offer).is_err());
        // Room limit: keepers do not count.
        let (d_box, _d) = remote();
        assert_eq!(
            hub.join("r1", info("d", false), d_box).unwrap_err().code,
            Code::RoomFull
        );
        let (k_box, _k) = remote();
        hub.join("r1", info("k", true), k_box).unwrap();
        hub.leave("r1", &"a".into());
        assert_eq!(
            b_rx.recv().await.unwrap(),
            ServerMessage::PeerJoined {
                peer: info("k", true)
            }
        );
        assert_eq!(
            b_rx.recv().await.unwrap(),
            ServerMessage::PeerLeft { id: "a".into() }
        );
        assert_eq!(hub.people("r1"), 1);
        assert_eq!(hub.stats(), (2, 2));
    }
}
