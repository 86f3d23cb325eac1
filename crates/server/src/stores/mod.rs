//! Durable board storage behind one trait.
//!
//! A room's board is stored as a log of Yjs v1 updates plus snapshots
//! (`Board::snapshot()` bytes). Recovery takes the newest readable snapshot and
//! replays the log written after it. Compaction folds the log into a new
//! snapshot (a *version*, stored with its element count and who edited since
//! the previous one) and deletes the versions the
//! [`crate::retention::Retention`] policy no longer keeps, in the same
//! transaction.
//!
//! Every backend passes one contract suite (`tests/store_contract.rs`): one file
//! per backend here, the same behaviour from each.
//!
//! ## Keeper leases and fencing
//!
//! One keeper per room in the whole cluster is enforced here, by a lease per
//! room stored next to the board ([`Store::claim`], [`Store::renew`],
//! [`Store::release`]), not in the Redis bus: every write carries its keeper's
//! lease epoch, and the store refuses it ([`StoreError::Fenced`]) when a newer
//! epoch has been granted since, checked inside the write's own transaction.
//! With the lease in the same database as the board, a write and its fence
//! check are one transaction judged by one clock (PostgreSQL's `now()`), and
//! a Redis outage cannot hand a room to two keepers. A PostgreSQL advisory
//! lock was the other candidate; a lease row with an expiry is better because
//! an advisory lock belongs to a session (a pooled connection that drops
//! loses it silently, and a paused process whose session stays open keeps it
//! forever) and carries no epoch a write could be fenced with.
//!
//! A lease row is never deleted: released or expired, it keeps its epoch, so
//! the next holder's epoch is higher than any earlier one's and a writer that
//! woke up late is always refused.
//!
//! The trait is synchronous on purpose. Its callers are blocking already: the
//! [`crate::persist::Writer`] thread (appends, batched, and compactions) and
//! `spawn_blocking` (board loads, history); no async task calls a store
//! directly. SQLite is a blocking library, and an async trait would make every
//! SQLite call hop to a blocking thread anyway, while a backend with an async
//! driver (PostgreSQL) runs it on a small runtime of its own and waits for it.

use std::time::Duration;

use crate::retention::{Dated, Retention};

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
    /// The writer's lease epoch for `room` is older than the stored one:
    /// another keeper has taken the room over. Nothing of the write was
    /// stored, and retrying cannot succeed.
    #[error("room {room}: fenced, a newer keeper holds lease epoch {current}")]
    Fenced { room: String, current: u64 },
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

/// One update to log: its room, the bytes, and the lease epoch its writer
/// holds for the room (0 for a writer without a lease, which every claim
/// fences).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUpdate {
    pub room: String,
    pub epoch: u64,
    pub bytes: Vec<u8>,
}

/// A granted lease on a room's keeper role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lease {
    /// Raised by one at every change of holder; writes carry it as their fence.
    pub epoch: u64,
    /// When the lease lapses unless renewed, in milliseconds since the Unix
    /// epoch by the store's clock (the database server's for PostgreSQL, this
    /// process's for SQLite and memory).
    pub expires_ms: u64,
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
    /// Who changed the board since the previous version, and how much of it
    /// there is.
    #[serde(flatten)]
    pub info: VersionInfo,
}

/// What a version says about itself besides its bytes: stored with the
/// snapshot, listed by the history endpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionInfo {
    /// Elements on the board in this version.
    pub elements: u64,
    /// Names of the members whose edits the keeper applied since the previous
    /// version, in the order they first edited, at most
    /// [`crate::limits::HISTORY_EDITORS`]. Empty for a version stored
    /// before this was recorded, or folded from edits of nobody connected
    /// (replayed from the log at start).
    pub editors: Vec<String>,
    /// More people edited than `editors` names.
    pub more_editors: bool,
    /// The images the version's board references (lowercase hex SHA-256,
    /// `Board::image_refs`): compaction collects the room's images no kept
    /// version references. Not listed by the history endpoint.
    #[serde(skip)]
    pub images: Vec<String>,
}

/// An image to store for a room: its bytes, already checked by the route
/// (type, decode, hash), and their MIME type.
#[derive(Debug, Clone, Copy)]
pub struct NewImage<'a> {
    /// Lowercase hex SHA-256 of `bytes`.
    pub sha256: &'a str,
    pub mime: &'a str,
    pub bytes: &'a [u8],
}

/// A stored image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredImage {
    pub mime: String,
    pub bytes: Vec<u8>,
    /// When it was last uploaded (a repeated upload renews it, so an image
    /// added again survives [`Retention::image_grace`] again), milliseconds
    /// since the Unix epoch by the store's clock.
    pub uploaded_ms: u64,
}

