// traceOutlineNear hands the canvas a live stroke's curves near the region a
// repaint shows, and chords for the rest. Inside the region the fill must be
// the fill of the whole outline (traceOutline): the winding number of every
// point there is the same. And it must stay small for a small region, or the
// tail of a long stroke costs the whole stroke again, even to find which
// runs are far: the settled ends' run boxes are kept from frame to frame.
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Board } from '../src/doc/board'
import type { Box } from '../src/doc/types'
import { liveRuns, strokeOutline, traceOutline, traceOutlineNear } from '../src/render/freehand'
import { random } from './random'

type Pt = [number, number]

/** A path sink that flattens curves into a polygon, and counts what it was given. */
class Flattened {
  readonly polygon: Pt[] = []
  curves = 0
  lines = 0
  private at: Pt = [0, 0]
  moveTo(x: number, y: number): void {
    this.at = [x, y]
    this.polygon.push(this.at)
  }
  lineTo(x: number, y: number): void {
    this.lines++
    this.at = [x, y]
    this.polygon.push(this.at)
  }
  quadraticCurveTo(cx: number, cy: number, x: number, y: number): void {
    this.curves++
    const [x0, y0] = this.at
    for (let s = 1; s <= 16; s++) {
      const t = s / 16
      const u = 1 - t
      this.polygon.push([u * u * x0 + 2 * u * t * cx + t * t * x, u * u * y0 + 2 * u * t * cy + t * t * y])
    }
    this.at = [x, y]
  }
  closePath(): void {}
}

/** The winding number of `polygon` (closed) around `p`. */
function winding(polygon: Pt[], [px, py]: Pt): number {
  let w = 0
  for (let i = 0; i < polygon.length; i++) {
    const [ax, ay] = polygon[i] as Pt
    const [bx, by] = polygon[(i + 1) % polygon.length] as Pt
    const cross = (bx - ax) * (py - ay) - (px - ax) * (by - ay)
    if (ay <= py && by > py && cross > 0) w++
    else if (ay > py && by <= py && cross < 0) w--
  }
  return w
}

/**
 * The outline of a live stroke of `chunks` chunks of 4 points going back and
 * forth across 500 px, `drift` px down per point on average: with none it
 * crosses itself over and over.
 */
function liveOutline(chunks: number, seed: number, drift: number): number[][] {
  const board = new Board(new Y.Doc(), 'u-a')
  const rnd = random(seed)
  const id = board.beginStroke({ x: 300, y: 300 }, { sc: '#1e1e1e', sw: 8 })
  let x = 300
  let y = 300
  let dx = 1
  for (let chunk = 0; chunk < chunks; chunk++) {
    const pts = []
    for (let k = 0; k < 4; k++) {
      if (x > 600) dx = -1
      if (x < 100) dx = 1
      x += dx * (0.5 + rnd() * 3)
      y += rnd() * 8 - 4 + drift
      pts.push({ x, y })
    }
    board.appendPoints(id, pts)
  }
  const v = board.get(id)!
  expect(v.done).toBe(false)
  return strokeOutline(v)
}

