// The keyboard drawing path against a real Board and Editor (no DOM): its
// keys clash with no shortcut, Enter places the tool's element in the middle
// of the view as one undo step, N walks the selection, arrows pan only with
// nothing selected. Also the words a screen reader hears for it and for
// people joining and leaving.

import { beforeEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Board } from '../src/doc/board'
import { elementBounds, intersects } from '../src/doc/geometry'
import type { Box, ElementView } from '../src/doc/types'
import { Editor, type HitTester } from '../src/editor/editor'
import {
  cycleIndex,
  keyboardPathCommand,
  PAN_STEP,
  PAN_STEP_LARGE,
  PLACED_SHAPE_SIZE,
  runKeyboardPath,
  type KeyboardPathCommand,
} from '../src/editor/keyboard-path'
import { commandFor, type KeyLike } from '../src/editor/shortcuts'
import { Camera } from '../src/render/camera'
import { hitElement } from '../src/render/hit'
import { describeElement, outcomeSentence } from '../src/ui/keyboard-draw'
import { presenceChanges, type PresenceEntry } from '../src/ui/presence-list'

const key = (k: string, more: Partial<KeyLike> = {}): KeyLike => ({
  key: k, code: '', ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...more,
})

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

const VIEW = { width: 800, height: 600, now: 0 }

let board: Board
let camera: Camera
let editor: Editor

beforeEach(() => {
  board = new Board(new Y.Doc(), 'u-test')
  camera = new Camera()
  editor = new Editor(board, camera, hitTester(board, camera), { request: () => 0, cancel: () => {} }, { readOnly: false })
})

const run = (cmd: KeyboardPathCommand) => runKeyboardPath(editor, cmd, VIEW)

describe('the keyboard path keys', () => {
  it('maps Enter, N, Shift+N and, with nothing selected, the arrows', () => {
    expect(keyboardPathCommand(key('Enter'), false)).toEqual({ kind: 'place' })
    expect(keyboardPathCommand(key('n'), true)).toEqual({ kind: 'cycle', step: 1 })
    expect(keyboardPathCommand(key('N', { shiftKey: true }), true)).toEqual({ kind: 'cycle', step: -1 })
    expect(keyboardPathCommand(key('ArrowRight'), false)).toEqual({ kind: 'pan', dx: PAN_STEP, dy: 0 })
    expect(keyboardPathCommand(key('ArrowUp', { shiftKey: true }), false)).toEqual({ kind: 'pan', dx: 0, dy: -PAN_STEP_LARGE })
    // With a selection the arrows are the shortcut table's nudge.
    expect(keyboardPathCommand(key('ArrowRight'), true)).toBeUndefined()
    expect(commandFor(key('ArrowRight'), false)).toEqual({ kind: 'nudge', dx: 1, dy: 0 })
    // Modified keys stay the browser's and the table's (Ctrl+N is a new window).
    for (const more of [{ ctrlKey: true }, { metaKey: true }, { altKey: true }]) {
      expect(keyboardPathCommand(key('n', more), false)).toBeUndefined()
      expect(keyboardPathCommand(key('Enter', more), false)).toBeUndefined()
    }
    expect(keyboardPathCommand(key('Enter', { shiftKey: true }), false)).toBeUndefined()
  })

  it('clashes with no shortcut: Enter and N mean nothing in the shortcut table', () => {
    for (const k of [key('Enter'), key('n'), key('N', { shiftKey: true })]) {
      expect(commandFor(k, false)).toBeUndefined()
      expect(commandFor(k, true)).toBeUndefined()
    }
  })

  it('walks a list both ways, wrapping, from nothing to an end', () => {
    expect(cycleIndex(0, -1, 1)).toBeUndefined()
    expect(cycleIndex(3, -1, 1)).toBe(0)
    expect(cycleIndex(3, -1, -1)).toBe(2)
    expect(cycleIndex(3, 2, 1)).toBe(0)
    expect(cycleIndex(3, 0, -1)).toBe(2)
    expect(cycleIndex(3, 1, 1)).toBe(2)
  })
})

