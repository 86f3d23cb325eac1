// An append to a live stroke redraws only grownOutlineBox(previous view, new
// view). The box must hold every outline point that changed, with the two
// neighbours either side whose curves pass through it (traceOutline), or the
// old tail stays on screen; and it must stay near the tail, or the redraw
// costs the whole stroke again.
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Board } from '../src/doc/board'
import type { Box, ElementView } from '../src/doc/types'
import { grownOutlineBox, strokeOutline } from '../src/render/freehand'
import { random } from './random'

/** The ranges of `before` and `after` outside their common start and common end: what changed. */
function changedRanges(before: number[][], after: number[][]): { from: number; beforeTo: number; afterTo: number } {
  const same = (p: number[] | undefined, q: number[] | undefined) => p !== undefined && q !== undefined && p[0] === q[0] && p[1] === q[1]
  let from = 0
  while (from < before.length && from < after.length && same(before[from], after[from])) from++
  let end = 0
  while (end < before.length - from && end < after.length - from && same(before[before.length - 1 - end], after[after.length - 1 - end])) end++
  return { from, beforeTo: before.length - end, afterTo: after.length - end }
}

function inside(box: Box, p: number[]): boolean {
  return (p[0] as number) >= box.minX && (p[0] as number) <= box.maxX && (p[1] as number) >= box.minY && (p[1] as number) <= box.maxY
}

type Pen = 'wander' | 'zigzag' | 'pressure'

function drawLive(pen: Pen, sw: number, seed: number): { boxes: number; worstShare: number } {
  const board = new Board(new Y.Doc(), 'u-a')
  const rnd = random(seed)
  const id = board.beginStroke({ x: 10, y: 10 }, { sc: '#1e1e1e', sw })
  let x = 10
  let y = 10
  let prev: ElementView | undefined
  let boxes = 0
  let worstShare = 0
  for (let chunk = 0; chunk < 150; chunk++) {
    const pts = []
    for (let k = 0; k < 4; k++) {
      const i = chunk * 4 + k
      if (pen === 'zigzag') {
        x += i % 6 < 3 ? 9 : -8
        y += rnd() * 2
      } else {
        x += rnd() * 4 - 1
        y += rnd() * 4 - 2
      }
      pts.push(pen === 'pressure' ? { x, y, p: rnd() } : { x, y })
    }
    board.appendPoints(id, pts)
    const v = board.get(id)!
    const now = strokeOutline(v)
    if (prev !== undefined) {
      const before = strokeOutline(prev)
      const box = grownOutlineBox(prev, v)
      if (box !== undefined) {
        boxes++
        const { from, beforeTo, afterTo } = changedRanges(before, now)
        for (let i = Math.max(0, from - 2); i < Math.min(before.length, beforeTo + 2); i++) {
          expect(inside(box, before[i]!), `chunk ${chunk}: old outline point ${i} of ${before.length}`).toBe(true)
        }
        for (let i = Math.max(0, from - 2); i < Math.min(now.length, afterTo + 2); i++) {
          expect(inside(box, now[i]!), `chunk ${chunk}: new outline point ${i} of ${now.length}`).toBe(true)
        }
        const whole = board.elementBounds(id)!
        const share = ((box.maxX - box.minX) * (box.maxY - box.minY)) / ((whole.maxX - whole.minX + sw) * (whole.maxY - whole.minY + sw))
        if (chunk >= 100) worstShare = Math.max(worstShare, share)
      }
    }
    prev = v
  }
  return { boxes, worstShare }
}

describe('grownOutlineBox', () => {
  const cases: Array<[Pen, number, number]> = [
    ['wander', 2, 1],
    ['wander', 16, 2],
    ['zigzag', 4, 3],
    ['pressure', 8, 4],
  ]
  for (const [pen, sw, seed] of cases) {
    it(`covers every changed outline point and stays at the tail (${pen}, width ${sw})`, () => {
      const { boxes, worstShare } = drawLive(pen, sw, seed)
      // Known for all but the first few chunks, while too little is settled.
      expect(boxes).toBeGreaterThan(140)
      // Past 400 points, a chunk's box is a sliver of the stroke's.
      expect(worstShare).toBeLessThan(0.05)
    })
  }

  it('is unknown across the end of the stroke and for views of different strokes', () => {
    const board = new Board(new Y.Doc(), 'u-a')
    const a = board.beginStroke({ x: 0, y: 0 }, { sc: '#1e1e1e', sw: 2 })
    const b = board.beginStroke({ x: 0, y: 0 }, { sc: '#1e1e1e', sw: 2 })
    const line = (n: number, dy: number) => Array.from({ length: n }, (_, i) => ({ x: i * 3, y: dy + (i % 2) }))
    board.appendPoints(a, line(60, 0))
    board.appendPoints(b, line(60, 50))
    const liveA = board.get(a)!
    strokeOutline(liveA)
    strokeOutline(board.get(b)!)
    expect(grownOutlineBox(liveA, board.get(b)!)).toBeUndefined()
    board.endStroke(a)
    expect(grownOutlineBox(liveA, board.get(a)!)).toBeUndefined()
  })
})
