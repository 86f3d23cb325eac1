//! The keeper: the server's own peer in every active room.
//!
//! A keeper is an ordinary native member ([`inkmesh_transport::Room`]) that
//! joins through the hub like anyone else ([`LocalSignaling`]), so browsers
//! sync with it exactly as with each other. It loads the board from storage
//! when a room's first member arrives, appends every update it accepts to the
//! log, compacts the log into snapshots, and leaves once the room has been
//! empty for a while, storing a snapshot on the way out. Persistence therefore
//! never depends on a browser staying open.
//!
//! Viewers' board updates never reach the log: the transport's sync session
//! drops them before they touch the board, and the keeper logs only what its
//! board actually applied.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use inkmesh_doc::{Board, BoardOptions, ChangeOrigin, UpdateSubscription};
use inkmesh_transport::{PeerInfo, Role, Room, RoomEvent};
use tokio::sync::{mpsc, oneshot, Mutex as AsyncMutex};
use tokio::task::JoinHandle;
use tracing::{debug, info, warn};

use crate::config::KeeperConfig;
use crate::error::{ApiError, Code};
use crate::persist::Writer;
use crate::recovery::recover;
use crate::signal::hub::{new_peer_id, Hub};
use crate::signal::local::LocalSignaling;
use crate::stores::Store;

/// The author written by the keeper's board (it never edits).
const KEEPER_AUTHOR: &str = "inkmesh-keeper";

/// One room's keeper slot. Joining members and the leaving keeper take its lock,
/// so a member never joins a keeper that is on its way out.
#[derive(Default)]
struct Slot {
    keeper: Option<KeeperHandle>,
    /// Removed from the map; whoever still holds it must look again.
    retired: bool,
}

struct KeeperHandle {
    board: Arc<Mutex<Board>>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

/// All keepers of this server.
pub struct Keepers {
    slots: Mutex<HashMap<String, Arc<AsyncMutex<Slot>>>>,
    hub: Arc<Hub>,
    store: Arc<dyn Store>,
    writer: Writer,
    config: KeeperConfig,
    running: AtomicUsize,
    closing: AtomicBool,
}

impl Keepers {
    pub fn new(hub: Arc<Hub>, store: Arc<dyn Store>, writer: Writer, config: KeeperConfig) -> Self {
        Self {
            slots: Mutex::new(HashMap::new()),
            hub,
            store,
            writer,
            config,
            running: AtomicUsize::new(0),
            closing: AtomicBool::new(false),
        }
    }

    fn slot(&self, room: &str) -> Arc<AsyncMutex<Slot>> {
        self.slots
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(room.to_owned())
            .or_default()
            .clone()
    }

    /// Keepers running now.
    pub fn running(&self) -> usize {
        self.running.load(Ordering::Relaxed)
    }

    /// Makes sure `room` has a running keeper, then runs `join` while no keeper
    /// can leave: the member `join` adds to the hub is then welcomed with the
    /// keeper in its list of peers.
    pub async fn admit<T>(
        self: &Arc<Self>,
        room: &str,
        join: impl FnOnce() -> T,
    ) -> Result<T, ApiError> {
        loop {
            if self.closing.load(Ordering::Acquire) {
                return Err(ApiError::new(
                    Code::Unavailable,
                    "The server is shutting down; try again in a moment.",
                ));
            }
            let slot = self.slot(room);
            let mut guard = slot.lock().await;
            if guard.retired {
                continue;
            }
            let alive = guard.keeper.as_ref().is_some_and(|k| !k.task.is_finished());
            if !alive {
                guard.keeper = Some(self.start(room, slot.clone()).await?);
            }
            return Ok(join());
        }
    }

    /// The live board of `room`, if its keeper is running.
    pub async fn board(&self, room: &str) -> Option<Arc<Mutex<Board>>> {
        let slot = self
            .slots
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(room)
            .cloned()?;
        let guard = slot.lock().await;
        guard
            .keeper
            .as_ref()
            .filter(|k| !k.task.is_finished())
            .map(|k| k.board.clone())
    }

