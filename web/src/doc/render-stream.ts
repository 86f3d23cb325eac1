// The render stream of docs/PROTOCOL.md ("The render stream"), mirroring
// crates/doc/src/render_stream.rs byte for byte: what the renderer needs to
// draw the board, bottom element first. A joining page draws it before the
// Yjs update is applied; it is a read-only picture, never merged anywhere.

import { decodeQuantized, encodeQuantized, quantizeCoord, quantizePressure, type QuantizedPoint } from './points'
import { KINDS, type ElementView, type Kind, type Point } from './types'

const MAGIC = [0x49, 0x4d, 0x52, 0x53] // "IMRS"
export const RENDER_VERSION = 1

const FLAG_FILL = 0x01
const FLAG_DONE = 0x02
// Kind codes are positions in KINDS: 0 stroke ... 6 sticky.
/** x y w h r sx sy sw o fs */
const NUMBERS = 10

/** Stand-in views get ids under a prefix of their own, sorting in stream order; they are never drawn beside the board's. */
const STAND_IN_ID = 'render-stream:'

/** The stream of `views` (as Board.ordered() gives them), leaving out kinds no renderer draws. */
export function encodeRenderStream(views: readonly ElementView[]): Uint8Array {
  const drawn = views.filter((v) => kindCode(v.t) !== undefined)
  const w = new Writer()
  w.bytes(MAGIC)
  w.u8(RENDER_VERSION)
  w.u32(drawn.length)
  const text = new TextEncoder()
  for (const v of drawn) {
    const lengthAt = w.reserveU32()
    const start = w.length
    w.u8(kindCode(v.t) as number)
    w.u8((v.fc === undefined ? 0 : FLAG_FILL) | (v.done ? FLAG_DONE : 0))
    for (const n of [v.x, v.y, v.w, v.h, v.r, v.sx, v.sy, v.sw, v.o, v.fs]) w.f64(n)
    w.string(text.encode(v.sc))
    if (v.fc !== undefined) w.string(text.encode(v.fc))
    w.string(text.encode(v.text))
    w.string(v.t === 'stroke' ? encodePoints(v.points) : new Uint8Array(0))
    w.setU32(lengthAt, w.length - start)
  }
  return w.finish()
}

/** One chunk of every point; pressure only when every point has one (as crates/doc's encode_chunk). */
function encodePoints(points: readonly Point[]): Uint8Array {
  const pressure = points.length > 0 && points.every((p) => p.p !== undefined)
  const q: QuantizedPoint[] = points.map((p) =>
    pressure ? [quantizeCoord(p.x), quantizeCoord(p.y), quantizePressure(p.p as number)] : [quantizeCoord(p.x), quantizeCoord(p.y)],
  )
  return encodeQuantized(q, pressure)
}

/**
 * The views a stream draws, in order, or null when it is not one this
 * version reads (damaged, another version): the page then waits for the board.
 * The views are stand-ins: ids and z keys are made up, authors unknown.
 */
export function decodeRenderStream(bytes: Uint8Array): ElementView[] | null {
  const r = new Reader(bytes)
  for (const b of MAGIC) if (r.u8() !== b) return null
  if (r.u8() !== RENDER_VERSION) return null
  const count = r.u32()
  if (count === null) return null
  // ignoreBOM: a leading U+FEFF is part of the string, as the board holds it.
  const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
  const views: ElementView[] = []
  for (let i = 0; i < count; i++) {
    const len = r.u32()
    if (len === null) return null
    const record = r.take(len)
    if (record === null) return null
    let view: ElementView | null | undefined
    try {
      view = readRecord(new Reader(record), text, i)
    } catch {
      // TextDecoder throws on bytes that are not UTF-8.
      return null
    }
    if (view === null) return null
    if (view !== undefined) views.push(view)
  }
  return r.atEnd() ? views : null
}

