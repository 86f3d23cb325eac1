//! A node dies and another takes its rooms: two `inkmesh` nodes sharing a
//! real PostgreSQL and a real Redis, a member on each. The room has one
//! keeper in the whole cluster (the first node's); when that node is
//! SIGKILLed, the member left on the other node hears `peer-left` for the old
//! keeper and for the member who was there, `peer-joined` for a new keeper on
//! its own node, links to it and keeps drawing, and the stored board holds
//! exactly what was drawn and reached a survivor. Skipped, saying so, where
//! PostgreSQL or `redis-server` is not installed.

mod common;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use common::binary::Binary;
use common::postgres::Postgres;
use common::redis::Redis;
use common::*;
use inkmesh_doc::{Board, BoardOptions, NewElement};
use inkmesh_server::limits::{BUS_NODE_TTL, BUS_RECONCILE_INTERVAL, KEEPER_LEASE_TTL};
use inkmesh_server::recovery::recover;
use inkmesh_server::stores::{PostgresStore, Store};
use inkmesh_transport::{
    PeerId, Role, Room, RoomEvent, Signal, SignalEvent, Signaling, SignalingError, TransportConfig,
    Welcome, WsSignaling,
};

const ROOM: &str = "failover";

/// What a member's signaling told it: its welcome, then every event.
#[derive(Default)]
struct Heard {
    welcome: Option<Welcome>,
    events: Vec<SignalEvent>,
}

/// A member's WebSocket signaling that keeps a record of what it heard, so
/// the test can assert on the wire as the member's room saw it.
struct Recorded {
    inner: WsSignaling,
    heard: Arc<Mutex<Heard>>,
}

#[async_trait]
impl Signaling for Recorded {
    async fn join(&mut self) -> Result<Welcome, SignalingError> {
        let welcome = self.inner.join().await?;
        self.heard.lock().unwrap().welcome = Some(welcome.clone());
        Ok(welcome)
    }

    async fn send(&self, to: &PeerId, signal: Signal) -> Result<(), SignalingError> {
        self.inner.send(to, signal).await
    }

    async fn recv(&mut self) -> Option<SignalEvent> {
        let event = self.inner.recv().await?;
        self.heard.lock().unwrap().events.push(event.clone());
        Some(event)
    }
}

/// A native member whose signaling is [`Recorded`].
struct Member {
    peer: Peer,
    heard: Arc<Mutex<Heard>>,
}

impl Member {
    async fn join(node: &Binary, user: &str) -> Member {
        let inner =
            WsSignaling::connect(&node.signal_url(), ROOM, &token(ROOM, user, Role::Editor))
                .await
                .expect("signaling connects");
        let heard = Arc::new(Mutex::new(Heard::default()));
        let signaling = Recorded {
            inner,
            heard: heard.clone(),
        };
        let board = Arc::new(Mutex::new(Board::new(user)));
        let (room, events) = Room::join(signaling, board.clone(), TransportConfig::loopback())
            .await
            .expect("joins the room");
        Member {
            peer: Peer {
                room,
                board,
                events,
            },
            heard,
        }
    }

    fn id(&self) -> PeerId {
        self.peer.room.me().id.clone()
    }

    /// The keepers its welcome listed.
    fn welcomed_keepers(&self) -> Vec<PeerId> {
        let heard = self.heard.lock().unwrap();
        let welcome = heard.welcome.as_ref().expect("welcomed");
        welcome
            .peers
            .iter()
            .filter(|p| p.keeper)
            .map(|p| p.id.clone())
            .collect()
    }

    fn heard_left(&self, id: &PeerId) -> bool {
        let heard = self.heard.lock().unwrap();
        heard
            .events
            .iter()
            .any(|e| matches!(e, SignalEvent::PeerLeft(left) if left == id))
    }

    /// The keepers announced to it by `peer-joined`.
    fn keepers_joined(&self) -> Vec<PeerId> {
        let heard = self.heard.lock().unwrap();
        heard
            .events
            .iter()
            .filter_map(|e| match e {
                SignalEvent::PeerJoined(p) if p.keeper => Some(p.id.clone()),
                _ => None,
            })
            .collect()
    }

