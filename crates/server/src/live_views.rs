//! Views of boards whose keeper is awake, kept per board revision: every
//! joiner of a big board asks for its render stream and snapshot, and
//! encoding them reads the whole board (hundreds of milliseconds for 10,000
//! strokes). The first request after a change encodes; the others get the
//! same bytes at once, and the same compressed copy ([`ViewBody`]). Bounded by
//! [`LIVE_VIEW_BYTES`], least recently used out.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

use inkmesh_doc::Board;

use crate::cold::View;
use crate::limits::LIVE_VIEW_BYTES;
use crate::view_body::ViewBody;

/// A keeper's board and its revision: a count of the transactions committed
/// on it, bumped by the keeper's update observer, so a view encoded at one
/// revision is current while the count has not moved.
#[derive(Clone)]
pub struct LiveBoard {
    pub board: Arc<Mutex<Board>>,
    pub revision: Arc<AtomicU64>,
}

/// Encoded views of live boards.
#[derive(Default)]
pub struct LiveViews {
    cache: Mutex<Cache>,
}

#[derive(Default)]
struct Cache {
    views: HashMap<(String, View), Kept>,
    bytes: usize,
    /// Bumped by every hit and insert: orders entries by last use.
    clock: u64,
}

struct Kept {
    /// Which board it was encoded from: a keeper that restarts has a new one,
    /// whose revisions count from zero again.
    board: Weak<Mutex<Board>>,
    revision: u64,
    body: ViewBody,
    used: u64,
}

impl LiveViews {
    fn cache(&self) -> std::sync::MutexGuard<'_, Cache> {
        // Every critical section leaves the cache consistent.
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `view` of `live` as it is now: kept bytes if the board has not changed
    /// since they were encoded, else freshly encoded (blocking: call it off
    /// the async runtime).
    pub fn read(&self, room: &str, view: View, live: &LiveBoard) -> ViewBody {
        if let Some(body) = self.kept(room, view, live) {
            return body;
        }
        let board = live.board.lock().unwrap_or_else(|e| e.into_inner());
        // Read before encoding: a change that lands meanwhile bumps the count
        // past this, so the kept bytes are at worst newer than their revision
        // says, and the next read encodes again.
        let revision = live.revision.load(Ordering::Acquire);
        let body = ViewBody::new(view.render(&board));
        drop(board);
        self.keep(room, view, live, revision, body.clone());
        body
    }

    fn kept(&self, room: &str, view: View, live: &LiveBoard) -> Option<ViewBody> {
        let mut cache = self.cache();
        let clock = cache.clock + 1;
        let kept = cache.views.get_mut(&(room.to_owned(), view))?;
        let current = kept.board.as_ptr() == Arc::as_ptr(&live.board)
            && kept.revision == live.revision.load(Ordering::Acquire);
        if !current {
            return None;
        }
        kept.used = clock;
        let body = kept.body.clone();
        cache.clock = clock;
        Some(body)
    }

    /// Keeps `body`, making room by dropping the least recently used views.
    fn keep(&self, room: &str, view: View, live: &LiveBoard, revision: u64, body: ViewBody) {
        let mut cache = self.cache();
        let key = (room.to_owned(), view);
        if let Some(old) = cache.views.remove(&key) {
            cache.bytes -= old.body.kept_bytes();
        }
        if body.kept_bytes() > LIVE_VIEW_BYTES / 4 {
            return;
        }
        let Cache {
            views,
            bytes,
            clock,
        } = &mut *cache;
        while *bytes + body.kept_bytes() > LIVE_VIEW_BYTES {
            let Some(oldest) = views
                .iter()
                .min_by_key(|(_, k)| k.used)
                .map(|(key, _)| key.clone())
            else {
                break;
            };
            if let Some(old) = views.remove(&oldest) {
                *bytes -= old.body.kept_bytes();
            }
        }
        *clock += 1;
        *bytes += body.kept_bytes();
        views.insert(
            key,
            Kept {
                board: Arc::downgrade(&live.board),
                revision,
                body,
                used: *clock,
            },
        );
    }

