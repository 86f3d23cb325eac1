//! Members' colours: distinct within a room while it has fewer people than
//! the palette has colours, and the same for a person across reconnects.
//!
//! The hub picks a joining member's colour from the colours its room's other
//! members hold: the one this user had last time in this room if nobody holds
//! it now, else the first free one in palette order, and only when every
//! colour is taken one by a hash of the user id (so a crowded room still
//! spreads them). A colour held by a member with the same user id counts as
//! free: that is the user's earlier connection (a page reloaded) whose leave
//! has not arrived yet. What each user had is remembered per room, up to
//! [`COLOUR_MEMORY`](crate::limits::COLOUR_MEMORY) entries; with the Redis
//! bus also in Redis, for every node (see the bus's join script).
//!
//! The order of preference is a [`ColourChoice`], so that whoever sees the
//! room's members can apply it: the hub, from the members it knows, and a
//! cluster's bus, from every node's members at the moment it admits the
//! member (the Redis bus does so in its join script). The palette and the
//! pick live in the transport crate, so that its in-memory hub hands out the
//! same colours by the same rule; what this module adds is the memory.

use std::collections::hash_map::RandomState;
use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;

pub use inkmesh_transport::signaling::colours::{hashed_colour, ColourChoice, PALETTE};

/// The colour each user last had in each room, the least recently joined
/// forgotten first.
///
/// A seat (room, user id) is kept as a 64-bit SipHash of both under a key
/// drawn at random for this process, so an entry's size does not depend on
/// how long the room name or user id is, and nobody who does not know the
/// key can make two seats collide (by chance two of 65,536 do with odds
/// about 1 in 2^33; the cost would be a colour preferred that the other
/// user had).
pub struct ColourMemory {
    /// Per seat: its colour's index in [`PALETTE`] and when it last joined.
    last: HashMap<u64, Remembered>,
    /// Seats by when they last joined, oldest first, for forgetting.
    by_use: BTreeMap<u64, u64>,
    /// Counts joins: each remembered join's place in `by_use`.
    clock: u64,
    capacity: usize,
    seats: RandomState,
}

#[derive(Clone, Copy)]
struct Remembered {
    colour: u8,
    used: u64,
}

impl ColourMemory {
    /// Remembers at most `capacity` users' colours (0: none).
    pub fn new(capacity: usize) -> Self {
        Self {
            last: HashMap::new(),
            by_use: BTreeMap::new(),
            clock: 0,
            capacity,
            seats: RandomState::new(),
        }
    }

    fn seat(&self, room: &str, user: &str) -> u64 {
        self.seats.hash_one((room, user))
    }

    /// The colours `user` joining `room` may get, best first.
    pub fn choice(&self, room: &str, user: &str) -> ColourChoice {
        let last = self
            .last
            .get(&self.seat(room, user))
            .map(|r| PALETTE[usize::from(r.colour)]);
        let rest = PALETTE.iter().copied().filter(|c| Some(*c) != last);
        ColourChoice {
            preference: last.into_iter().chain(rest).collect(),
            fallback: hashed_colour(user),
        }
    }

    /// Remembers that `user` got `colour` in `room` (one of the palette's;
    /// anything else is not remembered), as its most recent join.
    pub fn remember(&mut self, room: &str, user: &str, colour: &str) {
        let Some(colour) = PALETTE.iter().position(|c| *c == colour) else {
            return;
        };
        if self.capacity == 0 {
            return;
        }
        let seat = self.seat(room, user);
        self.clock += 1;
        let now = Remembered {
            colour: colour as u8,
            used: self.clock,
        };
        match self.last.insert(seat, now) {
            Some(before) => {
                self.by_use.remove(&before.used);
            }
            None => {
                while self.last.len() > self.capacity {
                    let Some((_, oldest)) = self.by_use.pop_first() else {
                        break;
                    };
                    self.last.remove(&oldest);
                }
            }
        }
        self.by_use.insert(now.used, seat);
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
        assert!(!memory.last.contains_key(&memory.seat("r", "u")));
        assert_eq!(memory.by_use.len(), 2);
        memory.remember("r", "c", "#123456");
        assert!(
            !memory.last.contains_key(&memory.seat("r", "c")),
            "not a palette colour"
        );
    }

    #[test]
    fn the_least_recently_joined_is_forgotten_first() {
        let mut memory = ColourMemory::new(2);
        let none = HashSet::new();
        join(&mut memory, "r", "a", &none);
        let taken: HashSet<&str> = [PALETTE[0]].into();
        assert_eq!(join(&mut memory, "r", "b", &taken), PALETTE[1]);
        // a joins again: now b is the least recent, so c's arrival forgets b.
        join(&mut memory, "r", "a", &taken);
        join(&mut memory, "r", "c", &none);
        assert_eq!(memory.last.len(), 2);
        assert_eq!(memory.by_use.len(), 2);
        assert!(memory.last.contains_key(&memory.seat("r", "a")));
        assert!(!memory.last.contains_key(&memory.seat("r", "b")));
        assert_eq!(memory.choice("r", "b").preference[0], PALETTE[0]);
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
