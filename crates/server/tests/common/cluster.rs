//! Two or more `inkmesh` nodes sharing a real PostgreSQL and a real Redis,
//! and native members whose signaling keeps a record of what it heard, so
//! tests can assert on the wire as a member's room saw it.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use inkmesh_doc::{Board, BoardOptions};
use inkmesh_server::recovery::recover;
use inkmesh_server::stores::{PostgresStore, Store};
use inkmesh_transport::{
    PeerId, Role, Room, RoomEvent, Signal, SignalEvent, Signaling, SignalingError, TransportConfig,
    Welcome, WsSignaling,
};

use super::binary::Binary;
use super::postgres::{Postgres, PostgresDb};
use super::redis::Redis;
use super::{ids, token, Peer, SECRET};

/// Two nodes sharing one real PostgreSQL and one real Redis.
pub struct TwoNodes {
    pub redis: Redis,
    pub database: PostgresDb,
    pub node_1: Binary,
    pub node_2: Binary,
    /// The nodes' data directories, removed when dropped.
    pub dirs: [tempfile::TempDir; 2],
}

impl TwoNodes {
    /// Starts them; `None` (after saying why) where PostgreSQL or
    /// `redis-server` is not installed.
    pub async fn start() -> Option<TwoNodes> {
        let redis = Redis::start().await?;
        let database = tokio::task::spawn_blocking(Postgres::database)
            .await
            .unwrap()?;
        let bus = redis.url();
        let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
        let node_1 = start_node(dirs[0].path(), &database.url, &bus).await;
        let node_2 = start_node(dirs[1].path(), &database.url, &bus).await;
        Some(TwoNodes {
            redis,
            database,
            node_1,
            node_2,
            dirs,
        })
    }
}

/// What a member's signaling told it: its welcome, then every event.
#[derive(Default)]
pub struct Heard {
    pub welcome: Option<Welcome>,
    pub events: Vec<SignalEvent>,
}

/// A member's WebSocket signaling that keeps a record of what it heard, so
/// the test can assert on the wire as the member's room saw it.
pub struct Recorded {
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
pub struct Member {
    pub peer: Peer,
    pub heard: Arc<Mutex<Heard>>,
}

impl Member {
    pub async fn join(node: &Binary, room: &str, user: &str) -> Member {
        Self::try_join(node, room, user)
            .await
            .unwrap_or_else(|e| panic!("{user} joins {room}: {e}"))
    }

    /// Joins, or answers why the server refused (e.g. `unavailable` while
    /// the bus is down).
    pub async fn try_join(node: &Binary, room: &str, user: &str) -> Result<Member, String> {
        let inner =
            WsSignaling::connect(&node.signal_url(), room, &token(room, user, Role::Editor))
                .await
                .map_err(|e| format!("signaling: {e}"))?;
        let heard = Arc::new(Mutex::new(Heard::default()));
        let signaling = Recorded {
            inner,
            heard: heard.clone(),
        };
        let board = Arc::new(Mutex::new(Board::new(user)));
        let (room, events) = Room::join(signaling, board.clone(), TransportConfig::loopback())
            .await
            .map_err(|e| format!("joining: {e:?}"))?;
        Ok(Member {
            peer: Peer {
                room,
                board,
                events,
            },
            heard,
        })
    }

    pub fn id(&self) -> PeerId {
        self.peer.room.me().id.clone()
    }

    /// The keepers its welcome listed.
    pub fn welcomed_keepers(&self) -> Vec<PeerId> {
        let heard = self.heard.lock().unwrap();
        let welcome = heard.welcome.as_ref().expect("welcomed");
        welcome
            .peers
            .iter()
            .filter(|p| p.keeper)
            .map(|p| p.id.clone())
            .collect()
    }

    pub fn heard_left(&self, id: &PeerId) -> bool {
        let heard = self.heard.lock().unwrap();
        heard
            .events
            .iter()
            .any(|e| matches!(e, SignalEvent::PeerLeft(left) if left == id))
    }

    /// The keepers announced to it by `peer-joined`.
    pub fn keepers_joined(&self) -> Vec<PeerId> {
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
    pub async fn draw(&self, n: usize, row: f64) -> BTreeSet<String> {
        self.peer.draw(n, row).await
    }

    /// Waits for a room event `wanted` accepts, within `within`.
    pub async fn event(
        &mut self,
        what: &str,
        within: Duration,
        wanted: impl Fn(&RoomEvent) -> bool,
    ) {
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
pub async fn ids_in_database(url: &str, room: &str) -> BTreeSet<String> {
    let (url, room) = (url.to_owned(), room.to_owned());
    tokio::task::spawn_blocking(move || {
        let store = PostgresStore::connect(&url).unwrap();
        let data = store.load(&room).unwrap();
        ids(&recover(&room, data, BoardOptions::new("reader")).board)
    })
    .await
    .unwrap()
}

/// A node on the shared database and bus, its keepers staying while the test
/// needs them.
pub async fn start_node(dir: &std::path::Path, database: &str, bus: &str) -> Binary {
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
