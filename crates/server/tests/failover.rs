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
use std::time::{Duration, Instant};

use common::cluster::{ids_in_database, Member, TwoNodes};
use common::*;
use inkmesh_server::limits::{BUS_NODE_TTL, BUS_RECONCILE_INTERVAL, KEEPER_LEASE_TTL};
use inkmesh_transport::RoomEvent;

const ROOM: &str = "failover";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_the_keepers_node_dies_a_keeper_on_the_other_node_takes_the_room() {
    // Bound, not `..`: a field left out of the pattern would be dropped (and
    // its server stopped) right here.
    let Some(TwoNodes {
        redis: _redis,
        database,
        node_1,
        node_2,
        dirs: _dirs,
    }) = TwoNodes::start().await
    else {
        return;
    };
    let url = database.url.as_str();

    // Ada, first in the room, brings its keeper to node 1; Bob on node 2 is
    // welcomed with that one keeper, node 2 starting none of its own.
    let mut ada = Member::join(&node_1, ROOM, "ada").await;
    let old_keeper = match ada.welcomed_keepers().as_slice() {
        [keeper] => keeper.clone(),
        other => panic!("Ada is welcomed with one keeper, not {other:?}"),
    };
    let mut bob = Member::join(&node_2, ROOM, "bob").await;
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
        ids_in_database(url, ROOM).await == both
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
    let reached_store: BTreeSet<String> = ids_in_database(url, ROOM)
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
        ids_in_database(url, ROOM).await == expected
    })
    .await;
    wait_for("Bob to hold the union", 30, || {
        let held = bob.peer.ids() == expected;
        async move { held }
    })
    .await;
    let stored = ids_in_database(url, ROOM).await;
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
