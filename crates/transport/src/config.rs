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
    /// [`limits::SCTP_MAX_MESSAGE_BYTES`]
    pub sctp_max_message_bytes: u32,
    /// [`limits::SCTP_RTO_INITIAL`], [`limits::SCTP_RTO_MIN`], [`limits::SCTP_RTO_MAX`]
    pub sctp_rto: SctpRto,
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
            sctp_max_message_bytes: limits::SCTP_MAX_MESSAGE_BYTES,
            sctp_rto: SctpRto::default(),
            presence_expiry: PRESENCE_EXPIRY,
            candidate_policy: Arc::new(CandidatePolicy::allow_all()),
            relay_only: false,
        }
    }
}

/// The bounds of SCTP's retransmission timeout (RFC 9260 §6.3.1: RTO.Initial,
/// RTO.Min, RTO.Max), which decide how long a lost packet that fast
/// retransmit cannot see holds the board channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SctpRto {
    pub initial: Duration,
    pub min: Duration,
    pub max: Duration,
}

impl Default for SctpRto {
    fn default() -> Self {
        Self {
            initial: limits::SCTP_RTO_INITIAL,
            min: limits::SCTP_RTO_MIN,
            max: limits::SCTP_RTO_MAX,
        }
    }
}

impl SctpRto {
    /// The stack's timer settings: these bounds, its retransmission limits
    /// except DATA's, which is [`limits::SCTP_DATA_RETRANSMISSIONS`].
    /// Bounds out of order are put in order (max raised to min, initial
    /// clamped between them): the stack clamps every RTO measurement, taken
    /// when a peer's acknowledgement arrives, with them, and a clamp whose min
    /// exceeds its max panics.
    pub fn timer_config(&self) -> rtc::sctp::TimerConfig {
        let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        let min = ms(self.min);
        let max = ms(self.max).max(min);
        rtc::sctp::TimerConfig {
            rto_initial_ms: ms(self.initial).clamp(min, max),
            rto_min_ms: min,
            rto_max_ms: max,
            max_t3_rtx_retrans: limits::SCTP_DATA_RETRANSMISSIONS,
            ..rtc::sctp::TimerConfig::default()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rto_bounds_out_of_order_are_put_in_order() {
        let rto = SctpRto {
            initial: Duration::from_secs(20),
            min: Duration::from_secs(2),
            max: Duration::from_millis(500),
        };
        let timers = rto.timer_config();
        assert_eq!(
            (timers.rto_initial_ms, timers.rto_min_ms, timers.rto_max_ms),
            (2_000, 2_000, 2_000)
        );
    }

    #[test]
    fn rto_bounds_reach_the_sctp_timer_settings() {
        let rto = SctpRto {
            initial: Duration::from_millis(300),
            min: Duration::from_millis(40),
            max: Duration::from_secs(7),
        };
        let timers = rto.timer_config();
        assert_eq!(
            (timers.rto_initial_ms, timers.rto_min_ms, timers.rto_max_ms),
            (300, 40, 7_000)
        );
        let defaults = rtc::sctp::TimerConfig::default();
        assert_eq!(timers.max_t1_init_retrans, defaults.max_t1_init_retrans);
        assert_eq!(
            timers.max_t3_rtx_retrans,
            usize::MAX,
            "DATA is retransmitted for as long as the link lives"
        );
    }
}
