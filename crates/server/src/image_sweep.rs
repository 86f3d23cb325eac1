//! The image sweep: one background task that collects, every
//! `--image-sweep-secs`, the images no kept version of their room references
//! once their grace has passed ([`Store::collect_idle_images`]), in rooms
//! nobody is editing. Compaction collects the same way, but only while a
//! room is edited: without the sweep a room that went quiet would keep its
//! unreferenced uploads until someone edits it again.
//!
//! A room with a live keeper lease anywhere in the cluster is skipped (its
//! keeper's compactions collect), and so is a room with log rows no kept
//! version contains yet ([`Sweep::Unfolded`]): an image only they reference
//! would look unreferenced. Each pass visits at most
//! [`IMAGE_SWEEP_ROOMS`] rooms and the next goes on after the last one, so
//! the work per pass is bounded however many rooms there are. Every node
//! sweeps; two nodes sweeping one room collect it once (the delete is a
//! transaction, and PostgreSQL's takes the uploads' advisory lock, as
//! compaction does).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tracing::{info, warn};

use crate::limits::IMAGE_SWEEP_ROOMS;
use crate::metrics::Metrics;
use crate::retention::Retention;
use crate::stores::{Store, StoreError, Sweep};

/// The running sweep; [`ImageSweep::stop`] ends it.
pub struct ImageSweep {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl ImageSweep {
    /// Sweeps every `every`, the first pass one period from now.
    pub fn start(
        store: Arc<dyn Store>,
        retention: Retention,
        every: Duration,
        metrics: Arc<Metrics>,
    ) -> Self {
        let (stop, mut stopped) = oneshot::channel();
        let task = tokio::spawn(async move {
            let every = every.max(Duration::from_millis(1));
            let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut cursor = String::new();
            loop {
                tokio::select! {
                    _ = &mut stopped => return,
                    _ = ticks.tick() => {}
                }
                let store = store.clone();
                let pass = tokio::task::spawn_blocking(move || {
                    let collected = sweep_pass(&*store, &retention, &mut cursor);
                    (collected, cursor)
                });
                // A pass in progress finishes before the sweep stops: each
                // room is one short transaction, and there are few per pass.
                let (collected, next) = match pass.await {
                    Ok(done) => done,
                    Err(e) => {
                        warn!("the image sweep's pass failed: {e}");
                        (Ok(0), String::new())
                    }
                };
                cursor = next;
                match collected {
                    Ok(0) => {}
                    Ok(n) => {
                        metrics.images_swept.inc_by(n);
                        info!(collected = n, "image sweep collected unreferenced images");
                    }
                    Err(e) => warn!("the image sweep failed, will try next pass: {e}"),
                }
            }
        });
        Self { stop, task }
    }

    /// Ends the sweep, waiting for a pass in progress.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

/// One pass: the next [`IMAGE_SWEEP_ROOMS`] rooms with images after
/// `cursor`, each collected unless it is being edited. Moves `cursor` on,
/// back to the start after the last room. Answers how many images were
/// collected. Storage unavailable ends the pass where it is; any other
/// failure of one room is logged and the room skipped.
pub fn sweep_pass(
    store: &dyn Store,
    retention: &Retention,
    cursor: &mut String,
) -> Result<u64, StoreError> {
    let rooms = store.rooms_with_images(cursor, IMAGE_SWEEP_ROOMS)?;
    let mut collected = 0;
    for room in &rooms {
        match store.collect_idle_images(room, retention) {
            Ok(Sweep::Collected(n)) => collected += n,
            Ok(Sweep::Kept | Sweep::Unfolded) => {}
            // Storage away: the next pass starts from this room again.
            Err(e @ StoreError::Unavailable(_)) => return Err(e),
            // A room the store fails on every time must not stall the sweep
            // of all the rooms after it: skipped, and the next cycle retries.
            Err(e) => warn!(
                room,
                "the image sweep skipped a room it could not collect: {e}"
            ),
        }
        cursor.clone_from(room);
    }
    if rooms.len() < IMAGE_SWEEP_ROOMS {
        cursor.clear();
    }
    Ok(collected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stores::{MemoryStore, NewImage};

    fn put(store: &MemoryStore, room: &str) {
        let image = NewImage {
            sha256: "ab",
            mime: "image/png",
            bytes: b"x",
        };
        store.put_image(room, image, u64::MAX).unwrap();
    }

    #[test]
    fn a_pass_visits_a_bounded_page_and_the_next_goes_on() {
        let store = MemoryStore::new();
        let rooms: Vec<String> = (0..IMAGE_SWEEP_ROOMS + 3)
            .map(|i| format!("r{i:04}"))
            .collect();
        for room in &rooms {
            put(&store, room);
        }
        let collect_all = Retention {
            image_grace: Duration::ZERO,
            ..Retention::default()
        };
        let mut cursor = String::new();
        let first = sweep_pass(&store, &collect_all, &mut cursor).unwrap();
        assert_eq!(first, IMAGE_SWEEP_ROOMS as u64);
        assert_eq!(cursor, rooms[IMAGE_SWEEP_ROOMS - 1]);
        assert_eq!(sweep_pass(&store, &collect_all, &mut cursor).unwrap(), 3);
        assert_eq!(cursor, "", "after the last room, the next pass starts over");
        assert!(store.rooms_with_images("", usize::MAX).unwrap().is_empty());
    }

    #[test]
    fn a_room_the_store_fails_on_is_skipped_and_the_rest_are_swept() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::stores::SqliteStore::open(dir.path()).unwrap();
        for room in ["a", "broken", "c"] {
            let image = NewImage {
                sha256: "ab",
                mime: "image/png",
                bytes: b"x",
            };
            store.put_image(room, image, u64::MAX).unwrap();
        }
        // A row the store cannot read: every collection of the room fails.
        rusqlite::Connection::open(dir.path().join(crate::stores::sqlite::DB_FILE))
            .unwrap()
            .execute(
                "UPDATE images SET uploaded_ms = 'not a time' WHERE room = 'broken'",
                [],
            )
            .unwrap();
        let collect_all = Retention {
            image_grace: Duration::ZERO,
            ..Retention::default()
        };
        let mut cursor = String::new();
        assert_eq!(sweep_pass(&store, &collect_all, &mut cursor).unwrap(), 2);
        assert_eq!(cursor, "", "the pass went past the broken room to the end");
        assert_eq!(store.rooms_with_images("", 10).unwrap(), ["broken"]);
    }

    #[test]
    fn a_room_with_a_live_lease_is_left_to_its_keeper() {
        let store = MemoryStore::new();
        put(&store, "kept");
        put(&store, "quiet");
        store
            .claim("kept", "keeper-1", Duration::from_secs(60))
            .unwrap()
            .unwrap();
        let collect_all = Retention {
            image_grace: Duration::ZERO,
            ..Retention::default()
        };
        assert_eq!(
            sweep_pass(&store, &collect_all, &mut String::new()).unwrap(),
            1
        );
        assert_eq!(store.rooms_with_images("", 10).unwrap(), ["kept"]);
    }
}
