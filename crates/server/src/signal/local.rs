//! The in-process side of the hub: a [`Signaling`] for peers that live in the
//! server (the keeper). Its messages go through the same [`Hub`] as every
//! WebSocket client's, with the same stamping and the same room boundary.

use std::sync::Arc;

use async_trait::async_trait;
use inkmesh_transport::{
    PeerId, PeerInfo, Signal, SignalEvent, Signaling, SignalingError, Welcome,
};
use tokio::sync::mpsc;
use tracing::debug;

use crate::signal::hub::{Hub, Outbox};

/// One in-process member of a room. Dropping it leaves the room.
pub struct LocalSignaling {
    hub: Arc<Hub>,
    room: String,
    info: PeerInfo,
    tx: mpsc::UnboundedSender<SignalEvent>,
    rx: mpsc::UnboundedReceiver<SignalEvent>,
    joined: bool,
}

impl LocalSignaling {
    pub fn new(hub: Arc<Hub>, room: &str, info: PeerInfo) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        Self {
            hub,
            room: room.to_owned(),
            info,
            tx,
            rx,
            joined: false,
        }
    }
}

#[async_trait]
impl Signaling for LocalSignaling {
    async fn join(&mut self) -> Result<Welcome, SignalingError> {
        let welcome = self
            .hub
            .join(
                &self.room,
                self.info.clone(),
                Outbox::Local(self.tx.clone()),
            )
            .map_err(|e| SignalingError::Refused {
                code: e.code.as_str().to_owned(),
                message: e.message,
            })?;
        self.joined = true;
        Ok(welcome.into())
    }

    async fn send(&self, to: &PeerId, signal: Signal) -> Result<(), SignalingError> {
        // A member may leave while we still send it candidates: not an error.
        if let Err(e) = self.hub.relay(&self.room, &self.info.id, to, signal) {
            debug!(room = %self.room, "keeper signal not delivered: {}", e.message);
        }
        Ok(())
    }

    async fn recv(&mut self) -> Option<SignalEvent> {
        self.rx.recv().await
    }
}

impl Drop for LocalSignaling {
    fn drop(&mut self) {
        if self.joined {
            self.hub.leave(&self.room, &self.info.id);
        }
    }
}
