// The render stream of docs/PROTOCOL.md ("The render stream"), mirroring
// crates/doc/src/render_stream.rs byte for byte: what the renderer needs to
// draw the board, bottom element first. A joining page draws it before the
// Yjs update is applied; it is a read-only picture, never merged anywhere.

import { PointStore, type PackedPoints } from './packed-points'
import { encodeQuantized, quantizeCoord, quantizePressure, type QuantizedPoint } from './points'
import { KINDS, type ElementView, type Kind, type Point } from './types'

const MAGIC = [0x49, 0x4d, 0x52, 0x53] // "IMRS"
export const RENDER_VERSION = 1

const FLAG_FILL = 0x01
const FLAG_DONE = 0x02
// Kind codes are positions in KINDS: 0 stroke ... 6 sticky.
/** The record's numbers: x y w h r sx sy sw o fs */
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
    w.string(v.t !== 'stroke' ? new Uint8Array(0) : v.packed !== undefined ? encodePacked(v.packed) : encodePoints(v.points))
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

/** The same chunk from packed points, whose values are quantized already: no point objects are built for it. */
function encodePacked(packed: PackedPoints): Uint8Array {
  const q: QuantizedPoint[] = new Array(packed.length)
  for (let i = 0; i < packed.length; i++) q[i] = packed.hasPressure ? [packed.qx(i), packed.qy(i), packed.qp(i)] : [packed.qx(i), packed.qy(i)]
  return encodeQuantized(q, packed.hasPressure)
}

/**
 * The views a stream draws, in order, or null when it is not one this
 * version reads (damaged, another version): the page then waits for the board.
 * The views are stand-ins: ids and z keys are made up, authors unknown. Their
 * points are packed (`packed`); `points` builds the objects on first read.
 */
export function decodeRenderStream(bytes: Uint8Array): ElementView[] | null {
  const r = new Reader(bytes)
  for (const b of MAGIC) if (r.u8() !== b) return null
  if (r.u8() !== RENDER_VERSION) return null
  const count = r.u32()
  if (count === null) return null
  const strings = new StringTable()
  const points = new PointStore()
  const views: ElementView[] = []
  for (let i = 0; i < count; i++) {
    const len = r.u32()
    if (len === null || !r.enter(len)) return null
    let view: StandInView | null | undefined
    try {
      view = readRecord(r, bytes, strings, points, views.length)
    } catch {
      // TextDecoder throws on bytes that are not UTF-8.
      return null
    }
    // Bytes of a known record after its points are a later version's fields.
    r.leave()
    if (view === null) return null
    if (view !== undefined) views.push(view)
  }
  return r.atEnd() ? views : null
}

/**
 * The record `r` has entered, as the `index`th view; undefined for a kind
 * this version does not know (skipped), null if damaged. Strings and the
 * chunk are read in place: a subarray per field costs more than the field.
 */
function readRecord(r: Reader, bytes: Uint8Array, strings: StringTable, points: PointStore, index: number): StandInView | null | undefined {
  const code = r.u8()
  if (code === null) return null
  const t = KINDS[code]
  if (t === undefined) return undefined
  const flags = r.u8()
  if (flags === null || r.remaining() < NUMBERS * 8) return null
  const x = r.f64() as number
  const y = r.f64() as number
  const w = r.f64() as number
  const h = r.f64() as number
  const rot = r.f64() as number
  const sx = r.f64() as number
  const sy = r.f64() as number
  const sw = r.f64() as number
  const o = r.f64() as number
  const fs = r.f64() as number
  const scLength = r.skipString()
  if (scLength === null) return null
  const sc = strings.read(bytes, r.pos - scLength, r.pos)
  let fc: string | undefined
  if ((flags & FLAG_FILL) !== 0) {
    const fcLength = r.skipString()
    if (fcLength === null) return null
    fc = strings.read(bytes, r.pos - fcLength, r.pos)
  }
  const bodyLength = r.skipString()
  if (bodyLength === null) return null
  const body = strings.read(bytes, r.pos - bodyLength, r.pos)
  const chunkLength = r.skipString()
  if (chunkLength === null) return null
  let packed: PackedPoints | undefined
  if (chunkLength > 0) {
    const decoded = points.appendChunk(bytes, r.pos - chunkLength, r.pos)
    if (decoded === null) return null
    packed = decoded
  }
  const id = STAND_IN_ID + String(index).padStart(10, '0')
  return new StandInView(id, t, x, y, w, h, rot, sx, sy, sc, fc, sw, o, body, fs, packed, (flags & FLAG_DONE) !== 0)
}

