// Painting a run of elements, bottom first, onto a context already set to the
// board-to-device transform. The renderer's tiles and its uncached reference
// render both paint through here, so they can only differ in where they cut.

import type { PackedPoints } from '../doc/packed-points'
import type { Box, ElementView, Point } from '../doc/types'
import { intersects } from '../doc/geometry'
import { safeColor } from './color'
import { drawElement, drawLiveStroke, visualBounds, type Ctx2D } from './shapes'
import { AA_PX } from './tiles'

/** Strokes whose drawing is smaller than this (device px, larger side) are drawn as simplified polylines. */
const SIMPLIFIED_STROKE_PX = 48
/** A simplified stroke keeps points at least this far apart (device px). */
const SIMPLIFIED_STEP_PX = 1.5
/** Elements skipped (outside `within`) between two checks of `until`. */
const SKIPS_PER_CHECK = 512

/**
 * Elements to paint, bottom first: either exactly those reaching into a
 * region, or the whole board's order with the region in `within`, each
 * element tested as it comes (cheaper than collecting and sorting when a
 * region holds a large share of the board).
 */
export interface PaintRun {
  views: readonly ElementView[]
  within: Box | null
  /** The board box being painted: a live stroke is traced only near it (drawLiveStroke). */
  region: Box
  /** Ids left out: drawn elsewhere (the renderer's live ink). */
  hidden?: ReadonlyMap<string, unknown> | null
}

/**
 * Paints `run.views[from..]` in order until `until()` says stop (checked
 * after each element painted and every SKIPS_PER_CHECK skipped; never before
 * the first); returns the index of the first element not looked at. `stroked(v)` says whether a large stroke may be drawn
 * as its outline now (false: as a polyline, for lack of time).
 *
 * Far zoomed out, strokes are a few pixels across: drawn as thin polylines,
 * consecutive ones of one style batched into one path, they look the same
 * and cost a fraction of their outlines (which need not even be computed).
 */
export function paintViews(
  ctx: Ctx2D,
  run: PaintRun,
  k: number,
  from: number,
  until: () => boolean,
  outlined: (v: ElementView) => boolean,
): number {
  const batch = new PolylineBatch(ctx, k)
  const { views, within } = run
  // Read as each paint starts (a tile's job spans frames); mostly empty, and then not asked per element.
  const hidden = run.hidden?.size ? run.hidden : null
  let i = from
  let skipped = 0
  while (i < views.length) {
    const v = views[i] as ElementView
    i++
    if (hidden?.has(v.id)) continue
    const vb = visualBounds(v)
    if (within !== null && !intersects(vb, within)) {
      if (++skipped % SKIPS_PER_CHECK === 0 && until()) break
      continue
    }
    const size = Math.max(vb.maxX - vb.minX, vb.maxY - vb.minY) * k
    // A live stroke is always its outline, at any scale: then an append
    // changes its drawing only around the tail (see Renderer's live strokes).
    if (!v.done) {
      batch.flush()
      drawLiveStroke(ctx, v, run.region)
    } else if (size < 1) {
      batch.flush()
      ctx.globalAlpha = Math.min(1, Math.max(0, v.o))
      ctx.fillStyle = safeColor(v.sc, '#1e1e1e')
      ctx.fillRect(vb.minX, vb.minY, 1 / k, 1 / k)
      ctx.globalAlpha = 1
    } else if (v.t === 'stroke' && v.r === 0 && (size < SIMPLIFIED_STROKE_PX || !outlined(v))) {
      batch.add(v)
    } else {
      batch.flush()
      drawElement(ctx, v)
    }
    if (until()) break
  }
  batch.flush()
  return i
}

/** A rectangle of a canvas, device px: [x0, x1) × [y0, y1). */
export interface DeviceRect {
  x0: number
  y0: number
  x1: number
  y1: number
}

/**
 * The pixels of a `width` × `height` canvas, showing a view at scale `k`
 * (board px to device px) with device origin (ox, oy), that the drawing of
 * a board box may touch, antialiasing included; null when none.
 */
export function deviceRectOf(box: Box, k: number, ox: number, oy: number, width: number, height: number): DeviceRect | null {
  const x0 = Math.max(0, Math.floor(box.minX * k - ox) - AA_PX)
  const y0 = Math.max(0, Math.floor(box.minY * k - oy) - AA_PX)
  const x1 = Math.min(width, Math.ceil(box.maxX * k - ox) + AA_PX)
  const y1 = Math.min(height, Math.ceil(box.maxY * k - oy) + AA_PX)
  return x1 > x0 && y1 > y0 ? { x0, y0, x1, y1 } : null
}

