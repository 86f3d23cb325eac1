// Freehand stroke outlines with perfect-freehand, shared by the canvas renderer
// and the SVG export so both draw the same shape.

import { getStroke } from 'perfect-freehand'
import type { Box, ElementView, Point } from '../doc/types'
import { intersects, unionBox } from '../doc/geometry'
import { LiveOutline, type LiveOutlineOptions, type SettledEnds } from './live-outline'

/**
 * Outline polygons of unfinished strokes by view: views are rebuilt on
 * change, so this invalidates itself. A finished stroke's outline is not
 * kept: it is read to build the stroke's path, which shapes.ts keeps. Kept,
 * the outlines of a 100,000-stroke board were some ten million small arrays
 * (a 1.5 GB heap), and a major GC that marked them held the page ~1 s
 * while it panned.
 */
const outlineCache = new WeakMap<ElementView, number[][]>()
/** Unfinished strokes kept with an incremental outline at most (the oldest is dropped first). */
const MAX_LIVE_OUTLINES = 64
/** An unfinished stroke's incremental outline and what it was made for (origin, scale, width, pressure mode). */
interface LiveEntry {
  key: string
  pressure: boolean
  outline: LiveOutline
}
/** Incremental outlines of unfinished strokes by element id, in insertion order. */
const liveOutlines = new Map<string, LiveEntry>()
/** Per view of an unfinished stroke: the incremental outline its outline came from, and which of its points were settled. */
const liveShapes = new WeakMap<ElementView, { outline: LiveOutline; ends: SettledEnds }>()

/** The outline of a stroke as SVG path data (see strokeOutline). */
export function strokePath(v: ElementView): string {
  return outlineToPath(strokeOutline(v))
}

/**
 * The outline polygon of a stroke, in board coordinates before rotation (origin
 * and scale applied), cached per view while the stroke is unfinished (see
 * outlineCache). Recorded pressure is used when every point has one;
 * otherwise pressure is simulated from the pen's speed.
 */
export function strokeOutline(v: ElementView): number[][] {
  let outline = outlineCache.get(v)
  if (outline === undefined) {
    outline = computeOutline(v)
    if (!v.done) outlineCache.set(v, outline)
  }
  return outline
}

/**
 * Where the drawing of `v` can differ from that of `prev`, an earlier view of
 * the same unfinished stroke: the box of the outline points between the
 * settled ends `prev` had, in both outlines, widened by two points either way
 * (traceOutline's curve through a point reaches the midpoints to its
 * neighbours). Undefined when that is not known: the outlines did not both
 * come from one incremental outline, or too little of it was settled.
 */
export function grownOutlineBox(prev: ElementView, v: ElementView): Box | undefined {
  const before = liveShapes.get(prev)
  const old = outlineCache.get(prev)
  if (before === undefined || old === undefined || v.done) return undefined
  const now = strokeOutline(v)
  const after = liveShapes.get(v)
  if (after === undefined || after.outline !== before.outline) return undefined
  const { head, foot } = before.ends
  const n = CURVE_NEIGHBOURS
  if (head < n || foot < n) return undefined
  return unionBox(pointsBox(old, head - n, old.length - foot + n), pointsBox(now, head - n, now.length - foot + n))
}

/** Outline points either side of a changed one whose curves pass through it (traceOutline). */
const CURVE_NEIGHBOURS = 2

/** The box of `points[from..to)`. */
function pointsBox(points: number[][], from: number, to: number): Box {
  let minX = Infinity
  let minY = Infinity
  let maxX = -Infinity
  let maxY = -Infinity
  for (let i = Math.max(0, from); i < Math.min(points.length, to); i++) {
    const [x, y] = points[i] as [number, number]
    if (x < minX) minX = x
    if (x > maxX) maxX = x
    if (y < minY) minY = y
    if (y > maxY) maxY = y
  }
  return { minX, minY, maxX, maxY }
}

function computeOutline(v: ElementView): number[][] {
  // A stand-in's strokes (packed) never grow: its unfinished ones need no incremental outline.
  if (!v.done && v.packed === undefined) {
    const live = liveOutline(v)
    const points = live.outlinePoints()
    if (points) {
      liveShapes.set(v, { outline: live, ends: live.settledEnds() })
      return points
    }
  } else {
    liveOutlines.delete(v.id)
  }
  // A stand-in's packed points know their pressure mode without building the points.
  const pressure = v.packed !== undefined ? v.packed.length > 0 && v.packed.hasPressure : hasPressure(v.points, 0)
  return getStroke(strokeInput(v, pressure, 0), { ...outlineOptions(v, pressure), last: v.done })
}

/** Whether the points from `from` on all have a pressure, and there is one at least. */
function hasPressure(points: readonly Point[], from: number): boolean {
  if (points.length === 0) return false
  for (let i = from; i < points.length; i++) if ((points[i] as Point).p === undefined) return false
  return true
}

