// The points codec against docs/SCHEMA.md's worked examples and edge cases, and
// against the chunks of tests/fixtures/yjs-board.json (written by the reference codec).
import * as fs from 'node:fs'

import { describe, expect, it } from 'vitest'
import {
  allHavePressure,
  decodeChunk,
  decodeQuantized,
  encodeChunk,
  encodeQuantized,
  mergeChunks,
  quantizeCoord,
  quantizePressure,
  type QuantizedPoint,
} from '../src/doc/points'

const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')
const bytes = (h: string) => Uint8Array.from((h.replace(/\s+/g, '').match(/../g) ?? []).map((b) => parseInt(b, 16)))
const I32_MIN = -(2 ** 31)
const I32_MAX = 2 ** 31 - 1

describe('points codec (SCHEMA.md "Points")', () => {
  it('encodes the worked example without pressure byte for byte', () => {
    const chunk = encodeChunk([{ x: 0, y: 0 }, { x: 1.5, y: -0.25 }, { x: 2, y: 1 }], false)
    expect(hex(chunk)).toBe('00' + '0000' + '3007' + '1028')
    expect(decodeChunk(chunk)).toEqual([{ x: 0, y: 0 }, { x: 1.5, y: -0.25 }, { x: 2, y: 1 }])
  })

  it('encodes the worked example with pressure byte for byte', () => {
    const points = [{ x: 0, y: 0, p: 0.5 }, { x: 1.5, y: -0.25, p: 0.6 }, { x: 2, y: 1, p: 1 }]
    expect(allHavePressure(points)).toBe(true)
    const chunk = encodeChunk(points, true)
    expect(hex(chunk)).toBe('01' + '00008001' + '300732' + '1028cc01')
    expect(decodeQuantized(chunk)).toEqual({ pressure: true, points: [[0, 0, 128], [24, -4, 153], [32, 16, 255]] })
    expect(decodeChunk(chunk)?.map((p) => p.p)).toEqual([128 / 255, 153 / 255, 1])
  })

  it('quantizes half away from zero, clamps, and maps NaN to 0', () => {
    expect(quantizeCoord(1 / 32)).toBe(1)
    expect(quantizeCoord(-1 / 32)).toBe(-1)
    expect(quantizeCoord(3 / 32)).toBe(2)
    expect(Object.is(quantizeCoord(-0.01), 0)).toBe(true)
    expect(quantizeCoord(1e12)).toBe(I32_MAX)
    expect(quantizeCoord(-Infinity)).toBe(I32_MIN)
    expect(quantizeCoord(NaN)).toBe(0)
    expect(quantizePressure(0.5)).toBe(128)
    expect(quantizePressure(-3)).toBe(0)
    expect(quantizePressure(7)).toBe(255)
    expect(quantizePressure(NaN)).toBe(0)
  })

  it('zigzags the i32 extremes', () => {
    const cases: Array<[number, string]> = [[0, '00'], [-1, '01'], [1, '02'], [-2, '03'], [I32_MAX, 'feffffff0f'], [I32_MIN, 'ffffffff0f']]
    for (const [n, h] of cases) {
      const chunk = encodeQuantized([[n, 0]], false)
      expect(hex(chunk)).toBe(`00${h}00`)
      expect(decodeQuantized(chunk)?.points).toEqual([[n, 0]])
    }
  })

  it('wraps deltas around i32', () => {
    const points: QuantizedPoint[] = [[I32_MAX, I32_MIN], [I32_MIN, I32_MAX], [0, 0], [I32_MAX, I32_MAX]]
    expect(decodeQuantized(encodeQuantized(points, false))?.points).toEqual(points)
  })

  it('round-trips random points', () => {
    let s = 0x9e3779b9
    const next = () => {
      s ^= s << 13
      s ^= s >>> 17
      s ^= s << 5
      return (s >>>= 0)
    }
    for (let round = 0; round < 200; round++) {
      const pressure = round % 2 === 1
      const wide = round % 5 === 0
      const points: QuantizedPoint[] = Array.from({ length: next() % 40 }, () => {
        const coord = () => (wide ? next() | 0 : (next() % 20001) - 10000)
        return pressure ? [coord(), coord(), next() % 256] : [coord(), coord()]
      })
      expect(decodeQuantized(encodeQuantized(points, pressure))).toEqual({ pressure, points })
    }
  })

  it('returns null for every kind of invalid chunk', () => {
    const invalid = {
      'empty chunk': '',
      'unknown flag bit': '02 00 00',
      'unknown high flag bit': '80 00 00',
      'truncated varint': '00 80',
      'point missing its y': '00 02',
      'truncated pressure': '01 00 00',
      'varint over 32 bits': '00 ffffffff10 00',
      'varint of 6 bytes': '00 ffffffff8f01 00',
      'first pressure over 255': '01 00 00 8002',
      'pressure delta below 0': '01 00 00 00 00 00 01',
      'pressure delta over 255': '01 00 00 ff01 00 00 02',
    }
    for (const [name, h] of Object.entries(invalid)) expect(decodeChunk(bytes(h)), name).toBeNull()
  })

  it('accepts the largest 5-byte varint, over-long varints and a flags-only chunk', () => {
    expect(decodeQuantized(bytes('00 ffffffff0f 00'))?.points).toEqual([[I32_MIN, 0]])
    expect(decodeQuantized(bytes('00 8000 00'))?.points).toEqual([[0, 0]])
    expect(decodeChunk(bytes('00'))).toEqual([])
    expect(decodeChunk(bytes('01'))).toEqual([])
  })

  it('merges chunks losslessly, keeping pressure only if every chunk had it', () => {
    const a = encodeQuantized([[0, 0, 10], [5, 5, 20]], true)
    const b = encodeQuantized([[9, -3, 30]], true)
    const c = encodeQuantized([[100, 100]], false)
    expect(decodeQuantized(mergeChunks([a, b]) as Uint8Array)).toEqual({
      pressure: true,
      points: [[0, 0, 10], [5, 5, 20], [9, -3, 30]],
    })
    expect(decodeQuantized(mergeChunks([a, b, c]) as Uint8Array)).toEqual({
      pressure: false,
      points: [[0, 0], [5, 5], [9, -3], [100, 100]],
    })
    expect(mergeChunks([a, bytes('80 00 00')])).toBeNull()
  })

  it('decodes the fixture chunks written by the reference codec', () => {
    const fixture = JSON.parse(fs.readFileSync(new URL('../../tests/fixtures/yjs-board.json', import.meta.url), 'utf8')) as {
      elements: Array<{ chunks: string[] | null; points: number[][] | null }>
    }
    let checked = 0
    for (const el of fixture.elements) {
      if (el.chunks === null) continue
      const points = el.chunks.flatMap((c) => decodeQuantized(bytes(c))?.points ?? [])
      expect(points).toEqual(el.points)
      // Re-encoding the valid chunks reproduces the reference bytes.
      for (const c of el.chunks) {
        const d = decodeQuantized(bytes(c))
        if (d !== null) expect(hex(encodeQuantized(d.points, d.pressure))).toBe(c)
      }
      checked++
    }
    expect(checked).toBe(3)
  })
})
