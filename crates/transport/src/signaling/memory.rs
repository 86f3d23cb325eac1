//! In-memory signaling: rooms of peers in one process, for tests and for the
//! server's own in-process peers. Membership follows the same [`Rooms`] rules
//! as the server's hub, and so do colours (the server's palette, the first
//! one no member holds; it has no user ids, so no memory of who had which);
//! what it adds are hooks for tests.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use tokio::sync::mpsc;

use super::colours::{hashed_colour, ColourChoice, KEEPER_COLOUR, PALETTE};
use super::{PeerId, PeerInfo, Rooms, Signal, SignalEvent, Signaling, SignalingError, Welcome};
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
    rooms: Rooms<mpsc::UnboundedSender<SignalEvent>>,
    mesh_limit: Option<usize>,
    /// Pairs of members whose signals are dropped, so that their direct link
    /// never forms (tests of the keeper's relay).
    blocked: HashSet<(PeerId, PeerId)>,
}

impl MemoryHub {
    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self) -> MutexGuard<'_, HubState> {
        // Every critical section leaves the state consistent; a poisoned lock
        // (a test thread that panicked) is still usable.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Welcomes everyone who joins from now on with this mesh limit (`None`,
    /// the default: no limit, as an older server).
    pub fn set_mesh_limit(&self, limit: Option<usize>) {
        self.state().mesh_limit = limit;
    }

    /// Drops every signal between `a` and `b` from now on, both ways: their
    /// direct link cannot form, as between members whose networks block each
    /// other.
    pub fn block(&self, a: &PeerId, b: &PeerId) {
        let mut state = self.state();
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
        let mut state = self.state();
        state.next_id += 1;
        let info = PeerInfo {
            id: format!("p{}", state.next_id),
            name: name.to_owned(),
            // Given on joining, from the colours the room's members hold then.
            colour: String::new(),
            role,
            keeper: false,
            // Native members do not renegotiate: never sent a renegotiation offer.
            media: false,
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

    /// The members of `room` now, keeper first.
    pub fn members(&self, room: &str) -> Vec<PeerInfo> {
        self.state().rooms.members(room)
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
        let mut guard = self.hub.state();
        let state = &mut *guard;
        self.info.colour = if self.info.keeper {
            KEEPER_COLOUR.to_owned()
        } else {
            let members = state.rooms.members(&self.room);
            let taken: HashSet<&str> = members
                .iter()
                .filter(|m| !m.keeper)
                .map(|m| m.colour.as_str())
                .collect();
            let choice = ColourChoice {
                preference: PALETTE.to_vec(),
                fallback: hashed_colour(&self.info.id),
            };
            choice.pick(&taken).to_owned()
        };
        let joined = state
            .rooms
            .join(&self.room, self.info.clone(), self.events_tx.clone())
            .map_err(|e| SignalingError::Other(e.to_string()))?;
        for delivery in joined.announce {
            let _ = delivery.to.send(delivery.event);
        }
        self.joined = true;
        Ok(Welcome {
            me: self.info.clone(),
            peers: joined.peers,
            ice_servers: Vec::new(),
            mesh_limit: state.mesh_limit,
        })
    }

    async fn send(&self, to: &PeerId, signal: Signal) -> Result<(), SignalingError> {
        let state = self.hub.state();
        if state.blocked.contains(&(self.info.id.clone(), to.clone())) {
            return Ok(());
        }
        // Like the server, a signal to someone not (or no longer) in the room
        // is dropped: they left, and the room hears of it as peer-left.
        if let Ok(delivery) = state.rooms.route(&self.room, &self.info.id, to, signal) {
            let _ = delivery.to.send(delivery.event);
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
        let mut state = self.hub.state();
        for delivery in state.rooms.leave(&self.room, &self.info.id) {
            let _ = delivery.to.send(delivery.event);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn joined(hub: &MemoryHub, name: &str) -> MemorySignaling {
        let mut signaling = hub.connect("r", name, Role::Editor);
        signaling.join().await.unwrap();
        signaling
    }

    #[tokio::test]
    async fn members_get_the_servers_palette_first_free_and_keepers_grey() {
        let hub = MemoryHub::new();
        let mut keeper = hub.connect_keeper("r");
        assert_eq!(keeper.join().await.unwrap().me.colour, KEEPER_COLOUR);
        let mut members = Vec::new();
        for n in 0..PALETTE.len() {
            members.push(joined(&hub, &format!("m{n}")).await);
        }
        let colours: Vec<&str> = members.iter().map(|m| m.info().colour.as_str()).collect();
        assert_eq!(colours, PALETTE, "distinct, in palette order");
        // The third leaves: the next one gets its colour, the first free.
        drop(members.remove(2));
        assert_eq!(joined(&hub, "late").await.info().colour, PALETTE[2]);
    }
}
