// The editor's tools against a real Board, with a hit tester built from the
// renderer's pure hit test and a hand-driven frame scheduler (no DOM).

import { beforeEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { Board } from '../src/doc/board'
import { elementBounds, intersects } from '../src/doc/geometry'
import type { Box } from '../src/doc/types'
import { Editor, type FrameScheduler, type HitTester } from '../src/editor/editor'
import type { PointerInput, ToolId } from '../src/editor/types'
import { Camera } from '../src/render/camera'
import { hitElement } from '../src/render/hit'
import { LASER_FADE_MS } from '../src/render/laser-trail'

class ManualFrames implements FrameScheduler {
  private next = 1
  readonly pending = new Map<number, () => void>()
  request(cb: () => void): number {
    this.pending.set(this.next, cb)
    return this.next++
  }
  cancel(h: number): void {
    this.pending.delete(h)
  }
  run(): void {
    const cbs = [...this.pending.values()]
    this.pending.clear()
    for (const cb of cbs) cb()
  }
}

function hitTester(board: Board, camera: Camera): HitTester {
  return {
    hitTest(p, tol) {
      const t = tol / camera.zoom
      return [...board.ordered()].reverse().find((v) => hitElement(v, p, t))?.id
    },
    query(box: Box) {
      return board.ordered().filter((v) => intersects(elementBounds(v), box)).map((v) => v.id)
    },
    requestOverlay() {},
  }
}

let board: Board
let camera: Camera
let frames: ManualFrames
let editor: Editor
let clock = 0

beforeEach(() => {
  board = new Board(new Y.Doc(), 'u-test')
  camera = new Camera()
  frames = new ManualFrames()
  editor = new Editor(board, camera, hitTester(board, camera), frames, { readOnly: false })
  clock += 10_000
})

function input(x: number, y: number, extra: Partial<PointerInput> = {}): PointerInput {
  clock += 16
  const screen = camera.toScreen({ x, y })
  const base = { screen, board: { x, y }, pressure: undefined }
  return { ...base, pointerId: 1, pointerType: 'mouse', buttons: 1, shift: false, time: clock, samples: [base], ...extra }
}

/** Presses at the first point, moves through the rest, releases at the last. */
function drag(tool: ToolId, points: Array<[number, number]>, extra: Partial<PointerInput> = {}): void {
  editor.setTool(tool)
  const [first, ...rest] = points
  if (!first) return
  editor.pointerDown(input(first[0], first[1], extra))
  for (const [x, y] of rest) editor.pointerMove(input(x, y, extra))
  const last = points.at(-1) as [number, number]
  editor.pointerUp(input(last[0], last[1], { ...extra, buttons: 0 }))
}

const click = (tool: ToolId, x: number, y: number, extra: Partial<PointerInput> = {}) => drag(tool, [[x, y]], extra)

describe('pen', () => {
  it('sends the first point at once, batches fast moves per frame in ONE call, then ends the stroke', () => {
    const append = vi.spyOn(board, 'appendPoints')
    editor.setTool('pen')
    const down = input(0, 0)
    editor.pointerDown(down)
    expect(append).toHaveBeenCalledTimes(1)
    expect(append.mock.calls[0]?.[1]).toEqual([{ x: 0, y: 0 }])
    // Two moves within BATCH_MS of that batch: held for the next frame, then one call.
    editor.pointerMove({ ...input(10, 0), time: down.time + 4 })
    editor.pointerMove({ ...input(20, 5), time: down.time + 8 })
    expect(append).toHaveBeenCalledTimes(1)
    frames.run()
    expect(append).toHaveBeenCalledTimes(2)
    expect(append.mock.calls[1]?.[1]).toEqual([{ x: 10, y: 0 }, { x: 20, y: 5 }])
    // A move a frame later goes out at once.
    editor.pointerMove(input(30, 5))
    expect(append).toHaveBeenCalledTimes(3)
    editor.pointerUp(input(40, 5, { buttons: 0 }))
    expect(append).toHaveBeenCalledTimes(4)
    expect(frames.pending.size).toBe(0)
    const [stroke] = board.ordered()
    expect(stroke).toMatchObject({ t: 'stroke', x: 0, y: 0, done: true, sw: 2, sc: '#1e1e1e' })
    expect(stroke?.points.map((p) => [p.x, p.y])).toEqual([[0, 0], [10, 0], [20, 5], [30, 5], [40, 5]])
    board.undo()
    expect(board.size()).toBe(0)
  })

  it('records pen pressure (and only pen pressure), coalesced samples included', () => {
    editor.setTool('pen')
    editor.pointerDown(input(0, 0, { pointerType: 'pen', pressure: 0.5 }))
    const s1 = { screen: { x: 5, y: 0 }, board: { x: 5, y: 0 }, pressure: 0.6 }
    const s2 = { screen: { x: 10, y: 0 }, board: { x: 10, y: 0 }, pressure: 0.7 }
    editor.pointerMove({ ...input(10, 0, { pointerType: 'pen', pressure: 0.7 }), samples: [s1, s2] })
    editor.pointerUp(input(10, 0, { pointerType: 'pen', pressure: 0, buttons: 0, samples: [] }))
    const points = board.ordered()[0]?.points ?? []
    expect(points.map((p) => p.p?.toFixed(1))).toEqual(['0.5', '0.6', '0.7'])
  })

  it('a pen lifting elsewhere adds its point with the pressure it was drawn with, not 0', () => {
    const pen = { pointerType: 'pen' }
    editor.setTool('pen')
    editor.pointerDown(input(0, 0, { ...pen, pressure: 0.4 }))
    editor.pointerMove(input(10, 0, { ...pen, pressure: 0.8, samples: [] }))
    const lift = input(20, 0, { ...pen, pressure: 0, buttons: 0 })
    editor.pointerUp({ ...lift, samples: [{ ...lift, pressure: 0 }] })
    const points = board.ordered()[0]?.points ?? []
    expect(points.map((p) => [p.x, p.p?.toFixed(1)])).toEqual([
      [0, '0.4'],
      [10, '0.8'],
      [20, '0.8'],
    ])
  })

  it('keeps a stroke a second finger finished (finishGesture), where it last was', () => {
    editor.setTool('pen')
    editor.pointerDown(input(0, 0))
    editor.pointerMove(input(10, 0))
    editor.pointerMove(input(30, 0))
    editor.finishGesture()
    expect(editor.gestureActive).toBe(false)
    const [stroke] = board.ordered()
    expect(stroke).toMatchObject({ t: 'stroke', done: true })
    expect(stroke?.points.map((p) => p.x)).toEqual([0, 10, 30])
    // Nothing is left to finish: a second call changes nothing.
    editor.finishGesture()
    expect(board.size()).toBe(1)
  })

  it('undoes a stroke a pinch or a pen discards', () => {
    editor.setTool('pen')
    editor.pointerDown(input(0, 0))
    editor.pointerMove(input(10, 0))
    editor.discardGesture()
    expect(board.size()).toBe(0)
    expect(frames.pending.size).toBe(0)
  })

  it('Ctrl+Z mid-stroke undoes the stroke only, not the step before it', () => {
    drag('rect', [[0, 0], [50, 50]])
    editor.setTool('pen')
    editor.pointerDown(input(100, 100))
    editor.pointerMove(input(120, 100))
    editor.run({ kind: 'undo' })
    expect(board.ordered().map((v) => v.t)).toEqual(['rect'])
    expect(frames.pending.size).toBe(0)
  })

  it('Escape or a tool switch mid-stroke keeps the stroke as drawn so far', () => {
    editor.setTool('pen')
    editor.pointerDown(input(0, 0))
    editor.pointerMove(input(10, 0))
    editor.run({ kind: 'escape' })
    expect(board.ordered()[0]).toMatchObject({ t: 'stroke', done: true })
    editor.pointerDown(input(0, 50))
    editor.pointerMove(input(10, 50))
    editor.setTool('rect')
    expect(board.ordered().map((v) => v.t)).toEqual(['stroke', 'stroke'])
    expect(board.ordered()[1]).toMatchObject({ done: true })
  })
})

describe('shapes', () => {
  it('draws a rectangle by drag as one undo step; shift makes a square', () => {
    editor.setStyle({ stroke: '#e03131', fill: '#a5d8ff', width: 4 })
    drag('rect', [[10, 10], [40, 30], [110, 60]])
    expect(board.ordered()[0]).toMatchObject({ t: 'rect', x: 10, y: 10, w: 100, h: 50, sc: '#e03131', fc: '#a5d8ff', sw: 4 })
    drag('ellipse', [[0, 200], [50, 220], [100, 250]], { shift: true })
    expect(board.ordered()[1]).toMatchObject({ t: 'ellipse', w: 100, h: 100 })
    board.undo()
    expect(board.size()).toBe(1)
    board.undo()
    expect(board.size()).toBe(0)
  })

  it('a plain click creates nothing; lines keep direction; lines get no fill', () => {
    editor.setStyle({ fill: '#a5d8ff' })
    click('rect', 5, 5)
    expect(board.size()).toBe(0)
    drag('arrow', [[100, 100], [50, 150]])
    expect(board.ordered()[0]).toMatchObject({ t: 'arrow', x: 100, y: 100, w: -50, h: 50, fc: undefined })
  })

  it('a discarded drag (pinch, palm) takes the shape back, and nothing before it', () => {
    drag('rect', [[0, 0], [50, 50]])
    editor.setTool('ellipse')
    editor.pointerDown(input(100, 100))
    editor.pointerMove(input(140, 130))
    expect(board.size()).toBe(2)
    editor.discardGesture()
    expect(board.ordered().map((v) => v.t)).toEqual(['rect'])
    // Discarded before the drag threshold: no shape, and the rect stays.
    editor.pointerDown(input(100, 100))
    editor.pointerMove(input(101, 100))
    editor.discardGesture()
    expect(board.ordered().map((v) => v.t)).toEqual(['rect'])
  })

  it('Ctrl+Z mid-drag undoes the shape being dragged only; redo brings it back', () => {
    drag('rect', [[0, 0], [50, 50]])
    editor.setTool('ellipse')
    editor.pointerDown(input(100, 100))
    editor.pointerMove(input(140, 130))
    editor.run({ kind: 'undo' })
    expect(board.ordered().map((v) => v.t)).toEqual(['rect'])
    editor.run({ kind: 'redo' })
    expect(board.ordered().map((v) => v.t)).toEqual(['rect', 'ellipse'])
  })

  it('Escape or a tool switch mid-drag keeps the shape as dragged so far', () => {
    editor.setTool('rect')
    editor.pointerDown(input(0, 0))
    editor.pointerMove(input(50, 40))
    editor.run({ kind: 'escape' })
    expect(board.ordered()[0]).toMatchObject({ t: 'rect', w: 50, h: 40 })
    expect(editor.gestureActive).toBe(false)
    editor.pointerDown(input(100, 100))
    editor.pointerMove(input(130, 120))
    editor.setTool('pen')
    expect(board.ordered().map((v) => v.t)).toEqual(['rect', 'rect'])
    expect(board.ordered()[1]).toMatchObject({ w: 30, h: 20 })
    // Each stayed one undo step of its own.
    editor.run({ kind: 'undo' })
    expect(board.size()).toBe(1)
  })
})

describe('select', () => {
  let a: string
  let b: string
  beforeEach(() => {
    a = board.add({ t: 'rect', x: 0, y: 0, w: 100, h: 100, fc: '#ffffff' })
    b = board.add({ t: 'rect', x: 200, y: 0, w: 100, h: 100, fc: '#ffffff' })
  })

  it('clicks select the topmost, shift toggles, empty click clears', () => {
    click('select', 50, 50)
    expect(editor.selection).toEqual([a])
    click('select', 250, 50, { shift: true })
    expect(editor.selection).toEqual([a, b])
    click('select', 50, 50, { shift: true })
    expect(editor.selection).toEqual([b])
    click('select', 500, 500)
    expect(editor.selection).toEqual([])
  })

  it('marquee selects what it touches', () => {
    drag('select', [[-10, -10], [210, 50]])
    expect(editor.selection).toEqual([a, b])
    drag('select', [[-30, -30], [50, 50]])
    expect(editor.selection).toEqual([a])
  })

  it('drags the selection as one undo step', () => {
    drag('select', [[-10, -10], [400, 400]])
    drag('select', [[50, 50], [60, 60], [80, 90]])
    expect(board.get(a)).toMatchObject({ x: 30, y: 40 })
    expect(board.get(b)).toMatchObject({ x: 230, y: 40 })
    board.undo()
    expect(board.get(a)).toMatchObject({ x: 0, y: 0 })
    expect(board.get(b)).toMatchObject({ x: 200, y: 0 })
  })

  it('resizes from a handle: the opposite corner stays', () => {
    click('select', 50, 50)
    // se handle of the padded box sits at (104, 104) screen = board at zoom 1.
    drag('select', [[104, 104], [150, 150], [204, 154]])
    expect(board.get(a)).toMatchObject({ x: 0, y: 0, w: 200, h: 150 })
    board.undo()
    expect(board.get(a)).toMatchObject({ w: 100, h: 100 })
  })

  it('deletes, duplicates and reorders the selection', () => {
    click('select', 50, 50)
    editor.run({ kind: 'duplicate' })
    const [copy] = editor.selection
    expect(copy).not.toBe(a)
    expect(board.get(copy as string)).toMatchObject({ x: 16, y: 16 })
    editor.setSelection([a])
    editor.run({ kind: 'bringToFront' })
    expect(board.ordered().at(-1)?.id).toBe(a)
    editor.run({ kind: 'sendToBack' })
    expect(board.ordered()[0]?.id).toBe(a)
    editor.run({ kind: 'delete' })
    expect(board.get(a)).toBeUndefined()
    expect(editor.selection).toEqual([])
    editor.run({ kind: 'undo' })
    expect(board.get(a)).toBeDefined()
  })

  it('restyles the selection in one undo step, skipping fields the kind lacks', () => {
    const line = board.add({ t: 'line', x: 0, y: 300, w: 50, h: 0 })
    editor.setSelection([a, line])
    editor.setStyle({ fill: '#ffc9c9' })
    editor.setStyle({ stroke: '#2f9e44' })
    expect(board.get(a)).toMatchObject({ fc: '#ffc9c9', sc: '#2f9e44' })
    expect(board.get(line)).toMatchObject({ fc: undefined, sc: '#2f9e44' })
    board.undo()
    expect(board.get(a)).toMatchObject({ fc: '#ffc9c9', sc: '#1e1e1e' })
  })

  it('drops removed elements from the selection (undo, peers)', () => {
    editor.setSelection([a, b])
    board.remove([b])
    expect(editor.selection).toEqual([a])
  })
})

describe('eraser', () => {
  it('removes everything the path crossed, as one undo step', () => {
    const a = board.add({ t: 'rect', x: 0, y: 0, w: 50, h: 50, fc: '#ffffff' })
    const b = board.add({ t: 'line', x: 100, y: -50, w: 0, h: 100 })
    const c = board.add({ t: 'rect', x: 0, y: 300, w: 50, h: 50 })
    drag('eraser', [[25, 25], [300, 0]])
    expect(board.get(a)).toBeUndefined()
    expect(board.get(b)).toBeUndefined()
    expect(board.get(c)).toBeDefined()
    board.undo()
    expect(board.size()).toBe(3)
  })
})

describe('text and sticky', () => {
  it('adds a text element only once typed into, and removes it when emptied', () => {
    click('text', 100, 100)
    const session = editor.textEditing
    expect(session).toBeDefined()
    expect(board.size()).toBe(0)
    session?.input('Hi', { w: 20, h: 25 })
    session?.input('Hi!', { w: 30, h: 25 })
    const id = session?.id as string
    expect(board.get(id)).toMatchObject({ t: 'text', text: 'Hi!', w: 30, h: 25 })
    editor.endTextEditing()
    expect(editor.textEditing).toBeUndefined()
    board.undo()
    expect(board.size()).toBe(0)

    click('text', 0, 0)
    editor.endTextEditing()
    expect(board.size()).toBe(0)
  })

  it('clicking an existing text edits it; an emptied text is removed', () => {
    const id = board.add({ t: 'text', x: 0, y: 0, w: 50, h: 25, text: 'old' })
    click('text', 10, 10)
    expect(editor.textEditing?.id).toBe(id)
    editor.textEditing?.input('', { w: 0, h: 25 })
    editor.endTextEditing()
    expect(board.get(id)).toBeUndefined()
  })

  it('places a 200x200 sticky centred on the click and keeps it even when empty', () => {
    click('sticky', 300, 300)
    const id = editor.textEditing?.id as string
    expect(board.get(id)).toMatchObject({ t: 'sticky', x: 200, y: 200, w: 200, h: 200, fc: '#ffe066' })
    editor.textEditing?.input('note', { w: 0, h: 0 })
    editor.endTextEditing()
    expect(board.get(id)?.text).toBe('note')
    board.undo()
    expect(board.size()).toBe(0)
  })

  it('double-click with the select tool edits a sticky', () => {
    const id = board.add({ t: 'sticky', x: 0, y: 0, w: 200, h: 200, text: '' })
    click('select', 50, 50)
    click('select', 50, 50)
    expect(editor.textEditing?.id).toBe(id)
  })
})

describe('read-only', () => {
  it('blocks every edit and keeps only select/pan', () => {
    const a = board.add({ t: 'rect', x: 0, y: 0, w: 100, h: 100, fc: '#ffffff' })
    editor.setSelection([a])
    editor.setReadOnly(true)
    expect(editor.selection).toEqual([])
    editor.setTool('pen')
    expect(editor.tool).toBe('select')
    drag('select', [[50, 50], [80, 80]])
    editor.setSelection([a])
    editor.run({ kind: 'delete' })
    editor.setStyle({ stroke: '#e03131' })
    editor.run({ kind: 'undo' })
    expect(board.get(a)).toMatchObject({ x: 0, y: 0, sc: '#1e1e1e' })
    editor.setTool('pan')
    expect(editor.tool).toBe('pan')
  })

  it('turning read-only on mid-stroke switches to select and stops the stroke', () => {
    editor.setTool('pen')
    editor.pointerDown(input(0, 0))
    editor.setReadOnly(true)
    expect(editor.tool).toBe('select')
    expect(editor.gestureActive).toBe(false)
  })
})

describe('laser', () => {
  it('points without touching the board, for viewers too, and keeps the selection', () => {
    const a = board.add({ t: 'rect', x: 0, y: 0, w: 100, h: 100, fc: '#ffffff' })
    editor.setSelection([a])
    const before = JSON.stringify(board.toJSON())
    const changes = vi.fn()
    board.onChange(changes)
    drag('laser', [[10, 10], [50, 60], [90, 20]])
    expect(editor.selection).toEqual([a])
    editor.setReadOnly(true)
    editor.setTool('laser')
    expect(editor.tool).toBe('laser')
    expect(editor.cursorAt(undefined)).toBe('crosshair')
    editor.pointerDown(input(5, 5))
    expect(editor.gestureActive).toBe(true)
    editor.pointerUp(input(5, 5, { buttons: 0 }))
    expect(changes).not.toHaveBeenCalled()
    expect(JSON.stringify(board.toJSON())).toBe(before)
  })

  it('redraws while its trail fades, then stops asking for frames', () => {
    let now = 1_000
    const clock = vi.spyOn(performance, 'now').mockImplementation(() => now)
    try {
      drag('laser', [[10, 10], [50, 60]])
      for (let frame = 0; frame < 62; frame++) {
        expect(frames.pending.size, `frame ${frame}`).toBe(1)
        now += 16
        frames.run()
      }
      // 62 × 16 ms = 992 ms: the last point is still fading.
      expect(frames.pending.size).toBe(1)
      now += LASER_FADE_MS
      frames.run()
      expect(frames.pending.size).toBe(0)
    } finally {
      clock.mockRestore()
    }
  })
})
