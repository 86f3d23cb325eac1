// The canvas renderer. Boards reach 10,000 strokes, so a frame never draws
// everything unless it must (zoom, resize, large remote changes):
//
// - the board canvas holds the board as drawn for a "layer camera";
// - a pan shifts it by whole device pixels (through an offscreen copy) and
//   draws only the strips that came into view;
// - a changed element redraws only the union of its old and new drawing boxes,
//   with every element the spatial index finds there, in (z, id) order;
// - the overlay (selection, marquee, cursors) lives on a second canvas stacked
//   on top, so a moving cursor redraws only the overlay, never the board.
//
// Frames are drawn on requestAnimationFrame, only when something is dirty.

import type { Box, BoardChange, ElementView } from '../doc/types'
import { elementBounds, intersects, unionAll } from '../doc/geometry'
import { compareZ } from '../doc/zkey'
import type { Camera } from './camera'
import { SpatialIndex } from './spatial'
import { drawElement, isDrawn, isPrepared, prepareElement, visualBounds, type Ctx2D } from './shapes'
import { hitElement } from './hit'
import { safeColor } from './color'
import type { DrawnBoard } from './stand-in'

export interface FrameInfo {
  /** performance.now() when the frame started */
  at: number
  /** time spent drawing, ms */
  ms: number
  kind: 'full' | 'partial' | 'pan' | 'overlay'
  /** ids whose change this frame drew */
  changed: string[]
}

export type OverlayDraw = (ctx: CanvasRenderingContext2D, camera: Camera) => void

interface Layer {
  canvas: OffscreenCanvas | HTMLCanvasElement
  ctx: Ctx2D
}

/** Device-pixel rectangle, integer coordinates. */
interface Rect {
  x: number
  y: number
  w: number
  h: number
}

/** More changed ids than this in one transaction (a snapshot load) redraw everything. */
const FULL_REDRAW_CHANGES = 1000
/** Dirty rectangles beyond this count are merged into their union. */
const MAX_DIRTY_RECTS = 8
/** Dirty area above this share of the screen is drawn as a full redraw. */
const FULL_REDRAW_SHARE = 0.6
/** Antialiasing reaches about a device pixel past the geometry. */
const AA_PX = 2
/** Strokes whose drawing is smaller than this (device px, larger side) are drawn as simplified polylines. */
const SIMPLIFIED_STROKE_PX = 48
/** A simplified stroke keeps points at least this far apart (device px). */
const SIMPLIFIED_STEP_PX = 1.5
/**
 * Time a frame may spend computing stroke outlines. Past it, strokes without
 * one are drawn as polylines for now and get their outline in idle time, so a
 * first render, a zoom or a pan onto thousands of new strokes stays one frame.
 */
const OUTLINE_BUDGET_MS = 8

export class Renderer {
  private readonly canvas: HTMLCanvasElement
  private readonly ctx: CanvasRenderingContext2D
  private readonly board: DrawnBoard
  private readonly camera: Camera
  /** Drawing boxes (visualBounds) of every drawn element. */
  private readonly index = new SpatialIndex()
  /** An offscreen copy of the board canvas, used to shift it on a pan. */
  private readonly back: Layer
  private readonly overlayCanvas: HTMLCanvasElement
  private readonly overlayCtx: CanvasRenderingContext2D
  private widthCss = 0
  private heightCss = 0
  private dpr = 1
  /** The camera the board canvas is drawn for. */
  private layerX = 0
  private layerY = 0
  private layerZoom = 0
  private fullDirty = true
  /** Board boxes to redraw. */
  private dirty: Box[] = []
  private readonly changed = new Set<string>()
  private overlay: OverlayDraw | null = null
  private readonly frameListeners = new Set<(info: FrameInfo) => void>()
  private readonly unsubscribe: Array<() => void> = []
  private raf = 0
  private destroyed = false
  /** Ids around the viewport whose outlines are still to be prepared in idle time. */
  private warmQueue: string[] = []
  /** The view moved since the warm queue was filled. */
  private warmStale = true
  private warmHandle: number | null = null
  /** Until when the current frame may compute outlines (performance.now()). */
  private outlineDeadline = 0
  /** Strokes drawn as polylines only for lack of time: outlined in idle time, then redrawn. */
  private readonly provisional = new Set<string>()

