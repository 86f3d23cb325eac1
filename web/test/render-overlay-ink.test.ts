// InkTracker: the boxes it keeps hold everything a redraw of the overlay drew,
// under the transform of the moment, with the line width and a margin; a draw
// it cannot bound makes the ink unknown; every call still reaches the canvas.
import { describe, expect, it } from 'vitest'

import { INK_MARGIN_PX, InkTracker, MAX_INK_BOXES, type DeviceBox } from '../src/render/overlay-ink'

/** A 2D context that keeps its transform and records what is called; text is 6 px a character, 9 up and 3 down. */
class FakeContext {
  lineWidth = 1
  lineJoin: CanvasLineJoin = 'miter'
  miterLimit = 10
  shadowBlur = 0
  shadowOffsetX = 0
  shadowOffsetY = 0
  filter = 'none'
  globalCompositeOperation: GlobalCompositeOperation = 'source-over'
  readonly calls: string[] = []
  private m = { a: 1, b: 0, c: 0, d: 1, e: 0, f: 0 }
  private readonly stack: Array<typeof this.m> = []

  getTransform(): DOMMatrix {
    return { ...this.m } as DOMMatrix
  }
  setTransform(a: number, b: number, c: number, d: number, e: number, f: number): void {
    this.m = { a, b, c, d, e, f }
  }
  translate(x: number, y: number): void {
    this.m = { ...this.m, e: this.m.e + this.m.a * x + this.m.c * y, f: this.m.f + this.m.b * x + this.m.d * y }
  }
  scale(sx: number, sy: number): void {
    this.m = { ...this.m, a: this.m.a * sx, b: this.m.b * sx, c: this.m.c * sy, d: this.m.d * sy }
  }
  save(): void {
    this.stack.push({ ...this.m })
  }
  restore(): void {
    this.m = this.stack.pop() ?? this.m
  }
  measureText(text: string): TextMetrics {
    return { width: text.length * 6, actualBoundingBoxLeft: 0, actualBoundingBoxRight: text.length * 6, actualBoundingBoxAscent: 9, actualBoundingBoxDescent: 3 } as TextMetrics
  }
}
for (const name of ['beginPath', 'moveTo', 'lineTo', 'arc', 'rect', 'roundRect', 'ellipse', 'closePath', 'fill', 'stroke', 'fillRect', 'strokeRect', 'fillText', 'drawImage', 'putImageData', 'clearRect']) {
  ;(FakeContext.prototype as unknown as Record<string, unknown>)[name] = function (this: FakeContext) {
    this.calls.push(name)
  }
}

function track(): { fake: FakeContext; tracker: InkTracker; ctx: CanvasRenderingContext2D } {
  const fake = new FakeContext()
  const tracker = new InkTracker(fake as unknown as CanvasRenderingContext2D)
  return { fake, tracker, ctx: tracker.ctx }
}

const M = INK_MARGIN_PX
const box = (x0: number, y0: number, x1: number, y1: number, grow: number): DeviceBox => ({
  x0: Math.floor(x0 - grow),
  y0: Math.floor(y0 - grow),
  x1: Math.ceil(x1 + grow),
  y1: Math.ceil(y1 + grow),
})