    /// Draws `n` rectangles, one edit each, and answers their ids.
    async fn draw(&self, n: usize, row: f64) -> BTreeSet<String> {
        let mut drawn = BTreeSet::new();
        for i in 0..n {
            let id = self
                .peer
                .room
                .edit(|b| b.add(NewElement::rect(i as f64, row, 1.0, 1.0)))
                .await
                .unwrap();
            drawn.insert(id);
        }
        drawn
    }

    /// Waits for a room event `wanted` accepts, within `within`.
    async fn event(&mut self, what: &str, within: Duration, wanted: impl Fn(&RoomEvent) -> bool) {
        let found = tokio::time::timeout(within, async {
            while let Some(event) = self.peer.events.recv().await {
                if wanted(&event) {
                    return true;
                }
            }
            false
        })
        .await;
        assert_eq!(found, Ok(true), "{what} within {within:?}");
    }
}

/// The element ids stored in the database, read by a store of its own.
async fn ids_in_database(url: &str) -> BTreeSet<String> {
    let url = url.to_owned();
    tokio::task::spawn_blocking(move || {
        let store = PostgresStore::connect(&url).unwrap();
        let data = store.load(ROOM).unwrap();
        ids(&recover(ROOM, data, BoardOptions::new("reader")).board)
    })
    .await
    .unwrap()
}

