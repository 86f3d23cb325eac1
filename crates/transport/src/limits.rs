//! Every bound the transport puts on what a peer can make us hold, do or send,
//! in one place, each with its default. `docs/PROTOCOL.md` ("Limits") is the
//! specification of the ones a peer can observe; the rest bound this
//! implementation's own memory.
//!
//! A limit refuses the peer that exceeds it, never a bystander: when one trips,
//! the room reports which ([`Limit`]) so that the server can count it.

use std::time::Duration;

/// F: the largest frame we send on the board channel, 16 KiB, safe in every
/// browser (a larger send fails there). Part of the protocol: a receiver bounds
/// a message's chunk count by its own F.
pub const MAX_FRAME_BYTES: usize = 16 * 1024;

/// M: the largest message (whole or reassembled) accepted from an editor,
/// 64 MiB. A whole board travels as one sync step 2, so this also bounds the
/// board a peer can join with.
pub const MAX_MESSAGE_BYTES: usize = 64 << 20;

/// The largest message accepted from a viewer, 1 MiB. A viewer sends only its
/// sync step 1 (a state vector: tens of KiB for a board with many past
/// clients), awareness (at most [`MAX_PRESENCE_JSON_BYTES`] per state) and an
/// empty step 2, so it never needs M.
pub const VIEWER_MAX_MESSAGE_BYTES: usize = 1 << 20;

/// The largest message our SCTP stack accepts, advertised in the SDP's
/// `a=max-message-size`: 256 KiB, what Chromium advertises and accepts.
pub const SCTP_MAX_MESSAGE_BYTES: u32 = 256 * 1024;

/// SCTP's first retransmission timeout, before a round trip is measured:
/// 500 ms (RFC 9260 recommends 1 s; Chromium's dcsctp starts at 500 ms).
pub const SCTP_RTO_INITIAL: Duration = Duration::from_millis(500);

/// The floor of SCTP's retransmission timeout: 25 ms. RFC 9260 recommends
/// 1 s, which stalls a link for a second whenever a loss is one fast
/// retransmit cannot see (the last packet of a burst, a lost retransmission):
/// at 10% loss that is most of the time. On a path with a measured round trip
/// the RTO is the smoothed RTT plus four deviations, above this floor; the
/// floor rules only where round trips are a few milliseconds, where waiting
/// longer only stalls. Every batch we send asks for an immediate SACK (the
/// RFC 7053 I bit, which browsers honour), so a peer's delayed SACK (up to
/// 200 ms) does not outlast it; like QUIC's probe timeout (RTT plus 25 ms of
/// peer ack delay), it stays above the few milliseconds a busy peer takes.
pub const SCTP_RTO_MIN: Duration = Duration::from_millis(25);

/// The ceiling of SCTP's retransmission timeout after backing off: 10 s,
/// below the ICE failure timeout, so a link that recovers is used again soon.
pub const SCTP_RTO_MAX: Duration = Duration::from_secs(10);

/// Times SCTP retransmits DATA on timeout without an acknowledgement before
/// giving up: never. The stack's default (5, RFC 9260's Path.Max.Retrans)
/// does not end the association when reached: its retransmission timer
/// simply stops, so the board channel stays open and carries nothing more.
/// With [`SCTP_RTO_MIN`] at 25 ms, five timeouts in a row pass in under 2 s,
/// and a join at 15% loss wedged that way about once in a hundred: the
/// receiver's reassembly timeout then ended the link as if the sender
/// misbehaved, and nobody offered again. A dead link is ICE's to detect, as
/// in Pion, whose SCTP retransmits DATA without a limit for this reason.
pub const SCTP_DATA_RETRANSMISSIONS: usize = usize::MAX;

/// Sync step 1s a peer may send on one link in a burst: 16. Each is answered
/// with what the peer lacks, up to a whole board, so a peer asking in a loop
/// would have us send the board again and again (the queue rule of
/// PROTOCOL.md, "A step 1 again", bounds our memory, not that). An honest
/// peer asks when the link opens, and again (to the keeper) when one of its
/// direct links ends, no more often than [`RESYNC_INTERVAL`].
pub const STEP1_BURST: u32 = 16;

/// After a burst, one more sync step 1 per this long: 1 s.
pub const STEP1_REFILL: Duration = Duration::from_secs(1);

/// How long we wait after asking a peer again (a resync) before we ask it
/// again: 2 s. A resync asked for sooner waits, then asks once for all. At
/// half the rate [`STEP1_REFILL`] allows, our step 1s never trip a receiver's
/// allowance, with room for the network to bunch them.
pub const RESYNC_INTERVAL: Duration = Duration::from_secs(2);

/// Messages being reassembled at once, per peer: 2. An honest sender sends a
/// message's chunks back to back, so it has at most one partial message; the
/// second is slack.
pub const MAX_PARTIAL_MESSAGES: usize = 2;

