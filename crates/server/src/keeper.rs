//! The keeper: the server's own peer in every active room.
//!
//! A keeper is an ordinary native member ([`inkmesh_transport::Room`]) that
//! joins through the hub like anyone else ([`LocalSignaling`]), so browsers
//! sync with it exactly as with each other. It appends every update it
//! accepts to the log, compacts the log into snapshots, and leaves once the
//! room has been empty for a while, storing a snapshot on the way out.
//! Persistence therefore never depends on a browser staying open.
//!
//! A keeper joins its room's signaling when the room's first member arrives,
//! so every welcome lists it, but it stays **dormant** until someone offers
//! to connect to it: no board loaded, no WebRTC peer, only its place in the
//! hub and a task waiting on its inbox. A room of members who only signal
//! (or who have not got round to connecting yet) costs a few hundred bytes
//! for its keeper instead of a loaded board and a peer. The first offer wakes
//! it: it loads the board and answers, and from then on it is awake until it
//! leaves. A keeper that starts in a room whose members are already there
//! (its predecessor failed) wakes at once and offers to them, since they will
//! not offer to someone who arrives after them.
//!
//! Keepers share nothing at the socket level: `webrtc` 0.21 binds its own UDP
//! sockets for every peer connection (one per interface) and has no UDP mux
//! (its sans-I/O `rtc` core could be driven over one shared socket, which
//! would mean replacing the crate's driver). Sleeping keepers are what keep
//! idle rooms cheap instead: a dormant keeper has no socket at all.
//!
//! One keeper per room in the whole cluster: a keeper claims the room's lease
//! ([`KeeperLease`]) before it loads the board, and does not start if another
//! keeper holds it. It renews the lease every third of its TTL and steps down
//! (leaves the room, without a last snapshot) when a renewal fails or the
//! store fences one of its writes: another keeper holds the room now. Its
//! writes carry the lease's epoch, so a keeper that notices late (a paused
//! process waking up) has still stored nothing over its successor's board.
//!
//! With a bus, a node starts no keeper for a room another node keeps: its
//! members link to that one through the bus. When the room's keeper leaves
//! the cluster (its node died, or it stepped down), every node with members
//! there starts one ([`Keepers::take_up_keeperless_rooms`]); it joins the
//! room's signaling at once, so members hear of it without waiting, and the
//! lease picks the one that wakes.
//!
//! Viewers' board updates never reach the log: the transport's sync session
//! drops them before they touch the board, and the keeper logs only what its
//! board actually applied.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use inkmesh_doc::{Board, BoardOptions, ChangeOrigin, UpdateSubscription};
use inkmesh_transport::signaling::colours::KEEPER_COLOUR;
use inkmesh_transport::{PeerInfo, Role, Room, RoomEvent, SignalEvent, Signaling};
use tokio::sync::{mpsc, oneshot, Mutex as AsyncMutex, MutexGuard as AsyncMutexGuard};
use tokio::task::JoinHandle;
use tracing::{debug, info, warn};

use crate::cold::{ColdReads, View};
use crate::config::KeeperConfig;
use crate::editors::Editors;
use crate::error::{ApiError, Code};
use crate::ids::new_peer_id;
use crate::lease::KeeperLease;
use crate::limits::{self, label};
use crate::live_views::{LiveBoard, LiveViews};
use crate::persist::{LogPosition, Writer};
use crate::recovery::recover;
use crate::signal::hub::Hub;
use crate::signal::local::LocalSignaling;
use crate::stores::{Store, VersionInfo};
use crate::view_body::ViewBody;

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
    /// The live board, set when the keeper wakes.
    board: Arc<OnceLock<LiveBoard>>,
    stop: Option<oneshot::Sender<Stop>>,
    task: JoinHandle<()>,
}

/// How a keeper told to stop leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    /// Storing everything first (shutdown).
    Finish,
    /// Storing nothing: its board was deleted.
    Abandon,
}

