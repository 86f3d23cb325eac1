//! Each limit of `limits.rs` tripped by a hostile peer over real WebRTC: the
//! victim refuses the peer that exceeds it, reports which limit it was, and the
//! rest of the room carries on (an honest peer keeps drawing and converges).

mod common;

use std::net::UdpSocket;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{
    big_board, connect_hostile_as, converged, init_tracing, synced, TestPeer, DEADLINE, STEP_1,
};
use inkmesh_doc::{Board, Encoding, NewElement};
use inkmesh_transport::limits::{
    INBOUND_FRAME_OVERHEAD_BYTES, MAX_CLIENTS_PER_PEER, MAX_FRAME_BYTES,
};
use inkmesh_transport::peer::{LinkEvent, LinkId, PeerLink};
use inkmesh_transport::protocol::chunk::chunk_frame;
use inkmesh_transport::protocol::chunk::{Chunker, CHUNK_HEADER_BYTES};
use inkmesh_transport::protocol::frame::BoardMessage;
use inkmesh_transport::{
    CandidatePolicy, IceCandidate, Limit, Limits, MemoryHub, PeerId, Presence, PresenceChange,
    Role, RoomEvent, Signal, SignalEvent, Signaling, TransportConfig,
};
use tokio::sync::mpsc;

fn new_board(name: &str) -> Arc<Mutex<Board>> {
    Arc::new(Mutex::new(Board::new(format!("u-{name}"))))
}

