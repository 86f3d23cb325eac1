//! Links open whichever way the trickled candidates travel, which takes the
//! paths the patched webrtc-rs changed:
//! - a trickled candidate wakes the driver, which checks the new pairs at once;
//! - a controlled agent nominated before its own check of the pair succeeded
//!   answers the nomination and selects the pair when that check succeeds;
//! - the controlling agent nominates a peer-reflexive pair (the peer's
//!   candidates never reach it) without webrtc-rs's 1 s wait.
//!
//! How much sooner the links open is the transport bench's business (the join
//! figures); this checks that they still open, on every path.

use std::time::Duration;

use inkmesh_transport::peer::{LinkEvent, LinkId, PeerLink};
use inkmesh_transport::TransportConfig;
use tokio::sync::mpsc;

const DEADLINE: Duration = Duration::from_secs(20);

/// Which trickled candidates are delivered.
#[derive(Clone, Copy)]
enum Trickle {
    Both,
    /// Only the offerer's (the controlling agent's) reach the answerer.
    ToAnswerer,
    /// Only the answerer's reach the offerer.
    ToOfferer,
}

/// Connects two links; true when both boards open by the deadline.
async fn opens(trickle: Trickle) -> bool {
    let config = TransportConfig::loopback();
    let (tx_a, mut rx_a) = mpsc::unbounded_channel::<(LinkId, LinkEvent)>();
    let (tx_b, mut rx_b) = mpsc::unbounded_channel::<(LinkId, LinkEvent)>();
    let offerer = PeerLink::new("b".into(), &config, &[], tx_a).await.unwrap();
    let answerer = PeerLink::new("a".into(), &config, &[], tx_b).await.unwrap();
    let offer = strip_candidates(&offerer.offer().await.unwrap());
    let answer = strip_candidates(&answerer.answer(offer).await.unwrap());
    offerer.accept_answer(answer).await.unwrap();
    let (mut offerer_open, mut answerer_open) = (false, false);
    let deadline = tokio::time::Instant::now() + DEADLINE;
    while !(offerer_open && answerer_open) {
        tokio::select! {
            Some((_, event)) = rx_a.recv() => match event {
                LinkEvent::Candidate(c) if !matches!(trickle, Trickle::ToOfferer) => {
                    answerer.add_candidate(c).await.unwrap()
                }
                LinkEvent::Open => offerer_open = true,
                _ => {}
            },
            Some((_, event)) = rx_b.recv() => match event {
                LinkEvent::Candidate(c) if !matches!(trickle, Trickle::ToAnswerer) => {
                    offerer.add_candidate(c).await.unwrap()
                }
                LinkEvent::Open => answerer_open = true,
                _ => {}
            },
            _ = tokio::time::sleep_until(deadline) => break,
        }
    }
    offerer.close().await;
    answerer.close().await;
    offerer_open && answerer_open
}

/// Candidates only trickle: none ride in the descriptions, so none is known
/// before `add_candidate`.
fn strip_candidates(sdp: &str) -> String {
    sdp.split_inclusive('\n')
        .filter(|line| !line.starts_with("a=candidate:"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_open_on_trickled_candidates() {
    assert!(opens(Trickle::Both).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_open_when_only_the_offerers_candidates_arrive() {
    assert!(opens(Trickle::ToAnswerer).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_open_when_only_the_answerers_candidates_arrive() {
    assert!(opens(Trickle::ToOfferer).await);
}
