// Drawing one element on a 2D context, and how far its drawing reaches beyond
// its schema bounds (stroke width, arrow heads, overflowing text), which the
// renderer needs for culling and for clearing the right region on change.

import { DRAWN_KIND_LIST, type Box, type ElementView } from '../doc/types'
import { elementBounds, expandBox, localBox, rotateBox, unionBox } from '../doc/geometry'
import { DEFAULT_STROKE } from '../doc/board'
import { safeColor, safeFill } from './color'
import { liveRuns, strokeOutline, strokePath, traceOutline, traceOutlineNear } from './freehand'
import { LINE_HEIGHT, font, layoutText } from './text'
import { imageSource } from './image-source'

/** A picture not loaded (yet): a light box with a grey outline, so its place and size show. */
const PLACEHOLDER_FILL = '#f1f3f5'
const PLACEHOLDER_LINE = '#adb5bd'
/** The placeholder's dashed outline (SCHEMA.md, "Placeholder"; the server's board.svg draws the same). */
export const PLACEHOLDER_DASH = [6, 4] as const
/** The placeholder as SVG attributes, byte for byte the server's board.svg (crates/doc/src/svg.rs). */
export const PLACEHOLDER_SVG = `fill="${PLACEHOLDER_FILL}" stroke="${PLACEHOLDER_LINE}" stroke-width="1" stroke-dasharray="${PLACEHOLDER_DASH.join(' ')}"`

export type Ctx2D = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D

export const DRAWN_KINDS: ReadonlySet<string> = new Set(DRAWN_KIND_LIST)

/** Path2D per view: views are rebuilt only when their element changes, so this invalidates itself. */
const pathCache = new WeakMap<ElementView, Path2D>()
const visualCache = new WeakMap<ElementView, Box>()

/** Unknown kinds (from newer clients) are kept in the document but not drawn. */
export function isDrawn(v: ElementView): boolean {
  return DRAWN_KINDS.has(v.t)
}

/** Length of an arrow's barbs (as crates/doc's SVG export). */
export function arrowHeadLength(sw: number): number {
  return 10 + Math.max(sw, 0) * 2
}

/** The box everything drawn for `v` falls in, antialiasing aside. */
export function visualBounds(v: ElementView): Box {
  let b = visualCache.get(v)
  if (b === undefined) {
    const sw = Math.max(v.sw, 0)
    // A stroke's outline or an outline stroke reaches sw/2 past the geometry; a
    // rotated box's corner can reach √2 times that. Round joins add nothing more.
    let pad = sw * 0.75
    if (v.t === 'arrow') pad += arrowHeadLength(sw)
    b = elementBounds(v)
    if (v.t === 'text' || v.t === 'sticky') {
      const layout = layoutText(v)
      const local = localBox(v)
      // Text may overflow its box downwards; the widest line may overflow sideways.
      const text = { minX: local.minX, minY: local.minY, maxX: Math.max(local.maxX, local.minX + maxLineWidth(v)), maxY: Math.max(local.maxY, layout.y + layout.height) }
      b = unionBox(b, rotateBox(text, v.r))
    }
    b = expandBox(b, pad)
    visualCache.set(v, b)
  }
  return b
}

/** Draws `v` in board coordinates (the caller sets the board-to-device transform). */
export function drawElement(ctx: Ctx2D, v: ElementView): void {
  if (!isDrawn(v) || v.o <= 0) return
  ctx.save()
  ctx.globalAlpha *= Math.min(1, v.o)
  if (v.r !== 0) {
    const b = localBox(v)
    const cx = (b.minX + b.maxX) / 2
    const cy = (b.minY + b.maxY) / 2
    ctx.translate(cx, cy)
    ctx.rotate(v.r)
    ctx.translate(-cx, -cy)
  }
  const stroke = safeColor(v.sc, DEFAULT_STROKE)
  const fill = safeFill(v.fc)
  ctx.lineWidth = Math.max(v.sw, 0)
  ctx.lineCap = 'round'
  ctx.lineJoin = 'round'
  ctx.strokeStyle = stroke
  switch (v.t) {
    case 'stroke':
      ctx.fillStyle = stroke
      ctx.fill(cachedPath(v))
      break
    case 'rect':
    case 'ellipse': {
      const path = cachedPath(v)
      if (fill !== undefined) {
        ctx.fillStyle = fill
        ctx.fill(path)
      }
      if (v.sw > 0) ctx.stroke(path)
      break
    }
    case 'line':
    case 'arrow':
      if (v.sw > 0) ctx.stroke(cachedPath(v))
      break
    case 'sticky': {
      const b = localBox(v)
      ctx.fillStyle = fill ?? '#ffe066'
      ctx.fill(cachedPath(v))
      ctx.save()
      ctx.beginPath()
      ctx.rect(b.minX, b.minY, b.maxX - b.minX, b.maxY - b.minY)
      ctx.clip()
      drawText(ctx, v, stroke)
      ctx.restore()
      break
    }
    case 'text':
      drawText(ctx, v, stroke)
      break
    case 'image':
      drawImage(ctx, v, v.image === undefined ? undefined : imageSource.bitmap(v.image))
      break
  }
  ctx.restore()
}

