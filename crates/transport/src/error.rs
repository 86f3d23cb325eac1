//! Transport errors.

use crate::protocol::ProtocolError;
use crate::signaling::SignalingError;

#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("webrtc: {0}")]
    WebRtc(#[from] webrtc::error::Error),
    #[error(transparent)]
    Signaling(#[from] SignalingError),
    #[error("protocol: {0}")]
    Protocol(#[from] ProtocolError),
    #[error("the room has closed")]
    Closed,
}
