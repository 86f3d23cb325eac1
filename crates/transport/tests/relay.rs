//! The keeper relays (PROTOCOL.md, "Topology"), with real WebRTC on loopback:
//! star rooms reach everyone through the keeper alone, a pair whose direct
//! link cannot form still sees each other, the keeper gets a cursor only
//! while it has someone to relay it to and a member's updates merged while
//! it has no one to forward them to, a viewer's forged update reaches
//! nobody, and what a direct link dropped when it ended arrives anyway.

mod common;

use std::collections::BTreeSet;

use common::{connect_hostile, converged, eventually, init_tracing, synced, TestPeer};
use std::time::{Duration, Instant};

use inkmesh_transport::peer::{LinkEvent, PeerLink};
use inkmesh_transport::protocol::presence::RENEWAL_INTERVAL;
use inkmesh_transport::{
    MemoryHub, PeerId, Presence, PresenceChange, Role, RoomEvent, Signal, SignalEvent, Signaling,
    SyncState, TransportConfig,
};

fn presence(name: &str) -> Presence {
    Presence {
        name: name.into(),
        colour: "#2f9e44".into(),
        selection: vec![],
        viewport: None,
    }
}

/// The members `peer` has a live session with.
async fn live_links(peer: &TestPeer) -> BTreeSet<PeerId> {
    peer.room
        .peers()
        .await
        .into_iter()
        .filter(|p| p.sync == SyncState::Live)
        .map(|p| p.info.id)
        .collect()
}

