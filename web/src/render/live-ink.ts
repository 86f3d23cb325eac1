// Live ink: strokes being drawn right now, painted on canvases of their own
// over the board's, by the page's render worker (render-worker.ts), so that a
// stroke streaming in costs the page's main thread no frame.
//
// Drawn on the board canvas, each chunk of a stroke cost the receiving page a
// frame: our drawing (~0.4 ms) and, with software compositing, a commit that
// blocks the main thread until the compositor has drawn (1-2.5 ms). A chunk
// arriving meanwhile waited that out: in the benchmark's same-run A/B, stroke
// update p99 was 3.2 ms with the board canvas drawing each chunk, 1.5 ms with
// neither page drawing, and 1.6 ms with a worker drawing on a canvas it owns,
// whose frames go to the display compositor without the main thread.
//
// The ink is painted in square tiles of INK_TILE_PX fixed on the screen, each
// a canvas of its own: a worker's canvas goes to the display compositor whole
// at each of its frames (copied, then drawn), so a view-sized canvas cost
// ~0.8 ms of the worker and ~0.3 ms of the display compositor a chunk, and
// a 300 × 200 one under half that. A stroke's tail touches one or two tiles.
//
// This file is the worker's side, with no I/O: LiveInk takes what the page
// sends (the view, a stroke's new points, strokes to drop) and paints what
// changed onto the tiles' contexts, as the board's tiles paint a live stroke
// (paintDeviceRect, drawLiveStroke): only around a growing stroke's tail.
// The page's side is live-ink-layer.ts; the renderer decides which strokes
// are live ink (renderer.ts).

import type { Box, ElementView, Point } from '../doc/types'
import { intersects, strokeGrew, unionAll } from '../doc/geometry'
import { compareZ } from '../doc/zkey'
import { grownOutlineBox } from './freehand'
import { deviceRectOf, paintDeviceRect, type DeviceRect } from './paint'
import { visualBounds, type Ctx2D } from './shapes'

/** Changed boxes beyond this count in one paint are merged into their union. */
const MAX_DIRTY_BOXES = 8
/** The side of a live ink tile, device px; tile (tx, ty) covers the view's device pixels [tx, tx + 1) × [ty, ty + 1) times this. */
export const INK_TILE_PX = 256

/** What of an unfinished stroke shows, besides its points: the fields its drawing reads. */
export interface InkStyle {
  id: string
  z: string
  x: number
  y: number
  sx: number
  sy: number
  sw: number
  sc: string
  o: number
}

/** What the page sends the worker for one board's live ink (`layer` names the board's layer). */
export type InkRequest =
  | { kind: 'ink-open'; layer: number }
  /** More tiles' canvases, each INK_TILE_PX square. */
  | { kind: 'ink-tiles'; layer: number; tiles: InkTileCanvas[] }
  /** The view: scale (board px to device px), the device origin, the view's device size. */
  | { kind: 'ink-view'; layer: number; k: number; ox: number; oy: number; width: number; height: number }
  /** A stroke's points from index `from` on; `from` 0 (re)starts it with this style. */
  | { kind: 'ink-stroke'; layer: number; style: InkStyle; from: number; points: Point[] }
  | { kind: 'ink-drop'; layer: number; ids: string[] }
  /** Whether to answer each paint with `ink-drawn` (off at first): only while the page listens for frames. */
  | { kind: 'ink-report'; layer: number; on: boolean }
  | { kind: 'ink-close'; layer: number }

export interface InkTileCanvas {
  tx: number
  ty: number
  canvas: OffscreenCanvas
}

/** What the worker answers: the layer is open; a paint's time and what it drew (while asked to report). */
export type InkAnswer =
  | { kind: 'ink-ready'; layer: number }
  /** `at`: performance.timeOrigin + performance.now() in the worker when the paint began; `ms` its length. */
  | { kind: 'ink-drawn'; layer: number; at: number; ms: number; ids: string[] }

