// lib0's binary primitives as PROTOCOL.md reads them from peers: the varuint
// (unsigned LEB128) and the varbuf (varuint length, then bytes).
//
// lib0's own decoder is lenient (it reads longer varints and does not bound the
// value the way the Rust keeper does), so peer bytes get this strict reader: at
// most 8 bytes, a value of at most 2^53 - 1, lengths within the input.

import { ProtocolError } from './error'

const MAX_VARUINT_BYTES = 8

export function varuintLength(value: number): number {
  let n = 1
  while (value >= 0x80) {
    value = Math.floor(value / 0x80)
    n++
  }
  return n
}

/** Writes `value` (a safe non-negative integer) at `at`; returns the next offset. */
export function writeVarUint(out: Uint8Array, at: number, value: number): number {
  while (value >= 0x80) {
    out[at++] = (value % 0x80) | 0x80
    value = Math.floor(value / 0x80)
  }
  out[at++] = value
  return at
}

/** Reads lib0 values off the front of a byte array; errors are ProtocolErrors. */
export class Reader {
  private pos = 0

  constructor(private readonly bytes: Uint8Array, private readonly what = 'message') {}

  remaining(): number {
    return this.bytes.length - this.pos
  }

  varuint(): number {
    let value = 0
    let scale = 1
    const end = Math.min(this.bytes.length, this.pos + MAX_VARUINT_BYTES)
    for (let i = this.pos; i < end; i++) {
      const byte = this.bytes[i]!
      // Multiplication, not shifts: JavaScript shifts are 32-bit.
      value += (byte & 0x7f) * scale
      scale *= 0x80
      if ((byte & 0x80) === 0) {
        if (value > Number.MAX_SAFE_INTEGER) throw this.error('varuint above 2^53 - 1')
        this.pos = i + 1
        return value
      }
    }
    throw this.error(this.remaining() >= MAX_VARUINT_BYTES ? 'varuint longer than 8 bytes' : 'input ends inside a varuint')
  }

  /** A varuint length, then that many bytes (a view, not a copy). */
  varbuf(): Uint8Array {
    const len = this.varuint()
    if (len > this.remaining()) throw this.error('length runs past the end of the input')
    const out = this.bytes.subarray(this.pos, this.pos + len)
    this.pos += len
    return out
  }

  /** Exactly `len` bytes (a view, not a copy). */
  fixed(len: number): Uint8Array {
    if (len > this.remaining()) throw this.error('input ends inside a fixed-size field')
    const out = this.bytes.subarray(this.pos, this.pos + len)
    this.pos += len
    return out
  }

  /** One message is one whole input: bytes left over are an error. */
  finish(): void {
    if (this.pos !== this.bytes.length) throw this.error(`trailing bytes after the ${this.what}`)
  }

  private error(why: string): ProtocolError {
    return new ProtocolError(`malformed ${this.what}: ${why}`)
  }
}
