//! Boards of rooms whose keeper is not awake, read for HTTP: the snapshot a
//! page paints first and the SVG an embed shows. Its bounds are in
//! [`crate::limits`].
//!
//! Such a board is rebuilt from storage (the newest snapshot plus the log),
//! which costs time and memory in proportion to the board. So what a rebuild
//! produces is kept for a little while, at most [`COLD_BUILDS`] rebuilds run
//! at once whatever the number of requests, and a request that cannot get a
//! turn within [`COLD_BUILD_WAIT`] is told to come back later.
//!
//! Only keepers write boards. A keeper that wakes or stops calls
//! [`ColdReads::forget`], so a cached view is never older than what storage
//! held when its keeper last stopped; [`COLD_CACHE_TTL`] bounds how stale a
//! view can be should anything else write the store.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::Bytes;
use inkmesh_doc::{Board, BoardOptions, Encoding};
use tokio::sync::Semaphore;

use crate::error::{ApiError, Code};
use crate::limits::{COLD_BUILDS, COLD_BUILD_WAIT, COLD_CACHE_BYTES, COLD_CACHE_TTL};
use crate::recovery::recover;
use crate::stores::Store;
use crate::view_body::ViewBody;

/// What a request wants of a board.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum View {
    /// The whole board as one Yjs v1 update.
    Snapshot,
    Svg,
    /// The render stream (`docs/PROTOCOL.md`): what a page draws before the
    /// snapshot is applied.
    Render,
    /// The render stream of the first view `width` × `height` board px
    /// from the origin (each one of [`FIRST_VIEW_SIDES`], so a board has
    /// few), after the whole stream's record count as a `u32` LE:
    /// [`first_view_parts`] parts them.
    RenderFirst {
        width: u32,
        height: u32,
    },
}

/// The sides a first view may have, board px: a window is rounded up to the
/// next, so each board has at most 25 first views to encode and keep.
pub const FIRST_VIEW_SIDES: [u32; 5] = [256, 512, 1024, 2048, 4096];

impl View {
    pub fn render(self, board: &Board) -> Bytes {
        match self {
            View::Snapshot => Bytes::from(board.encode_state(Encoding::V1)),
            View::Svg => Bytes::from(board.to_svg()),
            View::Render => Bytes::from(board.render_stream()),
            View::RenderFirst { width, height } => {
                let (all, stream) = board.first_view_stream(f64::from(width), f64::from(height));
                let mut body = Vec::with_capacity(4 + stream.len());
                body.extend_from_slice(&all.to_le_bytes());
                body.extend_from_slice(&stream);
                Bytes::from(body)
            }
        }
    }

    /// The first view holding a window of `width` × `height` CSS px at
    /// 100%; `None` for an empty one or one wider or taller than the
    /// largest of [`FIRST_VIEW_SIDES`] (its page draws the whole stream).
    pub fn first_view(width: u32, height: u32) -> Option<View> {
        let side = |px: u32| {
            FIRST_VIEW_SIDES
                .into_iter()
                .find(|&side| px > 0 && px <= side)
        };
        Some(View::RenderFirst {
            width: side(width)?,
            height: side(height)?,
        })
    }
}

/// A [`View::RenderFirst`] body parted: the whole render stream's record
/// count, and the first view's render stream.
pub fn first_view_parts(body: &Bytes) -> (u32, Bytes) {
    let count = body
        .get(..4)
        .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    (count, body.slice(4.min(body.len())..))
}

/// Rendered views of boards read from storage.
pub struct ColdReads {
    store: Arc<dyn Store>,
    cache: Mutex<Cache>,
    builds: Semaphore,
    /// Bumped by every [`ColdReads::forget`]: a rebuild that started before
    /// one may have read what a keeper has since changed, so it is not kept.
    epoch: AtomicU64,
}

#[derive(Default)]
struct Cache {
    views: HashMap<(String, View), Cached>,
    bytes: usize,
}

struct Cached {
    body: ViewBody,
    built: Instant,
}

