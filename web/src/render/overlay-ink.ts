// Where the overlay put ink, so that its next redraw erases only there.
//
// The overlay (selections, marquee, lasers) is a canvas the size of the view
// on top of the board, redrawn whenever what it shows or the camera changes.
// Clearing all of it first makes Chromium's compositor redraw the whole view
// each time; erasing only what the last redraw drew costs what the drawing
// does.
//
// InkTracker wraps the overlay's context and keeps a device-pixel box per
// draw call: a path's points (with a curve's control points and an arc's
// bounding square, which contain it) under the transform current when each
// was added, grown by half the line width for strokes; text by its measured
// box; images by their destination. A draw it cannot bound (a Path2D,
// putImageData, a shadow, a filter, another compositing mode, a method it does
// not know) makes the ink unknown, and the next redraw erases everything.

/** A box in device pixels: [x0, x1) × [y0, y1). */
export interface DeviceBox {
  x0: number
  y0: number
  x1: number
  y1: number
}

/** What a redraw drew: boxes holding all of its ink, or 'unknown'. */
export type Ink = DeviceBox[] | 'unknown'

/** Boxes beyond this many are merged into their union. */
export const MAX_INK_BOXES = 16
/** Device px added around every box, for antialiasing. */
export const INK_MARGIN_PX = 2

/** Methods that only build the path or the state, and draw nothing. */
const QUIET_METHODS: ReadonlySet<PropertyKey> = new Set([
  'save',
  'restore',
  'translate',
  'scale',
  'rotate',
  'transform',
  'setTransform',
  'resetTransform',
  'getTransform',
  'setLineDash',
  'getLineDash',
  'measureText',
  'closePath',
  'clip',
  'clearRect',
  'isPointInPath',
  'isPointInStroke',
  'createLinearGradient',
  'createRadialGradient',
  'createConicGradient',
  'createPattern',
  'getContextAttributes',
])

type Ctx = CanvasRenderingContext2D

export class InkTracker {
  /** The context to draw with: `target`, watched. */
  readonly ctx: Ctx
  private readonly boxes: DeviceBox[] = []
  private path: DeviceBox | null = null
  private unknown = false
  private drewAny = false

  constructor(private readonly target: Ctx) {
    const handlers = this.handlers()
    this.ctx = new Proxy(target, {
      get: (t, key) => {
        const value: unknown = Reflect.get(t, key, t)
        if (typeof value !== 'function') return value
        const handle = handlers.get(key)
        if (handle !== undefined) return (...args: unknown[]) => handle(value.bind(t), args)
        if (!QUIET_METHODS.has(key)) this.drewUnknown()
        return value.bind(t)
      },
      set: (t, key, value) => Reflect.set(t, key, value, t),
    })
  }

  /** Whether anything was drawn. */
  get drew(): boolean {
    return this.drewAny
  }

  /** Boxes holding everything drawn so far, or 'unknown'. */
  ink(): Ink {
    return this.unknown ? 'unknown' : this.boxes.map((b) => ({ ...b }))
  }

  private handlers(): Map<PropertyKey, (call: (...a: unknown[]) => unknown, args: unknown[]) => unknown> {
    const pathOp = (points: (args: unknown[]) => Array<[number, number]>) => (call: (...a: unknown[]) => unknown, args: unknown[]) => {
      for (const [x, y] of points(args)) this.addPathPoint(x, y)
      return call(...args)
    }
    return new Map<PropertyKey, (call: (...a: unknown[]) => unknown, args: unknown[]) => unknown>([
      [
        'beginPath',
        (call, args) => {
          this.path = null
          return call(...args)
        },
      ],
      ['moveTo', pathOp((a) => [[Number(a[0]), Number(a[1])]])],
      ['lineTo', pathOp((a) => [[Number(a[0]), Number(a[1])]])],
      [
        'quadraticCurveTo',
        pathOp((a) => [
          [Number(a[0]), Number(a[1])],
          [Number(a[2]), Number(a[3])],
        ]),
      ],
      [
        'bezierCurveTo',
        pathOp((a) => [
          [Number(a[0]), Number(a[1])],
          [Number(a[2]), Number(a[3])],
          [Number(a[4]), Number(a[5])],
        ]),
      ],
      ['arc', pathOp((a) => corners(Number(a[0]) - Number(a[2]), Number(a[1]) - Number(a[2]), 2 * Number(a[2]), 2 * Number(a[2])))],
      ['rect', pathOp((a) => corners(Number(a[0]), Number(a[1]), Number(a[2]), Number(a[3])))],
      ['roundRect', pathOp((a) => corners(Number(a[0]), Number(a[1]), Number(a[2]), Number(a[3])))],
      ['fill', (call, args) => this.drawPath(call, args, false)],
      ['stroke', (call, args) => this.drawPath(call, args, true)],
      ['fillRect', (call, args) => this.drawBox(call, args, corners(Number(args[0]), Number(args[1]), Number(args[2]), Number(args[3])), false)],
      ['strokeRect', (call, args) => this.drawBox(call, args, corners(Number(args[0]), Number(args[1]), Number(args[2]), Number(args[3])), true)],
      ['fillText', (call, args) => this.drawText(call, args, false)],
      ['strokeText', (call, args) => this.drawText(call, args, true)],
      ['drawImage', (call, args) => this.drawImage(call, args)],
    ])
  }

