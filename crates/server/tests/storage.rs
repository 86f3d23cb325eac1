//! The SQLite file across reopening, and the writer thread: batching,
//! flushing, and compaction through the log position it advances. What every
//! store does is in `store_contract.rs`.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use inkmesh_doc::{Board, BoardOptions, ChangeOrigin, NewElement};
use inkmesh_server::deletion::{lookup_deleted, refuse_deleted};
use inkmesh_server::limits::TOMBSTONE_LOOKUP_TIMEOUT;
use inkmesh_server::metrics::Metrics;
use inkmesh_server::persist::{LogPosition, Writer};
use inkmesh_server::recovery::recover;
use inkmesh_server::retention::Retention;
use inkmesh_server::stores::{
    ImagePut, Lease, MemoryStore, NewImage, NewUpdate, RoomData, SnapshotMeta, SqliteStore, Store,
    StoreError, StoredImage, Sweep, VersionInfo,
};

/// A board whose every local update is collected, as the keeper would log them:
/// one per element, after the first element's `meta.v` (SCHEMA.md, "Who writes
/// `meta.v`").
fn board_with_log(n: usize) -> (Board, Vec<Vec<u8>>) {
    let board = Board::new("u");
    let log = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = log.clone();
    let sub = board.observe_updates(move |u, origin| {
        assert_eq!(origin, ChangeOrigin::Local);
        sink.lock().unwrap().push(u.to_vec());
    });
    let mut board = board;
    for i in 0..n {
        board
            .add(NewElement::rect(i as f64, 0.0, 1.0, 1.0))
            .unwrap();
    }
    drop(sub);
    let log = log.lock().unwrap().clone();
    (board, log)
}

fn recovered_ids(store: &SqliteStore, room: &str) -> (Vec<String>, usize) {
    let r = recover(room, store.load(room).unwrap(), BoardOptions::new("k"));
    (
        r.board.elements().into_iter().map(|e| e.id).collect(),
        r.skipped,
    )
}

fn ids(board: &Board) -> Vec<String> {
    board.elements().into_iter().map(|e| e.id).collect()
}

#[test]
fn the_sqlite_file_keeps_the_board_across_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    let (board, log) = board_with_log(10);
    let batch: Vec<_> = log
        .into_iter()
        .map(|bytes| NewUpdate {
            room: "r".to_owned(),
            epoch: 0,
            bytes,
        })
        .collect();
    store.append(&batch).unwrap();
    drop(store);
    let store = SqliteStore::open(dir.path()).unwrap();
    assert_eq!(recovered_ids(&store, "r"), (ids(&board), 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_writer_batches_and_flushes() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path()).unwrap());
    let metrics = Arc::new(Metrics::default());
    let writer = Writer::start(store.clone(), Duration::from_millis(200), metrics.clone());
    let (board, log) = board_with_log(50);
    let position = LogPosition::default();
    for u in &log {
        writer.append("r", u.clone(), &position);
    }
    writer.flush().await;
    assert_eq!(store.pending_updates("r").unwrap(), log.len() as u64);
    let stored = store.load("r").unwrap().updates;
    assert_eq!(
        position.get(),
        stored.last().unwrap().seq,
        "the position reached the last stored row"
    );
    let batches = metrics.batches.get();
    assert!(
        batches <= 2,
        "{} appends in {batches} transactions",
        log.len()
    );
    let meta = writer
        .compact(
            "r",
            board.snapshot(),
            &position,
            VersionInfo::default(),
            Retention::default(),
        )
        .await
        .unwrap();
    assert!(meta.size > 0);
    assert_eq!(store.pending_updates("r").unwrap(), 0);
    writer.append("r", vec![0, 0], &position);
    writer.close().await;
    assert_eq!(
        store.pending_updates("r").unwrap(),
        1,
        "close commits what is pending"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_compaction_leaves_rows_its_position_does_not_cover() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let writer = Writer::start(
        store.clone(),
        Duration::from_millis(10),
        Arc::new(Metrics::default()),
    );
    let (board, log) = board_with_log(4);
    let position = LogPosition::default();
    for u in &log {
        writer.append("r", u.clone(), &position);
    }
    writer.flush().await;
    // A row the keeper's board has not seen, written by someone else.
    let foreign = store
        .append(&[NewUpdate {
            room: "r".to_owned(),
            epoch: 0,
            bytes: vec![0, 0],
        }])
        .unwrap();
    let meta = writer
        .compact(
            "r",
            board.snapshot(),
            &position,
            VersionInfo::default(),
            Retention::default(),
        )
        .await
        .unwrap();
    assert!(meta.log_seq < foreign[0]);
    let left: Vec<i64> = store
        .load("r")
        .unwrap()
        .updates
        .iter()
        .map(|u| u.seq)
        .collect();
    assert_eq!(left, foreign, "the row after the snapshot's position stays");
    writer.close().await;
}

/// A store that is unreachable until told otherwise, then a [`MemoryStore`].
/// `hung`: its tombstone reads take [`HUNG_READ`] to answer, as on a
/// blackholed database.
#[derive(Default)]
struct Outage {
    down: std::sync::atomic::AtomicBool,
    hung: std::sync::atomic::AtomicBool,
    inner: MemoryStore,
}

/// How long a hung store's tombstone read takes: far over the lookup's bound.
const HUNG_READ: Duration = Duration::from_secs(4);

impl Outage {
    fn check(&self) -> Result<(), StoreError> {
        if self.down.load(Ordering::Relaxed) {
            return Err(StoreError::Unavailable("the database is down".into()));
        }
        Ok(())
    }
}

