//! Transport settings: where to bind, how quickly to give up on a peer, and how
//! much a peer may make us buffer.

use std::time::Duration;

use crate::protocol::Limits;

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
    /// Bytes a data channel may hold unsent before `send` waits.
    pub send_buffer_bytes: usize,
    /// Board bytes queued for one peer beyond which that peer is too slow and is
    /// disconnected (it resyncs when it comes back).
    pub max_queued_bytes: usize,
    /// Queued bytes below which a local edit may go on (back-pressure for
    /// producers such as a drawing bot).
    pub backpressure_bytes: usize,
    /// Framing and reassembly bounds.
    pub limits: Limits,
    /// Presence is forgotten this long after a client's last awareness update.
    pub presence_expiry: Duration,
}

impl Default for TransportConfig {
    fn default() -> Self {
        Self {
            bind_addrs: vec!["0.0.0.0:0".to_owned()],
            mdns: true,
            ice_disconnected_timeout: Duration::from_secs(5),
            ice_failed_timeout: Duration::from_secs(15),
            send_buffer_bytes: 1 << 20,
            max_queued_bytes: 64 << 20,
            backpressure_bytes: 4 << 20,
            limits: Limits::default(),
            presence_expiry: Duration::from_secs(30),
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
