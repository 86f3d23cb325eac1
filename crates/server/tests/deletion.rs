//! Deleting a board (`DELETE /api/rooms/{room}`) and the image sweep: the
//! operator's token is required, the board's members are ended with
//! `board_deleted`, everything of it leaves the store and nothing is
//! written after, and the room stays refused; the sweep collects images of
//! rooms nobody edits and keeps those a version shows.

mod common;

use std::io::Cursor;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use common::binary::Binary;
use common::postgres::Postgres;
use common::redis::Redis;
use common::*;
use image::{ImageFormat, RgbaImage};
use inkmesh_server::retention::Retention;
use inkmesh_server::stores::PostgresStore;
use inkmesh_server::stores::{NewImage, SqliteStore, Store, VersionInfo};
use inkmesh_server::ServerConfig;
use inkmesh_transport::Role;
use sha2::{Digest, Sha256};

const ADMIN: &str = "admin-token-0123456789";

/// How soon the bus's word ends the members of another node: under the
/// fallback's floor (a fenced keeper is replaced no sooner than the keeper
/// restart delay, 2 s), so a lost bus event fails the test.
const BUS_ENDING_DEADLINE: Duration = Duration::from_millis(1500);

fn png(side: u32) -> Vec<u8> {
    let pixels = RgbaImage::from_fn(side, side, |x, y| image::Rgba([x as u8, y as u8, 7, 255]));
    let mut out = Cursor::new(Vec::new());
    pixels.write_to(&mut out, ImageFormat::Png).unwrap();
    out.into_inner()
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn with_admin(dir: &Path) -> ServerConfig {
    let mut config = config(dir);
    config.admin_token = Some(ADMIN.into());
    config
}

async fn delete(addr: SocketAddr, room: &str, auth: Option<&str>) -> HttpResponse {
    let header;
    let headers: Vec<(&str, &str)> = match auth {
        Some(auth) => {
            header = format!("Bearer {auth}");
            vec![("Authorization", header.as_str())]
        }
        None => Vec::new(),
    };
    http_response(addr, "DELETE", &format!("/api/rooms/{room}"), &headers, b"").await
}

async fn put_image(addr: SocketAddr, room: &str, bytes: &[u8]) -> u16 {
    let auth = format!("Bearer {}", token(room, "ed", Role::Editor));
    let path = format!("/api/rooms/{room}/images/{}", sha256(bytes));
    let headers = [
        ("Authorization", auth.as_str()),
        ("Content-Type", "image/png"),
    ];
    http_response(addr, "PUT", &path, &headers, bytes)
        .await
        .status
}

async fn get(addr: SocketAddr, room: &str, what: &str) -> HttpResponse {
    let viewer = token(room, "vi", Role::Viewer);
    let path = format!("/api/rooms/{room}/{what}?token={viewer}");
    http_response(addr, "GET", &path, &[], b"").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_board_ends_its_members_leaves_nothing_stored_and_stays_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = inkmesh_server::Server::start(with_admin(dir.path()))
        .await
        .unwrap();
    let (url, addr) = (server.signal_url(), server.addr());

    let alice = Peer::join(&url, "doomed", "alice", Role::Editor).await;
    alice.draw(3, 0.0).await;
    wait_for("alice's strokes to be stored", 30, || async {
        stored_ids(addr, "doomed").await.len() == 3
    })
    .await;
    let picture = png(12);
    assert_eq!(put_image(addr, "doomed", &picture).await, 201);
    let (mut bob, welcome) =
        RawClient::join(addr, "doomed", &token("doomed", "bob", Role::Editor)).await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");

    // Only the operator's token deletes.
    assert_eq!(delete(addr, "doomed", None).await.status, 401);
    let editor = token("doomed", "alice", Role::Editor);
    let refused = delete(addr, "doomed", Some(&editor)).await;
    assert_eq!(refused.status, 403);
    assert_eq!(refused.json()["code"], "forbidden");
    assert_eq!(stored_ids(addr, "doomed").await.len(), 3, "nothing deleted");
    // Both refusals counted, as guesses would be.
    let metrics = http_response(addr, "GET", "/metrics", &[], b"").await;
    assert!(
        String::from_utf8_lossy(&metrics.body)
            .lines()
            .any(|l| l == "inkmesh_limit_trips_total{limit=\"admin_token\"} 2"),
        "{}",
        String::from_utf8_lossy(&metrics.body)
    );

    assert_eq!(delete(addr, "doomed", Some(ADMIN)).await.status, 204);
    let ending = bob.ending().await;
    assert!(
        ending.error_codes().contains(&"board_deleted"),
        "{ending:?}"
    );
    assert_eq!(ending.close, Some((1008, "board_deleted".to_owned())));

    // Alice's link to the keeper is gone; what she draws now is stored nowhere.
    alice.draw(2, 5.0).await;
    let (mut again, answer) =
        RawClient::join(addr, "doomed", &token("doomed", "carol", Role::Editor)).await;
    assert_eq!(answer["code"], "board_deleted", "{answer}");
    assert!(again.closes().await);
    let snapshot = get(addr, "doomed", "snapshot").await;
    assert_eq!(snapshot.status, 410);
    assert_eq!(snapshot.json()["code"], "board_deleted");
    assert_eq!(get(addr, "doomed", "history").await.status, 410);
    let image = format!("images/{}", sha256(&picture));
    assert_eq!(get(addr, "doomed", &image).await.status, 404);
    assert_eq!(put_image(addr, "doomed", &picture).await, 410);
    // Deleting again changes nothing.
    assert_eq!(delete(addr, "doomed", Some(ADMIN)).await.status, 204);
    assert_eq!(metric(addr, "inkmesh_boards_deleted_total").await, 2);
    drop(alice);
    server.shutdown().await;

    let store = SqliteStore::open(dir.path()).unwrap();
    let data = store.load("doomed").unwrap();
    assert!(data.snapshots.is_empty() && data.updates.is_empty());
    assert!(store.history("doomed").unwrap().is_empty());
    assert_eq!(store.image("doomed", &sha256(&picture)).unwrap(), None);
    assert!(store.deleted("doomed").unwrap().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_admin_token_configured_deletion_is_off_and_says_how_to_enable_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let addr = server.addr();
    let editor = token("kept", "alice", Role::Editor);
    for auth in [None, Some(editor.as_str()), Some(ADMIN)] {
        let refused = delete(addr, "kept", auth).await;
        assert_eq!(refused.status, 403);
        let body = refused.json();
        assert_eq!(body["code"], "forbidden");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("--admin-token-file"),
            "{body}"
        );
    }
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sweep_collects_an_unreferenced_image_of_a_quiet_room_and_keeps_a_shown_one() {
    let dir = tempfile::tempdir().unwrap();
    let (dropped, shown) = (png(8), png(9));
    {
        // A room that went quiet: its one kept version shows `shown`, and
        // `dropped` was uploaded and is on no kept version.
        let store = SqliteStore::open(dir.path()).unwrap();
        for bytes in [&dropped, &shown] {
            let image = NewImage {
                sha256: &sha256(bytes),
                mime: "image/png",
                bytes,
            };
            store.put_image("quiet", image, u64::MAX).unwrap();
        }
        let info = VersionInfo {
            images: vec![sha256(&shown)],
            ..VersionInfo::default()
        };
        let board = inkmesh_doc::Board::new("seed").snapshot();
        store
            .compact("quiet", &board, 0, 0, &info, &Retention::default())
            .unwrap();
    }
    let mut config = config(dir.path());
    config.keeper.retention.image_grace = Duration::ZERO;
    config.image_sweep_interval = Duration::from_millis(50);
    let server = inkmesh_server::Server::start(config).await.unwrap();
    let addr = server.addr();
    let dropped_path = format!("images/{}", sha256(&dropped));
    wait_for("the sweep to collect the dropped image", 30, || async {
        get(addr, "quiet", &dropped_path).await.status == 404
    })
    .await;
    // Counted after the pass that collected it ends.
    wait_for("the sweep to count what it collected", 30, || async {
        metric(addr, "inkmesh_images_swept_total").await == 1
    })
    .await;
    let shown_path = format!("images/{}", sha256(&shown));
    assert_eq!(get(addr, "quiet", &shown_path).await.status, 200);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deletion_on_one_node_ends_the_members_of_another_through_the_bus() {
    let Some(redis) = Redis::start().await else {
        return;
    };
    let Some(database) = tokio::task::spawn_blocking(Postgres::database)
        .await
        .unwrap()
    else {
        return;
    };
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let mut nodes = Vec::new();
    for dir in &dirs {
        let admin_file = dir.path().join("admin-token");
        std::fs::write(&admin_file, ADMIN).unwrap();
        let args = [
            "--auth-secret",
            SECRET,
            "--bus",
            &redis.url(),
            "--admin-token-file",
            admin_file.to_str().unwrap(),
        ];
        let env = [("INKMESH_STORE", database.url.as_str())];
        nodes.push(Binary::start_with_env(dir.path(), &args, &env).await);
    }
    let (deleting, serving) = (&nodes[0], &nodes[1]);

    // The room's members and keeper are all on the second node.
    let alice = Peer::join(&serving.signal_url(), "shared", "alice", Role::Editor).await;
    alice.draw(2, 0.0).await;
    let (mut bob, welcome) = RawClient::join(
        serving.addr,
        "shared",
        &token("shared", "bob", Role::Editor),
    )
    .await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");

    assert_eq!(
        delete(deleting.addr, "shared", Some(ADMIN)).await.status,
        204
    );
    let asked = std::time::Instant::now();
    let ending = bob.ending().await;
    assert!(
        asked.elapsed() < BUS_ENDING_DEADLINE,
        "ended after {:?}: by the fallback, not the bus",
        asked.elapsed()
    );
    assert!(
        ending.error_codes().contains(&"board_deleted"),
        "{ending:?}"
    );
    let (_, answer) = RawClient::join(
        serving.addr,
        "shared",
        &token("shared", "carol", Role::Editor),
    )
    .await;
    assert_eq!(answer["code"], "board_deleted", "{answer}");

    // Nothing the second node's keeper still held was stored after.
    alice.draw(2, 5.0).await;
    drop(alice);
    drop(nodes);
    let url = database.url.clone();
    let data = tokio::task::spawn_blocking(move || {
        PostgresStore::connect(&url)
            .unwrap()
            .load("shared")
            .unwrap()
    })
    .await
    .unwrap();
    assert!(data.snapshots.is_empty() && data.updates.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_of_a_board_deleted_behind_this_nodes_back_are_ended_by_the_keeper_that_cannot_start(
) {
    // As if another node deleted the board and this node missed the bus's
    // word: the deletion reaches only the shared store.
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path());
    config.keeper.lease_ttl = Duration::from_millis(600);
    let server = inkmesh_server::Server::start(config).await.unwrap();
    let (url, addr) = (server.signal_url(), server.addr());
    let alice = Peer::join(&url, "elsewhere", "alice", Role::Editor).await;
    alice.draw(1, 0.0).await;
    let (mut bob, welcome) =
        RawClient::join(addr, "elsewhere", &token("elsewhere", "bob", Role::Editor)).await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");

    let other_node = SqliteStore::open(dir.path()).unwrap();
    tokio::task::spawn_blocking(move || other_node.delete_room("elsewhere"))
        .await
        .unwrap()
        .unwrap();
    // The keeper's renewal fails, it steps down, its replacement finds the
    // tombstone and ends the members.
    let ending = bob.ending().await;
    assert!(
        ending.error_codes().contains(&"board_deleted"),
        "{ending:?}"
    );
    drop(alice);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_page_of_an_allowed_origin_is_let_send_a_delete() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = with_admin(dir.path());
    config.allow_origins = vec!["https://app.example.com".to_owned()];
    let server = inkmesh_server::Server::start(config).await.unwrap();
    let preflight = |method: &'static str| {
        let addr = server.addr();
        async move {
            let headers = [
                ("Origin", "https://app.example.com"),
                ("Access-Control-Request-Method", method),
                ("Access-Control-Request-Headers", "authorization"),
            ];
            http_response(addr, "OPTIONS", "/api/rooms/r", &headers, b"").await
        }
    };
    let allowed = |answer: &HttpResponse| {
        answer
            .header("access-control-allow-methods")
            .unwrap_or("")
            .split(',')
            .map(|m| m.trim().to_owned())
            .collect::<Vec<_>>()
    };
    let put = preflight("PUT").await;
    assert!(
        allowed(&put).contains(&"PUT".to_owned()),
        "{:?}",
        put.headers
    );
    let delete = preflight("DELETE").await;
    assert!(
        !allowed(&delete).contains(&"DELETE".to_owned()),
        "{:?}",
        delete.headers
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delete_whose_request_times_out_still_ends_the_members() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = with_admin(dir.path());
    config.request_timeout = Duration::from_millis(300);
    let server = inkmesh_server::Server::start(config).await.unwrap();
    let addr = server.addr();
    let (mut bob, welcome) = RawClient::join(addr, "cut", &token("cut", "bob", Role::Editor)).await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");

    // Another writer holds the database (within the store's 5 s busy
    // timeout): the delete waits for it past the request timeout, and the
    // handler's future is dropped before the store commits.
    let blocker = rusqlite::Connection::open(dir.path().join("inkmesh.db")).unwrap();
    blocker.execute_batch("BEGIN IMMEDIATE").unwrap();
    assert_eq!(delete(addr, "cut", Some(ADMIN)).await.status, 408);
    blocker.execute_batch("COMMIT").unwrap();
    let released = std::time::Instant::now();
    let ending = bob.ending().await;
    assert!(
        ending.error_codes().contains(&"board_deleted"),
        "{ending:?}"
    );
    assert!(
        released.elapsed() < BUS_ENDING_DEADLINE,
        "ended after {:?}: by the keeper's fallback, not the delete",
        released.elapsed()
    );
    server.shutdown().await;
    assert!(SqliteStore::open(dir.path())
        .unwrap()
        .deleted("cut")
        .unwrap()
        .is_some());
}
