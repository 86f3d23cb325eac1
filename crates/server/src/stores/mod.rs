//! Durable board storage behind one trait.
//!
//! A room's board is stored as a log of Yjs v1 updates plus snapshots
//! (`Board::snapshot()` bytes). Recovery takes the newest readable snapshot and
//! replays the log written after it. Compaction folds the log into a new
//! snapshot and keeps the last few snapshots as history.
//!
//! The trait is synchronous on purpose: SQLite is a blocking library, so callers
//! reach it through the [`crate::persist::Writer`] thread (appends, batched) or
//! `spawn_blocking` (reads). A future PostgreSQL backend gets its own file here.

pub mod sqlite;

pub use sqlite::SqliteStore;

/// A storage failure. Corrupt rows are not errors: they are skipped (and
/// reported) by recovery, see [`crate::recovery`].
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("storage i/o: {0}")]
    Io(#[from] std::io::Error),
    #[error("storage is closed")]
    Closed,
    #[error("earlier updates of this room are not stored yet")]
    Behind,
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
    /// Log rows newer than the oldest kept snapshot, oldest first.
    pub updates: Vec<LoggedUpdate>,
}

/// A storage backend.
pub trait Store: Send + Sync + 'static {
    /// Appends updates, possibly for several rooms, in one transaction: either
    /// all of them are durable or none is.
    fn append(&self, batch: &[(String, Vec<u8>)]) -> Result<(), StoreError>;

    /// Stores `snapshot` as the room's newest, removes the log it covers
    /// (everything up to the newest sequence number logged now) and keeps only
    /// the newest `keep` snapshots. Returns the new snapshot's description.
    fn compact(&self, room: &str, snapshot: &[u8], keep: usize)
        -> Result<SnapshotMeta, StoreError>;

    /// Everything recovery needs for `room`.
    fn load(&self, room: &str) -> Result<RoomData, StoreError>;

    /// The kept snapshots of `room`, newest first.
    fn history(&self, room: &str) -> Result<Vec<SnapshotMeta>, StoreError>;

    /// How many updates are logged for `room` since its last snapshot.
    fn pending_updates(&self, room: &str) -> Result<u64, StoreError>;
}
