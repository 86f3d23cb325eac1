// Routing pointer input on the board. Each event goes to the first taker:
// the touch and pen gestures (gestures.ts) take palms and two-finger pinches
// (a palm must not even close a text edit), and hold back a finger's input
// until it qualifies to draw, replaying it then; the click that closes a text
// edit does nothing else; then the view (editor/viewport-input.ts) claims
// drag-pans (the hand tool, space held, a middle drag); the rest goes to the
// editor's tool. The wheel zooms and pans the view, over the canvas and the
// panels alike.

import type { Editor } from '../editor/editor'
import type { PointerInput } from '../editor/types'
import { applyWheel, type PinchStep, type ViewportInput } from '../editor/viewport-input'
import type { Camera } from '../render/camera'
import type { BoardFocus } from './board-focus'
import type { CanvasCursor } from './canvas-cursor'
import type { CursorBroadcast } from './cursor-broadcast'
import type { EndGesture, Gestures, GesturePointer } from './gestures'
import { listen } from './listen'
import { pointerInput, screenPoint } from './pointer-samples'

/**
 * A held-back touch keeps its down and at most this many inputs in all; past
 * it the oldest moves go (a finger resting in place only jitters), so a touch
 * that never qualifies costs bounded memory.
 */
export const HELD_INPUTS_MAX = 256

export interface PointerHost {
  editor: Editor
  camera: Camera
  viewport: ViewportInput
  focus: BoardFocus
  canvasCursor: CanvasCursor
  cursorBroadcast: CursorBroadcast
  gestures: Gestures
}

export class PointerRouter {
  private readonly cleanups: Array<() => void>
  /** Pointers down on the canvas now: an up, a cancel or a lost capture ends each once. */
  private readonly pointersDown = new Set<number>()
  /** A touch's input (down first) held back until it qualifies to draw. */
  private readonly held = new Map<number, PointerInput[]>()

  constructor(
    private readonly canvas: HTMLCanvasElement,
    container: HTMLElement,
    private readonly host: PointerHost,
  ) {
    this.cleanups = [
      listen(canvas, 'pointerdown', (e) => this.down(e)),
      listen(canvas, 'pointermove', (e) => this.move(e)),
      listen(canvas, 'pointerup', (e) => this.end(e, false)),
      listen(canvas, 'pointercancel', (e) => this.end(e, true)),
      // A pointer whose capture went without an up (the pen lifted off the
      // canvas, the element lost it) would keep its gesture forever.
      listen(canvas, 'lostpointercapture', (e) => this.end(e, true)),
      // On the container, so a pinch over a panel zooms the board, not the page.
      listen(container, 'wheel', (e) => this.wheel(e), { passive: false }),
      listen(container, 'contextmenu', (e) => {
        if (e.target === canvas) e.preventDefault()
      }),
    ]
  }

  destroy(): void {
    for (const off of this.cleanups.splice(0)) off()
  }

  private down(e: PointerEvent): void {
    // Pens get no implicit capture, and a touch's may go: capture both, so
    // their lift comes here wherever it lands (a pen lifted unseen keeps
    // touches taken for palms).
    if (e.pointerType !== 'mouse') this.canvas.setPointerCapture(e.pointerId)
    this.pointersDown.add(e.pointerId)
    const input = this.input(e)
    const gesture = this.host.gestures.down(gesturePointer(e, input))
    if (gesture.end) this.endGesture(gesture.end)
    // The hand tool's pan changes nothing on the board: a pinch's first finger may pan at once.
    const route = gesture.route === 'pending' && this.host.editor.tool === 'pan' ? 'tool' : gesture.route
    if (route === 'pending') this.held.set(e.pointerId, [input])
    // A pinch's finger moves the camera from now on; a palm or a third finger does nothing.
    if (route !== 'tool' || this.toolDown(e.button, input)) e.preventDefault()
  }

  /** A pointer-down for the tool (now, or replayed once a touch qualified); whether it was taken. */
  private toolDown(button: number, input: PointerInput): boolean {
    const { editor, viewport, focus, canvasCursor } = this.host
    if (editor.textEditing) {
      // The click that closes a text edit does nothing else (Excalidraw does the same).
      editor.endTextEditing()
      focus.focus()
      return true
    }
    focus.focus()
    const claimed = viewport.pointerDown(input.pointerId, button, input.screen, editor.tool === 'pan')
    if (!claimed && button !== 0) return false
    if (input.pointerType === 'mouse') this.canvas.setPointerCapture(input.pointerId)
    if (!claimed) editor.pointerDown(input)
    canvasCursor.show(input)
    return true
  }

