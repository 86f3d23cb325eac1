//! The storage writer: one dedicated thread that owns every write to the store.
//!
//! Appends are grouped for a short batch window (50 ms by default) and
//! committed in one transaction, so a busy room costs one fsync per window
//! rather than one per pen movement. This is the crash guarantee: a kill loses
//! at most the updates of the last window, and those still live in the peers'
//! copies. Compactions and flushes first commit whatever is pending, so the log
//! a snapshot replaces is always on disk before the snapshot is.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;
use tracing::{error, warn};

use crate::metrics::Metrics;
use crate::stores::{SnapshotMeta, Store, StoreError};

/// Appends queued while storage keeps failing are dropped beyond this many
/// (the peers still hold them and resend on their next sync).
const MAX_PENDING: usize = 100_000;

enum Command {
    Append(String, Vec<u8>),
    /// Commit what is pending and end the thread.
    Stop,
    Flush(oneshot::Sender<()>),
    Compact {
        room: String,
        snapshot: Vec<u8>,
        keep: usize,
        reply: oneshot::Sender<Result<SnapshotMeta, StoreError>>,
    },
}

/// A handle on the writer thread; clones share it. [`Writer::close`] commits
/// what is pending and ends the thread.
#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<Command>,
    thread: Arc<Mutex<Option<JoinHandle<()>>>>,
}

impl Writer {
    pub fn start(store: Arc<dyn Store>, window: Duration, metrics: Arc<Metrics>) -> Self {
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("inkmesh-writer".into())
            .spawn(move || run(store, rx, window, metrics))
            .expect("spawning the storage writer thread");
        Self {
            tx,
            thread: Arc::new(Mutex::new(Some(thread))),
        }
    }

    /// Queues an update for the next batch. Never blocks.
    pub fn append(&self, room: &str, update: Vec<u8>) {
        let _ = self.tx.send(Command::Append(room.to_owned(), update));
    }

    /// Commits everything queued so far.
    pub async fn flush(&self) {
        let (reply, done) = oneshot::channel();
        if self.tx.send(Command::Flush(reply)).is_ok() {
            let _ = done.await;
        }
    }

    /// Commits everything queued, then stores `snapshot` for `room` in place of
    /// its log, keeping `keep` snapshots.
    ///
    /// The request is queued when this is called, not when the future is first
    /// polled: call it while holding the board lock the snapshot was taken
    /// under, so no update the snapshot lacks can be queued before it (and then
    /// deleted with the log the snapshot replaces).
    pub fn compact(
        &self,
        room: &str,
        snapshot: Vec<u8>,
        keep: usize,
    ) -> impl std::future::Future<Output = Result<SnapshotMeta, StoreError>> + Send + 'static {
        let (reply, done) = oneshot::channel();
        let sent = self.tx.send(Command::Compact {
            room: room.to_owned(),
            snapshot,
            keep,
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

fn run(
    store: Arc<dyn Store>,
    rx: mpsc::Receiver<Command>,
    window: Duration,
    metrics: Arc<Metrics>,
) {
    let mut pending: Vec<(String, Vec<u8>)> = Vec::new();
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
                    deadline = commit(&*store, &mut pending, &metrics).then_some(retry_at());
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => break,
            },
        };
        match command {
            Command::Append(room, bytes) => {
                pending.push((room, bytes));
                if pending.len() > MAX_PENDING {
                    let excess = pending.len() - MAX_PENDING;
                    pending.drain(..excess);
                    error!(
                        dropped = excess,
                        "storage keeps failing; dropping the oldest queued updates"
                    );
                }
                deadline.get_or_insert_with(|| Instant::now() + window);
            }
            Command::Stop => break,
            Command::Flush(reply) => {
                deadline = commit(&*store, &mut pending, &metrics).then_some(retry_at());
                let _ = reply.send(());
            }
            Command::Compact {
                room,
                snapshot,
                keep,
                reply,
            } => {
                deadline = commit(&*store, &mut pending, &metrics).then_some(retry_at());
                let result = if pending.iter().any(|(r, _)| *r == room) {
                    // Storage is failing and part of this room's log is not on
                    // disk yet: a snapshot now would be followed by rows older
                    // than it. Try again on the next compaction.
                    Err(StoreError::Behind)
                } else {
                    store.compact(&room, &snapshot, keep)
                };
                if result.is_ok() {
                    metrics.compactions.inc();
                }
                let _ = reply.send(result);
            }
        }
    }
    commit(&*store, &mut pending, &metrics);
}

fn retry_at() -> Instant {
    Instant::now() + Duration::from_millis(500)
}

/// Commits `pending` in one transaction. Returns whether rows are left to retry.
fn commit(store: &dyn Store, pending: &mut Vec<(String, Vec<u8>)>, metrics: &Metrics) -> bool {
    if pending.is_empty() {
        return false;
    }
    let started = Instant::now();
    match store.append(pending) {
        Ok(()) => {
            metrics
                .persist_latency
                .observe(started.elapsed().as_secs_f64());
            metrics.batches.inc();
            metrics.updates_persisted.inc_by(pending.len() as u64);
            pending.clear();
            false
        }
        Err(e) => {
            metrics.persist_errors.inc();
            warn!(
                updates = pending.len(),
                "storage write failed, will retry: {e}"
            );
            true
        }
    }
}
