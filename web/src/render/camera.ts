// The view onto the board: screen (CSS px) = (board - (x, y)) * zoom.

import type { Box } from '../doc/types'

export const MIN_ZOOM = 0.05
export const MAX_ZOOM = 20

export class Camera {
  x = 0
  y = 0
  zoom = 1
  private readonly listeners = new Set<() => void>()

  toScreen(p: { x: number; y: number }): { x: number; y: number } {
    return { x: (p.x - this.x) * this.zoom, y: (p.y - this.y) * this.zoom }
  }

  toBoard(p: { x: number; y: number }): { x: number; y: number } {
    return { x: p.x / this.zoom + this.x, y: p.y / this.zoom + this.y }
  }

  /** Moves the view so the board follows the pointer by (dx, dy) screen px. */
  panBy(dxScreen: number, dyScreen: number): void {
    if (dxScreen === 0 && dyScreen === 0) return
    this.x -= dxScreen / this.zoom
    this.y -= dyScreen / this.zoom
    this.emit()
  }

  /** Zooms by `factor` keeping the board point under `screen` in place. */
  zoomAt(screen: { x: number; y: number }, factor: number): void {
    const zoom = clampZoom(this.zoom * factor)
    if (zoom === this.zoom) return
    const anchor = this.toBoard(screen)
    this.zoom = zoom
    this.x = anchor.x - screen.x / zoom
    this.y = anchor.y - screen.y / zoom
    this.emit()
  }

  /** Sets the whole view at once (restoring a saved view, following a peer). */
  set(x: number, y: number, zoom: number): void {
    const z = clampZoom(zoom)
    if (x === this.x && y === this.y && z === this.zoom) return
    this.x = x
    this.y = y
    this.zoom = z
    this.emit()
  }

  /** Centres `box` in a viewport of the given CSS size, zoomed to fit with `padding` px around (zoom at most 1). */
  fit(box: Box, widthCss: number, heightCss: number, padding = 48): void {
    const w = Math.max(box.maxX - box.minX, 1)
    const h = Math.max(box.maxY - box.minY, 1)
    const zoom = clampZoom(Math.min(1, (widthCss - 2 * padding) / w, (heightCss - 2 * padding) / h))
    const cx = (box.minX + box.maxX) / 2
    const cy = (box.minY + box.maxY) / 2
    this.set(cx - widthCss / 2 / zoom, cy - heightCss / 2 / zoom, zoom)
  }

  /** The board area a viewport of the given CSS size shows. */
  visibleBox(widthCss: number, heightCss: number): Box {
    return { minX: this.x, minY: this.y, maxX: this.x + widthCss / this.zoom, maxY: this.y + heightCss / this.zoom }
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private emit(): void {
    for (const listener of this.listeners) listener()
  }
}

function clampZoom(zoom: number): number {
  if (!Number.isFinite(zoom)) return 1
  return Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, zoom))
}
