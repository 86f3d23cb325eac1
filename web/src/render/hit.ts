// Precise hit tests of one element at a board point, after the spatial index
// has narrowed the candidates to those whose bounds are near.

import type { ElementView } from '../doc/types'
import { localBox } from '../doc/geometry'
import { arrowBarbs, isDrawn, visualBounds } from './shapes'
import { layoutText } from './text'

/**
 * Whether the point (board px) is on `v`, within `tol` board px. Filled shapes,
 * text and notes are hit anywhere inside; outlines, lines and strokes near their ink.
 */
export function hitElement(v: ElementView, point: { x: number; y: number }, tol: number): boolean {
  if (!isDrawn(v)) return false
  const b = localBox(v)
  let { x, y } = point
  if (v.r !== 0) {
    // Undo the rotation: turn the point by -r about the element's centre.
    const cx = (b.minX + b.maxX) / 2
    const cy = (b.minY + b.maxY) / 2
    const sin = Math.sin(-v.r)
    const cos = Math.cos(-v.r)
    const dx = x - cx
    const dy = y - cy
    x = cx + dx * cos - dy * sin
    y = cy + dx * sin + dy * cos
  }
  const reach = Math.max(v.sw, 0) / 2 + tol
  switch (v.t) {
    case 'stroke':
      return nearPolyline(
        v.points.map((p) => ({ x: v.x + p.x * v.sx, y: v.y + p.y * v.sy })),
        x,
        y,
        reach,
      )
    case 'line':
      return segmentDistance(x, y, v.x, v.y, v.x + v.w, v.y + v.h) <= reach
    case 'arrow': {
      const x2 = v.x + v.w
      const y2 = v.y + v.h
      const [a, c] = arrowBarbs(v.x, v.y, x2, y2, v.sw)
      return (
        segmentDistance(x, y, v.x, v.y, x2, y2) <= reach ||
        segmentDistance(x, y, a.x, a.y, x2, y2) <= reach ||
        segmentDistance(x, y, c.x, c.y, x2, y2) <= reach
      )
    }
    case 'rect': {
      const inside = x >= b.minX - reach && x <= b.maxX + reach && y >= b.minY - reach && y <= b.maxY + reach
      if (!inside) return false
      if (v.fc !== undefined) return true
      const innerX = x > b.minX + reach && x < b.maxX - reach
      const innerY = y > b.minY + reach && y < b.maxY - reach
      return !(innerX && innerY)
    }
    case 'ellipse': {
      const rx = (b.maxX - b.minX) / 2
      const ry = (b.maxY - b.minY) / 2
      const dx = x - (b.minX + rx)
      const dy = y - (b.minY + ry)
      // Normalised radius: 1 on the outline; the band is approximated along the smaller axis.
      const d = Math.hypot(dx / Math.max(rx, 1e-9), dy / Math.max(ry, 1e-9))
      const band = reach / Math.max(Math.min(rx, ry), 1e-9)
      return v.fc !== undefined ? d <= 1 + band : Math.abs(d - 1) <= band
    }
    case 'image':
      return x >= b.minX - tol && x <= b.maxX + tol && y >= b.minY - tol && y <= b.maxY + tol
    case 'text':
    case 'sticky': {
      const layout = layoutText(v)
      const maxY = Math.max(b.maxY, layout.y + layout.height)
      const maxX = v.w === 0 ? visualBounds(v).maxX : b.maxX
      return x >= b.minX - tol && x <= maxX + tol && y >= b.minY - tol && y <= maxY + tol
    }
    default:
      return false
  }
}

function nearPolyline(points: { x: number; y: number }[], x: number, y: number, reach: number): boolean {
  const first = points[0]
  if (first === undefined) return false
  if (points.length === 1) return Math.hypot(x - first.x, y - first.y) <= reach
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1] as { x: number; y: number }
    const b = points[i] as { x: number; y: number }
    if (segmentDistance(x, y, a.x, a.y, b.x, b.y) <= reach) return true
  }
  return false
}

/** Distance from (px, py) to the segment (x1, y1)-(x2, y2). */
export function segmentDistance(px: number, py: number, x1: number, y1: number, x2: number, y2: number): number {
  const dx = x2 - x1
  const dy = y2 - y1
  const len2 = dx * dx + dy * dy
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - x1) * dx + (py - y1) * dy) / len2))
  return Math.hypot(px - (x1 + t * dx), py - (y1 + t * dy))
}
