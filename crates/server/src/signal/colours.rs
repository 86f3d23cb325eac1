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
//! member (the Redis bus does so in its join script).

use std::collections::{HashMap, HashSet, VecDeque};

/// Twelve colours with no lookalikes: distinct hues (and a brown), each at
/// least 3.5:1 (WCAG graphics contrast) against both themes' board
/// backgrounds, `#ffffff` and `#121212`, and at least 3.1:1 against the dark
/// theme's panel `#232329`, where the people list's chips sit (violet 3.16
/// and purple 3.22 are the lowest there), and at least 24 apart in CIELAB
/// (ΔE76) from every other. The keeper's grey (`#868e96`) is not among them.
pub const PALETTE: [&str; 12] = [
    "#e03131", // red
    "#1c7ed6", // blue
    "#2b8a3e", // green
    "#e8590c", // orange
    "#7950f2", // violet
    "#0c8599", // teal
    "#e64980", // pink
    "#a97800", // ochre
    "#4c6ef5", // indigo
    "#5c940d", // olive
    "#ae3ec9", // purple
    "#8d6e63", // brown
];

/// The palette colour a hash of `user` picks (FNV-1a: stable across processes
/// and versions, so every node of a cluster picks the same).
pub fn hashed_colour(user: &str) -> &'static str {
    let hash = user.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    PALETTE[(hash % PALETTE.len() as u64) as usize]
}

/// The colours a joining member may get, best first, and the one it gets
/// when every one of them is held.
#[derive(Debug, Clone, PartialEq)]
pub struct ColourChoice {
    /// The palette, the user's last colour in this room first.
    pub preference: Vec<&'static str>,
    /// For a room where every colour is held: the user id's hash.
    pub fallback: &'static str,
}

impl ColourChoice {
    /// The first preferred colour not in `taken`, else the fallback.
    pub fn pick(&self, taken: &HashSet<&str>) -> &'static str {
        self.preference
            .iter()
            .copied()
            .find(|c| !taken.contains(c))
            .unwrap_or(self.fallback)
    }
}

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