/**
 * Clears `r` of a view at scale `k` (board px to device px) whose device
 * origin is (ox, oy), and paints every element `run(box)` gives for the board
 * box `r` covers, bottom first, without tiles. The renderer's blank frames
 * and its uncached reference paint through here, and so does the page's
 * early picture (early-picture.ts), so the three cannot differ.
 */
export function paintDeviceRect(
  ctx: Ctx2D,
  k: number,
  ox: number,
  oy: number,
  r: DeviceRect,
  run: (box: Box) => PaintRun,
  outlined: (v: ElementView) => boolean,
): void {
  const margin = AA_PX / k
  const box: Box = { minX: (ox + r.x0) / k - margin, minY: (oy + r.y0) / k - margin, maxX: (ox + r.x1) / k + margin, maxY: (oy + r.y1) / k + margin }
  ctx.save()
  ctx.setTransform(1, 0, 0, 1, 0, 0)
  ctx.beginPath()
  ctx.rect(r.x0, r.y0, r.x1 - r.x0, r.y1 - r.y0)
  ctx.clip()
  ctx.clearRect(r.x0, r.y0, r.x1 - r.x0, r.y1 - r.y0)
  ctx.setTransform(k, 0, 0, k, -ox, -oy)
  paintViews(ctx, run(box), k, 0, () => false, outlined)
  ctx.restore()
}

/**
 * Consecutive small strokes of one colour, width and opacity traced into one
 * path and stroked at once; a style change (or any other drawing) flushes, so
 * the (z, id) order is kept.
 */
class PolylineBatch {
  /** The style of the open batch; compared field by field, so adding a stroke allocates nothing. */
  private colour = ''
  private width = 0
  private opacity = 0
  private open = false

  constructor(
    private readonly ctx: Ctx2D,
    /** board px to device px */
    private readonly k: number,
  ) {}

  add(v: ElementView): void {
    const colour = safeColor(v.sc, '#1e1e1e')
    const opacity = Math.min(1, Math.max(0, v.o))
    // perfect-freehand's outline averages about three quarters of `sw` across; never under a device pixel.
    const width = Math.max(v.sw * 0.75, 1 / this.k)
    if (!this.open || colour !== this.colour || width !== this.width || opacity !== this.opacity) {
      this.flush()
      this.colour = colour
      this.width = width
      this.opacity = opacity
      this.ctx.strokeStyle = colour
      this.ctx.lineWidth = width
      this.ctx.globalAlpha = opacity
      this.ctx.lineCap = 'round'
      this.ctx.lineJoin = 'round'
    }
    if (!this.open) {
      this.ctx.beginPath()
      this.open = true
    }
    traceSimplified(this.ctx, v, SIMPLIFIED_STEP_PX / this.k)
  }

  flush(): void {
    if (this.open) this.ctx.stroke()
    this.open = false
    this.ctx.globalAlpha = 1
  }
}

/** Adds a stroke's points to the current path, skipping points closer than `step` board px to the last kept one. */
function traceSimplified(ctx: Ctx2D, v: ElementView, step: number): void {
  // Packed points (a render stream's stand-in) are read in place: the same values, no objects.
  const packed = v.packed
  const points = packed === undefined ? v.points : null
  const n = points === null ? (packed as PackedPoints).length : points.length
  if (n === 0) return
  let lastX = 0
  let lastY = 0
  let drawn = false
  for (let i = 0; i < n; i++) {
    const p = points === null ? null : (points[i] as Point)
    const x = v.x + (p === null ? (packed as PackedPoints).qx(i) / 16 : p.x) * v.sx
    const y = v.y + (p === null ? (packed as PackedPoints).qy(i) / 16 : p.y) * v.sy
    if (i === 0) {
      ctx.moveTo(x, y)
    } else {
      if (Math.abs(x - lastX) < step && Math.abs(y - lastY) < step && i < n - 1) continue
      ctx.lineTo(x, y)
      drawn = true
    }
    lastX = x
    lastY = y
  }
  // A dot: a zero-length segment with round caps.
  if (!drawn) ctx.lineTo(lastX, lastY)
}