/**
 * A view decoded from a render stream. A class, not a literal: ten thousand
 * are built before a first frame, and one shape with its fields in the
 * object is the cheapest to build and read. `points` is a getter building
 * the objects from `packed` on first read (outlines, hit tests); the
 * renderer's bounds and polylines read `packed` and never call it.
 */
class StandInView implements ElementView {
  readonly z = ''
  readonly a = undefined
  readonly c = undefined
  #points: Point[] | undefined

  constructor(
    readonly id: string,
    readonly t: Kind,
    readonly x: number,
    readonly y: number,
    readonly w: number,
    readonly h: number,
    readonly r: number,
    readonly sx: number,
    readonly sy: number,
    readonly sc: string,
    readonly fc: string | undefined,
    readonly sw: number,
    readonly o: number,
    readonly text: string,
    readonly fs: number,
    readonly packed: PackedPoints | undefined,
    readonly done: boolean,
  ) {}

  get points(): Point[] {
    this.#points ??= this.packed?.toPoints() ?? []
    return this.#points
  }
}

/** Strings no longer than this are looked up in the stream's table (colours, short texts) before decoding. */
const SHORT_STRING_MAX = 64

/**
 * The stream's strings, each short ASCII one decoded once: a board has a few
 * colours and many empty texts, and ten thousand copies of "#1e1e1e" are
 * garbage the first frame would wait for.
 */
class StringTable {
  /** Short ASCII strings by a hash of their bytes (a collision just decodes again). */
  private readonly seen = new Map<number, string>()
  // ignoreBOM: a leading U+FEFF is part of the string, as the board holds it.
  private readonly text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

  /** UTF-8 `bytes[from..to)` as a string; throws (fatal decoder) on bytes that are not UTF-8. */
  read(bytes: Uint8Array, from: number, to: number): string {
    if (from === to) return ''
    if (to - from > SHORT_STRING_MAX) return this.text.decode(bytes.subarray(from, to))
    let hash = to - from
    let ascii = true
    for (let i = from; i < to; i++) {
      const b = bytes[i] as number
      if (b >= 0x80) ascii = false
      hash = Math.imul(hash ^ b, 0x01000193)
    }
    if (!ascii) return this.text.decode(bytes.subarray(from, to))
    const known = this.seen.get(hash)
    if (known !== undefined && sameAscii(known, bytes, from, to)) return known
    const s = String.fromCharCode.apply(null, bytes.subarray(from, to) as unknown as number[])
    this.seen.set(hash, s)
    return s
  }
}

/** Whether the ASCII string `s` is exactly `bytes[from..to)`. */
function sameAscii(s: string, bytes: Uint8Array, from: number, to: number): boolean {
  if (s.length !== to - from) return false
  for (let i = from; i < to; i++) if (s.charCodeAt(i - from) !== bytes[i]) return false
  return true
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

/**
 * Bounds-checked little-endian reads: null past the end, which is the
 * stream's or, between enter() and leave(), the current record's.
 */
class Reader {
  pos = 0
  private end: number
  /** Where the entered record ends. */
  private recordEnd = -1
  private readonly view: DataView

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    this.end = bytes.length
  }

  atEnd(): boolean {
    return this.pos === this.end
  }

  remaining(): number {
    return this.end - this.pos
  }

  /** Reads stay within the next `length` bytes until leave(); false if the stream ends before them. */
  enter(length: number): boolean {
    if (this.end - this.pos < length) return false
    this.recordEnd = this.pos + length
    this.end = this.recordEnd
    return true
  }

  /** Skips the rest of the entered record. */
  leave(): void {
    this.pos = this.recordEnd
    this.end = this.bytes.length
  }

  u8(): number | null {
    if (this.pos >= this.end) return null
    return this.bytes[this.pos++] as number
  }

  u32(): number | null {
    if (this.end - this.pos < 4) return null
    const v = this.view.getUint32(this.pos, true)
    this.pos += 4
    return v
  }

  f64(): number | null {
    if (this.end - this.pos < 8) return null
    const v = this.view.getFloat64(this.pos, true)
    this.pos += 8
    return v
  }

  /** Skips a string, returning its length (its bytes end at `pos`), or null past the end. */
  skipString(): number | null {
    const len = this.u32()
    if (len === null || this.end - this.pos < len) return null
    this.pos += len
    return len
  }
}
