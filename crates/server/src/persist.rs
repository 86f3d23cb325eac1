//! The storage writer: one dedicated thread that owns every write to the store.
//!
//! Appends are grouped for a short batch window (50 ms by default) and
//! committed in one transaction, so a busy room costs one fsync per window
//! rather than one per pen movement. This is the crash guarantee: a kill loses
//! at most the updates of the last window, and those still live in the peers'
//! copies. Compactions and flushes first commit whatever is pending, so the log
//! a snapshot replaces is always on disk before the snapshot is.
//!
//! A failed commit (storage unreachable) keeps the batch and retries it with
//! backoff; updates queued meanwhile join it, up to `MAX_PENDING`.
//!
//! Each append carries its room's [`LogPosition`], which the thread advances
//! to the sequence numbers the store returns. A compaction covers the log up
//! to that position: exactly the rows the keeper's snapshot includes, whatever
//! else is written to the store meanwhile.
//!
//! The position also carries its keeper's lease epoch, the fence every write
//! is checked against in the store (see [`crate::stores`], "Keeper leases and
//! fencing"). A fenced write is never retried: the thread drops that keeper's
//! queued rows, the other rows of the batch are committed without them, and
//! the position is marked fenced so its keeper steps down.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::{oneshot, watch};
use tracing::{error, warn};

use crate::metrics::Metrics;
use crate::retention::Retention;
use crate::stores::{NewUpdate, SnapshotMeta, Store, StoreError, VersionInfo};

/// Appends queued while storage keeps failing are dropped beyond this many
/// (the peers still hold them and resend on their next sync).
const MAX_PENDING: usize = 100_000;

/// The first wait before retrying a failed commit; it doubles with each
/// failure in a row, up to [`RETRY_MAX`].
const RETRY_MIN: Duration = Duration::from_millis(100);

/// The longest wait between retries: storage that comes back is written to
/// within 5 s.
const RETRY_MAX: Duration = Duration::from_secs(5);

/// The highest sequence number of one room's log that is known stored and
/// included in the keeper's board: where its next compaction may cut the log.
/// With it, the keeper's lease epoch its writes are fenced by, and whether the
/// store has fenced them. Clones share it.
#[derive(Debug, Clone)]
pub struct LogPosition(Arc<PositionState>);

#[derive(Debug)]
struct PositionState {
    seq: AtomicI64,
    epoch: u64,
    fenced: watch::Sender<bool>,
}

impl Default for LogPosition {
    fn default() -> Self {
        Self::at(0)
    }
}

impl LogPosition {
    /// Starts at `seq` (what a board loaded from storage already includes)
    /// for a writer without a lease: epoch 0, fenced once any keeper claims
    /// the room. For tests and tools; keepers use [`LogPosition::leased`].
    pub fn at(seq: i64) -> Self {
        Self::leased(seq, 0)
    }

    /// Starts at `seq` for the holder of the room's lease at `epoch`.
    pub fn leased(seq: i64, epoch: u64) -> Self {
        Self(Arc::new(PositionState {
            seq: AtomicI64::new(seq),
            epoch,
            fenced: watch::Sender::new(false),
        }))
    }

    pub fn get(&self) -> i64 {
        self.0.seq.load(Ordering::Acquire)
    }

    /// The lease epoch this position's writes carry.
    pub fn epoch(&self) -> u64 {
        self.0.epoch
    }

    /// Whether the store refused a write of this position's keeper because a
    /// newer keeper holds the room.
    pub fn is_fenced(&self) -> bool {
        *self.0.fenced.borrow()
    }

    /// Resolves once the position is fenced (at once if it is already).
    pub async fn fenced(&self) {
        let mut fenced = self.0.fenced.subscribe();
        // The sender lives in `self`, so waiting cannot fail.
        let _ = fenced.wait_for(|fenced| *fenced).await;
    }

    fn fence(&self) {
        self.0.fenced.send_replace(true);
    }

    fn advance_to(&self, seq: i64) {
        self.0.seq.fetch_max(seq, Ordering::AcqRel);
    }
}

enum Command {
    Append(String, Vec<u8>, LogPosition),
    /// Commit what is pending and end the thread.
    Stop,
    Flush(oneshot::Sender<()>),
    Compact {
        room: String,
        snapshot: Vec<u8>,
        position: LogPosition,
        info: VersionInfo,
        retention: Retention,
        reply: oneshot::Sender<Result<SnapshotMeta, StoreError>>,
    },
}

/// A handle on the writer thread; clones share it. [`Writer::close`] commits
/// what is pending and ends the thread.
#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<Command>,
    thread: Arc<Mutex<Option<JoinHandle<()>>>>,
    failing: Arc<AtomicBool>,
}

