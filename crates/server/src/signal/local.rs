//! The in-process side of the hub: a [`Signaling`] for peers that live in the
//! server (the keeper). Its messages go through the same [`Hub`] as every
//! WebSocket client's, with the same stamping and the same room boundary.
//!
//! A keeper is a member of its room from the moment the room opens, so that
//! every newcomer's welcome lists it, but it starts its WebRTC peer only when
//! someone offers to it (see `keeper.rs`). Until then it reads this signaling
//! itself; [`LocalSignaling::wake`] then hands it to the transport's room as
//! though the keeper had just arrived and met nobody yet.

use std::collections::VecDeque;
use std::sync::Arc;

use async_trait::async_trait;
use inkmesh_transport::{
    PeerId, PeerInfo, Signal, SignalEvent, Signaling, SignalingError, Welcome,
};
use tokio::sync::mpsc;
use tracing::debug;

use crate::error::ApiError;
use crate::signal::hub::{Hub, Outbox};

/// One in-process member of a room. Dropping it leaves the room.
pub struct LocalSignaling {
    hub: Arc<Hub>,
    room: String,
    info: PeerInfo,
    rx: mpsc::UnboundedReceiver<SignalEvent>,
    /// What [`Signaling::join`] answers; taken by it.
    welcome: Option<Welcome>,
    /// Events delivered before anything from the hub.
    pending: VecDeque<SignalEvent>,
}

impl LocalSignaling {
    /// Joins `room` now. The hub's welcome (everyone already there) is what
    /// [`Signaling::join`] will answer, so a transport room offers to them all.
    pub async fn join(hub: Arc<Hub>, room: &str, info: PeerInfo) -> Result<Self, ApiError> {
        let (tx, rx) = mpsc::unbounded_channel();
        let welcome = hub
            .join(room, &info.id, info.clone(), Outbox::Local(tx))
            .await?;
        Ok(Self {
            hub,
            room: room.to_owned(),
            info,
            rx,
            welcome: Some(welcome),
            pending: VecDeque::new(),
        })
    }

    /// Makes the member answer-only from here on: [`Signaling::join`] lists no
    /// peers (nobody is offered to; everyone present already knows us and
    /// offers to us), the members present now are announced as `PeerJoined`,
    /// and `first`, the event that woke us, follows them.
    ///
    /// Members who come and go while this is handed over may be announced
    /// twice or announced and then reported gone; the transport's room takes
    /// both in its stride.
    pub fn wake(&mut self, first: SignalEvent) {
        self.welcome = Some(Welcome {
            me: self.info.clone(),
            peers: Vec::new(),
            ice_servers: self.hub.keeper_ice_servers().to_vec(),
            mesh_limit: Some(self.hub.mesh_limit()),
        });
        self.pending = self
            .hub
            .members(&self.room)
            .into_iter()
            .filter(|member| member.id != self.info.id)
            .map(SignalEvent::PeerJoined)
            .chain([first])
            .collect();
    }

    pub fn info(&self) -> &PeerInfo {
        &self.info
    }
}

#[async_trait]
impl Signaling for LocalSignaling {
    async fn join(&mut self) -> Result<Welcome, SignalingError> {
        self.welcome.take().ok_or_else(|| {
            SignalingError::Other("an in-process member joins its room only once".to_owned())
        })
    }

    async fn send(&self, to: &PeerId, signal: Signal) -> Result<(), SignalingError> {
        // A member may leave while we still send it candidates: not an error.
        if let Err(e) = self.hub.relay(&self.room, &self.info.id, to, signal).await {
            debug!(room = %self.room, "keeper signal not delivered: {}", e.message);
        }
        Ok(())
    }

    async fn recv(&mut self) -> Option<SignalEvent> {
        match self.pending.pop_front() {
            Some(event) => Some(event),
            None => self.rx.recv().await,
        }
    }
}

impl Drop for LocalSignaling {
    fn drop(&mut self) {
        self.hub.leave(&self.room, &self.info.id);
    }
}
