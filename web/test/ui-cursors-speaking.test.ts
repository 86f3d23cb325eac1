// A speaking peer's cursor tag gets a ring; nobody else's does, and the ring
// goes when they stop.

import { describe, expect, it } from 'vitest'

import { RemoteCursors, SPEAKING_RING, drawCursor } from '../src/ui/cursors'

/** Just enough of a 2D context to draw cursors, recording the colour of every stroke. */
function recordingContext(): { ctx: CanvasRenderingContext2D; strokes: string[] } {
  const strokes: string[] = []
  const state = { strokeStyle: '' as unknown }
  const ctx = new Proxy(state, {
    get(target, key) {
      if (key === 'strokeStyle') return target.strokeStyle
      if (key === 'stroke') return () => strokes.push(String(target.strokeStyle))
      if (key === 'measureText') return () => ({ width: 40 })
      return () => undefined
    },
    set(target, key, value) {
      if (key === 'strokeStyle') target.strokeStyle = value
      return true
    },
  }) as unknown as CanvasRenderingContext2D
  return { ctx, strokes }
}

const cursor = (peerId: string, name: string) => ({ peerId, name, colour: '#1971c2', x: 0, y: 0, buttons: 0, tool: 0, at: 0 })

describe('cursor tags of speakers', () => {
  it('rings the speaking peer’s tag only, and only while they speak', () => {
    const cursors = new RemoteCursors()
    cursors.update(cursor('p-ann', 'Ann'), 0, 1)
    cursors.update(cursor('p-bob', 'Bob'), 0, 1)
    const rings = () => {
      const { ctx, strokes } = recordingContext()
      for (const c of cursors.shown()) drawCursor(ctx, c)
      return strokes.filter((s) => s === SPEAKING_RING).length
    }
    expect(rings()).toBe(0)
    expect(cursors.setSpeaking(new Set(['p-ann']))).toBe(true)
    expect(rings()).toBe(1)
    expect(cursors.setSpeaking(new Set(['p-ann']))).toBe(false)
    expect(cursors.setSpeaking(new Set())).toBe(true)
    expect(rings()).toBe(0)
  })
})
