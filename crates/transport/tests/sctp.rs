//! The SCTP settings a link is built with reach the stack: the SDP advertises
//! our largest message size, and a message of that size crosses a link whole.

use std::time::Duration;

use inkmesh_transport::limits::SCTP_MAX_MESSAGE_BYTES;
use inkmesh_transport::peer::{LinkEvent, LinkId, PeerLink};
use inkmesh_transport::TransportConfig;
use tokio::sync::mpsc;

type Events = mpsc::UnboundedReceiver<(LinkId, LinkEvent)>;

/// Two links on loopback, both channels open; the offer's SDP too.
async fn open_pair() -> ((PeerLink, Events), (PeerLink, Events), String) {
    let config = TransportConfig::loopback();
    let (tx_a, mut rx_a) = mpsc::unbounded_channel();
    let (tx_b, mut rx_b) = mpsc::unbounded_channel();
    let a = PeerLink::new("b".into(), &config, &[], tx_a).await.unwrap();
    let b = PeerLink::new("a".into(), &config, &[], tx_b).await.unwrap();
    let offer = a.offer().await.unwrap();
    let answer = b.answer(offer.clone()).await.unwrap();
    a.accept_answer(answer).await.unwrap();
    let (mut a_open, mut b_open) = (false, false);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !(a_open && b_open) {
        tokio::select! {
            Some((_, event)) = rx_a.recv() => match event {
                LinkEvent::Candidate(c) => b.add_candidate(c).await.unwrap(),
                LinkEvent::Open => a_open = true,
                _ => {}
            },
            Some((_, event)) = rx_b.recv() => match event {
                LinkEvent::Candidate(c) => a.add_candidate(c).await.unwrap(),
                LinkEvent::Open => b_open = true,
                _ => {}
            },
            _ = tokio::time::sleep_until(deadline) => panic!("the links did not open in 20 s"),
        }
    }
    ((a, rx_a), (b, rx_b), offer)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_offer_advertises_our_largest_message() {
    let ((a, _), (b, _), offer) = open_pair().await;
    assert!(
        offer.contains(&format!("a=max-message-size:{SCTP_MAX_MESSAGE_BYTES}")),
        "offer without our max-message-size:\n{offer}"
    );
    a.close().await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_of_the_largest_size_round_trips() {
    let ((a, _rx_a), (b, mut rx_b), _) = open_pair().await;
    let message: Vec<u8> = (0..SCTP_MAX_MESSAGE_BYTES as usize)
        .map(|i| (i % 251) as u8)
        .collect();
    a.send_board(message.clone());
    let received = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            match rx_b.recv().await {
                Some((_, LinkEvent::Board(frame))) => return frame.to_vec(),
                Some((_, LinkEvent::Closed(reason))) => panic!("link closed: {reason}"),
                Some(_) => {}
                None => panic!("the link's events ended"),
            }
        }
    })
    .await
    .expect("the message did not arrive in 20 s");
    assert_eq!(received.len(), message.len());
    assert!(received == message, "the message arrived altered");
    a.close().await;
    b.close().await;
}
