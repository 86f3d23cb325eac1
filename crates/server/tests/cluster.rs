//! Two `inkmesh` nodes joined by a real Redis (`--bus`): members connected
//! to different nodes are in one room, hear of each other, signal each other
//! and link; departures and a dead node's members are reported across nodes;
//! members joining on both nodes at once get distinct colours, a reload that
//! rejoins through either node before its old connection left keeps its
//! colour, and one who comes back through another node gets theirs again; a
//! room's membership in Redis expires unless a node renews it.
//! Signaling only: each node keeps its own SQLite store (one store shared by
//! nodes is the PostgreSQL store's business). Skipped, saying so, where
//! `redis-server` is not installed.

mod common;

use std::time::Duration;

use common::binary::Binary;
use common::redis::Redis;
use common::*;
use inkmesh_doc::NewElement;
use inkmesh_server::limits::{BUS_NODE_TTL, BUS_RECONCILE_INTERVAL, BUS_ROOM_TTL};
use inkmesh_server::signal::colours::PALETTE;
use inkmesh_transport::{Role, RoomEvent};
use serde_json::{json, Value};

const ROOM: &str = "cluster";

async fn node(dir: &tempfile::TempDir, redis: &Redis) -> Binary {
    let bus = redis.url();
    let args = ["--auth-secret", SECRET, "--bus", &bus];
    Binary::start(dir.path(), &args).await
}

