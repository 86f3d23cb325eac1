// Pure editor/ui logic: resize math, shortcuts, wheel/pinch, cursor easing,
// presence list entries.

import { describe, expect, it } from 'vitest'
import type { ElementView } from '../src/doc/types'
import { handleAt, hitTolerance, resizeScaling, scalePatch } from '../src/editor/selection'
import { commandFor, type KeyLike } from '../src/editor/shortcuts'
import { dragGeometry } from '../src/editor/tools/shape'
import { samplePath } from '../src/editor/tools/eraser'
import { pinchStep, ViewportInput, wheelAction } from '../src/editor/viewport-input'
import { Camera } from '../src/render/camera'
import { easeToward, IDLE_MS, RemoteCursors, readableOn } from '../src/ui/cursors'
import { initials, presenceEntries } from '../src/ui/presence-list'

const box = { minX: 0, minY: 0, maxX: 100, maxY: 50 }

function view(partial: Partial<ElementView>): ElementView {
  return {
    id: 'e', t: 'rect', z: 'a0', x: 0, y: 0, w: 0, h: 0, r: 0, sx: 1, sy: 1, sc: '#1e1e1e', fc: undefined,
    sw: 2, o: 1, a: undefined, c: undefined, text: '', fs: 20, points: [], done: true, ...partial,
  }
}

describe('resizeScaling', () => {
  it('keeps the opposite side fixed', () => {
    expect(resizeScaling(box, 'se', 100, 50, false)).toEqual({ anchor: { x: 0, y: 0 }, sx: 2, sy: 2 })
    expect(resizeScaling(box, 'nw', 50, 25, false)).toEqual({ anchor: { x: 100, y: 50 }, sx: 0.5, sy: 0.5 })
    expect(resizeScaling(box, 'e', 50, 999, false)).toEqual({ anchor: { x: 0, y: 0 }, sx: 1.5, sy: 1 })
    expect(resizeScaling(box, 'n', 999, -50, false)).toEqual({ anchor: { x: 0, y: 50 }, sx: 1, sy: 2 })
  })

  it('flips when dragged past the opposite side', () => {
    expect(resizeScaling(box, 'e', -150, 0, false).sx).toBe(-0.5)
  })

  it('locks the aspect ratio on corners with shift, keeping flips', () => {
    expect(resizeScaling(box, 'se', 100, 0, true)).toMatchObject({ sx: 2, sy: 2 })
    expect(resizeScaling(box, 'se', -300, 0, true)).toMatchObject({ sx: -2, sy: 2 })
  })

  it('never scales an axis of zero extent (a horizontal line)', () => {
    const flat = { minX: 0, minY: 10, maxX: 100, maxY: 10 }
    expect(resizeScaling(flat, 's', 0, 40, false).sy).toBe(1)
  })
})

describe('scalePatch', () => {
  const s = { anchor: { x: 0, y: 0 }, sx: 2, sy: 3 }
  it('scales strokes by origin and sx/sy', () => {
    expect(scalePatch(view({ t: 'stroke', x: 10, y: 10, sx: 0.5, sy: 1 }), s)).toEqual({ x: 20, y: 30, sx: 1, sy: 3 })
  })
  it('moves both end points of lines', () => {
    expect(scalePatch(view({ t: 'arrow', x: 10, y: 10, w: -5, h: 5 }), s)).toEqual({ x: 20, y: 30, w: -10, h: 15 })
  })
  it('normalises flipped boxes', () => {
    const flip = { anchor: { x: 100, y: 0 }, sx: -1, sy: 1 }
    expect(scalePatch(view({ t: 'rect', x: 60, y: 0, w: 40, h: 10 }), flip)).toEqual({ x: 100, y: 0, w: 40, h: 10 })
  })
  it('scales a text font with the box height', () => {
    expect(scalePatch(view({ t: 'text', x: 0, y: 0, w: 50, h: 25, fs: 20 }), s).fs).toBe(60)
  })
})

describe('handles', () => {
  it('prefers corners and respects the radius', () => {
    expect(handleAt(box, { x: 101, y: 49 }, 5)).toBe('se')
    expect(handleAt(box, { x: 50, y: -3 }, 5)).toBe('n')
    expect(handleAt(box, { x: 50, y: 25 }, 5)).toBeUndefined()
  })
  it('gives fingers a larger tolerance', () => {
    expect(hitTolerance('touch')).toBeGreaterThan(hitTolerance('mouse'))
  })
})