/// All keepers of this server.
pub struct Keepers {
    slots: Mutex<HashMap<String, Arc<AsyncMutex<Slot>>>>,
    hub: Arc<Hub>,
    store: Arc<dyn Store>,
    writer: Writer,
    cold: ColdReads,
    /// Encoded views of awake keepers' boards, per revision.
    live: Arc<LiveViews>,
    config: KeeperConfig,
    /// Keepers awake (a board loaded and a peer running).
    awake: AtomicUsize,
    /// Keepers in a room's signaling that have not woken yet.
    dormant: AtomicUsize,
    closing: AtomicBool,
}

impl Keepers {
    pub fn new(hub: Arc<Hub>, store: Arc<dyn Store>, writer: Writer, config: KeeperConfig) -> Self {
        Self {
            slots: Mutex::new(HashMap::new()),
            hub,
            cold: ColdReads::new(store.clone()),
            live: Arc::default(),
            store,
            writer,
            config,
            awake: AtomicUsize::new(0),
            dormant: AtomicUsize::new(0),
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

    /// Keepers awake now: each holds a board and runs a WebRTC peer.
    pub fn running(&self) -> usize {
        self.awake.load(Ordering::Relaxed)
    }

    /// Keepers waiting, dormant, for someone to connect to them.
    pub fn dormant(&self) -> usize {
        self.dormant.load(Ordering::Relaxed)
    }

    /// Makes sure `room` has a keeper in its signaling, then runs `join` while
    /// no keeper of this node can leave: the member `join` adds to the hub is
    /// then welcomed with the keeper in its list of peers. When another node
    /// of the cluster keeps the room, no keeper starts here: the member is
    /// welcomed with that one and links to it through the bus.
    pub async fn admit<F: Future>(
        self: &Arc<Self>,
        room: &str,
        join: impl FnOnce() -> F,
    ) -> Result<F::Output, ApiError> {
        loop {
            let slot = self.slot(room);
            let mut guard = slot.lock().await;
            if guard.retired {
                continue;
            }
            let joined = match self.ensure_keeper(room, &slot, &mut guard).await {
                Ok(_) => Ok(join().await),
                Err(e) => Err(e),
            };
            if guard.keeper.is_none() {
                // Kept elsewhere, or refused: no slot stays behind.
                self.retire(room, &slot, &mut guard);
            }
            return joined;
        }
    }

    /// Starts a keeper for each room the hub reports with members here and
    /// no keeper anywhere (its keeper's node died, or the keeper left), until
    /// the server shuts down. Every node with members in such a room starts
    /// one: the lease picks the one that runs, the others are refused and
    /// leave.
    pub async fn take_up_keeperless_rooms(self: Arc<Self>) {
        while !self.closing.load(Ordering::Acquire) {
            for room in self.hub.keeperless().await {
                if let Err(e) = self.take_up(&room).await {
                    warn!(
                        room,
                        "cannot start a keeper for a room that lost its own: {e}"
                    );
                }
            }
        }
    }

    /// Starts a keeper for `room` as [`Keepers::admit`] would, if it still
    /// has members here and still has no keeper.
    async fn take_up(self: &Arc<Self>, room: &str) -> Result<(), ApiError> {
        loop {
            let slot = self.slot(room);
            let mut guard = slot.lock().await;
            if guard.retired {
                continue;
            }
            let started = if self.hub.has_people_here(room) {
                self.ensure_keeper(room, &slot, &mut guard).await
            } else {
                Ok(false)
            };
            if guard.keeper.is_none() {
                self.retire(room, &slot, &mut guard);
            }
            if started? {
                info!(room, "the room's keeper left the cluster; started one here");
            }
            return Ok(());
        }
    }

    /// Starts a keeper in `slot` unless it has a live one or another node
    /// keeps the room; answers whether it started one. The caller holds the
    /// slot's lock.
    async fn ensure_keeper(
        self: &Arc<Self>,
        room: &str,
        slot: &Arc<AsyncMutex<Slot>>,
        guard: &mut Slot,
    ) -> Result<bool, ApiError> {
        if self.closing.load(Ordering::Acquire) {
            return Err(ApiError::new(
                Code::Unavailable,
                "The server is shutting down; try again in a moment.",
            ));
        }
        if guard.keeper.as_ref().is_some_and(|k| !k.task.is_finished()) {
            return Ok(false);
        }
        guard.keeper = None;
        if self.hub.keeper_elsewhere(room).await? {
            return Ok(false);
        }
        guard.keeper = Some(self.start(room, slot.clone()).await?);
        Ok(true)
    }

    /// `view` of `room`: from the keeper's live board if it is awake, else
    /// from storage.
    pub async fn view(&self, room: &str, view: View) -> Result<ViewBody, ApiError> {
        match self.board(room).await {
            Some(live) => {
                let (views, room) = (self.live.clone(), room.to_owned());
                tokio::task::spawn_blocking(move || views.read(&room, view, &live))
                    .await
                    .map_err(|e| ApiError::internal("reading the board failed", e))
            }
            None => self.cold.read(room, view).await.inspect_err(|e| {
                if e.code == Code::Unavailable {
                    self.hub.metrics().limit_tripped(label::COLD_BUILDS);
                }
            }),
        }
    }

    /// Version `id` of `room`'s history, encoded as [`View::Snapshot`].
    pub async fn version(&self, room: &str, id: i64) -> Result<Bytes, ApiError> {
        self.cold.version(room, id).await.inspect_err(|e| {
            if e.code == Code::Unavailable {
                self.hub.metrics().limit_tripped(label::COLD_BUILDS);
            }
        })
    }

    /// The live board of `room` and its revision, if its keeper is awake.
    pub async fn board(&self, room: &str) -> Option<LiveBoard> {
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
            .and_then(|k| k.board.get().cloned())
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
                    let _ = stop.send(Stop::Finish);
                }
                let _ = keeper.task.await;
            }
        }
    }

    /// Ends this node's keeper of `room`, if it has one, without storing
    /// anything: the room's board was deleted (the store has fenced its
    /// writes already, so nothing it still had queued is stored either).
    /// Forgets the views of the board this node cached.
    pub async fn end(&self, room: &str) {
        let slot = self
            .slots
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(room)
            .cloned();
        if let Some(slot) = slot {
            let mut guard = slot.lock().await;
            if let Some(mut keeper) = guard.keeper.take() {
                if let Some(stop) = keeper.stop.take() {
                    let _ = stop.send(Stop::Abandon);
                }
                let _ = keeper.task.await;
                info!(room, "the board was deleted; its keeper left");
            }
            self.retire(room, &slot, &mut guard);
        }
        self.cold.forget(room);
        self.live.forget(room);
    }

    /// Puts a keeper into `room`'s signaling and starts its task, dormant
    /// unless members are already there.
    async fn start(
        self: &Arc<Self>,
        room: &str,
        slot: Arc<AsyncMutex<Slot>>,
    ) -> Result<KeeperHandle, ApiError> {
        let info = PeerInfo {
            id: new_peer_id("keeper-"),
            name: "Keeper".to_owned(),
            colour: KEEPER_COLOUR.to_owned(),
            role: Role::Editor,
            keeper: true,
            // The keeper never carries media (PROTOCOL.md, "Renegotiation").
            media: false,
        };
        let wake_now = self.hub.people(room) > 0;
        let signaling = LocalSignaling::join(self.hub.clone(), room, info).await?;
        if !wake_now {
            // Counted here, not in the task: the member whose join started
            // this keeper is welcomed as soon as this returns, and the task
            // may not have run by then.
            self.dormant.fetch_add(1, Ordering::Relaxed);
        }
        let board = Arc::new(OnceLock::new());
        let (stop_tx, stop_rx) = oneshot::channel();
        let task = tokio::spawn(self.clone().keep(
            room.to_owned(),
            signaling,
            wake_now,
            board.clone(),
            stop_rx,
            slot,
        ));
        Ok(KeeperHandle {
            board,
            stop: Some(stop_tx),
            task,
        })
    }

    /// A keeper's whole life: dormant, awake, gone.
    async fn keep(
        self: Arc<Self>,
        room: String,
        signaling: LocalSignaling,
        wake_now: bool,
        board: Arc<OnceLock<LiveBoard>>,
        mut stop: oneshot::Receiver<Stop>,
        slot: Arc<AsyncMutex<Slot>>,
    ) {
        let signaling = if wake_now {
            signaling
        } else {
            let woken = self.doze(&room, signaling, &mut stop, &slot).await;
            self.dormant.fetch_sub(1, Ordering::Relaxed);
            match woken {
                Some(signaling) => signaling,
                None => return,
            }
        };
        // Waking may wait for another keeper's lease to lapse: shutdown must
        // not wait with it.
        let woken = tokio::select! {
            woken = self.wake(&room, signaling, &board) => woken,
            _ = &mut stop => return,
        };
        let keeper = match woken {
            Ok(keeper) => keeper,
            Err(e) => {
                let deleted = self.board_deleted(&room).await;
                if !deleted {
                    warn!(room, "keeper cannot start: {e}; it leaves the room");
                }
                if let Some(mut guard) = lock_unless_stopped(&slot, &mut stop).await {
                    self.retire(&room, &slot, &mut guard);
                }
                if deleted {
                    // This node did not hear of the deletion (the bus lost
                    // it): its members learn of it here instead.
                    let ended = self.hub.end_members(&room, &ApiError::board_deleted(&room));
                    info!(
                        room,
                        ended, "the board was deleted; its members here are ended"
                    );
                } else {
                    self.replace_later(&room);
                }
                return;
            }
        };
        keeper.run(stop, slot).await;
    }

    /// Waits, dormant, for the first signal addressed to the keeper, and
    /// returns its signaling ready to hand to a room. Comings and goings are
    /// only watched for the room becoming empty: the members present when the
    /// keeper wakes are read from the hub then. `None`: stopped, or the room
    /// stayed empty for the idle period and the keeper left it.
    async fn doze(
        &self,
        room: &str,
        mut signaling: LocalSignaling,
        stop: &mut oneshot::Receiver<Stop>,
        slot: &Arc<AsyncMutex<Slot>>,
    ) -> Option<LocalSignaling> {
        let mut empty_since = None;
        loop {
            let idle_deadline =
                empty_since.map(|since: tokio::time::Instant| since + self.config.idle);
            tokio::select! {
                _ = &mut *stop => return None,
                event = signaling.recv() => match event {
                    Some(signal @ SignalEvent::Signal { .. }) => {
                        signaling.wake(signal);
                        return Some(signaling);
                    }
                    Some(_) => {
                        empty_since = match (self.hub.people(room), empty_since) {
                            (0, since) => since.or_else(|| Some(tokio::time::Instant::now())),
                            _ => None,
                        };
                    }
                    None => return None,
                },
                _ = tokio::time::sleep_until(idle_deadline.unwrap_or_else(tokio::time::Instant::now)),
                    if idle_deadline.is_some() =>
                {
                    let mut guard = lock_unless_stopped(slot, stop).await?;
                    if self.hub.people(room) > 0 {
                        empty_since = None;
                        continue;
                    }
                    debug!(room, "room empty; its dormant keeper leaves");
                    drop(signaling);
                    self.retire(room, slot, &mut guard);
                    return None;
                }
            }
        }
    }

    /// Loads the board and starts the keeper's peer in the room.
    async fn wake(
        self: &Arc<Self>,
        room: &str,
        signaling: LocalSignaling,
        cell: &OnceLock<LiveBoard>,
    ) -> Result<Keeper, String> {
        let holder = signaling.info().id.clone();
        let lease = KeeperLease::claim(self.store.clone(), room, &holder, self.config.lease_ttl)
            .await
            .map_err(|e| format!("claiming the room's lease: {e}"))?
            .ok_or("another keeper holds the room's lease")?;
        let store = self.store.clone();
        let name = room.to_owned();
        let recovered = tokio::task::spawn_blocking(move || {
            store
                .load(&name)
                .map(|data| recover(&name, data, BoardOptions::new(KEEPER_AUTHOR)))
        })
        .await
        .map_err(|e| format!("loading the board: {e}"))?
        .map_err(|e| format!("loading the board: {e}"))?;
        info!(
            room,
            snapshot = ?recovered.snapshot_id,
            replayed = recovered.replayed,
            skipped = recovered.skipped,
            elements = recovered.board.len(),
            epoch = lease.epoch(),
            "keeper woke and loaded the board"
        );
        let board = Arc::new(Mutex::new(recovered.board));
        let appended = Arc::new(AtomicU64::new(0));
        let revision = Arc::new(AtomicU64::new(0));
        let position = LogPosition::leased(recovered.log_seq, lease.epoch());
        let subscription = {
            let writer = self.writer.clone();
            let appended = appended.clone();
            let revision = revision.clone();
            let position = position.clone();
            let room = room.to_owned();
            board
                .lock()
                .expect("board lock")
                .observe_updates(move |update, origin| {
                    revision.fetch_add(1, Ordering::Release);
                    if origin == ChangeOrigin::Remote {
                        writer.append(&room, update.to_vec(), &position);
                        appended.fetch_add(1, Ordering::Relaxed);
                    }
                })
        };
        self.cold.forget(room);
        let (member, events) =
            match Room::join(signaling, board.clone(), self.config.transport.clone()).await {
                Ok(joined) => joined,
                Err(e) => {
                    lease.release().await;
                    return Err(format!("joining the room: {e}"));
                }
            };
        let _ = cell.set(LiveBoard {
            board: board.clone(),
            revision,
        });
        self.awake.fetch_add(1, Ordering::Relaxed);
        Ok(Keeper {
            room: room.to_owned(),
            member: Some(member),
            events,
            board,
            appended,
            position,
            lease: Some(lease),
            compacted: 0,
            editors: Editors::default(),
            dirty: recovered.replayed > 0 || recovered.skipped > 0,
            last_compaction: Instant::now(),
            _subscription: subscription,
            keepers: self.clone(),
        })
    }

    /// Whether `room`'s board was deleted; `false` when that cannot be read
    /// now (the keeper is then tried again, as after any failure).
    async fn board_deleted(&self, room: &str) -> bool {
        crate::deletion::refuse_deleted(&self.store, room)
            .await
            .is_err_and(|e| e.code == Code::BoardDeleted)
    }

    /// Has the hub look again, after [`limits::KEEPER_RESTART_DELAY`],
    /// whether `room` needs a keeper: its keeper left while members may still
    /// be there, and without a bus nothing else would notice.
    fn replace_later(&self, room: &str) {
        let (hub, room) = (self.hub.clone(), room.to_owned());
        tokio::spawn(async move {
            tokio::time::sleep(limits::KEEPER_RESTART_DELAY).await;
            hub.keeper_left(&room);
        });
    }

    /// Removes `room`'s slot for good. The keeper must have left the room's
    /// signaling already, and `guard` is its slot's lock: a member who joins
    /// after this finds the slot retired and starts a new keeper.
    fn retire(&self, room: &str, slot: &Arc<AsyncMutex<Slot>>, guard: &mut Slot) {
        guard.keeper = None;
        guard.retired = true;
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        if slots.get(room).is_some_and(|s| Arc::ptr_eq(s, slot)) {
            slots.remove(room);
        }
    }
}