    /// Stops every keeper: each leaves its room, flushes its updates and stores
    /// a snapshot. No keeper starts afterwards.
    pub async fn shutdown(&self) {
        self.closing.store(true, Ordering::Release);
        let slots: Vec<_> = self
            .slots
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect();
        for slot in slots {
            let mut guard = slot.lock().await;
            if let Some(mut keeper) = guard.keeper.take() {
                if let Some(stop) = keeper.stop.take() {
                    let _ = stop.send(());
                }
                let _ = keeper.task.await;
            }
        }
    }

    async fn start(
        self: &Arc<Self>,
        room: &str,
        slot: Arc<AsyncMutex<Slot>>,
    ) -> Result<KeeperHandle, ApiError> {
        let unavailable = |what: &str, e: &dyn std::fmt::Display| {
            warn!(room, "keeper cannot start: {what}: {e}");
            ApiError::new(
                Code::Unavailable,
                format!(
                    "The server cannot open room `{room}` right now ({what}); try again later."
                ),
            )
        };
        let store = self.store.clone();
        let name = room.to_owned();
        let recovered = tokio::task::spawn_blocking(move || {
            store
                .load(&name)
                .map(|data| recover(&name, data, BoardOptions::new(KEEPER_AUTHOR)))
        })
        .await
        .map_err(|e| unavailable("loading the board", &e))?
        .map_err(|e| unavailable("loading the board", &e))?;
        info!(
            room,
            snapshot = ?recovered.snapshot_id,
            replayed = recovered.replayed,
            skipped = recovered.skipped,
            elements = recovered.board.len(),
            "keeper loaded the board"
        );
        let board = Arc::new(Mutex::new(recovered.board));
        let appended = Arc::new(AtomicU64::new(0));
        let subscription = {
            let writer = self.writer.clone();
            let appended = appended.clone();
            let room = room.to_owned();
            board
                .lock()
                .expect("board lock")
                .observe_updates(move |update, origin| {
                    if origin == ChangeOrigin::Remote {
                        writer.append(&room, update.to_vec());
                        appended.fetch_add(1, Ordering::Relaxed);
                    }
                })
        };
        let info = PeerInfo {
            id: new_peer_id("keeper-"),
            name: "Keeper".to_owned(),
            colour: "#868e96".to_owned(),
            role: Role::Editor,
            keeper: true,
        };
        let signaling = LocalSignaling::new(self.hub.clone(), room, info);
        let (member, events) = Room::join(signaling, board.clone(), self.config.transport.clone())
            .await
            .map_err(|e| unavailable("joining the room", &e))?;
        let (stop_tx, stop_rx) = oneshot::channel();
        let keeper = Keeper {
            room: room.to_owned(),
            member: Some(member),
            board: board.clone(),
            appended,
            compacted: 0,
            dirty: recovered.replayed > 0 || recovered.skipped > 0,
            last_compaction: Instant::now(),
            _subscription: subscription,
            keepers: self.clone(),
        };
        self.running.fetch_add(1, Ordering::Relaxed);
        let task = tokio::spawn(keeper.run(events, stop_rx, slot));
        Ok(KeeperHandle {
            board,
            stop: Some(stop_tx),
            task,
        })
    }

