//! The room hub: who is in which room, and the relay between them.
//!
//! Membership, stamping and the room boundary are the transport crate's
//! [`Rooms`], shared with its in-memory hub; this adds what a server needs
//! around them: the room-size limit, per-member TURN credentials, the mesh
//! limit every welcome carries, metrics, and the [`Bus`] to the other nodes of
//! a cluster. Members on this node are reached through their [`Outbox`];
//! members on other nodes are kept too (while this node has members in their
//! room), so that welcomes list them, and reached through the bus.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard};

use inkmesh_transport::signaling::rooms::Delivery;
use inkmesh_transport::signaling::Rooms;
use inkmesh_transport::{IceServer, PeerId, PeerInfo, ServerMessage, Signal, SignalEvent, Welcome};
use tokio::sync::{mpsc, Mutex as AsyncMutex, Notify};
use tracing::debug;

use crate::auth::now_secs;
use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::signal::bus::{Bus, BusEvent, NodeLocal, RemoteMember};
use crate::signal::colours::ColourMemory;
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

/// Where a member is: on this node, with its token's user id, or on another
/// one of the cluster (which one is the bus's to know: it routes by its own
/// membership).
enum Address {
    Here { outbox: Outbox, user: String },
    Elsewhere,
}

/// Delivers what [`Rooms`] decided to the members on this node, while its
/// lock is still held: every member then sees joins, leaves and signals in
/// one order. Members on other nodes hear of it through the bus.
fn deliver(deliveries: Vec<Delivery<'_, Address>>) {
    for delivery in deliveries {
        if let Address::Here { outbox, .. } = delivery.to {
            outbox.deliver(delivery.event);
        }
    }
}

/// Whether `room` has members on this node.
fn has_members_here(rooms: &Rooms<Address>, room: &str) -> bool {
    rooms
        .entries(room)
        .any(|(_, address)| matches!(address, Address::Here { .. }))
}

/// Adds a member of another node to `room` and announces it to the members
/// here, unless it is known already.
fn add_remote(rooms: &mut Rooms<Address>, room: &str, member: RemoteMember) {
    if let Ok(joined) = rooms.join(room, member.peer, Address::Elsewhere) {
        deliver(joined.announce);
    }
}

/// Whether `room` has members here who are not keepers and no keeper on any
/// node: its board would go unkept, so this node must start a keeper.
fn needs_keeper(rooms: &Rooms<Address>, room: &str) -> bool {
    let mut people_here = false;
    for (peer, address) in rooms.entries(room) {
        if peer.keeper {
            return false;
        }
        people_here |= matches!(address, Address::Here { .. });
    }
    people_here
}

/// All rooms' membership.
pub struct Hub {
    rooms: Mutex<Rooms<Address>>,
    /// Rooms found with members here and no keeper anywhere (their keeper's
    /// node died, or it stepped down), for the keepers to take up; at most
    /// one entry per room with members here.
    keeperless: Mutex<HashSet<String>>,
    keeperless_found: Notify,
    bus: Arc<dyn Bus>,
    /// Held while this node changes its members in the bus (a join from the
    /// bus's answer to the member's place here, a leave, a reconciliation),
    /// so that a reconciliation sees this node's members as the bus should
    /// hold them.
    membership: AsyncMutex<()>,
    ice_servers: IceServers,
    max_peers: usize,
    /// Sent in every welcome as `meshLimit`.
    mesh_limit: usize,
    metrics: Arc<Metrics>,
    /// The colour each user last had in each room (see [`ColourMemory`]).
    colours: Mutex<ColourMemory>,
}

impl Hub {
    /// A hub for a node alone ([`NodeLocal`]).
    pub fn new(ice_servers: IceServers, max_peers: usize, metrics: Arc<Metrics>) -> Self {
        Self {
            rooms: Mutex::new(Rooms::new()),
            keeperless: Mutex::new(HashSet::new()),
            keeperless_found: Notify::new(),
            bus: Arc::new(NodeLocal),
            membership: AsyncMutex::new(()),
            ice_servers,
            max_peers,
            mesh_limit: crate::limits::MESH_LIMIT,
            metrics,
            colours: Mutex::new(ColourMemory::new(crate::limits::COLOUR_MEMORY)),
        }
    }