interface LiveStroke {
  /** The current view; its `points` grows as chunks come. */
  view: ElementView
  /** The view last painted, null before the first paint. */
  painted: ElementView | null
}

/** The strokes of one layer and the view they are painted at. */
export class LiveInk {
  private readonly strokes = new Map<string, LiveStroke>()
  private k = 1
  private ox = 0
  private oy = 0
  private width = 0
  private height = 0
  /** Everything is repainted at the next paint (a new view). */
  private whole = true
  /** Board boxes to repaint. */
  private dirty: Box[] = []
  /** Ids whose drawing changed since the last paint. */
  private readonly changed = new Set<string>()
  /** Tiles painted since the last view ("tx,ty"): what a new view clears. */
  private readonly inked = new Set<string>()

  get size(): number {
    return this.strokes.size
  }

  /** Whether a paint has something to do. */
  get pending(): boolean {
    return this.whole || this.dirty.length > 0
  }

  view(k: number, ox: number, oy: number, width: number, height: number): void {
    this.k = k
    this.ox = ox
    this.oy = oy
    this.width = width
    this.height = height
    this.whole = true
    for (const id of this.strokes.keys()) this.changed.add(id)
  }

  /**
   * Takes a stroke's points from `from` on; `from` 0 (re)starts the stroke
   * with `style`. Points that do not follow on from those held, or come with
   * another style, are not drawn: the page sends each stroke's points in
   * order and takes a restyled stroke off the live ink, so they would be a
   * page's mistake, never worth a wrong picture.
   */
  stroke(style: InkStyle, from: number, points: readonly Point[]): void {
    const held = this.strokes.get(style.id)
    if (held !== undefined && from === held.view.points.length && from > 0 && sameStyle(held.view, style)) {
      // The same array, grown: what grownOutlineBox expects of successive views of one live stroke.
      const pts = held.view.points
      for (const p of points) pts.push(p)
      const view = { ...held.view }
      strokeGrew(held.view, view, from)
      this.dirty.push(held.painted === null ? visualBounds(view) : (grownOutlineBox(held.painted, view) ?? visualBounds(view)))
      held.view = view
      this.changed.add(style.id)
      return
    }
    if (from !== 0) return
    if (held?.painted) this.dirty.push(visualBounds(held.painted))
    const view = strokeView(style, points.slice())
    this.strokes.set(style.id, { view, painted: null })
    this.dirty.push(visualBounds(view))
    this.changed.add(style.id)
  }

  /** The page made these tiles (made as ink first reaches them): what they show is painted. */
  tilesAdded(tiles: ReadonlyArray<{ tx: number; ty: number }>): void {
    for (const { tx, ty } of tiles) {
      const x = this.ox + tx * INK_TILE_PX
      const y = this.oy + ty * INK_TILE_PX
      this.dirty.push({ minX: x / this.k, minY: y / this.k, maxX: (x + INK_TILE_PX) / this.k, maxY: (y + INK_TILE_PX) / this.k })
    }
  }

  drop(ids: readonly string[]): void {
    for (const id of ids) {
      const held = this.strokes.get(id)
      if (held === undefined) continue
      this.strokes.delete(id)
      if (held.painted !== null) this.dirty.push(visualBounds(held.painted))
    }
  }

