// The stand-in the renderer draws from a render stream until the board holds
// anything: it gives way to the board's own views, and only to them; and,
// drawn from its packed points, it is the board's drawing command for command.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Board } from '../src/doc/board'
import { elementBounds } from '../src/doc/geometry'
import { decodeRenderStream, encodeRenderStream } from '../src/doc/render-stream'
import type { BoardChange, ElementView } from '../src/doc/types'
import { paintViews } from '../src/render/paint'
import type { Ctx2D } from '../src/render/shapes'
import { visualBounds } from '../src/render/shapes'
import { StandInBoard } from '../src/render/stand-in'

/** A paint region holding the whole board. */
const EVERYWHERE = { minX: -Infinity, minY: -Infinity, maxX: Infinity, maxY: Infinity }

function source(): Board {
  const board = new Board(new Y.Doc(), 'u-src')
  board.add({ t: 'rect', x: 1, y: 2, w: 30, h: 40 })
  board.add({ t: 'sticky', x: 5, y: 5, w: 100, h: 50, text: 'hi' })
  return board
}

describe('StandInBoard', () => {
  it('draws the stream until the board loads, then the board, telling the renderer both times', () => {
    const src = source()
    const views = decodeRenderStream(encodeRenderStream(src.ordered())) as ElementView[]
    const live = new Board(new Y.Doc(), 'u-live')
    const drawn = new StandInBoard(live)
    const changes: BoardChange[] = []
    drawn.onChange((c) => changes.push(c))
    let dropped = 0
    drawn.onDrop(() => dropped++)

    drawn.show(views)
    expect(drawn.showing).toBe(true)
    expect(drawn.ordered().map((v) => v.t)).toEqual(['rect', 'sticky'])
    expect(drawn.get(views[1]?.id as string)?.text).toBe('hi')
    expect(changes.at(-1)?.added).toEqual(views.map((v) => v.id))

    Y.applyUpdate(live.doc, Y.encodeStateAsUpdate(src.doc))
    expect(drawn.showing).toBe(false)
    expect(dropped).toBe(1)
    expect(drawn.ordered()).toBe(live.ordered())
    expect(changes.at(-1)?.removed).toEqual(views.map((v) => v.id))
    // Every element of the board, in no particular order.
    expect([...(changes.at(-1)?.added ?? [])].sort()).toEqual(live.ordered().map((v) => v.id).sort())

    // Later changes pass through; a late stream is not drawn over the board.
    live.add({ t: 'ellipse', x: 0, y: 0, w: 1, h: 1 })
    expect(changes.at(-1)?.added.length).toBe(1)
    drawn.show(views)
    expect(drawn.showing).toBe(false)
    drawn.destroy()
  })
})

/** A Path2D that records what is traced into it (node has no canvas). */
class RecordedPath {
  readonly calls: unknown[] = []
  constructor(data?: string) {
    if (data !== undefined) this.calls.push(['data', data])
  }
}
for (const method of ['moveTo', 'lineTo', 'quadraticCurveTo', 'closePath', 'rect', 'arc', 'ellipse', 'bezierCurveTo']) {
  ;(RecordedPath.prototype as unknown as Record<string, unknown>)[method] = function (this: RecordedPath, ...args: unknown[]) {
    this.calls.push([method, ...args])
  }
}

/**
 * A 2D context that records every call and every property set, paths
 * included: two drawings with the same record put the same pixels on a
 * canvas, since a canvas is a function of exactly these calls.
 */
function recordingContext(): { ctx: Ctx2D; record: unknown[] } {
  const record: unknown[] = []
  const state: Record<string | symbol, unknown> = { globalAlpha: 1 }
  const ctx = new Proxy(state, {
    get(target, key) {
      if (key in target) return target[key]
      if (key === 'measureText') return (text: string) => ({ width: text.length * 10 })
      return (...args: unknown[]) => record.push([key, ...args.map((a) => (a instanceof RecordedPath ? a.calls : a))])
    },
    set(target, key, value) {
      target[key] = value
      record.push(['set', key, value])
      return true
    },
  })
  return { ctx: ctx as unknown as Ctx2D, record }
}