function outlineOptions(v: ElementView, pressure: boolean): LiveOutlineOptions {
  return { size: Math.max(v.sw, 0.5), thinning: 0.5, smoothing: 0.5, streamline: 0.5, simulatePressure: !pressure }
}

/** The stroke's points from `from` on, in board coordinates, with their pressure when every point has one. */
function strokeInput(v: ElementView, pressure: boolean, from: number): number[][] {
  const out: number[][] = []
  const packed = v.packed
  if (packed !== undefined) {
    // A stand-in's points, read in place: the values `points` would hold, without building them.
    for (let i = from; i < packed.length; i++) {
      const x = v.x + (packed.qx(i) / 16) * v.sx
      const y = v.y + (packed.qy(i) / 16) * v.sy
      out.push(pressure ? [x, y, packed.qp(i) / 255] : [x, y])
    }
    return out
  }
  for (let i = from; i < v.points.length; i++) {
    const p = v.points[i] as Point
    out.push(pressure ? [v.x + p.x * v.sx, v.y + p.y * v.sy, p.p as number] : [v.x + p.x * v.sx, v.y + p.y * v.sy])
  }
  return out
}

/**
 * The incremental outline of an unfinished stroke, given the points it has
 * not taken yet; a new one when the view does not extend the cached one
 * (another origin, scale, width or pressure mode, or fewer points). Only the
 * new points are read when it does: a live stroke costs its chunk.
 */
function liveOutline(v: ElementView): LiveOutline {
  let entry = liveOutlines.get(v.id)
  const taken = entry?.outline.length ?? 0
  // Pressure mode as if the view extends the entry's points; checked with the key below.
  let pressure = entry !== undefined && taken > 0 && taken <= v.points.length ? entry.pressure && hasPressure(v.points, taken) : hasPressure(v.points, 0)
  if (entry !== undefined && (entry.key !== liveKey(v, pressure) || !extendsInput(entry.outline, v, pressure))) {
    entry = undefined
    pressure = hasPressure(v.points, 0)
  }
  if (entry === undefined) {
    entry = { key: liveKey(v, pressure), pressure, outline: new LiveOutline(outlineOptions(v, pressure)) }
    liveOutlines.delete(v.id)
    liveOutlines.set(v.id, entry)
    // Strokes whose end never arrives (their author left) must not pile up.
    if (liveOutlines.size > MAX_LIVE_OUTLINES) liveOutlines.delete(liveOutlines.keys().next().value as string)
  }
  entry.outline.append(strokeInput(v, pressure, entry.outline.length))
  return entry.outline
}

/** What an incremental outline was made for: another origin, scale, size or pressure mode needs a new one. */
function liveKey(v: ElementView, pressure: boolean): string {
  return `${v.x} ${v.y} ${v.sx} ${v.sy} ${outlineOptions(v, pressure).size} ${pressure}`
}

/** Whether the view's points start with the ones the outline took (checked at the last one taken). */
function extendsInput(outline: LiveOutline, v: ElementView, pressure: boolean): boolean {
  const taken = outline.length
  if (taken > v.points.length) return false
  if (taken === 0) return true
  const last = outline.lastInput() as readonly number[]
  const [again] = strokeInput(v, pressure, taken - 1) as [number[]]
  return again.length === last.length && again.every((n, i) => n === last[i])
}

/** Receives a path: an SVG path-data writer or a canvas Path2D. */
interface PathSink {
  moveTo(x: number, y: number): void
  lineTo(x: number, y: number): void
  quadraticCurveTo(cx: number, cy: number, x: number, y: number): void
  closePath(): void
}

/** Outline curves per run that traceOutlineNear replaces with one chord when the run is far from the region. */
const CHORD_RUN = 32

/**
 * Traces a closed path through the outline's midpoints with quadratic curves
 * (smooth, one command per point). The canvas gets it directly, without
 * building and parsing path text.
 */
export function traceOutline(points: number[][], sink: PathSink): void {
  traceOutlineNear(points, null, sink)
}

/**
 * The boxes of the runs traceOutlineNear makes over a live outline's settled
 * ends, kept from one frame to the next: the ends never change (LiveOutline
 * .settledEnds), so their boxes are found once, and a frame looks at a box
 * per run there instead of every point of the stroke. Head runs count from
 * the outline's start, foot runs from its end, where the settled points keep
 * their place as the stroke grows.
 */
export interface SettledRuns {
  ends: SettledEnds
  /** Run r: the box of points 32r .. 32r + 33 (curves 32r + 1 .. 32r + 32). */
  head: Box[]
  /** Run j: the box of the points 32j + 32 .. 32j - 1 from the end, wrapping to points 0 and 1 (the last 32 curves for j = 0). */
  foot: Box[]
}

/** Settled-run boxes per incremental outline: a new outline (another origin, scale, width) starts its own. */
const settledRuns = new WeakMap<LiveOutline, { head: Box[]; foot: Box[] }>()