impl Writer {
    pub fn start(store: Arc<dyn Store>, window: Duration, metrics: Arc<Metrics>) -> Self {
        let (tx, rx) = mpsc::channel();
        let failing = Arc::new(AtomicBool::new(false));
        let thread = {
            let failing = failing.clone();
            std::thread::Builder::new()
                .name("inkmesh-writer".into())
                .spawn(move || run(store, rx, window, metrics, failing))
                .expect("spawning the storage writer thread")
        };
        Self {
            tx,
            thread: Arc::new(Mutex::new(Some(thread))),
            failing,
        }
    }

    /// Whether storage is failing now: the last write (a commit or a
    /// compaction) failed, and its updates wait for a retry.
    pub fn storage_failing(&self) -> bool {
        self.failing.load(Ordering::Acquire)
    }

    /// Queues an update for the next batch; `position` advances to its
    /// sequence number once it is stored. Never blocks. Dropped if `position`
    /// is fenced already.
    pub fn append(&self, room: &str, update: Vec<u8>, position: &LogPosition) {
        if position.is_fenced() {
            return;
        }
        let _ = self
            .tx
            .send(Command::Append(room.to_owned(), update, position.clone()));
    }

    /// Commits everything queued so far.
    pub async fn flush(&self) {
        let (reply, done) = oneshot::channel();
        if self.tx.send(Command::Flush(reply)).is_ok() {
            let _ = done.await;
        }
    }

    /// Commits everything queued, then stores `snapshot` for `room` in place of
    /// its log up to `position` (the position its appends advance), as a
    /// version described by `info`, deleting the versions `retention` no
    /// longer keeps.
    ///
    /// The request is queued when this is called, not when the future is first
    /// polled: call it while holding the board lock the snapshot was taken
    /// under, so every update the snapshot includes is queued before it and
    /// `position` has reached them all by the time the thread compacts.
    pub fn compact(
        &self,
        room: &str,
        snapshot: Vec<u8>,
        position: &LogPosition,
        info: VersionInfo,
        retention: Retention,
    ) -> impl std::future::Future<Output = Result<SnapshotMeta, StoreError>> + Send + 'static {
        let (reply, done) = oneshot::channel();
        let sent = self.tx.send(Command::Compact {
            room: room.to_owned(),
            snapshot,
            position: position.clone(),
            info,
            retention,
            reply,
        });
        async move {
            sent.map_err(|_| StoreError::Closed)?;
            done.await.map_err(|_| StoreError::Closed)?
        }
    }

    /// Commits what is pending and waits for the thread to end. Appends through
    /// any clone afterwards are dropped: call this last, after every keeper.
    pub async fn close(self) {
        let _ = self.tx.send(Command::Stop);
        let thread = self.thread.lock().ok().and_then(|mut t| t.take());
        if let Some(thread) = thread {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }
}

/// Updates queued and not yet committed, with the positions to advance.
#[derive(Default)]
struct Pending {
    rows: Vec<NewUpdate>,
    positions: Vec<LogPosition>,
}

impl Pending {
    fn push(&mut self, room: String, bytes: Vec<u8>, position: LogPosition) {
        self.rows.push(NewUpdate {
            room,
            epoch: position.epoch(),
            bytes,
        });
        self.positions.push(position);
        if self.rows.len() > MAX_PENDING {
            let excess = self.rows.len() - MAX_PENDING;
            self.rows.drain(..excess);
            self.positions.drain(..excess);
            error!(
                dropped = excess,
                "storage keeps failing; dropping the oldest queued updates"
            );
        }
    }

    fn holds(&self, room: &str) -> bool {
        self.rows.iter().any(|u| u.room == room)
    }

    /// Drops the rows of `room` written under an epoch older than `current`
    /// and marks their positions fenced. Returns how many rows it dropped.
    fn drop_fenced(&mut self, room: &str, current: u64) -> usize {
        let before = self.rows.len();
        let mut kept_rows = Vec::with_capacity(before);
        let mut kept_positions = Vec::with_capacity(before);
        for (row, position) in self.rows.drain(..).zip(self.positions.drain(..)) {
            if row.room == room && row.epoch < current {
                position.fence();
            } else {
                kept_rows.push(row);
                kept_positions.push(position);
            }
        }
        self.rows = kept_rows;
        self.positions = kept_positions;
        before - self.rows.len()
    }
}

/// When to retry a failing commit: after a wait that doubles with each
/// failure in a row.
#[derive(Default)]
struct Backoff {
    failures: u32,
}

