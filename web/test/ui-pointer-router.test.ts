// The pointer router (ui/pointer-input.ts) with a real editor, board, camera,
// view input and gesture machine, and a stand-in canvas that records pointer
// capture: what a touch held back does, what a pinch drops, what a lost
// capture ends. Events are plain objects with the fields the router reads.

import { beforeEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Board } from '../src/doc/board'
import { Editor } from '../src/editor/editor'
import { ViewportInput } from '../src/editor/viewport-input'
import { Camera } from '../src/render/camera'
import type { BoardFocus } from '../src/ui/board-focus'
import type { CanvasCursor } from '../src/ui/canvas-cursor'
import type { CursorBroadcast } from '../src/ui/cursor-broadcast'
import { Gestures, PALM_REJECTION_MS, STRAY_STROKE_MS, STRAY_STROKE_PX } from '../src/ui/gestures'
import { HELD_INPUTS_MAX, PointerRouter } from '../src/ui/pointer-input'

/** Listeners by type, and the pointers captured, as a canvas keeps them. */
class StandInCanvas {
  readonly listeners = new Map<string, (e: unknown) => void>()
  readonly captured = new Set<number>()
  addEventListener(type: string, fn: (e: unknown) => void): void {
    this.listeners.set(type, fn)
  }
  removeEventListener(type: string): void {
    this.listeners.delete(type)
  }
  setPointerCapture(id: number): void {
    this.captured.add(id)
  }
  hasPointerCapture(id: number): boolean {
    return this.captured.has(id)
  }
  releasePointerCapture(id: number): void {
    this.captured.delete(id)
  }
  getBoundingClientRect(): { left: number; top: number } {
    return { left: 0, top: 0 }
  }
  fire(type: string, e: PointerFields): void {
    this.listeners.get(type)?.({ ...e, preventDefault() {} })
  }
}

interface PointerFields {
  pointerId: number
  pointerType: string
  clientX: number
  clientY: number
  button: number
  buttons: number
  timeStamp: number
  pressure: number
  shiftKey: boolean
}

let board: Board
let editor: Editor
let canvas: StandInCanvas
/** Board changes seen: each is a transaction that reached the peers. */
let changes: number

beforeEach(() => {
  board = new Board(new Y.Doc(), 'u-test')
  const camera = new Camera()
  const frames = { request: () => 0, cancel: () => {} }
  editor = new Editor(board, camera, { hitTest: () => undefined, query: () => [], requestOverlay: () => {} }, frames, { readOnly: false })
  editor.setTool('pen')
  canvas = new StandInCanvas()
  const container = new StandInCanvas()
  new PointerRouter(canvas as unknown as HTMLCanvasElement, container as unknown as HTMLElement, {
    editor,
    camera,
    viewport: new ViewportInput(camera),
    focus: { focus: () => {} } as unknown as BoardFocus,
    canvasCursor: { show: () => {}, hover: () => {} } as unknown as CanvasCursor,
    cursorBroadcast: { pointerMoved: () => {} } as unknown as CursorBroadcast,
    gestures: new Gestures(),
  })
  changes = 0
  board.onChange(() => changes++)
})

const touch = (id: number, x: number, y: number, time: number, buttons = 1): PointerFields => ({
  pointerId: id,
  pointerType: 'touch',
  clientX: x,
  clientY: y,
  button: 0,
  buttons,
  timeStamp: time,
  pressure: 0.5,
  shiftKey: false,
})
const pen = (x: number, y: number, time: number, buttons = 1): PointerFields => ({ ...touch(7, x, y, time, buttons), pointerType: 'pen' })

const strokes = () => board.ordered().map((v) => ({ done: v.done, points: (v.points ?? []).map((p) => [v.x + p.x * v.sx, v.y + p.y * v.sy]) }))