  private move(e: PointerEvent): void {
    const { camera, cursorBroadcast, gestures } = this.host
    const input = this.input(e)
    cursorBroadcast.pointerMoved(e)
    const gesture = gestures.move(gesturePointer(e, input))
    if (gesture.route === 'pinch') pinch(camera, gesture.step)
    else if (gesture.route === 'pending' && this.held.has(e.pointerId)) this.hold(input)
    else if (gesture.route !== 'ignore') {
      // The tool's, or a pending touch's that was never held (the hand tool's pan).
      this.replayHeld(e.pointerId)
      this.toolMove(input)
    }
  }

  private toolMove(input: PointerInput): void {
    const { editor, viewport, canvasCursor } = this.host
    if (viewport.pans(input.pointerId)) {
      viewport.pointerMove(input.pointerId, input.screen)
      return
    }
    if (editor.gestureActive) editor.pointerMove(input)
    canvasCursor.hover(input)
  }

  private end(e: PointerEvent, cancelled: boolean): void {
    const { editor, viewport, canvasCursor, gestures } = this.host
    if (!this.pointersDown.delete(e.pointerId)) return
    if (this.canvas.hasPointerCapture(e.pointerId)) this.canvas.releasePointerCapture(e.pointerId)
    if (gestures.up({ id: e.pointerId, type: e.pointerType, time: e.timeStamp }) === 'ignore') {
      this.held.delete(e.pointerId)
      return
    }
    if (this.held.has(e.pointerId)) {
      // A tap, or a short stroke, lifted before it qualified: it was meant all along. A cancel never drew.
      if (cancelled) {
        this.held.delete(e.pointerId)
        return
      }
      this.replayHeld(e.pointerId)
    }
    if (viewport.pointerUp(e.pointerId)) {
      canvasCursor.show(undefined)
      return
    }
    if (cancelled) editor.cancelGesture()
    else editor.pointerUp(this.input(e))
    canvasCursor.show(this.input(e))
  }

  private wheel(e: WheelEvent): void {
    e.preventDefault()
    applyWheel(this.host.camera, e, screenPoint(this.canvas, e.clientX, e.clientY))
  }

  /** A second finger or a pen ends the tool's (or a drag-pan's) one-finger gesture. */
  private endGesture(end: EndGesture): void {
    const { editor, viewport } = this.host
    // Held back, a discarded touch never reached the tool, the board or the peers: nothing to take back.
    if (end.how === 'discard' && this.held.delete(end.pointerId)) return
    this.replayHeld(end.pointerId)
    if (viewport.pointerUp(end.pointerId)) return
    if (end.how === 'discard') editor.discardGesture()
    else editor.finishGesture()
  }

  private hold(input: PointerInput): void {
    const inputs = this.held.get(input.pointerId)
    if (inputs === undefined) return
    if (inputs.length >= HELD_INPUTS_MAX) inputs.splice(1, 1)
    inputs.push(input)
  }

  /** The touch qualified (or lifted, or a pinch kept it): its held-back down and moves go to the tool, in order. */
  private replayHeld(pointerId: number): void {
    const inputs = this.held.get(pointerId)
    if (inputs === undefined) return
    this.held.delete(pointerId)
    const [down, ...moves] = inputs
    if (down === undefined) return
    this.toolDown(0, down)
    for (const m of moves) this.toolMove(m)
  }

  private input(e: PointerEvent): PointerInput {
    return pointerInput(e, this.canvas, this.host.camera)
  }
}

function gesturePointer(e: PointerEvent, input: PointerInput): GesturePointer {
  return { id: e.pointerId, type: e.pointerType, at: input.screen, buttons: e.buttons, time: e.timeStamp }
}

/** One step of a two-finger gesture: the midpoint's move pans, the spread zooms about it. */
function pinch(camera: Camera, step: PinchStep): void {
  camera.panBy(step.dx, step.dy)
  camera.zoomAt(step.center, step.factor)
}
