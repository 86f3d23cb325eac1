// The canvas renderer. Boards reach 100,000 strokes, so a frame never paints
// the board; it composites cached bitmaps of it (tiles.ts):
//
// - the board canvas shows the tiles of the current scale, placed at the
//   view's origin snapped to a whole device pixel;
// - a pan composites the tiles again and paints the few that came into view;
//   a zoom step shows the last frame scaled until the new scale's tiles are
//   painted, a slice per frame within a budget (and around the view in idle
//   time), so no frame waits for thousands of strokes;
// - a changed element repaints only the union of its old and new drawing
//   boxes inside the tiles holding them, with every element the spatial index
//   finds there, in (z, id) order; a live stroke that only grew repaints only
//   around its tail, where its outline changed, tracing only the curves near
//   it, so a chunk costs the same however long the stroke is;
// - a change that shows nowhere in the view repaints the cached tiles holding
//   it and draws no frame;
// - the overlay (selections, marquee, lasers) lives on a second canvas
//   stacked on top, so a change there redraws only the overlay, never the
//   board, and erases only where the overlay drew last (overlay-ink.ts);
//   other people's cursors are sprites of their own (ui/cursor-sprites.ts),
//   placed when the overlay is redrawn;
// - strokes being drawn right now (a peer's streaming in, or the user's own)
//   are live ink: the page's render worker paints them on canvases of their
//   own between the board canvas and the overlay (live-ink.ts says why), and
//   the tiles leave them out until they end, stop growing for INK_IDLE_MS or
//   change otherwise; then the tiles paint them, and the worker drops them
//   after the frame that shows them. A stroke joins the live ink only when it
//   is new, so it is never on both at once, and only once the worker is up;
//   before that, and where no worker runs, live strokes are drawn in the
//   tiles as below. The live ink shows above every element while it lasts;
//   a new stroke is the topmost anyway;
// - neither canvas is cleared with clearRect in a frame that changes part of
//   it: Chromium's software compositor then redraws far more than the rect
//   (~0.6 ms more of its CPU a frame, measured while a stroke streams in),
//   where erasing the same pixels by drawing costs what the drawing does.
//
// Frames are drawn on requestAnimationFrame, only when something is dirty.

import type { Box, BoardChange, ElementView } from '../doc/types'
import { elementBounds, intersects, unionAll } from '../doc/geometry'
import { compareZ } from '../doc/zkey'
import type { Camera } from './camera'
import { SpatialIndex } from './spatial'
import { isDrawn, isPrepared, prepareElement, visualBounds, type Ctx2D } from './shapes'
import { hitElement } from './hit'
import { grownOutlineBox, strokeOutline } from './freehand'
import { deviceRectOf, paintDeviceRect, paintViews, type DeviceRect, type PaintRun } from './paint'
import { AA_PX, createLayer, TILE_PX, TileCache, type Layer, type Tile, type TileRect } from './tiles'
import type { DrawnBoard } from './stand-in'
import { imageSource } from './image-source'
import { InkTracker, type Ink } from './overlay-ink'
import { sameStyle } from './live-ink'
import { LiveInkLayer } from './live-ink-layer'
import { IDLE_MIN_MS, IdleWork } from './idle-work'

export interface FrameInfo {
  /** performance.now() when the frame started */
  at: number
  /** time spent drawing, ms */
  ms: number
  /** 'live': the render worker painted live ink (the board canvas did not change). */
  kind: 'full' | 'partial' | 'pan' | 'overlay' | 'live'
  /** ids whose change this frame drew */
  changed: string[]
}

export type OverlayDraw = (ctx: CanvasRenderingContext2D, camera: Camera) => void

/** More changed ids than this in one transaction (a snapshot load) redraw everything. */
const FULL_REDRAW_CHANGES = 1000
/** Dirty boxes beyond this count are merged into their union. */
const MAX_DIRTY_BOXES = 8
/**
 * Time a frame may spend painting tiles that came into view (after a pan or
 * a zoom step); the rest are painted in the next frames, the last frame
 * standing in for them meanwhile. With the compositing, a frame stays
 * within 16 ms.
 */
const TILE_BUDGET_MS = 4
/** A tile estimated to hold more than 1/WHOLE_ORDER_SHARE of the board walks the board's order instead of sorting its own. */
const WHOLE_ORDER_SHARE = 16
/** Tiles around the view painted ahead in idle time, so a pan finds them ready. */
const PREFETCH_RING = 1
/**
 * Time a frame may spend computing stroke outlines. Past it, strokes without
 * one are drawn as polylines for now and get their outline in idle time, so a
 * first render, a zoom or a pan onto thousands of new strokes stays one frame.
 */
