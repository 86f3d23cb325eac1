// The board's static drawing, cut into square bitmaps ("tiles") per scale, so
// a pan or a return to an earlier zoom composites a few bitmaps instead of
// painting thousands of strokes again.
//
// A tile (scale k, column tx, row ty) holds the device pixels
// [tx·TILE_PX, (tx+1)·TILE_PX) × [ty·TILE_PX, (ty+1)·TILE_PX) of the board
// drawn at k device px per board px, i.e. the transform board → tile is
// "times k, minus a whole number of pixels". A view whose device origin is a
// whole pixel (the renderer snaps it) lands on exactly the pixels a direct
// render would produce, so compositing tiles adds no resampling.
//
// A tile with thousands of strokes takes longer than a frame to paint, so a
// tile is painted as a resumable job: its (z, id)-ordered elements are
// painted in slices, each until a deadline, and the tile shows only once
// complete. An edit repaints just the edit's box inside the complete tiles
// of the scale on screen and drops the tiles of other scales it touches.

import type { Box } from '../doc/types'
import { intersects } from '../doc/geometry'
import type { PaintRun } from './paint'
import type { Ctx2D } from './shapes'

/** Side of a tile in device px: 256 KB of pixels, a few dozen per screen. */
export const TILE_PX = 256
/** Tiles kept at most (48 MB of pixels, plus MAX_SPARE canvases kept for reuse); the least recently shown go first. */
export const MAX_TILES = 192
/** Antialiasing reaches about a device pixel past the geometry. */
export const AA_PX = 2
/**
 * Elements painted between two flushes of a tile job. A 2D context only
 * records paths; they are rasterized when the tile is next read, so a job
 * flushes after each slice and checks its deadline against the real cost.
 */
const SLICE_ELEMENTS = 32

/** A rectangle of a tile, device px from its top left corner. */
export interface TileRect {
  x: number
  y: number
  w: number
  h: number
}

/** A tile whose pixels changed, and where (null: anywhere). */
export interface Repainted {
  tile: Tile
  rect: TileRect | null
}

export interface Layer {
  canvas: OffscreenCanvas | HTMLCanvasElement
  ctx: Ctx2D
}

export interface Tile {
  readonly scale: number
  readonly tx: number
  readonly ty: number
  /** Its pixels: allocated when its job starts, so tiles wanted but never painted (zoom steps) cost nothing. */
  layer: Layer | null
  /** The elements to paint, bottom first; null until the job starts. */
  run: PaintRun | null
  /** Index into `run.views` of the next element to paint. */
  next: number
  complete: boolean
  /** Frame stamp of the last time the tile was wanted on screen. */
  used: number
}

/** What the cache needs from the renderer. */
export interface TileSource {
  /** The drawn elements whose drawing reaches into `box`, bottom first (see PaintRun). */
  runFor(box: Box): PaintRun
  /** Paints `run.views[from..]` (see paintViews) until `until()`; returns the next index. */
  paint(ctx: Ctx2D, run: PaintRun, k: number, from: number, until: () => boolean): number
}

/** A tile's key: scale and position, unique while the scale is a finite number. */
function keyOf(scale: number, tx: number, ty: number): string {
  return `${scale}:${tx}:${ty}`
}

export class TileCache {
  private readonly tiles = new Map<string, Tile>()
  /** Canvases of dropped tiles, reused rather than reallocated. */
  private readonly spare: Layer[] = []
  private stamp = 0
  /** A 1 px canvas tiles are read into, to flush them. */
  private readonly probe = createLayer(1, 1)

  constructor(private readonly source: TileSource) {}

  /** Starts a new frame for LRU purposes; tiles touched by want() in it are kept over older ones. */
  nextFrame(): void {
    this.stamp++
  }

  /** The tile at (scale, tx, ty), created (empty, its job not started) if missing; marks it as in use. */
  want(scale: number, tx: number, ty: number): Tile {
    const key = keyOf(scale, tx, ty)
    let tile = this.tiles.get(key)
    if (tile === undefined) {
      this.evict()
      tile = { scale, tx, ty, layer: null, run: null, next: 0, complete: false, used: this.stamp }
      this.tiles.set(key, tile)
    }
    tile.used = this.stamp
    return tile
  }

  /** Paints more of `tile` until `deadline` (performance.now()); true once it is complete. */
  advance(tile: Tile, deadline: number): boolean {
    if (tile.complete) return true
    const { scale: k } = tile
    if (tile.layer === null) {
      tile.layer = this.spare.pop() ?? createLayer(TILE_PX, TILE_PX)
      tile.layer.ctx.setTransform(1, 0, 0, 1, 0, 0)
      tile.layer.ctx.clearRect(0, 0, TILE_PX, TILE_PX)
    }
    if (tile.run === null) {
      tile.run = this.source.runFor(tileBox(tile))
      tile.next = 0
    }
    const layer = tile.layer
    const ctx = layer.ctx
    const run = tile.run
    while (tile.next < run.views.length && performance.now() < deadline) {
      const sliceEnd = tile.next + SLICE_ELEMENTS
      ctx.save()
      ctx.setTransform(k, 0, 0, k, -tile.tx * TILE_PX, -tile.ty * TILE_PX)
      let painted = tile.next
      tile.next = this.source.paint(ctx, run, k, tile.next, () => ++painted >= sliceEnd || performance.now() >= deadline)
      ctx.restore()
      this.flush(layer)
    }
    if (tile.next >= run.views.length) {
      tile.complete = true
      tile.run = null
    }
    return tile.complete
  }

