//! A room far above the mesh limit, on the real `inkmesh` binary: every
//! member links to the keeper only, and the keeper relays everyone's strokes
//! and cursors to everyone (PROTOCOL.md, "Topology").

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use common::binary::Binary;
use common::*;
use inkmesh_doc::NewElement;
use inkmesh_transport::{Role, RoomEvent};

/// Members in the room: well above the default mesh limit (6), within the
/// default room limit (50), and few enough for one test process.
const MEMBERS: usize = 47;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_room_of_47_converges_through_the_keeper_with_one_link_each() {
    let dir = tempfile::tempdir().unwrap();
    // The default mesh limit: the first members link directly, and close
    // those links once the room grows past it.
    let server = Binary::start(dir.path(), &["--auth-secret", SECRET]).await;
    let url = server.signal_url();
    let started = Instant::now();
    let mut members = Vec::new();
    for i in 0..MEMBERS {
        members.push(Peer::join(&url, "star", &format!("member-{i:02}"), Role::Editor).await);
    }
    let mut drawn = BTreeSet::new();
    for (i, member) in members.iter().enumerate() {
        let id = member
            .room
            .edit(|b| b.add(NewElement::rect(i as f64 * 10.0, 0.0, 5.0, 5.0)))
            .await
            .unwrap();
        drawn.insert(id);
    }
    wait_for("every member to hold every stroke, id by id", 45, || {
        let all = members.iter().all(|m| m.ids() == drawn);
        async move { all }
    })
    .await;
    let converged_after = started.elapsed();
    for member in &members {
        let links = member.room.peers().await;
        assert_eq!(links.len(), 1, "{}: {links:?}", member.room.me().id);
        assert!(
            links[0].info.keeper,
            "{}'s one link is the keeper's",
            member.room.me().id
        );
    }
    println!("{MEMBERS} members joined and converged in {converged_after:?}");
    assert!(converged_after < Duration::from_secs(60));

    // One member's cursor reaches all the others, relayed by the keeper.
    let (drawer, others) = members.split_first_mut().unwrap();
    let origin = drawer.room.me().id.clone();
    let mut waiting: BTreeSet<usize> = (0..others.len()).collect();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut x = 0.0;
    while !waiting.is_empty() {
        assert!(
            Instant::now() < deadline,
            "{} members never saw the cursor",
            waiting.len()
        );
        x += 1.0;
        drawer.room.send_cursor(x, 2.0, 0, 0);
        tokio::time::sleep(Duration::from_millis(16)).await;
        waiting.retain(|&i| {
            let mut seen = false;
            while let Ok(event) = others[i].events.try_recv() {
                seen |= matches!(event, RoomEvent::Cursor { ref peer, .. } if *peer == origin);
            }
            !seen
        });
    }
}