describe('overlay ink', () => {
  it('holds a filled path where its points went under the transform of each', () => {
    const { tracker, ctx, fake } = track()
    ctx.setTransform(2, 0, 0, 2, 0, 0)
    ctx.save()
    ctx.translate(100, 50)
    ctx.beginPath()
    ctx.moveTo(0, 0)
    ctx.lineTo(10, 20)
    ctx.restore()
    // After the restore, a point at (5, 5) lands at device (10, 10).
    ctx.lineTo(5, 5)
    ctx.fill()
    expect(tracker.ink()).toEqual([box(10, 10, 220, 140, M)])
    expect(tracker.drew).toBe(true)
    expect(fake.calls).toEqual(['beginPath', 'moveTo', 'lineTo', 'lineTo', 'fill'])
  })

  it('grows a stroke by half its scaled line width, with room for joins', () => {
    const { tracker, ctx } = track()
    ctx.setTransform(2, 0, 0, 2, 0, 0)
    ctx.lineWidth = 3
    ctx.lineJoin = 'round'
    ctx.beginPath()
    ctx.moveTo(10, 10)
    ctx.lineTo(20, 10)
    ctx.stroke()
    const reach = 1.5 * Math.SQRT2 * 2
    expect(tracker.ink()).toEqual([box(20, 20, 40, 20, reach + M)])
    ctx.lineJoin = 'miter'
    ctx.strokeRect(0, 0, 5, 5)
    expect((tracker.ink() as DeviceBox[])[1]).toEqual(box(0, 0, 10, 10, 1.5 * 10 * 2 + M))
  })

  it('bounds arcs, rounded rects, text and images', () => {
    const { tracker, ctx } = track()
    ctx.beginPath()
    ctx.arc(50, 50, 6, 0, Math.PI * 2)
    ctx.fill()
    ctx.beginPath()
    ctx.roundRect(10, 20, 30, 20, 6)
    ctx.fill()
    ctx.fillText('abc', 100, 200)
    const image = { width: 8, height: 4 } as unknown as CanvasImageSource
    ctx.drawImage(image, 1, 2)
    ctx.drawImage(image, 1, 2, 30, 40)
    ctx.drawImage(image, 0, 0, 8, 4, 300, 400, 16, 8)
    expect(tracker.ink()).toEqual([
      box(44, 44, 56, 56, M),
      box(10, 20, 40, 40, M),
      box(100, 191, 118, 203, M),
      box(1, 2, 9, 6, M),
      box(1, 2, 31, 42, M),
      box(300, 400, 316, 408, M),
    ])
  })

  it('starts a new path at beginPath, and an empty path draws nothing', () => {
    const { tracker, ctx } = track()
    ctx.beginPath()
    ctx.moveTo(500, 500)
    ctx.beginPath()
    ctx.fill()
    expect(tracker.ink()).toEqual([])
    expect(tracker.drew).toBe(false)
    ctx.rect(0, 0, 1, 1)
    ctx.fill()
    expect(tracker.ink()).toEqual([box(0, 0, 1, 1, M)])
  })

  it('calls ink it cannot bound unknown', () => {
    const cases: Array<[string, (ctx: CanvasRenderingContext2D) => void]> = [
      ['a Path2D', (ctx) => ctx.fill({} as Path2D)],
      ['a method it does not know', (ctx) => ctx.ellipse(0, 0, 1, 1, 0, 0, 1)],
      ['putImageData', (ctx) => ctx.putImageData({} as ImageData, 0, 0)],
      [
        'a shadow',
        (ctx) => {
          ctx.shadowBlur = 4
          ctx.fillRect(0, 0, 1, 1)
        },
      ],
      [
        'another compositing mode',
        (ctx) => {
          ctx.globalCompositeOperation = 'copy'
          ctx.fillRect(0, 0, 1, 1)
        },
      ],
    ]
    for (const [what, draw] of cases) {
      const { tracker, ctx } = track()
      ctx.fillRect(0, 0, 1, 1)
      draw(ctx)
      expect(tracker.ink(), what).toBe('unknown')
      expect(tracker.drew, what).toBe(true)
    }
  })

  it('merges boxes past MAX_INK_BOXES into one that holds them all', () => {
    const { tracker, ctx } = track()
    for (let i = 0; i <= MAX_INK_BOXES; i++) ctx.fillRect(i * 10, i * 5, 2, 2)
    expect(tracker.ink()).toEqual([box(0, 0, MAX_INK_BOXES * 10 + 2, MAX_INK_BOXES * 5 + 2, M)])
  })

  it('draws nothing and holds nothing when only state changes', () => {
    const { tracker, ctx } = track()
    ctx.save()
    ctx.translate(3, 4)
    ctx.measureText('x')
    ctx.clearRect(0, 0, 10, 10)
    ctx.restore()
    expect(tracker.drew).toBe(false)
    expect(tracker.ink()).toEqual([])
  })
})
