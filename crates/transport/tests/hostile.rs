//! A misbehaving peer, speaking real WebRTC through a raw link: malformed,
//! truncated and oversized frames, and floods of chunks. Each time the victim
//! disconnects it with a logged reason, nothing panics, and the rest of the
//! room carries on.

mod common;

use common::{converged, init_tracing, TestPeer, DEADLINE};
use inkmesh_transport::peer::{LinkEvent, PeerLink};
use inkmesh_transport::{
    MemoryHub, PeerId, Role, RoomEvent, Signal, SignalEvent, Signaling, TransportConfig,
};
use tokio::sync::mpsc;

/// A raw connection from a new room member to `victim`, open, and past the
/// victim's first frame (the answerer speaks first: PROTOCOL.md).
struct Hostile {
    id: PeerId,
    link: PeerLink,
    events: mpsc::UnboundedReceiver<(PeerId, LinkEvent)>,
    _signaling: inkmesh_transport::MemorySignaling,
}

async fn connect_hostile(hub: &MemoryHub, victim: &PeerId) -> Hostile {
    let mut signaling = hub.connect("r", "mallory", Role::Editor);
    let welcome = signaling.join().await.unwrap();
    let (tx, mut events) = mpsc::unbounded_channel();
    let link = PeerLink::new(victim.clone(), &TransportConfig::loopback(), &[], tx)
        .await
        .unwrap();
    let sdp = link.offer().await.unwrap();
    signaling.send(victim, Signal::Offer { sdp }).await.unwrap();
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        tokio::select! {
            Some(event) = signaling.recv() => match event {
                SignalEvent::Signal { signal: Signal::Answer { sdp }, .. } => link.accept_answer(sdp).await.unwrap(),
                SignalEvent::Signal { signal: Signal::Candidate { candidate }, .. } => link.add_candidate(candidate).await.unwrap(),
                _ => {}
            },
            Some((_, event)) = events.recv() => match event {
                LinkEvent::Candidate(candidate) => signaling.send(victim, Signal::Candidate { candidate }).await.unwrap(),
                LinkEvent::Board(_) => break,
                LinkEvent::Closed(reason) => panic!("hostile link closed before opening: {reason}"),
                _ => {}
            },
            _ = tokio::time::sleep_until(deadline) => panic!("hostile link did not open"),
        }
    }
    Hostile {
        id: welcome.me.id,
        link,
        events,
        _signaling: signaling,
    }
}

fn chunk(id: u32, index: u16, count: u16, payload: &[u8]) -> Vec<u8> {
    let mut frame = vec![0x01];
    frame.extend_from_slice(&id.to_le_bytes());
    frame.extend_from_slice(&index.to_le_bytes());
    frame.extend_from_slice(&count.to_le_bytes());
    frame.extend_from_slice(payload);
    frame
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn misbehaving_peers_are_disconnected_and_the_room_carries_on() {
    init_tracing();
    let hub = MemoryHub::new();
    let mut victim = TestPeer::join(&hub, "r", "victim", Role::Editor).await;
    let mut bystander = TestPeer::join(&hub, "r", "bystander", Role::Editor).await;
    bystander
        .expect_event("bystander synced", |e| {
            matches!(e, RoomEvent::PeerSynced(_))
        })
        .await;
    let victim_id = victim.room.me().id.clone();

    let full_chunk = vec![0u8; inkmesh_transport::Limits::default().max_frame_bytes - 9];
    let attacks: Vec<(&str, Vec<Vec<u8>>)> = vec![
        ("an unknown frame type", vec![vec![0x07, 1, 2, 3]]),
        (
            "a truncated sync message",
            vec![vec![0x00, 0x00, 0x01, 0xff]],
        ),
        (
            "an update that does not decode",
            vec![vec![0x00, 0x00, 0x02, 0x03, 0xff, 0xff, 0xff]],
        ),
        (
            "a message claiming to be huge",
            vec![chunk(1, 0, u16::MAX, &full_chunk)],
        ),
        (
            "a flood of unfinished messages",
            (1..=64).map(|id| chunk(id, 0, 2, &[0; 8])).collect(),
        ),
        (
            "a chunk out of order",
            vec![chunk(9, 0, 3, &[0; 8]), chunk(9, 2, 3, &[0; 8])],
        ),
    ];
    for (round, (what, frames)) in attacks.into_iter().enumerate() {
        let mut hostile = connect_hostile(&hub, &victim_id).await;
        for frame in frames {
            hostile.link.send_board(frame);
        }
        let event = victim
            .expect_event(
                &format!("the victim to disconnect a peer sending {what}"),
                |e| matches!(e, RoomEvent::PeerDisconnected { peer, .. } if *peer == hostile.id),
            )
            .await;
        let RoomEvent::PeerDisconnected { reason, .. } = event else {
            unreachable!()
        };
        assert!(
            reason.starts_with("misbehaved"),
            "{what}: reason {reason:?}"
        );

        // The hostile side sees its connection end.
        let closed = tokio::time::timeout(DEADLINE, async {
            while let Some((_, event)) = hostile.events.recv().await {
                if matches!(event, LinkEvent::Closed(_)) {
                    return true;
                }
            }
            false
        })
        .await;
        assert_eq!(closed, Ok(true), "{what}: the hostile link was not closed");
        hostile.link.close().await;

        // The room carries on.
        victim.draw(1, 3, round as f64).await;
        converged(&[&victim, &bystander]).await;
    }
    assert_eq!(victim.elements().len(), 6);
    assert_eq!(
        victim.room.peers().await.len(),
        1,
        "only the bystander is still connected"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_cursor_frame_disconnects_the_sender() {
    init_tracing();
    let hub = MemoryHub::new();
    let mut victim = TestPeer::join(&hub, "r", "victim", Role::Editor).await;
    let victim_id = victim.room.me().id.clone();
    let hostile = connect_hostile(&hub, &victim_id).await;
    // A valid frame first: it is delivered.
    let good = inkmesh_transport::CursorFrame {
        seq: 1,
        x: 1.0,
        y: 2.0,
        buttons: 0,
        tool: 0,
    };
    hostile.link.send_cursor(good);
    victim
        .expect_event(
            "the good cursor",
            |e| matches!(e, RoomEvent::Cursor { frame, .. } if *frame == good),
        )
        .await;
    hostile.link.send_cursor_bytes(&[1, 2, 3]).await.unwrap();
    let event = victim
        .expect_event("the cursor sender disconnected", |e| {
            matches!(e, RoomEvent::PeerDisconnected { .. })
        })
        .await;
    let RoomEvent::PeerDisconnected { reason, .. } = event else {
        unreachable!()
    };
    assert!(reason.contains("cursor"), "reason {reason:?}");
}
