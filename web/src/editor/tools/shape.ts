// Rectangle, ellipse, line and arrow: press, drag, release. The element is
// added once the drag passes a few pixels (a plain click creates nothing) and
// then resized in place, all in one undo step.

import type { Kind, NewElement, Patch } from '../../doc/types'
import type { Editor } from '../editor'
import type { PointerInput, Style, Tool, Vec } from '../types'
import { DRAG_THRESHOLD } from './select'

export type ShapeKind = Extract<Kind, 'rect' | 'ellipse' | 'line' | 'arrow'>

/** Lines snap to multiples of this angle with shift held. */
const ANGLE_STEP = Math.PI / 12

/**
 * The geometry of a shape dragged from `a` to `b`. Boxes are normalised (w, h
 * ≥ 0) and, with `constrain`, squares; lines keep their direction and, with
 * `constrain`, snap to 15° steps.
 */
export function dragGeometry(kind: ShapeKind, a: Vec, b: Vec, constrain: boolean): Required<Pick<Patch, 'x' | 'y' | 'w' | 'h'>> {
  let dx = b.x - a.x
  let dy = b.y - a.y
  if (kind === 'line' || kind === 'arrow') {
    if (constrain) {
      const len = Math.hypot(dx, dy)
      const angle = Math.round(Math.atan2(dy, dx) / ANGLE_STEP) * ANGLE_STEP
      dx = Math.cos(angle) * len
      dy = Math.sin(angle) * len
    }
    return { x: a.x, y: a.y, w: dx, h: dy }
  }
  if (constrain) {
    const side = Math.max(Math.abs(dx), Math.abs(dy))
    dx = (dx < 0 ? -1 : 1) * side
    dy = (dy < 0 ? -1 : 1) * side
  }
  return { x: Math.min(a.x, a.x + dx), y: Math.min(a.y, a.y + dy), w: Math.abs(dx), h: Math.abs(dy) }
}

/** A new shape of `kind` with `geometry` in the style for new elements: a drag and the keyboard make the same element. */
export function shapeElement(kind: ShapeKind, geometry: Pick<Patch, 'x' | 'y' | 'w' | 'h'>, style: Style): NewElement {
  const filled = kind === 'rect' || kind === 'ellipse'
  return {
    t: kind,
    ...geometry,
    sc: style.stroke,
    sw: style.width,
    ...(filled && style.fill !== null ? { fc: style.fill } : {}),
  }
}

export class ShapeTool implements Tool {
  private start: PointerInput | undefined
  private elementId: string | undefined

  constructor(
    private readonly editor: Editor,
    readonly id: ShapeKind,
  ) {}

  onPointerDown(e: PointerInput): void {
    this.editor.board.beginAction()
    this.start = e
    this.elementId = undefined
  }

  onPointerMove(e: PointerInput): void {
    const start = this.start
    if (!start) return
    const geometry = dragGeometry(this.id, start.board, e.board, e.shift)
    const { board, style } = this.editor
    if (this.elementId !== undefined) {
      board.update(this.elementId, geometry)
      return
    }
    if (Math.hypot(e.screen.x - start.screen.x, e.screen.y - start.screen.y) < DRAG_THRESHOLD) return
    this.elementId = board.add(shapeElement(this.id, geometry, style))
  }

  onPointerUp(e: PointerInput): void {
    this.onPointerMove(e)
    this.start = undefined
    this.elementId = undefined
  }

  /** The drag stops where it is: a shape already added stays, as drawn so far. */
  cancel(): void {
    this.start = undefined
    this.elementId = undefined
  }

  /**
   * The drag was never meant (a palm, a pinch's first finger): undo its step.
   * Only a shape that was added has a step of its own; before the drag
   * threshold there is nothing to undo.
   */
  discard(): void {
    const added = this.elementId !== undefined
    this.cancel()
    if (added) this.editor.board.undo()
  }

  cursor(): string {
    return 'crosshair'
  }
}
