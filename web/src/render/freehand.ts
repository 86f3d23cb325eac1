// Freehand stroke outlines with perfect-freehand, shared by the canvas renderer
// and the SVG export so both draw the same shape.

import { getStroke } from 'perfect-freehand'
import type { ElementView } from '../doc/types'

/** Outline polygons by view: views are rebuilt on change, so this invalidates itself. */
const outlineCache = new WeakMap<ElementView, number[][]>()

/** The outline of a stroke as SVG path data (see strokeOutline). */
export function strokePath(v: ElementView): string {
  return outlineToPath(strokeOutline(v))
}

/**
 * The outline polygon of a stroke, in board coordinates before rotation (origin
 * and scale applied), cached per view. Recorded pressure is used when every
 * point has one; otherwise pressure is simulated from the pen's speed.
 */
export function strokeOutline(v: ElementView): number[][] {
  let outline = outlineCache.get(v)
  if (outline === undefined) {
    outline = computeOutline(v)
    outlineCache.set(v, outline)
  }
  return outline
}

function computeOutline(v: ElementView): number[][] {
  const pressure = v.points.length > 0 && v.points.every((p) => p.p !== undefined)
  const input = v.points.map((p) =>
    pressure ? [v.x + p.x * v.sx, v.y + p.y * v.sy, p.p as number] : [v.x + p.x * v.sx, v.y + p.y * v.sy],
  )
  return getStroke(input, {
    size: Math.max(v.sw, 0.5),
    thinning: 0.5,
    smoothing: 0.5,
    streamline: 0.5,
    simulatePressure: !pressure,
    last: v.done,
  })
}

/** Receives a path: an SVG path-data writer or a canvas Path2D. */
interface PathSink {
  moveTo(x: number, y: number): void
  quadraticCurveTo(cx: number, cy: number, x: number, y: number): void
  closePath(): void
}

/**
 * Traces a closed path through the outline's midpoints with quadratic curves
 * (smooth, one command per point). The canvas gets it directly, without
 * building and parsing path text.
 */
export function traceOutline(points: number[][], sink: PathSink): void {
  const n = points.length
  if (n === 0) return
  const at = (i: number) => points[i % n] as number[]
  const midX = (a: number[], b: number[]) => ((a[0] as number) + (b[0] as number)) / 2
  const midY = (a: number[], b: number[]) => ((a[1] as number) + (b[1] as number)) / 2
  sink.moveTo(midX(at(0), at(1)), midY(at(0), at(1)))
  for (let i = 1; i <= n; i++) {
    const p = at(i)
    const q = at(i + 1)
    sink.quadraticCurveTo(p[0] as number, p[1] as number, midX(p, q), midY(p, q))
  }
  sink.closePath()
}

/** The outline as SVG path data, coordinates to two decimals. */
export function outlineToPath(points: number[][]): string {
  const f = (v: number) => (Math.round(v * 100) / 100).toString()
  let d = ''
  traceOutline(points, {
    moveTo: (x, y) => (d += `M${f(x)} ${f(y)}`),
    quadraticCurveTo: (cx, cy, x, y) => (d += `Q${f(cx)} ${f(cy)} ${f(x)} ${f(y)}`),
    closePath: () => (d += 'Z'),
  })
  return d
}
