//! The sans-I/O protocol core: bytes in, bytes and events out, no sockets.
//!
//! Everything a peer sends over its two data channels is read here, and every
//! byte of it is untrusted: decoders return a [`ProtocolError`] instead of
//! panicking, and nothing is buffered beyond [`Limits`]. The glue in the rest of
//! the crate moves bytes between these types and the `webrtc` data channels and
//! disconnects a peer on the first error. `docs/PROTOCOL.md` is the
//! specification; the tests of each module assert its hex examples.
//!
//! - [`frame`]: board-channel frames and the y-protocols messages inside them.
//! - [`chunk`]: splitting messages larger than a frame, and reassembling them.
//! - [`cursor`]: the fixed 14-byte frames of the cursor channel.
//! - [`presence`]: awareness updates (name, colour, selection, viewport) with expiry.
//! - [`session`]: the per-peer sync session (step 1, step 2, live updates).
//! - [`peer`]: one link's core: who speaks first, the session, cursors, the
//!   queue limit, and the keeper link's relayed cursors and links report.
//! - [`links`]: the links report a member sends the keeper.
//! - [`relayed_cursor`]: the keeper's frame of other members' cursors.
//! - [`relay`]: the keeper's decisions: who gets what it forwards.
//! - [`cursor_relay`]: the keeper's per-receiver cursor coalescer.
//! - [`keeper_hold`]: a member's updates held for the keeper while it would
//!   forward them to no one.

mod awareness;
pub mod chunk;
pub mod cursor;
pub mod cursor_relay;
pub mod frame;
pub mod keeper_hold;
mod lib0;
pub mod links;
pub mod peer;
pub mod presence;
pub mod relay;
pub mod relayed_cursor;
pub mod session;

use std::time::Duration;

use crate::limits::Limit;
pub use crate::limits::Limits;

/// A peer's role in a room, stamped by the server. Board updates from a viewer
/// are dropped by every receiver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Editor,
    Viewer,
}

/// Why a peer's bytes were refused. Any of these disconnects the peer (the glue
/// logs the Display text as the reason, and reports [`ProtocolError::limit`]).
///
/// [`ProtocolError::MessageTooLarge`] is also what sending a message returns when
/// it is larger than a peer would accept: sending it would only get us
/// disconnected.
#[derive(Debug, thiserror::Error)]
pub enum ProtocolError {
    #[error("empty frame")]
    EmptyFrame,
    #[error("unknown frame type {0:#04x}")]
    UnknownFrameType(u8),
    #[error("malformed message: {0}")]
    Malformed(String),
    /// A message type other than sync (0), awareness (1) and Inkmesh's links
    /// report (4): y-protocols' auth (2), query-awareness (3) or a custom one.
    /// Inkmesh uses none of them.
    #[error("unsupported y-protocols message type {0}")]
    UnsupportedMessage(u64),
    #[error("message of {len} bytes exceeds the limit of {limit} bytes")]
    MessageTooLarge { len: usize, limit: usize },
    #[error("chunk frame of {0} bytes is shorter than its 9-byte header")]
    TruncatedChunk(usize),
    #[error("chunk carries no payload")]
    EmptyChunk,
    #[error("chunk count {0} is below 2")]
    BadChunkCount(u16),
    #[error("message of {count} chunks exceeds the limit of {limit} chunks")]
    TooManyChunks { count: u16, limit: usize },
    #[error("chunk index {index} is out of range for a message of {count} chunks")]
    ChunkOutOfRange { index: u16, count: u16 },
    #[error("chunk {index} of message {id} arrived where chunk {expected} was expected")]
    UnexpectedChunk { id: u32, index: u16, expected: u16 },
    #[error("message {id} changed its chunk count from {was} to {now}")]
    ChunkCountChanged { id: u32, was: u16, now: u16 },
    #[error("more than {limit} messages being reassembled at once")]
    TooManyPartialMessages { limit: usize },
    #[error("partial messages would hold {len} bytes, over the limit of {limit} bytes")]
    PartialBytesExceeded { len: usize, limit: usize },
    #[error("a chunked message stalled for {0:?} without its next chunk")]
    ReassemblyTimeout(Duration),
    #[error("bad cursor frame: {0}")]
    BadCursorFrame(String),
    #[error("bad presence: {0}")]
    BadPresence(String),
    #[error("presence state of {len} bytes exceeds the limit of {limit} bytes")]
    PresenceTooLarge { len: usize, limit: usize },
    #[error("awareness update lists {count} clients, over the limit of {limit}")]
    TooManyClientsInUpdate { count: u64, limit: usize },
    #[error("awareness update would make this peer speak for {count} clients, over the limit of {limit}")]
    TooManyClientsForPeer { count: usize, limit: usize },
    /// PROTOCOL.md, "The sync session": a peer may ask again, but only once it
    /// has our answer to its previous step 1.
    #[error("sync step 1 repeated while our answer to the previous one was still queued")]
    Step1BeforeAnswerSent,
    /// The peer sent more sync step 1s than [`crate::limits::STEP1_BURST`]
    /// and one per [`crate::limits::STEP1_REFILL`] since.
    #[error(
        "sync step 1 repeated more often than {} in a burst and one per {:?} since",
        crate::limits::STEP1_BURST,
        crate::limits::STEP1_REFILL
    )]
    Step1TooOften,
    #[error("links report lists {count} members, over the limit of {limit}")]
    TooManyLinks { count: u64, limit: usize },
    #[error("member id of {len} bytes, over the limit of {limit}")]
    MemberIdTooLong { len: usize, limit: usize },
    #[error("relayed cursor frame holds {count} cursors, over the limit of {limit}")]
    TooManyRelayedCursors { count: usize, limit: usize },
    /// Only a member sends a links report, and only to the keeper.
    #[error("links report from a peer that is not a member to the keeper")]
    LinksReportMisdirected,
    #[error("board: {0}")]
    Board(#[from] inkmesh_doc::Error),
}

impl ProtocolError {
    /// The named limit this error enforces, if it is one (as opposed to bytes
    /// that break the format).
    pub fn limit(&self) -> Option<Limit> {
        match self {
            ProtocolError::MessageTooLarge { .. } | ProtocolError::TooManyChunks { .. } => {
                Some(Limit::MessageBytes)
            }
            ProtocolError::TooManyPartialMessages { .. } => Some(Limit::PartialMessages),
            ProtocolError::PartialBytesExceeded { .. } => Some(Limit::PartialBytes),
            ProtocolError::ReassemblyTimeout(_) => Some(Limit::ReassemblyTimeout),
            ProtocolError::PresenceTooLarge { .. } => Some(Limit::PresenceStateBytes),
            ProtocolError::TooManyClientsInUpdate { .. } => Some(Limit::AwarenessClientsPerUpdate),
            ProtocolError::TooManyClientsForPeer { .. } => Some(Limit::AwarenessClientsPerPeer),
            ProtocolError::Step1BeforeAnswerSent | ProtocolError::Step1TooOften => {
                Some(Limit::SyncStep1Repeat)
            }
            ProtocolError::TooManyLinks { .. } => Some(Limit::LinksPerReport),
            ProtocolError::MemberIdTooLong { .. } => Some(Limit::MemberIdBytes),
            ProtocolError::TooManyRelayedCursors { .. } => Some(Limit::RelayedCursorsPerFrame),
            _ => None,
        }
    }
}

/// Bytes as `docs/PROTOCOL.md` writes them: lowercase hex pairs and single
/// spaces, so its examples can be pasted into assertions.
#[cfg(test)]
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}
