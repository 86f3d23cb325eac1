//! A misbehaving peer, speaking real WebRTC through a raw link: malformed,
//! truncated and oversized frames, and floods of chunks. Each time the victim
//! disconnects it with a logged reason, nothing panics, and the rest of the
//! room carries on.

mod common;

use common::{connect_hostile, converged, init_tracing, open_raw_link, TestPeer};
use inkmesh_transport::protocol::chunk::chunk_frame;
use inkmesh_transport::{MemoryHub, Role, RoomEvent};

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
            vec![chunk_frame(1, 0, u16::MAX, &full_chunk)],
        ),
        (
            "a flood of unfinished messages",
            (1..=64).map(|id| chunk_frame(id, 0, 2, &[0; 8])).collect(),
        ),
        (
            "a chunk out of order",
            vec![chunk_frame(9, 0, 3, &[0; 8]), chunk_frame(9, 2, 3, &[0; 8])],
        ),
    ];
    for (round, (what, frames)) in attacks.into_iter().enumerate() {
        let mut hostile = connect_hostile(&hub, &victim_id).await;
        for frame in frames {
            hostile.link.send_board(frame);
        }
        let (reason, _) = victim
            .expect_disconnect(
                &format!("the victim to disconnect a peer sending {what}"),
                &hostile.id,
            )
            .await;
        assert!(
            reason.starts_with("misbehaved"),
            "{what}: reason {reason:?}"
        );

        // The hostile side sees its connection end.
        hostile.expect_closed(what).await;
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

/// A member that offers again (as a browser does when its link failed first
/// on its side) gets its link replaced; the end of the old link, reported
/// after the new one exists, must not end the new one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_offer_replaces_the_link_and_the_old_links_end_spares_the_new_one() {
    init_tracing();
    let hub = MemoryHub::new();
    let mut victim = TestPeer::join(&hub, "r", "victim", Role::Editor).await;
    let victim_id = victim.room.me().id.clone();
    let mut first = connect_hostile(&hub, &victim_id).await;
    let (second, _second_events) = open_raw_link(&mut first.signaling, &victim_id).await;
    first.expect_closed("the replaced link").await;
    // Link events reach the room in order: this cursor is handled after
    // whatever the old link reported as it ended.
    let cursor = inkmesh_transport::CursorFrame {
        seq: 1,
        x: 3.0,
        y: 4.0,
        buttons: 0,
        tool: 0,
    };
    second.send_cursor(cursor);
    victim
        .expect_event("a cursor over the new link", |e| {
            assert!(
                !matches!(e, RoomEvent::PeerDisconnected { .. }),
                "the new link was ended: {e:?}"
            );
            matches!(e, RoomEvent::Cursor { frame, .. } if *frame == cursor)
        })
        .await;
}