const OUTLINE_BUDGET_MS = 8
/**
 * A stroke on the live ink that grew no point for this long goes to the
 * tiles (its author paused, or left mid-stroke): only strokes being drawn
 * stay above the board.
 */
const INK_IDLE_MS = 3000
/** Strokes on the live ink at most; more being drawn at once (a room of many, or a flood) are drawn in the tiles. */
const MAX_INK_STROKES = 32

/** A stroke on the live ink: the view last sent, how many of its points were, and when it last grew. */
interface InkStroke {
  view: ElementView
  sent: number
  grewAt: number
}

export class Renderer {
  private readonly canvas: HTMLCanvasElement
  private readonly ctx: CanvasRenderingContext2D
  private readonly board: DrawnBoard
  private readonly camera: Camera
  /** Drawing boxes (visualBounds) of every drawn element. */
  private readonly index = new SpatialIndex()
  /** The board drawn in tiles, per scale. */
  private readonly tiles: TileCache
  /** An offscreen copy of the board canvas: the stand-in moved and scaled while tiles are missing. */
  private readonly back: Layer
  private readonly overlayCanvas: HTMLCanvasElement
  private readonly overlayCtx: CanvasRenderingContext2D
  private widthCss = 0
  private heightCss = 0
  private dpr = 1
  /** The scale and snapped device origin the board canvas shows. */
  private shownScale = 0
  private shownX = 0
  private shownY = 0
  /** The board canvas holds nothing usable (first frame, resize, board replaced): paint the whole view now. */
  private blank = true
  /** The canvas shows a stand-in where some tiles were not painted yet. */
  private incomplete = false
  /** Every tile is out of date (a change too large to track box by box). */
  private contentStale = false
  /** Board boxes to redraw. */
  private dirty: Box[] = []
  private readonly changed = new Set<string>()
  private overlay: OverlayDraw | null = null
  /** Where the overlay's last redraw drew: what the next one erases. */
  private overlayInk: Ink = 'unknown'
  private readonly frameListeners = new Set<(info: FrameInfo) => void>()
  private readonly unsubscribe: Array<() => void> = []
  private raf = 0
  /** A microtask will request the frame (see schedule()). */
  private frameQueued = false
  /** The board changed or the canvas was resized since the last frame (changesUnpainted()). */
  private unpainted = true
  private destroyed = false
  /** Ids around the viewport whose outlines are still to be prepared in idle time. */
  private warmQueue: string[] = []
  /** The view moved since the warm queue was filled. */
  private warmStale = true
  /** The warm-up's idle slices (idle-work.ts). */
  private readonly warmWork = new IdleWork(
    (slice) => this.warm(slice),
    () => this.raf !== 0 || this.frameQueued,
  )
  /** Until when the current frame may compute outlines (performance.now()). */
  private outlineDeadline = 0
  /** Strokes drawn as polylines only for lack of time: outlined in idle time, then redrawn. */
  private readonly provisional = new Set<string>()
  /**
   * Unfinished strokes, by id: the view the tiles draw (or are dirty for).
   * At most one per element on the board; dropped when the stroke ends or goes.
   */
  private readonly liveDrawn = new Map<string, ElementView>()
  /** Unfinished strokes that only grew since their liveDrawn view: their tails are redrawn at the next frame. */
  private readonly liveGrown = new Set<string>()
  /** The live ink layer (see the top of this file); null until idle time starts it, and where none can run. */
  private ink: LiveInkLayer | null = null
  /** The live ink could not start, or its worker ended: strokes stay in the tiles. */
  private inkUnavailable = false
  /** Strokes on the live ink, by id; the tiles leave these out. */
  private readonly onInk = new Map<string, InkStroke>()
  /** Strokes that left the live ink: the worker drops them after the frame that paints them in the tiles. */
  private readonly inkLeaving = new Set<string>()
  /** The drawing boxes of what the worker draws: strokes on the live ink and those it has yet to drop. */
  private readonly inkDrawn = new Map<string, Box>()
  private inkIdleTimer: ReturnType<typeof setTimeout> | undefined

