// The stroke points codec of docs/SCHEMA.md ("Points"), a port of
// tests/crosslang/points.mjs, which mirrors crates/doc/src/points.rs byte for byte.
//
// Quantized values are 32-bit signed integers. JavaScript bit operators work on
// int32, so `| 0` wraps a sum or difference to i32 (as Rust's wrapping_add/sub)
// and `>>> 0` reinterprets the bits as u32 where a varuint needs them unsigned.

import type { Point } from './types'

const FLAG_PRESSURE = 0x01
const I32_MIN = -(2 ** 31)
const I32_MAX = 2 ** 31 - 1

/** A decoded point before scaling back to px: `[qx, qy]` or `[qx, qy, qp]`. */
export type QuantizedPoint = [number, number] | [number, number, number]

/** `round(v × 16)`, half away from zero, clamped to i32; NaN becomes 0 (as Rust's `as i32`). */
export function quantizeCoord(v: number): number {
  const s = v * 16
  if (Number.isNaN(s)) return 0
  const q = Math.sign(s) * Math.round(Math.abs(s))
  // `| 0` also turns -0 into 0, so the zigzag below never sees it.
  return Math.min(I32_MAX, Math.max(I32_MIN, q)) | 0
}

/** `round(p × 255)` with p clamped to 0..1; NaN becomes 0. */
export function quantizePressure(p: number): number {
  if (Number.isNaN(p)) return 0
  return Math.round(Math.min(1, Math.max(0, p)) * 255)
}

/**
 * Encodes points (px, relative to the element origin) as one chunk. With
 * `hasPressure` every point must carry `p`; callers decide it with `allHavePressure`.
 */
export function encodeChunk(points: readonly Point[], hasPressure: boolean): Uint8Array {
  const q: QuantizedPoint[] = points.map((pt) => {
    if (!hasPressure) return [quantizeCoord(pt.x), quantizeCoord(pt.y)]
    if (typeof pt.p !== 'number') throw new TypeError('encodeChunk: a point has no pressure')
    return [quantizeCoord(pt.x), quantizeCoord(pt.y), quantizePressure(pt.p)]
  })
  return encodeQuantized(q, hasPressure)
}

/** SCHEMA: "A writer sets the pressure flag only if every point of the chunk has a pressure." */
export function allHavePressure(points: readonly { p?: number }[]): boolean {
  return points.length > 0 && points.every((pt) => typeof pt.p === 'number')
}

/** Encodes already quantized points as one chunk; throws on values the format cannot hold. */
export function encodeQuantized(points: readonly QuantizedPoint[], hasPressure: boolean): Uint8Array {
  const out: number[] = [hasPressure ? FLAG_PRESSURE : 0]
  let px = 0
  let py = 0
  let pp = 0
  points.forEach((point, i) => {
    const [x, y] = point
    const p = point[2] ?? 0
    if (!isI32(x) || !isI32(y)) throw new RangeError(`coordinate outside i32: ${x}, ${y}`)
    if (hasPressure && !(Number.isInteger(p) && p >= 0 && p <= 255)) {
      throw new RangeError(`pressure outside 0..255: ${p}`)
    }
    if (i === 0) {
      writeZigzag(out, x)
      writeZigzag(out, y)
      if (hasPressure) writeVarUint(out, p)
    } else {
      writeZigzag(out, (x - px) | 0)
      writeZigzag(out, (y - py) | 0)
      if (hasPressure) writeZigzag(out, p - pp)
    }
    px = x
    py = y
    pp = p
  })
  return Uint8Array.from(out)
}

/** A decoded chunk in quantized units, or null when the chunk is invalid. */
export function decodeQuantized(bytes: Uint8Array): { pressure: boolean; points: QuantizedPoint[] } | null {
  if (bytes.length === 0) return null
  const flags = bytes[0] as number
  if (flags & ~FLAG_PRESSURE) return null
  const pressure = (flags & FLAG_PRESSURE) !== 0
  const r: Reader = { bytes, pos: 1 }
  const points: QuantizedPoint[] = []
  let prev: QuantizedPoint | null = null
  while (r.pos < bytes.length) {
    const dx = readZigzag(r)
    const dy = readZigzag(r)
    if (dx === null || dy === null) return null
    let point: QuantizedPoint
    if (prev === null) {
      if (pressure) {
        const p = readVarUint(r)
        if (p === null || p > 255) return null
        point = [dx, dy, p]
      } else {
        point = [dx, dy]
      }
    } else {
      const x: number = (prev[0] + dx) | 0
      const y: number = (prev[1] + dy) | 0
      if (pressure) {
        const dp = readZigzag(r)
        if (dp === null) return null
        const p: number = (prev[2] ?? 0) + dp
        if (p < 0 || p > 255) return null
        point = [x, y, p]
      } else {
        point = [x, y]
      }
    }
    points.push(point)
    prev = point
  }
  return { pressure, points }
}

/** Points of one chunk in px (pressure 0..1), or null: readers skip invalid chunks. */
export function decodeChunk(bytes: Uint8Array): Point[] | null {
  const decoded = decodeQuantized(bytes)
  if (decoded === null) return null
  return decoded.points.map(([x, y, p]) => (p === undefined ? { x: x / 16, y: y / 16 } : { x: x / 16, y: y / 16, p: p / 255 }))
}

/**
 * One chunk holding every point of `chunks`, losslessly (quantized values are
 * re-encoded as they are). Pressure is kept only if every chunk had it. Null if
 * any chunk is invalid: SCHEMA says such a stroke is left unmerged, so the
 * invalid chunk (perhaps from a newer client) is kept as it is.
 */
export function mergeChunks(chunks: readonly Uint8Array[]): Uint8Array | null {
  const decoded = []
  for (const chunk of chunks) {
    const d = decodeQuantized(chunk)
    if (d === null) return null
    decoded.push(d)
  }
  const pressure = decoded.length > 0 && decoded.every((d) => d.pressure)
  const points: QuantizedPoint[] = []
  for (const d of decoded) {
    for (const [x, y, p] of d.points) points.push(pressure ? [x, y, p ?? 0] : [x, y])
  }
  return encodeQuantized(points, pressure)
}

interface Reader {
  bytes: Uint8Array
  pos: number
}

function isI32(n: number): boolean {
  return Number.isInteger(n) && n >= I32_MIN && n <= I32_MAX
}

function writeVarUint(out: number[], n: number): void {
  let v = n >>> 0
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80)
    v >>>= 7
  }
  out.push(v)
}

function writeZigzag(out: number[], n: number): void {
  writeVarUint(out, ((n << 1) ^ (n >> 31)) >>> 0)
}

/** An unsigned varint of at most 32 bits; null if truncated or too large. */
function readVarUint(r: Reader): number | null {
  let value = 0
  for (let i = 0; ; i++) {
    if (r.pos >= r.bytes.length) return null
    const b = r.bytes[r.pos++] as number
    if (i === 4 && b > 0x0f) return null
    value += (b & 0x7f) * 2 ** (7 * i) // multiply: `<<` would overflow into the sign bit
    if ((b & 0x80) === 0) return value // always so by the 5th byte
  }
}

function readZigzag(r: Reader): number | null {
  const v = readVarUint(r)
  return v === null ? null : (v >>> 1) ^ -(v & 1)
}
