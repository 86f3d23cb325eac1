//! Helpers for the real-WebRTC tests: peers on loopback, joined through an
//! in-memory hub, and waiting for conditions with a deadline.

#![allow(dead_code)] // each test binary uses a different subset

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use inkmesh_doc::{Board, Element, Point, Style};
use inkmesh_transport::{MemoryHub, Role, Room, RoomEvent, TransportConfig};
use tokio::sync::mpsc::UnboundedReceiver;

pub const DEADLINE: Duration = Duration::from_secs(20);

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
        let (room, events) = Room::join(
            hub.connect(room, name, role),
            board.clone(),
            TransportConfig::loopback(),
        )
        .await
        .expect("join");
        TestPeer {
            room,
            events,
            board,
        }
    }

    pub fn elements(&self) -> Vec<Element> {
        self.board.lock().unwrap().elements()
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
