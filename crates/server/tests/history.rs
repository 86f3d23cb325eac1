//! Version history over HTTP: the keeper stores versions with their element
//! count and who edited since the previous one, and any version opens by id
//! with the room's token, encoded as the snapshot is.

mod common;

use std::net::SocketAddr;

use common::*;
use inkmesh_doc::{Board, Encoding, Point, Style};
use inkmesh_transport::Role;
use serde_json::Value;

/// The room's history as the API lists it, newest first.
async fn history(addr: SocketAddr, room: &str) -> Vec<Value> {
    let auth = format!("Bearer {}", token(room, "reader", Role::Viewer));
    let response = http_response(
        addr,
        "GET",
        &format!("/api/rooms/{room}/history"),
        &[("Authorization", &auth)],
        b"",
    )
    .await;
    assert_eq!(response.status, 200);
    response.json()["snapshots"].as_array().unwrap().clone()
}

/// The newest listed version with `elements` elements.
async fn version_with(addr: SocketAddr, room: &str, elements: u64) -> Option<Value> {
    history(addr, room)
        .await
        .into_iter()
        .find(|v| v["elements"] == elements)
}

fn editors(version: &Value) -> Vec<&str> {
    version["editors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versions_say_who_edited_and_open_by_id() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path());
    // A version after every keeper tick with edits.
    config.keeper.compact_updates = 1;
    let server = inkmesh_server::Server::start(config).await.unwrap();
    let (url, addr) = (server.signal_url(), server.addr());

    let alice = Peer::join(&url, "h", "alice", Role::Editor).await;
    let first = alice.draw(3, 0.0).await;
    wait_for("a version of alice's three elements", 30, || async {
        version_with(addr, "h", 3).await.is_some()
    })
    .await;
    let three = version_with(addr, "h", 3).await.unwrap();
    assert_eq!(editors(&three), vec!["alice"], "{three}");
    assert_eq!(three["moreEditors"], false);

    let bob = Peer::join(&url, "h", "bob", Role::Editor).await;
    bob.draw(2, 10.0).await;
    wait_for("a version of all five elements", 30, || async {
        version_with(addr, "h", 5).await.is_some()
    })
    .await;
    let five = version_with(addr, "h", 5).await.unwrap();
    assert!(editors(&five).contains(&"bob"), "{five}");
    let listed = history(addr, "h").await;
    assert!(
        listed
            .windows(2)
            .all(|w| w[0]["id"].as_i64() > w[1]["id"].as_i64()),
        "newest first"
    );

    // Any version opens by id, for a viewer too, as the snapshot's encoding.
    let viewer = token("h", "vera", Role::Viewer);
    let response = http_response(
        addr,
        "GET",
        &format!("/api/rooms/h/history/{}?token={viewer}", three["id"]),
        &[],
        b"",
    )
    .await;
    assert_eq!(response.status, 200);
    assert_eq!(
        response.header("content-type"),
        Some("application/octet-stream")
    );
    let mut board = Board::new("reader");
    board
        .apply_remote(&response.body, Encoding::V1)
        .expect("a bare Yjs v1 update");
    assert_eq!(ids(&board), first, "the version's board, not today's");
    let newest = http_response(
        addr,
        "GET",
        &format!("/api/rooms/h/history/{}?token={viewer}", five["id"]),
        &[],
        b"",
    )
    .await;
    let mut board = Board::new("reader");
    board.apply_remote(&newest.body, Encoding::V1).unwrap();
    assert_eq!(ids(&board).len(), 5);
    assert_eq!(ids(&board), stored_ids(addr, "h").await);

    drop((alice, bob));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_or_foreign_version_is_a_json_404_and_a_token_is_needed() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path());
    config.keeper.compact_updates = 1;
    let server = inkmesh_server::Server::start(config).await.unwrap();
    let (url, addr) = (server.signal_url(), server.addr());
    let alice = Peer::join(&url, "mine", "alice", Role::Editor).await;
    alice.draw(1, 0.0).await;
    wait_for("a version", 30, || async {
        version_with(addr, "mine", 1).await.is_some()
    })
    .await;
    let id = version_with(addr, "mine", 1).await.unwrap()["id"].clone();

    let get = |room: &'static str, id: String, token: Option<String>| async move {
        let path = match token {
            Some(token) => format!("/api/rooms/{room}/history/{id}?token={token}"),
            None => format!("/api/rooms/{room}/history/{id}"),
        };
        http_response(addr, "GET", &path, &[], b"").await
    };
    let theirs = token("theirs", "mallory", Role::Editor);
    for (room, id, token) in [
        ("theirs", id.to_string(), Some(theirs.clone())),
        (
            "mine",
            "999999".to_owned(),
            Some(token("mine", "a", Role::Viewer)),
        ),
        (
            "mine",
            "first".to_owned(),
            Some(token("mine", "a", Role::Viewer)),
        ),
    ] {
        let response = get(room, id.clone(), token).await;
        assert_eq!(response.status, 404, "{room}/{id}");
        assert_eq!(response.json()["code"], "not_found", "{room}/{id}");
    }
    assert_eq!(get("mine", id.to_string(), None).await.status, 401);
    assert_eq!(
        get("mine", id.to_string(), Some(theirs)).await.status,
        403,
        "another room's token"
    );
    drop(alice);
    server.shutdown().await;
}