describe('shortcuts', () => {
  const key = (k: string, more: Partial<KeyLike> = {}): KeyLike => ({
    key: k, code: '', ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...more,
  })
  it('maps tool letters and digits', () => {
    const tools = Object.fromEntries(['v', '1', 'p', '2', 'r', 'o', 'l', 'a', 't', 's', 'e', 'h', 'k'].map((k) => [k, commandFor(key(k), false)]))
    expect(tools).toMatchObject({
      v: { tool: 'select' }, 1: { tool: 'select' }, p: { tool: 'pen' }, 2: { tool: 'pen' }, r: { tool: 'rect' },
      o: { tool: 'ellipse' }, l: { tool: 'line' }, a: { tool: 'arrow' }, t: { tool: 'text' }, s: { tool: 'sticky' },
      e: { tool: 'eraser' }, h: { tool: 'pan' }, k: { tool: 'laser' },
    })
    expect(commandFor(key('R'), false)).toEqual({ kind: 'tool', tool: 'rect' })
  })
  it('does not take browser shortcuts with modifiers', () => {
    expect(commandFor(key('r', { ctrlKey: true }), false)).toBeUndefined()
    expect(commandFor(key('v', { metaKey: true }), false)).toBeUndefined()
  })
  it('maps undo/redo on both platforms', () => {
    expect(commandFor(key('z', { ctrlKey: true }), false)).toEqual({ kind: 'undo' })
    expect(commandFor(key('z', { metaKey: true }), false)).toEqual({ kind: 'undo' })
    expect(commandFor(key('Z', { ctrlKey: true, shiftKey: true }), false)).toEqual({ kind: 'redo' })
    expect(commandFor(key('y', { ctrlKey: true }), false)).toEqual({ kind: 'redo' })
  })
  it('maps selection commands', () => {
    expect(commandFor(key('Delete'), false)).toEqual({ kind: 'delete' })
    expect(commandFor(key('Backspace'), false)).toEqual({ kind: 'delete' })
    expect(commandFor(key('d', { ctrlKey: true }), false)).toEqual({ kind: 'duplicate' })
    expect(commandFor(key(']'), false)).toEqual({ kind: 'bringToFront' })
    expect(commandFor(key('['), false)).toEqual({ kind: 'sendToBack' })
    expect(commandFor(key('}', { code: 'BracketRight', ctrlKey: true, shiftKey: true }), false)).toEqual({ kind: 'bringToFront' })
    expect(commandFor(key('{', { code: 'BracketLeft', metaKey: true, shiftKey: true }), false)).toEqual({ kind: 'sendToBack' })
    expect(commandFor(key('Escape'), false)).toEqual({ kind: 'escape' })
  })
  it('leaves viewers only navigation and the laser', () => {
    expect(commandFor(key('r'), true)).toBeUndefined()
    expect(commandFor(key('k'), true)).toEqual({ kind: 'tool', tool: 'laser' })
    expect(commandFor(key('Delete'), true)).toBeUndefined()
    expect(commandFor(key('z', { ctrlKey: true }), true)).toBeUndefined()
    expect(commandFor(key('h'), true)).toEqual({ kind: 'tool', tool: 'pan' })
    expect(commandFor(key('=', { ctrlKey: true }), true)).toEqual({ kind: 'zoomIn' })
    expect(commandFor(key('!', { code: 'Digit1', shiftKey: true }), true)).toEqual({ kind: 'zoomFit' })
  })
})