  constructor(canvas: HTMLCanvasElement, board: DrawnBoard, camera: Camera) {
    const ctx = canvas.getContext('2d')
    if (ctx === null) throw new Error('Renderer: no 2D context')
    this.canvas = canvas
    this.ctx = ctx
    this.board = board
    this.camera = camera
    this.back = createLayer(1, 1)
    this.overlayCanvas = canvas.ownerDocument.createElement('canvas')
    this.overlayCanvas.style.pointerEvents = 'none'
    const overlayCtx = this.overlayCanvas.getContext('2d')
    if (overlayCtx === null) throw new Error('Renderer: no 2D context for the overlay')
    this.overlayCtx = overlayCtx
    canvas.after(this.overlayCanvas)
    for (const v of board.ordered()) if (isDrawn(v)) this.index.set(v.id, visualBounds(v))
    this.unsubscribe.push(
      board.onChange((change) => this.onBoardChange(change)),
      camera.onChange(() => this.schedule()),
    )
    this.resize(canvas.clientWidth || canvas.width, canvas.clientHeight || canvas.height, 1)
  }

  /** Sizes the canvas to the CSS size times the device pixel ratio; redraws everything. */
  resize(widthCss: number, heightCss: number, dpr: number): void {
    this.widthCss = Math.max(0, widthCss)
    this.heightCss = Math.max(0, heightCss)
    this.dpr = dpr > 0 && Number.isFinite(dpr) ? dpr : 1
    const w = Math.max(1, Math.round(this.widthCss * this.dpr))
    const h = Math.max(1, Math.round(this.heightCss * this.dpr))
    if (this.canvas.width !== w) this.canvas.width = w
    if (this.canvas.height !== h) this.canvas.height = h
    for (const other of [this.back.canvas, this.overlayCanvas]) {
      other.width = w
      other.height = h
    }
    this.fullDirty = true
    this.schedule()
  }

  /** The viewport's CSS size, as last given to resize(). */
  viewportSize(): { width: number; height: number } {
    return { width: this.widthCss, height: this.heightCss }
  }

  /** Drawn on top of the board, in CSS px (the context is scaled by the pixel ratio). */
  setOverlay(draw: OverlayDraw): void {
    this.overlay = draw
    this.requestOverlay()
  }

  /** The overlay changed (a cursor moved): redraw it; the board stays as it is. */
  requestOverlay(): void {
    this.schedule()
  }

  /** The topmost element at a board point, within `tolerancePx` screen px. */
  hitTest(board: { x: number; y: number }, tolerancePx: number): string | undefined {
    const tol = Math.max(0, tolerancePx) / this.camera.zoom
    const candidates = this.sortedViews(
      this.index.query({ minX: board.x - tol, minY: board.y - tol, maxX: board.x + tol, maxY: board.y + tol }),
    )
    for (let i = candidates.length - 1; i >= 0; i--) {
      const v = candidates[i] as ElementView
      if (hitElement(v, board, tol)) return v.id
    }
    return undefined
  }

  /** Ids of drawn elements whose bounds intersect `box`, bottom to top. */
  query(box: Box): string[] {
    return this.sortedViews(this.index.query(box))
      .filter((v) => intersects(elementBounds(v), box))
      .map((v) => v.id)
  }

  onFrame(listener: (info: FrameInfo) => void): () => void {
    this.frameListeners.add(listener)
    return () => this.frameListeners.delete(listener)
  }

  destroy(): void {
    this.destroyed = true
    if (this.raf !== 0) cancelAnimationFrame(this.raf)
    this.raf = 0
    if (this.warmHandle !== null) cancelIdle(this.warmHandle)
    this.warmHandle = null
    for (const off of this.unsubscribe) off()
    this.frameListeners.clear()
    this.index.clear()
    this.overlayCanvas.remove()
  }

  // ---- change tracking ----