/// Bytes held in partial messages at once, per peer, all of them together: M.
/// One whole board fits; several nearly whole ones do not.
pub const MAX_PARTIAL_BYTES: usize = MAX_MESSAGE_BYTES;

/// How long a partial message may wait for its next chunk: 10 s.
pub const REASSEMBLY_TIMEOUT: Duration = Duration::from_secs(10);

/// Bytes queued for one peer's board channel (replies, updates, presence,
/// everything) beyond which the peer is too slow and is disconnected: M + 16 MiB,
/// room for one whole board in a sync step 2 with live traffic behind it.
pub const MAX_QUEUED_BYTES: usize = MAX_MESSAGE_BYTES + (16 << 20);

/// Queued bytes below which a local edit may go on: 4 MiB (back-pressure for
/// producers such as a drawing bot).
pub const BACKPRESSURE_BYTES: usize = 4 << 20;

/// Bytes a data channel may hold unsent before our writer waits: 1 MiB.
pub const SEND_BUFFER_BYTES: usize = 1 << 20;

/// Bytes of one link's frames received and not yet handled by the room: 4 MiB.
/// Beyond it the link's readers wait, which stops reading that peer's SCTP
/// association (its window closes) and no other. Reassembly holds the large
/// messages, not this queue, so it needs only to keep the room busy, not M:
/// with up to 50 links per room, M per link would allow gigabytes.
pub const INBOUND_LINK_BYTES: usize = 4 << 20;

/// What one waiting frame costs beyond its bytes (the event, the peer id, the
/// queue slot), charged against [`INBOUND_LINK_BYTES`] so that a flood of empty
/// frames is bounded too: 128 bytes.
pub const INBOUND_FRAME_OVERHEAD_BYTES: usize = 128;

/// Cursor bytes the peer has not acknowledged beyond which our newest cursor
/// frame waits (and replaces older ones) instead of being sent: 16 frames, a
/// round trip's worth at 60 Hz on a lossy path.
pub const CURSOR_BUSY_BYTES: usize = 16 * crate::protocol::cursor::CursorFrame::BYTES;

/// Largest JSON state accepted for one awareness client: 64 KiB.
pub const MAX_PRESENCE_JSON_BYTES: usize = 64 * 1024;

/// The first wait before we offer again to a member whose link we offered
/// ended while both of us are still in the room: 1 s. Each further attempt
/// waits twice as long, up to [`REOFFER_MAX_DELAY`]; a link that goes live
/// starts the count again.
pub const REOFFER_FIRST_DELAY: Duration = Duration::from_secs(1);

/// The longest wait between offers to the same member: 10 s.
pub const REOFFER_MAX_DELAY: Duration = Duration::from_secs(10);

/// Most clients one awareness update may list: 1,024.
pub const MAX_CLIENTS_PER_UPDATE: usize = 1024;

/// Awareness clients one member may speak for: 4. A browser speaks for its own
/// client only; the slack covers a client id that changes during a session.
/// The server's keeper, which relays others' presence, may speak for up to
/// [`MAX_TRACKED_CLIENTS`].
pub const MAX_CLIENTS_PER_PEER: usize = 4;

/// Clients (present, or recently gone and remembered for their clock) one
/// presence table tracks: 4,096, far above any room. Reaching it disconnects
/// nobody: further clients are simply not tracked.
pub const MAX_TRACKED_CLIENTS: usize = 4096;

/// Longest name our own presence sends, in characters: 256.
pub const MAX_NAME_CHARS: usize = 256;

/// Member ids one links report may list: 64, above the room's member limit
/// (50), so an honest member always fits (`docs/PROTOCOL.md`, "Topology").
pub const MAX_LINKS_PER_REPORT: usize = 64;

/// Longest member id in a links report or a relayed cursor frame, in bytes:
/// 64. The server's ids are 14 bytes; the slack is for other servers.
pub const MAX_MEMBER_ID_BYTES: usize = 64;

/// Cursors one relayed cursor frame may hold: 64, a whole room's worth.
pub const MAX_RELAYED_CURSORS: usize = 64;

/// How often the keeper sends each member the cursors it relays: every 16 ms
/// (60 Hz, a display frame), so a member handles one cursor message per frame
/// whatever the room's size.
pub const CURSOR_RELAY_INTERVAL: Duration = Duration::from_millis(16);

/// Bytes a member's cursor channel may still hold unsent before the keeper
/// skips that member's relay round (its cursors wait for the next round, which
/// carries newer positions): 64 KiB. Cursors never queue up behind a slow link.
pub const CURSOR_RELAY_BUFFERED_BYTES: usize = 64 * 1024;

