//! Native peers over real WebRTC on loopback: they draw concurrently and
//! converge, late joiners get the whole board through chunked sync step 2,
//! and a peer that was offline merges both ways when it returns.

mod common;

use common::{converged, init_tracing, TestPeer};
use inkmesh_doc::Encoding;
use inkmesh_transport::{MemoryHub, Presence, PresenceChange, Role, RoomEvent, SyncState};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_peers_draw_concurrently_and_converge() {
    init_tracing();
    let hub = MemoryHub::new();
    let a = TestPeer::join(&hub, "r", "alice", Role::Editor).await;
    let mut b = TestPeer::join(&hub, "r", "bob", Role::Editor).await;
    b.expect_event("bob synced with alice", |e| {
        matches!(e, RoomEvent::PeerSynced(_))
    })
    .await;

    let (ours, theirs) = tokio::join!(a.draw(5, 20, 1.0), b.draw(5, 20, 2.0));
    let elements = converged(&[&a, &b]).await;
    assert_eq!(elements.len(), 10);
    for id in ours.iter().chain(&theirs) {
        let e = elements
            .iter()
            .find(|e| &e.id == id)
            .expect("every stroke arrives");
        assert!(e.finished);
        assert_eq!(e.points.len(), 40);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_peers_draw_and_converge() {
    init_tracing();
    let hub = MemoryHub::new();
    let a = TestPeer::join(&hub, "r", "alice", Role::Editor).await;
    let b = TestPeer::join(&hub, "r", "bob", Role::Editor).await;
    let mut c = TestPeer::join(&hub, "r", "carol", Role::Editor).await;
    for _ in 0..2 {
        c.expect_event("carol synced with both", |e| {
            matches!(e, RoomEvent::PeerSynced(_))
        })
        .await;
    }
    tokio::join!(a.draw(3, 10, 1.0), b.draw(3, 10, 2.0), c.draw(3, 10, 3.0));
    assert_eq!(converged(&[&a, &b, &c]).await.len(), 9);
    let statuses = c.room.peers().await;
    assert_eq!(statuses.len(), 2);
    assert!(statuses.iter().all(|s| s.sync == SyncState::Live));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn late_joiner_gets_a_board_larger_than_one_frame() {
    init_tracing();
    let hub = MemoryHub::new();
    let a = TestPeer::join(&hub, "r", "alice", Role::Editor).await;
    a.draw(200, 50, 1.0).await;
    let state = a.board.lock().unwrap().encode_state(Encoding::V1).len();
    let frame = inkmesh_transport::Limits::default().max_frame_bytes;
    assert!(
        state > 4 * frame,
        "the board ({state} bytes) must need several chunks of {frame}"
    );

    let mut late = TestPeer::join(&hub, "r", "late", Role::Editor).await;
    late.expect_event("the late joiner synced", |e| {
        matches!(e, RoomEvent::PeerSynced(_))
    })
    .await;
    assert_eq!(late.elements(), a.elements());
    assert_eq!(late.elements().len(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_edits_merge_both_ways() {
    init_tracing();
    let hub = MemoryHub::new();
    let a = TestPeer::join(&hub, "r", "alice", Role::Editor).await;
    let mut b = TestPeer::join(&hub, "r", "bob", Role::Editor).await;
    b.expect_event("bob synced", |e| matches!(e, RoomEvent::PeerSynced(_)))
        .await;
    a.draw(2, 5, 1.0).await;
    converged(&[&a, &b]).await;

    // Bob goes offline and keeps drawing; Alice draws meanwhile.
    let bob_board = b.board.clone();
    b.room.leave().await;
    a.draw(3, 5, 1.5).await;
    {
        let mut board = bob_board.lock().unwrap();
        let s = board.begin_stroke(0.0, 0.0, &Default::default()).unwrap();
        board
            .append_points(&s, &[inkmesh_doc::Point::new(1.0, 1.0)])
            .unwrap();
        board.end_stroke(&s).unwrap();
    }
    assert_eq!(a.elements().len(), 5);
    assert_eq!(bob_board.lock().unwrap().len(), 3);

    let mut back = TestPeer::join_with(&hub, "r", "bob", Role::Editor, bob_board).await;
    back.expect_event("bob synced again", |e| {
        matches!(e, RoomEvent::PeerSynced(_))
    })
    .await;
    assert_eq!(converged(&[&a, &back]).await.len(), 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn viewers_see_everything_but_change_nothing() {
    init_tracing();
    let hub = MemoryHub::new();
    let mut editor = TestPeer::join(&hub, "r", "ed", Role::Editor).await;
    let viewer = TestPeer::join(&hub, "r", "vi", Role::Viewer).await;
    editor.draw(1, 5, 1.0).await;
    converged(&[&editor, &viewer]).await;

    // The viewer's client edits anyway: the editor drops it.
    viewer
        .room
        .edit(|b| {
            b.add(inkmesh_doc::NewElement::rect(0.0, 0.0, 1.0, 1.0))
                .unwrap()
        })
        .await;
    editor
        .expect_event("the viewer's update dropped", |e| {
            matches!(e, RoomEvent::ViewerUpdateDropped { .. })
        })
        .await;
    assert_eq!(editor.elements().len(), 1);
    assert_eq!(
        viewer.elements().len(),
        2,
        "only the viewer's own copy has it"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cursors_and_presence_reach_other_peers() {
    init_tracing();
    let hub = MemoryHub::new();
    let mut a = TestPeer::join(&hub, "r", "alice", Role::Editor).await;
    let b = TestPeer::join(&hub, "r", "bob", Role::Editor).await;
    a.expect_event("alice synced", |e| matches!(e, RoomEvent::PeerSynced(_)))
        .await;

    b.room.set_presence(Presence {
        name: "Bob".into(),
        colour: "#1971c2".into(),
        selection: vec!["x".into()],
        viewport: None,
    });
    let event = a
        .expect_event("bob's presence", |e| {
            matches!(
                e,
                RoomEvent::Presence {
                    change: PresenceChange::Updated { .. },
                    ..
                }
            )
        })
        .await;
    let RoomEvent::Presence {
        change: PresenceChange::Updated { presence, .. },
        ..
    } = event
    else {
        unreachable!()
    };
    assert_eq!(presence.name, "Bob");

    for i in 0..20 {
        b.room.send_cursor(i as f32, 2.0 * i as f32, 1, 0);
        tokio::time::sleep(std::time::Duration::from_millis(16)).await;
    }
    let event = a
        .expect_event(
            "bob's last cursor",
            |e| matches!(e, RoomEvent::Cursor { frame, .. } if frame.x == 19.0),
        )
        .await;
    let RoomEvent::Cursor { peer, frame } = event else {
        unreachable!()
    };
    assert_eq!(peer, b.room.me().id);
    assert_eq!((frame.y, frame.buttons), (38.0, 1));

    // Leaving removes the presence.
    b.room.leave().await;
    a.expect_event("bob's presence removed", |e| {
        matches!(
            e,
            RoomEvent::Presence {
                change: PresenceChange::Removed { .. },
                ..
            }
        )
    })
    .await;
}
