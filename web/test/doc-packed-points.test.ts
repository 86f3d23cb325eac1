// Packed points (doc/packed-points.ts) decode exactly what the reference
// decoder (points.ts's decodeQuantized) decodes, and refuse exactly what it
// refuses: the stand-in drawn from them must be the board's drawing.
import { describe, expect, it } from 'vitest'
import { PointStore, type PackedPoints } from '../src/doc/packed-points'
import { decodeChunk, decodeQuantized, encodeQuantized, type QuantizedPoint } from '../src/doc/points'
import { random } from './random'

const I32_MIN = -(2 ** 31)
const I32_MAX = 2 ** 31 - 1

/** Points with small steps, huge jumps and the i32 extremes (deltas wrap), with or without pressure. */
function randomPoints(rnd: () => number, pressure: boolean): QuantizedPoint[] {
  const n = 1 + Math.floor(rnd() * 40)
  const out: QuantizedPoint[] = []
  for (let i = 0; i < n; i++) {
    const pick = rnd()
    const coord = () =>
      pick < 0.1 ? (rnd() < 0.5 ? I32_MIN : I32_MAX) : pick < 0.3 ? Math.floor((rnd() - 0.5) * 2 ** 32) : Math.floor((rnd() - 0.5) * 4000)
    const x = Math.max(I32_MIN, Math.min(I32_MAX, coord()))
    const y = Math.max(I32_MIN, Math.min(I32_MAX, coord()))
    out.push(pressure ? [x, y, Math.floor(rnd() * 256)] : [x, y])
  }
  return out
}

/** The packed points as decodeQuantized's result, for comparison. */
function quantized(packed: PackedPoints): { pressure: boolean; points: QuantizedPoint[] } {
  const points: QuantizedPoint[] = []
  for (let i = 0; i < packed.length; i++) {
    points.push(packed.hasPressure ? [packed.qx(i), packed.qy(i), packed.qp(i)] : [packed.qx(i), packed.qy(i)])
  }
  return { pressure: packed.hasPressure, points }
}

/** appendChunk's reading of `chunk` placed inside a larger buffer, as the render stream holds it. */
function appendAlone(store: PointStore, chunk: Uint8Array): PackedPoints | null {
  const framed = new Uint8Array(chunk.length + 7).fill(0xff)
  framed.set(chunk, 3)
  return store.appendChunk(framed, 3, 3 + chunk.length)
}

describe('packed points', () => {
  it('decode every chunk as decodeQuantized does, into one store shared across chunks', () => {
    const rnd = random(7)
    const store = new PointStore()
    const kept: Array<[PackedPoints, ReturnType<typeof decodeQuantized>]> = []
    for (let i = 0; i < 400; i++) {
      const chunk = encodeQuantized(randomPoints(rnd, rnd() < 0.5), false)
      const withPressure = encodeQuantized(randomPoints(rnd, true), true)
      for (const c of [chunk, withPressure]) {
        const packed = appendAlone(store, c)
        expect(packed).not.toBeNull()
        kept.push([packed as PackedPoints, decodeQuantized(c)])
      }
    }
    // Read after the store grew many times: earlier points are still theirs.
    for (const [packed, reference] of kept) expect(quantized(packed)).toEqual(reference)
    // And as objects, exactly decodeChunk's.
    const last = encodeQuantized(randomPoints(rnd, true), true)
    expect((appendAlone(store, last) as PackedPoints).toPoints()).toEqual(decodeChunk(last))
  })

  it('refuse exactly the damaged chunks decodeQuantized refuses, leaving the store as it was', () => {
    const rnd = random(11)
    const store = new PointStore()
    const before = appendAlone(store, encodeQuantized([[5, 6]], false)) as PackedPoints
    let refused = 0
    for (let i = 0; i < 300; i++) {
      const chunk = encodeQuantized(randomPoints(rnd, rnd() < 0.5), rnd() < 0.5)
      const variants: Uint8Array[] = [chunk.subarray(0, Math.floor(rnd() * chunk.length))]
      const flipped = chunk.slice()
      flipped[Math.floor(rnd() * flipped.length)] = Math.floor(rnd() * 256)
      variants.push(flipped)
      // An over-long varint (a fifth byte over 0x0f), unknown flags, out-of-range pressure.
      variants.push(Uint8Array.from([0, 0xff, 0xff, 0xff, 0xff, 0x1f, 0]), Uint8Array.from([2, 0, 0]), Uint8Array.from([1, 0, 0, 0x80, 0x02]))
      variants.push(Uint8Array.from([1, 0, 0, 0xff, 2, 2, 2]))
      for (const v of variants) {
        const reference = decodeQuantized(v)
        const packed = appendAlone(store, v)
        if (reference === null) {
          refused++
          expect(packed, `chunk ${Array.from(v)}`).toBeNull()
        } else {
          expect(packed, `chunk ${Array.from(v)}`).not.toBeNull()
          expect(quantized(packed as PackedPoints)).toEqual(reference)
        }
      }
    }
    expect(refused).toBeGreaterThan(300)
    expect(quantized(before)).toEqual({ pressure: false, points: [[5, 6]] })
  })

  it('in a store made for one chunk, take no more room than that chunk could hold, and grow for more', () => {
    const rnd = random(13)
    const store = new PointStore(0)
    const first = encodeQuantized(randomPoints(rnd, true), true)
    const packed = appendAlone(store, first) as PackedPoints
    // At most a point per three bytes (x, y and pressure take a byte at least), after the flags byte.
    expect(store.pressure.length).toBe(Math.ceil((first.length - 1) / 3))
    const second = encodeQuantized(randomPoints(rnd, false), false)
    expect(quantized(appendAlone(store, second) as PackedPoints)).toEqual(decodeQuantized(second))
    expect(quantized(packed)).toEqual(decodeQuantized(first))
  })
})
