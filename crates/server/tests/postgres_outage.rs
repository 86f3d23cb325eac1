//! PostgreSQL stops for a few seconds while a member draws: the server keeps
//! relaying and keeps the updates, `/healthz` says storage is failing, and
//! once the database is back every stroke is stored, counted id by id.
//! Skipped, saying so, where PostgreSQL is not installed.

mod common;

use std::collections::BTreeSet;

use common::postgres::{Postgres, PostgresDb};
use common::*;
use inkmesh_doc::{BoardOptions, NewElement};
use inkmesh_server::recovery::recover;
use inkmesh_server::stores::{PostgresStore, Store, StoreLocation};
use inkmesh_server::{Server, ServerConfig};
use inkmesh_transport::Role;

/// `/healthz`'s `storage` field.
async fn storage_health(addr: std::net::SocketAddr) -> String {
    let response = http_response(addr, "GET", "/healthz", &[], b"").await;
    assert_eq!(
        response.status, 200,
        "degraded or not, the node answers 200"
    );
    response.json()["storage"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// The element ids stored in the database for `room`, read by a store of
/// its own (not the server's keeper).
async fn ids_in_database(url: &str, room: &str) -> BTreeSet<String> {
    let (url, room) = (url.to_owned(), room.to_owned());
    tokio::task::spawn_blocking(move || {
        let store = PostgresStore::connect(&url).unwrap();
        let board = recover(
            &room,
            store.load(&room).unwrap(),
            BoardOptions::new("reader"),
        )
        .board;
        ids(&board)
    })
    .await
    .unwrap()
}

/// A server on a PostgreSQL server and database of its own (the tests stop
/// and restart it), after `configure` had its say; `None` (having said why)
/// where PostgreSQL is not installed.
async fn server_on_own_postgres(
    configure: impl FnOnce(&mut ServerConfig),
) -> Option<(Server, PostgresDb, tempfile::TempDir)> {
    let database =
        tokio::task::spawn_blocking(|| Postgres::private().map(|server| server.create_database()))
            .await
            .unwrap()?;
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path());
    config.store = Some(StoreLocation::Postgres(database.url.clone()));
    configure(&mut config);
    let server = Server::start(config).await.expect("server starts");
    Some((server, database, dir))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_stopping_for_a_while_loses_nothing_and_healthz_says_degraded_meanwhile() {
    let admin = "admin-token-0123456789";
    let Some((server, database, _dir)) =
        server_on_own_postgres(|config| config.admin_token = Some(admin.into())).await
    else {
        return;
    };
    let (addr, url) = (server.addr(), server.signal_url());
    let room = "outage";
    let alice = Peer::join(&url, room, "alice", Role::Editor).await;
    let bob = Peer::join(&url, room, "bob", Role::Editor).await;
    let mut drawn = 0;
    let mut draw = |n: usize| {
        let from = drawn;
        drawn += n;
        (from..from + n).map(|i| NewElement::rect(i as f64, 0.0, 1.0, 1.0))
    };
    for element in draw(10) {
        alice.room.edit(|b| b.add(element)).await.unwrap();
    }
    wait_for("the first strokes stored", 20, || async {
        ids_in_database(&database.url, room).await == alice.ids()
    })
    .await;
    assert_eq!(storage_health(addr).await, "ok");

    let stopping = database.server.clone();
    tokio::task::spawn_blocking(move || stopping.stop())
        .await
        .unwrap();
    for element in draw(10) {
        alice.room.edit(|b| b.add(element)).await.unwrap();
    }
    wait_for("/healthz to report storage failing", 20, || async {
        storage_health(addr).await == "failing"
    })
    .await;
    // Members still draw together meanwhile.
    wait_for("bob to see every stroke", 20, || async {
        bob.ids() == alice.ids()
    })
    .await;
    // And one may still join: whether the board was deleted cannot be read
    // now, which refuses nobody.
    let (_carol, welcome) = RawClient::join(addr, room, &token(room, "carol", Role::Editor)).await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    // A delete cannot happen now: 503, to be tried again, not a 500.
    let bearer = format!("Bearer {admin}");
    let delete = http_response(
        addr,
        "DELETE",
        &format!("/api/rooms/{room}"),
        &[("Authorization", bearer.as_str())],
        b"",
    )
    .await;
    assert_eq!(delete.status, 503);
    assert_eq!(delete.json()["code"], "unavailable");
    for element in draw(5) {
        bob.room.edit(|b| b.add(element)).await.unwrap();
    }

    let restarting = database.server.clone();
    tokio::task::spawn_blocking(move || restarting.restart())
        .await
        .unwrap();
    wait_for("/healthz to report storage ok again", 30, || async {
        storage_health(addr).await == "ok"
    })
    .await;
    let everything: BTreeSet<String> = alice.ids().union(&bob.ids()).cloned().collect();
    assert_eq!(everything.len(), drawn);
    wait_for("every stroke in the database", 30, || async {
        ids_in_database(&database.url, room).await == everything
    })
    .await;
    drop(alice);
    drop(bob);
    server.shutdown().await;
    let stored = ids_in_database(&database.url, room).await;
    assert_eq!(stored.len(), drawn, "counted id by id after shutdown");
    assert_eq!(stored, everything);
}

/// Longer than the keeper's lease: the keeper cannot renew it, steps down
/// and leaves, and with nobody joining after (one node, no bus) a new keeper
/// must still take the room once the database is back, or nothing drawn
/// since would ever be stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_keeper_that_stepped_down_in_an_outage_is_replaced_once_postgres_is_back() {
    let Some((server, database, _dir)) = server_on_own_postgres(|config| {
        config.keeper.lease_ttl = std::time::Duration::from_secs(2);
    })
    .await
    else {
        return;
    };
    let (addr, url) = (server.addr(), server.signal_url());
    let room = "long-outage";
    let alice = Peer::join(&url, room, "alice", Role::Editor).await;
    let bob = Peer::join(&url, room, "bob", Role::Editor).await;
    alice.draw(5, 0.0).await;
    wait_for("the first strokes stored", 20, || async {
        ids_in_database(&database.url, room).await == alice.ids()
    })
    .await;

    let stopping = database.server.clone();
    tokio::task::spawn_blocking(move || stopping.stop())
        .await
        .unwrap();
    wait_for("the keeper to step down", 30, || async {
        metric(addr, "inkmesh_keeper_step_downs_total").await >= 1
    })
    .await;
    bob.draw(5, 1.0).await;
    let restarting = database.server.clone();
    tokio::task::spawn_blocking(move || restarting.restart())
        .await
        .unwrap();

    let everything: BTreeSet<String> = alice.ids().union(&bob.ids()).cloned().collect();
    assert_eq!(everything.len(), 10);
    wait_for("a new keeper to store every stroke", 60, || async {
        ids_in_database(&database.url, room).await == everything
    })
    .await;
    drop(alice);
    drop(bob);
    server.shutdown().await;
}