describe('Enter places', () => {
  it('a rectangle of the placed size in the middle of the view, selected, in the current style, as one undo step', () => {
    camera.set(100, 50, 2)
    editor.setTool('rect')
    editor.setStyle({ stroke: '#e03131', fill: '#a5d8ff', width: 4 })
    const outcome = run({ kind: 'place' })
    expect(outcome.kind).toBe('placed')
    const [rect] = board.ordered()
    const centre = camera.toBoard({ x: VIEW.width / 2, y: VIEW.height / 2 })
    expect(rect).toMatchObject({
      t: 'rect',
      w: PLACED_SHAPE_SIZE.w / 2,
      h: PLACED_SHAPE_SIZE.h / 2,
      x: centre.x - PLACED_SHAPE_SIZE.w / 4,
      y: centre.y - PLACED_SHAPE_SIZE.h / 4,
      sc: '#e03131',
      fc: '#a5d8ff',
      sw: 4,
    })
    expect(editor.selection).toEqual([rect?.id])
    expect(editor.tool).toBe('rect')
    board.undo()
    expect(board.size()).toBe(0)
    expect(editor.selection).toEqual([])
  })

  it('a second shape steps aside instead of hiding the first; lines lie flat', () => {
    editor.setTool('ellipse')
    run({ kind: 'place' })
    run({ kind: 'place' })
    const [a, b] = board.ordered()
    expect(b?.x).toBeGreaterThan(a?.x ?? Infinity)
    expect(b?.y).toBeGreaterThan(a?.y ?? Infinity)
    editor.setTool('arrow')
    run({ kind: 'place' })
    expect(board.ordered()[2]).toMatchObject({ t: 'arrow', w: PLACED_SHAPE_SIZE.w, h: 0 })
  })

  it('then the selection nudges, and Delete removes it, each one undo step', () => {
    editor.setTool('rect')
    run({ kind: 'place' })
    const id = editor.selection[0] as string
    const x = board.get(id)?.x ?? NaN
    expect(editor.run({ kind: 'nudge', dx: 10, dy: 0 })).toBe(true)
    expect(board.get(id)?.x).toBe(x + 10)
    expect(editor.run({ kind: 'delete' })).toBe(true)
    expect(board.size()).toBe(0)
    board.undo()
    expect(board.get(id)?.x).toBe(x + 10)
    board.undo()
    expect(board.get(id)?.x).toBe(x)
  })

  it('opens a text edit or a sticky note in the middle, and edits the selected text with the select tool', () => {
    editor.setTool('text')
    expect(run({ kind: 'place' })).toEqual({ kind: 'editing' })
    expect(editor.textEditing?.target.kind).toBe('new-text')
    editor.endTextEditing()
    expect(board.size()).toBe(0)
    editor.setTool('sticky')
    expect(run({ kind: 'place' })).toEqual({ kind: 'editing' })
    const sticky = board.ordered()[0] as ElementView
    expect(sticky.t).toBe('sticky')
    editor.endTextEditing()
    editor.setTool('select')
    editor.setSelection([sticky.id])
    expect(run({ kind: 'place' })).toEqual({ kind: 'editing' })
    expect(editor.textEditing?.id).toBe(sticky.id)
  })

  it('nothing with the pen, the eraser or on a view-only board', () => {
    editor.setTool('pen')
    expect(run({ kind: 'place' })).toEqual({ kind: 'refused', reason: 'tool' })
    editor.setTool('rect')
    editor.setReadOnly(true)
    expect(run({ kind: 'place' })).toEqual({ kind: 'refused', reason: 'read-only' })
    expect(run({ kind: 'cycle', step: 1 })).toEqual({ kind: 'refused', reason: 'read-only' })
    expect(board.size()).toBe(0)
  })
})

describe('N walks the selection', () => {
  it('through the elements in layer order, wrapping, and brings an element out of view into view', () => {
    expect(run({ kind: 'cycle', step: 1 })).toEqual({ kind: 'refused', reason: 'empty' })
    const ids = [0, 1, 2].map((i) => board.add({ t: 'rect', x: i * 5000, y: 0, w: 10, h: 10 }))
    const seen = [1, 1, 1, 1].map(() => {
      const outcome = run({ kind: 'cycle', step: 1 })
      return outcome.kind === 'selected' ? [outcome.element.id, outcome.index, outcome.count] : outcome.kind
    })
    expect(seen).toEqual([[ids[0], 0, 3], [ids[1], 1, 3], [ids[2], 2, 3], [ids[0], 0, 3]])
    run({ kind: 'cycle', step: -1 })
    expect(editor.selection).toEqual([ids[2]])
    // The third is 10000 px off: the view moved to show it.
    const box = camera.visibleBox(VIEW.width, VIEW.height)
    expect(box.minX).toBeLessThan(10000)
    expect(box.maxX).toBeGreaterThan(10010)
  })

  it('arrows pan the view while nothing is selected', () => {
    run({ kind: 'pan', dx: PAN_STEP, dy: 0 })
    expect(camera.x).toBe(PAN_STEP)
    expect(camera.y).toBe(0)
  })
})

describe('what a screen reader hears', () => {
  const rect = { t: 'rect', text: '' } as ElementView
  it('names elements by kind and the start of their text', () => {
    expect(describeElement(rect)).toBe('rectangle')
    expect(describeElement({ t: 'sticky', text: '  buy\nmilk ' } as ElementView)).toBe('sticky note “buy milk”')
    expect(describeElement({ t: 'text', text: 'x'.repeat(50) } as ElementView)).toBe(`text “${'x'.repeat(40)}…”`)
    expect(describeElement({ t: 'future', text: '' } as ElementView)).toBe('element')
  })

  it('says what a key did, and nothing for a pan', () => {
    expect(outcomeSentence({ kind: 'placed', element: rect })).toMatch(/^Rectangle added in the middle of the view and selected/)
    expect(outcomeSentence({ kind: 'selected', element: rect, index: 1, count: 4 })).toBe('Rectangle selected, 2 of 4.')
    expect(outcomeSentence({ kind: 'panned' })).toBeUndefined()
    expect(outcomeSentence({ kind: 'refused', reason: 'tool' })).toMatch(/pick one of those tools/)
  })

  it('announces joins and leaves of others, by name, counted when many', () => {
    const entry = (clientId: number, name: string, more: Partial<PresenceEntry> = {}): PresenceEntry => ({
      clientId, name, colour: '#000000', you: false, viewer: false, presenting: false, ...more,
    })
    const me = entry(1, 'Me', { you: true })
    expect(presenceChanges([me], [me, entry(2, 'Ann'), entry(3, 'Bo', { viewer: true })])).toEqual(['Ann joined', 'Bo (view only) joined'])
    expect(presenceChanges([me, entry(2, 'Ann')], [me, entry(2, 'Ann B')])).toEqual([])
    expect(presenceChanges([me, entry(2, 'Ann')], [me])).toEqual(['Ann left'])
    const crowd = [2, 3, 4, 5].map((i) => entry(i, `P${i}`))
    expect(presenceChanges([me], [me, ...crowd])).toEqual(['4 people joined'])
    expect(presenceChanges([], [me])).toEqual([])
  })
})
