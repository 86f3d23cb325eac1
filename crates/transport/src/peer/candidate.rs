//! ICE candidates between webrtc-rs and the signaling JSON
//! (`docs/PROTOCOL.md`, "`signal`").
//!
//! webrtc-rs stamps every local candidate with `sdpMid: ""`, whatever the
//! m-section's `a=mid:` is. Browsers happen to fall back to `sdpMLineIndex`
//! for an empty mid, but the protocol says a sender names the mid of the one
//! `m=application` section, so the link remembers that mid from the
//! description it sets and writes it into each candidate it signals.

use std::sync::{Arc, Mutex};

use webrtc::peer_connection::RTCIceCandidateInit;

use crate::signaling::IceCandidate;

/// The index of the only m-section of an Inkmesh connection.
const M_LINE_INDEX: u16 = 0;

/// The mid of our local description's m-section, shared with the event
/// handler that signals local candidates. Set before the description is, so
/// it is known before gathering starts.
#[derive(Debug, Clone, Default)]
pub(crate) struct LocalMid(Arc<Mutex<Option<String>>>);

impl LocalMid {
    /// Remembers the mid of `sdp`, the description about to be set locally.
    pub(crate) fn take_from(&self, sdp: &str) {
        let mid = section_mid(sdp).map(str::to_owned);
        *self.0.lock().expect("local mid lock") = mid;
    }

    fn get(&self) -> Option<String> {
        self.0.lock().expect("local mid lock").clone()
    }

    /// A local candidate as we signal it: the m-section's mid and index 0,
    /// and no username fragment (webrtc-rs gives none; the description holds
    /// it).
    pub(crate) fn signal(&self, init: RTCIceCandidateInit) -> IceCandidate {
        IceCandidate {
            candidate: init.candidate,
            sdp_mid: self.get(),
            sdp_m_line_index: Some(M_LINE_INDEX),
            username_fragment: init.username_fragment,
        }
    }
}

/// The `a=mid:` of the first m-section of `sdp` (an Inkmesh description has
/// one), if it has one.
fn section_mid(sdp: &str) -> Option<&str> {
    sdp.lines()
        .skip_while(|line| !line.starts_with("m="))
        .find_map(|line| line.trim_end().strip_prefix("a=mid:"))
}

/// A remote candidate as webrtc-rs takes it. Its `sdpMid` and
/// `sdpMLineIndex` are passed on but do not matter: the connection has one
/// m-section, and webrtc-rs adds every candidate to it.
pub(crate) fn remote(c: IceCandidate) -> RTCIceCandidateInit {
    RTCIceCandidateInit {
        candidate: c.candidate,
        sdp_mid: c.sdp_mid,
        sdp_mline_index: c.sdp_m_line_index,
        username_fragment: c.username_fragment,
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OFFER: &str = "v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n\
        a=group:BUNDLE 0\r\na=mid:session-level-is-not-a-section\r\n\
        m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\n\
        a=mid:0\r\na=sctp-port:5000\r\n";

    #[test]
    fn the_mid_is_the_first_m_sections() {
        assert_eq!(section_mid(OFFER), Some("0"));
        assert_eq!(
            section_mid(&OFFER.replace("a=mid:0\r\n", "a=mid:data\r\n")),
            Some("data")
        );
        assert_eq!(section_mid("v=0\r\nm=application 9 x\r\n"), None);
    }

    #[test]
    fn local_candidates_carry_the_mid_and_index_0() {
        let mid = LocalMid::default();
        let init = RTCIceCandidateInit {
            candidate: "candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host".to_owned(),
            // What webrtc-rs 0.21 writes, whatever the description says.
            sdp_mid: Some(String::new()),
            sdp_mline_index: Some(0),
            ..Default::default()
        };
        // Before any description: no mid to name, the index still says which section.
        assert_eq!(mid.signal(init.clone()).sdp_mid, None);
        mid.take_from(OFFER);
        let signalled = mid.signal(init);
        assert_eq!(signalled.sdp_mid.as_deref(), Some("0"));
        assert_eq!(signalled.sdp_m_line_index, Some(0));
        let json = serde_json::to_value(&signalled).unwrap();
        assert_eq!(json["sdpMid"], "0");
        assert_eq!(json["sdpMLineIndex"], 0);
    }
}
