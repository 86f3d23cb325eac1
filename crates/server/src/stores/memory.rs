//! A store in memory: for unit tests and benchmarks that need a [`Store`]
//! without a file or a server. It keeps the contract (sequence numbers,
//! compaction through a sequence number, kept history) but nothing survives
//! the process.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};

use std::time::Duration;

use super::{
    expired_versions, first_fenced, image_collectable, now_ms, ImagePut, Lease, LoggedUpdate,
    NewImage, NewUpdate, RoomData, SnapshotMeta, Store, StoreError, StoredImage, StoredSnapshot,
    Sweep, VersionInfo, DELETED_HOLDER,
};
use crate::limits;
use crate::retention::Retention;

/// Rooms in memory behind one lock.
#[derive(Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    rooms: HashMap<String, RoomData>,
    /// The last sequence number and snapshot id handed out (store-wide, as a
    /// database sequence would).
    last_seq: i64,
    last_snapshot_id: i64,
    /// Keeper leases by room, judged by this process's clock.
    leases: HashMap<String, LeaseRow>,
    /// Images by room, then by SHA-256.
    images: HashMap<String, HashMap<String, StoredImage>>,
    /// Deleted rooms, and when.
    tombstones: HashMap<String, u64>,
}

struct LeaseRow {
    holder: String,
    epoch: u64,
    expires_ms: u64,
}

impl State {
    fn epoch(&self, room: &str) -> u64 {
        self.leases.get(room).map_or(0, |lease| lease.epoch)
    }

    /// Deletes `room`'s images that no kept version references and that are
    /// past the grace at `now_ms`; answers how many.
    fn collect_images(&mut self, room: &str, retention: &Retention, now_ms: u64) -> u64 {
        let referenced: HashSet<&String> = self
            .rooms
            .get(room)
            .into_iter()
            .flat_map(|data| data.snapshots.iter())
            .flat_map(|s| s.meta.info.images.iter())
            .collect();
        let Some(images) = self.images.get_mut(room) else {
            return 0;
        };
        let before = images.len();
        images.retain(|sha256, image| {
            referenced.contains(sha256) || !image_collectable(retention, image.uploaded_ms, now_ms)
        });
        let collected = (before - images.len()) as u64;
        if images.is_empty() {
            self.images.remove(room);
        }
        collected
    }
}