impl ColdReads {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            cache: Mutex::default(),
            builds: Semaphore::new(COLD_BUILDS),
            epoch: AtomicU64::new(0),
        }
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, Cache> {
        // Every critical section leaves the cache consistent.
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `view` of `room` as storage holds it.
    pub async fn read(&self, room: &str, view: View) -> Result<ViewBody, ApiError> {
        if let Some(body) = self.cached(room, view) {
            return Ok(body);
        }
        let _turn = self.turn().await?;
        // Another request may have built it while this one waited.
        if let Some(body) = self.cached(room, view) {
            return Ok(body);
        }
        let epoch = self.epoch.load(Ordering::Acquire);
        let store = self.store.clone();
        let name = room.to_owned();
        let body = tokio::task::spawn_blocking(move || {
            let data = store
                .load(&name)
                .map_err(|e| ApiError::internal("loading the board failed", e))?;
            let recovered = recover(&name, data, BoardOptions::new("inkmesh-server"));
            Ok::<_, ApiError>(ViewBody::new(view.render(&recovered.board)))
        })
        .await
        .map_err(|e| ApiError::internal("loading the board failed", e))??;
        self.keep(room, view, body.clone(), epoch);
        Ok(body)
    }

    /// Version `id` of `room` (one of its history's), as [`View::Snapshot`]
    /// encodes a board. Not kept: a version is read once to preview it.
    pub async fn version(&self, room: &str, id: i64) -> Result<Bytes, ApiError> {
        let _turn = self.turn().await?;
        let (store, name) = (self.store.clone(), room.to_owned());
        tokio::task::spawn_blocking(move || {
            let bytes = store
                .version(&name, id)
                .map_err(|e| ApiError::internal("reading the version failed", e))?
                .ok_or_else(|| {
                    ApiError::new(
                        Code::NotFound,
                        format!("Room {name} has no version {id}: it may have expired."),
                    )
                })?;
            let board = Board::from_snapshot(&bytes, BoardOptions::new("inkmesh-server"))
                .map_err(|e| ApiError::internal("the stored version is unreadable", e))?;
            Ok(View::Snapshot.render(&board))
        })
        .await
        .map_err(|e| ApiError::internal("reading the version failed", e))?
    }

    /// A turn to rebuild a board, at most [`COLD_BUILDS`] at once; refused
    /// after waiting [`COLD_BUILD_WAIT`].
    async fn turn(&self) -> Result<tokio::sync::SemaphorePermit<'_>, ApiError> {
        tokio::time::timeout(COLD_BUILD_WAIT, self.builds.acquire())
            .await
            .ok()
            .and_then(Result::ok)
            .ok_or_else(|| {
                ApiError::new(
                    Code::Unavailable,
                    "The server is busy reading other boards from storage; try again in a moment.",
                )
            })
    }

    /// Drops what is kept of `room`: its keeper is about to change it.
    pub fn forget(&self, room: &str) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
        let Cache { views, bytes } = &mut *self.cache();
        views.retain(|(of, _), kept| {
            let keep = of != room;
            if !keep {
                *bytes -= kept.body.kept_bytes();
            }
            keep
        });
    }

    fn cached(&self, room: &str, view: View) -> Option<ViewBody> {
        let cache = self.cache();
        cache
            .views
            .get(&(room.to_owned(), view))
            .filter(|c| c.built.elapsed() < COLD_CACHE_TTL)
            .map(|c| c.body.clone())
    }

    /// Keeps a fresh view, making room by dropping expired then oldest views.
    fn keep(&self, room: &str, view: View, body: ViewBody, epoch: u64) {
        if body.kept_bytes() > COLD_CACHE_BYTES / 4 {
            return;
        }
        let mut cache = self.cache();
        if self.epoch.load(Ordering::Acquire) != epoch {
            return;
        }
        let now = Instant::now();
        let Cache { views, bytes } = &mut *cache;
        views.retain(|_, c| {
            let fresh = now.duration_since(c.built) < COLD_CACHE_TTL;
            if !fresh {
                *bytes -= c.body.kept_bytes();
            }
            fresh
        });
        while *bytes + body.kept_bytes() > COLD_CACHE_BYTES {
            let Some(oldest) = views
                .iter()
                .min_by_key(|(_, c)| c.built)
                .map(|(key, _)| key.clone())
            else {
                break;
            };
            if let Some(old) = views.remove(&oldest) {
                *bytes -= old.body.kept_bytes();
            }
        }
        *bytes += body.kept_bytes();
        if let Some(old) = views.insert((room.to_owned(), view), Cached { body, built: now }) {
            *bytes -= old.body.kept_bytes();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stores::{NewUpdate, SqliteStore};
    use inkmesh_doc::NewElement;

    /// Logs, for room `r`, an update adding one rectangle.
    fn log_a_rect(store: &dyn Store, author: &str) {
        let mut board = Board::new(author);
        board.add(NewElement::rect(0.0, 0.0, 5.0, 5.0)).unwrap();
        store
            .append(&[NewUpdate {
                room: "r".to_owned(),
                epoch: 0,
                bytes: board.encode_state(Encoding::V1),
            }])
            .unwrap();
    }

    fn store_with_one_rect(dir: &std::path::Path) -> Arc<dyn Store> {
        let store = SqliteStore::open(dir).unwrap();
        log_a_rect(&store, "u");
        Arc::new(store)
    }

    fn elements(snapshot: &[u8]) -> usize {
        let mut board = Board::new("reader");
        board.apply_remote(snapshot, Encoding::V1).unwrap();
        board.len()
    }

    #[tokio::test]
    async fn a_view_is_built_once_then_served_until_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with_one_rect(dir.path());
        let cold = ColdReads::new(store.clone());
        let first = cold.read("r", View::Snapshot).await.unwrap();
        assert_eq!(elements(first.bytes()), 1);

        // A second rect written behind the cache's back is not seen...
        log_a_rect(store.as_ref(), "v");
        let again = cold.read("r", View::Snapshot).await.unwrap();
        assert_eq!(again.bytes(), first.bytes(), "served from the cache");
        // ...until a keeper says the room changed.
        cold.forget("r");
        let fresh = cold.read("r", View::Snapshot).await.unwrap();
        assert_eq!(elements(fresh.bytes()), 2);
    }

    #[tokio::test]
    async fn the_cache_stays_within_its_byte_budget() {
        let dir = tempfile::tempdir().unwrap();
        let cold = ColdReads::new(store_with_one_rect(dir.path()));
        // Counted with room for its compressed copy: a quarter of the budget.
        let big = ViewBody::new(Bytes::from(vec![0u8; COLD_CACHE_BYTES / 8]));
        for room in 0..10 {
            cold.keep(&format!("room{room}"), View::Svg, big.clone(), 0);
        }
        let cache = cold.cache();
        assert_eq!(cache.views.len(), 4);
        assert_eq!(cache.bytes, COLD_CACHE_BYTES);
        assert_eq!(
            cache.bytes,
            cache
                .views
                .values()
                .map(|c| c.body.kept_bytes())
                .sum::<usize>()
        );
    }
}
