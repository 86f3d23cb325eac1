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
    MalformedUpdate(#[from] UpdateError),
    #[error("malformed state vector: {0}")]
    MalformedStateVector(String),
    #[error("snapshot: {0}")]
    Snapshot(#[from] SnapshotError),
}

/// An update was refused before yrs read it (`src/update_check.rs` has the
/// layout and why each rule exists), or yrs could not read or apply it. Byte
/// positions count from the start of the update.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum UpdateError {
    #[error("ends inside {what} (byte {at})")]
    Truncated { what: &'static str, at: usize },
    #[error("{what} (byte {at}) is a varint over 64 bits")]
    VarintOverflow { what: &'static str, at: usize },
    #[error("{what} {value} (byte {at}) is over {limit}")]
    ValueTooLarge {
        what: &'static str,
        value: u64,
        limit: u64,
        at: usize,
    },
    #[error(
        "{what} count {count} (byte {at}) is more than the {remaining} bytes after it can hold"
    )]
    CountExceedsInput {
        what: &'static str,
        count: u64,
        remaining: usize,
        at: usize,
    },
    #[error("clocks of client {client} run past 2^32 - 1 (byte {at})")]
    ClockOverflow { client: u64, at: usize },
    #[error("empty {what} (byte {at})")]
    EmptyRange { what: &'static str, at: usize },
    #[error("delete ranges of client {client} overlap or are out of order (byte {at})")]
    DeleteRangesOutOfOrder { client: u64, at: usize },
    #[error("unknown struct info {info:#04x} (byte {at})")]
    UnknownStruct { info: u8, at: usize },
    #[error("subdocument (byte {at}): subdocuments are not part of the board schema")]
    Subdocument { at: usize },
    #[error("JSON content (byte {at}): Yjs no longer writes it and yrs misreads it")]
    JsonContent { at: usize },
    #[error("XML hook (byte {at}): yrs does not read the hook name Yjs writes")]
    XmlHook { at: usize },
    #[error("unknown type ref {type_ref} (byte {at})")]
    UnknownTypeRef { type_ref: u8, at: usize },
    #[error("value nested deeper than {limit} levels (byte {at})")]
    AnyTooDeep { limit: usize, at: usize },
    #[error("unknown value tag {tag} (byte {at})")]
    UnknownAnyTag { tag: u8, at: usize },
    #[error("{what} is not UTF-8 (byte {at})")]
    InvalidUtf8 { what: &'static str, at: usize },
    #[error("{len} bytes after the delete set")]
    TrailingBytes { len: usize },
    /// A v2 update stood for more structs than `bounded_v2.rs` allows.
    #[error("stands for more than {limit} structs, more than a v1 update of its size could hold")]
    TooManyStructs { limit: u64 },
    /// JSON content in a v2 update, refused before yrs reads its strings
    /// (`bounded_v2.rs`); in v1 it is [`UpdateError::JsonContent`].
    #[error("JSON content: Yjs no longer writes it and yrs misreads it")]
    V2JsonContent,
    /// A v2 update is checked in its v1 form, which yrs writes after decoding it.
    #[error("{0}, counting bytes in the update's v1 form")]
    InV1Form(Box<UpdateError>),
    /// yrs could not decode the update.
    #[error("{0}")]
    Decode(String),
    /// yrs decoded the update but could not apply it.
    #[error("{0}")]
    Apply(String),
    #[error("yrs failed while applying the update")]
    ApplyPanicked,
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
    /// A board file's image section (after the envelope) is malformed.
    #[error("image section: {0}")]
    Images(String),
}

/// A render stream could not be read (`docs/PROTOCOL.md`, "The render stream").
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RenderStreamError {
    #[error("not a render stream (bad magic)")]
    BadMagic,
    #[error("render stream version {0} is not the one this reader knows (1)")]
    UnsupportedVersion(u8),
    #[error("the render stream ends inside a field")]
    Truncated,
    #[error("a string of the render stream is not UTF-8")]
    NotUtf8,
    #[error("{0} trailing bytes after the last element")]
    TrailingBytes(usize),
    #[error("a stroke's points do not decode: {0}")]
    Points(PointsError),
}
