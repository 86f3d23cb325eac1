// The outline of a stroke still being drawn, kept up to date as points are
// appended without starting over. perfect-freehand's getStroke walks every
// point on every call, so a live stroke cost work proportional to its length
// on every chunk, twice (the drawing page and every receiving one). This is
// the same algorithm (perfect-freehand 1.2.3's getStrokePoints and
// getStrokeOutlinePoints, with the options freehand.ts uses: no tapers, round
// caps, linear easing), split where its result can no longer change:
//
// - a stroke point made from input i depends only on inputs 0..i, unless i is
//   the last input (which is always kept, and exact when the stroke is done);
// - an outline point made from stroke point j depends on stroke points
//   0..j+1, on the first ten (the initial pressure) and on whether j lies
//   within 3 px of the end, which, once false, stays false as the stroke grows.
//
// What is settled is computed once; each call redoes only the tail after it
// and the caps. The arithmetic is perfect-freehand's, operation for operation,
// so the outline equals getStroke's point for point (web/test/render-live-outline.test.ts).

type Vec2 = [number, number]

interface StrokePoint {
  point: Vec2
  pressure: number
  vector: Vec2
  distance: number
  runningLength: number
}

/** perfect-freehand's constants (src/constants.ts). */
const FIXED_PI = Math.PI + 0.0001
const START_CAP_SEGMENTS = 13
const END_CAP_SEGMENTS = 29
const CORNER_CAP_SEGMENTS = 13
const END_NOISE_THRESHOLD = 3
const MIN_STREAMLINE_T = 0.15
const STREAMLINE_T_RANGE = 0.85
const MIN_RADIUS = 0.01
const DEFAULT_FIRST_PRESSURE = 0.25
const DEFAULT_PRESSURE = 0.5
/** Stroke points the initial pressure averages (computeInitialPressure). */
const INITIAL_PRESSURE_POINTS = 10

/** Outline points at the start and at the end that no later outline changes (LiveOutline.settledEnds). */
export interface SettledEnds {
  head: number
  foot: number
}

export interface LiveOutlineOptions {
  size: number
  thinning: number
  smoothing: number
  streamline: number
  simulatePressure: boolean
}

type StrokePointStep =
  | { kind: 'same' }
  | { kind: 'skipped'; runningLength: number }
  | { kind: 'point'; runningLength: number; point: StrokePoint }

/** Outline state after the settled stroke points: exactly getStrokeOutlinePoints' loop variables. */
interface OutlineState {
  prevPressure: number
  radius: number
  prevVector: Vec2
  prevLeftPoint: Vec2
  prevRightPoint: Vec2
  isPrevPointSharpCorner: boolean
  left: Vec2[]
  right: Vec2[]
}

export class LiveOutline {
  /** Inputs (`[x, y]` or `[x, y, pressure]`) taken so far; all but the last are committed. */
  private readonly inputs: number[][] = []
  /** Stroke points made from inputs 1..n-2 (and input 0): final. */
  private readonly committed: StrokePoint[] = []
  private prev: StrokePoint | null = null
  private runningLength = 0
  private hasReachedMinimumLength = false
  /** Inputs run through the stroke-point step (as non-last inputs). */
  private processedInputs = 0
  private outline: OutlineState | null = null
  /** Committed stroke points already folded into `outline`. */
  private settled = 0
  /** See settledEnds(). */
  private ends: SettledEnds = { head: 0, foot: 0 }

  constructor(private readonly options: LiveOutlineOptions) {}

  /** How many input points this outline has taken. */
  get length(): number {
    return this.inputs.length
  }

  /** Stroke points whose outline points are settled: computed once, never again. */
  get settledPoints(): number {
    return this.settled
  }

  /**
   * Of the last outline outlinePoints() returned: how many points at its
   * start (`head`: settled left side) and at its end (`foot`: settled right
   * side, reversed, and the start cap) every later outline of this stroke
   * starts and ends with. Only the points between can differ, so a renderer
   * need only redraw around them.
   */
  settledEnds(): SettledEnds {
    return this.ends
  }

  /** The last input taken, to check that a caller's points extend it. */
  lastInput(): readonly number[] | undefined {
    return this.inputs[this.inputs.length - 1]
  }

