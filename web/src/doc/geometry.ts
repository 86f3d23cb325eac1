// Element bounds (docs/SCHEMA.md, "Geometry"), as crates/doc computes them:
// the box before rotation, rotated by `r` about its centre, made axis-aligned.

import type { PackedPoints } from './packed-points'
import type { Box, ElementView } from './types'

/** Views are rebuilt on change, so a view's bounds can be cached by identity. */
const boundsCache = new WeakMap<ElementView, Box>()
/** Strokes' local boxes by view: a live stroke's grows from its previous view's (strokeGrew). */
const strokeBoxCache = new WeakMap<ElementView, Box>()

/** The axis-aligned box before rotation. Strokes: the scaled points plus the origin. */
export function localBox(v: ElementView): Box {
  if (v.t === 'stroke') {
    if (v.packed !== undefined) return packedBox(v, v.packed)
    let b = strokeBoxCache.get(v)
    if (b === undefined) {
      b = extendByPoints({ minX: v.x, minY: v.y, maxX: v.x, maxY: v.y }, v, 0)
      strokeBoxCache.set(v, b)
    }
    return b
  }
  return corners(v.x, v.y, v.x + v.w, v.y + v.h)
}

/**
 * `v` is `old` with points appended from index `from` on (same origin and
 * scale aside, which are checked): its box is the old one grown by the new
 * points, so a live stroke's bounds cost its chunk, not its length.
 */
export function strokeGrew(old: ElementView, v: ElementView, from: number): void {
  const before = strokeBoxCache.get(old)
  if (before === undefined || old.x !== v.x || old.y !== v.y || old.sx !== v.sx || old.sy !== v.sy) return
  strokeBoxCache.set(v, extendByPoints(before, v, from))
}

/** `b` grown by the stroke's points from index `from` on, in board coordinates. */
function extendByPoints(b: Box, v: ElementView, from: number): Box {
  const box = { ...b }
  const points = v.points
  for (let i = from; i < points.length; i++) {
    const p = points[i] as { x: number; y: number }
    widenX(box, v.x + p.x * v.sx)
    widenY(box, v.y + p.y * v.sy)
  }
  return box
}

/**
 * localBox of a stroke from its packed points' range, without a pass over
 * them: `v.x + (q / 16) * v.sx` only grows with q when sx >= 0 and only
 * shrinks when sx < 0 (IEEE arithmetic is monotonic), so the extremes of
 * all points are among the range's two ends, and the same comparisons on
 * those give exactly the box the loop over every point gives (NaN included).
 */
function packedBox(v: ElementView, packed: PackedPoints): Box {
  const box = { minX: v.x, minY: v.y, maxX: v.x, maxY: v.y }
  if (packed.length === 0) return box
  const { range } = packed
  widenX(box, v.x + (range.minX / 16) * v.sx)
  widenX(box, v.x + (range.maxX / 16) * v.sx)
  widenY(box, v.y + (range.minY / 16) * v.sy)
  widenY(box, v.y + (range.maxY / 16) * v.sy)
  return box
}

/** The box's step for one point's x. */
function widenX(box: Box, x: number): void {
  if (x < box.minX) box.minX = x
  else if (x > box.maxX) box.maxX = x
}

/** The box's step for one point's y. */
function widenY(box: Box, y: number): void {
  if (y < box.minY) box.minY = y
  else if (y > box.maxY) box.maxY = y
}

/** The bounds of an element: its local box rotated by `r` about its centre. */
export function elementBounds(v: ElementView): Box {
  let b = boundsCache.get(v)
  if (b === undefined) {
    b = rotateBox(localBox(v), v.r)
    boundsCache.set(v, b)
  }
  return b
}

/** The axis-aligned box of `b` rotated by `radians` (clockwise on screen) about its centre. */
export function rotateBox(b: Box, radians: number): Box {
  if (radians === 0) return b
  const cx = (b.minX + b.maxX) / 2
  const cy = (b.minY + b.maxY) / 2
  const hw = (b.maxX - b.minX) / 2
  const hh = (b.maxY - b.minY) / 2
  const sin = Math.sin(radians)
  const cos = Math.cos(radians)
  const ex = Math.abs(hw * cos) + Math.abs(hh * sin)
  const ey = Math.abs(hw * sin) + Math.abs(hh * cos)
  return { minX: cx - ex, minY: cy - ey, maxX: cx + ex, maxY: cy + ey }
}

/** The box spanned by two corners, in any order. */
export function corners(x1: number, y1: number, x2: number, y2: number): Box {
  return { minX: Math.min(x1, x2), minY: Math.min(y1, y2), maxX: Math.max(x1, x2), maxY: Math.max(y1, y2) }
}

export function unionBox(a: Box, b: Box): Box {
  return {
    minX: Math.min(a.minX, b.minX),
    minY: Math.min(a.minY, b.minY),
    maxX: Math.max(a.maxX, b.maxX),
    maxY: Math.max(a.maxY, b.maxY),
  }
}

/** The union of several boxes, or undefined for none. */
export function unionAll(boxes: Iterable<Box>): Box | undefined {
  let u: Box | undefined
  for (const b of boxes) u = u === undefined ? b : unionBox(u, b)
  return u
}

export function expandBox(b: Box, by: number): Box {
  return { minX: b.minX - by, minY: b.minY - by, maxX: b.maxX + by, maxY: b.maxY + by }
}

/** Closed intersection: boxes that touch intersect, so a zero-size box (a point) can hit. */
export function intersects(a: Box, b: Box): boolean {
  return a.minX <= b.maxX && b.minX <= a.maxX && a.minY <= b.maxY && b.minY <= a.maxY
}
