//! Members' colours: the palette the server hands out and the pure rule
//! that picks from it. Here rather than in the server so that the in-memory
//! hub ([`MemoryHub`](super::MemoryHub)) and the server's hub give the same
//! colours by the same rule; the server adds a memory of who had which.

use std::collections::HashSet;

/// Twelve colours with no lookalikes: distinct hues (and a brown), each at
/// least 3.5:1 (WCAG graphics contrast) against both themes' board
/// backgrounds, `#ffffff` and `#121212`, and at least 3.1:1 against the dark
/// theme's panel `#232329`, where the people list's chips sit (violet 3.16
/// and purple 3.22 are the lowest there), and at least 24 apart in CIELAB
/// (ΔE76) from every other. The keeper's grey ([`KEEPER_COLOUR`]) is not among them.
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

/// Every keeper's colour: a grey, so a keeper never looks like a person.
pub const KEEPER_COLOUR: &str = "#868e96";

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
