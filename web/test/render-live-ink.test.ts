// Live ink's worker side (render/live-ink.ts), without a canvas: what each
// paint clears and fills, tile by tile. A growing stroke repaints only
// around its tail, whatever its length; points that do not follow on are
// not drawn; a dropped stroke's pixels are cleared; and a paint names only
// what changed in the view. That the pixels equal the renderer's is
// tests/e2e/live-ink.test.mjs's.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Point } from '../src/doc/types'
import { INK_TILE_PX, LiveInk, type InkStyle } from '../src/render/live-ink'
import type { Ctx2D } from '../src/render/shapes'

/** A Path2D that takes whatever is traced into it (node has no canvas). */
class SilentPath {}
for (const method of ['moveTo', 'lineTo', 'quadraticCurveTo', 'closePath', 'rect', 'arc', 'ellipse', 'bezierCurveTo']) {
  ;(SilentPath.prototype as unknown as Record<string, unknown>)[method] = () => {}
}

/** What a paint did to one tile: the device rects it cleared, and how many fills it made. */
interface TileRecord {
  cleared: Array<[number, number, number, number]>
  fills: number
}

/** Contexts per tile that record clears and fills. */
function recordingTiles(): { tile: (tx: number, ty: number) => Ctx2D; records: Map<string, TileRecord> } {
  const records = new Map<string, TileRecord>()
  const tile = (tx: number, ty: number): Ctx2D => {
    const key = `${tx},${ty}`
    let record = records.get(key)
    if (record === undefined) {
      record = { cleared: [], fills: 0 }
      records.set(key, record)
    }
    const rec = record
    const state: Record<string | symbol, unknown> = { globalAlpha: 1 }
    return new Proxy(state, {
      get(target, key) {
        if (key in target) return target[key]
        if (key === 'clearRect') return (x: number, y: number, w: number, h: number) => rec.cleared.push([x, y, w, h])
        if (key === 'fill') return () => rec.fills++
        return () => {}
      },
      set(target, key, value) {
        target[key] = value
        return true
      },
    }) as unknown as Ctx2D
  }
  return { tile, records }
}

const STYLE: InkStyle = { id: 's1', z: 'a0', x: 0, y: 0, sx: 1, sy: 1, sw: 4, sc: '#1e1e1e', o: 1 }

/** Chunk `i` of a stroke that zigzags right across the view. */
function chunk(i: number): Point[] {
  const out: Point[] = []
  for (let k = 0; k < 4; k++) {
    const n = i * 4 + k
    out.push({ x: 20 + n * 1.5, y: 200 + ((n % 40) - 20) * 3 })
  }
  return out
}

/** Cleared device px in all tiles. */
function clearedArea(records: Map<string, TileRecord>): number {
  let area = 0
  for (const r of records.values()) for (const [, , w, h] of r.cleared) area += w * h
  return area
}