describe('a touch held back', () => {
  it('reaches the board only once it qualifies, with every point it was held back with', () => {
    canvas.fire('pointerdown', touch(1, 0, 0, 0))
    canvas.fire('pointermove', touch(1, STRAY_STROKE_PX + 8, 0, 16))
    expect(changes).toBe(0)
    canvas.fire('pointermove', touch(1, STRAY_STROKE_PX + 28, 0, STRAY_STROKE_MS))
    expect(strokes()[0]?.points).toEqual([[0, 0], [STRAY_STROKE_PX + 8, 0], [STRAY_STROKE_PX + 28, 0]])
    canvas.fire('pointerup', touch(1, STRAY_STROKE_PX + 28, 0, STRAY_STROKE_MS + 16, 0))
    expect(strokes()).toMatchObject([{ done: true }])
  })

  it('a tap draws its dot on lift', () => {
    canvas.fire('pointerdown', touch(1, 50, 60, 0))
    expect(changes).toBe(0)
    canvas.fire('pointerup', touch(1, 50, 60, 40, 0))
    expect(strokes()).toEqual([{ done: true, points: [[50, 60]] }])
  })

  it('a pinch drops it without touching the board or the redo stack', () => {
    canvas.fire('pointerdown', touch(1, 0, 0, 0))
    canvas.fire('pointerup', touch(1, 40, 0, STRAY_STROKE_MS + STRAY_STROKE_PX, 0))
    editor.undo()
    expect(board.canRedo()).toBe(true)
    changes = 0
    canvas.fire('pointerdown', touch(2, 100, 100, 1000))
    canvas.fire('pointermove', touch(2, 104, 100, 1016))
    canvas.fire('pointerdown', touch(3, 200, 100, 1032))
    canvas.fire('pointermove', touch(3, 260, 100, 1048))
    canvas.fire('pointerup', touch(3, 260, 100, 1064, 0))
    canvas.fire('pointerup', touch(2, 104, 100, 1080, 0))
    expect(changes).toBe(0)
    expect(board.canRedo()).toBe(true)
  })

  it('a second finger landing once it qualified keeps what was held back, finished', () => {
    canvas.fire('pointerdown', touch(1, 0, 0, 0))
    canvas.fire('pointermove', touch(1, 40, 0, 50))
    expect(changes).toBe(0)
    canvas.fire('pointerdown', touch(2, 200, 200, STRAY_STROKE_MS))
    expect(strokes()).toEqual([{ done: true, points: [[0, 0], [40, 0]] }])
    expect(editor.gestureActive).toBe(false)
  })

  it('the hand tool pans at once: a pan changes nothing on the board', () => {
    editor.setTool('pan')
    const camera = editor.camera
    canvas.fire('pointerdown', touch(1, 100, 100, 0))
    canvas.fire('pointermove', touch(1, 105, 100, 16))
    expect(camera.x).toBeCloseTo(-5)
    // A second finger: the pan ends where it is, the two pinch.
    canvas.fire('pointerdown', touch(2, 300, 100, 32))
    canvas.fire('pointermove', touch(2, 400, 100, 48))
    expect(camera.zoom).toBeGreaterThan(1)
    expect(changes).toBe(0)
  })

  it('a finger resting in place keeps its down and at most HELD_INPUTS_MAX inputs', () => {
    canvas.fire('pointerdown', touch(1, 10, 10, 0))
    for (let i = 1; i <= 2 * HELD_INPUTS_MAX; i++) canvas.fire('pointermove', touch(1, 10 + (i % 4), 10, i))
    canvas.fire('pointerup', touch(1, 10, 10, 3 * HELD_INPUTS_MAX, 0))
    const [stroke] = strokes()
    expect(stroke?.points[0]).toEqual([10, 10])
    // The held inputs, and the lift's own point.
    expect(stroke?.points.length).toBeLessThanOrEqual(HELD_INPUTS_MAX + 1)
  })
})

describe('capture', () => {
  it('captures every pen and touch at down', () => {
    canvas.fire('pointerdown', pen(0, 0, 0))
    canvas.fire('pointerdown', touch(1, 300, 300, 10))
    expect([...canvas.captured].sort()).toEqual([1, 7])
  })

  it('a lost capture ends a pen stroke like a cancel, and touch draws again after the palm window', () => {
    canvas.fire('pointerdown', pen(0, 0, 0))
    canvas.fire('pointermove', pen(30, 0, 16))
    canvas.fire('lostpointercapture', pen(30, 0, 20, 0))
    expect(strokes()).toMatchObject([{ done: true }])
    expect(editor.gestureActive).toBe(false)
    canvas.fire('pointerdown', touch(1, 300, 300, 20 + PALM_REJECTION_MS))
    canvas.fire('pointerup', touch(1, 300, 300, 40 + PALM_REJECTION_MS, 0))
    expect(strokes()).toHaveLength(2)
  })

  it('the lost capture that follows an up ends nothing more', () => {
    canvas.fire('pointerdown', pen(0, 0, 0))
    canvas.fire('pointerup', pen(10, 0, 16, 0))
    canvas.fire('pointerdown', { ...touch(1, 300, 300, 20), pointerType: 'mouse' })
    canvas.fire('pointermove', { ...touch(1, 340, 300, 36), pointerType: 'mouse' })
    canvas.fire('lostpointercapture', pen(10, 0, 40, 0))
    expect(editor.gestureActive).toBe(true)
  })
})
