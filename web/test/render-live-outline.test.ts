// A live stroke's cached outline equals perfect-freehand's fresh one, point for
// point, after every chunk: the cache is only worth having if it draws the
// same pixels as starting over.
import { getStroke } from 'perfect-freehand'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Board } from '../src/doc/board'
import { strokeOutline } from '../src/render/freehand'
import { LiveOutline, type LiveOutlineOptions } from '../src/render/live-outline'
import { random } from './random'

type Kind = 'wander' | 'zigzag' | 'still' | 'pressure'

/** Input points of one kind: a wandering pen, sharp back-and-forth turns, repeated points, or recorded pressure. */
function strokeInputs(kind: Kind, n: number, rnd: () => number): number[][] {
  const out: number[][] = []
  let x = 100
  let y = 100
  for (let i = 0; i < n; i++) {
    if (kind === 'zigzag') {
      x += i % 6 < 3 ? 9 : -8
      y += rnd() * 2
    } else if (kind === 'still') {
      if (rnd() < 0.5) x += rnd() * 0.4
    } else {
      x += rnd() * 8 - 2
      y += rnd() * 8 - 4
    }
    out.push(kind === 'pressure' ? [x, y, rnd()] : [x, y])
  }
  return out
}

/** The first index where two outlines differ, or -1. */
function firstDifference(a: number[][], b: number[][]): number {
  const n = Math.max(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const p = a[i]
    const q = b[i]
    if (p === undefined || q === undefined || p[0] !== q[0] || p[1] !== q[1]) return i
  }
  return -1
}

describe('LiveOutline', () => {
  const cases: Array<[Kind, number, number]> = [
    ['wander', 2, 1],
    ['wander', 16, 2],
    ['zigzag', 0.5, 3],
    ['zigzag', 4, 4],
    ['still', 2, 5],
    ['pressure', 8, 6],
  ]
  for (const [kind, size, seed] of cases) {
    it(`equals getStroke after every chunk (${kind}, size ${size})`, () => {
      const rnd = random(seed)
      const inputs = strokeInputs(kind, 600, rnd)
      const options: LiveOutlineOptions = { size, thinning: 0.5, smoothing: 0.5, streamline: 0.5, simulatePressure: kind !== 'pressure' }
      const live = new LiveOutline(options)
      let taken = 0
      let compared = 0
      while (taken < inputs.length) {
        const chunk = inputs.slice(taken, taken + 1 + Math.floor(rnd() * 6))
        live.append(chunk)
        taken += chunk.length
        const fresh = getStroke(inputs.slice(0, taken), { ...options, last: false })
        const cached = live.outlinePoints()
        if (cached === null) {
          expect(taken).toBeLessThan(3)
          continue
        }
        const at = firstDifference(cached, fresh)
        expect(at, `after ${taken} points: first difference at outline point ${at} of ${fresh.length}`).toBe(-1)
        compared++
      }
      expect(compared).toBeGreaterThan(100)
      // The cache did its job: all but the last few stroke points were settled once.
      if (kind !== 'still') expect(live.settledPoints).toBeGreaterThan(300)
    })
  }
})

describe('strokeOutline of a stroke drawn chunk by chunk', () => {
  it('equals a fresh outline of the same view after every chunk, and once the stroke ends', () => {
    const board = new Board(new Y.Doc(), 'u-a')
    const rnd = random(7)
    const id = board.beginStroke({ x: 40, y: 30 }, { sc: '#1e1e1e', sw: 3 })
    const inputs = strokeInputs('wander', 400, rnd)
    const fresh = (): number[][] => {
      const v = board.get(id)
      if (v === undefined) throw new Error('no stroke')
      // A copy of the view is a new cache key: its outline is computed from scratch.
      const input = v.points.map((p) => [v.x + p.x * v.sx, v.y + p.y * v.sy])
      return getStroke(input, { size: v.sw, thinning: 0.5, smoothing: 0.5, streamline: 0.5, simulatePressure: true, last: v.done })
    }
    for (let taken = 0; taken < inputs.length; ) {
      const chunk = inputs.slice(taken, taken + 4)
      board.appendPoints(id, chunk.map(([x, y]) => ({ x: x as number, y: y as number })))
      taken += chunk.length
      const at = firstDifference(strokeOutline(board.get(id)!), fresh())
      expect(at, `after ${taken} points`).toBe(-1)
    }
    board.endStroke(id)
    expect(board.get(id)?.done).toBe(true)
    expect(firstDifference(strokeOutline(board.get(id)!), fresh())).toBe(-1)
  })

  it('follows the pressure mode as chunks with and without pressure arrive', () => {
    const board = new Board(new Y.Doc(), 'u-a')
    const rnd = random(8)
    const id = board.beginStroke({ x: 0, y: 0 }, { sc: '#1e1e1e', sw: 6 })
    const inputs = strokeInputs('pressure', 240, rnd)
    const fresh = (): number[][] => {
      const v = board.get(id)!
      const pressure = v.points.length > 0 && v.points.every((p) => p.p !== undefined)
      const input = v.points.map((p) => (pressure ? [v.x + p.x * v.sx, v.y + p.y * v.sy, p.p as number] : [v.x + p.x * v.sx, v.y + p.y * v.sy]))
      return getStroke(input, { size: v.sw, thinning: 0.5, smoothing: 0.5, streamline: 0.5, simulatePressure: !pressure, last: false })
    }
    for (let taken = 0; taken < inputs.length; ) {
      const chunk = inputs.slice(taken, taken + 4)
      // Points 0..159 carry pressure; from 160 on they do not, which turns the whole stroke to simulated pressure.
      board.appendPoints(id, chunk.map(([x, y, p], k) => (taken + k < 160 ? { x: x!, y: y!, p: p! } : { x: x!, y: y! })))
      taken += chunk.length
      expect(firstDifference(strokeOutline(board.get(id)!), fresh()), `after ${taken} points`).toBe(-1)
    }
  })

  it("keeps a live stroke's outline and not a finished one's", () => {
    const board = new Board(new Y.Doc(), 'u-a')
    const id = board.beginStroke({ x: 0, y: 0 }, { sc: '#1e1e1e', sw: 4 })
    board.appendPoints(id, strokeInputs('wander', 40, random(9)).map(([x, y]) => ({ x: x as number, y: y as number })))
    const live = board.get(id)!
    // The next chunk's view is compared with this outline (grownOutlineBox): kept.
    expect(strokeOutline(live)).toBe(strokeOutline(live))
    board.endStroke(id)
    const done = board.get(id)!
    // Read once to build the stroke's path (kept in shapes.ts); kept too, a big board's outlines filled the heap.
    const first = strokeOutline(done)
    const again = strokeOutline(done)
    expect(again).not.toBe(first)
    expect(firstDifference(again, first)).toBe(-1)
  })
})