  private drawPath(call: (...a: unknown[]) => unknown, args: unknown[], stroke: boolean): unknown {
    // fill(path2d) and stroke(path2d) draw a path this did not see.
    if (args.length > 0 && typeof args[0] === 'object') this.drewUnknown()
    else if (this.path !== null) this.addInk(this.path, stroke ? this.strokeReach() : 0)
    return call(...args)
  }

  private drawBox(call: (...a: unknown[]) => unknown, args: unknown[], points: Array<[number, number]>, stroke: boolean): unknown {
    this.addInk(this.deviceBox(points), stroke ? this.strokeReach() : 0)
    return call(...args)
  }

  private drawText(call: (...a: unknown[]) => unknown, args: unknown[], stroke: boolean): unknown {
    const m = this.target.measureText(String(args[0]))
    const x = Number(args[1])
    const y = Number(args[2])
    const points: Array<[number, number]> = [
      [x - m.actualBoundingBoxLeft, y - m.actualBoundingBoxAscent],
      [x + m.actualBoundingBoxRight, y - m.actualBoundingBoxAscent],
      [x - m.actualBoundingBoxLeft, y + m.actualBoundingBoxDescent],
      [x + m.actualBoundingBoxRight, y + m.actualBoundingBoxDescent],
    ]
    return this.drawBox(call, args, points, stroke)
  }

  private drawImage(call: (...a: unknown[]) => unknown, args: unknown[]): unknown {
    const n = args.length
    const image = args[0] as { width?: unknown; height?: unknown }
    const [x, y, w, h] =
      n >= 9 ? [args[5], args[6], args[7], args[8]] : n >= 5 ? [args[1], args[2], args[3], args[4]] : [args[1], args[2], image.width, image.height]
    const [dx, dy, dw, dh] = [Number(x), Number(y), Number(w), Number(h)]
    return this.drawBox(call, args, corners(dx, dy, dw, dh), false)
  }

  /** How far a stroke reaches past its path, in device px: half the line width, scaled, with room for joins and caps. */
  private strokeReach(): number {
    const t = this.target
    const join = t.lineJoin === 'miter' ? Math.max(t.miterLimit, Math.SQRT2) : Math.SQRT2
    return (t.lineWidth / 2) * join * this.scale()
  }

  private scale(): number {
    const m = this.target.getTransform()
    return Math.sqrt(Math.max(m.a * m.a + m.b * m.b, m.c * m.c + m.d * m.d))
  }

  private addPathPoint(x: number, y: number): void {
    const p = this.deviceBox([[x, y]])
    this.path = this.path === null ? p : union(this.path, p)
  }

  private deviceBox(points: Array<[number, number]>): DeviceBox {
    const m = this.target.getTransform()
    let x0 = Infinity
    let y0 = Infinity
    let x1 = -Infinity
    let y1 = -Infinity
    for (const [x, y] of points) {
      const dx = m.a * x + m.c * y + m.e
      const dy = m.b * x + m.d * y + m.f
      x0 = Math.min(x0, dx)
      y0 = Math.min(y0, dy)
      x1 = Math.max(x1, dx)
      y1 = Math.max(y1, dy)
    }
    return { x0, y0, x1, y1 }
  }

  private addInk(box: DeviceBox, reach: number): void {
    this.drewAny = true
    if (!this.inkStaysInBox()) {
      this.unknown = true
      return
    }
    const grow = reach + INK_MARGIN_PX
    const grown = {
      x0: Math.floor(box.x0 - grow),
      y0: Math.floor(box.y0 - grow),
      x1: Math.ceil(box.x1 + grow),
      y1: Math.ceil(box.y1 + grow),
    }
    if (![grown.x0, grown.y0, grown.x1, grown.y1].every(Number.isFinite)) {
      this.unknown = true
      return
    }
    this.boxes.push(grown)
    if (this.boxes.length > MAX_INK_BOXES) this.boxes.splice(0, this.boxes.length, this.boxes.reduce(union))
  }

  /** Whether a draw now puts ink only inside its shape: no shadow, no filter, plain compositing. */
  private inkStaysInBox(): boolean {
    const t = this.target
    const shadow = t.shadowBlur > 0 || t.shadowOffsetX !== 0 || t.shadowOffsetY !== 0
    const filter = t.filter !== undefined && t.filter !== 'none'
    return !shadow && !filter && t.globalCompositeOperation === 'source-over'
  }

  private drewUnknown(): void {
    this.drewAny = true
    this.unknown = true
  }
}

function corners(x: number, y: number, w: number, h: number): Array<[number, number]> {
  return [
    [x, y],
    [x + w, y],
    [x, y + h],
    [x + w, y + h],
  ]
}

function union(a: DeviceBox, b: DeviceBox): DeviceBox {
  return { x0: Math.min(a.x0, b.x0), y0: Math.min(a.y0, b.y0), x1: Math.max(a.x1, b.x1), y1: Math.max(a.y1, b.y1) }
}
