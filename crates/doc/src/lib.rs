//! `inkmesh-doc`: the Inkmesh board document on yrs, with no I/O of its own.
//!
//! A [`Board`] is one yrs `Doc` laid out as `docs/SCHEMA.md` specifies: elements
//! of eight kinds, strokes that stream point batches while the pen moves,
//! fractional z-order keys, per-user undo, sync primitives, snapshots and SVG
//! export. Browsers implement the same schema on Yjs; the cross-language tests
//! keep the two in step.
//!
//! ```
//! use inkmesh_doc::{Board, Encoding, NewElement, Point, Style};
//!
//! let mut alice = Board::new("u-alice");
//! alice.add(NewElement::rect(0.0, 0.0, 100.0, 50.0)).unwrap();
//! let stroke = alice.begin_stroke(10.0, 10.0, &Style::default()).unwrap();
//! alice.append_points(&stroke, &[Point::new(10.0, 10.0), Point::new(12.0, 11.0)]).unwrap();
//! alice.end_stroke(&stroke).unwrap();
//!
//! let mut bob = Board::new("u-bob");
//! let update = alice.diff(&bob.state_vector(), Encoding::V1).unwrap();
//! bob.apply_remote(&update, Encoding::V1).unwrap();
//! assert_eq!(bob.elements(), alice.elements());
//! ```

mod board;
mod board_file;
mod bounded_v2;
mod element;
mod encoder_v2;
mod error;
mod events;
mod geometry;
mod history;
mod image;
pub mod limits;
mod order;
mod origin;
pub mod points;
mod render_stream;
mod restore;
mod snapshot;
mod strokes;
mod svg;
mod sync;
#[cfg(test)]
mod test_support;
mod update_check;
pub mod zkey;

pub use board::{Board, BoardOptions, SCHEMA_VERSION};
pub use board_file::{BoardFile, FileImage, IMAGE_SECTION_MAGIC, IMAGE_TYPES};
pub use element::{field, num, Element, Frame, Kind, NewElement, Style, StylePatch};
pub use error::{Error, PointsError, RenderStreamError, SnapshotError, UpdateError, ZKeyError};
pub use events::{BoardChange, Subscription};
pub use geometry::Rect;
pub use image::{is_image_hash, ImageRef};
pub use limits::{MAX_ANY_DEPTH, MAX_SNAPSHOT_BYTES, MAX_UPDATE_BYTES};
pub use origin::{ChangeOrigin, LOCAL, LOCAL_UNTRACKED, REMOTE};
pub use points::Point;
pub use render_stream::{
    decode_render_stream, encode_render_stream, RenderElement, RENDER_MAGIC, RENDER_VERSION,
};
pub use snapshot::{Snapshot, HEADER_BYTES, MAGIC};
pub use svg::to_svg;
pub use sync::{Applied, Encoding, UpdateSubscription};
pub use yrs::Any;
