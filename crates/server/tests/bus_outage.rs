//! Redis restarts, empty, in the middle of a session: two `inkmesh` nodes
//! sharing a real PostgreSQL and a real Redis, a member on each, linked. The
//! members keep drawing with each other meanwhile (boards never pass through
//! the bus), the bus recovers (a newcomer meets both), and nothing is lost:
//! the stored board holds every stroke, id by id. Skipped, saying so, where
//! PostgreSQL or `redis-server` is not installed.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::cluster::{ids_in_database, Member, TwoNodes};
use common::*;
use inkmesh_server::limits::{BUS_NODE_TTL, BUS_RECONCILE_INTERVAL};
use inkmesh_transport::RoomEvent;

const ROOM: &str = "bus-outage";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_keep_drawing_while_redis_restarts_and_nothing_is_lost() {
    let Some(TwoNodes {
        mut redis,
        database,
        node_1,
        node_2,
        dirs: _dirs,
    }) = TwoNodes::start().await
    else {
        return;
    };
    let url = database.url.as_str();

    let mut ada = Member::join(&node_1, ROOM, "ada").await;
    let mut bob = Member::join(&node_2, ROOM, "bob").await;
    let (ada_id, bob_id) = (ada.id(), bob.id());
    let linked = Duration::from_secs(30);
    ada.event(
        "Ada links to Bob",
        linked,
        |e| matches!(e, RoomEvent::PeerConnected(p) if *p == bob_id),
    )
    .await;
    bob.event(
        "Bob links to Ada",
        linked,
        |e| matches!(e, RoomEvent::PeerConnected(p) if *p == ada_id),
    )
    .await;
    let mut drawn: BTreeSet<String> = ada.draw(5, 0.0).await;
    drawn.extend(bob.draw(5, 1.0).await);

    redis.restart().await;

    // Drawing goes on between the members while the bus is empty.
    drawn.extend(ada.draw(5, 2.0).await);
    drawn.extend(bob.draw(5, 3.0).await);
    wait_for("Ada and Bob to hold each other's drawing", 30, || {
        let held = ada.peer.ids() == drawn && bob.peer.ids() == drawn;
        async move { held }
    })
    .await;

    // The bus recovers: a newcomer on node 2 (refused `unavailable` while
    // the node reconnects, as a browser would be, and retrying) is welcomed
    // with Ada (node 1 wrote its members back) and gets the whole board.
    let recovered = BUS_NODE_TTL + 2 * BUS_RECONCILE_INTERVAL + Duration::from_secs(10);
    let deadline = tokio::time::Instant::now() + recovered;
    let cy = loop {
        let attempt = Member::try_join(&node_2, ROOM, "cy").await;
        let met_ada = attempt.as_ref().is_ok_and(|cy| {
            cy.heard
                .lock()
                .unwrap()
                .welcome
                .as_ref()
                .is_some_and(|w| w.peers.iter().any(|p| p.id == ada_id))
        });
        if met_ada {
            break attempt.unwrap();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no newcomer met Ada within {recovered:?} of Redis restarting (last: {:?})",
            attempt.err()
        );
        drop(attempt);
        tokio::time::sleep(BUS_RECONCILE_INTERVAL / 4).await;
    };
    drawn.extend(ada.draw(3, 4.0).await);
    wait_for("the newcomer to hold everything drawn", 30, || {
        let held = cy.peer.ids() == drawn;
        async move { held }
    })
    .await;

    // Nothing is lost: the room's keeper stored every stroke.
    wait_for("the stored board to hold everything drawn", 30, || async {
        ids_in_database(url, ROOM).await == drawn
    })
    .await;
    assert_eq!(
        ids_in_database(url, ROOM).await.len(),
        23,
        "counted id by id"
    );
    assert_eq!(stored_ids(node_1.addr, ROOM).await, drawn);
}