/** The settled runs of an unfinished stroke's outline (strokeOutline(v)), or undefined for one not traced incrementally. */
export function liveRuns(v: ElementView): SettledRuns | undefined {
  const shape = liveShapes.get(v)
  if (shape === undefined) return undefined
  let boxes = settledRuns.get(shape.outline)
  if (boxes === undefined) {
    boxes = { head: [], foot: [] }
    settledRuns.set(shape.outline, boxes)
  }
  return { ends: shape.ends, ...boxes }
}

/**
 * traceOutline for a fill seen only inside `region` (null: everywhere): each
 * run of CHORD_RUN curves whose control points' box misses `region` becomes
 * one straight line between the run's ends, so a repaint around a long live
 * stroke's tail hands the canvas the curves near it and a few chords, not
 * the whole stroke. Inside `region` the fill is the same: a curve lies within
 * the hull of its control points, so the run and its chord both lie within
 * that box, and the loop they make winds around no point outside it. With
 * `settled` (liveRuns), the runs over the settled ends take their boxes from
 * it, so only the unsettled middle is read point by point.
 */
export function traceOutlineNear(points: number[][], region: Box | null, sink: PathSink, settled?: SettledRuns): void {
  const n = points.length
  if (n === 0) return
  const at = (i: number) => points[i % n] as number[]
  const midX = (a: number[], b: number[]) => ((a[0] as number) + (b[0] as number)) / 2
  const midY = (a: number[], b: number[]) => ((a[1] as number) + (b[1] as number)) / 2
  // Curve i runs from the midpoint before point i to the one after it, around point i.
  /** Curves first..last as curves, or as one chord when `box` (lazily: their control points' box) misses the region. */
  const run = (first: number, last: number, box: () => Box): void => {
    if (region !== null && !intersects(box(), region)) {
      sink.lineTo(midX(at(last), at(last + 1)), midY(at(last), at(last + 1)))
      return
    }
    for (let i = first; i <= last; i++) {
      const p = at(i)
      const q = at(i + 1)
      sink.quadraticCurveTo(p[0] as number, p[1] as number, midX(p, q), midY(p, q))
    }
  }
  sink.moveTo(midX(at(0), at(1)), midY(at(0), at(1)))
  // Runs whose every point is settled: at the head, points 32r .. 32r + 33;
  // at the foot, the last 32j + 32 points, and points 0 and 1, which the
  // last curves reach round to (settled with the head).
  const kept = region === null ? undefined : settled
  const headRuns = kept === undefined ? 0 : Math.min(Math.max(0, Math.floor((kept.ends.head - 2) / CHORD_RUN)), Math.floor(n / CHORD_RUN))
  const footRuns = kept === undefined || kept.ends.head < 2 ? 0 : Math.min(Math.floor(kept.ends.foot / CHORD_RUN), Math.floor((n - headRuns * CHORD_RUN) / CHORD_RUN))
  const headBoxes = kept?.head ?? []
  const footBoxes = kept?.foot ?? []
  for (let r = 0; r < headRuns; r++) {
    const first = r * CHORD_RUN + 1
    run(first, first + CHORD_RUN - 1, () => (headBoxes[r] ??= runBox(at, first - 1, first + CHORD_RUN)))
  }
  const middleEnd = n - footRuns * CHORD_RUN
  for (let first = headRuns * CHORD_RUN + 1; first <= middleEnd; first += CHORD_RUN) {
    const last = Math.min(middleEnd, first + CHORD_RUN - 1)
    run(first, last, () => runBox(at, first - 1, last + 1))
  }
  for (let j = footRuns - 1; j >= 0; j--) {
    const last = n - j * CHORD_RUN
    run(last - CHORD_RUN + 1, last, () => (footBoxes[j] ??= runBox(at, last - CHORD_RUN, last + 1)))
  }
  sink.closePath()
}

/** The box of points `from..to` (inclusive, indices wrapping): a run's control points. */
function runBox(at: (i: number) => number[], from: number, to: number): Box {
  let minX = Infinity
  let minY = Infinity
  let maxX = -Infinity
  let maxY = -Infinity
  for (let i = from; i <= to; i++) {
    const p = at(i)
    const x = p[0] as number
    const y = p[1] as number
    if (x < minX) minX = x
    if (x > maxX) maxX = x
    if (y < minY) minY = y
    if (y > maxY) maxY = y
  }
  return { minX, minY, maxX, maxY }
}

/** The outline as SVG path data, coordinates to two decimals. */
export function outlineToPath(points: number[][]): string {
  const f = (v: number) => (Math.round(v * 100) / 100).toString()
  let d = ''
  traceOutline(points, {
    moveTo: (x, y) => (d += `M${f(x)} ${f(y)}`),
    lineTo: (x, y) => (d += `L${f(x)} ${f(y)}`),
    quadraticCurveTo: (cx, cy, x, y) => (d += `Q${f(cx)} ${f(cy)} ${f(x)} ${f(y)}`),
    closePath: () => (d += 'Z'),
  })
  return d
}
