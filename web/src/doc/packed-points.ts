// Stroke points kept as the chunk codec (docs/SCHEMA.md, "Points") gives
// them, in typed arrays, instead of one `{x, y}` object per point. A joining
// page decodes a 10,000-stroke render stream (~500,000 points) before its
// first frame: as objects that took most of the ~330 ms between the stream's
// arrival and the frame; packed, the points cost one pass over the bytes and
// no garbage, and the renderer reads them straight from the arrays.

import type { Point } from './types'

const FLAG_PRESSURE = 0x01
/** Points the first store holds; it doubles as needed. */
const FIRST_CAPACITY = 4096

/**
 * One stroke's points in quantized units, as the codec carries them: x and y
 * in sixteenths of a px (so `qx(i) / 16` is exactly the `x` the object form
 * holds), pressure 0..255 when every point has one. They live in a
 * PointStore shared by a whole stream: no arrays of their own to allocate.
 */
export class PackedPoints {
  constructor(
    private readonly store: PointStore,
    private readonly start: number,
    readonly length: number,
    readonly hasPressure: boolean,
    /** The smallest and largest x and y (px × 16), found while decoding: bounds without another pass. */
    readonly range: { minX: number; minY: number; maxX: number; maxY: number },
  ) {}

  /** Point i's x, px × 16. */
  qx(i: number): number {
    return this.store.xy[2 * (this.start + i)] as number
  }

  /** Point i's y, px × 16. */
  qy(i: number): number {
    return this.store.xy[2 * (this.start + i) + 1] as number
  }

  /** Point i's pressure, 0..255 (0 when the points have none). */
  qp(i: number): number {
    return this.store.pressure[this.start + i] as number
  }

  /** The same points as objects, as decodeChunk gives them. */
  toPoints(): Point[] {
    const out: Point[] = new Array(this.length)
    for (let i = 0; i < out.length; i++) {
      const x = this.qx(i) / 16
      const y = this.qy(i) / 16
      out[i] = this.hasPressure ? { x, y, p: this.qp(i) / 255 } : { x, y }
    }
    return out
  }
}

/**
 * Points of many chunks decoded into one growing pair of arrays, so a whole
 * render stream allocates a few buffers rather than a pair per stroke.
 */
export class PointStore {
  /** x, y pairs; replaced by a larger copy as it fills (PackedPoints read it through the store). */
  xy: Int32Array
  pressure: Uint8Array
  private length = 0

  /** `capacity`: points to make room for at once; 0 for a store that will hold one chunk, sized to it. */
  constructor(capacity = FIRST_CAPACITY) {
    this.xy = new Int32Array(capacity * 2)
    this.pressure = new Uint8Array(capacity)
  }

  /**
   * Decodes the chunk in `bytes[from..to)` onto the end; null when it is
   * invalid, exactly where decodeQuantized (points.ts) says so: an empty
   * chunk, unknown flags, a truncated or over-long varint, pressure outside
   * 0..255.
   *
   * One loop over the bytes, a varint at a time, writing into local arrays:
   * this runs once per page for ~500,000 points, mostly before the JIT has
   * optimized anything, so every call and property access counts.
   */
  appendChunk(bytes: Uint8Array, from: number, to: number): PackedPoints | null {
    if (from >= to) return null
    const flags = bytes[from] as number
    if (flags & ~FLAG_PRESSURE) return null
    const hasPressure = (flags & FLAG_PRESSURE) !== 0
    // A varint takes at least a byte: room for as many points as the chunk could hold.
    this.reserve(Math.ceil((to - from - 1) / (hasPressure ? 3 : 2)))
    const xy = this.xy
    const pressure = this.pressure
    const start = this.length
    let n = start
    let field = 0
    let value = 0
    let shift = 0
    let x = 0
    let y = 0
    let p = 0
    let minX = Infinity
    let minY = Infinity
    let maxX = -Infinity
    let maxY = -Infinity
    for (let pos = from + 1; pos < to; pos++) {
      const b = bytes[pos] as number
      if (shift === 28) {
        // The fifth byte of a 32-bit varint holds its top four bits and ends it.
        if (b > 0x0f) return null
        value += b * 2 ** 28
      } else {
        value |= (b & 0x7f) << shift
        if ((b & 0x80) !== 0) {
          shift += 7
          continue
        }
      }
      const first = n === start
      if (field === 0) {
        x = first ? unzigzag(value) : (x + unzigzag(value)) | 0
        field = 1
      } else if (field === 1) {
        y = first ? unzigzag(value) : (y + unzigzag(value)) | 0
        field = hasPressure ? 2 : 0
      } else {
        // The first point's pressure is a plain varint, later ones zigzag deltas.
        p = first ? value : p + unzigzag(value)
        if (p < 0 || p > 255) return null
        field = 0
      }
      if (field === 0) {
        xy[2 * n] = x
        xy[2 * n + 1] = y
        pressure[n] = p
        n++
        if (x < minX) minX = x
        if (x > maxX) maxX = x
        if (y < minY) minY = y
        if (y > maxY) maxY = y
      }
      value = 0
      shift = 0
    }
    // Ending inside a varint, or inside a point, is a truncated chunk.
    if (shift !== 0 || field !== 0) return null
    this.length = n
    return new PackedPoints(this, start, n - start, hasPressure, { minX, minY, maxX, maxY })
  }

  /** Makes room for `count` more points. */
  private reserve(count: number): void {
    const needed = this.length + count
    if (needed <= this.pressure.length) return
    let capacity = Math.max(this.pressure.length * 2, FIRST_CAPACITY)
    while (capacity < needed) capacity *= 2
    // A first chunk larger than the store was made for: exactly its room (a store for one chunk starts at 0).
    if (this.length === 0) capacity = needed
    const xy = new Int32Array(capacity * 2)
    xy.set(this.xy.subarray(0, this.length * 2))
    this.xy = xy
    const pressure = new Uint8Array(capacity)
    pressure.set(this.pressure.subarray(0, this.length))
    this.pressure = pressure
  }
}

/** A zigzag-encoded u32 as the i32 it stands for. */
function unzigzag(v: number): number {
  return (v >>> 1) ^ -(v & 1)
}
