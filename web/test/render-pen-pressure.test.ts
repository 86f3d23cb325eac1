// A pen's recorded pressure shapes its stroke's outline: wider where it
// pressed harder, and not so without pressure.

import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Board } from '../src/doc/board'
import { strokeOutline } from '../src/render/freehand'

/** The outline's half-width around board x `at` (vertices within 10 px), for a stroke along y = 0. */
function halfWidthAt(outline: number[][], at: number): number {
  return Math.max(...outline.filter(([x]) => Math.abs((x as number) - at) < 10).map(([, y]) => Math.abs(y as number)))
}

function drawnStroke(pressure: (i: number) => number | undefined): number[][] {
  const board = new Board(new Y.Doc(), 'u-pen')
  const id = board.beginStroke({ x: 0, y: 0 }, { sc: '#1e1e1e', sw: 8 })
  board.appendPoints(
    id,
    Array.from({ length: 41 }, (_, i) => {
      const p = pressure(i)
      return p === undefined ? { x: i * 5, y: 0 } : { x: i * 5, y: 0, p }
    }),
  )
  board.endStroke(id)
  const view = board.get(id)
  if (view === undefined) throw new Error('no stroke')
  return strokeOutline(view)
}

describe('pen pressure', () => {
  it('draws the firmly pressed half of a stroke wider than the light half', () => {
    const outline = drawnStroke((i) => (i < 20 ? 0.1 : 1))
    const light = halfWidthAt(outline, 50)
    const firm = halfWidthAt(outline, 150)
    expect(firm).toBeGreaterThan(light * 2)
  })

  it('draws a stroke without pressure at an even width along its middle', () => {
    const outline = drawnStroke(() => undefined)
    expect(halfWidthAt(outline, 150) / halfWidthAt(outline, 50)).toBeCloseTo(1, 1)
  })
})