  /**
   * The board inside `box` changed. Complete tiles of `scale` repaint that
   * box now (and are returned, to be shown again); unfinished ones restart;
   * tiles of other scales are dropped, to be painted when next wanted.
   */
  invalidate(box: Box, scale: number): Repainted[] {
    const repainted: Repainted[] = []
    for (const [key, tile] of this.tiles) {
      if (!intersects(tileBox(tile), expandByPixels(box, tile.scale))) continue
      if (tile.scale !== scale) {
        this.drop(key, tile)
      } else if (!tile.complete) {
        tile.layer?.ctx.setTransform(1, 0, 0, 1, 0, 0)
        tile.layer?.ctx.clearRect(0, 0, TILE_PX, TILE_PX)
        tile.run = null
        tile.next = 0
      } else if (tile.layer !== null) {
        const rect = this.repaint(tile.layer, tile, box)
        if (rect !== null) repainted.push({ tile, rect })
      }
    }
    return repainted
  }

  /**
   * Restarts the unfinished tiles reaching into `box`: their jobs hold the
   * views they started with, and a live stroke's old view would be painted
   * with its newer points (ElementView.points), which only `box` is sure to
   * cover, not the tail the renderer redraws.
   */
  restartUnfinished(box: Box): void {
    for (const tile of this.tiles.values()) {
      if (tile.complete || tile.run === null || !intersects(tileBox(tile), expandByPixels(box, tile.scale))) continue
      tile.layer?.ctx.setTransform(1, 0, 0, 1, 0, 0)
      tile.layer?.ctx.clearRect(0, 0, TILE_PX, TILE_PX)
      tile.run = null
      tile.next = 0
    }
  }

  /** Drops the unfinished tiles of scales other than `scale`: a zoom went past them. */
  dropUnfinished(scale: number): void {
    for (const [key, tile] of this.tiles) if (!tile.complete && tile.scale !== scale) this.drop(key, tile)
  }

  clear(): void {
    for (const [key, tile] of this.tiles) this.drop(key, tile)
  }

  /** Clears the device rectangle of `tile` covering `box` (antialiasing included) and paints everything reaching into it. */
  private repaint(layer: Layer, tile: Tile, box: Box): TileRect | null {
    const k = tile.scale
    const ox = tile.tx * TILE_PX
    const oy = tile.ty * TILE_PX
    const x0 = Math.max(0, Math.floor(box.minX * k - ox) - AA_PX)
    const y0 = Math.max(0, Math.floor(box.minY * k - oy) - AA_PX)
    const x1 = Math.min(TILE_PX, Math.ceil(box.maxX * k - ox) + AA_PX)
    const y1 = Math.min(TILE_PX, Math.ceil(box.maxY * k - oy) + AA_PX)
    if (x1 <= x0 || y1 <= y0) return null
    const ctx = layer.ctx
    ctx.save()
    ctx.setTransform(1, 0, 0, 1, 0, 0)
    ctx.beginPath()
    ctx.rect(x0, y0, x1 - x0, y1 - y0)
    ctx.clip()
    ctx.clearRect(x0, y0, x1 - x0, y1 - y0)
    ctx.setTransform(k, 0, 0, k, -ox, -oy)
    const margin = AA_PX / k
    const region = { minX: (ox + x0) / k - margin, minY: (oy + y0) / k - margin, maxX: (ox + x1) / k + margin, maxY: (oy + y1) / k + margin }
    this.source.paint(ctx, this.source.runFor(region), k, 0, () => false)
    ctx.restore()
    return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 }
  }

  /** Makes the context rasterize what it recorded (reading one pixel of the tile does), so the time is spent now. */
  private flush(layer: Layer): void {
    this.probe.ctx.drawImage(layer.canvas, 0, 0, 1, 1, 0, 0, 1, 1)
  }

  private drop(key: string, tile: Tile): void {
    this.tiles.delete(key)
    if (tile.layer !== null && this.spare.length < MAX_SPARE) this.spare.push(tile.layer)
  }

  /** Makes room for one more tile by dropping the least recently wanted, never one wanted this frame. */
  private evict(): void {
    while (this.tiles.size >= MAX_TILES) {
      let oldest: [string, Tile] | null = null
      for (const entry of this.tiles) if (oldest === null || entry[1].used < oldest[1].used) oldest = entry
      if (oldest === null || oldest[1].used === this.stamp) return
      this.drop(oldest[0], oldest[1])
    }
  }
}

/** Spare canvases kept for reuse (16 MB). */
const MAX_SPARE = 64

/** The board box a tile covers, plus the antialiasing margin that reaches into it. */
export function tileBox(tile: { scale: number; tx: number; ty: number }): Box {
  const k = tile.scale
  const margin = AA_PX / k
  return {
    minX: (tile.tx * TILE_PX) / k - margin,
    minY: (tile.ty * TILE_PX) / k - margin,
    maxX: ((tile.tx + 1) * TILE_PX) / k + margin,
    maxY: ((tile.ty + 1) * TILE_PX) / k + margin,
  }
}

function expandByPixels(box: Box, k: number): Box {
  const m = AA_PX / k
  return { minX: box.minX - m, minY: box.minY - m, maxX: box.maxX + m, maxY: box.maxY + m }
}

export function createLayer(w: number, h: number): Layer {
  if (typeof OffscreenCanvas !== 'undefined') {
    const canvas = new OffscreenCanvas(w, h)
    const ctx = canvas.getContext('2d')
    if (ctx === null) throw new Error('TileCache: no offscreen 2D context')
    return { canvas, ctx }
  }
  const canvas = document.createElement('canvas')
  canvas.width = w
  canvas.height = h
  const ctx = canvas.getContext('2d')
  if (ctx === null) throw new Error('TileCache: no 2D context')
  return { canvas, ctx }
}