/// The board update of version `id` of `room`, read as a viewer.
async fn version_board(addr: SocketAddr, room: &str, id: &Value) -> Board {
    let viewer = token(room, "vera", Role::Viewer);
    let response = http_response(
        addr,
        "GET",
        &format!("/api/rooms/{room}/history/{id}?token={viewer}"),
        &[],
        b"",
    )
    .await;
    assert_eq!(response.status, 200);
    let mut board = Board::new("version");
    board.apply_remote(&response.body, Encoding::V1).unwrap();
    board
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_is_an_edit_that_merges_with_a_concurrent_stroke_and_undoes() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path());
    config.keeper.compact_updates = 1;
    let server = inkmesh_server::Server::start(config).await.unwrap();
    let (url, addr) = (server.signal_url(), server.addr());
    let alice = Peer::join(&url, "rs", "alice", Role::Editor).await;
    let bob = Peer::join(&url, "rs", "bob", Role::Editor).await;

    let kept = alice.draw(3, 0.0).await;
    wait_for("a version of the first three elements", 30, || async {
        version_with(addr, "rs", 3).await.is_some()
    })
    .await;
    let version = version_board(
        addr,
        "rs",
        &version_with(addr, "rs", 3).await.unwrap()["id"],
    )
    .await;
    assert_eq!(ids(&version), kept);

    // Both draw more; everyone holds all seven.
    alice.draw(2, 10.0).await;
    bob.draw(2, 20.0).await;
    wait_for("all seven everywhere", 30, || async {
        alice.ids().len() == 7
            && bob.ids() == alice.ids()
            && stored_ids(addr, "rs").await == alice.ids()
    })
    .await;
    let before = alice.ids();

    // Alice restores while Bob draws a stroke.
    let (_, concurrent) = tokio::join!(
        alice.room.edit(|board| board.restore(&version)),
        bob.room.edit(|board| {
            let s = board.begin_stroke(0.0, 50.0, &Style::default())?;
            board.append_points(&s, &[Point::new(1.0, 51.0), Point::new(2.0, 53.0)])?;
            board.end_stroke(&s)?;
            Ok::<_, inkmesh_doc::Error>(s)
        }),
    );
    let concurrent = concurrent.unwrap();
    let mut restored = kept.clone();
    restored.insert(concurrent.clone());
    wait_for("the version plus bob's stroke everywhere", 30, || async {
        alice.ids() == restored && bob.ids() == restored && stored_ids(addr, "rs").await == restored
    })
    .await;

    // Alice's undo brings back what the restore removed, Bob's stroke stays.
    assert!(alice.room.edit(|board| board.undo()).await);
    let mut undone = before.clone();
    undone.insert(concurrent);
    wait_for("the restore undone everywhere", 30, || async {
        alice.ids() == undone && bob.ids() == undone && stored_ids(addr, "rs").await == undone
    })
    .await;
    drop((alice, bob));
    server.shutdown().await;
}