/// Takes `slot`'s lock, unless the keeper is told to stop first (shutdown
/// holds the lock while it waits for the keeper).
async fn lock_unless_stopped<'a>(
    slot: &'a Arc<AsyncMutex<Slot>>,
    stop: &mut oneshot::Receiver<Stop>,
) -> Option<AsyncMutexGuard<'a, Slot>> {
    tokio::select! {
        guard = slot.lock() => Some(guard),
        _ = stop => None,
    }
}

/// One awake keeper.
struct Keeper {
    room: String,
    member: Option<Room>,
    events: mpsc::UnboundedReceiver<RoomEvent>,
    board: Arc<Mutex<Board>>,
    /// Updates appended since the keeper started (by the board observer).
    appended: Arc<AtomicU64>,
    /// How far the stored log is included in the board.
    position: LogPosition,
    /// Released when the keeper leaves; `None` once it has.
    lease: Option<KeeperLease>,
    /// `appended` at the last compaction.
    compacted: u64,
    /// Who edited since the last compaction.
    editors: Editors,
    /// The stored log had rows (or bad rows) when the board was loaded.
    dirty: bool,
    last_compaction: Instant,
    _subscription: UpdateSubscription,
    keepers: Arc<Keepers>,
}

impl Keeper {
    async fn run(mut self, mut stop: oneshot::Receiver<Stop>, slot: Arc<AsyncMutex<Slot>>) {
        let config = self.keepers.config.clone();
        let period = (config.idle / 4).clamp(Duration::from_millis(20), Duration::from_secs(1));
        let mut tick = tokio::time::interval(period);
        let mut renewal = self.renewal();
        let position = self.position.clone();
        let mut idle_since: Option<Instant> = None;
        loop {
            tokio::select! {
                stopped = &mut stop => {
                    if matches!(stopped, Ok(Stop::Abandon)) {
                        self.abandon().await;
                    } else {
                        self.finish().await;
                    }
                    return;
                }
                _ = renewal.tick() => {
                    let renewed = match self.lease.as_mut() {
                        Some(lease) => lease.renew().await,
                        None => Ok(()),
                    };
                    if let Err(why) = renewed {
                        self.step_down(&why, &slot, &mut stop).await;
                        return;
                    }
                }
                _ = position.fenced() => {
                    let why = "the store fenced its writes: another keeper holds the room";
                    self.step_down(why, &slot, &mut stop).await;
                    return;
                }
                event = self.events.recv() => match event {
                    Some(event) => self.on_room_event(event),
                    None => {
                        warn!(room = %self.room, "the keeper's room ended unexpectedly");
                        break;
                    }
                },
                _ = tick.tick() => {
                    // `select!` picks at random among ready branches: events
                    // already waiting are handled first, so an edit applied
                    // before this compaction is credited to its version.
                    while let Ok(event) = self.events.try_recv() {
                        self.on_room_event(event);
                    }
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
                    let Some(mut guard) = lock_unless_stopped(&slot, &mut stop).await else {
                        self.finish().await;
                        return;
                    };
                    if self.keepers.hub.people(&self.room) > 0 {
                        idle_since = None;
                        continue;
                    }
                    info!(room = %self.room, "room idle; keeper leaving");
                    self.finish().await;
                    self.keepers.retire(&self.room, &slot, &mut guard);
                    return;
                }
            }
        }
        self.finish().await;
    }

