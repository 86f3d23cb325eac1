//! The embedded default: one SQLite file (`inkmesh.db`) in the data directory,
//! in WAL mode so readers (snapshot and history requests) never wait for the
//! writer, and with `synchronous = NORMAL`: a committed batch survives a crash
//! of the process (not necessarily of the machine), which is what the batch
//! window promises.

use std::path::Path;
use std::sync::Mutex;

use std::time::Duration;

use rusqlite::{params, Connection, ErrorCode, OptionalExtension, TransactionBehavior};

use super::{
    expired_versions, first_fenced, image_collectable, now_ms, ImagePut, Lease, LoggedUpdate,
    NewImage, NewUpdate, RoomData, SnapshotMeta, Store, StoreError, StoredImage, StoredSnapshot,
    Sweep, VersionInfo, DELETED_HOLDER,
};
use crate::limits;
use crate::retention::Retention;

/// The file name inside the data directory.
pub const DB_FILE: &str = "inkmesh.db";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS updates (
    seq   INTEGER PRIMARY KEY AUTOINCREMENT,
    room  TEXT NOT NULL,
    bytes BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS updates_room_seq ON updates (room, seq);
CREATE TABLE IF NOT EXISTS snapshots (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    room       TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    log_seq    INTEGER NOT NULL,
    bytes      BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS snapshots_room_id ON snapshots (room, id);
CREATE TABLE IF NOT EXISTS leases (
    room       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    epoch      INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL
);
";

/// Schema changes after [`SCHEMA`], applied in order, each once; the file's
/// `user_version` records how many are applied. Append only: a file migrated
/// further than this server knows is refused. (Servers from before the first
/// migration never read `user_version`; they open a migrated file, whose new
/// columns have defaults.)
const MIGRATIONS: &[&str] = &[
    // 1: version metadata (`VersionInfo`); `editors` is a JSON array of names.
    "ALTER TABLE snapshots ADD COLUMN elements INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE snapshots ADD COLUMN editors TEXT NOT NULL DEFAULT '[]';
     ALTER TABLE snapshots ADD COLUMN more_editors INTEGER NOT NULL DEFAULT 0;",
    // 2: images, per room by SHA-256 (`size` kept apart so the room's total
    // reads no blob), and the hashes each version references (a JSON array),
    // which compaction collects by.
    "CREATE TABLE images (
         room        TEXT NOT NULL,
         sha256      TEXT NOT NULL,
         mime        TEXT NOT NULL,
         size        INTEGER NOT NULL,
         uploaded_ms INTEGER NOT NULL,
         bytes       BLOB NOT NULL,
         PRIMARY KEY (room, sha256)
     );
     ALTER TABLE snapshots ADD COLUMN images TEXT NOT NULL DEFAULT '[]';",
    // 3: deleted rooms (`Store::delete_room`), which stay deleted until an
    // operator removes the row (README, "Deleting a board").
    "CREATE TABLE tombstones (
         room       TEXT PRIMARY KEY,
         deleted_ms INTEGER NOT NULL
     );",
];

/// Applies the migrations `conn`'s file lacks, in one transaction.
fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let txn = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let applied: i64 = txn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    let applied = usize::try_from(applied.max(0)).unwrap_or(usize::MAX);
    if applied > MIGRATIONS.len() {
        return Err(StoreError::backend(format!(
            "the database's schema is version {applied}, newer than this server's {}: \
             upgrade the server",
            MIGRATIONS.len()
        )));
    }
    for sql in &MIGRATIONS[applied..] {
        txn.execute_batch(sql)?;
    }
    txn.pragma_update(None, "user_version", MIGRATIONS.len() as i64)?;
    txn.commit()?;
    Ok(())
}

/// SQLite storage. One connection writes and one reads; each is behind its own
/// lock, so a long read never blocks appends (WAL does the rest).
pub struct SqliteStore {
    writer: Mutex<Connection>,
    reader: Mutex<Connection>,
}