describe('live ink', () => {
  const realPath2D = (globalThis as { Path2D?: unknown }).Path2D
  beforeEach(() => {
    ;(globalThis as { Path2D?: unknown }).Path2D = SilentPath
  })
  afterEach(() => {
    ;(globalThis as { Path2D?: unknown }).Path2D = realPath2D
  })

  it('repaints a growing stroke around its tail only, however long it is', () => {
    const ink = new LiveInk()
    ink.view(1, 0, 0, 1024, 768)
    let sent = 0
    const grow = (i: number): void => {
      const pts = chunk(i)
      ink.stroke(STYLE, sent, pts)
      sent += pts.length
    }
    grow(0)
    const first = recordingTiles()
    expect(ink.paint(first.tile)).toEqual(['s1'])
    // Only the tiles the stroke reaches: the others' canvases get no pixels.
    expect([...first.records.keys()]).toEqual(['0,0'])
    const areas: number[] = []
    for (let i = 1; i < 150; i++) {
      grow(i)
      const { tile, records } = recordingTiles()
      expect(ink.paint(tile)).toEqual(['s1'])
      areas.push(clearedArea(records))
      // The tail lies in one or two tiles (three or four where it crosses a corner).
      expect(records.size).toBeLessThanOrEqual(4)
    }
    // A chunk's repaint stays a small patch: the last chunks clear no more than the early ones.
    const early = Math.max(...areas.slice(5, 25))
    const late = Math.max(...areas.slice(-20))
    expect(late).toBeLessThanOrEqual(early * 1.5)
    expect(late).toBeLessThan(1024 * 768 * 0.05)
  })

  it('draws nothing of points that do not follow on, until the stroke starts again from its first point', () => {
    const ink = new LiveInk()
    ink.view(1, 0, 0, 512, 512)
    ink.stroke(STYLE, 0, chunk(0))
    ink.paint(recordingTiles().tile)
    // Points 8.. while the layer holds 4: a chunk was lost; nothing to paint.
    ink.stroke(STYLE, 8, chunk(2))
    expect(ink.pending).toBe(false)
    // The page sends the whole stroke again: it is painted whole.
    ink.stroke(STYLE, 0, [...chunk(0), ...chunk(1), ...chunk(2)])
    const { tile, records } = recordingTiles()
    expect(ink.paint(tile)).toEqual(['s1'])
    expect([...records.values()].some((r) => r.fills > 0)).toBe(true)
    // Another style with points that follow on restarts nothing either.
    ink.stroke({ ...STYLE, sc: '#e03131' }, 12, chunk(3))
    expect(ink.pending).toBe(false)
  })

  it('clears where a dropped stroke was, and names only what changed in the view', () => {
    const ink = new LiveInk()
    ink.view(1, 0, 0, 512, 512)
    ink.stroke(STYLE, 0, chunk(0))
    // Far to the right of the view.
    ink.stroke({ ...STYLE, id: 'far', x: 5000 }, 0, chunk(0))
    expect(ink.paint(recordingTiles().tile)).toEqual(['s1'])
    ink.drop(['s1', 'far'])
    expect(ink.size).toBe(0)
    const { tile, records } = recordingTiles()
    expect(ink.paint(tile)).toEqual([])
    expect(clearedArea(records)).toBeGreaterThan(0)
    expect([...records.values()].every((r) => r.fills === 0)).toBe(true)
  })

  it('clears the tiles the last view inked at a new view, and paints the strokes where they are now', () => {
    const ink = new LiveInk()
    ink.view(1, 0, 0, 1024, 1024)
    ink.stroke({ ...STYLE, x: 100, y: 0 }, 0, chunk(0))
    const before = recordingTiles()
    ink.paint(before.tile)
    expect([...before.records.keys()]).toEqual(['0,0'])
    // Panned 300 device px left: the stroke now lies in tile 1,0.
    ink.view(1, -300, 0, 1024, 1024)
    const after = recordingTiles()
    expect(ink.paint(after.tile)).toEqual(['s1'])
    expect(after.records.get('0,0')?.cleared).toContainEqual([0, 0, INK_TILE_PX, INK_TILE_PX])
    expect(after.records.get('0,0')?.fills).toBe(0)
    expect(after.records.get('1,0')?.fills).toBeGreaterThan(0)
    expect([...after.records.keys()].sort()).toEqual(['0,0', '1,0'])
  })

  it('paints a tile the page makes once ink reaches it, and skips tiles it has not made', () => {
    const ink = new LiveInk()
    ink.view(1, 0, 0, 512, 512)
    ink.stroke(STYLE, 0, chunk(0))
    const asked: string[] = []
    expect(ink.paint((tx, ty) => (asked.push(`${tx},${ty}`), null))).toEqual(['s1'])
    expect(asked).toEqual(['0,0'])
    ink.tilesAdded([{ tx: 0, ty: 0 }])
    const { tile, records } = recordingTiles()
    ink.paint(tile)
    expect(records.get('0,0')?.fills).toBeGreaterThan(0)
  })
})