impl Backoff {
    /// The deadline after a commit: none if nothing is left, else the retry.
    fn after(&mut self, left: bool) -> Option<Instant> {
        if !left {
            self.failures = 0;
            return None;
        }
        let wait = RETRY_MIN
            .saturating_mul(1 << self.failures.min(16))
            .min(RETRY_MAX);
        self.failures = self.failures.saturating_add(1);
        Some(Instant::now() + wait)
    }
}

fn run(
    store: Arc<dyn Store>,
    rx: mpsc::Receiver<Command>,
    window: Duration,
    metrics: Arc<Metrics>,
    failing: Arc<AtomicBool>,
) {
    let mut pending = Pending::default();
    let mut backoff = Backoff::default();
    let mut deadline: Option<Instant> = None;
    loop {
        let command = match deadline {
            None => match rx.recv() {
                Ok(c) => c,
                Err(_) => break,
            },
            Some(at) => match rx.recv_timeout(at.saturating_duration_since(Instant::now())) {
                Ok(c) => c,
                Err(RecvTimeoutError::Timeout) => {
                    deadline = backoff.after(commit(&*store, &mut pending, &metrics, &failing));
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => break,
            },
        };
        match command {
            Command::Append(room, bytes, position) => {
                pending.push(room, bytes, position);
                deadline.get_or_insert_with(|| Instant::now() + window);
            }
            Command::Stop => break,
            Command::Flush(reply) => {
                deadline = backoff.after(commit(&*store, &mut pending, &metrics, &failing));
                let _ = reply.send(());
            }
            Command::Compact {
                room,
                snapshot,
                position,
                info,
                retention,
                reply,
            } => {
                deadline = backoff.after(commit(&*store, &mut pending, &metrics, &failing));
                let result = if pending.holds(&room) {
                    // Storage is failing and part of this room's log is not
                    // stored yet: the snapshot includes rows the store lacks,
                    // and `position` does not cover them. Try again on the next
                    // compaction.
                    Err(StoreError::Behind)
                } else {
                    store.compact(
                        &room,
                        &snapshot,
                        position.get(),
                        position.epoch(),
                        &info,
                        &retention,
                    )
                };
                match &result {
                    Ok(_) => {
                        metrics.compactions.inc();
                        failing.store(false, Ordering::Release);
                    }
                    Err(StoreError::Fenced { current, .. }) => {
                        // Its queued rows, if any, are fenced too.
                        let dropped = pending.drop_fenced(&room, *current);
                        metrics.updates_fenced.inc_by(dropped as u64);
                        position.fence();
                        warn!(room, "compaction fenced: a newer keeper holds the room");
                    }
                    Err(StoreError::Behind) => {}
                    Err(_) => failing.store(true, Ordering::Release),
                }
                let _ = reply.send(result);
            }
        }
    }
    commit(&*store, &mut pending, &metrics, &failing);
}

/// Commits `pending` in one transaction and advances each row's position.
/// Rows the store fences are dropped and the rest committed without them.
/// Returns whether rows are left to retry.
fn commit(
    store: &dyn Store,
    pending: &mut Pending,
    metrics: &Metrics,
    failing: &AtomicBool,
) -> bool {
    // Each fenced room removes at least one row, so this ends.
    while !pending.rows.is_empty() {
        let started = Instant::now();
        match store.append(&pending.rows) {
            Ok(seqs) => {
                metrics
                    .persist_latency
                    .observe(started.elapsed().as_secs_f64());
                metrics.batches.inc();
                metrics.updates_persisted.inc_by(pending.rows.len() as u64);
                for (position, seq) in pending.positions.iter().zip(seqs) {
                    position.advance_to(seq);
                }
                pending.rows.clear();
                pending.positions.clear();
                failing.store(false, Ordering::Release);
                return false;
            }
            Err(StoreError::Fenced { room, current }) => {
                let dropped = pending.drop_fenced(&room, current);
                metrics.updates_fenced.inc_by(dropped as u64);
                warn!(
                    room,
                    dropped,
                    epoch = current,
                    "writes fenced: a newer keeper holds the room; dropping its stale updates"
                );
                if dropped == 0 {
                    // The store fenced a row this batch does not hold: a
                    // backend bug. Keep the rows rather than spin.
                    error!(room, "the store fenced a room with no stale rows queued");
                    failing.store(true, Ordering::Release);
                    return true;
                }
            }
            Err(e) => {
                failing.store(true, Ordering::Release);
                metrics.persist_errors.inc();
                warn!(
                    updates = pending.rows.len(),
                    "storage write failed, will retry: {e}"
                );
                return true;
            }
        }
    }
    false
}