describe('traceOutlineNear', () => {
  it('traces the whole outline, curve for curve, for a region holding it all', () => {
    const outline = liveOutline(100, 1, 0)
    const whole = new Flattened()
    traceOutline(outline, whole)
    const near = new Flattened()
    traceOutlineNear(outline, { minX: -1e9, minY: -1e9, maxX: 1e9, maxY: 1e9 }, near)
    expect(near.lines).toBe(0)
    expect(near.polygon).toEqual(whole.polygon)
  })

  it('fills every point of a small region as the whole outline does, where the stroke crosses itself', () => {
    const outline = liveOutline(500, 2, 0)
    const whole = new Flattened()
    traceOutline(outline, whole)
    const rnd = random(3)
    let inked = 0
    let chords = 0
    for (let r = 0; r < 40; r++) {
      // A tail-sized region somewhere on the stroke.
      const [cx, cy] = outline[Math.floor(rnd() * outline.length)] as Pt
      const region: Box = { minX: cx - 12, minY: cy - 12, maxX: cx + 12, maxY: cy + 12 }
      const near = new Flattened()
      traceOutlineNear(outline, region, near)
      chords += near.lines
      for (let s = 0; s < 50; s++) {
        const p: Pt = [region.minX + rnd() * 24, region.minY + rnd() * 24]
        const w = winding(whole.polygon, p)
        if (w !== 0) inked++
        expect(winding(near.polygon, p), `winding at ${p} in region ${r}`).toBe(w)
      }
    }
    // The regions sit on the stroke, and runs far from them were replaced.
    expect(inked).toBeGreaterThan(200)
    expect(chords).toBeGreaterThan(40)
  })

  it('gives a region around the tail of a long stroke the curves near it, not the stroke', () => {
    const outline = liveOutline(500, 4, 2)
    const whole = new Flattened()
    traceOutline(outline, whole)
    // The tail is where the left side ends and the end cap turns: halfway along the outline.
    const [cx, cy] = outline[outline.length >> 1] as Pt
    const near = new Flattened()
    traceOutlineNear(outline, { minX: cx - 12, minY: cy - 12, maxX: cx + 12, maxY: cy + 12 }, near)
    expect(whole.curves).toBeGreaterThan(2000)
    expect(near.curves).toBeLessThanOrEqual(4 * 32)
  })

  it('fills each frame of a growing stroke as the whole outline does, with the settled runs kept from frame to frame', () => {
    const board = new Board(new Y.Doc(), 'u-a')
    const rnd = random(5)
    const id = board.beginStroke({ x: 300, y: 300 }, { sc: '#1e1e1e', sw: 6 })
    let x = 300
    let y = 300
    let dx = 1
    let cachedRuns = 0
    for (let chunk = 0; chunk < 300; chunk++) {
      const pts = []
      for (let k = 0; k < 4; k++) {
        if (x > 600) dx = -1
        if (x < 100) dx = 1
        x += dx * (0.5 + rnd() * 3)
        y += rnd() * 8 - 4
        pts.push({ x, y })
      }
      board.appendPoints(id, pts)
      const v = board.get(id)!
      const outline = strokeOutline(v)
      const runs = liveRuns(v)
      expect(runs).toBeDefined()
      cachedRuns = Math.max(cachedRuns, runs!.head.length + runs!.foot.length)
      if (chunk % 10 !== 9) {
        // A frame that only fills the cache; every tenth is checked.
        traceOutlineNear(outline, { minX: x - 12, minY: y - 12, maxX: x + 12, maxY: y + 12 }, new Flattened(), runs)
        continue
      }
      const whole = new Flattened()
      traceOutline(outline, whole)
      // Around the tail, and somewhere along the stroke, where it crosses its older parts.
      const [ox, oy] = outline[Math.floor(rnd() * outline.length)] as Pt
      for (const [cx, cy] of [[x, y], [ox, oy]] as Pt[]) {
        const region: Box = { minX: cx - 12, minY: cy - 12, maxX: cx + 12, maxY: cy + 12 }
        const near = new Flattened()
        traceOutlineNear(outline, region, near, runs)
        for (let s = 0; s < 30; s++) {
          const p: Pt = [region.minX + rnd() * 24, region.minY + rnd() * 24]
          expect(winding(near.polygon, p), `winding at ${p}, chunk ${chunk}`).toBe(winding(whole.polygon, p))
        }
      }
    }
    expect(cachedRuns).toBeGreaterThan(40)
  })

  it('reads a long live stroke by its settled runs, not point by point, once their boxes are kept', () => {
    const board = new Board(new Y.Doc(), 'u-a')
    const rnd = random(6)
    const id = board.beginStroke({ x: 300, y: 300 }, { sc: '#1e1e1e', sw: 6 })
    let y = 300
    const reads = (outline: number[][], region: Box, withRuns: boolean, v: ReturnType<Board['get']>): number => {
      let count = 0
      const counted = new Proxy(outline, {
        get(target, key, receiver) {
          if (typeof key === 'string' && /^\d+$/.test(key)) count++
          return Reflect.get(target, key, receiver)
        },
      })
      traceOutlineNear(counted, region, new Flattened(), withRuns ? liveRuns(v!) : undefined)
      return count
    }
    let last = { outline: [] as number[][], region: { minX: 0, minY: 0, maxX: 0, maxY: 0 } as Box, v: undefined as ReturnType<Board['get']> }
    for (let chunk = 0; chunk < 500; chunk++) {
      const pts = []
      for (let k = 0; k < 4; k++) pts.push({ x: 300 + (chunk * 4 + k) * 3, y: (y += rnd() * 2 - 1) })
      board.appendPoints(id, pts)
      const v = board.get(id)!
      const tail = pts[pts.length - 1]!
      last = { outline: strokeOutline(v), region: { minX: tail.x - 12, minY: tail.y - 12, maxX: tail.x + 12, maxY: tail.y + 12 }, v }
      // Each chunk's frame: the kept boxes grow with the settled ends.
      reads(last.outline, last.region, true, v)
    }
    const n = last.outline.length
    expect(n).toBeGreaterThan(2000)
    expect(reads(last.outline, last.region, false, last.v)).toBeGreaterThan(n)
    expect(reads(last.outline, last.region, true, last.v)).toBeLessThan(n / 4)
  })
})