/**
 * Draws an unfinished stroke for a paint that shows only `region`: the
 * outline's curves far from it go to the canvas as chords
 * (traceOutlineNear), so redrawing around the tail of a long stroke costs
 * what the tail does. Inside `region` it draws what drawElement does. A
 * rotated stroke (never live in practice: rotating needs the selection) is
 * drawn whole.
 */
export function drawLiveStroke(ctx: Ctx2D, v: ElementView, region: Box): void {
  if (v.t !== 'stroke' || v.r !== 0) {
    drawElement(ctx, v)
    return
  }
  if (!isDrawn(v) || v.o <= 0) return
  const path = new Path2D()
  traceOutlineNear(strokeOutline(v), region, path, liveRuns(v))
  ctx.save()
  ctx.globalAlpha *= Math.min(1, v.o)
  ctx.fillStyle = safeColor(v.sc, DEFAULT_STROKE)
  ctx.fill(path)
  ctx.restore()
}

/** Draws an image element with `bitmap`, or its placeholder box when there is none. */
export function drawImage(ctx: Ctx2D, v: ElementView, bitmap: ImageBitmap | undefined): void {
  const b = localBox(v)
  const w = b.maxX - b.minX
  const h = b.maxY - b.minY
  if (bitmap !== undefined) {
    ctx.imageSmoothingQuality = 'high'
    ctx.drawImage(bitmap, b.minX, b.minY, w, h)
    return
  }
  ctx.fillStyle = PLACEHOLDER_FILL
  ctx.fillRect(b.minX, b.minY, w, h)
  ctx.strokeStyle = PLACEHOLDER_LINE
  ctx.lineWidth = 1
  ctx.setLineDash([...PLACEHOLDER_DASH])
  ctx.strokeRect(b.minX, b.minY, w, h)
  ctx.setLineDash([])
}

/** SVG path data of the geometry of `v` before rotation (not for text). */
export function shapePathData(v: ElementView): string {
  const n = (x: number) => (Math.round(x * 100) / 100).toString()
  const b = localBox(v)
  switch (v.t) {
    case 'stroke':
      return strokePath(v)
    case 'rect':
    case 'sticky':
    case 'image':
      return `M${n(b.minX)} ${n(b.minY)}H${n(b.maxX)}V${n(b.maxY)}H${n(b.minX)}Z`
    case 'ellipse': {
      const rx = (b.maxX - b.minX) / 2
      const ry = (b.maxY - b.minY) / 2
      const cy = b.minY + ry
      return `M${n(b.minX)} ${n(cy)}A${n(rx)} ${n(ry)} 0 1 0 ${n(b.maxX)} ${n(cy)}A${n(rx)} ${n(ry)} 0 1 0 ${n(b.minX)} ${n(cy)}Z`
    }
    case 'line':
      return `M${n(v.x)} ${n(v.y)}L${n(v.x + v.w)} ${n(v.y + v.h)}`
    case 'arrow': {
      const x2 = v.x + v.w
      const y2 = v.y + v.h
      const [a, c] = arrowBarbs(v.x, v.y, x2, y2, v.sw)
      return `M${n(v.x)} ${n(v.y)}L${n(x2)} ${n(y2)}M${n(a.x)} ${n(a.y)}L${n(x2)} ${n(y2)}L${n(c.x)} ${n(c.y)}`
    }
    default:
      return ''
  }
}

/** The two barb ends of an arrow head at (x2, y2). */
export function arrowBarbs(x1: number, y1: number, x2: number, y2: number, sw: number): [{ x: number; y: number }, { x: number; y: number }] {
  const angle = Math.atan2(y2 - y1, x2 - x1)
  const len = arrowHeadLength(sw)
  const barb = (a: number) => ({ x: x2 - len * Math.cos(angle + a), y: y2 - len * Math.sin(angle + a) })
  return [barb(0.5), barb(-0.5)]
}

function cachedPath(v: ElementView): Path2D {
  let path = pathCache.get(v)
  if (path === undefined) {
    if (v.t === 'stroke') {
      path = new Path2D()
      traceOutline(strokeOutline(v), path)
    } else {
      path = new Path2D(shapePathData(v))
    }
    pathCache.set(v, path)
  }
  return path
}

/**
 * Does the costly part of drawing `v` ahead of time (stroke outline, Path2D,
 * text layout), so an element scrolling into view later draws in a fill.
 */
/** Whether drawing `v` now costs only the fill: a stroke's outline is computed once per version. */
export function isPrepared(v: ElementView): boolean {
  return v.t !== 'stroke' || pathCache.has(v)
}

export function prepareElement(v: ElementView): void {
  if (!isDrawn(v)) return
  if (v.t === 'text' || v.t === 'sticky') layoutText(v)
  if (v.t !== 'text') cachedPath(v)
}

function drawText(ctx: Ctx2D, v: ElementView, colour: string): void {
  const layout = layoutText(v)
  if (layout.lines.length === 0) return
  ctx.fillStyle = colour
  ctx.font = font(layout.fs)
  ctx.textBaseline = 'top'
  layout.lines.forEach((line, i) => ctx.fillText(line, layout.x, layout.y + i * layout.fs * LINE_HEIGHT))
}

function maxLineWidth(v: ElementView): number {
  // Wrapped lines fit the box; only unwrapped ones (no width) can overflow it.
  if (Math.abs(v.w) > 0) return 0
  const layout = layoutText(v)
  return Math.max(0, ...layout.lines.map((l) => l.length * layout.fs))
}
