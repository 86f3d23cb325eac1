//! A store in memory: for unit tests and benchmarks that need a [`Store`]
//! without a file or a server. It keeps the contract (sequence numbers,
//! compaction through a sequence number, kept history) but nothing survives
//! the process.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use super::{now_ms, LoggedUpdate, RoomData, SnapshotMeta, Store, StoreError, StoredSnapshot};

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
    fn append(&self, batch: &[(String, Vec<u8>)]) -> Result<Vec<i64>, StoreError> {
        let mut state = self.state();
        let mut seqs = Vec::with_capacity(batch.len());
        for (room, bytes) in batch {
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
        keep: usize,
    ) -> Result<SnapshotMeta, StoreError> {
        let mut state = self.state();
        state.last_snapshot_id += 1;
        let meta = SnapshotMeta {
            id: state.last_snapshot_id,
            created_ms: now_ms(),
            size: snapshot.len() as u64,
            log_seq: through_seq,
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
        data.snapshots.truncate(keep.max(1));
        Ok(meta)
    }

    fn load(&self, room: &str) -> Result<RoomData, StoreError> {
        Ok(self.state().rooms.get(room).cloned().unwrap_or_default())
    }

    fn history(&self, room: &str) -> Result<Vec<SnapshotMeta>, StoreError> {
        Ok(self.state().rooms.get(room).map_or_else(Vec::new, |data| {
            data.snapshots.iter().map(|s| s.meta.clone()).collect()
        }))
    }

    fn pending_updates(&self, room: &str) -> Result<u64, StoreError> {
        Ok(self
            .state()
            .rooms
            .get(room)
            .map_or(0, |data| data.updates.len() as u64))
    }
}
