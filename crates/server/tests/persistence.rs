//! Native peers join through the real server, draw, and the keeper stores what
//! editors drew (and nothing a viewer did); a restart brings the board back.

mod common;

use common::*;
use inkmesh_doc::{NewElement, Point, Style};
use inkmesh_transport::{Role, RoomEvent, SyncState};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drawings_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let url = server.signal_url();
    let alice = Peer::join(&url, "r1", "alice", Role::Editor).await;
    let bob = Peer::join(&url, "r1", "bob", Role::Editor).await;

    for i in 0..5 {
        alice
            .room
            .edit(|b| b.add(NewElement::rect(i as f64 * 10.0, 0.0, 5.0, 5.0)))
            .await
            .unwrap();
    }
    bob.room
        .edit(|b| {
            let s = b.begin_stroke(0.0, 0.0, &Style::default())?;
            b.append_points(&s, &[Point::new(1.0, 1.0), Point::new(2.0, 3.0)])?;
            b.end_stroke(&s)
        })
        .await
        .unwrap();

    let addr = server.addr();
    wait_for(
        "both peers and the keeper to hold all six elements",
        30,
        || async {
            let want = alice.ids();
            want.len() == 6 && bob.ids() == want && stored_ids(addr, "r1").await == want
        },
    )
    .await;
    let drawn = alice.ids();
    assert_render_matches_snapshot(addr, "r1").await;
    assert_views_compress(addr, "r1").await;

    // History lists snapshots once the room is compacted (shutdown does that).
    drop(alice);
    drop(bob);
    server.shutdown().await;

    let server = start(dir.path()).await;
    assert_eq!(
        stored_ids(server.addr(), "r1").await,
        drawn,
        "the board came back"
    );
    assert_render_matches_snapshot(server.addr(), "r1").await;
    assert_views_compress(server.addr(), "r1").await;
    let auth = format!("Bearer {}", token("r1", "x", Role::Viewer));
    let (status, body) = http(
        server.addr(),
        "GET",
        "/api/rooms/r1/history",
        &[("Authorization", &auth)],
        b"",
    )
    .await;
    assert_eq!(status, 200);
    let history: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert!(
        !history["snapshots"].as_array().unwrap().is_empty(),
        "{history}"
    );
    let (status, svg) = http(
        server.addr(),
        "GET",
        &format!(
            "/api/rooms/r1/board.svg?token={}",
            token("r1", "x", Role::Viewer)
        ),
        &[],
        b"",
    )
    .await;
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&svg).contains("<svg"));

    // A newcomer after the restart gets the board from the keeper.
    let carol = Peer::join(&server.signal_url(), "r1", "carol", Role::Editor).await;
    wait_for("a newcomer to sync the stored board", 30, || async {
        carol.ids() == drawn
    })
    .await;
    drop(carol);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewers_updates_are_dropped_by_the_keeper_and_never_stored() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let url = server.signal_url();
    let addr = server.addr();
    let mut viewer = Peer::join(&url, "r2", "vera", Role::Viewer).await;
    let editor = Peer::join(&url, "r2", "eddie", Role::Editor).await;
    // Live with the keeper and the editor, so that the edit below goes out as
    // an update (a viewer's sync step 2 is empty: PROTOCOL.md, "Roles").
    wait_for("the viewer to be live with everyone", 30, || async {
        let peers = viewer.room.peers().await;
        peers.len() == 2 && peers.iter().all(|p| p.sync == SyncState::Live)
    })
    .await;

    // The viewer's client misbehaves and edits anyway.
    let forbidden = viewer
        .room
        .edit(|b| b.add(NewElement::rect(0.0, 0.0, 1.0, 1.0)))
        .await
        .unwrap();
    let allowed = editor
        .room
        .edit(|b| b.add(NewElement::ellipse(0.0, 0.0, 1.0, 1.0)))
        .await
        .unwrap();

    // The viewer still receives the editor's work (it is connected and synced)...
    wait_for("the viewer to receive the editor's element", 30, || async {
        viewer.ids().contains(&allowed)
    })
    .await;
    // ...and the keeper has the editor's element, but not the viewer's.
    wait_for("the keeper to hold the editor's element", 30, || async {
        stored_ids(addr, "r2").await.contains(&allowed)
    })
    .await;
    // The editor dropped the viewer's update too (reported as such).
    let _ = &mut viewer.events;
    assert!(!editor.ids().contains(&forbidden));
    // One more editor round trip, so anything the viewer sent has been handled.
    let later = editor
        .room
        .edit(|b| b.add(NewElement::line(0.0, 0.0, 1.0, 1.0)))
        .await
        .unwrap();
    wait_for("the keeper to hold the later element", 30, || async {
        stored_ids(addr, "r2").await.contains(&later)
    })
    .await;
    assert!(!stored_ids(addr, "r2").await.contains(&forbidden));
    wait_for(
        "the keeper to count the viewer's dropped update",
        30,
        || async {
            let (_, metrics) = http(addr, "GET", "/metrics", &[], b"").await;
            String::from_utf8_lossy(&metrics).lines().any(|l| {
                l.starts_with("inkmesh_viewer_updates_dropped_total ") && !l.ends_with(" 0")
            })
        },
    )
    .await;

    drop(viewer);
    drop(editor);
    server.shutdown().await;
    let server = start(dir.path()).await;
    let stored = stored_ids(server.addr(), "r2").await;
    assert!(stored.contains(&allowed) && stored.contains(&later));
    assert!(
        !stored.contains(&forbidden),
        "a viewer's element was persisted"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_editor_reports_dropping_a_viewers_update() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let url = server.signal_url();
    let viewer = Peer::join(&url, "r3", "vera", Role::Viewer).await;
    let mut editor = Peer::join(&url, "r3", "eddie", Role::Editor).await;
    // Live both ways, so that the edit below goes out as an update (a
    // viewer's sync step 2 is empty: PROTOCOL.md, "Roles").
    wait_for("the editor and viewer to be live", 30, || async {
        editor
            .room
            .peers()
            .await
            .iter()
            .any(|p| p.info.role == Role::Viewer && p.sync == SyncState::Live)
            && viewer
                .room
                .peers()
                .await
                .iter()
                .filter(|p| p.sync == SyncState::Live)
                .count()
                == 2
    })
    .await;
    viewer
        .room
        .edit(|b| b.add(NewElement::rect(0.0, 0.0, 1.0, 1.0)))
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let event = tokio::time::timeout_at(deadline, editor.events.recv())
            .await
            .expect("a ViewerUpdateDropped event within 30 s")
            .expect("room open");
        if matches!(event, RoomEvent::ViewerUpdateDropped { .. }) {
            break;
        }
    }
    drop(viewer);
    drop(editor);
    server.shutdown().await;
}