    fn retire(&self, room: &str, slot: &Arc<AsyncMutex<Slot>>) {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        if slots.get(room).is_some_and(|s| Arc::ptr_eq(s, slot)) {
            slots.remove(room);
        }
    }
}

/// One running keeper.
struct Keeper {
    room: String,
    member: Option<Room>,
    board: Arc<Mutex<Board>>,
    /// Updates appended since the keeper started (by the board observer).
    appended: Arc<AtomicU64>,
    /// `appended` at the last compaction.
    compacted: u64,
    /// The stored log had rows (or bad rows) when the board was loaded.
    dirty: bool,
    last_compaction: Instant,
    _subscription: UpdateSubscription,
    keepers: Arc<Keepers>,
}

impl Keeper {
    async fn run(
        mut self,
        mut events: mpsc::UnboundedReceiver<RoomEvent>,
        mut stop: oneshot::Receiver<()>,
        slot: Arc<AsyncMutex<Slot>>,
    ) {
        let config = self.keepers.config.clone();
        let period = (config.idle / 4).clamp(Duration::from_millis(20), Duration::from_secs(1));
        let mut tick = tokio::time::interval(period);
        let mut idle_since: Option<Instant> = None;
        loop {
            tokio::select! {
                _ = &mut stop => {
                    self.finish().await;
                    return;
                }
                event = events.recv() => match event {
                    Some(RoomEvent::ViewerUpdateDropped { peer }) => {
                        self.keepers.hub.metrics().viewer_updates_dropped.fetch_add(1, Ordering::Relaxed);
                        debug!(room = %self.room, %peer, "dropped a viewer's board update");
                    }
                    Some(RoomEvent::PeerDisconnected { peer, reason, limit }) => {
                        if let Some(limit) = limit {
                            self.keepers.hub.metrics().limit_tripped(limit.name());
                        }
                        debug!(room = %self.room, %peer, "keeper lost a peer: {reason}");
                    }
                    Some(RoomEvent::LimitTripped { peer, limit }) => {
                        self.keepers.hub.metrics().limit_tripped(limit.name());
                        debug!(room = %self.room, %peer, limit = limit.name(), "a peer reached a limit");
                    }
                    Some(_) => {}
                    None => {
                        warn!(room = %self.room, "the keeper's room ended unexpectedly");
                        break;
                    }
                },
                _ = tick.tick() => {
                    let pending = self.appended.load(Ordering::Relaxed) - self.compacted;
                    if pending >= config.compact_updates
                        || (pending > 0 && self.last_compaction.elapsed() >= config.compact_interval)
                    {
                        self.compact().await;
                    }
                    if self.keepers.hub.people(&self.room) > 0 {
                        idle_since = None;
                        continue;
                    }
                    if idle_since.get_or_insert_with(Instant::now).elapsed() < config.idle {
                        continue;
                    }
                    // Idle long enough: leave, unless someone joins while we wait.
                    let mut guard = tokio::select! {
                        guard = slot.lock() => guard,
                        _ = &mut stop => {
                            self.finish().await;
                            return;
                        }
                    };
                    if self.keepers.hub.people(&self.room) > 0 {
                        idle_since = None;
                        continue;
                    }
                    info!(room = %self.room, "room idle; keeper leaving");
                    self.finish().await;
                    guard.keeper = None;
                    guard.retired = true;
                    self.keepers.retire(&self.room, &slot);
                    return;
                }
            }
        }
        self.finish().await;
    }

    /// Leaves the room, commits every accepted update, then stores a snapshot.
    async fn finish(&mut self) {
        if let Some(member) = self.member.take() {
            member.leave().await;
        }
        self.keepers.writer.flush().await;
        if self.dirty || self.appended.load(Ordering::Relaxed) > self.compacted {
            self.compact().await;
        }
        self.keepers.running.fetch_sub(1, Ordering::Relaxed);
    }

    /// Folds the log into a snapshot of the board as it is now.
    async fn compact(&mut self) {
        let board = self.board.clone();
        let writer = self.keepers.writer.clone();
        let room = self.room.clone();
        let keep = self.keepers.config.keep_snapshots;
        let appended = self.appended.clone();
        let queued = tokio::task::spawn_blocking(move || {
            // Snapshot and queue under the board lock: no update the snapshot
            // lacks can be queued ahead of the compaction (see `Writer::compact`).
            let board = board.lock().expect("board lock");
            let count = appended.load(Ordering::Relaxed);
            (count, writer.compact(&room, board.snapshot(), keep))
        })
        .await;
        let Ok((count, done)) = queued else {
            warn!(room = %self.room, "snapshot task failed");
            return;
        };
        self.last_compaction = Instant::now();
        match done.await {
            Ok(meta) => {
                self.compacted = count;
                self.dirty = false;
                info!(room = %self.room, snapshot = meta.id, bytes = meta.size, "stored a snapshot");
            }
            Err(e) => warn!(room = %self.room, "compaction failed, will retry: {e}"),
        }
    }
}