/// Waits until every one of `peers` holds exactly the links `expected(peer)`,
/// all live.
async fn wait_for_links(peers: &[&TestPeer], expected: impl Fn(&TestPeer) -> BTreeSet<PeerId>) {
    let deadline = tokio::time::Instant::now() + common::DEADLINE;
    for peer in peers {
        loop {
            let links: BTreeSet<PeerId> = peer
                .room
                .peers()
                .await
                .into_iter()
                .map(|p| p.info.id)
                .collect();
            if links == expected(peer) && live_links(peer).await == links {
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{} holds links {links:?}, expected {:?}",
                peer.id(),
                expected(peer)
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
}

/// Waits until `peer` sees `from`'s presence under `name`.
async fn expect_presence(peer: &mut TestPeer, name: &str) {
    let what = format!("{name}'s presence at {}", peer.id());
    peer.expect_event(&what, |e| {
        matches!(e, RoomEvent::Presence { change: PresenceChange::Updated { presence, .. }, .. } if presence.name == name)
    })
    .await;
}

/// Sends `from`'s cursor until `to` reports it under `from`'s member id.
async fn expect_cursor(from: &TestPeer, to: &mut TestPeer, x: f32) {
    let origin = from.id();
    let what = format!("{origin}'s cursor at {}", to.id());
    let deadline = tokio::time::Instant::now() + common::DEADLINE;
    loop {
        from.room.send_cursor(x, 1.0, 0, 0);
        let got = tokio::time::timeout(std::time::Duration::from_millis(50), async {
            loop {
                match to.events.recv().await {
                    Some(RoomEvent::Cursor { peer, frame }) if peer == origin && frame.x == x => {
                        return
                    }
                    Some(_) => continue,
                    None => panic!("room closed"),
                }
            }
        })
        .await;
        if got.is_ok() {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_star_everything_goes_through_the_keeper_over_one_link_each() {
    init_tracing();
    let hub = MemoryHub::new();
    hub.set_mesh_limit(Some(0));
    let keeper = TestPeer::keeper(&hub, "r").await;
    let mut a = TestPeer::join(&hub, "r", "ann", Role::Editor).await;
    let mut b = TestPeer::join(&hub, "r", "bea", Role::Editor).await;
    let mut c = TestPeer::join(&hub, "r", "cy", Role::Editor).await;
    for peer in [&mut a, &mut b, &mut c] {
        synced(peer, "synced with the keeper").await;
    }
    let only_keeper = |_: &TestPeer| BTreeSet::from([keeper.id()]);
    wait_for_links(&[&a, &b, &c], only_keeper).await;

    a.draw(2, 5, 1.0).await;
    b.draw(2, 5, 2.0).await;
    c.draw(2, 5, 3.0).await;
    assert_eq!(converged(&[&a, &b, &c, &keeper]).await.len(), 6);

    a.room.set_presence(presence("Ann"));
    expect_presence(&mut b, "Ann").await;
    expect_presence(&mut c, "Ann").await;
    c.room.set_presence(presence("Cy"));
    expect_presence(&mut a, "Cy").await;
    expect_presence(&mut b, "Cy").await;

    expect_cursor(&a, &mut b, 11.0).await;
    expect_cursor(&a, &mut c, 12.0).await;
    expect_cursor(&b, &mut a, 13.0).await;
    expect_cursor(&c, &mut b, 14.0).await;

    // Still one link each: nothing above opened a direct one.
    wait_for_links(&[&a, &b, &c], only_keeper).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pair_whose_direct_link_never_forms_sees_each_other_through_the_keeper() {
    init_tracing();
    let hub = MemoryHub::new();
    let keeper = TestPeer::keeper(&hub, "r").await;
    let mut a = TestPeer::join(&hub, "r", "ann", Role::Editor).await;
    synced(&mut a, "ann synced with the keeper").await;
    let signaling = hub.connect("r", "bea", Role::Editor);
    hub.block(&a.id(), &signaling.info().id);
    let mut b = TestPeer::join_through(signaling, "bea").await;
    synced(&mut b, "bea synced with the keeper").await;
    // Mesh mode (no limit): Bea offered to Ann too, but the offer was lost.
    assert_eq!(live_links(&b).await, BTreeSet::from([keeper.id()]));

    a.draw(2, 5, 1.0).await;
    b.draw(2, 5, 2.0).await;
    assert_eq!(converged(&[&a, &b, &keeper]).await.len(), 4);
    expect_cursor(&a, &mut b, 21.0).await;
    expect_cursor(&b, &mut a, 22.0).await;
    b.room.set_presence(presence("Bea"));
    expect_presence(&mut a, "Bea").await;
}

/// The keeper, Ann and Bea in room "r" of `hub`, every one linked to every other.
async fn keeper_ann_and_bea(hub: &MemoryHub) -> (TestPeer, TestPeer, TestPeer) {
    let keeper = TestPeer::keeper(hub, "r").await;
    let a = TestPeer::join(hub, "r", "ann", Role::Editor).await;
    let b = TestPeer::join(hub, "r", "bea", Role::Editor).await;
    let everyone = |p: &TestPeer| {
        BTreeSet::from([keeper.id(), a.id(), b.id()])
            .into_iter()
            .filter(|id| *id != p.id())
            .collect()
    };
    wait_for_links(&[&a, &b], everyone).await;
    (keeper, a, b)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_keeper_gets_our_cursor_only_while_it_would_relay_it_to_someone() {
    init_tracing();
    let hub = MemoryHub::new();
    let (mut keeper, a, mut b) = keeper_ann_and_bea(&hub).await;
    // Ann reaches Bea directly: her cursor goes to Bea alone.
    expect_cursor(&a, &mut b, 31.0).await;

    // Cy's direct link to Ann never forms: from now on the keeper relays Ann's cursor to him.
    let signaling = hub.connect("r", "cy", Role::Editor);
    hub.block(&a.id(), &signaling.info().id);
    let mut c = TestPeer::join_through(signaling, "cy").await;
    synced(&mut c, "cy synced with the keeper").await;
    expect_cursor(&a, &mut c, 32.0).await;

    // The keeper reports each cursor it takes before relaying it: by now its
    // events hold every cursor of Ann's it was sent.
    let mut at_keeper = Vec::new();
    while let Ok(event) = keeper.events.try_recv() {
        if let RoomEvent::Cursor { peer, frame } = event {
            if peer == a.id() {
                at_keeper.push(frame.x);
            }
        }
    }
    assert!(
        at_keeper.contains(&32.0),
        "the keeper relayed 32 without taking it: {at_keeper:?}"
    );
    assert!(
        !at_keeper.contains(&31.0),
        "the keeper got a cursor it had no one to relay to: {at_keeper:?}"
    );
}

/// Adds `n` rectangles to `peer`'s board, one edit (one update) each, as fast as the room takes them.
async fn add_rects(peer: &TestPeer, n: usize) {
    for i in 0..n {
        peer.room
            .edit(|b| {
                b.add(inkmesh_doc::NewElement::rect(i as f64, 0.0, 1.0, 1.0))
                    .unwrap()
            })
            .await;
    }
}

/// How many board updates from `from` the keeper has applied since the last call.
fn updates_from(keeper: &mut TestPeer, from: &PeerId) -> usize {
    let mut count = 0;
    while let Ok(event) = keeper.events.try_recv() {
        if matches!(&event, RoomEvent::BoardChanged { peer } if peer == from) {
            count += 1;
        }
    }
    count
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_keeper_gets_our_updates_merged_only_while_it_would_forward_them_to_no_one() {
    init_tracing();
    const EDITS: usize = 40;
    let hub = MemoryHub::new();
    let (mut keeper, mut a, b) = keeper_ann_and_bea(&hub).await;
    updates_from(&mut keeper, &a.id());

    // Ann reaches Bea directly: Bea gets each edit, the keeper them merged.
    add_rects(&a, EDITS).await;
    // The keeper reports an update just after applying it: counted once seen.
    let mut merged = 0;
    eventually("Bea and the keeper to hold Ann's edits", || {
        merged += updates_from(&mut keeper, &a.id());
        b.elements().len() == EDITS && keeper.elements().len() == EDITS && merged > 0
    })
    .await;
    assert!(
        merged <= EDITS / 2,
        "the keeper applied {merged} updates for Ann's {EDITS} edits, not a few merged ones"
    );

    // Cy's direct link to Ann never forms: from now on the keeper forwards
    // Ann's edits to him, and gets each of them at once.
    let signaling = hub.connect("r", "cy", Role::Editor);
    let cy = signaling.info().id.clone();
    hub.block(&a.id(), &cy);
    let mut c = TestPeer::join_through(signaling, "cy").await;
    synced(&mut c, "cy synced with the keeper").await;
    a.expect_event(
        "Cy's arrival at Ann",
        |e| matches!(e, RoomEvent::PeerJoined(info) if info.id == cy),
    )
    .await;
    updates_from(&mut keeper, &a.id());
    add_rects(&a, EDITS).await;
    let mut each = 0;
    eventually("the keeper to apply each of Ann's edits on its own", || {
        each += updates_from(&mut keeper, &a.id());
        each >= EDITS
    })
    .await;
    assert_eq!(each, EDITS);
    eventually("Cy to get Ann's edits through the keeper", || {
        c.elements().len() == 2 * EDITS
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_we_hold_for_the_keeper_reaches_it_when_we_leave() {
    init_tracing();
    let hub = MemoryHub::new();
    let keeper = TestPeer::keeper(&hub, "r").await;
    let mut a = TestPeer::join(&hub, "r", "ann", Role::Editor).await;
    synced(&mut a, "ann synced with the keeper").await;
    // Alone with the keeper, Ann holds her edits for it, and leaves at once.
    add_rects(&a, 5).await;
    a.room.leave().await;
    eventually("the keeper to hold what Ann drew before leaving", || {
        keeper.elements().len() == 5
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewers_forged_update_reaches_no_one_through_the_keeper() {
    init_tracing();
    let hub = MemoryHub::new();
    hub.set_mesh_limit(Some(0));
    let mut keeper = TestPeer::keeper(&hub, "r").await;
    let mut editor = TestPeer::join(&hub, "r", "ed", Role::Editor).await;
    let mut viewer = TestPeer::join(&hub, "r", "vi", Role::Viewer).await;
    let mut other = TestPeer::join(&hub, "r", "fi", Role::Editor).await;
    for peer in [&mut editor, &mut viewer, &mut other] {
        synced(peer, "synced with the keeper").await;
    }
    viewer
        .room
        .edit(|b| {
            b.add(inkmesh_doc::NewElement::rect(0.0, 0.0, 1.0, 1.0))
                .unwrap()
        })
        .await;
    keeper
        .expect_event("the viewer's update dropped", |e| {
            matches!(e, RoomEvent::ViewerUpdateDropped { .. })
        })
        .await;
    // Forwarded after the viewer's update was handled, on the same ordered
    // channel: once the editor has it, the viewer's would have arrived.
    let ids = other.draw(1, 3, 4.0).await;
    eventually(
        "the other editor's stroke to reach the editor and the viewer",
        || {
            editor.board.lock().unwrap().element(&ids[0]).is_some()
                && viewer.board.lock().unwrap().element(&ids[0]).is_some()
        },
    )
    .await;
    assert_eq!(editor.elements().len(), 1);
    assert_eq!(keeper.elements().len(), 1);
    assert_eq!(
        viewer.elements().len(),
        2,
        "only the viewer's own copy has it"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_a_direct_link_dropped_as_it_ended_arrives_through_the_keeper() {
    init_tracing();
    let hub = MemoryHub::new();
    hub.set_mesh_limit(Some(2));
    let keeper = TestPeer::keeper(&hub, "r").await;
    let a = TestPeer::join(&hub, "r", "ann", Role::Editor).await;
    let mut b = TestPeer::join(&hub, "r", "bea", Role::Editor).await;
    let all = |p: &TestPeer| -> BTreeSet<PeerId> {
        [keeper.id(), a.id(), b.id()]
            .into_iter()
            .filter(|id| *id != p.id())
            .collect()
    };
    wait_for_links(&[&a, &b], all).await;
    a.room.set_presence(presence("Ann"));
    expect_presence(&mut b, "Ann").await;

    // Ann draws a burst and, while it is on its way to Bea over their direct
    // link, a third member makes the room a star: the link closes with
    // whatever it still held.
    let drawing = a.draw(20, 10, 1.0);
    let c = async {
        tokio::task::yield_now().await;
        TestPeer::join(&hub, "r", "cy", Role::Editor).await
    };
    let (_, c) = tokio::join!(drawing, c);
    let only_keeper = |_: &TestPeer| BTreeSet::from([keeper.id()]);
    wait_for_links(&[&a, &b, &c], only_keeper).await;
    assert_eq!(converged(&[&a, &b, &c, &keeper]).await.len(), 20);

    // Bea dropped Ann's presence with the link; the keeper sends it again,
    // long before Ann's next renewal would.
    b.expect_event("ann's presence dropped with the link", |e| {
        matches!(
            e,
            RoomEvent::Presence {
                change: PresenceChange::Removed { .. },
                ..
            }
        )
    })
    .await;
    let back = tokio::time::timeout(RENEWAL_INTERVAL / 3, expect_presence(&mut b, "Ann")).await;
    assert!(
        back.is_ok(),
        "ann's presence came back only with her renewal"
    );

    // From now on the keeper carries everything between them.
    b.draw(1, 3, 2.0).await;
    assert_eq!(converged(&[&a, &b, &c, &keeper]).await.len(), 21);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_a_member_reports_links_and_only_the_keeper_relays_cursors() {
    init_tracing();
    let hub = MemoryHub::new();
    // A links report to a member that is not the keeper.
    let mut member = TestPeer::join(&hub, "r", "victim", Role::Editor).await;
    let hostile = connect_hostile(&hub, &member.id()).await;
    hostile.link.send_board(vec![0x00, 0x04, 0x00]);
    let (reason, _) = member
        .expect_disconnect("the links reporter", &hostile.id)
        .await;
    assert!(reason.contains("links report"), "reason {reason:?}");
    // A relayed cursor frame from a member that is not the keeper.
    let hostile = connect_hostile(&hub, &member.id()).await;
    let relayed = inkmesh_transport::protocol::relayed_cursor::encode_relayed(&[(
        "p-9zz0a1b2c3d4".to_owned(),
        inkmesh_transport::CursorFrame {
            seq: 1,
            x: 1.0,
            y: 2.0,
            buttons: 0,
            tool: 0,
        },
    )])
    .unwrap();
    hostile.link.send_cursor_bytes(&relayed).await.unwrap();
    let (reason, _) = member
        .expect_disconnect("the cursor relayer", &hostile.id)
        .await;
    assert!(reason.contains("cursor"), "reason {reason:?}");
    // A links report over 64 ids, to the keeper.
    let hub = MemoryHub::new();
    let mut keeper = TestPeer::keeper(&hub, "r").await;
    let hostile = connect_hostile(&hub, &keeper.id()).await;
    let ids: Vec<String> = (0..65).map(|i| format!("p-{i:012}")).collect();
    let message = inkmesh_transport::protocol::frame::BoardMessage::Links(ids).encode();
    hostile.link.send_board([&[0x00][..], &message].concat());
    let (_, limit) = keeper
        .expect_disconnect("the long reporter", &hostile.id)
        .await;
    assert_eq!(limit, Some(inkmesh_transport::Limit::LinksPerReport));
}

/// Answers `from`'s next offer over `signaling` with a raw link, and returns
/// it once open.
async fn answer_next_offer(
    signaling: &mut inkmesh_transport::MemorySignaling,
    from: &PeerId,
) -> PeerLink {
    let (tx, mut events) = tokio::sync::mpsc::unbounded_channel();
    let mut link = None;
    let deadline = tokio::time::Instant::now() + common::DEADLINE;
    loop {
        tokio::select! {
            Some(event) = signaling.recv() => match event {
                SignalEvent::Signal { from: f, signal: Signal::Offer { sdp, .. } } if f == *from => {
                    let answerer = PeerLink::new(from.clone(), &TransportConfig::loopback(), &[], tx.clone())
                        .await
                        .unwrap();
                    let answer = answerer.answer(sdp).await.unwrap();
                    signaling.send(from, Signal::Answer { sdp: answer }).await.unwrap();
                    link = Some(answerer);
                }
                SignalEvent::Signal { signal: Signal::Candidate { candidate }, .. } => {
                    if let Some(link) = &link {
                        link.add_candidate(candidate).await.unwrap();
                    }
                }
                _ => {}
            },
            Some((_, event)) = events.recv() => match event {
                LinkEvent::Candidate(candidate) => signaling.send(from, Signal::Candidate { candidate }).await.unwrap(),
                LinkEvent::Open => return link.expect("open after an answer"),
                _ => {}
            },
            _ = tokio::time::sleep_until(deadline) => panic!("no offer from {from} opened a link"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_we_offered_that_ends_is_offered_again_after_a_backoff() {
    init_tracing();
    let hub = MemoryHub::new();
    let mut hana = hub.connect("r", "hana", Role::Editor);
    hana.join().await.unwrap();
    // Ann arrives after Hana, so Ann offers (mesh mode: no limit).
    let ann = TestPeer::join(&hub, "r", "ann", Role::Editor).await;
    let first = answer_next_offer(&mut hana, &ann.id()).await;
    // Hana closes the link but stays in the room.
    first.close().await;
    let closed = Instant::now();
    let _second = answer_next_offer(&mut hana, &ann.id()).await;
    let waited = closed.elapsed();
    assert!(
        waited >= Duration::from_millis(900),
        "offered again after {waited:?}, before the backoff"
    );
    let links = ann.room.peers().await;
    assert_eq!(links.len(), 1, "{links:?}");
}
