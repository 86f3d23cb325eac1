// The keyboard drawing path, DOM-free: the keys it owns on the board surface
// and what they do to the editor. Enter places the current tool's element in
// the middle of the view, N and Shift+N walk the selection through the
// elements, and the arrow keys pan the view while nothing is selected (with a
// selection they nudge it: shortcuts.ts). Every edit goes through the board's
// ordinary calls, so it is one undo step and reaches peers like a drag does.

import { elementBounds } from '../doc/geometry'
import type { Box, ElementView } from '../doc/types'
import { DUPLICATE_OFFSET, type Editor } from './editor'
import type { KeyLike } from './shortcuts'
import { shapeElement, type ShapeKind } from './tools/shape'
import type { PointerInput, Vec } from './types'

/** A shape placed with Enter is this big on screen at any zoom, CSS px. */
export const PLACED_SHAPE_SIZE = { w: 160, h: 100 }
/** The view moves this far per arrow key with nothing selected, screen px; with Shift, PAN_STEP_LARGE. */
export const PAN_STEP = 40
export const PAN_STEP_LARGE = 200
/**
 * A shape placed where an identical one already sits (Enter pressed twice)
 * steps aside by DUPLICATE_OFFSET so both show; at most this many steps.
 */
const MAX_PLACE_STEPS = 20
/** The pointer id of the keyboard's click in the middle of the view (text, sticky): real pointers' ids are never negative. */
export const KEYBOARD_POINTER_ID = -1

const SHAPE_KINDS: ReadonlySet<string> = new Set<ShapeKind>(['rect', 'ellipse', 'line', 'arrow'])

export type KeyboardPathCommand =
  | { kind: 'place' }
  | { kind: 'cycle'; step: 1 | -1 }
  /** Moves the view by (dx, dy) screen px: right and down are positive. */
  | { kind: 'pan'; dx: number; dy: number }

/**
 * The keyboard path's keys. None of them is in the shortcut table
 * (commandFor), except the arrows, which are taken here only while nothing
 * is selected, when the table's nudge would do nothing.
 */
export function keyboardPathCommand(e: KeyLike, hasSelection: boolean): KeyboardPathCommand | undefined {
  if (e.ctrlKey || e.metaKey || e.altKey) return undefined
  if (e.key === 'Enter') return e.shiftKey ? undefined : { kind: 'place' }
  if (e.key === 'n' || e.key === 'N') return { kind: 'cycle', step: e.shiftKey ? -1 : 1 }
  if (hasSelection) return undefined
  const step = e.shiftKey ? PAN_STEP_LARGE : PAN_STEP
  switch (e.key) {
    case 'ArrowLeft':
      return { kind: 'pan', dx: -step, dy: 0 }
    case 'ArrowRight':
      return { kind: 'pan', dx: step, dy: 0 }
    case 'ArrowUp':
      return { kind: 'pan', dx: 0, dy: -step }
    case 'ArrowDown':
      return { kind: 'pan', dx: 0, dy: step }
    default:
      return undefined
  }
}

/** What a keyboard-path command did, for the view to say. */
export type KeyboardPathOutcome =
  | { kind: 'placed'; element: ElementView }
  /** A text edit opened (text, sticky note, or the selected one). */
  | { kind: 'editing' }
  | { kind: 'selected'; element: ElementView; index: number; count: number }
  | { kind: 'panned' }
  /** Nothing done: the board is view-only, the tool places nothing, or there is nothing to select. */
  | { kind: 'refused'; reason: 'read-only' | 'tool' | 'empty' }

/** The view the command runs in: its size in CSS px, and the time for the synthetic click. */
export interface KeyboardPathView {
  width: number
  height: number
  now: number
}

export function runKeyboardPath(editor: Editor, cmd: KeyboardPathCommand, view: KeyboardPathView): KeyboardPathOutcome {
  switch (cmd.kind) {
    case 'pan':
      // The view moves right, so the board moves left under it.
      editor.camera.panBy(-cmd.dx, -cmd.dy)
      return { kind: 'panned' }
    case 'place':
      return place(editor, view)
    case 'cycle':
      return cycle(editor, cmd.step, view)
  }
}

