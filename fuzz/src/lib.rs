//! What the fuzz targets share: how one input becomes a peer's frames over
//! time, snapshot envelopes with a checksum that matches, and the server
//! secret tokens are checked against.

mod envelope;
mod frames;
mod secret;

pub use envelope::with_valid_crc;
pub use frames::frames;
pub use secret::{auth, sign, SECRET};