  private onBoardChange(change: BoardChange): void {
    const many = change.added.length + change.changed.length + change.removed.length > FULL_REDRAW_CHANGES
    if (many) this.fullDirty = true
    for (const id of change.removed) {
      const old = this.index.get(id)
      if (old !== undefined && !many) this.dirty.push(old)
      this.index.delete(id)
      this.changed.add(id)
    }
    for (const id of [...change.added, ...change.changed]) {
      const v = this.board.get(id)
      const old = this.index.get(id)
      if (old !== undefined && !many) this.dirty.push(old)
      if (v !== undefined && isDrawn(v)) {
        const now = visualBounds(v)
        this.index.set(id, now)
        if (!many) this.dirty.push(now)
      } else {
        this.index.delete(id)
      }
      this.changed.add(id)
    }
    this.schedule()
  }

  private schedule(): void {
    if (this.raf === 0 && !this.destroyed) this.raf = requestAnimationFrame(this.frame)
  }

  // ---- drawing ----

  private readonly frame = (): void => {
    this.raf = 0
    const at = performance.now()
    this.outlineDeadline = at + OUTLINE_BUDGET_MS
    const cam = this.camera
    let kind: FrameInfo['kind'] = 'overlay'
    if (this.fullDirty || cam.zoom !== this.layerZoom) {
      this.drawFull()
      kind = 'full'
    } else {
      const k = this.scale()
      const sx = Math.round((this.layerX - cam.x) * k)
      const sy = Math.round((this.layerY - cam.y) * k)
      if (sx !== 0 || sy !== 0) {
        if (Math.abs(sx) >= this.canvas.width || Math.abs(sy) >= this.canvas.height) {
          this.drawFull()
          kind = 'full'
        } else {
          this.shift(sx, sy)
          kind = 'pan'
        }
      }
      if (kind !== 'full' && this.dirty.length > 0) {
        if (this.drawDirty()) kind = 'full'
        else if (kind === 'overlay') kind = 'partial'
      }
    }
    this.dirty = []
    this.drawOverlay()
    const info: FrameInfo = { at, ms: performance.now() - at, kind, changed: [...this.changed] }
    this.changed.clear()
    if (kind === 'full' || kind === 'pan') this.warmStale = true
    if (kind === 'full' || kind === 'pan' || this.provisional.size > 0) this.scheduleWarm()
    for (const listener of this.frameListeners) listener(info)
  }

  // ---- idle warm-up ----

  private scheduleWarm(): void {
    if (this.warmHandle === null && !this.destroyed) this.warmHandle = requestIdle(this.warm)
  }

  /**
   * Prepares the elements within a viewport's distance of the view while the
   * browser is idle: computing a stroke's outline costs more than filling it,
   * and panning must only fill the strips it exposes.
   */
  private readonly warm = (deadline: IdleDeadline): void => {
    this.warmHandle = null
    // First what is on screen as a stand-in: outline it and redraw its box.
    let upgraded = false
    for (const id of this.provisional) {
      if (deadline.timeRemaining() <= 1) break
      this.provisional.delete(id)
      const v = this.board.get(id)
      if (v === undefined || !isDrawn(v)) continue
      prepareElement(v)
      this.dirty.push(visualBounds(v))
      upgraded = true
    }
    if (upgraded) this.schedule()
    if (this.provisional.size > 0) {
      this.scheduleWarm()
      return
    }
    if (this.warmStale && this.warmQueue.length === 0) {
      const { width, height } = this.viewportSize()
      const b = this.camera.visibleBox(width, height)
      const w = b.maxX - b.minX
      const h = b.maxY - b.minY
      this.warmQueue = this.index.query({ minX: b.minX - w, minY: b.minY - h, maxX: b.maxX + w, maxY: b.maxY + h })
      this.warmStale = false
    }
    while (this.warmQueue.length > 0 && deadline.timeRemaining() > 1) {
      const v = this.board.get(this.warmQueue.pop() as string)
      if (v !== undefined) prepareElement(v)
    }
    if (this.warmQueue.length > 0 || this.warmStale) this.scheduleWarm()
  }

  /** Board px to device px of the layer. */
  private scale(): number {
    return this.layerZoom * this.dpr
  }

  private drawFull(): void {
    const cam = this.camera
    this.layerX = cam.x
    this.layerY = cam.y
    this.layerZoom = cam.zoom
    this.fullDirty = false
    this.redraw({ x: 0, y: 0, w: this.canvas.width, h: this.canvas.height })
  }