/// What [`Store::put_image`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImagePut {
    /// Stored now.
    Stored,
    /// The room had it already (an upload repeated): its upload time renewed.
    AlreadyStored,
    /// Storing it would take the room's images over the quota it was given;
    /// nothing was stored. `stored_bytes`: what the room holds now.
    OverQuota { stored_bytes: u64 },
    /// The room was deleted ([`Store::delete_room`]): nothing was stored.
    RoomDeleted,
}

/// The lease holder a deleted room's lease row names, with an expiry that
/// never comes: no keeper can claim the room again, and the epoch raised by
/// the deletion fences every write its last keeper still had queued.
pub const DELETED_HOLDER: &str = "inkmesh:deleted";

/// What [`Store::collect_idle_images`] did for one room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sweep {
    /// The room has a live keeper lease somewhere in the cluster: it is being
    /// edited, and its keeper's compactions collect. Nothing was done.
    Kept,
    /// The room has log rows no kept version contains yet (its keeper died
    /// before folding them, or its last compaction failed): an image only
    /// they reference would look unreferenced. Nothing was done; the next
    /// keeper's compaction folds the log and collects.
    Unfolded,
    /// This many of its images were collected.
    Collected(u64),
}

/// Everything stored for one room, as recovery needs it.
#[derive(Debug, Clone, Default)]
pub struct RoomData {
    /// The newest kept snapshots, newest first.
    pub snapshots: Vec<StoredSnapshot>,
    /// The room's log, oldest first.
    pub updates: Vec<LoggedUpdate>,
}

/// A storage backend.
///
/// Sequence numbers are positive, unique within the store and increase with
/// every append; each room's log is ordered by them. A room has one writer at a
/// time (its keeper, through the writer thread, holding the room's lease: any
/// other writer is fenced), which is what makes "the rows up to `through_seq`"
/// exactly the rows that writer has seen stored.
pub trait Store: Send + Sync + 'static {
    /// Appends updates, possibly for several rooms, in one transaction: either
    /// all of them are durable or none is. Returns the sequence number of each
    /// row, in the order of `batch`.
    ///
    /// Fails with [`StoreError::Fenced`] (storing nothing) if a row's epoch is
    /// older than its room's lease epoch, checked in the same transaction.
    fn append(&self, batch: &[NewUpdate]) -> Result<Vec<i64>, StoreError>;

    /// Stores `snapshot` as the room's newest version, described by `info`,
    /// covering the log up to `through_seq`: removes those rows (and only
    /// those: rows logged after the snapshot was taken stay, to be replayed
    /// on top of it) and the room's versions `retention` no longer keeps
    /// ([`expired_versions`]), in one transaction; and, in the same
    /// transaction, the room's images that no remaining version references
    /// (by [`VersionInfo::images`]) and that were uploaded longer than
    /// [`Retention::image_grace`] ago ([`image_collectable`]). Returns the new
    /// snapshot's description.
    ///
    /// Fails with [`StoreError::Fenced`] (changing nothing) if `epoch` is
    /// older than the room's lease epoch, checked in the same transaction.
    fn compact(
        &self,
        room: &str,
        snapshot: &[u8],
        through_seq: i64,
        epoch: u64,
        info: &VersionInfo,
        retention: &Retention,
    ) -> Result<SnapshotMeta, StoreError>;

    /// Claims the keeper lease of `room` for `holder` (unique per keeper
    /// instance) for `ttl`. Granted when the room has no lease, its lease has
    /// expired (a takeover: the epoch rises by one), or `holder` holds it
    /// live already (renewed, same epoch); `None` while another holder's lease
    /// is live.
    fn claim(&self, room: &str, holder: &str, ttl: Duration) -> Result<Option<Lease>, StoreError>;

    /// Extends `holder`'s lease at `epoch` to `ttl` from now. `false` when the
    /// room has moved to another epoch: the caller is no longer its keeper.
    /// A lease that expired without anyone claiming it is still renewed: its
    /// epoch proves nobody else has written since.
    fn renew(
        &self,
        room: &str,
        holder: &str,
        epoch: u64,
        ttl: Duration,
    ) -> Result<bool, StoreError>;

    /// Ends `holder`'s lease at `epoch` now, so the next keeper need not wait
    /// for it to expire. The epoch stays stored. Nothing happens if the lease
    /// has moved on.
    fn release(&self, room: &str, holder: &str, epoch: u64) -> Result<(), StoreError>;

    /// Everything recovery needs for `room`, read at one instant: the newest
    /// [`crate::limits::RECOVERY_SNAPSHOTS`] kept snapshots (recovery starts
    /// from the newest that decodes; older versions are history, read one at a
    /// time with [`Store::version`]) and the whole log.
    fn load(&self, room: &str) -> Result<RoomData, StoreError>;

    /// The kept snapshots of `room`, newest first.
    fn history(&self, room: &str) -> Result<Vec<SnapshotMeta>, StoreError>;

    /// The bytes of version `id` of `room`; `None` if `room` has no such
    /// version (never stored, deleted by retention, or another room's).
    fn version(&self, room: &str, id: i64) -> Result<Option<Vec<u8>>, StoreError>;

    /// How many updates are logged for `room` since its last snapshot.
    fn pending_updates(&self, room: &str) -> Result<u64, StoreError>;

    /// Stores `image` for `room`, keyed by (room, sha256), unless the room's
    /// images would then exceed `room_max_bytes`, checked in the same
    /// transaction (concurrent uploads cannot both slip under it). Storing
    /// an image the room has already only renews its upload time.
    fn put_image(
        &self,
        room: &str,
        image: NewImage<'_>,
        room_max_bytes: u64,
    ) -> Result<ImagePut, StoreError>;

    /// Image `sha256` of `room`; `None` if that room has none by that hash
    /// (another room's is not this room's).
    fn image(&self, room: &str, sha256: &str) -> Result<Option<StoredImage>, StoreError>;

    /// Deletes the board `room`, in one transaction: its log, its kept
    /// versions and its images are removed, and a tombstone records when, so
    /// the board does not come back. The room's lease moves to a new epoch
    /// held by [`DELETED_HOLDER`] for good: its keeper's queued writes are
    /// fenced, no keeper claims it again, and [`Store::put_image`] answers
    /// [`ImagePut::RoomDeleted`]. Deleting a deleted room changes nothing.
    fn delete_room(&self, room: &str) -> Result<(), StoreError>;

    /// When `room` was deleted (milliseconds since the Unix epoch by the
    /// store's clock), if it was: its tombstone.
    fn deleted(&self, room: &str) -> Result<Option<u64>, StoreError>;

    /// Up to `limit` names of rooms that store images, in name order, each
    /// after `after` (`""`: from the first): the image sweep's pages.
    fn rooms_with_images(&self, after: &str, limit: usize) -> Result<Vec<String>, StoreError>;

    /// Collects `room`'s images as a compaction would (those no kept version
    /// references, uploaded longer than [`Retention::image_grace`] ago), in
    /// one transaction, unless the room has a live keeper lease: then it is
    /// being edited and nothing is done ([`Sweep::Kept`]); or unless it has
    /// any log rows, which no kept version contains yet and which may
    /// reference images ([`Sweep::Unfolded`]).
    fn collect_idle_images(&self, room: &str, retention: &Retention) -> Result<Sweep, StoreError>;
}