/// `ttl` from now, in milliseconds since the Unix epoch.
fn expiry(ttl: Duration) -> u64 {
    now_ms().saturating_add(ttl.as_millis() as u64)
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // Every change below is complete before the lock is released.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Store for MemoryStore {
    fn append(&self, batch: &[NewUpdate]) -> Result<Vec<i64>, StoreError> {
        let mut state = self.state();
        first_fenced(batch.iter().map(|u| (u.room.as_str(), u.epoch)), |room| {
            state.epoch(room)
        })?;
        let mut seqs = Vec::with_capacity(batch.len());
        for NewUpdate { room, bytes, .. } in batch {
            state.last_seq += 1;
            let seq = state.last_seq;
            state
                .rooms
                .entry(room.clone())
                .or_default()
                .updates
                .push(LoggedUpdate {
                    seq,
                    bytes: bytes.clone(),
                });
            seqs.push(seq);
        }
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
        let mut state = self.state();
        first_fenced([(room, epoch)], |room| state.epoch(room))?;
        state.last_snapshot_id += 1;
        let meta = SnapshotMeta {
            id: state.last_snapshot_id,
            created_ms: now_ms(),
            size: snapshot.len() as u64,
            log_seq: through_seq,
            info: info.clone(),
        };
        let data = state.rooms.entry(room.to_owned()).or_default();
        data.updates.retain(|u| u.seq > through_seq);
        data.snapshots.insert(
            0,
            StoredSnapshot {
                meta: meta.clone(),
                bytes: snapshot.to_vec(),
            },
        );
        let expired = expired_versions(
            retention,
            data.snapshots
                .iter()
                .map(|s| (s.meta.id, s.meta.created_ms)),
            meta.created_ms,
        );
        data.snapshots.retain(|s| !expired.contains(&s.meta.id));
        state.collect_images(room, retention, meta.created_ms);
        Ok(meta)
    }

    fn load(&self, room: &str) -> Result<RoomData, StoreError> {
        Ok(self
            .state()
            .rooms
            .get(room)
            .map_or_else(RoomData::default, |data| RoomData {
                snapshots: data.snapshots[..data.snapshots.len().min(limits::RECOVERY_SNAPSHOTS)]
                    .to_vec(),
                updates: data.updates.clone(),
            }))
    }

    fn history(&self, room: &str) -> Result<Vec<SnapshotMeta>, StoreError> {
        Ok(self.state().rooms.get(room).map_or_else(Vec::new, |data| {
            data.snapshots.iter().map(|s| s.meta.clone()).collect()
        }))
    }

    fn version(&self, room: &str, id: i64) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.state().rooms.get(room).and_then(|data| {
            data.snapshots
                .iter()
                .find(|s| s.meta.id == id)
                .map(|s| s.bytes.clone())
        }))
    }

    fn pending_updates(&self, room: &str) -> Result<u64, StoreError> {
        Ok(self
            .state()
            .rooms
            .get(room)
            .map_or(0, |data| data.updates.len() as u64))
    }

    fn put_image(
        &self,
        room: &str,
        image: NewImage<'_>,
        room_max_bytes: u64,
    ) -> Result<ImagePut, StoreError> {
        let mut state = self.state();
        if state.tombstones.contains_key(room) {
            return Ok(ImagePut::RoomDeleted);
        }
        let images = state.images.entry(room.to_owned()).or_default();
        if let Some(stored) = images.get_mut(image.sha256) {
            stored.uploaded_ms = now_ms();
            return Ok(ImagePut::AlreadyStored);
        }
        let stored_bytes: u64 = images.values().map(|i| i.bytes.len() as u64).sum();
        if stored_bytes.saturating_add(image.bytes.len() as u64) > room_max_bytes {
            return Ok(ImagePut::OverQuota { stored_bytes });
        }
        images.insert(
            image.sha256.to_owned(),
            StoredImage {
                mime: image.mime.to_owned(),
                bytes: image.bytes.to_vec(),
                uploaded_ms: now_ms(),
            },
        );
        Ok(ImagePut::Stored)
    }

    fn image(&self, room: &str, sha256: &str) -> Result<Option<StoredImage>, StoreError> {
        Ok(self
            .state()
            .images
            .get(room)
            .and_then(|images| images.get(sha256))
            .cloned())
    }

    fn claim(&self, room: &str, holder: &str, ttl: Duration) -> Result<Option<Lease>, StoreError> {
        let mut state = self.state();
        let now = now_ms();
        let expires_ms = expiry(ttl);
        let lease = match state.leases.get_mut(room) {
            None => {
                state.leases.insert(
                    room.to_owned(),
                    LeaseRow {
                        holder: holder.to_owned(),
                        epoch: 1,
                        expires_ms,
                    },
                );
                Lease {
                    epoch: 1,
                    expires_ms,
                }
            }
            Some(row) if row.holder == holder && row.expires_ms > now => {
                row.expires_ms = expires_ms;
                Lease {
                    epoch: row.epoch,
                    expires_ms,
                }
            }
            Some(row) if row.expires_ms <= now => {
                row.holder = holder.to_owned();
                row.epoch += 1;
                row.expires_ms = expires_ms;
                Lease {
                    epoch: row.epoch,
                    expires_ms,
                }
            }
            Some(_) => return Ok(None),
        };
        Ok(Some(lease))
    }

    fn renew(
        &self,
        room: &str,
        holder: &str,
        epoch: u64,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let mut state = self.state();
        match state.leases.get_mut(room) {
            Some(row) if row.holder == holder && row.epoch == epoch => {
                row.expires_ms = expiry(ttl);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    fn release(&self, room: &str, holder: &str, epoch: u64) -> Result<(), StoreError> {
        let mut state = self.state();
        if let Some(row) = state.leases.get_mut(room) {
            if row.holder == holder && row.epoch == epoch {
                row.expires_ms = row.expires_ms.min(now_ms());
            }
        }
        Ok(())
    }

    fn delete_room(&self, room: &str) -> Result<(), StoreError> {
        let mut state = self.state();
        if state.tombstones.contains_key(room) {
            return Ok(());
        }
        let epoch = state.epoch(room) + 1;
        state.leases.insert(
            room.to_owned(),
            LeaseRow {
                holder: DELETED_HOLDER.to_owned(),
                epoch,
                expires_ms: u64::MAX,
            },
        );
        state.rooms.remove(room);
        state.images.remove(room);
        state.tombstones.insert(room.to_owned(), now_ms());
        Ok(())
    }

    fn deleted(&self, room: &str) -> Result<Option<u64>, StoreError> {
        Ok(self.state().tombstones.get(room).copied())
    }

    fn rooms_with_images(&self, after: &str, limit: usize) -> Result<Vec<String>, StoreError> {
        let state = self.state();
        let mut rooms: Vec<&String> = state
            .images
            .iter()
            .filter(|(room, images)| room.as_str() > after && !images.is_empty())
            .map(|(room, _)| room)
            .collect();
        rooms.sort_unstable();
        Ok(rooms.into_iter().take(limit).cloned().collect())
    }

    fn collect_idle_images(&self, room: &str, retention: &Retention) -> Result<Sweep, StoreError> {
        let mut state = self.state();
        let now = now_ms();
        if state.leases.get(room).is_some_and(|l| l.expires_ms > now) {
            return Ok(Sweep::Kept);
        }
        if state
            .rooms
            .get(room)
            .is_some_and(|data| !data.updates.is_empty())
        {
            return Ok(Sweep::Unfolded);
        }
        Ok(Sweep::Collected(state.collect_images(room, retention, now)))
    }
}
