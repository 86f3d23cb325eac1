//! Helpers for the real-WebRTC tests: peers on loopback, joined through an
//! in-memory hub, and waiting for conditions with a deadline.

#![allow(dead_code)] // each test binary uses a different subset

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use inkmesh_doc::{Board, Element, Encoding, NewElement, Point, Style};
use inkmesh_transport::peer::{LinkEvent, LinkId, PeerLink};
use inkmesh_transport::{
    MemoryHub, MemorySignaling, PeerId, Role, Room, RoomEvent, Signal, SignalEvent, Signaling,
    TransportConfig,
};
use tokio::sync::mpsc::{self, UnboundedReceiver};

pub const DEADLINE: Duration = Duration::from_secs(20);

/// A whole-frame sync step 1 with an empty state vector: "send me everything".
pub const STEP_1: [u8; 5] = [0x00, 0x00, 0x00, 0x01, 0x00];

pub struct TestPeer {
    pub room: Room,
    pub events: UnboundedReceiver<RoomEvent>,
    pub board: Arc<Mutex<Board>>,
}

impl TestPeer {
    pub async fn join(hub: &MemoryHub, room: &str, name: &str, role: Role) -> TestPeer {
        Self::join_with(
            hub,
            room,
            name,
            role,
            Arc::new(Mutex::new(Board::new(format!("u-{name}")))),
        )
        .await
    }

    /// Joins with an existing board (a peer coming back with offline edits).
    pub async fn join_with(
        hub: &MemoryHub,
        room: &str,
        name: &str,
        role: Role,
        board: Arc<Mutex<Board>>,
    ) -> TestPeer {
        Self::join_configured(hub, room, name, role, board, TransportConfig::loopback()).await
    }

    /// Joins with an existing board and a configuration of its own.
    pub async fn join_configured(
        hub: &MemoryHub,
        room: &str,
        name: &str,
        role: Role,
        board: Arc<Mutex<Board>>,
        config: TransportConfig,
    ) -> TestPeer {
        let (room, events) = Room::join(hub.connect(room, name, role), board.clone(), config)
            .await
            .expect("join");
        TestPeer {
            room,
            events,
            board,
        }
    }

    /// Joins through a signaling connection made (and perhaps blocked or
    /// made a keeper's) beforehand.
    pub async fn join_through(signaling: MemorySignaling, name: &str) -> TestPeer {
        let board = Arc::new(Mutex::new(Board::new(format!("u-{name}"))));
        let (room, events) = Room::join(signaling, board.clone(), TransportConfig::loopback())
            .await
            .expect("join");
        TestPeer {
            room,
            events,
            board,
        }
    }

    /// The room's keeper (`keeper: true`), relaying for everyone.
    pub async fn keeper(hub: &MemoryHub, room: &str) -> TestPeer {
        Self::join_through(hub.connect_keeper(room), "keeper").await
    }

    pub fn id(&self) -> PeerId {
        self.room.me().id.clone()
    }

    pub fn elements(&self) -> Vec<Element> {
        self.board.lock().unwrap().elements()
    }

    /// Waits for the disconnection of `peer`, and returns its reason and limit.
    pub async fn expect_disconnect(
        &mut self,
        what: &str,
        peer: &PeerId,
    ) -> (String, Option<inkmesh_transport::Limit>) {
        let event = self
            .expect_event(
                what,
                |e| matches!(e, RoomEvent::PeerDisconnected { peer: p, .. } if p == peer),
            )
            .await;
        let RoomEvent::PeerDisconnected { reason, limit, .. } = event else {
            unreachable!()
        };
        (reason, limit)
    }

    /// Waits for an event matching `pred`, skipping others.
    pub async fn expect_event(
        &mut self,
        what: &str,
        pred: impl Fn(&RoomEvent) -> bool,
    ) -> RoomEvent {
        let deadline = tokio::time::Instant::now() + DEADLINE;
        loop {
            match tokio::time::timeout_at(deadline, self.events.recv()).await {
                Ok(Some(event)) if pred(&event) => return event,
                Ok(Some(_)) => continue,
                Ok(None) => panic!("room closed while waiting for {what}"),
                Err(_) => panic!("timed out after {DEADLINE:?} waiting for {what}"),
            }
        }
    }

    /// Draws `strokes` strokes of `batches` two-point batches, one edit per batch,
    /// as fast as the room takes them.
    pub async fn draw(&self, strokes: usize, batches: usize, seed: f64) -> Vec<String> {
        self.draw_paced(strokes, batches, seed, None).await
    }