  /** Takes more input points (board coordinates, pressure third when known). */
  append(points: readonly number[][]): void {
    for (const p of points) this.inputs.push(p)
  }

  /**
   * The outline of the inputs so far, as getStroke(inputs, { ...options,
   * last: false }) gives it; null while the stroke has under three inputs
   * (perfect-freehand pads such strokes: the caller asks getStroke).
   */
  outlinePoints(): Vec2[] | null {
    const inputs = this.inputs
    if (inputs.length < 3) return null
    this.commitInputs()
    const tail = this.lastStrokePoint()
    const count = this.committed.length + (tail === null ? 0 : 1)
    if (count < 2) return null
    const at = (i: number): StrokePoint => {
      if (i < this.committed.length) return i === 0 ? this.first(tail) : (this.committed[i] as StrokePoint)
      return tail as StrokePoint
    }
    this.settle()
    const o = this.outline ?? this.initialOutline(at, count)
    // The tail's sides start empty: the settled ones are read, never copied, so a call allocates one array of the outline.
    const state: OutlineState = { ...o, left: [], right: [] }
    const totalLength = at(count - 1).runningLength
    for (let i = this.outline === null ? 0 : this.settled; i < count; i++) this.outlineStep(state, at, i, count, totalLength)
    const { points, startCap } = finish(o, state, at, count)
    // The start cap turns about the first right point: settled once that is.
    const settledRight = this.outline === null ? 0 : this.outline.right.length
    this.ends = { head: this.outline === null ? 0 : this.outline.left.length, foot: settledRight > 0 ? settledRight + startCap : 0 }
    return points
  }

  // ---- stroke points (getStrokePoints) ----

  /** Runs inputs 1..n-2 through the stroke-point step; an input's result is final once another follows it. */
  private commitInputs(): void {
    const inputs = this.inputs
    if (this.processedInputs === 0) {
      const p0 = inputs[0] as number[]
      this.prev = {
        point: [p0[0] as number, p0[1] as number],
        pressure: isValidPressure(p0[2]) ? (p0[2] as number) : DEFAULT_FIRST_PRESSURE,
        vector: [1, 1],
        distance: 0,
        runningLength: 0,
      }
      this.committed.push(this.prev)
      this.processedInputs = 1
    }
    while (this.processedInputs < inputs.length - 1) {
      const step = this.strokePointStep(this.processedInputs, false)
      if (step.kind === 'point') {
        this.committed.push(step.point)
        this.prev = step.point
        this.hasReachedMinimumLength = true
      }
      if (step.kind !== 'same') this.runningLength = step.runningLength
      this.processedInputs++
    }
  }

  /** The stroke point of the last input, which is always kept; null when it repeats the previous point. */
  private lastStrokePoint(): StrokePoint | null {
    const step = this.strokePointStep(this.inputs.length - 1, true)
    return step.kind === 'point' ? step.point : null
  }

  /**
   * getStrokePoints' loop body for input i, from the committed state and
   * without changing it. `isLast`: i is the last input, never skipped for
   * being too close to the start. A skipped input's length still counts.
   */
  private strokePointStep(i: number, isLast: boolean): StrokePointStep {
    const t = MIN_STREAMLINE_T + (1 - this.options.streamline) * STREAMLINE_T_RANGE
    const input = this.inputs[i] as number[]
    const prev = this.prev as StrokePoint
    const point: Vec2 = [prev.point[0] + ((input[0] as number) - prev.point[0]) * t, prev.point[1] + ((input[1] as number) - prev.point[1]) * t]
    if (prev.point[0] === point[0] && prev.point[1] === point[1]) return { kind: 'same' }
    const distance = Math.hypot(point[1] - prev.point[1], point[0] - prev.point[0])
    const runningLength = this.runningLength + distance
    if (!isLast && !this.hasReachedMinimumLength && runningLength < this.options.size) return { kind: 'skipped', runningLength }
    const dx = prev.point[0] - point[0]
    const dy = prev.point[1] - point[1]
    const l = Math.hypot(dx, dy)
    return {
      kind: 'point',
      runningLength,
      point: {
        point,
        pressure: isValidPressure(input[2]) ? (input[2] as number) : DEFAULT_PRESSURE,
        vector: [dx / l, dy / l],
        distance,
        runningLength,
      },
    }
  }