/// `/healthz`'s (awake, dormant) keeper counts.
async fn keepers(addr: std::net::SocketAddr) -> (u64, u64) {
    let (status, body) = http(addr, "GET", "/healthz", &[], b"").await;
    assert_eq!(status, 200);
    let health: serde_json::Value = serde_json::from_slice(&body).unwrap();
    (
        health["keepers"].as_u64().unwrap(),
        health["keepersDormant"].as_u64().unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_keeper_sleeps_until_someone_connects_to_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let addr = server.addr();

    // A member who only signals is welcomed with the keeper listed, but the
    // keeper loads nothing and runs no peer for it.
    let (mut lurker, welcome) =
        RawClient::join(addr, "lazy", &token("lazy", "lurker", Role::Editor)).await;
    assert_eq!(welcome["peers"][0]["keeper"], true, "{welcome}");
    assert_eq!(keepers(addr).await, (0, 1));

    // The first offer to it wakes it: the newcomer syncs and what it draws is stored.
    let alice = Peer::join(&server.signal_url(), "lazy", "alice", Role::Editor).await;
    let id = alice
        .room
        .edit(|b| b.add(NewElement::rect(1.0, 2.0, 3.0, 4.0)))
        .await
        .unwrap();
    wait_for("the woken keeper to hold alice's rect", 30, || async {
        stored_ids(addr, "lazy").await.contains(&id)
    })
    .await;
    assert_eq!(keepers(addr).await, (1, 0));

    // Once everyone has gone the keeper leaves, storing the board.
    drop(alice);
    lurker.ws.close(None).await.unwrap();
    wait_for("the keeper to leave the empty room", 30, || async {
        keepers(addr).await == (0, 0)
    })
    .await;
    server.shutdown().await;
    let server = start(dir.path()).await;
    assert!(stored_ids(server.addr(), "lazy").await.contains(&id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dormant_keeper_leaves_a_room_that_empties() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let addr = server.addr();
    let (mut lurker, _) =
        RawClient::join(addr, "brief", &token("brief", "lurker", Role::Viewer)).await;
    assert_eq!(keepers(addr).await, (0, 1));
    lurker.ws.close(None).await.unwrap();
    wait_for("the dormant keeper to leave", 30, || async {
        keepers(addr).await == (0, 0)
    })
    .await;
    // A member arriving later gets a fresh keeper.
    let (_again, welcome) =
        RawClient::join(addr, "brief", &token("brief", "back", Role::Viewer)).await;
    assert_eq!(welcome["peers"][0]["keeper"], true, "{welcome}");
    assert_eq!(keepers(addr).await, (0, 1));
}

/// `?first=WxH` answers the render stream of the elements a window of that
/// size shows first (the box from the origin, rounded up to a first view's
/// side), with the whole stream's record count in a header; it follows the
/// board as the whole stream does, and a size it cannot serve is a 400 that
/// says what it takes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_view_is_the_render_stream_of_what_a_window_shows_first() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let addr = server.addr();
    let alice = Peer::join(&server.signal_url(), "r5", "alice", Role::Editor).await;
    let auth = format!("Bearer {}", token("r5", "reader", Role::Viewer));
    let get = |query: &'static str| {
        let auth = auth.clone();
        async move {
            http_response(
                addr,
                "GET",
                &format!("/api/rooms/r5/render{query}"),
                &[("Authorization", &auth)],
                b"",
            )
            .await
        }
    };
    // 1000 × 700 reads the first view 1024 × 1024.
    for (x, y) in [
        (100.0, 100.0),
        (5000.0, 100.0),
        (100.0, 1000.0),
        (100.0, 1200.0),
    ] {
        alice
            .room
            .edit(|b| b.add(NewElement::rect(x, y, 5.0, 5.0)))
            .await
            .unwrap();
    }
    wait_for("the keeper to hold the elements", 30, || async {
        stored_ids(addr, "r5").await == alice.ids()
    })
    .await;
    let first = get("?first=1000x700").await;
    assert_eq!(
        first.status,
        200,
        "{}",
        String::from_utf8_lossy(&first.body)
    );
    assert_eq!(first.header("inkmesh-board-elements"), Some("4"));
    let shown: Vec<(f64, f64)> = inkmesh_doc::decode_render_stream(&first.body)
        .unwrap()
        .into_iter()
        .map(|e| (e.x, e.y))
        .collect();
    assert_eq!(shown, [(100.0, 100.0), (100.0, 1000.0)]);
    let whole = get("").await;
    assert_eq!(whole.status, 200);
    assert_eq!(whole.header("inkmesh-board-elements"), None);
    assert_eq!(
        inkmesh_doc::decode_render_stream(&whole.body)
            .unwrap()
            .len(),
        4
    );

    alice
        .room
        .edit(|b| b.add(NewElement::rect(300.0, 300.0, 5.0, 5.0)))
        .await
        .unwrap();
    wait_for("the first view to show the new element", 30, || async {
        let first = get("?first=1000x700").await;
        first.header("inkmesh-board-elements") == Some("5")
            && inkmesh_doc::decode_render_stream(&first.body)
                .unwrap()
                .len()
                == 3
    })
    .await;

    for bad in [
        "?first=0x700",
        "?first=5000x700",
        "?first=1000",
        "?first=axb",
        "?first=-1x5",
    ] {
        let answer = get(bad).await;
        assert_eq!(answer.status, 400, "{bad}");
        assert_eq!(answer.json()["code"], "bad_request", "{bad}");
        assert!(
            answer.json()["message"]
                .as_str()
                .unwrap()
                .contains("WIDTHxHEIGHT"),
            "{bad}"
        );
    }
    drop(alice);
    server.shutdown().await;
}

/// The keeper keeps a room's render stream until the board changes: a stream
/// fetched, then a drawing, then another fetch shows the new element.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_render_stream_follows_the_board() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let addr = server.addr();
    let alice = Peer::join(&server.signal_url(), "r4", "alice", Role::Editor).await;
    let render = || async {
        let auth = format!("Bearer {}", token("r4", "reader", Role::Viewer));
        let (status, stream) = http(
            addr,
            "GET",
            "/api/rooms/r4/render",
            &[("Authorization", &auth)],
            b"",
        )
        .await;
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&stream));
        inkmesh_doc::decode_render_stream(&stream).unwrap()
    };

    for (drawn, x) in [(1, 0.0), (2, 10.0)] {
        alice
            .room
            .edit(|b| b.add(NewElement::rect(x, 0.0, 5.0, 5.0)))
            .await
            .unwrap();
        wait_for("the keeper to hold the new element", 30, || async {
            stored_ids(addr, "r4").await == alice.ids()
        })
        .await;
        assert_eq!(render().await.len(), drawn);
        // Served again from what is kept: still exactly what the CRDT holds.
        assert_eq!(render().await.len(), drawn);
        assert_render_matches_snapshot(addr, "r4").await;
    }
    drop(alice);
    server.shutdown().await;
}
