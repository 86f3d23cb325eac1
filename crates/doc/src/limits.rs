//! Every bound the board puts on the bytes it is given to read, named once.
//!
//! Updates and snapshots come from peers, from storage and from files users
//! open; each bound here is what one of them can make the board spend at most.
//! The doc comment gives the default and why.

/// Updates larger than this are refused before decoding: 256 MiB. A whole
/// board travels and is stored as one update, so this is also the largest
/// board that loads.
pub const MAX_UPDATE_BYTES: usize = 256 << 20;

/// The fewest bytes a struct takes in a v1 update: 2 (its info byte and at
/// least one byte more: a GC's length, an item's parent or origin). A v1
/// update's struct counts are checked against it, and a v2 update may stand
/// for as many structs as a v1 update of its size could hold
/// (`bounded_v2.rs` says why v2 needs a bound at all).
pub const MIN_V1_STRUCT_BYTES: usize = 2;

/// A v2 update may always stand for this many structs, however small it is:
/// 65,536. A board's history compresses far better than its strokes (200,000
/// structs of one dragged stroke fit in 82 bytes), so small boards need room
/// above the per-byte bound. As decoded structs it is at most a few dozen MiB.
pub const MAX_V2_STRUCTS_FLOOR: usize = 65_536;

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

/// Images in one board file's image section, at most: 10,000. A reader walks
/// every entry and hashes it; a board showing more pictures than this is not
/// one a person drew.
pub const FILE_MAX_IMAGES: usize = 10_000;

/// One image file inside a board file, at most: 10 MiB, the largest image
/// the server stores (`IMAGE_MAX_BYTES` of the image routes).
pub const FILE_IMAGE_MAX_BYTES: usize = 10 << 20;

/// All image files inside one board file together, at most: 256 MiB, the
/// most image bytes a room stores.
pub const FILE_IMAGES_MAX_TOTAL_BYTES: usize = 256 << 20;

/// Longest image type string a board file's reader takes: 32 bytes. The
/// longest type a file may carry (`image/jpeg`, `image/webp`) is 10; a longer
/// length is a damaged or hostile file, refused before its bytes are read.
pub const FILE_IMAGE_MAX_TYPE_BYTES: u64 = 32;
