//! No bus: a node alone, as a single server has always worked.

use async_trait::async_trait;
use inkmesh_transport::{PeerId, PeerInfo, Signal};

use super::{Admission, Bus, RemoteMember};
use crate::error::ApiError;
use crate::signal::colours::ColourChoice;

/// The bus of a node that has no other nodes: every room is this node's
/// alone, so there is no one to tell and no one to reach.
pub struct NodeLocal;

#[async_trait]
impl Bus for NodeLocal {
    async fn join(
        &self,
        _room: &str,
        _user: &str,
        _peer: &PeerInfo,
        _max_people: usize,
        _colour: Option<&ColourChoice>,
    ) -> Result<Admission, ApiError> {
        // Every member of the room is this node's: the hub's pick stands.
        Ok(Admission {
            elsewhere: Vec::new(),
            colour: None,
        })
    }

    async fn leave(&self, _room: &str, _id: &PeerId) {}

    async fn room_deleted(&self, _room: &str) {}

    async fn relay(
        &self,
        room: &str,
        _from: &PeerId,
        to: &PeerId,
        _signal: &Signal,
    ) -> Result<(), ApiError> {
        Err(ApiError::unknown_peer(room, to))
    }

    async fn members(
        &self,
        _room: &str,
        _here: &[(String, PeerInfo)],
    ) -> Result<Vec<RemoteMember>, ApiError> {
        Ok(Vec::new())
    }
}