/** Strokes of every drawing path: polylines far out, outlines near, pressure, scale, rotation, unfinished; and shapes. */
function variedBoard(): Board {
  const board = new Board(new Y.Doc(), 'u-varied')
  let seed = 3
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648
  for (let i = 0; i < 60; i++) {
    let x = rnd() * 900 - 300
    let y = rnd() * 700 - 200
    const step = i % 3 === 0 ? 40 : 7
    const pressure = i % 4 === 0
    const points = []
    for (let k = 0; k < 30; k++) {
      points.push(pressure ? { x, y, p: rnd() } : { x, y })
      x += (rnd() - 0.5) * step
      y += (rnd() - 0.5) * step
    }
    const id = board.beginStroke(points[0] as { x: number; y: number }, { sc: ['#1e1e1e', '#e03131', '#1971c2'][i % 3] as string, sw: 1 + (i % 6), o: i % 5 === 0 ? 0.5 : 1 })
    board.appendPoints(id, points)
    if (i % 7 === 0) board.update(id, { sx: 1.5, sy: 0.75 })
    if (i % 11 === 0) board.update(id, { r: 0.4 })
    // Flipped and flattened: bounds come from the other end of the points' range.
    if (i % 17 === 5) board.update(id, { sx: -1.25, sy: i % 2 === 0 ? 0 : -0.5 })
    if (i % 13 !== 0) board.endStroke(id)
  }
  board.add({ t: 'rect', x: 10, y: 20, w: 300, h: 120, fc: '#a5d8ff' })
  board.add({ t: 'sticky', x: 400, y: 300, w: 160, h: 90, text: 'stand-in ü' })
  board.add({ t: 'arrow', x: 0, y: 0, w: 200, h: 150 })
  return board
}

describe('the stand-in drawn from packed points', () => {
  const realPath2D = (globalThis as { Path2D?: unknown }).Path2D
  beforeEach(() => {
    ;(globalThis as { Path2D?: unknown }).Path2D = RecordedPath
  })
  afterEach(() => {
    ;(globalThis as { Path2D?: unknown }).Path2D = realPath2D
  })

  it('paints exactly what the board paints, as polylines far out and as outlines near', () => {
    const board = variedBoard()
    const standIn = decodeRenderStream(encodeRenderStream(board.ordered())) as ElementView[]
    expect(standIn.filter((v) => v.packed !== undefined).length).toBe(60)
    for (const [k, outlined] of [[0.2, true], [1, true], [3, true], [1, false]] as const) {
      const fromBoard = recordingContext()
      paintViews(fromBoard.ctx, { views: board.ordered(), within: null, region: EVERYWHERE }, k, 0, () => false, () => outlined)
      const fromStream = recordingContext()
      paintViews(fromStream.ctx, { views: standIn, within: null, region: EVERYWHERE }, k, 0, () => false, () => outlined)
      expect(fromBoard.record.length).toBeGreaterThan(100)
      expect(fromStream.record).toEqual(fromBoard.record)
    }
  })

  it('has the bounds the board has, and bounds and polylines never build its point objects', () => {
    const board = variedBoard()
    const standIn = decodeRenderStream(encodeRenderStream(board.ordered())) as ElementView[]
    const own = board.ordered()
    expect(own.some((v) => v.sx < 0)).toBe(true)
    // Count reads of `points` (a getter on the stand-in's prototype that builds the objects).
    const proto = Object.getPrototypeOf(standIn[0]) as object
    const getter = Object.getOwnPropertyDescriptor(proto, 'points')?.get as () => unknown
    let built = 0
    Object.defineProperty(proto, 'points', {
      configurable: true,
      get(this: ElementView) {
        built++
        return getter.call(this)
      },
    })
    try {
      standIn.forEach((v, i) => {
        expect(elementBounds(v)).toEqual(elementBounds(own[i] as ElementView))
        expect(visualBounds(v)).toEqual(visualBounds(own[i] as ElementView))
      })
      const far = recordingContext()
      paintViews(far.ctx, { views: standIn.filter((v) => v.t === 'stroke' && v.r === 0), within: null, region: EVERYWHERE }, 0.2, 0, () => false, () => false)
      expect(built).toBe(0)
    } finally {
      Object.defineProperty(proto, 'points', { configurable: true, get: getter })
    }
  })
})
