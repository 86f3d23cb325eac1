//! Errors. Everything that reads bytes or data from another peer returns one of
//! these instead of panicking: the network is not trusted.

use thiserror::Error;

/// A board operation or decode failed.
#[derive(Debug, Error)]
pub enum Error {
    #[error("no element with id {0:?}")]
    NoSuchElement(String),
    #[error("element {id:?} is a {kind}, which has no {what}")]
    WrongKind {
        id: String,
        kind: String,
        what: &'static str,
    },
    #[error("no stroke {0:?} is being drawn here")]
    NoActiveStroke(String),
    #[error("text offset {offset} is past the end of the text ({len} UTF-16 units)")]
    TextOffset { offset: u32, len: u32 },
    #[error("z-order key: {0}")]
    ZKey(#[from] ZKeyError),
    #[error("update is {len} bytes, over the limit of {limit}")]
    UpdateTooLarge { len: usize, limit: usize },
    #[error("malformed update: {0}")]
    MalformedUpdate(String),
    #[error("malformed state vector: {0}")]
    MalformedStateVector(String),
    #[error("snapshot: {0}")]
    Snapshot(#[from] SnapshotError),
}

/// A z-order key was malformed, or two keys were not in order.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ZKeyError {
    #[error("invalid key {0:?}")]
    Invalid(String),
    #[error("keys {0:?} and {1:?} are not in ascending order")]
    NotOrdered(String, String),
    #[error("no key exists beyond the end of the key space")]
    OutOfRange,
}

/// A points chunk could not be decoded (`docs/SCHEMA.md`, "Points").
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PointsError {
    #[error("empty chunk (no flags byte)")]
    Empty,
    #[error("unknown chunk flags {0:#04x}")]
    UnknownFlags(u8),
    #[error("chunk ends inside a varint")]
    Truncated,
    #[error("varint does not fit in 32 bits")]
    VarintOverflow,
    #[error("pressure {0} is outside 0..=255")]
    PressureOutOfRange(i64),
}

/// A snapshot envelope could not be read (`docs/SCHEMA.md`, "Snapshots").
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SnapshotError {
    #[error("not a snapshot (bad magic)")]
    BadMagic,
    #[error("snapshot schema version {0} is newer than this reader (1)")]
    UnsupportedVersion(u32),
    #[error("unknown update encoding {0}")]
    UnknownEncoding(u8),
    #[error("snapshot is {len} bytes, over the limit of {limit}")]
    TooLarge { len: u64, limit: u64 },
    #[error("truncated or malformed envelope: {0}")]
    Envelope(String),
    #[error("{0} trailing bytes after the update")]
    TrailingBytes(usize),
    #[error("checksum mismatch: the update is corrupt")]
    Checksum,
    #[error("the update inside does not decode: {0}")]
    Update(String),
}