/// A node on the shared database and bus, its keepers staying while the test
/// needs them.
async fn start_node(dir: &std::path::Path, database: &str, bus: &str) -> Binary {
    Binary::start_with_env(
        dir,
        &[
            "--auth-secret",
            SECRET,
            "--bus",
            bus,
            "--batch-ms",
            "20",
            "--keeper-idle-secs",
            "120",
        ],
        &[("INKMESH_STORE", database)],
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_the_keepers_node_dies_a_keeper_on_the_other_node_takes_the_room() {
    let Some(redis) = Redis::start().await else {
        return;
    };
    let Some(database) = tokio::task::spawn_blocking(Postgres::database)
        .await
        .unwrap()
    else {
        return;
    };
    let url = database.url.as_str();
    let bus = redis.url();
    let (dir_1, dir_2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let node_1 = start_node(dir_1.path(), url, &bus).await;
    let node_2 = start_node(dir_2.path(), url, &bus).await;

    // Ada, first in the room, brings its keeper to node 1; Bob on node 2 is
    // welcomed with that one keeper, node 2 starting none of its own.
    let mut ada = Member::join(&node_1, "ada").await;
    let old_keeper = match ada.welcomed_keepers().as_slice() {
        [keeper] => keeper.clone(),
        other => panic!("Ada is welcomed with one keeper, not {other:?}"),
    };
    let mut bob = Member::join(&node_2, "bob").await;
    assert_eq!(
        bob.welcomed_keepers(),
        vec![old_keeper.clone()],
        "Bob's welcome lists node 1's keeper, and only it"
    );
    let ada_id = ada.id();
    let linked = Duration::from_secs(30);
    bob.event(
        "Bob links to node 1's keeper",
        linked,
        |e| matches!(e, RoomEvent::PeerConnected(p) if *p == old_keeper),
    )
    .await;
    ada.event(
        "Ada links to Bob",
        linked,
        |e| matches!(e, RoomEvent::PeerConnected(p) if p.as_str() != old_keeper.as_str()),
    )
    .await;

    // Both draw and see each other's drawing; node 1's keeper stores it.
    let ada_synced = ada.draw(8, 0.0).await;
    let mut bob_drawn = bob.draw(8, 1.0).await;
    let both: BTreeSet<String> = ada_synced.union(&bob_drawn).cloned().collect();
    wait_for("Ada and Bob to hold each other's drawing", 30, || {
        let held = bob.peer.ids() == both && ada.peer.ids() == both;
        async move { held }
    })
    .await;
    wait_for("node 1's keeper to store it", 30, || async {
        ids_in_database(url).await == both
    })
    .await;
    // Ada draws more as her node dies: these may or may not reach anyone.
    let ada_late = ada.draw(4, 2.0).await;
    let killed_at = Instant::now();
    node_1.kill().await;
    // Ada was on the dead node: she is gone with it (a browser would come
    // back through another node as a new member).
    drop(ada);

    // Bob hears the old keeper and Ada leave, and a new keeper join, without
    // waiting for any ICE timeout: within the bus's node lifetime and a
    // reconciliation or two.
    let told = BUS_NODE_TTL + 2 * BUS_RECONCILE_INTERVAL + Duration::from_secs(5);
    wait_for(
        "Bob to hear peer-left for Ada and the old keeper, and peer-joined for a new keeper",
        told.as_secs(),
        || {
            let done = bob.heard_left(&old_keeper)
                && bob.heard_left(&ada_id)
                && !bob.keepers_joined().is_empty();
            async move { done }
        },
    )
    .await;
    let told_after = killed_at.elapsed();
    let new_keeper = match bob.keepers_joined().as_slice() {
        [keeper] => keeper.clone(),
        other => panic!("one new keeper joins, not {other:?}"),
    };
    assert_ne!(new_keeper, old_keeper);

    // What of Ada's reached a survivor before she was gone: Bob, once his link
    // to her is down (nothing of hers can arrive after), or the database, which
    // node 1's keeper can no longer write to.
    let ada_drawn: BTreeSet<String> = ada_synced.union(&ada_late).cloned().collect();
    wait_for("Bob's link to Ada to be down", 30, || {
        let heard = bob.heard_left(&ada_id);
        async move { heard }
    })
    .await;
    bob.event(
        "Bob's link to Ada to end",
        linked,
        |e| matches!(e, RoomEvent::PeerDisconnected { peer, .. } if *peer == ada_id),
    )
    .await;
    let reached_bob: BTreeSet<String> = bob.peer.ids().intersection(&ada_drawn).cloned().collect();
    let reached_store: BTreeSet<String> = ids_in_database(url)
        .await
        .intersection(&ada_drawn)
        .cloned()
        .collect();
    let ada_kept: BTreeSet<String> = reached_bob.union(&reached_store).cloned().collect();
    assert!(ada_kept.is_superset(&ada_synced));

    // Bob links to node 2's keeper, which took the lease at the next epoch,
    // and keeps drawing.
    let lease_after = told + KEEPER_LEASE_TTL + Duration::from_secs(10);
    bob.event(
        "Bob links to the new keeper",
        lease_after,
        |e| matches!(e, RoomEvent::PeerConnected(p) if *p == new_keeper),
    )
    .await;
    let linked_after = killed_at.elapsed();
    assert!(
        node_2.log().contains("epoch=2"),
        "node 2's keeper took the room at the next epoch: {}",
        node_2.log()
    );
    assert!(
        !node_2.log().contains("keeper cannot start"),
        "node 2 never started a keeper the lease refused: {}",
        node_2.log()
    );
    bob_drawn.extend(bob.draw(8, 3.0).await);

    // The stored board and Bob's hold exactly Bob's drawing and what of Ada's
    // reached a survivor, id by id.
    let expected: BTreeSet<String> = bob_drawn.union(&ada_kept).cloned().collect();
    wait_for("node 2's keeper to store the union", 30, || async {
        ids_in_database(url).await == expected
    })
    .await;
    wait_for("Bob to hold the union", 30, || {
        let held = bob.peer.ids() == expected;
        async move { held }
    })
    .await;
    let stored = ids_in_database(url).await;
    assert_eq!(stored.len(), expected.len(), "counted id by id");
    assert_eq!(stored, expected);
    assert_eq!(stored_ids(node_2.addr, ROOM).await, expected);
    eprintln!(
        "failover: peer-left/peer-joined {told_after:?} after the SIGKILL, linked to the new \
         keeper {linked_after:?} after it; {} of Ada's {} ids survived, {} ids stored",
        ada_kept.len(),
        ada_drawn.len(),
        stored.len()
    );
}