  /** Moves the layer content by whole device pixels and draws the exposed strips. */
  private shift(sx: number, sy: number): void {
    const { width: w, height: h } = this.canvas
    const { back, ctx } = this
    back.ctx.setTransform(1, 0, 0, 1, 0, 0)
    back.ctx.clearRect(0, 0, w, h)
    back.ctx.drawImage(this.canvas, sx, sy)
    ctx.setTransform(1, 0, 0, 1, 0, 0)
    ctx.clearRect(0, 0, w, h)
    ctx.drawImage(back.canvas, 0, 0)
    const k = this.scale()
    // The layer camera moves by exactly the shifted amount, so the residual
    // (under half a device pixel) never accumulates.
    this.layerX -= sx / k
    this.layerY -= sy / k
    if (sx > 0) this.redraw({ x: 0, y: 0, w: sx, h })
    if (sx < 0) this.redraw({ x: w + sx, y: 0, w: -sx, h })
    if (sy > 0) this.redraw({ x: 0, y: 0, w, h: sy })
    if (sy < 0) this.redraw({ x: 0, y: h + sy, w, h: -sy })
  }

  /** Redraws the dirty boxes; returns true if it drew everything instead. */
  private drawDirty(): boolean {
    let rects = this.dirty.map((b) => this.toDevice(b)).filter((r): r is Rect => r !== null)
    if (rects.length > MAX_DIRTY_RECTS) {
      const all = unionAll(this.dirty) as Box
      const r = this.toDevice(all)
      rects = r === null ? [] : [r]
    }
    const area = rects.reduce((sum, r) => sum + r.w * r.h, 0)
    if (area > FULL_REDRAW_SHARE * this.canvas.width * this.canvas.height) {
      this.drawFull()
      return true
    }
    for (const r of rects) this.redraw(r)
    return false
  }

  /** A board box as the device rectangle of the layer covering it (antialiasing included), clipped; null if off screen. */
  private toDevice(b: Box): Rect | null {
    const k = this.scale()
    const x0 = Math.max(0, Math.floor((b.minX - this.layerX) * k) - AA_PX)
    const y0 = Math.max(0, Math.floor((b.minY - this.layerY) * k) - AA_PX)
    const x1 = Math.min(this.canvas.width, Math.ceil((b.maxX - this.layerX) * k) + AA_PX)
    const y1 = Math.min(this.canvas.height, Math.ceil((b.maxY - this.layerY) * k) + AA_PX)
    return x1 > x0 && y1 > y0 ? { x: x0, y: y0, w: x1 - x0, h: y1 - y0 } : null
  }

  /** Clears a device rectangle of the layer and draws every element reaching into it, bottom first. */
  private redraw(r: Rect): void {
    const ctx = this.ctx
    const k = this.scale()
    ctx.save()
    ctx.setTransform(1, 0, 0, 1, 0, 0)
    ctx.beginPath()
    ctx.rect(r.x, r.y, r.w, r.h)
    ctx.clip()
    ctx.clearRect(r.x, r.y, r.w, r.h)
    ctx.setTransform(k, 0, 0, k, -this.layerX * k, -this.layerY * k)
    const margin = AA_PX / k
    const box: Box = {
      minX: this.layerX + r.x / k - margin,
      minY: this.layerY + r.y / k - margin,
      maxX: this.layerX + (r.x + r.w) / k + margin,
      maxY: this.layerY + (r.y + r.h) / k + margin,
    }
    // Far zoomed out, strokes are a few pixels across: drawn as thin polylines,
    // consecutive ones of one style batched into one path, they look the same
    // and cost a fraction of their outlines (which need not even be computed).
    const batch = new PolylineBatch(ctx, k)
    for (const v of this.inOrder(box)) {
      const vb = visualBounds(v)
      const size = Math.max(vb.maxX - vb.minX, vb.maxY - vb.minY) * k
      if (size < 1) {
        batch.flush()
        ctx.globalAlpha = Math.min(1, Math.max(0, v.o))
        ctx.fillStyle = safeColor(v.sc, '#1e1e1e')
        ctx.fillRect(vb.minX, vb.minY, 1 / k, 1 / k)
        ctx.globalAlpha = 1
      } else if (v.t === 'stroke' && v.r === 0 && (size < SIMPLIFIED_STROKE_PX || this.outOfOutlineTime(v))) {
        batch.add(v)
      } else {
        batch.flush()
        drawElement(ctx, v)
      }
    }
    batch.flush()
    ctx.restore()
  }

