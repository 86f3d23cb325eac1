//! Image uploads in progress per room, at most [`IMAGE_UPLOADS_PER_ROOM`]:
//! the server-wide places ([`crate::limits::IMAGE_UPLOADS`]) are few, so one
//! room's uploads (one person's, a script's) cannot take them all and make
//! every other room wait.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

#[cfg(doc)]
use crate::limits::IMAGE_UPLOADS_PER_ROOM;

/// How many uploads each room has in progress. Rooms without one have no
/// entry, so the map holds at most one entry per upload in progress.
pub struct RoomUploads {
    most: usize,
    in_progress: Mutex<HashMap<String, usize>>,
}

/// A room's place for one upload, given back when dropped.
pub struct RoomUpload {
    rooms: Arc<RoomUploads>,
    room: String,
}

impl RoomUploads {
    /// At most `most` uploads in progress per room.
    pub fn new(most: usize) -> Arc<Self> {
        Arc::new(Self {
            most,
            in_progress: Mutex::new(HashMap::new()),
        })
    }

    /// A place for an upload to `room`, or `None` while the room has `most`
    /// in progress already.
    pub fn try_take(self: &Arc<Self>, room: &str) -> Option<RoomUpload> {
        let mut in_progress = self.lock();
        let count = in_progress.get(room).copied().unwrap_or(0);
        if count >= self.most {
            return None;
        }
        in_progress.insert(room.to_owned(), count + 1);
        Some(RoomUpload {
            rooms: self.clone(),
            room: room.to_owned(),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, usize>> {
        // The counts stay whole whatever panicked: each change is one step.
        self.in_progress
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for RoomUpload {
    fn drop(&mut self) {
        let mut in_progress = self.rooms.lock();
        if let Some(count) = in_progress.get_mut(&self.room) {
            *count -= 1;
            if *count == 0 {
                in_progress.remove(&self.room);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_room_has_at_most_its_places_and_gets_them_back() {
        let rooms = RoomUploads::new(2);
        let first = rooms.try_take("r").expect("a first place");
        let second = rooms.try_take("r").expect("a second place");
        assert!(rooms.try_take("r").is_none(), "no third");
        let other = rooms.try_take("s").expect("another room has its own");
        drop(first);
        let again = rooms.try_take("r").expect("a place given back");
        drop((second, other, again));
        assert!(rooms.lock().is_empty(), "no entry outlives its uploads");
    }
}
