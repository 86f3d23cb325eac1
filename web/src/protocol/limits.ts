// Every bound on what a peer can make us hold, do or send, in one place, each
// with its default: docs/PROTOCOL.md ("Limits" under "Data channels") is their
// specification, and crates/transport/src/limits.rs the Rust side's copy. A
// limit refuses the peer that exceeds it, never a bystander.
//
// The frame limit is part of the protocol, not a local preference: receivers
// bound a message's chunk count by their own F, so a sender with smaller frames
// could exceed it. Tests pass small values to both ends.

/**
 * The names PROTOCOL.md's limits table gives the limits a peer can trip, as a
 * ProtocolError carries them (the Rust side reports the same names in
 * /metrics).
 */
export type LimitName =
  | 'message_bytes'
  | 'partial_messages'
  | 'partial_bytes'
  | 'reassembly_timeout'
  | 'sync_step1_repeat'
  | 'peer_queue_bytes'
  | 'awareness_clients_per_update'
  | 'presence_state_bytes'
  | 'awareness_clients_per_peer'
  | 'presence_table_clients'
  | 'links_per_report'
  | 'relayed_cursors_per_frame'
  | 'member_id_bytes'
  | 'media_sections'

/** M: the largest message (whole or reassembled) accepted from an editor, 64 MiB. A whole board is one sync step 2. */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024

/**
 * V: the largest message accepted from a viewer, and the largest a viewer
 * sends, 1 MiB. A viewer sends only its sync step 1 (a state vector), its
 * awareness and an empty step 2, none of which comes near a board.
 */
export const VIEWER_MAX_MESSAGE_BYTES = 1024 * 1024

/**
 * Bytes queued for one peer's board channel (replies, updates, presence:
 * everything we send it) beyond which the peer is too slow and is
 * disconnected: M + 16 MiB, room for one whole board in a step 2 with live
 * traffic behind it. What the data channel itself holds (its bufferedAmount,
 * which the link keeps near 1 MiB) is not counted, as the Rust side does not
 * count its channel's send buffer.
 */
export const MAX_QUEUED_BYTES = MAX_MESSAGE_BYTES + 16 * 1024 * 1024

/**
 * Sync step 1s a peer may send on one link in a burst: 16, then one more per
 * STEP1_REFILL_MS. Each is answered with what the peer lacks, up to a whole
 * board, so a peer asking in a loop would have us send the board again and
 * again (the queue rule bounds our memory, not that). An honest peer asks when
 * the link opens, and the keeper again when one of its direct links ends, one
 * at a time.
 */
export const STEP1_BURST = 16

/** After a burst, one more sync step 1 per 1,000 ms. */
export const STEP1_REFILL_MS = 1000

/**
 * How long we wait after asking a peer again (a resync) before we ask it
 * again: 2,000 ms. A resync asked for sooner waits, then asks once for all. At
 * half the rate STEP1_REFILL_MS allows, our step 1s never trip a receiver's
 * allowance, with room for the network to bunch them.
 */
export const RESYNC_INTERVAL_MS = 2000

/** Most entries one awareness update may list: 1,024. */
export const MAX_CLIENTS_PER_UPDATE = 1024

/** Largest JSON state of one awareness client: 65,536 bytes. */
export const MAX_PRESENCE_JSON_BYTES = 65_536

/**
 * Awareness clients one member's connection may own: 4. A browser speaks for
 * its own client only; the slack covers a client id that changes. The keeper,
 * which relays others' presence, may own up to MAX_TRACKED_CLIENTS.
 */
export const MAX_CLIENTS_PER_PEER = 4

/**
 * Clients (present, or gone and remembered for their clock) the presence table
 * tracks: 4,096, far above any room. Reaching it disconnects nobody: further
 * clients are simply not tracked.
 */
export const MAX_TRACKED_CLIENTS = 4096

/** Longest name our own presence sends, in characters (code points): 256. */
export const MAX_NAME_CHARS = 256

/**
 * Member ids one links report may list: 64, above the server's 50 members per
 * room, so an honest member always fits (PROTOCOL.md, "Topology").
 */
export const MAX_LINKS_PER_REPORT = 64

/** Longest member id in a links report or a relayed cursor frame: 64 bytes of UTF-8 (the server's are 14). */
export const MAX_MEMBER_ID_BYTES = 64

/** Cursors one relayed cursor frame from the keeper may hold: 64, a whole room's worth. */
export const MAX_RELAYED_CURSORS = 64

/**
 * m-sections a renegotiation offer may hold (PROTOCOL.md, "Renegotiation"):
 * the data channels' one, an audio and a video section from each side, and one
 * more of each from a collision (both sides added theirs at once). Each costs
 * the receiver a transceiver and its decoder.
 */
export const MAX_MEDIA_SECTIONS = 7
/** m-sections in the offer that makes a connection: the one m=application; media only by renegotiation (`media_sections`). */
export const FIRST_OFFER_SECTIONS = 1

/** Bounds a peer connection is built with; the defaults are DEFAULT_LIMITS. */
export interface Limits {
  /** F: the largest frame we send on the board channel (16,384 bytes, safe in every browser). */
  maxFrameBytes: number
  /** M: MAX_MESSAGE_BYTES. */
  maxMessageBytes: number
  /** V: VIEWER_MAX_MESSAGE_BYTES (never above M). */
  viewerMaxMessageBytes: number
  /** Messages being reassembled at once, per peer: 2. An honest sender has at most one; the second is slack. */
  maxPartialMessages: number
  /** Bytes held in partial messages at once, per peer, all of them together: M. One whole board fits, several do not. */
  maxPartialBytes: number
  /** How long a partial message may wait for its next chunk: 10,000 ms. */
  reassemblyTimeoutMs: number
  /** MAX_QUEUED_BYTES. */
  maxQueuedBytes: number
}

export const DEFAULT_LIMITS: Readonly<Limits> = {
  maxFrameBytes: 16_384,
  maxMessageBytes: MAX_MESSAGE_BYTES,
  viewerMaxMessageBytes: VIEWER_MAX_MESSAGE_BYTES,
  maxPartialMessages: 2,
  maxPartialBytes: MAX_MESSAGE_BYTES,
  reassemblyTimeoutMs: 10_000,
  maxQueuedBytes: MAX_QUEUED_BYTES,
}
