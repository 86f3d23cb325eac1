//! Fenced writes: a keeper that lost its room's lease (a paused process that
//! wakes up after another node took the room over) stores nothing over its
//! successor's board.
//!
//! At the store + writer level (two stores, two writer threads, as on two
//! nodes), on the in-memory store and on a real PostgreSQL; and with two
//! `inkmesh` processes sharing one PostgreSQL, the first SIGSTOPped until its
//! lease lapses. The PostgreSQL tests skip, saying so, where it is not
//! installed. What each store does with leases alone is in
//! `store_contract.rs`.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::binary::Binary;
use common::postgres::Postgres;
use common::*;
use inkmesh_doc::{Board, BoardOptions, Encoding, NewElement};
use inkmesh_server::metrics::Metrics;
use inkmesh_server::persist::{LogPosition, Writer};
use inkmesh_server::recovery::recover;
use inkmesh_server::retention::Retention;
use inkmesh_server::stores::{
    MemoryStore, PostgresStore, Store, StoreError, StoreLocation, VersionInfo,
};
use inkmesh_server::Server;
use inkmesh_transport::Role;
use serde_json::Value;

/// The first keeper's lease in the store-level test: short, to wait out.
const SHORT_LEASE: Duration = Duration::from_millis(500);

/// The successor's lease: outlives the test.
const LONG_LEASE: Duration = Duration::from_secs(60);

/// The writers' batch window.
const WINDOW: Duration = Duration::from_millis(10);

/// One keeper as the writer sees it: its board and the position its appends
/// advance, at its lease's epoch.
struct Keeper {
    holder: &'static str,
    board: Board,
    position: LogPosition,
}

impl Keeper {
    /// Draws `n` rectangles and queues each update on `writer`.
    fn draw(&mut self, writer: &Writer, n: usize) -> BTreeSet<String> {
        let mut drawn = BTreeSet::new();
        for i in 0..n {
            let before = self.board.state_vector();
            let id = self
                .board
                .add(NewElement::rect(i as f64, 1.0, 1.0, 1.0))
                .unwrap();
            let update = self.board.diff(&before, Encoding::V1).unwrap();
            writer.append("r", update, &self.position);
            drawn.insert(id);
        }
        drawn
    }
}

fn stored_ids(store: &dyn Store) -> BTreeSet<String> {
    ids(&recover("r", store.load("r").unwrap(), BoardOptions::new("reader")).board)
}