/// Waits for a room event that `wanted` accepts.
async fn event(peer: &mut Peer, what: &str, wanted: impl Fn(&RoomEvent) -> bool) {
    let found = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(event) = peer.events.recv().await {
            if wanted(&event) {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(found, Ok(true), "{what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_on_two_nodes_meet_and_link_through_the_bus() {
    let Some(redis) = Redis::start().await else {
        return;
    };
    let (dir1, dir2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (node1, node2) = (node(&dir1, &redis).await, node(&dir2, &redis).await);
    let mut ada = Peer::join(&node1.signal_url(), ROOM, "ada", Role::Editor).await;
    let mut bob = Peer::join(&node2.signal_url(), ROOM, "bob", Role::Editor).await;
    let (ada_id, bob_id) = (ada.room.me().id.clone(), bob.room.me().id.clone());

    event(
        &mut ada,
        "Ada hears that Bob joined on the other node",
        |e| matches!(e, RoomEvent::PeerJoined(p) if p.id == bob_id && p.name == "bob"),
    )
    .await;
    event(
        &mut ada,
        "Ada links to Bob",
        |e| matches!(e, RoomEvent::PeerConnected(p) if *p == bob_id),
    )
    .await;
    event(
        &mut bob,
        "Bob links to Ada",
        |e| matches!(e, RoomEvent::PeerConnected(p) if *p == ada_id),
    )
    .await;

    let drawn = ada
        .room
        .edit(|b| b.add(NewElement::rect(0.0, 0.0, 10.0, 10.0)))
        .await
        .unwrap();
    wait_for("Bob to hold Ada's stroke", 20, || {
        let held = bob.ids().contains(&drawn);
        async move { held }
    })
    .await;
}

/// Reads `client`'s messages, pinging so the wait never depends on the
/// server having something to say, until one satisfies `wanted`.
async fn expect(client: &mut RawClient, what: &str, secs: u64, wanted: impl Fn(&Value) -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {secs} s waiting for {what}"
        );
        assert!(client.send(json!({"type": "ping"})).await, "{what}: closed");
        loop {
            let message = client.next().await.expect("the socket stays open");
            if wanted(&message) {
                return;
            }
            if message["type"] == "pong" {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

fn joined(name: &'static str) -> impl Fn(&Value) -> bool {
    move |m| m["type"] == "peer-joined" && m["peer"]["name"] == name
}

fn left(id: String) -> impl Fn(&Value) -> bool {
    move |m| m["type"] == "peer-left" && m["id"] == id.as_str()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leaves_and_a_dead_nodes_members_are_reported_across_nodes() {
    let Some(redis) = Redis::start().await else {
        return;
    };
    let (dir1, dir2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (node1, node2) = (node(&dir1, &redis).await, node(&dir2, &redis).await);
    let (mut ada, welcome) =
        RawClient::join(node1.addr, ROOM, &token(ROOM, "ada", Role::Editor)).await;
    let ada_id = welcome["me"]["id"].as_str().unwrap().to_owned();

    let (mut bob, welcome) =
        RawClient::join(node2.addr, ROOM, &token(ROOM, "bob", Role::Editor)).await;
    let peers = welcome["peers"].as_array().unwrap();
    assert!(
        peers.iter().any(|p| p["id"] == ada_id.as_str()),
        "Bob's welcome lists Ada, on the other node: {welcome}"
    );
    assert_eq!(
        peers.iter().filter(|p| p["keeper"] == true).count(),
        1,
        "one keeper in the room, node 1's: node 2 starts none of its own: {welcome}"
    );
    let bob_id = welcome["me"]["id"].as_str().unwrap().to_owned();
    expect(&mut ada, "peer-joined for Bob", 10, joined("bob")).await;

    // A signal crosses nodes, stamped with its true sender.
    let offer = json!({"type": "offer", "sdp": "v=0"});
    bob.send(json!({"type": "signal", "to": ada_id, "signal": offer}))
        .await;
    let from_bob = bob_id.clone();
    expect(&mut ada, "Bob's signal", 10, move |m| {
        m["type"] == "signal" && m["from"] == from_bob.as_str() && m["signal"]["sdp"] == "v=0"
    })
    .await;

    // A member who leaves is reported gone on the other node.
    drop(bob);
    expect(&mut ada, "peer-left for Bob", 10, left(bob_id)).await;

    // A node that dies without a word: its members are reported gone once its
    // heartbeat expires.
    let (_cy, welcome) = RawClient::join(node2.addr, ROOM, &token(ROOM, "cy", Role::Editor)).await;
    let cy_id = welcome["me"]["id"].as_str().unwrap().to_owned();
    expect(&mut ada, "peer-joined for Cy", 10, joined("cy")).await;
    node2.kill().await;
    let within = BUS_NODE_TTL + 2 * BUS_RECONCILE_INTERVAL + Duration::from_secs(5);
    expect(
        &mut ada,
        "peer-left for Cy, whose node died",
        within.as_secs(),
        left(cy_id),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twelve_members_joining_two_nodes_at_once_get_twelve_colours() {
    let Some(redis) = Redis::start().await else {
        return;
    };
    let room = "colours";
    let (dir1, dir2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (node1, node2) = (node(&dir1, &redis).await, node(&dir2, &redis).await);
    let colour = |welcome: &Value| welcome["me"]["colour"].as_str().unwrap().to_owned();
    let mut members = Vec::new();
    // In pairs, one on each node at the same moment: each node alone would
    // pick the same first free colour; the bus picks for both.
    for pair in 0..6 {
        let (a, b) = (format!("a{pair}"), format!("b{pair}"));
        let (ta, tb) = (token(room, &a, Role::Editor), token(room, &b, Role::Editor));
        let (on1, on2) = tokio::join!(
            RawClient::join(node1.addr, room, &ta),
            RawClient::join(node2.addr, room, &tb)
        );
        members.push((a, node1.addr, on1));
        members.push((b, node2.addr, on2));
    }
    let colours: Vec<String> = members.iter().map(|(_, _, (_, w))| colour(w)).collect();
    let distinct: std::collections::HashSet<&String> = colours.iter().collect();
    assert_eq!(distinct.len(), 12, "{colours:?}");

    // Two leave: the holders of the palette's first and last colours. The
    // last one's holder comes back to its node and must get its own colour,
    // not the first, which first-free alone would hand it.
    let position = |c: &str| PALETTE.iter().position(|p| *p == c).unwrap();
    members.sort_by_key(|(_, _, (_, w))| position(&colour(w)));
    let (_, _, (first, first_welcome)) = members.remove(0);
    let (user, addr, (last, last_welcome)) = members.pop().unwrap();
    let (_, _, (witness, _)) = &mut members[0];
    for (gone, welcome) in [(first, &first_welcome), (last, &last_welcome)] {
        let id = welcome["me"]["id"].as_str().unwrap().to_owned();
        drop(gone);
        expect(witness, "peer-left for a member who left", 10, left(id)).await;
    }
    let (_back, welcome) = RawClient::join(addr, room, &token(room, &user, Role::Editor)).await;
    assert_eq!(
        colour(&welcome),
        colour(&last_welcome),
        "{user} has its colour back, though an earlier one is free"
    );
    // A stranger gets the first free colour: the one the other leaver freed.
    let (_stranger, welcome) =
        RawClient::join(node2.addr, room, &token(room, "stranger", Role::Editor)).await;
    assert_eq!(colour(&welcome), colour(&first_welcome));
}

/// `user` joins `room` on the node at `addr`, as an editor.
async fn join_as(addr: std::net::SocketAddr, room: &str, user: &str) -> (RawClient, Value) {
    RawClient::join(addr, room, &token(room, user, Role::Editor)).await
}

fn colour(welcome: &Value) -> String {
    welcome["me"]["colour"].as_str().unwrap().to_owned()
}

fn id(welcome: &Value) -> String {
    welcome["me"]["id"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reload_that_rejoins_before_its_old_connection_left_keeps_its_colour() {
    let Some(redis) = Redis::start().await else {
        return;
    };
    let room = "reload";
    let (dir1, dir2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (node1, node2) = (node(&dir1, &redis).await, node(&dir2, &redis).await);
    let (_first, first) = join_as(node1.addr, room, "first").await;
    let (_old, old) = join_as(node1.addr, room, "reloader").await;
    assert_ne!(colour(&old), colour(&first));
    // The old connection is still a member on both nodes' reckoning when the
    // new ones join, on its own node and on the other.
    let (_same_node, again) = join_as(node1.addr, room, "reloader").await;
    assert_eq!(colour(&again), colour(&old), "rejoined on the same node");
    let (_other_node, again) = join_as(node2.addr, room, "reloader").await;
    assert_eq!(
        colour(&again),
        colour(&old),
        "rejoined through the other node"
    );
    // Another user's colour is still taken.
    let (_stranger, stranger) = join_as(node2.addr, room, "stranger").await;
    assert_ne!(colour(&stranger), colour(&old));
    assert_ne!(colour(&stranger), colour(&first));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_who_comes_back_through_another_node_gets_their_colour_again() {
    let Some(redis) = Redis::start().await else {
        return;
    };
    let room = "return";
    let (dir1, dir2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (node1, node2) = (node(&dir1, &redis).await, node(&dir2, &redis).await);
    let (mut witness, _) = join_as(node2.addr, room, "witness").await;
    let (early, early_welcome) = join_as(node1.addr, room, "early").await;
    let (traveller, first_visit) = join_as(node1.addr, room, "traveller").await;
    for (gone, welcome) in [(early, &early_welcome), (traveller, &first_visit)] {
        drop(gone);
        let left_id = id(welcome);
        expect(
            &mut witness,
            "peer-left for a member who left",
            10,
            left(left_id),
        )
        .await;
    }
    // Node 2 never saw the traveller join: only the cluster's memory can
    // give back its colour rather than the first free one (early's).
    let (_back, back) = join_as(node2.addr, room, "traveller").await;
    assert_eq!(colour(&back), colour(&first_visit));
    assert_ne!(colour(&back), colour(&early_welcome));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_redis_restarts_empty_the_nodes_write_their_members_again() {
    let Some(mut redis) = Redis::start().await else {
        return;
    };
    let (dir1, dir2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (node1, node2) = (node(&dir1, &redis).await, node(&dir2, &redis).await);
    let (mut ada, welcome) =
        RawClient::join(node1.addr, ROOM, &token(ROOM, "ada", Role::Editor)).await;
    let ada_id = welcome["me"]["id"].as_str().unwrap().to_owned();
    redis.restart().await;

    // A newcomer on the other node meets Ada once node 1 has written her back
    // (within a reconciliation), and Ada hears of the newcomer.
    let deadline = tokio::time::Instant::now() + BUS_NODE_TTL + Duration::from_secs(5);
    let bob = loop {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no newcomer on node 2 met Ada after Redis restarted"
        );
        let (bob, welcome) =
            RawClient::join(node2.addr, ROOM, &token(ROOM, "bob", Role::Editor)).await;
        let peers = welcome["peers"].as_array().cloned().unwrap_or_default();
        if peers.iter().any(|p| p["id"] == ada_id.as_str()) {
            break bob;
        }
        drop(bob);
        tokio::time::sleep(BUS_RECONCILE_INTERVAL / 4).await;
    };
    expect(&mut ada, "peer-joined for Bob", 10, joined("bob")).await;
    drop(bob);
}

/// A room's membership in Redis expires unless a node with members there
/// renews it: each join sets its lifetime and each reconciliation starts it
/// again, so a room whose nodes all died leaves nothing behind even when
/// nobody reads it again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rooms_membership_in_redis_lives_while_a_node_renews_it() {
    let Some(redis) = Redis::start().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let node1 = node(&dir, &redis).await;
    let room = "renewed";
    let (_ada, _) = join_as(node1.addr, room, "ada").await;
    let mut bus = ::redis::Client::open(redis.url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let key = format!("inkmesh:room:{room}");
    let lifetime = i64::try_from(BUS_ROOM_TTL.as_millis()).unwrap();
    let left = millis_left(&mut bus, &key).await;
    assert!(
        left > 0 && left <= lifetime,
        "after a join the room's hash expires within {lifetime} ms, not {left} (-1: never)"
    );

    // Shortened by hand, the lifetime is started again by the node's next
    // reconciliation.
    let shortened = lifetime / 2;
    let _: () = ::redis::cmd("PEXPIRE")
        .arg(&key)
        .arg(shortened)
        .query_async(&mut bus)
        .await
        .unwrap();
    let deadline =
        tokio::time::Instant::now() + 2 * BUS_RECONCILE_INTERVAL + Duration::from_secs(5);
    loop {
        let left = millis_left(&mut bus, &key).await;
        if left > shortened {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no reconciliation renewed the room's hash (left: {left} ms)"
        );
        tokio::time::sleep(BUS_RECONCILE_INTERVAL / 8).await;
    }
}

/// How long `key` has left in Redis (`PTTL`): -1 if it never expires.
async fn millis_left(bus: &mut ::redis::aio::MultiplexedConnection, key: &str) -> i64 {
    ::redis::cmd("PTTL")
        .arg(key)
        .query_async(bus)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_node_with_a_bus_refuses_open_mode() {
    // Each node would sign guest tokens with a key of its own, valid on it
    // alone; no Redis is needed to be refused.
    let dir = tempfile::tempdir().unwrap();
    let refused = tokio::process::Command::new(env!("CARGO_BIN_EXE_inkmesh"))
        .args(["--bind", "127.0.0.1:0", "--bus", "redis://127.0.0.1:1"])
        .arg("--data-dir")
        .arg(dir.path())
        .output();
    let refused = tokio::time::timeout(Duration::from_secs(30), refused)
        .await
        .expect("the server exits at once")
        .unwrap();
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("--auth-secret-file"), "{said}");
}