/** A record's view; undefined for a kind this version does not know (skipped), null if damaged. */
function readRecord(r: Reader, text: TextDecoder, index: number): ElementView | null | undefined {
  const code = r.u8()
  if (code === null) return null
  const t = KINDS[code]
  if (t === undefined) return undefined
  const flags = r.u8()
  if (flags === null) return null
  const n: number[] = []
  for (let i = 0; i < NUMBERS; i++) {
    const v = r.f64()
    if (v === null) return null
    n.push(v)
  }
  const sc = r.string()
  const fc = (flags & FLAG_FILL) !== 0 ? r.string() : new Uint8Array(0)
  const body = r.string()
  const chunk = r.string()
  if (sc === null || fc === null || body === null || chunk === null) return null
  let points: Point[] = []
  if (chunk.length > 0) {
    const decoded = decodeQuantized(chunk)
    if (decoded === null) return null
    points = decoded.points.map(([x, y, p]) => (p === undefined ? { x: x / 16, y: y / 16 } : { x: x / 16, y: y / 16, p: p / 255 }))
  }
  const [x, y, w, h, rot, sx, sy, sw, o, fs] = n as [number, number, number, number, number, number, number, number, number, number]
  return {
    id: STAND_IN_ID + String(index).padStart(10, '0'),
    t: t as Kind,
    z: '',
    x,
    y,
    w,
    h,
    r: rot,
    sx,
    sy,
    sc: text.decode(sc),
    fc: (flags & FLAG_FILL) !== 0 ? text.decode(fc) : undefined,
    sw,
    o,
    a: undefined,
    c: undefined,
    text: text.decode(body),
    fs,
    points,
    done: (flags & FLAG_DONE) !== 0,
  }
}

function kindCode(t: string): number | undefined {
  const i = KINDS.indexOf(t as Kind)
  return i < 0 ? undefined : i
}

/** Little-endian writes into a buffer that grows by doubling. */
class Writer {
  private buf = new Uint8Array(1024)
  private view = new DataView(this.buf.buffer)
  length = 0

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < this.length + n) size *= 2
    const next = new Uint8Array(size)
    next.set(this.buf.subarray(0, this.length))
    this.buf = next
    this.view = new DataView(next.buffer)
  }

  u8(v: number): void {
    this.room(1)
    this.buf[this.length++] = v
  }

  u32(v: number): void {
    this.room(4)
    this.view.setUint32(this.length, v, true)
    this.length += 4
  }

  /** Room for a u32 written later with setU32; returns its offset. */
  reserveU32(): number {
    this.u32(0)
    return this.length - 4
  }

  setU32(at: number, v: number): void {
    this.view.setUint32(at, v, true)
  }

  f64(v: number): void {
    this.room(8)
    this.view.setFloat64(this.length, v, true)
    this.length += 8
  }

  bytes(b: ArrayLike<number>): void {
    this.room(b.length)
    this.buf.set(b, this.length)
    this.length += b.length
  }

  string(b: Uint8Array): void {
    this.u32(b.length)
    this.bytes(b)
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.length)
  }
}

/** Bounds-checked little-endian reads: null past the end. */
class Reader {
  private pos = 0
  private readonly view: DataView

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  atEnd(): boolean {
    return this.pos === this.bytes.length
  }

  take(n: number): Uint8Array | null {
    if (this.bytes.length - this.pos < n) return null
    const out = this.bytes.subarray(this.pos, this.pos + n)
    this.pos += n
    return out
  }

  u8(): number | null {
    if (this.pos >= this.bytes.length) return null
    return this.bytes[this.pos++] as number
  }

  u32(): number | null {
    if (this.bytes.length - this.pos < 4) return null
    const v = this.view.getUint32(this.pos, true)
    this.pos += 4
    return v
  }

  f64(): number | null {
    if (this.bytes.length - this.pos < 8) return null
    const v = this.view.getFloat64(this.pos, true)
    this.pos += 8
    return v
  }

  string(): Uint8Array | null {
    const len = this.u32()
    return len === null ? null : this.take(len)
  }
}