    /// Ticks every renewal period of the lease, the first one period from now.
    fn renewal(&self) -> tokio::time::Interval {
        let every = self
            .lease
            .as_ref()
            .map_or(self.keepers.config.lease_ttl, KeeperLease::renew_every)
            .max(Duration::from_millis(1));
        let mut renewal = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        // A process that was paused renews once on waking, not once per
        // period missed.
        renewal.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        renewal
    }

    /// Leaves the room, commits every accepted update, stores a snapshot, then
    /// releases the lease.
    async fn finish(&mut self) {
        if let Some(member) = self.member.take() {
            member.leave().await;
        }
        self.keepers.writer.flush().await;
        if self.dirty || self.appended.load(Ordering::Relaxed) > self.compacted {
            self.compact().await;
        }
        if let Some(lease) = self.lease.take() {
            if !self.position.is_fenced() {
                lease.release().await;
            }
        }
        self.keepers.cold.forget(&self.room);
        self.keepers.live.forget(&self.room);
        self.keepers.awake.fetch_sub(1, Ordering::Relaxed);
    }

    /// Leaves the room storing nothing and releasing no lease: the board was
    /// deleted (the deletion moved the lease on) or another keeper holds it.
    /// The caller retires the slot.
    async fn abandon(&mut self) {
        self.lease = None;
        if let Some(member) = self.member.take() {
            member.leave().await;
        }
        self.keepers.cold.forget(&self.room);
        self.keepers.live.forget(&self.room);
        self.keepers.awake.fetch_sub(1, Ordering::Relaxed);
    }

