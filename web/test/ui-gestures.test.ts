// The touch and pen gesture state machine (ui/gestures.ts), fed pointer events
// by hand: one finger uses the tool, two pinch, a pen makes touches palms.

import { beforeEach, describe, expect, it } from 'vitest'
import { Gestures, PALM_REJECTION_MS, STRAY_STROKE_MS, STRAY_STROKE_PX } from '../src/ui/gestures'

let g: Gestures

beforeEach(() => {
  g = new Gestures()
})

const touch = (id: number, x: number, y: number, time: number) => ({ id, type: 'touch', at: { x, y }, time })
const pen = (x: number, y: number, time: number) => ({ id: 99, type: 'pen', at: { x, y }, time })

describe('one finger', () => {
  it('uses the tool from down to up', () => {
    expect(g.down(touch(1, 0, 0, 0))).toEqual({ route: 'tool' })
    expect(g.move(touch(1, 50, 0, 16))).toEqual({ route: 'tool' })
    expect(g.up({ id: 1, type: 'touch', time: 32 })).toBe('tool')
  })

  it('leaves mice and pens to the tool', () => {
    expect(g.down({ id: 1, type: 'mouse', at: { x: 0, y: 0 }, time: 0 })).toEqual({ route: 'tool' })
    expect(g.move({ id: 1, type: 'mouse', at: { x: 5, y: 0 }, time: 1 })).toEqual({ route: 'tool' })
    expect(g.up({ id: 1, type: 'mouse', time: 2 })).toBe('tool')
    expect(g.down(pen(0, 0, 10))).toEqual({ route: 'tool' })
    expect(g.move(pen(5, 0, 11))).toEqual({ route: 'tool' })
    expect(g.up({ id: 99, type: 'pen', time: 12 })).toBe('tool')
  })
})

describe('two fingers', () => {
  it('discard a stroke that had just begun, then pinch about the midpoint', () => {
    g.down(touch(1, 0, 0, 1000))
    g.move(touch(1, 30, 0, 1000 + STRAY_STROKE_MS / 2))
    expect(g.down(touch(2, 100, 0, 1000 + STRAY_STROKE_MS - 1))).toEqual({ route: 'pinch', end: { pointerId: 1, how: 'discard' } })
    // The second finger spreads from 70 px apart to 140: twice the zoom, about the new midpoint.
    const step = g.move(touch(2, 170, 0, 1300))
    expect(step.route).toBe('pinch')
    if (step.route !== 'pinch') return
    expect(step.step.factor).toBeCloseTo(2)
    expect(step.step.center).toEqual({ x: 100, y: 0 })
    expect(step.step.dx).toBeCloseTo(35)
    // The first finger's moves pinch too.
    expect(g.move(touch(1, 20, 0, 1310)).route).toBe('pinch')
  })

  it('discard a stroke that never moved, however long ago it began', () => {
    g.down(touch(1, 0, 0, 0))
    g.move(touch(1, STRAY_STROKE_PX - 1, 0, 5000))
    expect(g.down(touch(2, 100, 0, 10_000)).end).toEqual({ pointerId: 1, how: 'discard' })
  })

  it('keep a real stroke: old enough and long enough', () => {
    g.down(touch(1, 0, 0, 0))
    g.move(touch(1, STRAY_STROKE_PX + 1, 0, STRAY_STROKE_MS))
    expect(g.down(touch(2, 100, 0, STRAY_STROKE_MS))).toEqual({ route: 'pinch', end: { pointerId: 1, how: 'keep' } })
  })

  it('lifting back to one finger draws nothing until every finger lifts', () => {
    g.down(touch(1, 0, 0, 0))
    g.down(touch(2, 100, 0, 10))
    expect(g.up({ id: 2, type: 'touch', time: 20 })).toBe('ignore')
    expect(g.move(touch(1, 40, 40, 30))).toEqual({ route: 'ignore' })
    expect(g.up({ id: 1, type: 'touch', time: 40 })).toBe('ignore')
    expect(g.down(touch(3, 0, 0, 50))).toEqual({ route: 'tool' })
  })

  it('a finger left from a pinch pinches again with a new one, without ending any gesture', () => {
    g.down(touch(1, 0, 0, 0))
    g.down(touch(2, 100, 0, 10))
    g.up({ id: 2, type: 'touch', time: 20 })
    expect(g.down(touch(3, 0, 100, 30))).toEqual({ route: 'pinch' })
    expect(g.move(touch(3, 0, 200, 40)).route).toBe('pinch')
  })

  it('a third finger does nothing', () => {
    g.down(touch(1, 0, 0, 0))
    g.down(touch(2, 100, 0, 10))
    expect(g.down(touch(3, 50, 50, 20))).toEqual({ route: 'ignore' })
    expect(g.move(touch(3, 60, 60, 30))).toEqual({ route: 'ignore' })
    expect(g.up({ id: 3, type: 'touch', time: 40 })).toBe('ignore')
    expect(g.move(touch(2, 200, 0, 50)).route).toBe('pinch')
  })
})

describe('palm rejection', () => {
  it('ignores touches while a pen is down and for PALM_REJECTION_MS after it lifts', () => {
    g.down(pen(0, 0, 1000))
    expect(g.down(touch(1, 300, 300, 1100))).toEqual({ route: 'ignore' })
    expect(g.move(touch(1, 320, 300, 1150))).toEqual({ route: 'ignore' })
    g.up({ id: 1, type: 'touch', time: 1160 })
    g.up({ id: 99, type: 'pen', time: 2000 })
    expect(g.down(touch(2, 300, 300, 2000 + PALM_REJECTION_MS - 1))).toEqual({ route: 'ignore' })
    g.up({ id: 2, type: 'touch', time: 2000 + PALM_REJECTION_MS })
    expect(g.down(touch(3, 300, 300, 2000 + PALM_REJECTION_MS))).toEqual({ route: 'tool' })
  })

  it('counts a hovering pen as in use', () => {
    g.move(pen(0, 0, 5000))
    expect(g.down(touch(1, 300, 300, 5000 + PALM_REJECTION_MS / 2)).route).toBe('ignore')
  })

  it('a pen landing discards the stroke a palm began, and the palm stays ignored', () => {
    expect(g.down(touch(1, 300, 300, 0)).route).toBe('tool')
    expect(g.down(pen(0, 0, 10_000))).toEqual({ route: 'tool', end: { pointerId: 1, how: 'discard' } })
    expect(g.move(touch(1, 310, 300, 10_010))).toEqual({ route: 'ignore' })
    expect(g.up({ id: 1, type: 'touch', time: 10_020 })).toBe('ignore')
  })

  it('a palm still down keeps a new touch from drawing after the pen is long gone', () => {
    g.down(pen(0, 0, 0))
    g.down(touch(1, 300, 300, 10))
    g.up({ id: 99, type: 'pen', time: 20 })
    expect(g.down(touch(2, 400, 300, 20 + 10 * PALM_REJECTION_MS))).toEqual({ route: 'ignore' })
    // Two palms never pinch either.
    expect(g.move(touch(2, 450, 300, 20 + 10 * PALM_REJECTION_MS + 10))).toEqual({ route: 'ignore' })
  })
})