    /// Draws like [`TestPeer::draw`], one batch per `frame` if given (a pen
    /// moving at the display's frame rate).
    pub async fn draw_paced(
        &self,
        strokes: usize,
        batches: usize,
        seed: f64,
        frame: Option<Duration>,
    ) -> Vec<String> {
        let mut ids = Vec::new();
        for s in 0..strokes {
            let (x, y) = (seed * 1000.0 + s as f64 * 10.0, seed * 100.0);
            let id = self
                .room
                .edit(|b| b.begin_stroke(x, y, &Style::default()).unwrap())
                .await;
            for i in 0..batches {
                let t = i as f64;
                let points = [
                    Point::new(x + t, y + t * 0.5),
                    Point::new(x + t + 0.5, y - t),
                ];
                self.room
                    .edit(|b| b.append_points(&id, &points).unwrap())
                    .await;
                match frame {
                    Some(frame) => tokio::time::sleep(frame).await,
                    None => tokio::task::yield_now().await,
                }
            }
            self.room.edit(|b| b.end_stroke(&id).unwrap()).await;
            ids.push(id);
        }
        ids
    }
}

/// A raw connection from a new room member to `victim`, open, and past the
/// victim's first frame (the answerer speaks first: PROTOCOL.md). Tests send
/// what they like through `link`; `events` is what the victim sent back.
pub struct Hostile {
    pub id: PeerId,
    pub link: PeerLink,
    pub events: UnboundedReceiver<(LinkId, LinkEvent)>,
    pub signaling: MemorySignaling,
}

/// [`connect_hostile_as`] an editor.
pub async fn connect_hostile(hub: &MemoryHub, victim: &PeerId) -> Hostile {
    connect_hostile_as(hub, victim, Role::Editor).await
}

pub async fn connect_hostile_as(hub: &MemoryHub, victim: &PeerId, role: Role) -> Hostile {
    let mut signaling = hub.connect("r", "mallory", role);
    let welcome = signaling.join().await.unwrap();
    let (link, events) = open_raw_link(&mut signaling, victim).await;
    Hostile {
        id: welcome.me.id,
        link,
        events,
        signaling,
    }
}

/// Offers a new raw link to `victim` through `signaling` and waits until it
/// is open and the victim has spoken on it.
pub async fn open_raw_link(
    signaling: &mut MemorySignaling,
    victim: &PeerId,
) -> (PeerLink, UnboundedReceiver<(LinkId, LinkEvent)>) {
    let (tx, mut events) = mpsc::unbounded_channel();
    let link = PeerLink::new(victim.clone(), &TransportConfig::loopback(), &[], tx)
        .await
        .unwrap();
    let sdp = link.offer().await.unwrap();
    signaling
        .send(
            victim,
            Signal::Offer {
                sdp,
                renegotiate: false,
            },
        )
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        tokio::select! {
            Some(event) = signaling.recv() => match event {
                SignalEvent::Signal { signal: Signal::Answer { sdp }, .. } => link.accept_answer(sdp).await.unwrap(),
                SignalEvent::Signal { signal: Signal::Candidate { candidate }, .. } => link.add_candidate(candidate).await.unwrap(),
                _ => {}
            },
            Some((_, event)) = events.recv() => match event {
                LinkEvent::Candidate(candidate) => signaling.send(victim, Signal::Candidate { candidate }).await.unwrap(),
                LinkEvent::Board(_) => break,
                LinkEvent::Closed(reason) => panic!("raw link closed before opening: {reason}"),
                _ => {}
            },
            _ = tokio::time::sleep_until(deadline) => panic!("raw link did not open"),
        }
    }
    (link, events)
}

impl Hostile {
    /// Waits until the victim closes the link; panics after the deadline.
    pub async fn expect_closed(&mut self, what: &str) {
        let closed = tokio::time::timeout(DEADLINE, async {
            while let Some((_, event)) = self.events.recv().await {
                if matches!(event, LinkEvent::Closed(_)) {
                    return true;
                }
            }
            false
        })
        .await;
        assert_eq!(closed, Ok(true), "{what}: the hostile link was not closed");
    }
}

/// A board whose v1 state is at least `bytes`: text elements of 1 KiB each.
pub fn big_board(author: &str, bytes: usize) -> Arc<Mutex<Board>> {
    let mut board = Board::new(author);
    let mut n = 0;
    while board.encode_state(Encoding::V1).len() < bytes {
        for _ in 0..50 {
            let text: String = (0..1024)
                .map(|i| char::from(b'a' + ((i * 7 + n) % 26) as u8))
                .collect();
            board
                .add(NewElement::text(n as f64, 0.0, 100.0, 20.0, &text))
                .unwrap();
            n += 1;
        }
    }
    Arc::new(Mutex::new(board))
}

/// This process's resident memory (VmRSS), in bytes.
pub fn resident_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/self/status");
    kib * 1024
}

/// Waits until `peer` has synced with someone.
pub async fn synced(peer: &mut TestPeer, what: &str) {
    peer.expect_event(what, |e| matches!(e, RoomEvent::PeerSynced(_)))
        .await;
}

/// Polls `check` until it holds, or fails the test after the deadline.
pub async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(
            start.elapsed() < DEADLINE,
            "timed out after {DEADLINE:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Waits until every peer shows the same elements, and returns them.
pub async fn converged(peers: &[&TestPeer]) -> Vec<Element> {
    eventually("all peers to show the same board", || {
        let first = peers[0].elements();
        peers[1..].iter().all(|p| p.elements() == first)
    })
    .await;
    peers[0].elements()
}

pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}