  /** Stroke point 0 takes stroke point 1's vector (getStrokePoints' last step). */
  private first(tail: StrokePoint | null): StrokePoint {
    const p0 = this.committed[0] as StrokePoint
    const p1 = this.committed.length > 1 ? this.committed[1] : tail
    return { ...p0, vector: p1?.vector ?? [0, 0] }
  }

  // ---- outline (getStrokeOutlinePoints) ----

  /**
   * Folds committed stroke points into the settled outline while their
   * outline points can no longer change: the next stroke point is committed,
   * the initial pressure's points are, and the point is 3 px or more before
   * the committed end (the end only moves away).
   */
  private settle(): void {
    const committed = this.committed
    if (committed.length < Math.max(2, INITIAL_PRESSURE_POINTS)) return
    const at = (i: number): StrokePoint => (i === 0 ? this.first(null) : (committed[i] as StrokePoint))
    if (this.outline === null) this.outline = this.initialOutline(at, committed.length)
    const endLength = (committed[committed.length - 1] as StrokePoint).runningLength
    while (this.settled < committed.length - 1) {
      const p = committed[this.settled] as StrokePoint
      if (endLength - p.runningLength < END_NOISE_THRESHOLD) break
      this.outlineStep(this.outline, at, this.settled, Infinity, endLength)
      this.settled++
    }
  }

  private initialOutline(at: (i: number) => StrokePoint, count: number): OutlineState {
    const { size, thinning, simulatePressure: simulate } = this.options
    let prevPressure = at(0).pressure
    for (let i = 0; i < Math.min(count, INITIAL_PRESSURE_POINTS); i++) {
      const curr = at(i)
      const pressure = simulate ? simulatePressure(prevPressure, curr.distance, size) : curr.pressure
      prevPressure = (prevPressure + pressure) / 2
    }
    const p0 = at(0)
    return {
      prevPressure,
      radius: strokeRadius(size, thinning, at(count - 1).pressure),
      prevVector: p0.vector,
      prevLeftPoint: p0.point,
      prevRightPoint: p0.point,
      isPrevPointSharpCorner: false,
      left: [],
      right: [],
    }
  }

  /** getStrokeOutlinePoints' loop body for stroke point i of `count` (Infinity: i is not the last). */
  private outlineStep(s: OutlineState, at: (i: number) => StrokePoint, i: number, count: number, totalLength: number): void {
    const { size, thinning, smoothing, simulatePressure: simulate } = this.options
    const minDistance = Math.pow(size * smoothing, 2)
    const sp = at(i)
    let pressure = sp.pressure
    const { point, vector, distance, runningLength } = sp
    const isLastPoint = i === count - 1
    if (!isLastPoint && totalLength - runningLength < END_NOISE_THRESHOLD) return
    if (thinning) {
      if (simulate) pressure = simulatePressure(s.prevPressure, distance, size)
      s.radius = strokeRadius(size, thinning, pressure)
    } else {
      s.radius = size / 2
    }
    // No tapers: both strengths are 1.
    s.radius = Math.max(MIN_RADIUS, s.radius)
    const nextVector = (!isLastPoint ? at(i + 1) : sp).vector
    const nextDpr = !isLastPoint ? dot(vector, nextVector) : 1.0
    const prevDpr = dot(vector, s.prevVector)
    const isPointSharpCorner = prevDpr < 0 && !s.isPrevPointSharpCorner
    const isNextPointSharpCorner = nextDpr < 0
    if (isPointSharpCorner || isNextPointSharpCorner) {
      const ox = s.prevVector[1] * s.radius
      const oy = -s.prevVector[0] * s.radius
      let tempLeft: Vec2 = s.prevLeftPoint
      let tempRight: Vec2 = s.prevRightPoint
      const step = 1 / CORNER_CAP_SEGMENTS
      for (let t = 0; t <= 1; t += step) {
        tempLeft = rotAround([point[0] - ox, point[1] - oy], point, FIXED_PI * t)
        s.left.push(tempLeft)
        tempRight = rotAround([point[0] + ox, point[1] + oy], point, FIXED_PI * -t)
        s.right.push(tempRight)
      }
      s.prevLeftPoint = tempLeft
      s.prevRightPoint = tempRight
      if (isNextPointSharpCorner) s.isPrevPointSharpCorner = true
      return
    }
    s.isPrevPointSharpCorner = false
    if (isLastPoint) {
      const ox = vector[1] * s.radius
      const oy = -vector[0] * s.radius
      s.left.push([point[0] - ox, point[1] - oy])
      s.right.push([point[0] + ox, point[1] + oy])
      return
    }
    // lrp(nextVector, vector, nextDpr), then its perpendicular, times the radius.
    const lx = nextVector[0] + (vector[0] - nextVector[0]) * nextDpr
    const ly = nextVector[1] + (vector[1] - nextVector[1]) * nextDpr
    const ox = ly * s.radius
    const oy = -lx * s.radius
    const tempLeft: Vec2 = [point[0] - ox, point[1] - oy]
    if (i <= 1 || dist2(s.prevLeftPoint, tempLeft) > minDistance) {
      s.left.push(tempLeft)
      s.prevLeftPoint = tempLeft
    }
    const tempRight: Vec2 = [point[0] + ox, point[1] + oy]
    if (i <= 1 || dist2(s.prevRightPoint, tempRight) > minDistance) {
      s.right.push(tempRight)
      s.prevRightPoint = tempRight
    }
    s.prevPressure = pressure
    s.prevVector = vector
  }
}

