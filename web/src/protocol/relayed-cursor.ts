// The relayed cursor frame (docs/PROTOCOL.md, "Topology"): what the keeper
// sends a member on the cursor channel, at most every 16 ms, holding the
// latest cursor of each member that member has no live direct link with. One
// message a display frame, whatever the room's size.
//
//   u8 n (1..=64) | n x ( varstring member id (1..=64 bytes) | 14-byte cursor frame )
//
// Each cursor frame is exactly as its member sent it to the keeper: its seq is
// that member's numbering on its keeper link.

import { CURSOR_FRAME_BYTES, decodeCursor, type CursorFrame } from './cursor'
import { ProtocolError } from './error'
import { Reader } from './lib0'
import { MAX_RELAYED_CURSORS } from './limits'
import { readMemberId } from './member-id'

export interface RelayedCursor {
  /** The member the cursor belongs to. */
  origin: string
  frame: CursorFrame
}

/** Decodes a whole relayed frame; anything PROTOCOL.md refuses (including one bad entry) is a ProtocolError. */
export function decodeRelayedCursors(bytes: Uint8Array): RelayedCursor[] {
  if (bytes.length === 0) throw new ProtocolError('malformed relayed cursor frame: empty')
  const count = bytes[0]!
  if (count === 0) throw new ProtocolError('malformed relayed cursor frame: no entries')
  if (count > MAX_RELAYED_CURSORS) {
    throw new ProtocolError(
      `relayed cursor frame holds ${count} cursors, over the limit of ${MAX_RELAYED_CURSORS}`,
      'relayed_cursors_per_frame',
    )
  }
  const reader = new Reader(bytes.subarray(1), 'relayed cursor frame')
  const cursors: RelayedCursor[] = []
  for (let i = 0; i < count; i++) {
    const origin = readMemberId(reader)
    cursors.push({ origin, frame: decodeCursor(reader.fixed(CURSOR_FRAME_BYTES)) })
  }
  reader.finish()
  return cursors
}
