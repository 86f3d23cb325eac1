//! A renegotiation offer (docs/PROTOCOL.md, "Renegotiation: media on a live
//! link") sent to a native peer, as the keeper is one: ignored. Taken for a
//! re-offer, it would be answered and replace the sender's live link.

mod common;

use std::time::Duration;

use common::{connect_hostile, init_tracing, TestPeer};
use inkmesh_transport::peer::PeerLink;
use inkmesh_transport::{MemoryHub, Role, Signal, SignalEvent, Signaling, TransportConfig};
use tokio::sync::mpsc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_native_peer_ignores_a_renegotiation_offer() {
    init_tracing();
    let hub = MemoryHub::new();
    let victim = TestPeer::join(&hub, "r", "victim", Role::Editor).await;
    let victim_id = victim.room.me().id.clone();
    let mut mallory = connect_hostile(&hub, &victim_id).await;

    // A real offer (media or not, the victim must not take it), marked.
    let (tx, _events) = mpsc::unbounded_channel();
    let fresh = PeerLink::new(victim_id.clone(), &TransportConfig::loopback(), &[], tx)
        .await
        .unwrap();
    let offer = Signal::Offer {
        sdp: fresh.offer().await.unwrap(),
        renegotiate: true,
    };
    mallory.signaling.send(&victim_id, offer).await.unwrap();

    // The victim takes signals in order: once it has answered a member who
    // offered after that, any answer to the renegotiation is already queued.
    let _eve = connect_hostile(&hub, &victim_id).await;
    while let Ok(Some(event)) = tokio::time::timeout(Duration::ZERO, mallory.signaling.recv()).await
    {
        assert!(
            !matches!(
                event,
                SignalEvent::Signal {
                    signal: Signal::Answer { .. },
                    ..
                }
            ),
            "the renegotiation offer was answered"
        );
    }
}