    /// Shares rooms with the other nodes of a cluster through `bus`. What
    /// they send comes back through [`Hub::on_bus_event`].
    pub fn with_bus(mut self, bus: Arc<dyn Bus>) -> Self {
        self.bus = bus;
        self
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

    fn rooms(&self) -> MutexGuard<'_, Rooms<Address>> {
        // Every critical section leaves the rooms consistent; a poisoned lock is
        // still usable.
        self.rooms.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds a member, tells the others, and returns the welcome. Keepers are not
    /// counted against the room's limit. A member who is not a keeper gets its
    /// colour here (see [`crate::signal::colours`]), by `user`, its token's
    /// user id; the welcome's `me` carries it.
    pub async fn join(
        &self,
        room: &str,
        user: &str,
        mut info: PeerInfo,
        outbox: Outbox,
    ) -> Result<Welcome, ApiError> {
        let people = self.people(room);
        if !info.keeper && people >= self.max_peers {
            return Err(ApiError::room_full(room, people));
        }
        let _membership = self.membership.lock().await;
        let choice = (!info.keeper).then(|| self.colour_memory().choice(room, user));
        if let Some(choice) = &choice {
            let held = self.colours_held(room, user);
            info.colour = choice
                .pick(&held.iter().map(String::as_str).collect())
                .to_owned();
        }
        let admission = self
            .bus
            .join(room, user, &info, self.max_peers, choice.as_ref())
            .await?;
        if let Some(colour) = admission.colour {
            info.colour = colour;
        }
        let elsewhere = admission.elsewhere;
        let admitted = {
            let mut rooms = self.rooms();
            // Checked again: members may have joined here while the bus answered.
            let people = rooms.people(room);
            if !info.keeper && people >= self.max_peers {
                Err(ApiError::room_full(room, people))
            } else {
                for member in elsewhere {
                    add_remote(&mut rooms, room, member);
                }
                match rooms.join(
                    room,
                    info.clone(),
                    Address::Here {
                        outbox,
                        user: user.to_owned(),
                    },
                ) {
                    Ok(joined) => {
                        deliver(joined.announce);
                        Ok(joined.peers)
                    }
                    Err(e) => Err(ApiError::internal("cannot add a member to its room", e)),
                }
            }
        };
        let peers = match admitted {
            Ok(peers) => peers,
            Err(e) => {
                self.bus.leave(room, &info.id).await;
                return Err(e);
            }
        };
        if choice.is_some() {
            self.colour_memory().remember(room, user, &info.colour);
        }
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

    /// The colours of the members of `room` this node knows, keepers aside:
    /// the whole room for a node alone; with a bus (which picks again, seeing
    /// every node), its own members' and those it was told of. A colour held
    /// by `user` itself does not count: that is its earlier connection (a
    /// page reloaded), whose leave has not arrived yet, and the colour is
    /// still its own.
    fn colours_held(&self, room: &str, user: &str) -> HashSet<String> {
        self.rooms()
            .entries(room)
            .filter(|(p, address)| {
                !p.keeper
                    && !matches!(address, Address::Here { user: held_by, .. } if held_by == user)
            })
            .map(|(p, _)| p.colour.clone())
            .collect()
    }

    fn colour_memory(&self) -> MutexGuard<'_, ColourMemory> {
        // Every critical section leaves the memory consistent.
        self.colours.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Removes a member of this node and tells the others, here at once and
    /// on other nodes through the bus.
    pub fn leave(self: &Arc<Self>, room: &str, id: &PeerId) {
        {
            let mut rooms = self.rooms();
            deliver(rooms.leave(room, id));
            if !has_members_here(&rooms, room) {
                // Nobody here to tell: other nodes stop telling us, so what
                // we know of the room would only go stale.
                let elsewhere: Vec<PeerId> =
                    rooms.entries(room).map(|(p, _)| p.id.clone()).collect();
                for id in elsewhere {
                    rooms.leave(room, &id);
                }
            }
        }
        // A leave happens in a drop too (the keeper's signaling), where
        // nothing can be awaited.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let (hub, room, id) = (self.clone(), room.to_owned(), id.clone());
            runtime.spawn(async move {
                let _membership = hub.membership.lock().await;
                hub.bus.leave(&room, &id).await;
            });
        }
    }

    /// Relays `signal` from `from` to `to`, both in `room`.
    pub async fn relay(
        &self,
        room: &str,
        from: &PeerId,
        to: &PeerId,
        signal: Signal,
    ) -> Result<(), ApiError> {
        let signal = {
            let rooms = self.rooms();
            match rooms.route(room, from, to, signal) {
                Ok(Delivery {
                    to: Address::Here { outbox, .. },
                    event,
                }) => {
                    outbox.deliver(event);
                    self.metrics.signals_relayed.inc();
                    return Ok(());
                }
                Ok(Delivery {
                    to: Address::Elsewhere,
                    event: SignalEvent::Signal { signal, .. },
                }) => signal,
                _ => return Err(ApiError::unknown_peer(room, to)),
            }
        };
        self.bus.relay(room, from, to, &signal).await?;
        self.metrics.signals_relayed.inc();
        Ok(())
    }

    /// Ends the connections of this node's members of `room` with `error`
    /// (its board was deleted): each is sent the error and then closed by
    /// its connection task, which removes the member. A member whose queue
    /// is full is disconnected as too slow instead. Keepers are ended by
    /// [`crate::keeper::Keepers::end`]. Answers how many were told.
    pub fn end_members(&self, room: &str, error: &ApiError) -> usize {
        let rooms = self.rooms();
        let mut told = 0;
        for (_, address) in rooms.entries(room) {
            if let Address::Here {
                outbox: Outbox::Remote { tx, kick },
                ..
            } = address
            {
                if tx.try_send(error.clone().into()).is_err() {
                    kick.notify_one();
                }
                told += 1;
            }
        }
        told
    }

    /// Tells the other nodes of the cluster with members in `room` that its
    /// board was deleted: each ends its members and its keeper there.
    pub async fn announce_deleted(&self, room: &str) {
        self.bus.room_deleted(room).await;
    }

    /// Applies what another node sent.
    pub fn on_bus_event(&self, event: BusEvent) {
        let mut rooms = self.rooms();
        match event {
            BusEvent::RoomDeleted { room } => {
                drop(rooms);
                let ended = self.end_members(&room, &ApiError::board_deleted(&room));
                debug!(room, ended, "another node deleted the board");
            }
            BusEvent::Joined { room, member } => {
                if has_members_here(&rooms, &room) {
                    add_remote(&mut rooms, &room, member);
                }
            }
            BusEvent::Left { room, id } => {
                let elsewhere = rooms
                    .entries(&room)
                    .any(|(p, address)| p.id == id && matches!(address, Address::Elsewhere));
                if elsewhere {
                    deliver(rooms.leave(&room, &id));
                    self.watch_keeper(&rooms, &room);
                }
            }
            BusEvent::Signal {
                room,
                from,
                to,
                signal,
            } => {
                let target = rooms.entries(&room).find_map(|(p, address)| match address {
                    Address::Here { outbox, .. } if p.id == to => Some(outbox),
                    _ => None,
                });
                match target {
                    Some(outbox) => {
                        outbox.deliver(SignalEvent::Signal { from, signal });
                        self.metrics.signals_relayed.inc();
                    }
                    None => debug!(room, peer = %to, "signal from another node for no member here"),
                }
            }
        }
    }

    /// Brings what this node knows of its rooms' members on other nodes in
    /// line with the bus: announcements lost between nodes are made up for,
    /// and the members of dead nodes reported gone.
    pub async fn reconcile(&self) {
        let rooms: Vec<String> = {
            let rooms = self.rooms();
            rooms
                .names()
                .filter(|room| has_members_here(&rooms, room))
                .map(str::to_owned)
                .collect()
        };
        for room in rooms {
            let _membership = self.membership.lock().await;
            let here: Vec<(String, PeerInfo)> = self
                .rooms()
                .entries(&room)
                .filter_map(|(p, address)| match address {
                    Address::Here { user, .. } => Some((user.clone(), p.clone())),
                    Address::Elsewhere => None,
                })
                .collect();
            if here.is_empty() {
                continue;
            }
            let Ok(elsewhere) = self.bus.members(&room, &here).await else {
                // The bus is down: keep what we know until it is back.
                return;
            };
            let mut rooms = self.rooms();
            let present: HashSet<&PeerId> = elsewhere.iter().map(|m| &m.peer.id).collect();
            let gone: Vec<PeerId> = rooms
                .entries(&room)
                .filter(|(p, address)| {
                    matches!(address, Address::Elsewhere) && !present.contains(&p.id)
                })
                .map(|(p, _)| p.id.clone())
                .collect();
            for id in gone {
                deliver(rooms.leave(&room, &id));
            }
            let known: HashSet<PeerId> = rooms.entries(&room).map(|(p, _)| p.id.clone()).collect();
            for member in elsewhere {
                if !known.contains(&member.peer.id) {
                    add_remote(&mut rooms, &room, member);
                }
            }
            // Also a keeper the bus lost without a word (Redis restarted
            // empty before its node wrote it back).
            self.watch_keeper(&rooms, &room);
        }
    }

    /// A keeper of `room` on this node left while members may still be
    /// there: queues the room for a new one if it needs it (see
    /// [`Hub::keeperless`]).
    pub fn keeper_left(&self, room: &str) {
        self.watch_keeper(&self.rooms(), room);
    }

    /// Queues `room` for a keeper if it needs one (see [`Hub::keeperless`]).
    fn watch_keeper(&self, rooms: &Rooms<Address>, room: &str) {
        if needs_keeper(rooms, room) {
            let mut keeperless = self.keeperless.lock().unwrap_or_else(|e| e.into_inner());
            if keeperless.insert(room.to_owned()) {
                self.keeperless_found.notify_one();
            }
        }
    }

    /// Waits for rooms that have members here but lost their keeper (on
    /// another node: a `peer-left` for it from the bus, or a reconciliation
    /// that finds none; on this one: [`Hub::keeper_left`]), and answers them. Whoever takes them up must check
    /// again: a keeper may have arrived since.
    pub async fn keeperless(&self) -> Vec<String> {
        loop {
            let found: Vec<String> = self
                .keeperless
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .drain()
                .collect();
            if !found.is_empty() {
                return found;
            }
            self.keeperless_found.notified().await;
        }
    }

    /// Whether `room` has a keeper on another node of the cluster. Read from
    /// what this node knows when it has members there (other nodes keep it
    /// told), else from the bus.
    pub async fn keeper_elsewhere(&self, room: &str) -> Result<bool, ApiError> {
        let _membership = self.membership.lock().await;
        let known = {
            let rooms = self.rooms();
            has_members_here(&rooms, room).then(|| {
                rooms
                    .entries(room)
                    .any(|(p, address)| p.keeper && matches!(address, Address::Elsewhere))
            })
        };
        match known {
            Some(known) => Ok(known),
            // No members here: this node has no entries of the room in the
            // bus to repair, and none can be added while we hold the lock.
            None => Ok(self
                .bus
                .members(room, &[])
                .await?
                .iter()
                .any(|m| m.peer.keeper)),
        }
    }

    /// Whether `room` has members on this node who are not keepers.
    pub fn has_people_here(&self, room: &str) -> bool {
        self.rooms()
            .entries(room)
            .any(|(p, address)| !p.keeper && matches!(address, Address::Here { .. }))
    }

    /// Leaves the cluster at shutdown (see [`Bus::retire`]).
    pub async fn retire(&self) {
        self.bus.retire().await;
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

    /// Members of `room` other than keepers, on every node this one knows of.
    pub fn people(&self, room: &str) -> usize {
        self.rooms().people(room)
    }

    /// The members of `room`, keeper first.
    pub fn members(&self, room: &str) -> Vec<PeerInfo> {
        self.rooms().members(room)
    }

    /// (rooms with a member on this node, this node's members who are not
    /// keepers). Other nodes' members count on their own node, so a
    /// cluster's figures add up.
    pub fn stats(&self) -> (usize, usize) {
        self.rooms()
            .stats(|address| matches!(address, Address::Here { .. }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Code;
    use crate::signal::colours::PALETTE;
    use inkmesh_transport::Role;
    use std::collections::HashMap;

    fn info(id: &str, keeper: bool) -> PeerInfo {
        PeerInfo {
            id: id.into(),
            name: id.into(),
            colour: crate::signal::colours::hashed_colour(id).into(),
            role: Role::Editor,
            keeper,
            media: false,
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

    #[tokio::test]
    async fn members_are_welcomed_with_their_own_turn_credentials_and_keepers_without() {
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
        let keeper = hub
            .join("r", "k", info("k", true), remote().0)
            .await
            .unwrap();
        assert_eq!(keeper.ice_servers.len(), 1);
        let a = hub
            .join("r", "a", info("a", false), remote().0)
            .await
            .unwrap();
        let b = hub
            .join("r", "b", info("b", false), remote().0)
            .await
            .unwrap();
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

    #[tokio::test]
    async fn a_room_whose_keeper_on_another_node_left_is_reported_keeperless() {
        let hub = Hub::new(IceServers::default(), 4, Arc::default());
        let (a_box, _a) = remote();
        hub.join("r", "a", info("a", false), a_box).await.unwrap();
        assert!(!hub.keeper_elsewhere("r").await.unwrap());
        let keeper = RemoteMember {
            node: "node-2".into(),
            user: "k".into(),
            peer: info("k", true),
        };
        hub.on_bus_event(BusEvent::Joined {
            room: "r".into(),
            member: keeper,
        });
        assert!(hub.keeper_elsewhere("r").await.unwrap());
        // Another member of the other node leaving costs the room nothing.
        hub.on_bus_event(BusEvent::Joined {
            room: "r".into(),
            member: RemoteMember {
                node: "node-2".into(),
                user: "b".into(),
                peer: info("b", false),
            },
        });
        hub.on_bus_event(BusEvent::Left {
            room: "r".into(),
            id: "b".into(),
        });
        assert!(hub.keeperless.lock().unwrap().is_empty());
        hub.on_bus_event(BusEvent::Left {
            room: "r".into(),
            id: "k".into(),
        });
        assert!(!hub.keeper_elsewhere("r").await.unwrap());
        let found = tokio::time::timeout(std::time::Duration::from_secs(1), hub.keeperless())
            .await
            .expect("reported at once");
        assert_eq!(found, vec!["r".to_owned()]);
    }

    #[tokio::test]
    async fn stats_count_this_nodes_members_and_not_other_nodes() {
        let hub = Hub::new(IceServers::default(), 4, Arc::default());
        let (a_box, _a) = remote();
        hub.join("r", "a", info("a", false), a_box).await.unwrap();
        for (room, id) in [("r", "b"), ("s", "c")] {
            hub.on_bus_event(BusEvent::Joined {
                room: room.into(),
                member: RemoteMember {
                    node: "node-2".into(),
                    user: id.into(),
                    peer: info(id, false),
                },
            });
        }
        assert_eq!(hub.members("r").len(), 2, "b is listed in r");
        assert_eq!(hub.stats(), (1, 1));
    }

    #[tokio::test]
    async fn every_welcome_carries_the_mesh_limit() {
        let hub = Hub::new(IceServers::default(), 2, Arc::default());
        let welcome = hub
            .join("r1", "a", info("a", false), remote().0)
            .await
            .unwrap();
        assert_eq!(welcome.mesh_limit, Some(crate::limits::MESH_LIMIT));
        let hub = Hub::new(IceServers::default(), 2, Arc::default()).with_mesh_limit(0);
        let welcome = hub
            .join("r1", "a", info("a", false), remote().0)
            .await
            .unwrap();
        assert_eq!(welcome.mesh_limit, Some(0));
    }

    #[tokio::test]
    async fn relays_only_within_a_room_and_stamps_the_sender() {
        let hub = Arc::new(Hub::new(IceServers::default(), 2, Arc::default()));
        let (a_box, mut a_rx) = remote();
        let (b_box, mut b_rx) = remote();
        let (c_box, _c_rx) = remote();
        hub.join("r1", "a", info("a", false), a_box).await.unwrap();
        let welcome = hub.join("r1", "b", info("b", false), b_box).await.unwrap();
        let coloured = |id: &str, colour: &str| PeerInfo {
            colour: colour.into(),
            ..info(id, false)
        };
        assert_eq!(welcome.peers, vec![coloured("a", PALETTE[0])]);
        assert_eq!(
            a_rx.recv().await.unwrap(),
            ServerMessage::PeerJoined {
                peer: coloured("b", PALETTE[1])
            }
        );
        hub.join("r2", "c", info("c", false), c_box).await.unwrap();
        let offer = Signal::Offer {
            sdp: "x".into(),
            renegotiate: false,
        };
        hub.relay("r1", &"b".into(), &"a".into(), offer.clone())
            .await
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
            .await
            .unwrap_err();
        assert_eq!(err.code, Code::UnknownPeer);
        // Not a member of r1: cannot send into it even naming a real member.
        assert!(hub
            .relay("r1", &"c".into(), &"a".into(), offer)
            .await
            .is_err());
        // Room limit: keepers do not count.
        let (d_box, _d) = remote();
        assert_eq!(
            hub.join("r1", "d", info("d", false), d_box)
                .await
                .unwrap_err()
                .code,
            Code::RoomFull
        );
        let (k_box, _k) = remote();
        hub.join("r1", "k", info("k", true), k_box).await.unwrap();
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

    #[tokio::test]
    async fn twelve_members_get_twelve_colours_and_one_who_comes_back_gets_its_own() {
        let hub = Arc::new(Hub::new(IceServers::default(), 20, Arc::default()));
        hub.join("r", "k", info("k", true), remote().0)
            .await
            .unwrap();
        let mut colours = HashMap::new();
        let mut inboxes = Vec::new();
        for n in 0..PALETTE.len() {
            let (id, user) = (format!("p{n}"), format!("user-{n}"));
            let (outbox, inbox) = remote();
            inboxes.push(inbox);
            let welcome = hub
                .join("r", &user, info(&id, false), outbox)
                .await
                .unwrap();
            colours.insert(user, welcome.me.colour);
        }
        let distinct: HashSet<&String> = colours.values().collect();
        assert_eq!(distinct.len(), PALETTE.len(), "{colours:?}");
        // user-3 and user-5 leave; a stranger meanwhile gets the first free
        // colour (user-3's) and leaves; both come back as new peers and get
        // their own again.
        hub.leave("r", &"p3".into());
        hub.leave("r", &"p5".into());
        let stranger = hub
            .join("r", "stranger", info("s", false), remote().0)
            .await
            .unwrap();
        assert_eq!(
            stranger.me.colour, colours["user-3"],
            "the first free colour, in palette order"
        );
        hub.leave("r", &"s".into());
        let back = hub
            .join("r", "user-5", info("p5b", false), remote().0)
            .await
            .unwrap();
        assert_eq!(back.me.colour, colours["user-5"]);
        let back = hub
            .join("r", "user-3", info("p3b", false), remote().0)
            .await
            .unwrap();
        assert_eq!(back.me.colour, colours["user-3"]);
        // A 13th person: every colour is taken, so the hash picks one.
        let extra = hub
            .join("r", "extra", info("x", false), remote().0)
            .await
            .unwrap();
        assert_eq!(
            extra.me.colour,
            crate::signal::colours::hashed_colour("extra")
        );
    }

    #[tokio::test]
    async fn a_reload_that_rejoins_before_its_old_connection_leaves_keeps_its_colour() {
        let hub = Arc::new(Hub::new(IceServers::default(), 20, Arc::default()));
        let first = hub
            .join("r", "first", info("f", false), remote().0)
            .await
            .unwrap();
        let old = hub
            .join("r", "reloader", info("old", false), remote().0)
            .await
            .unwrap();
        assert_ne!(old.me.colour, first.me.colour);
        // The page reloads: its new connection joins while the old one is
        // still a member, and gets the old one's colour, not the next free.
        let new = hub
            .join("r", "reloader", info("new", false), remote().0)
            .await
            .unwrap();
        assert_eq!(new.me.colour, old.me.colour);
        hub.leave("r", &"old".into());
        hub.leave("r", &"new".into());
        // Which is what is remembered: it comes back to it again.
        let again = hub
            .join("r", "reloader", info("again", false), remote().0)
            .await
            .unwrap();
        assert_eq!(again.me.colour, old.me.colour);
        // Someone else's colour still is not free.
        let other = hub
            .join("r", "other", info("o", false), remote().0)
            .await
            .unwrap();
        assert_ne!(other.me.colour, again.me.colour);
        assert_ne!(other.me.colour, first.me.colour);
    }
}
