//! Durable board storage behind one trait.
//!
//! A room's board is stored as a log of Yjs v1 updates plus snapshots
//! (`Board::snapshot()` bytes). Recovery takes the newest readable snapshot and
//! replays the log written after it. Compaction folds the log into a new
//! snapshot and keeps the last few snapshots as history.
//!
//! Every backend passes one contract suite (`tests/store_contract.rs`): one file
//! per backend here, the same behaviour from each.
//!
//! The trait is synchronous on purpose. Its callers are blocking already: the
//! [`crate::persist::Writer`] thread (appends, batched, and compactions) and
//! `spawn_blocking` (board loads, history); no async task calls a store
//! directly. SQLite is a blocking library, and an async trait would make every
//! SQLite call hop to a blocking thread anyway, while a backend with an async
//! driver (PostgreSQL) runs it on a small runtime of its own and waits for it.

pub mod location;
pub mod memory;
pub mod postgres;
pub mod sqlite;

pub use location::StoreLocation;
pub use memory::MemoryStore;
pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

/// A storage failure. Corrupt rows are not errors: they are skipped (and
/// reported) by recovery, see [`crate::recovery`].
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The backend could not be reached (connection lost or refused, database
    /// shutting down or locked by another process): nothing was written, and
    /// the same call may succeed later.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// The backend refused the operation (a bad query, a full disk, a schema
    /// it does not understand): retrying is unlikely to help.
    #[error("storage: {0}")]
    Backend(Box<dyn std::error::Error + Send + Sync>),
    #[error("storage is closed")]
    Closed,
    #[error("earlier updates of this room are not stored yet")]
    Behind,
}

impl StoreError {
    /// A backend failure from any error type.
    pub fn backend(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Backend(error.into())
    }
}

impl From<std::io::Error> for StoreError {
    fn from(error: std::io::Error) -> Self {
        Self::backend(error)
    }
}

/// One logged update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedUpdate {
    pub seq: i64,
    pub bytes: Vec<u8>,
}

/// One kept snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSnapshot {
    pub meta: SnapshotMeta,
    pub bytes: Vec<u8>,
}

/// What the history endpoint lists about a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotMeta {
    pub id: i64,
    /// Milliseconds since the Unix epoch.
    pub created_ms: u64,
    /// Bytes of the stored snapshot.
    pub size: u64,
    /// The last log sequence number folded into this snapshot.
    #[serde(skip)]
    pub log_seq: i64,
}

/// Everything stored for one room, as recovery needs it.
#[derive(Debug, Clone, Default)]
pub struct RoomData {
    /// Kept snapshots, newest first.
    pub snapshots: Vec<StoredSnapshot>,
    /// The room's log, oldest first.
    pub updates: Vec<LoggedUpdate>,
}

/// A storage backend.
///
/// Sequence numbers are positive, unique within the store and increase with
/// every append; each room's log is ordered by them. A room has one writer at a
/// time (its keeper, through the writer thread), which is what makes "the rows
/// up to `through_seq`" exactly the rows that writer has seen stored.
pub trait Store: Send + Sync + 'static {
    /// Appends updates, possibly for several rooms, in one transaction: either
    /// all of them are durable or none is. Returns the sequence number of each
    /// row, in the order of `batch`.
    fn append(&self, batch: &[(String, Vec<u8>)]) -> Result<Vec<i64>, StoreError>;

    /// Stores `snapshot` as the room's newest, covering the log up to
    /// `through_seq`: removes those rows (and only those: rows logged after
    /// the snapshot was taken stay, to be replayed on top of it) and keeps
    /// only the newest `keep` snapshots. Returns the new snapshot's
    /// description.
    fn compact(
        &self,
        room: &str,
        snapshot: &[u8],
        through_seq: i64,
        keep: usize,
    ) -> Result<SnapshotMeta, StoreError>;

    /// Everything recovery needs for `room`, read at one instant.
    fn load(&self, room: &str) -> Result<RoomData, StoreError>;

    /// The kept snapshots of `room`, newest first.
    fn history(&self, room: &str) -> Result<Vec<SnapshotMeta>, StoreError>;

    /// How many updates are logged for `room` since its last snapshot.
    fn pending_updates(&self, room: &str) -> Result<u64, StoreError>;
}

/// Milliseconds since the Unix epoch, for `created_ms`.
pub(crate) fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}
