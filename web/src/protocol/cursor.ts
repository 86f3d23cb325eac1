// Cursor frames, on the unreliable `cursor` channel (docs/PROTOCOL.md, "The
// cursor channel"): 14 bytes, little endian.
//
//   offset 0 seq: u32 | 4 x: f32 | 8 y: f32 | 12 buttons: u8 | 13 tool: u8
//
// Each frame is the whole truth about a pointer at one moment: a lost frame is
// never resent (the next replaces it) and a late one is dropped.

import { ProtocolError } from './error'

export const CURSOR_FRAME_BYTES = 14

export interface CursorFrame {
  /** Increases by one per frame on a connection, wrapping at 2^32. */
  seq: number
  /** Board coordinates in px. */
  x: number
  y: number
  /** DOM PointerEvent.buttons. */
  buttons: number
  /** PROTOCOL.md tool code; receivers show an unknown code as select. */
  tool: number
}

export function encodeCursor(frame: CursorFrame): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(CURSOR_FRAME_BYTES)
  const view = new DataView(bytes.buffer)
  view.setUint32(0, frame.seq >>> 0, true)
  view.setFloat32(4, frame.x, true)
  view.setFloat32(8, frame.y, true)
  view.setUint8(12, frame.buttons & 0xff)
  view.setUint8(13, frame.tool & 0xff)
  return bytes
}

/** Refuses any length but 14 and a position that is not finite (it would poison interpolation). */
export function decodeCursor(bytes: Uint8Array): CursorFrame {
  if (bytes.length !== CURSOR_FRAME_BYTES) {
    throw new ProtocolError(`bad cursor frame: ${bytes.length} bytes, expected ${CURSOR_FRAME_BYTES}`)
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const frame = {
    seq: view.getUint32(0, true),
    x: view.getFloat32(4, true),
    y: view.getFloat32(8, true),
    buttons: view.getUint8(12),
    tool: view.getUint8(13),
  }
  if (!Number.isFinite(frame.x) || !Number.isFinite(frame.y)) {
    throw new ProtocolError('bad cursor frame: position is not finite')
  }
  return frame
}

/** Whether a position survives the trip through f32 (receivers refuse ±Infinity, and 1e39 becomes one). */
export function isSendablePosition(x: number, y: number): boolean {
  return Number.isFinite(Math.fround(x)) && Number.isFinite(Math.fround(y))
}

/**
 * Drops stale frames: after the first, a frame is accepted only if its seq is
 * newer in serial-number arithmetic, `((seq - last) | 0) > 0`, so wrap-around
 * works and older or repeated frames are dropped.
 */
export class CursorFilter {
  private last: number | null = null

  accept(seq: number): boolean {
    if (this.last !== null && ((seq - this.last) | 0) <= 0) return false
    this.last = seq
    return true
  }
}

/** Sender side: numbers one connection's frames 0, 1, 2, ... wrapping at 2^32. */
export class CursorSequencer {
  constructor(private nextSeq = 0) {}

  next(): number {
    const seq = this.nextSeq
    this.nextSeq = (seq + 1) >>> 0
    return seq
  }
}