/**
 * The caps and the winding order (getStrokeOutlinePoints' end), for two or
 * more stroke points: the left side (`settled`'s, then `tail`'s), the end
 * cap, the right side back, the start cap; `startCap`: its points, last.
 */
function finish(settled: OutlineState, tail: OutlineState, at: (i: number) => StrokePoint, count: number): { points: Vec2[]; startCap: number } {
  const first = at(0).point
  const last = at(count - 1)
  const firstPoint: Vec2 = [first[0], first[1]]
  const lastPoint: Vec2 = [last.point[0], last.point[1]]
  const startCap: Vec2[] = []
  const rightPoint = (settled.right[0] ?? tail.right[0]) as Vec2
  const startStep = 1 / START_CAP_SEGMENTS
  for (let t = startStep; t <= 1; t += startStep) startCap.push(rotAround(rightPoint, firstPoint, FIXED_PI * t))
  const direction: Vec2 = [-last.vector[1], last.vector[0]]
  const endCap: Vec2[] = []
  const start: Vec2 = [lastPoint[0] + direction[0] * tail.radius, lastPoint[1] + direction[1] * tail.radius]
  const endStep = 1 / END_CAP_SEGMENTS
  for (let t = endStep; t < 1; t += endStep) endCap.push(rotAround(start, lastPoint, FIXED_PI * 3 * t))
  const points: Vec2[] = new Array(settled.left.length + tail.left.length + endCap.length + tail.right.length + settled.right.length + startCap.length)
  let n = 0
  for (const p of settled.left) points[n++] = p
  for (const p of tail.left) points[n++] = p
  for (const p of endCap) points[n++] = p
  for (let i = tail.right.length - 1; i >= 0; i--) points[n++] = tail.right[i] as Vec2
  for (let i = settled.right.length - 1; i >= 0; i--) points[n++] = settled.right[i] as Vec2
  for (const p of startCap) points[n++] = p
  return { points, startCap: startCap.length }
}

function isValidPressure(p: number | undefined): boolean {
  return p != null && p >= 0
}

function simulatePressure(prevPressure: number, distance: number, size: number): number {
  const sp = Math.min(1, distance / size)
  const rp = Math.min(1, 1 - sp)
  return Math.min(1, prevPressure + (rp - prevPressure) * (sp * 0.275))
}

function strokeRadius(size: number, thinning: number, pressure: number): number {
  return size * (0.5 - thinning * (0.5 - pressure))
}

function dot(a: Vec2, b: Vec2): number {
  return a[0] * b[0] + a[1] * b[1]
}

function dist2(a: Vec2, b: Vec2): number {
  const dx = a[0] - b[0]
  const dy = a[1] - b[1]
  return dx * dx + dy * dy
}

function rotAround(a: Vec2, c: Vec2, r: number): Vec2 {
  const s = Math.sin(r)
  const co = Math.cos(r)
  const px = a[0] - c[0]
  const py = a[1] - c[1]
  return [px * co - py * s + c[0], px * s + py * co + c[1]]
}
