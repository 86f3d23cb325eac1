//! In-memory signaling: rooms of peers in one process, for tests and for the
//! server's own in-process peers.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use tokio::sync::mpsc;

use super::{PeerId, PeerInfo, Signal, SignalEvent, Signaling, SignalingError, Welcome};
use crate::protocol::Role;

/// In-memory signaling: rooms of peers in one process, for tests and for the
/// server's own in-process peers.
#[derive(Clone, Default)]
pub struct MemoryHub {
    inner: Arc<Mutex<HubState>>,
}

#[derive(Default)]
struct HubState {
    next_id: u64,
    rooms: HashMap<String, HashMap<PeerId, Member>>,
    mesh_limit: Option<usize>,
    /// Pairs of members whose signals are dropped, so that their direct link
    /// never forms (tests of the keeper's relay).
    blocked: HashSet<(PeerId, PeerId)>,
}

struct Member {
    info: PeerInfo,
    events: mpsc::UnboundedSender<SignalEvent>,
}

impl MemoryHub {
    pub fn new() -> Self {
        Self::default()
    }

    /// Welcomes everyone who joins from now on with this mesh limit (`None`,
    /// the default: no limit, as an older server).
    pub fn set_mesh_limit(&self, limit: Option<usize>) {
        self.inner.lock().expect("hub lock").mesh_limit = limit;
    }

    /// Drops every signal between `a` and `b` from now on, both ways: their
    /// direct link cannot form, as between members whose networks block each
    /// other.
    pub fn block(&self, a: &PeerId, b: &PeerId) {
        let mut state = self.inner.lock().expect("hub lock");
        state.blocked.insert((a.clone(), b.clone()));
        state.blocked.insert((b.clone(), a.clone()));
    }

    /// A signaling connection for a keeper (`keeper: true`, an editor) about
    /// to join `room`.
    pub fn connect_keeper(&self, room: &str) -> MemorySignaling {
        let mut signaling = self.connect(room, "Keeper", Role::Editor);
        signaling.info.keeper = true;
        signaling
    }

    /// A signaling connection for someone about to join `room`.
    pub fn connect(&self, room: &str, name: &str, role: Role) -> MemorySignaling {
        let (events_tx, events_rx) = mpsc::unbounded_channel();
        let mut state = self.inner.lock().expect("hub lock");
        state.next_id += 1;
        let colours = [
            "#e03131", "#1971c2", "#2f9e44", "#f08c00", "#9c36b5", "#0c8599",
        ];
        let info = PeerInfo {
            id: format!("p{}", state.next_id),
            name: name.to_owned(),
            colour: colours[state.next_id as usize % colours.len()].to_owned(),
            role,
            keeper: false,
        };
        MemorySignaling {
            hub: self.clone(),
            room: room.to_owned(),
            info,
            events_tx,
            events_rx,
            joined: false,
        }
    }

    /// The members of `room` now.
    pub fn members(&self, room: &str) -> Vec<PeerInfo> {
        let state = self.inner.lock().expect("hub lock");
        let mut members: Vec<PeerInfo> = state
            .rooms
            .get(room)
            .map(|m| m.values().map(|m| m.info.clone()).collect())
            .unwrap_or_default();
        members.sort_by(|a, b| a.id.cmp(&b.id));
        members
    }
}

/// One member's connection to a [`MemoryHub`]. Dropping it leaves the room.
pub struct MemorySignaling {
    hub: MemoryHub,
    room: String,
    info: PeerInfo,
    events_tx: mpsc::UnboundedSender<SignalEvent>,
    events_rx: mpsc::UnboundedReceiver<SignalEvent>,
    joined: bool,
}

impl MemorySignaling {
    pub fn info(&self) -> &PeerInfo {
        &self.info
    }
}

#[async_trait]
impl Signaling for MemorySignaling {
    async fn join(&mut self) -> Result<Welcome, SignalingError> {
        let mut state = self.hub.inner.lock().expect("hub lock");
        let room = state.rooms.entry(self.room.clone()).or_default();
        let mut peers: Vec<PeerInfo> = room.values().map(|m| m.info.clone()).collect();
        peers.sort_by(|a, b| a.id.cmp(&b.id));
        for member in room.values() {
            let _ = member
                .events
                .send(SignalEvent::PeerJoined(self.info.clone()));
        }
        room.insert(
            self.info.id.clone(),
            Member {
                info: self.info.clone(),
                events: self.events_tx.clone(),
            },
        );
        self.joined = true;
        Ok(Welcome {
            me: self.info.clone(),
            peers,
            ice_servers: Vec::new(),
            mesh_limit: state.mesh_limit,
        })
    }

    async fn send(&self, to: &PeerId, signal: Signal) -> Result<(), SignalingError> {
        let state = self.hub.inner.lock().expect("hub lock");
        if state.blocked.contains(&(self.info.id.clone(), to.clone())) {
            return Ok(());
        }
        // Like the server: only members of the same room, and we stamp the sender.
        if let Some(member) = state.rooms.get(&self.room).and_then(|r| r.get(to)) {
            let _ = member.events.send(SignalEvent::Signal {
                from: self.info.id.clone(),
                signal,
            });
        }
        Ok(())
    }

    async fn recv(&mut self) -> Option<SignalEvent> {
        self.events_rx.recv().await
    }
}

impl Drop for MemorySignaling {
    fn drop(&mut self) {
        if !self.joined {
            return;
        }
        let Ok(mut state) = self.hub.inner.lock() else {
            return;
        };
        if let Some(room) = state.rooms.get_mut(&self.room) {
            room.remove(&self.info.id);
            for member in room.values() {
                let _ = member
                    .events
                    .send(SignalEvent::PeerLeft(self.info.id.clone()));
            }
        }
    }
}