  /** True (and the stroke noted for an idle-time outline) when `v` has no outline and this frame has no time left to compute one. */
  private outOfOutlineTime(v: ElementView): boolean {
    if (isPrepared(v) || performance.now() <= this.outlineDeadline) return false
    this.provisional.add(v.id)
    return true
  }

  /** Views reaching into `box`, bottom first: from the index, or the board's cached order when most are. */
  private inOrder(box: Box): ElementView[] {
    const ids = this.index.query(box)
    if (ids.length > this.index.size / 2) {
      const wanted = new Set(ids)
      return this.board.ordered().filter((v) => wanted.has(v.id))
    }
    return this.sortedViews(ids)
  }

  private sortedViews(ids: string[]): ElementView[] {
    return ids
      .map((id) => this.board.get(id))
      .filter((v): v is ElementView => v !== undefined)
      .sort(compareZ)
  }

  /** Redraws the overlay canvas; the board canvas is already up to date. */
  private drawOverlay(): void {
    const ctx = this.overlayCtx
    ctx.setTransform(1, 0, 0, 1, 0, 0)
    ctx.clearRect(0, 0, this.overlayCanvas.width, this.overlayCanvas.height)
    if (this.overlay !== null) {
      ctx.save()
      ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0)
      this.overlay(ctx, this.camera)
      ctx.restore()
    }
  }

}

/**
 * Consecutive small strokes of one colour, width and opacity traced into one
 * path and stroked at once; a style change (or any other drawing) flushes, so
 * the (z, id) order is kept.
 */
class PolylineBatch {
  private key = ''
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
    const key = `${colour} ${width} ${opacity}`
    if (key !== this.key) {
      this.flush()
      this.key = key
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
    this.key = ''
    this.ctx.globalAlpha = 1
  }
}

/** Adds a stroke's points to the current path, skipping points closer than `step` board px to the last kept one. */
function traceSimplified(ctx: Ctx2D, v: ElementView, step: number): void {
  const points = v.points
  const first = points[0]
  if (first === undefined) return
  let lastX = v.x + first.x * v.sx
  let lastY = v.y + first.y * v.sy
  ctx.moveTo(lastX, lastY)
  let drawn = false
  for (let i = 1; i < points.length; i++) {
    const p = points[i] as { x: number; y: number }
    const x = v.x + p.x * v.sx
    const y = v.y + p.y * v.sy
    if (Math.abs(x - lastX) < step && Math.abs(y - lastY) < step && i < points.length - 1) continue
    ctx.lineTo(x, y)
    lastX = x
    lastY = y
    drawn = true
  }
  // A dot: a zero-length segment with round caps.
  if (!drawn) ctx.lineTo(lastX, lastY)
}

/** requestIdleCallback where the browser has it (not Safari), else a short timeout with an 8 ms budget. */
function requestIdle(fn: (deadline: IdleDeadline) => void): number {
  if (typeof requestIdleCallback === 'function') return requestIdleCallback(fn, { timeout: 500 })
  return setTimeout(() => {
    const end = performance.now() + 8
    fn({ didTimeout: false, timeRemaining: () => Math.max(0, end - performance.now()) })
  }, 30) as unknown as number
}

function cancelIdle(handle: number): void {
  if (typeof cancelIdleCallback === 'function') cancelIdleCallback(handle)
  else clearTimeout(handle)
}

function createLayer(w: number, h: number): Layer {
  if (typeof OffscreenCanvas !== 'undefined') {
    const canvas = new OffscreenCanvas(w, h)
    const ctx = canvas.getContext('2d')
    if (ctx === null) throw new Error('Renderer: no offscreen 2D context')
    return { canvas, ctx }
  }
  const canvas = document.createElement('canvas')
  canvas.width = w
  canvas.height = h
  const ctx = canvas.getContext('2d')
  if (ctx === null) throw new Error('Renderer: no 2D context')
  return { canvas, ctx }
}
