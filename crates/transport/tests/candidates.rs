//! What a native link signals of its ICE candidates (`docs/PROTOCOL.md`,
//! "`signal`"): every candidate names the mid of the connection's one
//! `m=application` section and index 0, never webrtc-rs's own `""`.

mod common;

use common::{init_tracing, DEADLINE};
use inkmesh_transport::peer::{LinkEvent, PeerLink};
use inkmesh_transport::{IceCandidate, TransportConfig};
use tokio::sync::mpsc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_ends_signal_the_sections_mid_and_the_link_opens() {
    init_tracing();
    let (offerer_tx, mut offerer_events) = mpsc::unbounded_channel();
    let (answerer_tx, mut answerer_events) = mpsc::unbounded_channel();
    let config = TransportConfig::loopback();
    let offerer = PeerLink::new("answerer".into(), &config, &[], offerer_tx)
        .await
        .unwrap();
    let answerer = PeerLink::new("offerer".into(), &config, &[], answerer_tx)
        .await
        .unwrap();
    let offer = offerer.offer().await.unwrap();
    assert!(
        offer.contains("a=mid:0\r\n"),
        "the offer's section is mid 0"
    );
    let answer = answerer.answer(offer).await.unwrap();
    offerer.accept_answer(answer).await.unwrap();

    let mut signalled: Vec<(&str, IceCandidate)> = Vec::new();
    let (mut offerer_open, mut answerer_open) = (false, false);
    let deadline = tokio::time::Instant::now() + DEADLINE;
    let signalled_by = |s: &[(&str, IceCandidate)], side: &str| s.iter().any(|(by, _)| *by == side);
    while !(offerer_open
        && answerer_open
        && signalled_by(&signalled, "offerer")
        && signalled_by(&signalled, "answerer"))
    {
        tokio::select! {
            Some((_, event)) = offerer_events.recv() => match event {
                LinkEvent::Candidate(c) => {
                    signalled.push(("offerer", c.clone()));
                    answerer.add_candidate(c).await.unwrap();
                }
                LinkEvent::Open => offerer_open = true,
                LinkEvent::Closed(reason) => panic!("the offerer's link closed: {reason}"),
                _ => {}
            },
            Some((_, event)) = answerer_events.recv() => match event {
                LinkEvent::Candidate(c) => {
                    signalled.push(("answerer", c.clone()));
                    offerer.add_candidate(c).await.unwrap();
                }
                LinkEvent::Open => answerer_open = true,
                LinkEvent::Closed(reason) => panic!("the answerer's link closed: {reason}"),
                _ => {}
            },
            _ = tokio::time::sleep_until(deadline) => panic!("the links did not open, or a side signalled no candidate"),
        }
    }
    for (side, c) in &signalled {
        assert_eq!(c.sdp_mid.as_deref(), Some("0"), "{side}: {c:?}");
        assert_eq!(c.sdp_m_line_index, Some(0), "{side}: {c:?}");
    }
    offerer.close().await;
    answerer.close().await;
}