    /// Leaves the room because another keeper holds it now: no snapshot (the
    /// store would refuse it) and no release (the lease is not ours). Updates
    /// still queued are fenced by the store and dropped by the writer; the
    /// members hold them and sync them to the room's keeper.
    async fn step_down(
        &mut self,
        why: &str,
        slot: &Arc<AsyncMutex<Slot>>,
        stop: &mut oneshot::Receiver<Stop>,
    ) {
        // Counted before the log line, which tests and operators may act on.
        self.keepers.hub.metrics().keeper_step_downs.inc();
        warn!(room = %self.room, "keeper stepping down: {why}");
        self.abandon().await;
        if let Some(mut guard) = lock_unless_stopped(slot, stop).await {
            self.keepers.retire(&self.room, slot, &mut guard);
        }
        self.keepers.replace_later(&self.room);
    }

    /// Counts and logs what the keeper's room reports, and credits editors.
    fn on_room_event(&mut self, event: RoomEvent) {
        match event {
            RoomEvent::ViewerUpdateDropped { peer } => {
                self.keepers.hub.metrics().viewer_updates_dropped.inc();
                debug!(room = %self.room, %peer, "dropped a viewer's board update");
            }
            RoomEvent::PeerDisconnected {
                peer,
                reason,
                limit,
            } => {
                if let Some(limit) = limit {
                    self.keepers.hub.metrics().limit_tripped(limit.name());
                }
                debug!(room = %self.room, %peer, "keeper lost a peer: {reason}");
            }
            RoomEvent::BoardChanged { peer } => self.credit(&peer),
            RoomEvent::LimitTripped { peer, limit } => {
                self.keepers.hub.metrics().limit_tripped(limit.name());
                debug!(room = %self.room, %peer, limit = limit.name(), "a peer reached a limit");
            }
            _ => {}
        }
    }

