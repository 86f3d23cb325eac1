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
