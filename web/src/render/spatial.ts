// A uniform grid over element boxes, updated per element as the board changes,
// so culling, dirty regions and hit tests touch only nearby elements instead of
// all 10,000. A grid suits whiteboards: elements are mostly small and spread out.

import type { Box } from '../doc/types'
import { intersects } from '../doc/geometry'

/** Board px per cell: about one stroke-sized area, a few cells per screen. */
const CELL = 256
/** Elements spanning more cells than this live in one list scanned on every query. */
const MAX_CELLS = 64
/** Cell coordinates stay within ±OFFSET, so `cx * SPAN + cy` is a unique, safe integer key. */
const OFFSET = 2 ** 20
const SPAN = 2 * OFFSET

export class SpatialIndex {
  private readonly boxes = new Map<string, Box>()
  private readonly cells = new Map<number, Set<string>>()
  /** Ids too large for the grid (or off its range). */
  private readonly large = new Set<string>()

  get size(): number {
    return this.boxes.size
  }

  get(id: string): Box | undefined {
    return this.boxes.get(id)
  }

  /** Inserts or moves an element. */
  set(id: string, box: Box): void {
    const old = this.boxes.get(id)
    if (old !== undefined) {
      if (sameCells(old, box)) {
        this.boxes.set(id, box)
        return
      }
      this.unlink(id, old)
    }
    this.boxes.set(id, box)
    const r = cellRange(box)
    if (r === null) {
      this.large.add(id)
      return
    }
    for (let cx = r.x0; cx <= r.x1; cx++) {
      for (let cy = r.y0; cy <= r.y1; cy++) {
        const key = cx * SPAN + cy
        let set = this.cells.get(key)
        if (set === undefined) {
          set = new Set()
          this.cells.set(key, set)
        }
        set.add(id)
      }
    }
  }

  delete(id: string): void {
    const old = this.boxes.get(id)
    if (old === undefined) return
    this.unlink(id, old)
    this.boxes.delete(id)
  }

  clear(): void {
    this.boxes.clear()
    this.cells.clear()
    this.large.clear()
  }

  /**
   * About how many elements reach into `box`, without collecting them: the
   * sizes of the cells it covers (an element spanning several counts in
   * each), capped at the index's size.
   */
  estimate(box: Box): number {
    const r = cellRange(box)
    if (r === null || (r.x1 - r.x0 + 1) * (r.y1 - r.y0 + 1) > this.cells.size) return this.boxes.size
    let n = this.large.size
    for (let cx = r.x0; cx <= r.x1; cx++) {
      for (let cy = r.y0; cy <= r.y1; cy++) n += this.cells.get(cx * SPAN + cy)?.size ?? 0
    }
    return Math.min(n, this.boxes.size)
  }

  /** Ids whose box intersects `box` (touching counts), in no particular order. */
  query(box: Box): string[] {
    const out: string[] = []
    const r = cellRange(box)
    // A query wider than the grid holds (zoomed far out) is cheaper as a scan.
    if (r === null || (r.x1 - r.x0 + 1) * (r.y1 - r.y0 + 1) > this.cells.size) {
      for (const [id, b] of this.boxes) if (intersects(b, box)) out.push(id)
      return out
    }
    const seen = new Set<string>()
    for (let cx = r.x0; cx <= r.x1; cx++) {
      for (let cy = r.y0; cy <= r.y1; cy++) {
        const set = this.cells.get(cx * SPAN + cy)
        if (set === undefined) continue
        for (const id of set) {
          if (seen.has(id)) continue
          seen.add(id)
          if (intersects(this.boxes.get(id) as Box, box)) out.push(id)
        }
      }
    }
    for (const id of this.large) if (intersects(this.boxes.get(id) as Box, box)) out.push(id)
    return out
  }

  private unlink(id: string, box: Box): void {
    const r = cellRange(box)
    if (r === null) {
      this.large.delete(id)
      return
    }
    for (let cx = r.x0; cx <= r.x1; cx++) {
      for (let cy = r.y0; cy <= r.y1; cy++) {
        const key = cx * SPAN + cy
        const set = this.cells.get(key)
        if (set === undefined) continue
        set.delete(id)
        if (set.size === 0) this.cells.delete(key)
      }
    }
  }
}

interface CellRange {
  x0: number
  y0: number
  x1: number
  y1: number
}

/** The cells a box covers, or null if it covers too many or lies outside the grid's range. */
function cellRange(b: Box): CellRange | null {
  const x0 = Math.floor(b.minX / CELL)
  const y0 = Math.floor(b.minY / CELL)
  const x1 = Math.floor(b.maxX / CELL)
  const y1 = Math.floor(b.maxY / CELL)
  // Written out rather than as `[...].every`: this runs for every element a 10,000-stroke join adds.
  if (!(inGrid(x0) && inGrid(y0) && inGrid(x1) && inGrid(y1))) return null
  if ((x1 - x0 + 1) * (y1 - y0 + 1) > MAX_CELLS) return null
  return { x0, y0, x1, y1 }
}

/** Whether a cell coordinate lies within the grid's range (false for NaN and infinities). */
function inGrid(c: number): boolean {
  return c >= -OFFSET && c < OFFSET
}

function sameCells(a: Box, b: Box): boolean {
  const ra = cellRange(a)
  const rb = cellRange(b)
  if (ra === null || rb === null) return ra === rb
  return ra.x0 === rb.x0 && ra.y0 === rb.y0 && ra.x1 === rb.x1 && ra.y1 === rb.y1
}