    /// Drops what is kept of `room`: its keeper stopped, so no read can
    /// hit it again and its memory is better spent elsewhere.
    pub fn forget(&self, room: &str) {
        let Cache { views, bytes, .. } = &mut *self.cache();
        views.retain(|(of, _), kept| {
            let keep = of != room;
            if !keep {
                *bytes -= kept.body.kept_bytes();
            }
            keep
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Bytes;
    use inkmesh_doc::{decode_render_stream, NewElement, UpdateSubscription};

    /// A board with a revision counted the way a keeper counts it.
    fn live_board() -> (LiveBoard, UpdateSubscription) {
        let board = Board::new("keeper");
        let revision = Arc::new(AtomicU64::new(0));
        let counted = revision.clone();
        let subscription = board.observe_updates(move |_, _| {
            counted.fetch_add(1, Ordering::Release);
        });
        let live = LiveBoard {
            board: Arc::new(Mutex::new(board)),
            revision,
        };
        (live, subscription)
    }

    fn draw_rect(live: &LiveBoard, x: f64) -> String {
        live.board
            .lock()
            .unwrap()
            .add(NewElement::rect(x, 0.0, 5.0, 5.0))
            .unwrap()
    }

    fn fresh(live: &LiveBoard) -> Vec<u8> {
        live.board.lock().unwrap().render_stream()
    }

    #[test]
    fn a_kept_stream_equals_a_fresh_one_until_the_board_changes() {
        let (live, _subscription) = live_board();
        let views = LiveViews::default();
        draw_rect(&live, 0.0);

        let first = views.read("r", View::Render, &live);
        assert_eq!(first.bytes(), &fresh(&live));
        let again = views.read("r", View::Render, &live);
        assert_eq!(
            again.bytes().as_ptr(),
            first.bytes().as_ptr(),
            "served the kept bytes"
        );

        draw_rect(&live, 10.0);
        let after = views.read("r", View::Render, &live);
        assert_eq!(after.bytes(), &fresh(&live));
        assert_eq!(decode_render_stream(after.bytes()).unwrap().len(), 2);
    }

    #[test]
    fn a_compressed_copy_is_made_once_per_revision() {
        let (live, _subscription) = live_board();
        let views = LiveViews::default();
        for x in 0..50 {
            draw_rect(&live, f64::from(x) * 10.0);
        }
        let copy = views.read("r", View::Snapshot, &live).brotli();
        let copy = copy.expect("a board's snapshot compresses");

        let kept = views.read("r", View::Snapshot, &live);
        assert_eq!(
            kept.brotli_made().flatten().map(|b| b.as_ptr()),
            Some(copy.as_ptr()),
            "the next reader is served the copy already made"
        );

        draw_rect(&live, 1000.0);
        let changed = views.read("r", View::Snapshot, &live);
        assert_eq!(
            changed.brotli_made(),
            None,
            "a changed board's view has no copy yet"
        );
    }

    #[test]
    fn a_restarted_keepers_board_is_not_served_an_old_view() {
        let (old, _old_subscription) = live_board();
        let views = LiveViews::default();
        draw_rect(&old, 0.0);
        views.read("r", View::Render, &old);

        // A new keeper's board: same room, same revision count, other content.
        let (new, _new_subscription) = live_board();
        draw_rect(&new, 10.0);
        assert_eq!(
            new.revision.load(Ordering::Acquire),
            old.revision.load(Ordering::Acquire)
        );
        let read = views.read("r", View::Render, &new);
        assert_eq!(read.bytes(), &fresh(&new));
    }

    #[test]
    fn kept_views_stay_within_their_byte_budget_least_recently_used_out() {
        let (live, _subscription) = live_board();
        let views = LiveViews::default();
        // Counted with room for its compressed copy: a quarter of the budget.
        let quarter = ViewBody::new(Bytes::from(vec![0u8; LIVE_VIEW_BYTES / 8]));
        for room in 0..4 {
            views.keep(&format!("room{room}"), View::Svg, &live, 0, quarter.clone());
        }
        // room0 is used, so room1 is the least recently used.
        assert!(views.kept("room0", View::Svg, &live).is_some());
        views.keep("room4", View::Svg, &live, 0, quarter.clone());
        let cache = views.cache();
        assert_eq!(cache.bytes, LIVE_VIEW_BYTES);
        assert_eq!(
            cache.bytes,
            cache
                .views
                .values()
                .map(|k| k.body.kept_bytes())
                .sum::<usize>()
        );
        let rooms: std::collections::BTreeSet<_> =
            cache.views.keys().map(|(room, _)| room.as_str()).collect();
        assert_eq!(
            rooms,
            ["room0", "room2", "room3", "room4"].into_iter().collect()
        );
    }
}
