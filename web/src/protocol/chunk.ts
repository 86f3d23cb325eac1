// Messages larger than a frame, split into chunks and put back together
// (docs/PROTOCOL.md, "Chunking"):
//
//   01 | message id: u32 LE | chunk index: u16 LE | chunk count: u16 LE | payload
//
// A browser's data channel refuses messages over its maximum size, and a whole
// board (one sync step 2) easily exceeds it. The chunks of one message arrive
// in order, but other frames may come between them. What a peer can make us
// hold is bounded: a message's declared chunk count and actual bytes, how many
// messages are half-assembled at once and their bytes all together, and how
// long one may wait for its next chunk.

import { ProtocolError } from './error'
import { CHUNK_FRAME, WHOLE_FRAME } from './frame'
import type { Limits } from './limits'

/** Type byte, message id, chunk index and chunk count. */
export const CHUNK_HEADER_BYTES = 9

const MAX_CHUNKS_IN_HEADER = 0xffff

function payloadBytes(maxFrameBytes: number): number {
  if (maxFrameBytes <= CHUNK_HEADER_BYTES) {
    throw new RangeError('maxFrameBytes must leave room for a chunk header and payload')
  }
  return maxFrameBytes - CHUNK_HEADER_BYTES
}

/** Turns messages into frames of at most `maxFrameBytes`; one per connection (ids are per connection). */
export class Chunker {
  private nextId = 0
  private readonly payload: number

  constructor(private readonly maxFrameBytes: number) {
    this.payload = payloadBytes(maxFrameBytes)
  }

  /**
   * One whole frame if the message fits after the type byte (L <= F - 1), else
   * chunk frames, every one full but the last. A message needing more than
   * 65,535 chunks cannot be described by the header: a ProtocolError.
   */
  frames(message: Uint8Array): Uint8Array<ArrayBuffer>[] {
    if (message.length < this.maxFrameBytes) {
      const frame = new Uint8Array(message.length + 1)
      frame[0] = WHOLE_FRAME
      frame.set(message, 1)
      return [frame]
    }
    const count = Math.ceil(message.length / this.payload)
    if (count > MAX_CHUNKS_IN_HEADER) {
      throw new ProtocolError(
        `message of ${message.length} bytes exceeds the limit of ${MAX_CHUNKS_IN_HEADER * this.payload} bytes`,
      )
    }
    const id = this.nextId
    this.nextId = (id + 1) >>> 0
    const frames: Uint8Array<ArrayBuffer>[] = []
    for (let index = 0; index < count; index++) {
      const piece = message.subarray(index * this.payload, (index + 1) * this.payload)
      const frame = new Uint8Array(CHUNK_HEADER_BYTES + piece.length)
      const view = new DataView(frame.buffer)
      view.setUint8(0, CHUNK_FRAME)
      view.setUint32(1, id, true)
      view.setUint16(5, index, true)
      view.setUint16(7, count, true)
      frame.set(piece, CHUNK_HEADER_BYTES)
      frames.push(frame)
    }
    return frames
  }
}

/** A message whose first chunks have arrived. Its buffer grows with the bytes that arrive. */
interface Partial {
  id: number
  count: number
  nextIndex: number
  pieces: Uint8Array[]
  bytes: number
  lastChunkAt: number
}

/**
 * Turns one peer's frames back into messages. Times are milliseconds
 * (performance.now()). `limits.maxMessageBytes` is the sender's message limit
 * (M, or V for a viewer: the session picks it); `limits.maxPartialBytes` bounds
 * all partial messages together.
 */
export class Reassembler {
  /** The most chunks a message within the limit needs when every chunk but the last is full, as senders make them. */
  private readonly maxChunks: number
  private partials: Partial[] = []
  /** The bytes of every partial message together. */
  private held = 0

  constructor(private readonly limits: Limits) {
    this.maxChunks = Math.ceil(limits.maxMessageBytes / payloadBytes(limits.maxFrameBytes))
  }

  /** Messages being reassembled now. */
  partialMessages(): number {
    return this.partials.length
  }

  /** Bytes held in partial messages now. */
  partialBytes(): number {
    return this.held
  }