  /**
   * Paints what changed since the last paint onto the tiles' contexts
   * (`tile(tx, ty)`, null for a tile the page has not made): each changed
   * box is cleared and the strokes reaching into it painted again, bottom
   * first. After a new view, the tiles the last one inked are cleared and
   * each stroke painted where it is now: tiles never inked are never
   * touched, so a canvas gets its pixels only once ink reaches it. Returns
   * the ids whose drawing changed in the view.
   */
  paint(tile: (tx: number, ty: number) => Ctx2D | null): string[] {
    const views = [...this.strokes.values()].map((s) => s.view).sort(compareZ)
    const run = (box: Box) => ({ views: views.filter((v) => intersects(visualBounds(v), box)), within: null, region: box })
    const all = () => true
    const boxes = this.whole ? views.map(visualBounds) : this.dirty
    if (this.whole) {
      for (const key of this.inked) {
        const [tx, ty] = key.split(',').map(Number) as [number, number]
        const ctx = tile(tx, ty)
        ctx?.setTransform(1, 0, 0, 1, 0, 0)
        ctx?.clearRect(0, 0, INK_TILE_PX, INK_TILE_PX)
      }
      this.inked.clear()
    }
    for (const box of boxes.length > MAX_DIRTY_BOXES ? [unionAll(boxes) as Box] : boxes) {
      const r = deviceRectOf(box, this.k, this.ox, this.oy, this.width, this.height)
      if (r === null) continue
      forTilesOf(r, (tx, ty) => {
        const ctx = tile(tx, ty)
        if (ctx === null) return
        // The tile's own pixels of `r`, painted as the view at the tile's device origin.
        const x = tx * INK_TILE_PX
        const y = ty * INK_TILE_PX
        const part = { x0: Math.max(r.x0, x) - x, y0: Math.max(r.y0, y) - y, x1: Math.min(r.x1, x + INK_TILE_PX) - x, y1: Math.min(r.y1, y + INK_TILE_PX) - y }
        paintDeviceRect(ctx, this.k, this.ox + x, this.oy + y, part, run, all)
        this.inked.add(`${tx},${ty}`)
      })
    }
    this.whole = false
    this.dirty = []
    for (const s of this.strokes.values()) s.painted = s.view
    // What changed where the view shows it.
    const shown: Box = { minX: this.ox / this.k, minY: this.oy / this.k, maxX: (this.ox + this.width) / this.k, maxY: (this.oy + this.height) / this.k }
    const ids = [...this.changed].filter((id) => {
      const view = this.strokes.get(id)?.view
      return view !== undefined && intersects(visualBounds(view), shown)
    })
    this.changed.clear()
    return ids
  }
}

/** Calls `each` with the tiles that a board box's drawing may touch in a view at scale `k` with device origin (ox, oy) and device size `width` × `height`. */
export function forInkTiles(box: Box, k: number, ox: number, oy: number, width: number, height: number, each: (tx: number, ty: number) => void): void {
  const r = deviceRectOf(box, k, ox, oy, width, height)
  if (r !== null) forTilesOf(r, each)
}

/** Calls `each` with the tiles a device rect reaches into. */
function forTilesOf(r: DeviceRect, each: (tx: number, ty: number) => void): void {
  for (let ty = Math.floor(r.y0 / INK_TILE_PX); ty * INK_TILE_PX < r.y1; ty++) for (let tx = Math.floor(r.x0 / INK_TILE_PX); tx * INK_TILE_PX < r.x1; tx++) each(tx, ty)
}

/** The style of an unfinished stroke's view: what the page sends with its points. */
export function inkStyle(v: ElementView): InkStyle {
  return { id: v.id, z: v.z, x: v.x, y: v.y, sx: v.sx, sy: v.sy, sw: v.sw, sc: v.sc, o: v.o }
}

/** Whether `v` shows with `style`: the same fields a live stroke's drawing reads. */
export function sameStyle(v: ElementView, style: InkStyle): boolean {
  return (
    v.z === style.z && v.x === style.x && v.y === style.y && v.sx === style.sx && v.sy === style.sy &&
    v.sw === style.sw && v.sc === style.sc && v.o === style.o
  )
}

/** An unfinished, unrotated stroke's view, as the board would give it. */
function strokeView(style: InkStyle, points: Point[]): ElementView {
  return {
    ...style,
    t: 'stroke',
    w: 0,
    h: 0,
    r: 0,
    fc: undefined,
    a: undefined,
    c: undefined,
    text: '',
    fs: 0,
    points,
    done: false,
  }
}
