//! Every bound the board puts on the bytes it is given to read, named once.
//!
//! Updates and snapshots come from peers, from storage and from files users
//! open; each bound here is what one of them can make the board spend at most.
//! The doc comment gives the default and why.

/// Updates larger than this are refused before decoding: 256 MiB. A whole
/// board travels and is stored as one update, so this is also the largest
/// board that loads.
pub const MAX_UPDATE_BYTES: usize = 256 << 20;

/// Snapshots larger than this are refused before their envelope is read:
/// 256 MiB, as large as an update.
pub const MAX_SNAPSHOT_BYTES: usize = 256 << 20;

/// How deeply JSON-like values (Yjs `Any`: arrays and maps) may nest inside an
/// update: 32. Board fields are flat values, and fields a newer client adds
/// are kept whatever they hold, so the bound only needs to be far above what
/// such data plausibly nests. yrs decodes them recursively with no bound of
/// its own: in a debug build about 2.5 KiB of stack a level, so a 2 KiB
/// update nesting 1,000 arrays overflowed a 2 MiB thread stack and aborted
/// the process.
pub const MAX_ANY_DEPTH: usize = 32;