impl SqliteStore {
    /// Opens (or creates) `inkmesh.db` in `data_dir`, creating the directory.
    pub fn open(data_dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(data_dir)?;
        Self::open_file(&data_dir.join(DB_FILE))
    }

    /// Opens a database file at an exact path (tests, tools).
    pub fn open_file(path: &Path) -> Result<Self, StoreError> {
        let mut writer = Connection::open(path)?;
        writer.pragma_update(None, "journal_mode", "WAL")?;
        writer.pragma_update(None, "synchronous", "NORMAL")?;
        writer.busy_timeout(std::time::Duration::from_secs(5))?;
        writer.execute_batch(SCHEMA)?;
        migrate(&mut writer)?;
        // A SQLite file is one node's: leases left by an earlier process
        // (killed before it released them) are void, so a restarted server
        // keeps its rooms at once instead of waiting for them to lapse. Their
        // epochs stay, so that process, were it still running, is fenced.
        // A deleted room's lease is not a process's: it stays.
        writer.execute(
            "UPDATE leases SET expires_ms = 0 WHERE holder <> ?1",
            params![DELETED_HOLDER],
        )?;
        let reader = Connection::open(path)?;
        reader.busy_timeout(std::time::Duration::from_secs(5))?;
        Ok(Self {
            writer: Mutex::new(writer),
            reader: Mutex::new(reader),
        })
    }