describe('wheel and pinch', () => {
  const wheel = { deltaX: 0, deltaY: 0, deltaMode: 0, ctrlKey: false, metaKey: false, shiftKey: false }
  it('pans on plain wheel like a trackpad', () => {
    expect(wheelAction({ ...wheel, deltaX: 10, deltaY: 20 })).toEqual({ kind: 'pan', dx: -10, dy: -20 })
    expect(wheelAction({ ...wheel, deltaY: 3, deltaMode: 1 })).toEqual({ kind: 'pan', dx: -0, dy: -48 })
    expect(wheelAction({ ...wheel, deltaY: 20, shiftKey: true })).toEqual({ kind: 'pan', dx: -20, dy: -0 })
  })
  it('zooms with ctrl (pinch) or meta, in for negative deltas, capped per event', () => {
    const zin = wheelAction({ ...wheel, deltaY: -10, ctrlKey: true })
    const zout = wheelAction({ ...wheel, deltaY: 500, metaKey: true })
    expect(zin.kind === 'zoom' && zin.factor > 1).toBe(true)
    expect(zout.kind === 'zoom' && zout.factor < 1 && zout.factor > 0.6).toBe(true)
  })
  it('pinch: spread zooms about the midpoint, which pans', () => {
    const step = pinchStep({ x: 0, y: 0 }, { x: 100, y: 0 }, { x: -50, y: 10 }, { x: 150, y: 10 })
    expect(step).toEqual({ center: { x: 50, y: 10 }, factor: 2, dx: 0, dy: 10 })
  })
  it('middle button, space and the hand tool drag-pan', () => {
    const cam = new Camera()
    const vi = new ViewportInput(cam)
    expect(vi.pointerDown(1, 1, { x: 0, y: 0 }, false)).toBe(true)
    expect(vi.pans(1)).toBe(true)
    expect(vi.pans(2)).toBe(false)
    vi.pointerMove(1, { x: 10, y: 20 })
    expect([cam.x, cam.y]).toEqual([-10, -20])
    vi.pointerUp(1)
    expect(vi.pans(1)).toBe(false)
    expect(vi.pointerDown(1, 0, { x: 0, y: 0 }, false)).toBe(false)
    vi.spaceHeld = true
    expect(vi.pointerDown(1, 0, { x: 0, y: 0 }, false)).toBe(true)
    vi.pointerUp(1)
    vi.spaceHeld = false
    expect(vi.pointerDown(1, 0, { x: 0, y: 0 }, true)).toBe(true)
  })
})

describe('shape drag geometry', () => {
  it('normalises boxes and makes squares with shift', () => {
    expect(dragGeometry('rect', { x: 10, y: 10 }, { x: 0, y: 30 }, false)).toEqual({ x: 0, y: 10, w: 10, h: 20 })
    expect(dragGeometry('ellipse', { x: 10, y: 10 }, { x: 0, y: 30 }, true)).toEqual({ x: -10, y: 10, w: 20, h: 20 })
  })
  it('keeps line direction and snaps to 15° with shift', () => {
    expect(dragGeometry('line', { x: 10, y: 10 }, { x: 0, y: 30 }, false)).toEqual({ x: 10, y: 10, w: -10, h: 20 })
    const snapped = dragGeometry('arrow', { x: 0, y: 0 }, { x: 100, y: 3 }, true)
    expect(snapped.h).toBeCloseTo(0)
    expect(snapped.w).toBeCloseTo(Math.hypot(100, 3))
  })
})

describe('eraser path sampling', () => {
  it('covers the segment in steps, end included', () => {
    const pts = samplePath({ x: 0, y: 0 }, { x: 10, y: 0 }, 3)
    expect(pts).toHaveLength(4)
    expect(pts.at(-1)).toEqual({ x: 10, y: 0 })
    expect(samplePath({ x: 1, y: 1 }, { x: 1, y: 1 }, 3)).toEqual([{ x: 1, y: 1 }])
  })
})