/// The peer whose limit a test trips, set up as `config` says, and an honest
/// editor in the same room, synced, to show the room carries on.
async fn victim_and_bystander(hub: &MemoryHub, config: TransportConfig) -> (TestPeer, TestPeer) {
    let victim = TestPeer::join_configured(
        hub,
        "r",
        "victim",
        Role::Editor,
        new_board("victim"),
        config,
    )
    .await;
    let mut bystander = TestPeer::join(hub, "r", "bystander", Role::Editor).await;
    synced(&mut bystander, "the bystander synced").await;
    (victim, bystander)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_that_would_overfill_the_queue_disconnects_the_peer_as_too_slow() {
    init_tracing();
    let hub = MemoryHub::new();
    let limit = 256 * 1024;
    let config = TransportConfig {
        max_queued_bytes: limit,
        backpressure_bytes: 64 * 1024,
        ..TransportConfig::loopback()
    };
    let (mut victim, bystander) = victim_and_bystander(&hub, config).await;
    // The board grows past the limit in small updates, which the bystander
    // reads as they come.
    for i in 0..300 {
        let text = format!("{i:04}").repeat(256);
        victim
            .room
            .edit(|b| b.add(NewElement::text(f64::from(i), 0.0, 10.0, 10.0, &text)))
            .await
            .unwrap();
    }
    converged(&[&victim, &bystander]).await;
    let state = victim
        .board
        .lock()
        .unwrap()
        .encode_state(Encoding::V1)
        .len();
    assert!(
        state > limit,
        "the board ({state} bytes) must exceed the limit"
    );

    // The whole board in answer to one step 1 does not fit the peer's queue.
    let victim_id = victim.room.me().id.clone();
    let mut hostile = connect_hostile_as(&hub, &victim_id, Role::Viewer).await;
    hostile.link.send_board(STEP_1.to_vec());
    let (reason, tripped) = victim
        .expect_disconnect("the victim to refuse to queue its answer", &hostile.id)
        .await;
    assert!(reason.starts_with("too slow"), "reason {reason:?}");
    assert_eq!(tripped, Some(Limit::PeerQueueBytes));
    hostile
        .expect_closed("an answer over the queue limit")
        .await;

    victim.draw(1, 3, 1.0).await;
    converged(&[&victim, &bystander]).await;
}

/// Awareness frames announcing `clients`, each with clock 1 and `name`.
fn awareness_frames(clients: &[u64], name: &str) -> Vec<Vec<u8>> {
    let json = format!(r##"{{"name":"{name}","colour":"#000000"}}"##);
    let mut update = Vec::new();
    write_varuint(&mut update, clients.len() as u64);
    for &client in clients {
        write_varuint(&mut update, client);
        write_varuint(&mut update, 1);
        write_varuint(&mut update, json.len() as u64);
        update.extend_from_slice(json.as_bytes());
    }
    Chunker::new(MAX_FRAME_BYTES)
        .frames(&BoardMessage::Awareness(update).encode())
        .unwrap()
}

/// lib0's varuint (PROTOCOL.md, "Conventions").
fn write_varuint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn presence(name: &str) -> Presence {
    Presence {
        name: name.into(),
        colour: "#1971c2".into(),
        selection: vec![],
        viewport: None,
    }
}

fn client_id(peer: &TestPeer) -> u64 {
    peer.board.lock().unwrap().client_id()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presence_limits_refuse_the_member_who_exceeds_them_never_a_newcomer() {
    init_tracing();
    let hub = MemoryHub::new();
    let (mut victim, bystander) = victim_and_bystander(&hub, TransportConfig::loopback()).await;
    bystander.room.set_presence(presence("Bystander"));
    let bystander_client = client_id(&bystander);
    victim
        .expect_event("the bystander's presence", |e| {
            matches!(e, RoomEvent::Presence { change: PresenceChange::Updated { client, .. }, .. } if *client == bystander_client)
        })
        .await;
    let victim_id = victim.room.me().id.clone();

    // The attack of issue 10: a viewer announcing 1,024 made-up clients at a
    // time, to fill the table. Refused, and none of them tracked.
    let flood: Vec<u64> = (1_000..2_024).collect();
    let mut hostile = connect_hostile_as(&hub, &victim_id, Role::Viewer).await;
    for frame in awareness_frames(&flood, "fake") {
        hostile.link.send_board(frame);
    }
    let event = victim
        .expect_event("the flooder disconnected", |e| {
            matches!(
                e,
                RoomEvent::Presence { .. } | RoomEvent::PeerDisconnected { .. }
            )
        })
        .await;
    let RoomEvent::PeerDisconnected { peer, limit, .. } = event else {
        panic!("a fake client was tracked: {event:?}");
    };
    assert_eq!(peer, hostile.id);
    assert_eq!(limit, Some(Limit::AwarenessClientsPerPeer));
    hostile.expect_closed("too many presence clients").await;

    // A member within its quota stays, and cannot speak for the bystander.
    let second = connect_hostile_as(&hub, &victim_id, Role::Viewer).await;
    let mut own: Vec<u64> = (5_000..5_000 + MAX_CLIENTS_PER_PEER as u64 - 1).collect();
    own.insert(0, bystander_client);
    for frame in awareness_frames(&own, "spoofed") {
        second.link.send_board(frame);
    }
    let last = *own.last().unwrap();
    loop {
        let event = victim
            .expect_event("the second member's clients", |e| {
                matches!(
                    e,
                    RoomEvent::Presence { .. } | RoomEvent::PeerDisconnected { .. }
                )
            })
            .await;
        match event {
            RoomEvent::Presence {
                change: PresenceChange::Updated { client, .. },
                ..
            } => {
                assert_ne!(client, bystander_client, "the bystander was spoofed");
                if client == last {
                    break;
                }
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    // An honest editor who joins now syncs, shows presence, and draws.
    let mut editor = TestPeer::join(&hub, "r", "editor", Role::Editor).await;
    for _ in 0..2 {
        synced(&mut editor, "the editor synced").await;
    }
    editor.room.set_presence(presence("Editor"));
    let editor_client = client_id(&editor);
    let event = victim
        .expect_event("the editor's presence", |e| {
            matches!(e, RoomEvent::Presence { change: PresenceChange::Updated { client, .. }, .. } if *client == editor_client)
        })
        .await;
    let RoomEvent::Presence {
        change: PresenceChange::Updated {
            presence: shown, ..
        },
        ..
    } = event
    else {
        unreachable!()
    };
    assert_eq!(shown.name, "Editor");
    editor.draw(1, 3, 2.0).await;
    let elements = converged(&[&victim, &bystander, &editor]).await;
    assert_eq!(elements.len(), 1);
    let connected: Vec<PeerId> = victim
        .room
        .peers()
        .await
        .into_iter()
        .map(|p| p.info.id)
        .collect();
    assert!(
        connected.contains(&second.id),
        "the member within its quota is still connected"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_holds_at_most_two_small_partial_messages() {
    init_tracing();
    let hub = MemoryHub::new();
    let (mut victim, bystander) = victim_and_bystander(&hub, TransportConfig::loopback()).await;
    let victim_id = victim.room.me().id.clone();
    let full = vec![0u8; MAX_FRAME_BYTES - CHUNK_HEADER_BYTES];
    // 1 MiB in full chunks: the most a viewer's message may need.
    let viewer_chunks = Limits::default()
        .viewer_max_message_bytes
        .div_ceil(full.len()) as u16;
    let attacks: Vec<(&str, Vec<Vec<u8>>, Limit)> = vec![
        (
            "a third message begun before two ended",
            (1..=3)
                .map(|id| chunk_frame(id, 0, viewer_chunks, &full))
                .collect(),
            Limit::PartialMessages,
        ),
        (
            "a message announced larger than a viewer may send",
            vec![chunk_frame(1, 0, viewer_chunks + 1, &full)],
            Limit::MessageBytes,
        ),
        (
            "a message grown past a viewer's limit",
            (0..viewer_chunks)
                .map(|index| chunk_frame(1, index, viewer_chunks, &[&full[..], &[0]].concat()))
                .collect(),
            Limit::MessageBytes,
        ),
    ];
    for (round, (what, frames, expected)) in attacks.into_iter().enumerate() {
        let mut hostile = connect_hostile_as(&hub, &victim_id, Role::Viewer).await;
        for frame in frames {
            hostile.link.send_board(frame);
        }
        let (reason, tripped) = victim
            .expect_disconnect(&format!("the victim to refuse {what}"), &hostile.id)
            .await;
        assert_eq!(tripped, Some(expected), "{what}: {reason}");
        hostile.expect_closed(what).await;
        victim.draw(1, 3, round as f64).await;
        converged(&[&victim, &bystander]).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partial_messages_together_stay_within_the_peer_byte_limit() {
    init_tracing();
    let hub = MemoryHub::new();
    let config = TransportConfig {
        limits: Limits {
            max_partial_bytes: 256 * 1024,
            ..Limits::default()
        },
        ..TransportConfig::loopback()
    };
    let (mut victim, bystander) = victim_and_bystander(&hub, config).await;
    let victim_id = victim.room.me().id.clone();
    let full = vec![0u8; MAX_FRAME_BYTES - CHUNK_HEADER_BYTES];
    // Two messages of 9 full chunks each: 147 KB apiece, 295 KB together.
    let mut hostile = connect_hostile_as(&hub, &victim_id, Role::Editor).await;
    for id in [1, 2] {
        for index in 0..9 {
            hostile.link.send_board(chunk_frame(id, index, 20, &full));
        }
    }
    let (reason, tripped) = victim
        .expect_disconnect("the victim to refuse the bytes", &hostile.id)
        .await;
    assert_eq!(tripped, Some(Limit::PartialBytes), "{reason}");
    hostile.expect_closed("too many partial bytes").await;
    victim.draw(1, 3, 1.0).await;
    converged(&[&victim, &bystander]).await;
}

/// Connects a raw link to one of the victim's links, as a room's signaling
/// would. The victim's events come on the queue its links share; only those
/// of `victim_id` are this connection's.
async fn connect_to_victim(
    remote: &PeerLink,
    remote_events: &mut mpsc::UnboundedReceiver<(LinkId, LinkEvent)>,
    victim: &PeerLink,
    victim_id: &PeerId,
    shared: &mut mpsc::UnboundedReceiver<(LinkId, LinkEvent)>,
) {
    let answer = victim.answer(remote.offer().await.unwrap()).await.unwrap();
    remote.accept_answer(answer).await.unwrap();
    let (mut remote_open, mut victim_open) = (false, false);
    let deadline = tokio::time::Instant::now() + DEADLINE;
    while !(remote_open && victim_open) {
        tokio::select! {
            Some((_, event)) = remote_events.recv() => match event {
                LinkEvent::Candidate(c) => victim.add_candidate(c).await.unwrap(),
                LinkEvent::Open => remote_open = true,
                _ => {}
            },
            Some((id, event)) = shared.recv() => match event {
                LinkEvent::Candidate(c) if id.peer == *victim_id => remote.add_candidate(c).await.unwrap(),
                LinkEvent::Open if id.peer == *victim_id => victim_open = true,
                _ => {}
            },
            _ = tokio::time::sleep_until(deadline) => panic!("the links did not open"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_whose_frames_wait_stops_reading_and_no_other_link_does() {
    init_tracing();
    let budget = 32 * 1024;
    let victim_config = TransportConfig {
        inbound_link_bytes: budget,
        ..TransportConfig::loopback()
    };
    // One queue for both of the victim's links, as in a room.
    let (to_room, mut room) = mpsc::unbounded_channel();
    let hostile_id: PeerId = "hostile".into();
    let honest_id: PeerId = "honest".into();
    let from_hostile = PeerLink::new(hostile_id.clone(), &victim_config, &[], to_room.clone())
        .await
        .unwrap();
    let from_honest = PeerLink::new(honest_id.clone(), &victim_config, &[], to_room)
        .await
        .unwrap();
    let (hostile_tx, mut hostile_events) = mpsc::unbounded_channel();
    let hostile = PeerLink::new(
        "victim".into(),
        &TransportConfig::loopback(),
        &[],
        hostile_tx,
    )
    .await
    .unwrap();
    let (honest_tx, mut honest_events) = mpsc::unbounded_channel();
    let honest = PeerLink::new(
        "victim".into(),
        &TransportConfig::loopback(),
        &[],
        honest_tx,
    )
    .await
    .unwrap();
    connect_to_victim(
        &hostile,
        &mut hostile_events,
        &from_hostile,
        &hostile_id,
        &mut room,
    )
    .await;
    connect_to_victim(
        &honest,
        &mut honest_events,
        &from_honest,
        &honest_id,
        &mut room,
    )
    .await;

    // The room is slow: it holds every frame it got. The hostile floods.
    let frames = 2000u32;
    for i in 0..frames {
        let mut frame = i.to_le_bytes().to_vec();
        frame.resize(100, 0xaa);
        hostile.send_board(frame);
    }
    let mut held = Vec::new();
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        let (from, event) = tokio::time::timeout_at(deadline, room.recv())
            .await
            .expect("the hostile link to say it waits")
            .unwrap();
        match event {
            LinkEvent::Board(frame) if from.peer == hostile_id => held.push(frame),
            LinkEvent::InboundFull if from.peer == hostile_id => break,
            _ => {}
        }
    }
    let held_bytes: usize = held
        .iter()
        .map(|f| f.len() + INBOUND_FRAME_OVERHEAD_BYTES)
        .sum();
    assert!(held_bytes <= budget, "{held_bytes} bytes held");
    assert!(held.len() < frames as usize);

    // The honest link is read all the while.
    honest.send_board(b"hello".to_vec());
    loop {
        let (from, event) = tokio::time::timeout_at(deadline, room.recv())
            .await
            .expect("the honest frame while the hostile link waits")
            .unwrap();
        match event {
            LinkEvent::Board(frame) if from.peer == honest_id => {
                assert_eq!(&frame[..], b"hello");
                break;
            }
            LinkEvent::Board(_) if from.peer == hostile_id => {
                panic!("the hostile link was read beyond its budget")
            }
            _ => {}
        }
    }

    // Once the room has handled them, the rest arrives, in order, complete.
    let mut next = held.len() as u32;
    for (i, frame) in held.drain(..).enumerate() {
        assert_eq!(frame[..4], (i as u32).to_le_bytes());
    }
    while next < frames {
        let (from, event) = tokio::time::timeout_at(deadline, room.recv())
            .await
            .expect("the rest of the hostile frames")
            .unwrap();
        if let (LinkEvent::Board(frame), true) = (event, from.peer == hostile_id) {
            assert_eq!(frame[..4], next.to_le_bytes());
            next += 1;
        }
    }
    for link in [&hostile, &honest, &from_hostile, &from_honest] {
        link.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_board_syncs_through_a_small_inbound_budget() {
    init_tracing();
    let hub = MemoryHub::new();
    let a = TestPeer::join_with(&hub, "r", "a", Role::Editor, big_board("u-a", 300_000)).await;
    let config = TransportConfig {
        inbound_link_bytes: MAX_FRAME_BYTES + INBOUND_FRAME_OVERHEAD_BYTES,
        ..TransportConfig::loopback()
    };
    let mut late =
        TestPeer::join_configured(&hub, "r", "late", Role::Editor, new_board("late"), config).await;
    synced(&mut late, "the late joiner synced").await;
    late.draw(1, 3, 1.0).await;
    assert_eq!(converged(&[&a, &late]).await.len(), a.elements().len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_text_message_on_either_channel_disconnects() {
    init_tracing();
    let hub = MemoryHub::new();
    let (mut victim, bystander) = victim_and_bystander(&hub, TransportConfig::loopback()).await;
    let victim_id = victim.room.me().id.clone();
    for (round, channel) in ["board", "cursor"].into_iter().enumerate() {
        let mut hostile = connect_hostile_as(&hub, &victim_id, Role::Editor).await;
        // A sync step 1 as text: issue 10 saw it answered as if binary.
        let text = "\0\0\0\u{1}\0";
        match channel {
            "board" => hostile.link.send_board_text(text).await.unwrap(),
            _ => hostile.link.send_cursor_text(text).await.unwrap(),
        }
        let (reason, tripped) = victim
            .expect_disconnect(&format!("text on the {channel} channel"), &hostile.id)
            .await;
        assert_eq!(
            reason,
            format!("misbehaved: text message on the {channel} channel")
        );
        assert_eq!(tripped, None);
        // Nothing was answered: the link closes without a step 2.
        let deadline = tokio::time::Instant::now() + DEADLINE;
        loop {
            let (_, event) = tokio::time::timeout_at(deadline, hostile.events.recv())
                .await
                .expect("the hostile link to close")
                .unwrap();
            match event {
                LinkEvent::Board(frame) => assert_ne!(
                    frame[..3],
                    [0x00, 0x00, 0x01],
                    "the text was answered with a step 2"
                ),
                LinkEvent::Closed(_) => break,
                _ => {}
            }
        }
        victim.draw(1, 3, round as f64).await;
        converged(&[&victim, &bystander]).await;
    }
}

/// An SDP candidate line or trickled candidate for a UDP socket.
fn host_candidate(foundation: u32, socket: &UdpSocket) -> String {
    let addr = socket.local_addr().unwrap();
    format!(
        "candidate:{foundation} 1 udp 2130706431 {} {} typ host",
        addr.ip(),
        addr.port()
    )
}

/// Waits for a STUN binding request on `socket`, or `None` after `wait`.
fn stun_request(socket: &UdpSocket, wait: Duration) -> Option<Vec<u8>> {
    socket.set_read_timeout(Some(wait)).unwrap();
    let mut buf = [0u8; 1500];
    let (len, _) = socket.recv_from(&mut buf).ok()?;
    Some(buf[..len].to_vec())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_keeper_checks_only_candidate_addresses_its_policy_allows() {
    init_tracing();
    let hub = MemoryHub::new();
    // A keeper-like peer that allows only 127.0.0.1 (and public addresses).
    let policy = Arc::new(CandidatePolicy::public_and(vec!["127.0.0.1/32"
        .parse()
        .unwrap()]));
    let config = TransportConfig {
        candidate_policy: policy.clone(),
        ..TransportConfig::loopback()
    };
    let mut keeper = TestPeer::join_configured(
        &hub,
        "r",
        "keeper",
        Role::Editor,
        new_board("keeper"),
        config,
    )
    .await;
    let keeper_id = keeper.room.me().id.clone();
    let refused_in_sdp = UdpSocket::bind("127.0.0.2:0").unwrap();
    let refused_trickled = UdpSocket::bind("127.0.0.3:0").unwrap();
    let allowed_in_sdp = UdpSocket::bind("127.0.0.1:0").unwrap();
    let allowed_trickled = UdpSocket::bind("127.0.0.1:0").unwrap();

    // A member whose offer and candidates name those sockets, before its own.
    let mut signaling = hub.connect("r", "mallory", Role::Editor);
    let me = signaling.join().await.unwrap().me.id;
    let (tx, mut events) = mpsc::unbounded_channel();
    let link = PeerLink::new(keeper_id.clone(), &TransportConfig::loopback(), &[], tx)
        .await
        .unwrap();
    let sdp = link.offer().await.unwrap();
    let forged = format!(
        "{sdp}a={}\r\na={}\r\n",
        host_candidate(901, &refused_in_sdp),
        host_candidate(902, &allowed_in_sdp)
    );
    signaling
        .send(
            &keeper_id,
            Signal::Offer {
                sdp: forged,
                renegotiate: false,
            },
        )
        .await
        .unwrap();
    for (foundation, socket) in [(903, &refused_trickled), (904, &allowed_trickled)] {
        let candidate = IceCandidate {
            candidate: host_candidate(foundation, socket),
            sdp_mid: Some("0".into()),
            sdp_m_line_index: Some(0),
            username_fragment: None,
        };
        signaling
            .send(&keeper_id, Signal::Candidate { candidate })
            .await
            .unwrap();
    }
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        tokio::select! {
            Some(event) = signaling.recv() => match event {
                SignalEvent::Signal { signal: Signal::Answer { sdp }, .. } => link.accept_answer(sdp).await.unwrap(),
                SignalEvent::Signal { signal: Signal::Candidate { candidate }, .. } => link.add_candidate(candidate).await.unwrap(),
                _ => {}
            },
            Some((_, event)) = events.recv() => match event {
                LinkEvent::Candidate(candidate) => signaling.send(&keeper_id, Signal::Candidate { candidate }).await.unwrap(),
                LinkEvent::Board(_) => break,
                LinkEvent::Closed(reason) => panic!("the member's link closed: {reason}"),
                _ => {}
            },
            _ = tokio::time::sleep_until(deadline) => panic!("the member's link did not open"),
        }
    }
    // Each refusal is reported (before the link opened), and counted below.
    let refusals = std::cell::Cell::new(0);
    keeper
        .expect_event("the member connected", |e| {
            if matches!(e, RoomEvent::LimitTripped { peer, limit: Limit::CandidateAddress } if *peer == me)
            {
                refusals.set(refusals.get() + 1);
            }
            matches!(e, RoomEvent::PeerConnected(p) if *p == me)
        })
        .await;

    // The allowed candidates are checked: a STUN binding request arrives.
    for socket in [&allowed_in_sdp, &allowed_trickled] {
        let request = tokio::task::block_in_place(|| stun_request(socket, DEADLINE))
            .expect("a connectivity check at an allowed candidate");
        assert_eq!(request[..2], [0x00, 0x01], "a STUN binding request");
    }
    // The refused ones, offered at the same time, are not, then or later.
    for socket in [&refused_in_sdp, &refused_trickled] {
        let packet = tokio::task::block_in_place(|| stun_request(socket, Duration::from_secs(2)));
        assert_eq!(packet, None, "a packet reached a refused candidate");
    }
    assert_eq!(policy.refused(), 2);
    assert_eq!(refusals.get(), 2);
    link.close().await;
}
