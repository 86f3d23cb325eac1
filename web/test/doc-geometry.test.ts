// Bounds per SCHEMA.md "Geometry": rotation, stroke scale, lines with negative extents.
import { describe, expect, it } from 'vitest'
import { elementBounds, rotateBox } from '../src/doc/geometry'
import type { ElementView } from '../src/doc/types'

const view = (fields: Partial<ElementView>): ElementView => ({
  id: 'x', t: 'rect', z: 'a0', x: 0, y: 0, w: 0, h: 0, r: 0, sx: 1, sy: 1, sc: '#1e1e1e', fc: undefined,
  sw: 2, o: 1, a: undefined, c: undefined, text: '', fs: 20, points: [], done: true, ...fields,
})

const close = (a: { minX: number; minY: number; maxX: number; maxY: number }, b: typeof a) => {
  for (const k of ['minX', 'minY', 'maxX', 'maxY'] as const) expect(a[k]).toBeCloseTo(b[k], 9)
}

describe('geometry', () => {
  it('boxes are their x, y, w, h; lines span their two ends whatever the signs', () => {
    expect(elementBounds(view({ x: 10, y: 20, w: 30, h: 40 }))).toEqual({ minX: 10, minY: 20, maxX: 40, maxY: 60 })
    expect(elementBounds(view({ t: 'line', x: 50, y: 300, w: -50, h: 30 }))).toEqual({ minX: 0, minY: 300, maxX: 50, maxY: 330 })
    expect(elementBounds(view({ t: 'arrow', x: 100, y: 300, w: 120, h: -40 }))).toEqual({ minX: 100, minY: 260, maxX: 220, maxY: 300 })
  })

  it('rotates about the centre: a quarter turn swaps width and height', () => {
    close(elementBounds(view({ x: 0, y: 0, w: 40, h: 10, r: Math.PI / 2 })), { minX: 15, minY: -15, maxX: 25, maxY: 25 })
    close(rotateBox({ minX: -1, minY: -1, maxX: 1, maxY: 1 }, Math.PI / 4), { minX: -Math.SQRT2, minY: -Math.SQRT2, maxX: Math.SQRT2, maxY: Math.SQRT2 })
  })

  it('strokes span their scaled points plus the origin', () => {
    const points = [{ x: 0, y: 0 }, { x: 1.5, y: -0.25 }, { x: 2, y: 1 }]
    expect(elementBounds(view({ t: 'stroke', x: 40, y: 40, sx: 2, sy: 0.5, points }))).toEqual({ minX: 40, minY: 39.875, maxX: 44, maxY: 40.5 })
    expect(elementBounds(view({ t: 'stroke', x: 5, y: 5, points: [{ x: 10, y: 10 }] }))).toEqual({ minX: 5, minY: 5, maxX: 15, maxY: 15 })
    expect(elementBounds(view({ t: 'stroke', x: 5, y: 5, sx: -1, points: [{ x: 10, y: 0 }] }))).toEqual({ minX: -5, minY: 5, maxX: 5, maxY: 5 })
  })
})