/// The scenario on two handles of one backend (`first` on the paused node,
/// `second` on the node that takes over).
async fn paused_keeper_is_fenced(first: Arc<dyn Store>, second: Arc<dyn Store>) {
    let metrics_1 = Arc::new(Metrics::default());
    let writer_1 = Writer::start(first.clone(), WINDOW, metrics_1.clone());
    let writer_2 = Writer::start(second.clone(), WINDOW, Arc::new(Metrics::default()));

    // Node 1's keeper holds the room and stores a snapshot and some log.
    let lease_1 = first.claim("r", "keeper-1", SHORT_LEASE).unwrap().unwrap();
    let mut keeper_1 = Keeper {
        holder: "keeper-1",
        board: Board::new("alice"),
        position: LogPosition::leased(0, lease_1.epoch),
    };
    let mut before_pause = keeper_1.draw(&writer_1, 5);
    writer_1.flush().await;
    writer_1
        .compact(
            "r",
            keeper_1.board.snapshot(),
            &keeper_1.position,
            VersionInfo::default(),
            Retention::default(),
        )
        .await
        .unwrap();
    before_pause.extend(keeper_1.draw(&writer_1, 3));
    writer_1.flush().await;
    assert_eq!(stored_ids(&*second), before_pause);

    // Node 1 is paused: no renewal. Node 2 takes the room once the lease lapses.
    let paused_at = Instant::now();
    let lease_2 = loop {
        if let Some(lease) = second.claim("r", "keeper-2", LONG_LEASE).unwrap() {
            break lease;
        }
        assert!(
            paused_at.elapsed() < Duration::from_secs(10),
            "the lapsed lease was never granted to node 2"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(lease_2.epoch, lease_1.epoch + 1);
    let loaded = recover("r", second.load("r").unwrap(), BoardOptions::new("k2"));
    assert_eq!(
        ids(&loaded.board),
        before_pause,
        "node 2 loads what node 1 stored"
    );
    let mut keeper_2 = Keeper {
        holder: "keeper-2",
        board: loaded.board,
        position: LogPosition::leased(loaded.log_seq, lease_2.epoch),
    };
    let mut by_node_2 = keeper_2.draw(&writer_2, 6);
    writer_2.flush().await;
    let snapshot = writer_2
        .compact(
            "r",
            keeper_2.board.snapshot(),
            &keeper_2.position,
            VersionInfo::default(),
            Retention::default(),
        )
        .await
        .unwrap();
    by_node_2.extend(keeper_2.draw(&writer_2, 4));
    writer_2.flush().await;
    let stored_by_node_2 = stored_ids(&*second);
    let history = second.history("r").unwrap();
    assert_eq!(history[0], snapshot);

    // Node 1 wakes with updates of its own queued, in the same batch as
    // another room's, and tries to compact its stale board.
    let other_room = LogPosition::default();
    writer_1.append("other", b"another room's row".to_vec(), &other_room);
    let stale = keeper_1.draw(&writer_1, 4);
    writer_1.flush().await;
    assert!(keeper_1.position.is_fenced(), "node 1's keeper is told");
    tokio::time::timeout(Duration::from_secs(1), keeper_1.position.fenced())
        .await
        .expect("fenced() resolves for the keeper waiting on it");
    assert!(!other_room.is_fenced());
    assert_eq!(metrics_1.updates_fenced.get(), stale.len() as u64);
    assert_eq!(
        second.load("other").unwrap().updates.len(),
        1,
        "the rest of the batch is committed without the fenced rows"
    );
    let refused = writer_1
        .compact(
            "r",
            keeper_1.board.snapshot(),
            &keeper_1.position,
            VersionInfo::default(),
            Retention {
                max_versions: 1,
                ..Retention::default()
            },
        )
        .await;
    assert!(
        matches!(refused, Err(StoreError::Fenced { current, .. }) if current == lease_2.epoch),
        "{refused:?}"
    );
    assert!(!first
        .renew("r", keeper_1.holder, lease_1.epoch, SHORT_LEASE)
        .unwrap());
    // Whatever node 1 queues after it was told is dropped before the store.
    keeper_1.draw(&writer_1, 2);
    writer_1.flush().await;
    assert_eq!(metrics_1.updates_fenced.get(), stale.len() as u64);

    // Nothing of node 1's stale writes is stored, nothing of node 2's is lost.
    let stored = stored_ids(&*second);
    let expected: BTreeSet<String> = before_pause.union(&by_node_2).cloned().collect();
    assert_eq!(stored.len(), expected.len(), "counted id by id");
    assert_eq!(stored, expected);
    assert_eq!(stored, stored_by_node_2, "node 2's board is untouched");
    assert!(stored.is_disjoint(&stale));
    assert_eq!(
        second.history("r").unwrap(),
        history,
        "no snapshot added or pruned"
    );
    assert!(!keeper_2.position.is_fenced());
    assert!(second
        .renew("r", keeper_2.holder, lease_2.epoch, LONG_LEASE)
        .unwrap());
    writer_1.close().await;
    writer_2.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_keeper_is_fenced_on_the_memory_store() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    paused_keeper_is_fenced(store.clone(), store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_keeper_is_fenced_on_postgres() {
    let Some(database) = tokio::task::spawn_blocking(Postgres::database)
        .await
        .unwrap()
    else {
        return;
    };
    let url = database.url.clone();
    let (first, second) = tokio::task::spawn_blocking(move || {
        let first: Arc<dyn Store> = Arc::new(PostgresStore::connect(&url).unwrap());
        let second: Arc<dyn Store> = Arc::new(PostgresStore::connect(&url).unwrap());
        (first, second)
    })
    .await
    .unwrap();
    paused_keeper_is_fenced(first, second).await;
}

/// The element ids stored in the database for `room`, read by a store of its
/// own (neither node's keeper).
async fn ids_in_database(url: &str, room: &str) -> BTreeSet<String> {
    let (url, room) = (url.to_owned(), room.to_owned());
    tokio::task::spawn_blocking(move || {
        let store = PostgresStore::connect(&url).unwrap();
        let data = store.load(&room).unwrap();
        ids(&recover(&room, data, BoardOptions::new("reader")).board)
    })
    .await
    .unwrap()
}

/// A node on the shared database: short batches, keepers that stay while the
/// test needs them and compact often (so node 2's board includes a snapshot
/// a stale keeper could have overwritten).
async fn start_node(dir: &std::path::Path, url: &str) -> Binary {
    Binary::start_with_env(
        dir,
        &[
            "--auth-secret",
            SECRET,
            "--batch-ms",
            "20",
            "--keeper-idle-secs",
            "120",
            "--compact-updates",
            "5",
        ],
        &[("INKMESH_STORE", url)],
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigstopped_node_steps_down_and_overwrites_nothing_of_its_successor() {
    let Some(database) = tokio::task::spawn_blocking(Postgres::database)
        .await
        .unwrap()
    else {
        return;
    };
    let url = database.url.as_str();
    let room = "paused";
    let (dir_1, dir_2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let node_1 = start_node(dir_1.path(), url).await;
    let node_2 = start_node(dir_2.path(), url).await;

    // Node 1's keeper holds the room: Alice draws there and it stores all of it.
    let alice = Peer::join(&node_1.signal_url(), room, "alice", Role::Editor).await;
    alice.draw(12, 0.0).await;
    let before_pause = alice.ids();
    wait_for("node 1 to store Alice's drawing", 30, || async {
        ids_in_database(url, room).await == before_pause
    })
    .await;
    assert!(node_1.log().contains("keeper woke"), "{}", node_1.log());

    // Frozen past its lease; Alice keeps drawing into the frozen keeper.
    node_1.pause();
    let paused_at = Instant::now();
    alice.draw(5, 1.0).await;

    // Node 2 takes the room over once the lease lapses: Bob joins it and draws.
    let bob = Peer::join(&node_2.signal_url(), room, "bob", Role::Editor).await;
    wait_for("node 2's keeper to take the room over", 30, || async {
        node_2.log().contains("keeper woke")
    })
    .await;
    let took_over = paused_at.elapsed();
    assert!(
        node_2.log().contains("epoch=2"),
        "a takeover raises the epoch: {}",
        node_2.log()
    );
    wait_for(
        "Bob to receive the stored board from node 2",
        30,
        || async { bob.ids().is_superset(&before_pause) },
    )
    .await;
    // One rectangle at a time, each stored before the next: alone with the
    // keeper, Bob would otherwise send it his edits merged, as one update.
    for i in 0..15 {
        let id = bob.draw(1, 2.0 + f64::from(i)).await;
        wait_for("node 2 to store Bob's rectangle", 30, || async {
            ids_in_database(url, room).await.is_superset(&id)
        })
        .await;
    }
    let by_node_2 = bob.ids();
    wait_for("node 2 to store Bob's drawing", 30, || async {
        ids_in_database(url, room).await == by_node_2
    })
    .await;
    // Its keeper compacts every 5 updates, on its next tick.
    node_2.wait_for_log("stored a snapshot", 30).await;

    // Node 1 wakes: its keeper steps down and stores nothing.
    node_1.resume();
    node_1.wait_for_log("keeper stepping down", 30).await;
    assert_eq!(
        metric(node_1.addr, "inkmesh_keeper_step_downs_total").await,
        1
    );
    // A clean stop commits whatever its writer still holds: once it has
    // exited, node 1 has written all it ever will.
    let node_1_log = node_1.log();
    for line in node_1_log
        .lines()
        .filter(|l| l.contains("keeper stepping down") || l.contains("fenced"))
    {
        eprintln!("node 1: {line}");
    }
    node_1.terminate().await;
    let stored = ids_in_database(url, room).await;
    assert_eq!(stored.len(), by_node_2.len(), "counted id by id");
    assert_eq!(stored, by_node_2, "everything node 2 stored, nothing else");
    assert!(stored.is_superset(&before_pause));
    let stale: BTreeSet<String> = alice.ids().difference(&before_pause).cloned().collect();
    assert!(
        stored.is_disjoint(&stale),
        "nothing node 1 took in while paused"
    );
    eprintln!(
        "node 2 took the room over {took_over:?} after node 1 froze; {} ids stored; \
         node 1 fenced writes: {}",
        stored.len(),
        node_1_log.contains("writes fenced")
    );
}

/// The next message of `kind` on `observer`'s signaling that `matches`,
/// within 30 s.
async fn next_message(
    observer: &mut RawClient,
    kind: &str,
    matches: impl Fn(&Value) -> bool,
) -> Value {
    tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            let message = observer.next().await.expect("the signaling stays open");
            if message["type"] == kind && matches(&message) {
                return message;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no {kind} within 30 s"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_keeper_refused_the_lease_does_not_start_and_one_whose_lease_moves_steps_down() {
    let Some(database) = tokio::task::spawn_blocking(Postgres::database)
        .await
        .unwrap()
    else {
        return;
    };
    let url = database.url.clone();
    let room = "contested";
    let other_node: Arc<dyn Store> = {
        let url = url.clone();
        tokio::task::spawn_blocking(move || Arc::new(PostgresStore::connect(&url).unwrap()))
            .await
            .unwrap()
    };
    // Another node's keeper holds the room.
    let held = other_node
        .claim(room, "keeper-elsewhere", LONG_LEASE)
        .unwrap()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path());
    config.store = Some(StoreLocation::Postgres(url.clone()));
    config.keeper.lease_ttl = Duration::from_secs(2);
    let server = Server::start(config).await.expect("server starts");
    let (addr, signal_url) = (server.addr(), server.signal_url());

    // This node's keeper wakes on Alice's offer, is refused, waits one lease
    // time and leaves the room: nothing is stored.
    let observer_token = token(room, "observer", Role::Viewer);
    let (mut observer, welcome) = RawClient::join(addr, room, &observer_token).await;
    let refused = welcome["peers"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(welcome["peers"][0]["keeper"], true);
    let alice = Peer::join(&signal_url, room, "alice", Role::Editor).await;
    alice.draw(5, 0.0).await;
    next_message(&mut observer, "peer-left", |m| m["id"] == refused.as_str()).await;
    assert!(ids_in_database(&url, room).await.is_empty());

    // The other node lets go: the next member brings a keeper that takes the
    // room at the next epoch and stores everyone's drawing.
    other_node
        .release(room, "keeper-elsewhere", held.epoch)
        .unwrap();
    let bob = Peer::join(&signal_url, room, "bob", Role::Editor).await;
    let joined = next_message(&mut observer, "peer-joined", |m| {
        m["peer"]["keeper"] == true
    })
    .await;
    let keeper = joined["peer"]["id"].as_str().unwrap().to_owned();
    bob.draw(5, 1.0).await;
    let everything: BTreeSet<String> = alice.ids().union(&bob.ids()).cloned().collect();
    wait_for(
        "the new keeper to store Alice's and Bob's drawing",
        30,
        || async { ids_in_database(&url, room).await == everything },
    )
    .await;

    // Another node takes the room over behind this one's back (as after a
    // pause of this node): its keeper's next renewal is refused and it leaves.
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let moved = client
        .execute(
            "UPDATE inkmesh_leases SET holder = 'keeper-elsewhere', epoch = epoch + 1,
                 expires_ms = expires_ms + 60000
             WHERE room = $1 AND epoch = $2",
            &[&room, &i64::try_from(held.epoch + 1).unwrap()],
        )
        .await
        .unwrap();
    assert_eq!(moved, 1, "this node's keeper held epoch {}", held.epoch + 1);
    next_message(&mut observer, "peer-left", |m| m["id"] == keeper.as_str()).await;
    assert_eq!(metric(addr, "inkmesh_keeper_step_downs_total").await, 1);
    assert!(
        other_node
            .renew(room, "keeper-elsewhere", held.epoch + 2, LONG_LEASE)
            .unwrap(),
        "the stepping-down keeper left the other node's lease alone"
    );
    assert_eq!(ids_in_database(&url, room).await, everything);
    drop((alice, bob, observer));
    server.shutdown().await;
}