impl Store for Outage {
    fn append(&self, batch: &[NewUpdate]) -> Result<Vec<i64>, StoreError> {
        self.check()?;
        self.inner.append(batch)
    }
    fn compact(
        &self,
        room: &str,
        snapshot: &[u8],
        through_seq: i64,
        epoch: u64,
        info: &VersionInfo,
        retention: &Retention,
    ) -> Result<SnapshotMeta, StoreError> {
        self.check()?;
        self.inner
            .compact(room, snapshot, through_seq, epoch, info, retention)
    }
    fn claim(&self, room: &str, holder: &str, ttl: Duration) -> Result<Option<Lease>, StoreError> {
        self.check()?;
        self.inner.claim(room, holder, ttl)
    }
    fn renew(
        &self,
        room: &str,
        holder: &str,
        epoch: u64,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        self.check()?;
        self.inner.renew(room, holder, epoch, ttl)
    }
    fn release(&self, room: &str, holder: &str, epoch: u64) -> Result<(), StoreError> {
        self.check()?;
        self.inner.release(room, holder, epoch)
    }
    fn load(&self, room: &str) -> Result<RoomData, StoreError> {
        self.inner.load(room)
    }
    fn history(&self, room: &str) -> Result<Vec<SnapshotMeta>, StoreError> {
        self.inner.history(room)
    }
    fn version(&self, room: &str, id: i64) -> Result<Option<Vec<u8>>, StoreError> {
        self.inner.version(room, id)
    }
    fn pending_updates(&self, room: &str) -> Result<u64, StoreError> {
        self.inner.pending_updates(room)
    }
    fn put_image(
        &self,
        room: &str,
        image: NewImage<'_>,
        room_max_bytes: u64,
    ) -> Result<ImagePut, StoreError> {
        self.check()?;
        self.inner.put_image(room, image, room_max_bytes)
    }
    fn image(&self, room: &str, sha256: &str) -> Result<Option<StoredImage>, StoreError> {
        self.inner.image(room, sha256)
    }
    fn delete_room(&self, room: &str) -> Result<(), StoreError> {
        self.check()?;
        self.inner.delete_room(room)
    }
    fn deleted(&self, room: &str) -> Result<Option<u64>, StoreError> {
        if self.hung.load(Ordering::Relaxed) {
            std::thread::sleep(HUNG_READ);
        }
        self.check()?;
        self.inner.deleted(room)
    }
    fn rooms_with_images(&self, after: &str, limit: usize) -> Result<Vec<String>, StoreError> {
        self.inner.rooms_with_images(after, limit)
    }
    fn collect_idle_images(&self, room: &str, retention: &Retention) -> Result<Sweep, StoreError> {
        self.check()?;
        self.inner.collect_idle_images(room, retention)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_writer_keeps_the_batch_while_storage_is_down_and_stores_it_when_back() {
    let store = Arc::new(Outage::default());
    store.down.store(true, Ordering::Relaxed);
    let metrics = Arc::new(Metrics::default());
    let writer = Writer::start(store.clone(), Duration::from_millis(10), metrics.clone());
    let (board, log) = board_with_log(20);
    let position = LogPosition::default();
    let (early, late) = log.split_at(10);
    for u in early {
        writer.append("r", u.clone(), &position);
    }
    wait_until("a few failed commits", || metrics.persist_errors.get() >= 2).await;
    // Compacting now would cut a log that is not stored: refused.
    assert!(writer.storage_failing());
    let refused = writer
        .compact(
            "r",
            board.snapshot(),
            &position,
            VersionInfo::default(),
            Retention::default(),
        )
        .await;
    assert!(matches!(refused, Err(StoreError::Behind)), "{refused:?}");
    for u in late {
        writer.append("r", u.clone(), &position);
    }
    store.down.store(false, Ordering::Relaxed);
    wait_until("the batch to be stored", || {
        store.pending_updates("r").unwrap() == log.len() as u64
    })
    .await;
    let stored: Vec<Vec<u8>> = store
        .load("r")
        .unwrap()
        .updates
        .into_iter()
        .map(|u| u.bytes)
        .collect();
    assert_eq!(stored, log, "every update, once, in order");
    wait_until("the writer to report storage back", || {
        !writer.storage_failing()
    })
    .await;
    assert_eq!(
        position.get(),
        store.load("r").unwrap().updates.last().unwrap().seq
    );
    writer
        .compact(
            "r",
            board.snapshot(),
            &position,
            VersionInfo::default(),
            Retention::default(),
        )
        .await
        .unwrap();
    assert_eq!(store.pending_updates("r").unwrap(), 0);
    writer.close().await;
}

/// Polls `check` every 10 ms, failing the test after 10 s.
async fn wait_until(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !check() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tombstone_lookup_that_fails_or_hangs_refuses_nothing_within_its_bound() {
    let outage = Arc::new(Outage::default());
    outage.inner.delete_room("gone").unwrap();
    let store: Arc<dyn Store> = outage.clone();
    assert_eq!(lookup_deleted(&store, "gone").await, Some(true));
    assert!(refuse_deleted(&store, "gone").await.is_err());
    assert_eq!(lookup_deleted(&store, "live").await, Some(false));

    outage.down.store(true, Ordering::Relaxed);
    assert_eq!(lookup_deleted(&store, "gone").await, None);
    assert!(refuse_deleted(&store, "gone").await.is_ok(), "fails open");

    outage.down.store(false, Ordering::Relaxed);
    outage.hung.store(true, Ordering::Relaxed);
    let asked = std::time::Instant::now();
    assert!(refuse_deleted(&store, "gone").await.is_ok(), "fails open");
    assert!(
        asked.elapsed() < TOMBSTONE_LOOKUP_TIMEOUT + Duration::from_secs(2),
        "answered after {:?}",
        asked.elapsed()
    );
}
