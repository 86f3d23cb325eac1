// Selection geometry: the box around selected elements, its resize handles and
// the math that scales elements when a handle is dragged. Pure functions, so
// the fiddly cases (flips, zero-width lines, aspect lock) are unit-tested.

import type { Box, ElementView, Patch } from '../doc/types'
import type { Vec } from './types'

export type Handle = 'nw' | 'n' | 'ne' | 'e' | 'se' | 's' | 'sw' | 'w'

export const HANDLES: readonly Handle[] = ['nw', 'n', 'ne', 'e', 'se', 's', 'sw', 'w']

/** Screen px between the elements' bounds and the drawn selection box. */
export const SELECTION_PADDING = 4

/** Screen px from the pointer within which an element or handle counts as hit; fingers are blunt. */
export function hitTolerance(pointerType: string): number {
  if (pointerType === 'touch') return 12
  if (pointerType === 'pen') return 6
  return 4
}

export function boxContains(b: Box, p: Vec): boolean {
  return p.x >= b.minX && p.x <= b.maxX && p.y >= b.minY && p.y <= b.maxY
}

/** Where a handle sits on a box. */
export function handlePosition(b: Box, h: Handle): Vec {
  const cx = (b.minX + b.maxX) / 2
  const cy = (b.minY + b.maxY) / 2
  const x = h.includes('w') ? b.minX : h.includes('e') ? b.maxX : cx
  const y = h.includes('n') ? b.minY : h.includes('s') ? b.maxY : cy
  return { x, y }
}

/**
 * The handle under `p` (all in screen px), corners first: on a tiny box the
 * corner handles overlap the edge ones and corners are the useful ones.
 */
export function handleAt(screenBox: Box, p: Vec, radius: number): Handle | undefined {
  const order: Handle[] = ['nw', 'ne', 'se', 'sw', 'n', 'e', 's', 'w']
  for (const h of order) {
    const q = handlePosition(screenBox, h)
    if (Math.abs(q.x - p.x) <= radius && Math.abs(q.y - p.y) <= radius) return h
  }
  return undefined
}

export function handleCursor(h: Handle): string {
  switch (h) {
    case 'nw':
    case 'se':
      return 'nwse-resize'
    case 'ne':
    case 'sw':
      return 'nesw-resize'
    case 'n':
    case 's':
      return 'ns-resize'
    case 'e':
    case 'w':
      return 'ew-resize'
  }
}

/** A scale about a fixed anchor point: p' = anchor + (p - anchor) * s. */
export interface Scaling {
  anchor: Vec
  sx: number
  sy: number
}

/** Boxes thinner than this (a horizontal line) are not scaled along that axis. */
const MIN_EXTENT = 1e-6

/**
 * The scaling that moves handle `h` of `start` by (dx, dy) board px while the
 * opposite side stays put. Dragging past the opposite side flips (negative
 * scale), as in every drawing tool. `keepAspect` (shift on a corner) scales
 * both axes by the larger factor.
 */
export function resizeScaling(start: Box, h: Handle, dx: number, dy: number, keepAspect: boolean): Scaling {
  const w = start.maxX - start.minX
  const hgt = start.maxY - start.minY
  const movesX = h.includes('w') || h.includes('e')
  const movesY = h.includes('n') || h.includes('s')
  const anchor = {
    x: h.includes('w') ? start.maxX : start.minX,
    y: h.includes('n') ? start.maxY : start.minY,
  }
  let sx = 1
  let sy = 1
  if (movesX && w > MIN_EXTENT) sx = h.includes('w') ? (w - dx) / w : (w + dx) / w
  if (movesY && hgt > MIN_EXTENT) sy = h.includes('n') ? (hgt - dy) / hgt : (hgt + dy) / hgt
  if (keepAspect && movesX && movesY) {
    const s = Math.max(Math.abs(sx), Math.abs(sy))
    sx = (sx < 0 ? -1 : 1) * s
    sy = (sy < 0 ? -1 : 1) * s
  }
  return { anchor, sx, sy }
}

function scaleX(s: Scaling, x: number): number {
  return s.anchor.x + (x - s.anchor.x) * s.sx
}

function scaleY(s: Scaling, y: number): number {
  return s.anchor.y + (y - s.anchor.y) * s.sy
}

/**
 * The patch that applies a scaling to one element, from its state when the
 * resize started (so repeated moves never accumulate rounding):
 * - stroke: the origin moves and sx/sy multiply (points are origin-relative);
 * - line/arrow: both end points move (w/h may turn negative, which is allowed);
 * - boxes: both corners move and the box is re-normalised (w, h ≥ 0); text
 *   also scales its font with the height so the words fill the new box.
 */
export function scalePatch(el: ElementView, s: Scaling): Patch {
  const x = scaleX(s, el.x)
  const y = scaleY(s, el.y)
  switch (el.t) {
    case 'stroke':
      return { x, y, sx: el.sx * s.sx, sy: el.sy * s.sy }
    case 'line':
    case 'arrow':
      return { x, y, w: el.w * s.sx, h: el.h * s.sy }
    default: {
      const x2 = scaleX(s, el.x + el.w)
      const y2 = scaleY(s, el.y + el.h)
      const patch: Patch = { x: Math.min(x, x2), y: Math.min(y, y2), w: Math.abs(x2 - x), h: Math.abs(y2 - y) }
      if (el.t === 'text') patch.fs = Math.max(1, el.fs * Math.abs(s.sy === 1 ? s.sx : s.sy))
      return patch
    }
  }
}