    /// Records that `peer` edited the board, by the name the room knows them by.
    fn credit(&mut self, peer: &str) {
        if !self.editors.wants(peer) {
            return;
        }
        let members = self.keepers.hub.members(&self.room);
        if let Some(member) = members.iter().find(|m| m.id == peer) {
            self.editors.credit(peer, &member.name);
        }
    }

    /// Folds the log into a snapshot of the board as it is now: a version,
    /// credited to who edited since the last one.
    async fn compact(&mut self) {
        let board = self.board.clone();
        let writer = self.keepers.writer.clone();
        let room = self.room.clone();
        let retention = self.keepers.config.retention;
        let appended = self.appended.clone();
        let position = self.position.clone();
        // A copy: if the snapshot task dies, the names stay for the next
        // version (nothing credits meanwhile: the keeper waits here).
        let mut editors = self.editors.clone();
        let queued = tokio::task::spawn_blocking(move || {
            // Snapshot and queue under the board lock: every update the
            // snapshot includes is queued ahead of the compaction, and none it
            // lacks (see `Writer::compact`).
            let board = board.lock().expect("board lock");
            let count = appended.load(Ordering::Relaxed);
            // The images this version references, so that compaction keeps
            // them while the version is kept (and collects the others).
            let info = VersionInfo {
                images: board.image_refs().into_iter().collect(),
                ..editors.take(board.len() as u64)
            };
            let done = writer.compact(&room, board.snapshot(), &position, info.clone(), retention);
            (count, info, done)
        })
        .await;
        let Ok((count, info, done)) = queued else {
            warn!(room = %self.room, "snapshot task failed");
            return;
        };
        self.editors = Editors::default();
        self.last_compaction = Instant::now();
        match done.await {
            Ok(meta) => {
                self.compacted = count;
                self.dirty = false;
                info!(room = %self.room, snapshot = meta.id, bytes = meta.size, "stored a snapshot");
            }
            Err(e) => {
                self.editors.restore(info);
                warn!(room = %self.room, "compaction failed, will retry: {e}");
            }
        }
    }
}
