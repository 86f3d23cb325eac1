// The board channel's frames and the y-protocols messages they carry
// (docs/PROTOCOL.md, "The board channel").
//
// A frame starts with its type: WHOLE_FRAME (a whole message follows) or
// CHUNK_FRAME (a piece of one, see chunk.ts). A message is exactly what
// y-protocols' sync.js / awareness.js read after a provider's message type,
// or Inkmesh's own links report (type 4, links.ts). Payloads stay bytes: the doc and the presence table decode them anyway, and
// re-encoding decoded values would not give back the bytes that arrived.

import { ProtocolError } from './error'
import { Reader, varuintLength, writeVarUint } from './lib0'
import { MSG_LINKS, encodeLinks, readLinks } from './links'

export const WHOLE_FRAME = 0x00
export const CHUNK_FRAME = 0x01

const MSG_SYNC = 0
const MSG_AWARENESS = 1
const SYNC_STEP_1 = 0
const SYNC_STEP_2 = 1
const SYNC_UPDATE = 2

/** Clocks are u32 in yrs; a larger one in a state vector is refused. */
const MAX_CLOCK = 0xffff_ffff

export type BoardMessage =
  /** The sender's v1 state vector: "send me what I am missing". */
  | { type: 'step1'; payload: Uint8Array }
  /** The answer to a step 1: a v1 update with everything the asker lacked. */
  | { type: 'step2'; payload: Uint8Array }
  /** A v1 update made locally after the sync, sent as it happens. */
  | { type: 'update'; payload: Uint8Array }
  /** An awareness update (presence.ts). */
  | { type: 'awareness'; payload: Uint8Array }
  /** A member's links report to the keeper (links.ts): the members it has a live direct link with. */
  | { type: 'links'; ids: readonly string[] }

const SYNC_TYPES = { step1: SYNC_STEP_1, step2: SYNC_STEP_2, update: SYNC_UPDATE } as const

/** The message's bytes; byte for byte what y-protocols writes. */
export function encodeMessage(message: BoardMessage): Uint8Array<ArrayBuffer> {
  if (message.type === 'links') return encodeLinks(message.ids)
  const { payload } = message
  const head = message.type === 'awareness' ? [MSG_AWARENESS] : [MSG_SYNC, SYNC_TYPES[message.type]]
  const out = new Uint8Array(head.length + varuintLength(payload.length) + payload.length)
  out.set(head)
  const at = writeVarUint(out, head.length, payload.length)
  out.set(payload, at)
  return out
}

/**
 * Reads exactly one message: trailing bytes, unknown sync types and message
 * types other than sync, awareness and links are errors. A state vector is checked
 * whole, an update's client count against its length (PROTOCOL.md "Receivers
 * check"), so a few bytes cannot make a decoder reserve memory for millions
 * of clients.
 */
export function decodeMessage(bytes: Uint8Array): BoardMessage {
  const reader = new Reader(bytes)
  const kind = reader.varuint()
  let message: BoardMessage
  if (kind === MSG_SYNC) {
    const syncKind = reader.varuint()
    const payload = reader.varbuf()
    switch (syncKind) {
      case SYNC_STEP_1:
        checkStateVector(payload)
        message = { type: 'step1', payload }
        break
      case SYNC_STEP_2:
        checkUpdateHeader(payload)
        message = { type: 'step2', payload }
        break
      case SYNC_UPDATE:
        checkUpdateHeader(payload)
        message = { type: 'update', payload }
        break
      default:
        throw new ProtocolError(`malformed message: unknown sync message type ${syncKind}`)
    }
  } else if (kind === MSG_AWARENESS) {
    message = { type: 'awareness', payload: reader.varbuf() }
  } else if (kind === MSG_LINKS) {
    message = { type: 'links', ids: readLinks(reader) }
  } else {
    throw new ProtocolError(`unsupported y-protocols message type ${kind}`)
  }
  reader.finish()
  return message
}

/** A count, then that many (client id, clock below 2^32) pairs, and nothing after. */
export function checkStateVector(bytes: Uint8Array): void {
  const reader = new Reader(bytes, 'state vector')
  const count = reader.varuint()
  for (let i = 0; i < count; i++) {
    reader.varuint()
    if (reader.varuint() > MAX_CLOCK) throw new ProtocolError('malformed state vector: clock above 2^32 - 1')
  }
  reader.finish()
}

/** Each client's section of a v1 update takes at least 3 bytes. */
export function checkUpdateHeader(bytes: Uint8Array): void {
  const reader = new Reader(bytes, 'update')
  const clients = reader.varuint()
  if (clients > reader.remaining() / 3) {
    throw new ProtocolError('malformed update: announces more clients than it has bytes')
  }
}