  constructor(canvas: HTMLCanvasElement, board: DrawnBoard, camera: Camera) {
    const ctx = canvas.getContext('2d')
    if (ctx === null) throw new Error('Renderer: no 2D context')
    this.canvas = canvas
    this.ctx = ctx
    this.board = board
    this.camera = camera
    this.back = createLayer(1, 1)
    this.tiles = new TileCache({
      runFor: (box) => this.paintRun(box),
      paint: (ctx, run, k, from, until) => paintViews(ctx, run, k, from, until, (v) => this.outlined(v)),
    })
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
      imageSource.onReady((hash) => this.imageReady(hash)),
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
    this.blank = true
    this.unpainted = true
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

  /** Calls `listener` after each frame, and each paint of the live ink (which then costs the page a message); returns the call that stops it. */
  onFrame(listener: (info: FrameInfo) => void): () => void {
    this.frameListeners.add(listener)
    if (this.frameListeners.size === 1) this.ink?.report(true)
    return () => {
      if (this.frameListeners.delete(listener) && this.frameListeners.size === 0) this.ink?.report(false)
    }
  }

  destroy(): void {
    this.destroyed = true
    if (this.raf !== 0) cancelAnimationFrame(this.raf)
    this.raf = 0
    this.warmWork.cancel()
    for (const off of this.unsubscribe) off()
    this.frameListeners.clear()
    this.index.clear()
    this.tiles.clear()
    this.overlayCanvas.remove()
    clearTimeout(this.inkIdleTimer)
    this.ink?.close()
    this.ink = null
  }

  // ---- change tracking ----

  private onBoardChange(change: BoardChange): void {
    const many = change.added.length + change.changed.length + change.removed.length > FULL_REDRAW_CHANGES
    if (many) {
      this.contentStale = true
      this.blank = true
    }
    for (const id of change.removed) {
      const old = this.index.get(id)
      if (old !== undefined && !many) this.dirty.push(old)
      this.index.delete(id)
      this.liveDrawn.delete(id)
      if (this.onInk.delete(id)) this.dropInk([id])
      this.changed.add(id)
    }
    // Live ink that only grew is the worker's to draw: no frame here for it.
    let tilesTouched = many || change.removed.length > 0
    for (const ids of [change.added, change.changed]) {
      for (const id of ids) {
        if (this.inkChanged(id, many)) continue
        this.indexChanged(id, many)
        tilesTouched = true
      }
    }
    if (!tilesTouched) return
    if (!many && this.settledOffView()) return
    this.unpainted = true
    this.schedule()
  }

  /**
   * Takes a change that shows nowhere in the view without a frame: the tiles
   * cached around the view that hold it are repainted now, and nothing is
   * composited. Most remote edits in a busy room are elsewhere on the board,
   * and a frame costs the page about a millisecond of main thread (Chromium's
   * lifecycle and canvas commit besides our drawing) that any message
   * arriving meanwhile waits out. False, with nothing done but the live
   * tails' boxes, when a frame is due anyway or some of it shows.
   */
  private settledOffView(): boolean {
    if (this.blank || this.contentStale || this.incomplete || this.raf !== 0 || this.frameQueued || this.shownScale === 0) return false
    this.dirtyLiveTails()
    const k = this.shownScale
    const pad = (AA_PX + 1) / k
    const view = {
      minX: this.shownX / k - pad,
      minY: this.shownY / k - pad,
      maxX: (this.shownX + this.canvas.width) / k + pad,
      maxY: (this.shownY + this.canvas.height) / k + pad,
    }
    if (this.dirty.some((box) => intersects(box, view))) return false
    // Outlines as a frame would compute them; past the budget, idle time refines them.
    this.outlineDeadline = performance.now() + OUTLINE_BUDGET_MS
    for (const box of this.dirty) this.tiles.invalidate(box, k)
    this.dirty = []
    this.changed.clear()
    this.dropLeftInk(false)
    if (this.provisional.size > 0) this.scheduleWarm()
    return true
  }

  /** A picture arrived (or may now): the tiles where it shows are repainted. */
  private imageReady(hash: string): void {
    for (const v of this.board.ordered()) if (v.image?.im === hash) this.dirty.push(visualBounds(v))
    this.schedule()
  }

  /**
   * Takes a change of a stroke on the live ink, or a new stroke joining it;
   * false for the tiles to take (indexChanged). A stroke that changed other
   * than by growing leaves the live ink for the tiles.
   */
  private inkChanged(id: string, whole: boolean): boolean {
    const v = this.board.get(id)
    const held = this.onInk.get(id)
    if (held !== undefined) {
      if (v !== undefined && !whole && this.ink !== null && grewOnly(held, v)) {
        const box = visualBounds(v)
        this.index.set(id, box)
        this.inkDrawn.set(id, box)
        this.ink.showFor(this.inkDrawn.values())
        if (v.points.length > held.sent) this.ink.stroke(v, held.sent)
        held.view = v
        held.sent = v.points.length
        held.grewAt = performance.now()
        return true
      }
      this.onInk.delete(id)
      this.inkLeaving.add(id)
      return false
    }
    const ink = this.ink
    if (ink === null || !ink.isReady || whole || this.onInk.size >= MAX_INK_STROKES || v === undefined || v.t !== 'stroke' || v.done || v.r !== 0 || this.index.get(id) !== undefined) return false
    // New, so never painted in the tiles: on the live ink from its first point.
    const box = visualBounds(v)
    this.index.set(id, box)
    this.inkDrawn.set(id, box)
    ink.showFor(this.inkDrawn.values())
    ink.stroke(v, 0)
    this.onInk.set(id, { view: v, sent: v.points.length, grewAt: performance.now() })
    if (this.inkIdleTimer === undefined) this.inkIdleTimer = setTimeout(this.inkIdle, INK_IDLE_MS)
    return true
  }

  /** Sends strokes on the live ink that grew nothing for INK_IDLE_MS to the tiles. */
  private readonly inkIdle = (): void => {
    this.inkIdleTimer = undefined
    const now = performance.now()
    let next = Infinity
    for (const [id, held] of this.onInk) {
      const due = held.grewAt + INK_IDLE_MS
      if (due > now) {
        next = Math.min(next, due)
        continue
      }
      this.onInk.delete(id)
      this.inkLeaving.add(id)
      this.dirty.push(visualBounds(held.view))
      this.changed.add(id)
    }
    if (this.inkLeaving.size > 0) {
      this.unpainted = true
      this.schedule()
    }
    if (next !== Infinity && !this.destroyed) this.inkIdleTimer = setTimeout(this.inkIdle, next - now)
  }

  /**
   * The worker drops the strokes that left the live ink: after the next
   * animation frame (`afterFrame`), by when the frame that paints them in the
   * tiles is shown, so they never vanish for a frame; else at once (they
   * were painted off screen).
   */
  private dropLeftInk(afterFrame: boolean): void {
    if (this.inkLeaving.size === 0) return
    const ids = [...this.inkLeaving]
    this.inkLeaving.clear()
    if (afterFrame) requestAnimationFrame(() => this.dropInk(ids))
    else this.dropInk(ids)
  }

  /** Has the worker drop strokes, and hides the tiles only they reached into. */
  private dropInk(ids: string[]): void {
    for (const id of ids) this.inkDrawn.delete(id)
    this.ink?.drop(ids)
    this.ink?.showFor(this.inkDrawn.values())
  }

  /** Starts the live ink (from idle time: a worker starting would compete with a joining board for the cores). */
  private startInk(): void {
    if (this.ink !== null || this.inkUnavailable || this.destroyed) return
    this.ink = LiveInkLayer.start(
      this.canvas,
      () => this.sendInkView(),
      (paint) => {
        const info: FrameInfo = { at: paint.at, ms: paint.ms, kind: 'live', changed: paint.ids }
        for (const listener of this.frameListeners) listener(info)
      },
      () => this.inkEnded(),
    )
    if (this.ink === null) this.inkUnavailable = true
    else if (this.frameListeners.size > 0) this.ink.report(true)
  }

  /** The view the board canvas shows, for the live ink to draw at. */
  private sendInkView(): void {
    if (this.shownScale === 0 || this.ink === null) return
    this.ink.view(this.shownScale, this.shownX, this.shownY, this.canvas.width, this.canvas.height, this.dpr)
    this.ink.showFor(this.inkDrawn.values())
  }

  /** The worker ended: its strokes go to the tiles, for good. */
  private inkEnded(): void {
    this.ink = null
    this.inkUnavailable = true
    for (const held of this.onInk.values()) this.dirty.push(visualBounds(held.view))
    this.onInk.clear()
    this.inkLeaving.clear()
    this.inkDrawn.clear()
    clearTimeout(this.inkIdleTimer)
    this.inkIdleTimer = undefined
    this.unpainted = true
    this.schedule()
  }

  /**
   * Re-indexes an added or changed element; its old and new boxes are dirty
   * unless everything is (`whole`). A live stroke that only grew keeps
   * growing its box (culling and hit tests need it), but only its tail is
   * redrawn, at the next frame (dirtyLiveTails).
   */
  private indexChanged(id: string, whole: boolean): void {
    const v = this.board.get(id)
    if (v !== undefined && !whole && this.onlyGrew(id, v)) {
      const now = visualBounds(v)
      this.index.set(id, now)
      this.tiles.restartUnfinished(now)
      this.liveGrown.add(id)
      this.changed.add(id)
      return
    }
    if (v !== undefined && v.t === 'stroke' && !v.done) this.liveDrawn.set(id, v)
    else this.liveDrawn.delete(id)
    if (!whole) {
      const old = this.index.get(id)
      if (old !== undefined) this.dirty.push(old)
    }
    if (v !== undefined && isDrawn(v)) {
      const now = visualBounds(v)
      this.index.set(id, now)
      if (!whole) this.dirty.push(now)
    } else {
      this.index.delete(id)
    }
    this.changed.add(id)
  }

  /**
   * Whether `v` is an unfinished, unrotated stroke that differs from the view
   * the tiles draw only by appended points: same array, grown (see
   * ElementView.points), everything else that shows equal.
   */
  private onlyGrew(id: string, v: ElementView): boolean {
    const drawn = this.liveDrawn.get(id)
    if (drawn === undefined || v.t !== 'stroke' || v.done || v.r !== 0 || v.points !== drawn.points) return false
    return (
      drawn.r === 0 && drawn.z === v.z && drawn.x === v.x && drawn.y === v.y && drawn.sx === v.sx && drawn.sy === v.sy &&
      drawn.sw === v.sw && drawn.sc === v.sc && drawn.o === v.o
    )
  }

  /**
   * Dirties the tails of the live strokes that grew: where their outline
   * differs from the one the tiles draw (grownOutlineBox), or their whole
   * box when that is not known.
   */
  private dirtyLiveTails(): void {
    for (const id of this.liveGrown) {
      const v = this.board.get(id)
      const drawn = this.liveDrawn.get(id)
      if (v === undefined || drawn === undefined) continue
      this.dirty.push(grownOutlineBox(drawn, v) ?? visualBounds(v))
      // Its outline, computed now if the box did not need it, is what the next append compares with.
      strokeOutline(v)
      this.liveDrawn.set(id, v)
    }
    this.liveGrown.clear()
  }

  /**
   * Whether a board change or a resize is not on screen yet. A frame asked
   * for only to refine what is shown (a stand-in's strokes outlined in idle
   * time) does not count.
   */
  changesUnpainted(): boolean {
    return this.unpainted
  }

  /**
   * Requests a frame once the current task's script is done (a microtask
   * still runs before that frame could). requestAnimationFrame holds the page
   * 0.1 ms at p50 and 1 ms at p99 when no frame is pending (measured, Chromium
   * on a loaded 2-core machine), and a board change is scheduled from the
   * document's observers: run there, it would delay the update the page is
   * about to send to its peers.
   */
  private schedule(): void {
    if (this.raf !== 0 || this.frameQueued || this.destroyed) return
    this.frameQueued = true
    queueMicrotask(() => {
      this.frameQueued = false
      if (this.raf === 0 && !this.destroyed) this.raf = requestAnimationFrame(this.frame)
    })
  }

  // ---- drawing ----

  private readonly frame = (): void => {
    this.raf = 0
    const at = performance.now()
    this.outlineDeadline = at + OUTLINE_BUDGET_MS
    this.tiles.nextFrame()
    const k = this.camera.zoom * this.dpr
    // The view's device origin, snapped to a whole pixel so tiles land on whole pixels.
    const ox = Math.round(this.camera.x * k)
    const oy = Math.round(this.camera.y * k)
    const blank = this.blank
    const wasIncomplete = this.incomplete
    if (this.contentStale) {
      this.tiles.clear()
      this.contentStale = false
    }
    if (k !== this.shownScale) this.tiles.dropUnfinished(k)
    this.dirtyLiveTails()
    // Tiles to show again, and where (null: all of it); an edit shows only its box.
    const repainted = new Map<Tile, TileRect | null>()
    const dirty = this.dirty.length > MAX_DIRTY_BOXES ? [unionAll(this.dirty) as Box] : this.dirty
    for (const box of dirty) {
      for (const { tile, rect } of this.tiles.invalidate(box, k)) {
        const seen = repainted.get(tile)
        repainted.set(tile, seen === undefined ? rect : seen === null || rect === null ? null : unionRect(seen, rect))
      }
    }
    this.dirty = []

    const visible = this.visibleTiles(k, ox, oy)
    let missing = 0
    const moved = blank || k !== this.shownScale || ox !== this.shownX || oy !== this.shownY
    if (blank) {
      // Nothing on the canvas to stand in: paint the view straight onto it,
      // one pass no larger than the screen (its tiles reach past it); the
      // tiles follow within budgets, this frame standing in for them.
      this.paintDirect(this.ctx, k, ox, oy, { x0: 0, y0: 0, x1: this.canvas.width, y1: this.canvas.height })
      missing = visible.filter((tile) => !tile.complete).length
    } else {
      // Paint what is missing on screen, nearest the centre first, within the
      // budget. While the scale changes frame after frame, tiles the scaled
      // last frame covers wait: the next zoom step would throw them away.
      const budgetEnd = at + TILE_BUDGET_MS
      const cover = k !== this.shownScale ? this.standInCover(k, ox, oy) : null
      for (const tile of visible) {
        if (tile.complete) continue
        const wait = cover !== null && this.covered(tile, ox, oy, cover)
        if (!wait && performance.now() < budgetEnd && this.tiles.advance(tile, budgetEnd)) repainted.set(tile, null)
        else missing++
      }
      if (moved || this.incomplete) this.composeAll(visible, k, ox, oy, missing > 0)
      else for (const [tile, rect] of repainted) if (tile.scale === k) this.composeTile(tile, ox, oy, true, rect)
      // An edit where tiles are still missing shows now too, painted onto the stand-in.
      if (missing > 0) for (const box of dirty) this.paintDirectOverMissing(box, visible, k, ox, oy)
    }
    this.shownScale = k
    this.shownX = ox
    this.shownY = oy
    this.blank = false
    // Every change shows now: drawn into its tiles, or straight onto the screen where they are missing.
    this.unpainted = false
    this.incomplete = missing > 0
    if (this.incomplete) this.schedule()

    this.drawOverlay()
    if (moved) this.sendInkView()
    this.dropLeftInk(true)
    const kind: FrameInfo['kind'] = blank ? 'full' : moved ? 'pan' : repainted.size > 0 || wasIncomplete ? 'partial' : 'overlay'
    const info: FrameInfo = { at, ms: performance.now() - at, kind, changed: [...this.changed] }
    this.changed.clear()
    if (moved) this.warmStale = true
    if (moved || this.provisional.size > 0) this.scheduleWarm()
    for (const listener of this.frameListeners) listener(info)
  }

  // ---- idle warm-up ----

  private scheduleWarm(): void {
    if (!this.destroyed) this.warmWork.request()
  }

  /**
   * While the browser is idle: paints the tiles around the view, then
   * prepares the elements within a viewport's distance of it (computing a
   * stroke's outline costs more than filling it), so a pan or zoom step
   * mostly composites.
   */
  private warm(deadline: IdleDeadline): void {
    this.startInk()
    // First what is on screen as a stand-in: outline it and redraw its box.
    let upgraded = false
    for (const id of this.provisional) {
      if (deadline.timeRemaining() <= IDLE_MIN_MS) break
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
    // Then the tiles around the view, so a pan composites instead of painting.
    if (this.shownScale > 0) {
      const end = performance.now() + deadline.timeRemaining() - IDLE_MIN_MS
      this.outlineDeadline = end
      for (const tile of this.visibleTiles(this.shownScale, this.shownX, this.shownY, PREFETCH_RING)) {
        if (performance.now() >= end) {
          this.scheduleWarm()
          return
        }
        this.tiles.advance(tile, end)
      }
    }
    if (this.warmStale && this.warmQueue.length === 0) {
      const { width, height } = this.viewportSize()
      const b = this.camera.visibleBox(width, height)
      const w = b.maxX - b.minX
      const h = b.maxY - b.minY
      this.warmQueue = this.index.query({ minX: b.minX - w, minY: b.minY - h, maxX: b.maxX + w, maxY: b.maxY + h })
      this.warmStale = false
    }
    while (this.warmQueue.length > 0 && deadline.timeRemaining() > IDLE_MIN_MS) {
      const v = this.board.get(this.warmQueue.pop() as string)
      if (v !== undefined) prepareElement(v)
    }
    if (this.warmQueue.length > 0 || this.warmStale) this.scheduleWarm()
  }

  /** The tiles of scale `k` a view with device origin (ox, oy) shows, nearest its centre first. */
  private visibleTiles(k: number, ox: number, oy: number, ring = 0): Tile[] {
    const { width: w, height: h } = this.canvas
    const tx0 = Math.floor(ox / TILE_PX) - ring
    const ty0 = Math.floor(oy / TILE_PX) - ring
    const tx1 = Math.floor((ox + w - 1) / TILE_PX) + ring
    const ty1 = Math.floor((oy + h - 1) / TILE_PX) + ring
    const cx = (ox + w / 2) / TILE_PX - 0.5
    const cy = (oy + h / 2) / TILE_PX - 0.5
    const out: Tile[] = []
    for (let tx = tx0; tx <= tx1; tx++) for (let ty = ty0; ty <= ty1; ty++) out.push(this.tiles.want(k, tx, ty))
    return out.sort((a, b) => Math.hypot(a.tx - cx, a.ty - cy) - Math.hypot(b.tx - cx, b.ty - cy))
  }

  /** The device rectangle of the view a zoom to scale `k` at origin (ox, oy) finds covered by the last frame, scaled. */
  private standInCover(k: number, ox: number, oy: number): DeviceRect {
    const s = k / this.shownScale
    const x = this.shownX * s - ox
    const y = this.shownY * s - oy
    return { x0: x, y0: y, x1: x + this.canvas.width * s, y1: y + this.canvas.height * s }
  }

  /** Whether the part of `tile` on the canvas lies inside `cover`. */
  private covered(tile: Tile, ox: number, oy: number, cover: DeviceRect): boolean {
    const x0 = Math.max(0, tile.tx * TILE_PX - ox)
    const y0 = Math.max(0, tile.ty * TILE_PX - oy)
    const x1 = Math.min(this.canvas.width, (tile.tx + 1) * TILE_PX - ox)
    const y1 = Math.min(this.canvas.height, (tile.ty + 1) * TILE_PX - oy)
    return x0 >= cover.x0 && y0 >= cover.y0 && x1 <= cover.x1 && y1 <= cover.y1
  }

  /**
   * Shows the view from its complete tiles. Where tiles are still missing the
   * last frame stands in, moved and scaled to the new view (zoom steps show
   * the old drawing scaled until the new one is painted).
   */
  private composeAll(visible: Tile[], k: number, ox: number, oy: number, standIn: boolean): void {
    const { width: w, height: h } = this.canvas
    const ctx = this.ctx
    ctx.setTransform(1, 0, 0, 1, 0, 0)
    if (standIn) {
      const s = k / this.shownScale
      const back = this.back.ctx
      back.setTransform(1, 0, 0, 1, 0, 0)
      back.clearRect(0, 0, w, h)
      // A stand-in shows for a few frames: nearest-pixel scaling costs a
      // fraction of filtering in software rasterizers.
      back.imageSmoothingEnabled = false
      back.drawImage(this.canvas, this.shownX * s - ox, this.shownY * s - oy, w * s, h * s)
      // 'copy' replaces the canvas in one pass instead of a clear and a blend.
      ctx.globalCompositeOperation = 'copy'
      ctx.drawImage(this.back.canvas, 0, 0)
      ctx.globalCompositeOperation = 'source-over'
    } else {
      ctx.clearRect(0, 0, w, h)
    }
    for (const tile of visible) if (tile.complete) this.composeTile(tile, ox, oy, standIn)
  }

  /** Copies a complete tile (or its `part`) onto the canvas at its place in a view with device origin (ox, oy). */
  private composeTile(tile: Tile, ox: number, oy: number, clear: boolean, part: TileRect | null = null): void {
    const r = part ?? { x: 0, y: 0, w: TILE_PX, h: TILE_PX }
    const x = tile.tx * TILE_PX - ox + r.x
    const y = tile.ty * TILE_PX - oy + r.y
    if (tile.layer === null || x >= this.canvas.width || y >= this.canvas.height || x + r.w <= 0 || y + r.h <= 0) return
    const ctx = this.ctx
    ctx.setTransform(1, 0, 0, 1, 0, 0)
    if (!clear) {
      ctx.drawImage(tile.layer.canvas, r.x, r.y, r.w, r.h, x, y, r.w, r.h)
      return
    }
    // The tile's pixels replace the canvas's inside the whole-pixel rect:
    // what clearRect and a draw would leave, without the clearRect (see the
    // top of this file).
    ctx.save()
    ctx.beginPath()
    ctx.rect(x, y, r.w, r.h)
    ctx.clip()
    ctx.globalCompositeOperation = 'copy'
    ctx.drawImage(tile.layer.canvas, r.x, r.y, r.w, r.h, x, y, r.w, r.h)
    ctx.restore()
  }

  /**
   * Paints the board as it is now straight onto `ctx` (device px, the view's
   * snapped origin), without tiles: what the tiles must add up to, and, with
   * `withLiveInk`, the live ink too. For tests. `outlined` says which strokes
   * are drawn as outlines rather than polylines; by default those the
   * renderer would outline now.
   */
  paintUncached(ctx: Ctx2D, outlined: (v: ElementView) => boolean = (v) => this.outlined(v), withLiveInk = false): void {
    const k = this.camera.zoom * this.dpr
    const r = { x0: 0, y0: 0, x1: this.canvas.width, y1: this.canvas.height }
    this.paintDirect(ctx, k, Math.round(this.camera.x * k), Math.round(this.camera.y * k), r, outlined, withLiveInk ? null : this.onInk)
  }

  /** Ids of the strokes on the live ink now (see the top of this file). For tests. */
  liveInk(): string[] {
    return [...this.onInk.keys()]
  }

  /** Clears `r` (device px of a view with origin (ox, oy) at scale k) and paints every element reaching into it but `hidden`, bottom first. */
  private paintDirect(
    ctx: Ctx2D,
    k: number,
    ox: number,
    oy: number,
    r: DeviceRect,
    outlined: (v: ElementView) => boolean = (v) => this.outlined(v),
    hidden: ReadonlyMap<string, unknown> | null = this.onInk,
  ): void {
    paintDeviceRect(ctx, k, ox, oy, r, (box) => ({ views: this.inOrder(box), within: null, region: box, hidden }), outlined)
  }

  /** Paints a changed board box straight onto the canvas where it falls on visible tiles not painted yet. */
  private paintDirectOverMissing(box: Box, visible: Tile[], k: number, ox: number, oy: number): void {
    const drawn = deviceRectOf(box, k, ox, oy, this.canvas.width, this.canvas.height)
    if (drawn === null) return
    for (const tile of visible) {
      if (tile.complete) continue
      const r: DeviceRect = {
        x0: Math.max(drawn.x0, tile.tx * TILE_PX - ox),
        y0: Math.max(drawn.y0, tile.ty * TILE_PX - oy),
        x1: Math.min(drawn.x1, (tile.tx + 1) * TILE_PX - ox),
        y1: Math.min(drawn.y1, (tile.ty + 1) * TILE_PX - oy),
      }
      if (r.x1 > r.x0 && r.y1 > r.y0) this.paintDirect(this.ctx, k, ox, oy, r)
    }
  }

  /** Whether a large stroke may be drawn as its outline: yes if computed, or if this frame still has time to compute it; otherwise noted for an idle-time outline. */
  private outlined(v: ElementView): boolean {
    if (isPrepared(v) || performance.now() <= this.outlineDeadline) return true
    this.provisional.add(v.id)
    return false
  }

  /**
   * What to paint for `box`: its views, or, when it holds a large share of
   * the board (a tile far zoomed out), the board's order tested as it goes,
   * so the job starts without collecting and sorting ten thousand views.
   */
  private paintRun(box: Box): PaintRun {
    if (this.index.estimate(box) > this.index.size / WHOLE_ORDER_SHARE) return { views: this.board.ordered(), within: box, region: box, hidden: this.onInk }
    return { views: this.inOrder(box), within: null, region: box, hidden: this.onInk }
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

  /**
   * Redraws the overlay canvas; the board canvas is already up to date. What
   * the last redraw drew is erased by drawing over it ('destination-out'),
   * not with clearRect (see the top of this file). An overlay that drew
   * nothing is hidden: an empty full-size canvas is still a layer the
   * compositor blends every frame, measured at ~1 ms of CPU per frame per
   * page while a stroke streams in (software compositing, headless).
   */
  private drawOverlay(): void {
    const ctx = this.overlayCtx
    ctx.setTransform(1, 0, 0, 1, 0, 0)
    const { width, height } = this.overlayCanvas
    if (this.overlayInk === 'unknown') {
      ctx.clearRect(0, 0, width, height)
    } else {
      ctx.globalCompositeOperation = 'destination-out'
      ctx.fillStyle = '#000'
      for (const b of this.overlayInk) ctx.fillRect(b.x0, b.y0, b.x1 - b.x0, b.y1 - b.y0)
      ctx.globalCompositeOperation = 'source-over'
    }
    const ink = new InkTracker(ctx)
    if (this.overlay !== null) {
      ctx.save()
      ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0)
      this.overlay(ink.ctx, this.camera)
      ctx.restore()
    }
    this.overlayInk = ink.ink()
    const visibility = ink.drew ? '' : 'hidden'
    if (this.overlayCanvas.style.visibility !== visibility) this.overlayCanvas.style.visibility = visibility
  }

}

/** Whether `v` is the live stroke `held` grown, and nothing else changed: the same points array, longer, the same style. */
function grewOnly(held: InkStroke, v: ElementView): boolean {
  return v.t === 'stroke' && !v.done && v.r === 0 && v.points === held.view.points && v.points.length >= held.sent && sameStyle(v, held.view)
}

function unionRect(a: TileRect, b: TileRect): TileRect {
  const x = Math.min(a.x, b.x)
  const y = Math.min(a.y, b.y)
  return { x, y, w: Math.max(a.x + a.w, b.x + b.w) - x, h: Math.max(a.y + a.h, b.y + b.h) - y }
}

