//! Transport settings: where to bind, how quickly to give up on a peer, how
//! much a peer may make us buffer, and which candidate addresses we check.

use std::sync::Arc;
use std::time::Duration;

use crate::candidates::CandidatePolicy;
use crate::limits::{self, Limits};
use crate::protocol::presence::PRESENCE_EXPIRY;

#[derive(Debug, Clone)]
pub struct TransportConfig {
    /// UDP addresses to gather candidates on. A wildcard bind skips loopback, so
    /// tests on one machine bind `127.0.0.1:0` explicitly.
    pub bind_addrs: Vec<String>,
    /// Accept mDNS (`.local`) candidates, as browsers offer by default. Off in a
    /// network namespace that has only loopback, where mDNS cannot start.
    pub mdns: bool,
    /// ICE gives up on a silent peer after these (webrtc's defaults are 5 s and 25 s).
    pub ice_disconnected_timeout: Duration,
    pub ice_failed_timeout: Duration,
    /// [`limits::SEND_BUFFER_BYTES`]
    pub send_buffer_bytes: usize,
    /// [`limits::MAX_QUEUED_BYTES`]: every frame sent to a peer counts against it.
    pub max_queued_bytes: usize,
    /// [`limits::BACKPRESSURE_BYTES`]
    pub backpressure_bytes: usize,
    /// [`limits::INBOUND_LINK_BYTES`]
    pub inbound_link_bytes: usize,
    /// Framing and reassembly bounds.
    pub limits: Limits,
    /// Presence is forgotten this long after a client's last awareness update.
    pub presence_expiry: Duration,
    /// Which remote candidates we check connectivity to. Everything by
    /// default; the server's keeper uses [`CandidatePolicy::for_server`].
    pub candidate_policy: Arc<CandidatePolicy>,
    /// Gather only relay candidates (through the TURN servers of the welcome)
    /// and so never show peers this machine's addresses; links open only
    /// where a TURN server takes us. Off by default.
    pub relay_only: bool,
}

impl Default for TransportConfig {
    fn default() -> Self {
        Self {
            bind_addrs: vec!["0.0.0.0:0".to_owned()],
            mdns: true,
            ice_disconnected_timeout: Duration::from_secs(5),
            ice_failed_timeout: Duration::from_secs(15),
            send_buffer_bytes: limits::SEND_BUFFER_BYTES,
            max_queued_bytes: limits::MAX_QUEUED_BYTES,
            backpressure_bytes: limits::BACKPRESSURE_BYTES,
            inbound_link_bytes: limits::INBOUND_LINK_BYTES,
            limits: Limits::default(),
            presence_expiry: PRESENCE_EXPIRY,
            candidate_policy: Arc::new(CandidatePolicy::allow_all()),
            relay_only: false,
        }
    }
}

impl TransportConfig {
    /// Peers on this machine only: loopback, no mDNS.
    pub fn loopback() -> Self {
        Self {
            bind_addrs: vec!["127.0.0.1:0".to_owned()],
            mdns: false,
            ..Self::default()
        }
    }
}