describe('remote cursors', () => {
  const frame = (x: number, y: number, extra: Partial<{ name: string; colour: string }> = {}) => ({
    peerId: 'p1', name: 'Ann', colour: '#e03131', x, y, buttons: 0, tool: 1, at: 0, ...extra,
  })

  it('easing catches up within ~80 ms', () => {
    let x = 0
    for (let t = 0; t < 80; t += 16) x = easeToward(x, 100, 16)
    expect(x).toBeGreaterThan(97)
    expect(easeToward(99.995, 100, 16)).toBe(100)
  })

  it('glides, then settles and reports it stopped moving', () => {
    const c = new RemoteCursors()
    c.update(frame(0, 0), 0, 1)
    c.update(frame(100, 0), 0, 1)
    expect(c.tick(16)).toBe(true)
    const mid = c.positions()[0]?.x ?? 0
    expect(mid).toBeGreaterThan(0)
    expect(mid).toBeLessThan(100)
    let t = 16
    while (c.tick((t += 16)) && t < 1000) {}
    expect(c.positions()).toEqual([{ peerId: 'p1', x: 100, y: 0 }])
    expect(t).toBeLessThan(300)
  })

  it('snaps across long jumps (in screen px)', () => {
    const c = new RemoteCursors()
    c.update(frame(0, 0), 0, 1)
    c.update(frame(5000, 0), 0, 1)
    expect(c.positions()[0]?.x).toBe(5000)
    c.update(frame(5100, 0), 0, 0.1)
    expect(c.positions()[0]?.x).toBe(5000)
  })

  it('hides idle cursors and removes departed ones', () => {
    const c = new RemoteCursors()
    c.update(frame(0, 0), 0, 1)
    c.update({ ...frame(0, 0), peerId: 'p2' }, 5000, 1)
    expect(c.nextExpiry()).toBe(IDLE_MS)
    c.tick(IDLE_MS + 1)
    expect(c.positions().map((p) => p.peerId)).toEqual(['p2'])
    c.remove('p2')
    expect(c.size).toBe(0)
  })

  it('picks a readable label colour', () => {
    expect(readableOn('#ffec99')).toBe('#1e1e1e')
    expect(readableOn('#1971c2')).toBe('#ffffff')
  })
})

describe('presence list', () => {
  it('makes initials', () => {
    expect(initials('Ann Lee')).toBe('AL')
    expect(initials('bob')).toBe('B')
    expect(initials('  émile   zola smith')).toBe('ÉZ')
    expect(initials('!!!')).toBe('?')
    expect(initials('')).toBe('?')
  })

  it('puts us first, sorts the rest and rejects bad colours', () => {
    const states = new Map([
      [3, { name: 'Zed', colour: '#2f9e44', selection: [], viewport: null }],
      [1, { name: 'Me', colour: 'red;background:url(x)', selection: [], viewport: null }],
      [2, { name: 'Amy', colour: '#1971c2', selection: [], viewport: null }],
    ])
    expect(presenceEntries(states, 1)).toEqual([
      { clientId: 1, name: 'Me', colour: '#868e96', you: true, viewer: false, presenting: false },
      { clientId: 2, name: 'Amy', colour: '#1971c2', you: false, viewer: false, presenting: false },
      { clientId: 3, name: 'Zed', colour: '#2f9e44', you: false, viewer: false, presenting: false },
    ])
  })

  it('marks viewers by the role of the member their state names, whatever names and colours repeat, and us by our own role', () => {
    // Two viewers and an editor, all "Guest", in one colour (a room past the palette's 12).
    const guest = { name: 'Guest', colour: '#1c7ed6', selection: [], viewport: null }
    const states = new Map([
      [1, { name: 'Me', colour: '#e03131', selection: [], viewport: null, peer: 'me' }],
      [2, { ...guest, peer: 'viewer-a' }],
      [3, { ...guest, peer: 'editor' }],
      [4, { ...guest, peer: 'viewer-b' }],
      [5, { ...guest, peer: 'gone' }],
      [6, { ...guest }],
    ])
    const members = [
      { id: 'viewer-a', role: 'viewer' as const },
      { id: 'editor', role: 'editor' as const },
      { id: 'viewer-b', role: 'viewer' as const },
    ]
    const marks = (ownRole: 'editor' | 'viewer'): boolean[] =>
      presenceEntries(states, 1, { ownRole, members }).map((e) => e.viewer)
    // Sorted: us, then the Guests by client id; no member (5) or no peer (6): unmarked.
    expect(marks('editor')).toEqual([false, true, false, true, false, false])
    expect(marks('viewer')).toEqual([true, true, false, true, false, false])
  })

  it('marks presenters by `followMe`', () => {
    const states = new Map([
      [1, { name: 'Me', colour: '#e03131', selection: [], viewport: null }],
      [2, { name: 'Ada', colour: '#1c7ed6', selection: [], viewport: null, followMe: true }],
    ])
    expect(presenceEntries(states, 1).map((e) => e.presenting)).toEqual([false, true])
  })
})
