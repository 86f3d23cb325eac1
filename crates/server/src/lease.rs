//! A keeper's lease on its room: claimed before the keeper loads the board,
//! renewed every third of its TTL while the keeper runs, released when it
//! leaves.
//!
//! The lease lives in the store, next to the board (see [`crate::stores`],
//! "Keeper leases and fencing"): its epoch travels with every write the keeper
//! makes ([`crate::persist::LogPosition::leased`]) and the store refuses
//! writes from an older epoch in the write's own transaction. The lease only
//! decides who should keep the room; the fence is what makes a keeper that
//! lost it harmless, however late it notices.
//!
//! On one node nobody else claims, so every claim is granted; a renewal
//! fails only when storage does, and a keeper that stepped down then is
//! replaced once storage answers ([`crate::limits::KEEPER_RESTART_DELAY`]).

use std::sync::Arc;
use std::time::{Duration, Instant};

use tracing::{info, warn};

use crate::limits;
use crate::stores::{Store, StoreError};

/// A granted lease, held by one keeper.
pub struct KeeperLease {
    store: Arc<dyn Store>,
    room: String,
    holder: String,
    epoch: u64,
    ttl: Duration,
    /// When the last successful claim or renewal was sent: the lease lasts
    /// at least `ttl` from then by this process's clock.
    renewed_at: Instant,
}

impl KeeperLease {
    /// Claims `room` for `holder` (the keeper's peer id). While another
    /// keeper's lease is live, tries again every [`limits::KEEPER_LEASE_POLL`]
    /// for up to one TTL: a node restarting after a crash finds its
    /// predecessor's lease, which lapses within that time. `None`: another
    /// keeper held the room all along, or (answered at the first refusal)
    /// the room was deleted and its lease is held for good.
    pub async fn claim(
        store: Arc<dyn Store>,
        room: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<Option<Self>, StoreError> {
        let first = Instant::now();
        let mut waited = false;
        loop {
            let sent = Instant::now();
            let claiming = store.clone();
            let (name, who) = (room.to_owned(), holder.to_owned());
            let granted = tokio::task::spawn_blocking(move || claiming.claim(&name, &who, ttl))
                .await
                .map_err(StoreError::backend)??;
            if let Some(lease) = granted {
                return Ok(Some(Self {
                    store,
                    room: room.to_owned(),
                    holder: holder.to_owned(),
                    epoch: lease.epoch,
                    ttl,
                    renewed_at: sent,
                }));
            }
            if first.elapsed() >= ttl {
                return Ok(None);
            }
            if !waited && deleted(&store, room).await? {
                // The deleted room's lease never lapses: waiting a TTL
                // for it would only delay ending the members.
                return Ok(None);
            }
            if !waited {
                info!(
                    room,
                    "another keeper holds the room's lease; waiting up to {ttl:?} for it to lapse"
                );
                waited = true;
            }
            tokio::time::sleep(limits::KEEPER_LEASE_POLL).await;
        }
    }

    /// The epoch this keeper's writes are fenced by.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// How often to renew: a third of the TTL, so one failed renewal (a
    /// storage hiccup) still leaves time for another before the lease lapses.
    pub fn renew_every(&self) -> Duration {
        self.ttl / 3
    }

    /// Renews the lease. `Err` says why the keeper must step down: the room
    /// has moved to another keeper, or storage could not be reached before the
    /// lease ran out (another node may have taken the room meanwhile). A
    /// failed renewal with time left is only logged; the next one may work.
    pub async fn renew(&mut self) -> Result<(), String> {
        let sent = Instant::now();
        let (store, room, holder) = (self.store.clone(), self.room.clone(), self.holder.clone());
        let (epoch, ttl) = (self.epoch, self.ttl);
        let renewing = tokio::task::spawn_blocking(move || store.renew(&room, &holder, epoch, ttl));
        // Sent even when the lease has lapsed by this clock (the process was
        // paused, say): if nobody claimed the room meanwhile, the epoch still
        // holds and the renewal succeeds. Waiting longer than the lease has
        // left, or one renewal period if it has lapsed, is pointless.
        let wait = self
            .ttl
            .saturating_sub(self.renewed_at.elapsed())
            .max(self.renew_every());
        let failure = match tokio::time::timeout(wait, renewing).await {
            Ok(Ok(Ok(true))) => {
                self.renewed_at = sent;
                return Ok(());
            }
            Ok(Ok(Ok(false))) => {
                return Err(format!(
                    "its lease (epoch {epoch}) was taken over by another keeper"
                ))
            }
            Ok(Ok(Err(e))) => e.to_string(),
            Ok(Err(e)) => e.to_string(),
            Err(_) => "storage did not answer".to_owned(),
        };
        if self.renewed_at.elapsed() < self.ttl {
            warn!(room = %self.room, "renewing the keeper's lease failed, will retry: {failure}");
            Ok(())
        } else {
            Err(format!(
                "its lease could not be renewed within {:?}: {failure}",
                self.ttl
            ))
        }
    }

    /// Ends the lease so the next keeper of the room need not wait for it to
    /// lapse. Failing is harmless: it lapses by itself.
    pub async fn release(self) {
        let Self {
            store,
            room,
            holder,
            epoch,
            ..
        } = self;
        let releasing = room.clone();
        let released =
            tokio::task::spawn_blocking(move || store.release(&releasing, &holder, epoch)).await;
        if let Ok(Err(e)) = released {
            warn!(
                room,
                "releasing the keeper's lease failed; it lapses by itself: {e}"
            );
        }
    }
}

/// Whether `room` has a tombstone ([`Store::deleted`]).
async fn deleted(store: &Arc<dyn Store>, room: &str) -> Result<bool, StoreError> {
    let (store, name) = (store.clone(), room.to_owned());
    Ok(tokio::task::spawn_blocking(move || store.deleted(&name))
        .await
        .map_err(StoreError::backend)??
        .is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stores::MemoryStore;

    #[tokio::test]
    async fn a_deleted_room_is_refused_at_once_not_after_a_ttl() {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        store.delete_room("gone").unwrap();
        let ttl = Duration::from_secs(600);
        let claimed = tokio::time::timeout(
            Duration::from_secs(5),
            KeeperLease::claim(store, "gone", "keeper-2", ttl),
        )
        .await
        .expect("answered without waiting for a lease that never lapses")
        .unwrap();
        assert!(claimed.is_none());
    }
}