    fn writer(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite half-written (the
        // transaction rolls back), so a poisoned lock is still usable.
        self.writer.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn reader(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.reader.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The database locked by another process past the busy timeout is worth
/// retrying; anything else SQLite reports is not.
impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> Self {
        match error.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
                StoreError::Unavailable(error.to_string())
            }
            _ => StoreError::backend(error),
        }
    }
}

/// The room's stored lease epoch, 0 without a lease.
fn epoch_in(conn: &Connection, room: &str) -> Result<u64, StoreError> {
    let epoch: Option<i64> = conn
        .query_row(
            "SELECT epoch FROM leases WHERE room = ?1",
            params![room],
            |row| row.get(0),
        )
        .optional()?;
    Ok(epoch.unwrap_or(0).max(0) as u64)
}

/// Refuses `rows` if one is fenced; runs inside the write's transaction.
fn check_fences<'a>(
    conn: &Connection,
    rows: impl IntoIterator<Item = (&'a str, u64)>,
) -> Result<(), StoreError> {
    let mut epochs = std::collections::HashMap::new();
    let rows: Vec<_> = rows.into_iter().collect();
    for (room, _) in &rows {
        if !epochs.contains_key(*room) {
            epochs.insert(*room, epoch_in(conn, room)?);
        }
    }
    first_fenced(rows, |room| epochs.get(room).copied().unwrap_or(0))
}

/// Bytes of all images `room` stores.
fn image_bytes_in(conn: &Connection, room: &str) -> Result<u64, StoreError> {
    let total: i64 = conn.query_row(
        "SELECT COALESCE(SUM(size), 0) FROM images WHERE room = ?1",
        params![room],
        |row| row.get(0),
    )?;
    Ok(total.max(0) as u64)
}

/// `ttl` from now, in milliseconds since the Unix epoch.
fn expiry(ttl: Duration) -> i64 {
    now_ms().saturating_add(ttl.as_millis() as u64) as i64
}

fn history_in(conn: &Connection, room: &str) -> Result<Vec<SnapshotMeta>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, created_ms, log_seq, length(bytes), elements, editors, more_editors, images
         FROM snapshots WHERE room = ?1 ORDER BY id DESC",
    )?;
    let rows = stmt.query_map(params![room], |row| {
        let editors: String = row.get(5)?;
        let images: String = row.get(7)?;
        Ok(SnapshotMeta {
            id: row.get(0)?,
            created_ms: row.get::<_, i64>(1)?.max(0) as u64,
            log_seq: row.get(2)?,
            size: row.get::<_, i64>(3)?.max(0) as u64,
            info: VersionInfo {
                elements: row.get::<_, i64>(4)?.max(0) as u64,
                // A list this server did not write reads as nobody named.
                editors: serde_json::from_str(&editors).unwrap_or_default(),
                more_editors: row.get(6)?,
                images: json_list(&images),
            },
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A JSON array of strings this server wrote; anything else reads as empty.
fn json_list(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_default()
}

/// Deletes `room`'s images that no version references and that are past the
/// grace at `now_ms`, answering how many; runs inside the caller's
/// transaction (a compaction's, or the sweep's).
fn collect_images(
    txn: &Connection,
    room: &str,
    retention: &Retention,
    now_ms: u64,
) -> Result<u64, StoreError> {
    let referenced: std::collections::HashSet<String> = txn
        .prepare_cached("SELECT images FROM snapshots WHERE room = ?1")?
        .query_map(params![room], |row| row.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?
        .iter()
        .flat_map(|list| json_list(list))
        .collect();
    let unreferenced: Vec<String> = txn
        .prepare_cached("SELECT sha256, uploaded_ms FROM images WHERE room = ?1")?
        .query_map(params![room], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, i64>(1)?.max(0) as u64,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .filter(|(sha256, uploaded_ms)| {
            !referenced.contains(sha256) && image_collectable(retention, *uploaded_ms, now_ms)
        })
        .map(|(sha256, _)| sha256)
        .collect();
    let mut delete = txn.prepare_cached("DELETE FROM images WHERE room = ?1 AND sha256 = ?2")?;
    for sha256 in &unreferenced {
        delete.execute(params![room, sha256])?;
    }
    Ok(unreferenced.len() as u64)
}

/// Whether `room` has a tombstone.
fn is_deleted(conn: &Connection, room: &str) -> Result<bool, StoreError> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM tombstones WHERE room = ?1",
            params![room],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

impl Store for SqliteStore {
    fn append(&self, batch: &[NewUpdate]) -> Result<Vec<i64>, StoreError> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.writer();
        // Immediate: the fence is read under the write lock, so no claim by
        // another process slips in between the check and the insert.
        let txn = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        check_fences(&txn, batch.iter().map(|u| (u.room.as_str(), u.epoch)))?;
        let mut seqs = Vec::with_capacity(batch.len());
        {
            let mut stmt =
                txn.prepare_cached("INSERT INTO updates (room, bytes) VALUES (?1, ?2)")?;
            for NewUpdate { room, bytes, .. } in batch {
                stmt.execute(params![room, bytes])?;
                seqs.push(txn.last_insert_rowid());
            }
        }
        txn.commit()?;
        Ok(seqs)
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
        let editors = serde_json::to_string(&info.editors).map_err(StoreError::backend)?;
        let images = serde_json::to_string(&info.images).map_err(StoreError::backend)?;
        let mut conn = self.writer();
        let txn = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        check_fences(&txn, [(room, epoch)])?;
        let created_ms = now_ms();
        txn.execute(
            "INSERT INTO snapshots
               (room, created_ms, log_seq, bytes, elements, editors, more_editors, images)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                room,
                created_ms as i64,
                through_seq,
                snapshot,
                i64::try_from(info.elements).unwrap_or(i64::MAX),
                editors,
                info.more_editors,
                images
            ],
        )?;
        let id = txn.last_insert_rowid();
        txn.execute(
            "DELETE FROM updates WHERE room = ?1 AND seq <= ?2",
            params![room, through_seq],
        )?;
        let versions = txn
            .prepare_cached("SELECT id, created_ms FROM snapshots WHERE room = ?1")?
            .query_map(params![room], |row| {
                Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?.max(0) as u64))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        {
            let mut delete =
                txn.prepare_cached("DELETE FROM snapshots WHERE room = ?1 AND id = ?2")?;
            for expired in expired_versions(retention, versions, created_ms) {
                delete.execute(params![room, expired])?;
            }
        }
        collect_images(&txn, room, retention, created_ms)?;
        txn.commit()?;
        Ok(SnapshotMeta {
            id,
            created_ms,
            size: snapshot.len() as u64,
            log_seq: through_seq,
            info: info.clone(),
        })
    }

    fn load(&self, room: &str) -> Result<RoomData, StoreError> {
        let conn = self.reader();
        // One read transaction: the snapshots and the log are seen at one instant.
        conn.execute_batch("BEGIN")?;
        let result = (|| {
            let mut snapshots = Vec::new();
            for meta in history_in(&conn, room)?
                .into_iter()
                .take(limits::RECOVERY_SNAPSHOTS)
            {
                let bytes: Option<Vec<u8>> = conn
                    .query_row(
                        "SELECT bytes FROM snapshots WHERE id = ?1",
                        params![meta.id],
                        |row| row.get(0),
                    )
                    .optional()?;
                if let Some(bytes) = bytes {
                    snapshots.push(StoredSnapshot { meta, bytes });
                }
            }
            let mut stmt =
                conn.prepare_cached("SELECT seq, bytes FROM updates WHERE room = ?1 ORDER BY seq")?;
            let updates = stmt
                .query_map(params![room], |row| {
                    Ok(LoggedUpdate {
                        seq: row.get(0)?,
                        bytes: row.get(1)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(RoomData { snapshots, updates })
        })();
        let _ = conn.execute_batch("COMMIT");
        result
    }

    fn history(&self, room: &str) -> Result<Vec<SnapshotMeta>, StoreError> {
        history_in(&self.reader(), room)
    }

    fn version(&self, room: &str, id: i64) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .reader()
            .query_row(
                "SELECT bytes FROM snapshots WHERE room = ?1 AND id = ?2",
                params![room, id],
                |row| row.get(0),
            )
            .optional()?)
    }

    fn pending_updates(&self, room: &str) -> Result<u64, StoreError> {
        let n: i64 = self.reader().query_row(
            "SELECT COUNT(*) FROM updates WHERE room = ?1",
            params![room],
            |row| row.get(0),
        )?;
        Ok(n.max(0) as u64)
    }

    fn put_image(
        &self,
        room: &str,
        image: NewImage<'_>,
        room_max_bytes: u64,
    ) -> Result<ImagePut, StoreError> {
        let mut conn = self.writer();
        // Immediate: the quota is read under the write lock, so two uploads
        // cannot both fit under it by reading the same total.
        let txn = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if is_deleted(&txn, room)? {
            return Ok(ImagePut::RoomDeleted);
        }
        let now = now_ms() as i64;
        let renewed = txn.execute(
            "UPDATE images SET uploaded_ms = ?3 WHERE room = ?1 AND sha256 = ?2",
            params![room, image.sha256, now],
        )?;
        if renewed == 1 {
            txn.commit()?;
            return Ok(ImagePut::AlreadyStored);
        }
        let stored_bytes = image_bytes_in(&txn, room)?;
        if stored_bytes.saturating_add(image.bytes.len() as u64) > room_max_bytes {
            return Ok(ImagePut::OverQuota { stored_bytes });
        }
        txn.execute(
            "INSERT INTO images (room, sha256, mime, size, uploaded_ms, bytes)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                room,
                image.sha256,
                image.mime,
                image.bytes.len() as i64,
                now,
                image.bytes
            ],
        )?;
        txn.commit()?;
        Ok(ImagePut::Stored)
    }

    fn image(&self, room: &str, sha256: &str) -> Result<Option<StoredImage>, StoreError> {
        Ok(self
            .reader()
            .query_row(
                "SELECT mime, bytes, uploaded_ms FROM images WHERE room = ?1 AND sha256 = ?2",
                params![room, sha256],
                |row| {
                    Ok(StoredImage {
                        mime: row.get(0)?,
                        bytes: row.get(1)?,
                        uploaded_ms: row.get::<_, i64>(2)?.max(0) as u64,
                    })
                },
            )
            .optional()?)
    }

    fn delete_room(&self, room: &str) -> Result<(), StoreError> {
        let mut conn = self.writer();
        let txn = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if is_deleted(&txn, room)? {
            return Ok(());
        }
        txn.execute(
            "INSERT INTO tombstones (room, deleted_ms) VALUES (?1, ?2)",
            params![room, now_ms() as i64],
        )?;
        txn.execute(
            "INSERT INTO leases (room, holder, epoch, expires_ms) VALUES (?1, ?2, 1, ?3)
             ON CONFLICT (room) DO UPDATE SET
                 holder = excluded.holder, epoch = epoch + 1, expires_ms = excluded.expires_ms",
            params![room, DELETED_HOLDER, i64::MAX],
        )?;
        for table in ["updates", "snapshots", "images"] {
            txn.execute(
                &format!("DELETE FROM {table} WHERE room = ?1"),
                params![room],
            )?;
        }
        txn.commit()?;
        Ok(())
    }

    fn deleted(&self, room: &str) -> Result<Option<u64>, StoreError> {
        let deleted_ms: Option<i64> = self
            .reader()
            .query_row(
                "SELECT deleted_ms FROM tombstones WHERE room = ?1",
                params![room],
                |row| row.get(0),
            )
            .optional()?;
        Ok(deleted_ms.map(|ms| ms.max(0) as u64))
    }

    fn rooms_with_images(&self, after: &str, limit: usize) -> Result<Vec<String>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT DISTINCT room FROM images WHERE room > ?1 ORDER BY room LIMIT ?2",
        )?;
        let rooms = stmt
            .query_map(
                params![after, i64::try_from(limit).unwrap_or(i64::MAX)],
                |row| row.get(0),
            )?
            .collect::<Result<_, _>>()?;
        Ok(rooms)
    }

    fn collect_idle_images(&self, room: &str, retention: &Retention) -> Result<Sweep, StoreError> {
        let mut conn = self.writer();
        // Immediate, as a compaction: no keeper claims the room, and no
        // upload renews an image, between the lease check and the delete.
        let txn = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let now = now_ms();
        let kept: Option<i64> = txn
            .query_row(
                "SELECT 1 FROM leases WHERE room = ?1 AND expires_ms > ?2",
                params![room, now as i64],
                |row| row.get(0),
            )
            .optional()?;
        if kept.is_some() {
            return Ok(Sweep::Kept);
        }
        let unfolded: Option<i64> = txn
            .query_row(
                "SELECT 1 FROM updates WHERE room = ?1 LIMIT 1",
                params![room],
                |row| row.get(0),
            )
            .optional()?;
        if unfolded.is_some() {
            return Ok(Sweep::Unfolded);
        }
        let collected = collect_images(&txn, room, retention, now)?;
        txn.commit()?;
        Ok(Sweep::Collected(collected))
    }

    fn claim(&self, room: &str, holder: &str, ttl: Duration) -> Result<Option<Lease>, StoreError> {
        let now = now_ms() as i64;
        let lease = self
            .writer()
            .query_row(
                "INSERT INTO leases AS l (room, holder, epoch, expires_ms) VALUES (?1, ?2, 1, ?3)
                 ON CONFLICT (room) DO UPDATE SET
                     epoch = CASE WHEN l.holder = excluded.holder AND l.expires_ms > ?4
                                  THEN l.epoch ELSE l.epoch + 1 END,
                     holder = excluded.holder,
                     expires_ms = excluded.expires_ms
                 WHERE l.holder = excluded.holder OR l.expires_ms <= ?4
                 RETURNING epoch, expires_ms",
                params![room, holder, expiry(ttl), now],
                |row| {
                    Ok(Lease {
                        epoch: row.get::<_, i64>(0)?.max(0) as u64,
                        expires_ms: row.get::<_, i64>(1)?.max(0) as u64,
                    })
                },
            )
            .optional()?;
        Ok(lease)
    }

    fn renew(
        &self,
        room: &str,
        holder: &str,
        epoch: u64,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let changed = self.writer().execute(
            "UPDATE leases SET expires_ms = ?4 WHERE room = ?1 AND holder = ?2 AND epoch = ?3",
            params![room, holder, epoch as i64, expiry(ttl)],
        )?;
        Ok(changed == 1)
    }

    fn release(&self, room: &str, holder: &str, epoch: u64) -> Result<(), StoreError> {
        self.writer().execute(
            "UPDATE leases SET expires_ms = MIN(expires_ms, ?4)
             WHERE room = ?1 AND holder = ?2 AND epoch = ?3",
            params![room, holder, epoch as i64, now_ms() as i64],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_from_before_version_metadata_is_migrated_and_keeps_its_versions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        {
            // As servers before the migrations left it: the base schema, one
            // snapshot, `user_version` 0.
            let old = Connection::open(&path).unwrap();
            old.execute_batch(SCHEMA).unwrap();
            old.execute(
                "INSERT INTO snapshots (room, created_ms, log_seq, bytes)
                 VALUES ('r', ?1, 0, x'0102')",
                params![now_ms() as i64],
            )
            .unwrap();
        }
        for _ in 0..2 {
            // Opening again finds nothing left to migrate.
            let store = SqliteStore::open_file(&path).unwrap();
            let history = store.history("r").unwrap();
            assert_eq!(history[history.len() - 1].info, VersionInfo::default());
            assert_eq!(
                store.version("r", history[history.len() - 1].id).unwrap(),
                Some(vec![1, 2])
            );
            let info = VersionInfo {
                elements: 1,
                editors: vec!["Ada".into()],
                more_editors: true,
                images: vec!["ab".repeat(32)],
            };
            let new = store
                .compact("r", &[3], 0, 0, &info, &Retention::default())
                .unwrap();
            assert_eq!(store.history("r").unwrap()[0], new);
        }
    }

    #[test]
    fn a_tombstone_survives_a_restart_and_the_readmes_sql_frees_the_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        let epoch = {
            let store = SqliteStore::open_file(&path).unwrap();
            let lease = store
                .claim("r", "keeper-1", Duration::from_secs(60))
                .unwrap()
                .unwrap();
            store.delete_room("r").unwrap();
            lease.epoch
        };
        // A restart voids the leases a killed process left, not a deletion's.
        let store = SqliteStore::open_file(&path).unwrap();
        assert!(store.deleted("r").unwrap().is_some());
        assert_eq!(
            store
                .claim("r", "keeper-2", Duration::from_secs(60))
                .unwrap(),
            None
        );
        // README, "Deleting a board": what an operator runs to free the name.
        store
            .writer()
            .execute_batch(
                "DELETE FROM tombstones WHERE room = 'r';
                 UPDATE leases SET holder = '', expires_ms = 0 WHERE room = 'r';",
            )
            .unwrap();
        assert_eq!(store.deleted("r").unwrap(), None);
        let lease = store
            .claim("r", "keeper-2", Duration::from_secs(60))
            .unwrap()
            .expect("the name is free again");
        assert!(
            lease.epoch > epoch + 1,
            "the deleted board's keeper stays fenced"
        );
    }

    #[test]
    fn a_file_from_a_newer_server_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        drop(SqliteStore::open_file(&path).unwrap());
        Connection::open(&path)
            .unwrap()
            .pragma_update(None, "user_version", 99)
            .unwrap();
        let refused = SqliteStore::open_file(&path).err().expect("refused");
        assert!(
            refused.to_string().contains("newer than this server"),
            "{refused}"
        );
    }
}