/// Bounds on what a peer may make us buffer, as one value a session is built
/// with. The defaults are the constants above; tests use small values on both
/// ends.
///
/// `max_frame_bytes` is part of the protocol (F), not a local preference: a
/// receiver bounds a message's chunk count by its own value, so a sender with
/// smaller frames could exceed it.
#[derive(Debug, Clone)]
pub struct Limits {
    /// [`MAX_FRAME_BYTES`]
    pub max_frame_bytes: usize,
    /// [`MAX_MESSAGE_BYTES`]
    pub max_message_bytes: usize,
    /// [`VIEWER_MAX_MESSAGE_BYTES`]
    pub viewer_max_message_bytes: usize,
    /// [`MAX_PARTIAL_MESSAGES`]
    pub max_partial_messages: usize,
    /// [`MAX_PARTIAL_BYTES`]
    pub max_partial_bytes: usize,
    /// [`REASSEMBLY_TIMEOUT`]
    pub reassembly_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_frame_bytes: MAX_FRAME_BYTES,
            max_message_bytes: MAX_MESSAGE_BYTES,
            viewer_max_message_bytes: VIEWER_MAX_MESSAGE_BYTES,
            max_partial_messages: MAX_PARTIAL_MESSAGES,
            max_partial_bytes: MAX_PARTIAL_BYTES,
            reassembly_timeout: REASSEMBLY_TIMEOUT,
        }
    }
}

/// A limit that tripped, as the room reports it (in
/// `RoomEvent::PeerDisconnected` when it cost the peer its link, in
/// `RoomEvent::LimitTripped` when it did not). [`Limit::name`] is stable, for
/// metrics labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Limit {
    /// [`MAX_QUEUED_BYTES`]: the peer did not read what we sent it. Disconnects.
    PeerQueueBytes,
    /// A sync step 1 while our answer to the previous one was still queued,
    /// or beyond [`STEP1_BURST`] and one per [`STEP1_REFILL`] (PROTOCOL.md,
    /// "The sync session"). Disconnects.
    SyncStep1Repeat,
    /// [`MAX_CLIENTS_PER_PEER`]. Disconnects.
    AwarenessClientsPerPeer,
    /// [`MAX_CLIENTS_PER_UPDATE`]. Disconnects.
    AwarenessClientsPerUpdate,
    /// [`MAX_PRESENCE_JSON_BYTES`]. Disconnects.
    PresenceStateBytes,
    /// [`MAX_TRACKED_CLIENTS`]: a new client was not tracked. Disconnects nobody.
    PresenceTableClients,
    /// [`MAX_PARTIAL_MESSAGES`]. Disconnects.
    PartialMessages,
    /// [`MAX_PARTIAL_BYTES`]. Disconnects.
    PartialBytes,
    /// [`MAX_MESSAGE_BYTES`] or [`VIEWER_MAX_MESSAGE_BYTES`], including a chunk
    /// count that announces more. Disconnects.
    MessageBytes,
    /// [`REASSEMBLY_TIMEOUT`]. Disconnects.
    ReassemblyTimeout,
    /// [`INBOUND_LINK_BYTES`]: the link's readers waited for the room.
    /// Disconnects nobody.
    InboundLinkBytes,
    /// A remote candidate named an address the candidate policy refuses; it
    /// was dropped. Disconnects nobody.
    CandidateAddress,
    /// [`MAX_LINKS_PER_REPORT`]. Disconnects.
    LinksPerReport,
    /// [`MAX_RELAYED_CURSORS`]. Disconnects.
    RelayedCursorsPerFrame,
    /// [`MAX_MEMBER_ID_BYTES`], in a links report or a relayed cursor frame.
    /// Disconnects.
    MemberIdBytes,
}

impl Limit {
    /// A stable snake_case name, for logs and metrics labels.
    pub fn name(&self) -> &'static str {
        match self {
            Limit::PeerQueueBytes => "peer_queue_bytes",
            Limit::SyncStep1Repeat => "sync_step1_repeat",
            Limit::AwarenessClientsPerPeer => "awareness_clients_per_peer",
            Limit::AwarenessClientsPerUpdate => "awareness_clients_per_update",
            Limit::PresenceStateBytes => "presence_state_bytes",
            Limit::PresenceTableClients => "presence_table_clients",
            Limit::PartialMessages => "partial_messages",
            Limit::PartialBytes => "partial_bytes",
            Limit::MessageBytes => "message_bytes",
            Limit::ReassemblyTimeout => "reassembly_timeout",
            Limit::InboundLinkBytes => "inbound_link_bytes",
            Limit::CandidateAddress => "candidate_address",
            Limit::LinksPerReport => "links_per_report",
            Limit::RelayedCursorsPerFrame => "relayed_cursors_per_frame",
            Limit::MemberIdBytes => "member_id_bytes",
        }
    }
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