/// Whether an image uploaded at `uploaded_ms` that no kept version references
/// is collected by a compaction at `now_ms`: once the grace has passed (at
/// once with no grace).
pub(crate) fn image_collectable(retention: &Retention, uploaded_ms: u64, now_ms: u64) -> bool {
    let grace = u64::try_from(retention.image_grace.as_millis()).unwrap_or(u64::MAX);
    uploaded_ms.saturating_add(grace) <= now_ms
}

/// Refuses the first of `rows` (room, writer's epoch) whose epoch is older than
/// its room's stored lease epoch: the fence every backend checks inside its
/// write transaction.
pub(crate) fn first_fenced<'a>(
    rows: impl IntoIterator<Item = (&'a str, u64)>,
    stored_epoch: impl Fn(&str) -> u64,
) -> Result<(), StoreError> {
    for (room, epoch) in rows {
        let current = stored_epoch(room);
        if current > epoch {
            return Err(StoreError::Fenced {
                room: room.to_owned(),
                current,
            });
        }
    }
    Ok(())
}

/// The ids of a room's versions, given as (id, created_ms), that `retention`
/// deletes at `now_ms`: what every backend's compaction removes. `now_ms` is
/// the clock that dated the versions, so a store shared by several nodes
/// passes its own (one node's clock running ahead must not expire the
/// others' versions).
pub(crate) fn expired_versions(
    retention: &Retention,
    versions: impl IntoIterator<Item = (i64, u64)>,
    now_ms: u64,
) -> Vec<i64> {
    let dated: Vec<Dated> = versions
        .into_iter()
        .map(|(id, created_ms)| Dated { id, created_ms })
        .collect();
    retention.expired(&dated, now_ms)
}

/// Milliseconds since the Unix epoch, for `created_ms`.
pub(crate) fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}