  /**
   * A frame in; a whole message out when one completes, else null. Throws a
   * ProtocolError for every bound violated, including a stalled partial
   * message (checked first, as tick()).
   */
  push(frame: Uint8Array, now: number): Uint8Array | null {
    this.tick(now)
    if (frame.length === 0) throw new ProtocolError('empty frame')
    const type = frame[0]!
    if (type === WHOLE_FRAME) {
      const message = frame.subarray(1)
      this.checkSize(message.length)
      return message
    }
    if (type === CHUNK_FRAME) return this.pushChunk(frame, now)
    throw new ProtocolError(`unknown frame type 0x${type.toString(16).padStart(2, '0')}`)
  }

  /**
   * Call on a timer too: a partial message that has had no chunk for longer
   * than the timeout means the peer stalled. Dropped at once, so its memory
   * goes even before the peer does. The clock restarts at every chunk: a large
   * board on a slow link is not cut off while it is still arriving.
   */
  tick(now: number): void {
    const timeout = this.limits.reassemblyTimeoutMs
    const before = this.partials.length
    this.partials = this.partials.filter((p) => now - p.lastChunkAt <= timeout)
    this.held = this.partials.reduce((sum, p) => sum + p.bytes, 0)
    if (this.partials.length < before) {
      throw new ProtocolError(`a chunked message stalled for ${timeout} ms without its next chunk`, 'reassembly_timeout')
    }
  }

  private pushChunk(frame: Uint8Array, now: number): Uint8Array | null {
    if (frame.length < CHUNK_HEADER_BYTES) {
      throw new ProtocolError(`chunk frame of ${frame.length} bytes is shorter than its 9-byte header`)
    }
    const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength)
    const id = view.getUint32(1, true)
    const index = view.getUint16(5, true)
    const count = view.getUint16(7, true)
    const payload = frame.subarray(CHUNK_HEADER_BYTES)
    if (count < 2) throw new ProtocolError(`chunk count ${count} is below 2`)
    if (index >= count) {
      throw new ProtocolError(`chunk index ${index} is out of range for a message of ${count} chunks`)
    }
    if (payload.length === 0) throw new ProtocolError('chunk carries no payload')

    const at = this.partials.findIndex((p) => p.id === id)
    const partial = this.partials[at]
    if (partial === undefined) {
      this.start(id, index, count, payload, now)
      return null
    }
    if (count !== partial.count) {
      throw new ProtocolError(`message ${id} changed its chunk count from ${partial.count} to ${count}`)
    }
    if (index !== partial.nextIndex) {
      throw new ProtocolError(`chunk ${index} of message ${id} arrived where chunk ${partial.nextIndex} was expected`)
    }
    this.checkSize(partial.bytes + payload.length)
    this.checkHeld(payload.length)
    partial.pieces.push(payload)
    partial.bytes += payload.length
    partial.nextIndex++
    partial.lastChunkAt = now
    this.held += payload.length
    if (partial.nextIndex < count) return null
    this.partials.splice(at, 1)
    this.held -= partial.bytes
    return concat(partial.pieces, partial.bytes)
  }

  /** A chunk of an unknown (or completed) message must start a new one. */
  private start(id: number, index: number, count: number, payload: Uint8Array, now: number): void {
    if (index !== 0) {
      throw new ProtocolError(`chunk ${index} of message ${id} arrived where chunk 0 was expected`)
    }
    if (count > this.maxChunks) {
      throw new ProtocolError(`message of ${count} chunks exceeds the limit of ${this.maxChunks} chunks`, 'message_bytes')
    }
    if (this.partials.length >= this.limits.maxPartialMessages) {
      throw new ProtocolError(`more than ${this.limits.maxPartialMessages} messages being reassembled at once`, 'partial_messages')
    }
    this.checkSize(payload.length)
    this.checkHeld(payload.length)
    this.partials.push({ id, count, nextIndex: 1, pieces: [payload], bytes: payload.length, lastChunkAt: now })
    this.held += payload.length
  }

  private checkSize(len: number): void {
    if (len > this.limits.maxMessageBytes) {
      throw new ProtocolError(`message of ${len} bytes exceeds the limit of ${this.limits.maxMessageBytes} bytes`, 'message_bytes')
    }
  }

  /** Partial messages may hold `more` bytes on top of what they hold. */
  private checkHeld(more: number): void {
    const len = this.held + more
    if (len > this.limits.maxPartialBytes) {
      throw new ProtocolError(
        `partial messages would hold ${len} bytes, over the limit of ${this.limits.maxPartialBytes} bytes`,
        'partial_bytes',
      )
    }
  }
}

function concat(pieces: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total)
  let at = 0
  for (const piece of pieces) {
    out.set(piece, at)
    at += piece.length
  }
  return out
}