function place(editor: Editor, view: KeyboardPathView): KeyboardPathOutcome {
  if (editor.readOnly) return { kind: 'refused', reason: 'read-only' }
  const tool = editor.tool
  const centreScreen = { x: view.width / 2, y: view.height / 2 }
  if (SHAPE_KINDS.has(tool)) {
    const kind = tool as ShapeKind
    const element = editor.board.get(placeShape(editor, kind, editor.camera.toBoard(centreScreen)))
    return element === undefined ? { kind: 'refused', reason: 'tool' } : { kind: 'placed', element }
  }
  if (tool === 'text' || tool === 'sticky') {
    // The tool's own click, in the middle of the view: a new text or note, or the one already there.
    const input = keyboardClick(editor, centreScreen, view.now)
    editor.pointerDown(input)
    editor.pointerUp(input)
    return editor.textEditing ? { kind: 'editing' } : { kind: 'refused', reason: 'tool' }
  }
  const [only, ...more] = editor.selection
  const selected = only === undefined || more.length > 0 ? undefined : editor.board.get(only)
  if (tool === 'select' && (selected?.t === 'text' || selected?.t === 'sticky')) {
    editor.beginTextEditing({ kind: 'existing', id: selected.id })
    return { kind: 'editing' }
  }
  return { kind: 'refused', reason: 'tool' }
}

/** Adds a `kind` shape centred on `at` (board px), PLACED_SHAPE_SIZE on screen, selects it, and returns its id. */
function placeShape(editor: Editor, kind: ShapeKind, at: Vec): string {
  const w = PLACED_SHAPE_SIZE.w / editor.camera.zoom
  const h = PLACED_SHAPE_SIZE.h / editor.camera.zoom
  const line = kind === 'line' || kind === 'arrow'
  let geometry = line ? { x: at.x - w / 2, y: at.y, w, h: 0 } : { x: at.x - w / 2, y: at.y - h / 2, w, h }
  for (let step = 0; step < MAX_PLACE_STEPS && sameShapeAt(editor, kind, geometry); step++) {
    geometry = { ...geometry, x: geometry.x + DUPLICATE_OFFSET, y: geometry.y + DUPLICATE_OFFSET }
  }
  const id = editor.board.add(shapeElement(kind, geometry, editor.style))
  editor.setSelection([id])
  return id
}

function sameShapeAt(editor: Editor, kind: ShapeKind, g: { x: number; y: number; w: number; h: number }): boolean {
  const box = { minX: g.x, minY: g.y, maxX: g.x + g.w, maxY: g.y + g.h }
  return editor.hits.query(box).some((id) => {
    const el = editor.board.get(id)
    return el !== undefined && el.t === kind && el.x === g.x && el.y === g.y && el.w === g.w && el.h === g.h
  })
}

function keyboardClick(editor: Editor, screen: Vec, now: number): PointerInput {
  const sample = { screen, board: editor.camera.toBoard(screen), pressure: undefined }
  return { ...sample, pointerId: KEYBOARD_POINTER_ID, pointerType: 'keyboard', buttons: 0, shift: false, time: now, samples: [sample] }
}

function cycle(editor: Editor, step: 1 | -1, view: KeyboardPathView): KeyboardPathOutcome {
  if (editor.readOnly) return { kind: 'refused', reason: 'read-only' }
  const order = editor.board.ordered()
  const index = cycleIndex(order.length, order.findIndex((el) => el.id === editor.selection.at(-1)), step)
  const element = index === undefined ? undefined : order[index]
  if (index === undefined || element === undefined) return { kind: 'refused', reason: 'empty' }
  editor.setSelection([element.id])
  bringIntoView(editor, elementBounds(element), view)
  return { kind: 'selected', element, index, count: order.length }
}

/**
 * The index after `current` in a list of `count` (before it for step -1),
 * wrapping around; from nothing (-1) the first, or the last going back.
 */
export function cycleIndex(count: number, current: number, step: 1 | -1): number | undefined {
  if (count === 0) return undefined
  if (current < 0 || current >= count) return step > 0 ? 0 : count - 1
  return (current + step + count) % count
}

/** Centres the view on `box` when any of it is out of view, keeping the zoom. */
function bringIntoView(editor: Editor, box: Box, view: KeyboardPathView): void {
  const camera = editor.camera
  const seen = camera.visibleBox(view.width, view.height)
  if (box.minX >= seen.minX && box.minY >= seen.minY && box.maxX <= seen.maxX && box.maxY <= seen.maxY) return
  const cx = (box.minX + box.maxX) / 2
  const cy = (box.minY + box.maxY) / 2
  camera.set(cx - view.width / 2 / camera.zoom, cy - view.height / 2 / camera.zoom, camera.zoom)
}
