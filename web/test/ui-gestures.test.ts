// The touch and pen gesture state machine (ui/gestures.ts), fed pointer events
// by hand: one finger uses the tool once it qualifies, two pinch, a pen makes
// touches palms.

import { beforeEach, describe, expect, it } from 'vitest'
import { Gestures, PALM_REJECTION_MS, STRAY_STROKE_MS, STRAY_STROKE_PX } from '../src/ui/gestures'

let g: Gestures

beforeEach(() => {
  g = new Gestures()
})

const touch = (id: number, x: number, y: number, time: number) => ({ id, type: 'touch', at: { x, y }, buttons: 1, time })
const pen = (x: number, y: number, time: number, buttons = 1) => ({ id: 99, type: 'pen', at: { x, y }, buttons, time })

describe('one finger', () => {
  it('is held back until old and far enough, then uses the tool until it lifts', () => {
    expect(g.down(touch(1, 0, 0, 0))).toEqual({ route: 'pending' })
    // Far enough but too young, then old enough but back near its start: it went far, so it qualifies.
    expect(g.move(touch(1, STRAY_STROKE_PX + 1, 0, 16))).toEqual({ route: 'pending' })
    expect(g.move(touch(1, 1, 0, STRAY_STROKE_MS))).toEqual({ route: 'tool' })
    expect(g.move(touch(1, 0, 0, STRAY_STROKE_MS + 16))).toEqual({ route: 'tool' })
    expect(g.up({ id: 1, type: 'touch', time: 300 })).toBe('tool')
  })

  it('a finger resting in place stays held back however old; its lift is still the tool\'s (a tap)', () => {
    g.down(touch(1, 0, 0, 0))
    expect(g.move(touch(1, STRAY_STROKE_PX - 1, 0, 10 * STRAY_STROKE_MS))).toEqual({ route: 'pending' })
    expect(g.up({ id: 1, type: 'touch', time: 10 * STRAY_STROKE_MS })).toBe('tool')
  })

  it('leaves mice and pens to the tool', () => {
    expect(g.down({ id: 1, type: 'mouse', at: { x: 0, y: 0 }, buttons: 1, time: 0 })).toEqual({ route: 'tool' })
    expect(g.move({ id: 1, type: 'mouse', at: { x: 5, y: 0 }, buttons: 1, time: 1 })).toEqual({ route: 'tool' })
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

  it('keep a long stroke that came back near its start (a loop)', () => {
    g.down(touch(1, 0, 0, 0))
    g.move(touch(1, 200, 0, 100))
    g.move(touch(1, 200, 200, 200))
    g.move(touch(1, 2, 2, STRAY_STROKE_MS + 100))
    expect(g.down(touch(2, 300, 300, STRAY_STROKE_MS + 110)).end).toEqual({ pointerId: 1, how: 'keep' })
  })

  it('keep a stroke that qualified by age while no event came (the second finger is late enough)', () => {
    g.down(touch(1, 0, 0, 0))
    expect(g.move(touch(1, 40, 0, 50))).toEqual({ route: 'pending' })
    expect(g.down(touch(2, 100, 0, STRAY_STROKE_MS)).end).toEqual({ pointerId: 1, how: 'keep' })
  })

  it('lifting back to one finger draws nothing; that finger pinches again with a new one', () => {
    g.down(touch(1, 0, 0, 0))
    g.down(touch(2, 100, 0, 10))
    expect(g.up({ id: 2, type: 'touch', time: 20 })).toBe('ignore')
    expect(g.move(touch(1, 40, 40, 30))).toEqual({ route: 'ignore' })
    expect(g.down(touch(3, 0, 100, 40))).toEqual({ route: 'pinch' })
    expect(g.move(touch(3, 0, 200, 50)).route).toBe('pinch')
    g.up({ id: 3, type: 'touch', time: 60 })
    expect(g.up({ id: 1, type: 'touch', time: 70 })).toBe('ignore')
    expect(g.down(touch(4, 0, 0, 80))).toEqual({ route: 'pending' })
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

describe('cursor', () => {
  it('only the drawing finger, a mouse and a pen carry our cursor; pinching fingers and palms do not', () => {
    expect(g.carriesCursor(7, 'mouse')).toBe(true)
    expect(g.carriesCursor(99, 'pen')).toBe(true)
    g.down(touch(1, 0, 0, 0))
    expect(g.carriesCursor(1, 'touch')).toBe(true)
    g.down(touch(2, 100, 0, 10))
    expect(g.carriesCursor(1, 'touch')).toBe(false)
    expect(g.carriesCursor(2, 'touch')).toBe(false)
    g.down(touch(3, 50, 50, 20))
    expect(g.carriesCursor(3, 'touch')).toBe(false)
    g.up({ id: 1, type: 'touch', time: 30 })
    g.up({ id: 2, type: 'touch', time: 30 })
    g.up({ id: 3, type: 'touch', time: 30 })
    g.down(pen(0, 0, 10_000))
    g.down(touch(4, 300, 300, 10_010))
    expect(g.carriesCursor(4, 'touch')).toBe(false)
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
    expect(g.down(touch(3, 300, 300, 2000 + PALM_REJECTION_MS))).toEqual({ route: 'pending' })
  })

  it('counts a hovering pen as in use', () => {
    g.move(pen(0, 0, 5000, 0))
    expect(g.down(touch(1, 300, 300, 5000 + PALM_REJECTION_MS / 2)).route).toBe('ignore')
  })

  it('a pen whose lift went unseen is up again once it hovers (buttons 0)', () => {
    g.down(pen(0, 0, 0))
    // Its pointerup landed elsewhere; long after, it hovers over the board again.
    g.move(pen(10, 10, 10_000, 0))
    expect(g.down(touch(1, 300, 300, 10_000 + PALM_REJECTION_MS)).route).toBe('pending')
  })

  it('a pen landing discards the stroke a palm began, and the palm stays ignored', () => {
    expect(g.down(touch(1, 300, 300, 0)).route).toBe('pending')
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
