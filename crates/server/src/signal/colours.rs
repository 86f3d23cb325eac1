//! Members' colours: distinct within a room while it has fewer people than
//! the palette has colours, and the same for a person across reconnects.
//!
//! The hub picks a joining member's colour from the colours its room's other
//! members hold: the one this user had last time in this room if nobody holds
//! it now, else the first free one in palette order, and only when every
//! colour is taken one by a hash of the user id (so a crowded room still
//! spreads them). What each user had is remembered per room, up to
//! [`COLOUR_MEMORY`](crate::limits::COLOUR_MEMORY) entries.
//!
//! The order of preference is a [`ColourChoice`], so that whoever sees the
//! room's members can apply it: the hub, from the members it knows, and a
//! cluster's bus, from every node's members at the moment it admits the
//! member (the Redis bus does so in its join script). The palette and the
//! pick live in the transport crate, so that its in-memory hub hands out the
//! same colours by the same rule; what this module adds is the memory.

use std::collections::{HashMap, VecDeque};

pub use inkmesh_transport::signaling::colours::{hashed_colour, ColourChoice, PALETTE};

/// A user in a room: whose colour is remembered.
type Seat = (String, String);

/// The colour each user last had in each room, the oldest forgotten first.
pub struct ColourMemory {
    last: HashMap<Seat, &'static str>,
    /// Seats in the order they were first remembered, for forgetting.
    order: VecDeque<Seat>,
    capacity: usize,
}

impl ColourMemory {
    /// Remembers at most `capacity` users' colours (0: none).
    pub fn new(capacity: usize) -> Self {
        Self {
            last: HashMap::new(),
            order: VecDeque::new(),
            capacity,
        }
    }

    /// The colours `user` joining `room` may get, best first.
    pub fn choice(&self, room: &str, user: &str) -> ColourChoice {
        let last = self.last.get(&(room.to_owned(), user.to_owned())).copied();
        let rest = PALETTE.iter().copied().filter(|c| Some(*c) != last);
        ColourChoice {
            preference: last.into_iter().chain(rest).collect(),
            fallback: hashed_colour(user),
        }
    }

    /// Remembers that `user` got `colour` in `room` (one of the palette's;
    /// anything else is not remembered).
    pub fn remember(&mut self, room: &str, user: &str, colour: &str) {
        let Some(colour) = PALETTE.iter().copied().find(|c| *c == colour) else {
            return;
        };
        if self.capacity == 0 {
            return;
        }
        let seat = (room.to_owned(), user.to_owned());
        if let Some(last) = self.last.get_mut(&seat) {
            *last = colour;
            return;
        }
        while self.order.len() >= self.capacity {
            if let Some(oldest) = self.order.pop_front() {
                self.last.remove(&oldest);
            }
        }
        self.order.push_back(seat.clone());
        self.last.insert(seat, colour);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    /// Picks for `user` in `room` and remembers it, as the hub does.
    fn join(
        memory: &mut ColourMemory,
        room: &str,
        user: &str,
        taken: &HashSet<&str>,
    ) -> &'static str {
        let colour = memory.choice(room, user).pick(taken);
        memory.remember(room, user, colour);
        colour
    }

    #[test]
    fn a_full_room_falls_back_to_the_hash_and_memory_stays_bounded() {
        let mut memory = ColourMemory::new(2);
        let all: HashSet<&str> = PALETTE.iter().copied().collect();
        assert_eq!(join(&mut memory, "r", "u", &all), hashed_colour("u"));
        join(&mut memory, "r", "a", &HashSet::new());
        join(&mut memory, "r", "b", &HashSet::new());
        assert_eq!(memory.last.len(), 2);
        assert!(!memory.last.contains_key(&("r".into(), "u".into())));
        memory.remember("r", "c", "#123456");
        assert!(
            !memory.last.contains_key(&("r".into(), "c".into())),
            "not a palette colour"
        );
    }

    #[test]
    fn a_remembered_colour_someone_else_holds_gives_way_to_the_first_free_one() {
        let mut memory = ColourMemory::new(8);
        let none = HashSet::new();
        assert_eq!(join(&mut memory, "r", "a", &none), PALETTE[0]);
        let taken: HashSet<&str> = [PALETTE[0]].into();
        assert_eq!(join(&mut memory, "r", "a", &taken), PALETTE[1]);
        // The last one is preferred, then the palette in order.
        let choice = memory.choice("r", "a");
        assert_eq!(choice.preference[..3], [PALETTE[1], PALETTE[0], PALETTE[2]]);
        assert_eq!(choice.preference.len(), PALETTE.len());
        // Remembered per room: another room starts from the palette's first.
        assert_eq!(join(&mut memory, "s", "a", &none), PALETTE[0]);
    }
}
