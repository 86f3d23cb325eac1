// Routing pointer input on the board. Each event goes to the first taker:
// the touch and pen gestures (gestures.ts) take palms and two-finger pinches
// (a palm must not even close a text edit); the click that closes a text edit
// does nothing else; then the view (editor/viewport-input.ts) claims
// drag-pans (the hand tool, space held, a middle drag); the rest goes to the
// editor's tool. The wheel zooms and pans the view, over the canvas and the
// panels alike. Every camera change our own input makes goes through
// ownCameraChange.

import type { Editor } from '../editor/editor'
import type { PointerInput } from '../editor/types'
import { applyWheel, type PinchStep, type ViewportInput } from '../editor/viewport-input'
import type { Camera } from '../render/camera'
import type { BoardFocus } from './board-focus'
import type { CanvasCursor } from './canvas-cursor'
import type { CursorBroadcast } from './cursor-broadcast'
import { Gestures, type EndGesture, type GesturePointer } from './gestures'
import { listen } from './listen'
import { pointerInput, screenPoint } from './pointer-samples'

export interface PointerHost {
  editor: Editor
  camera: Camera
  viewport: ViewportInput
  focus: BoardFocus
  canvasCursor: CanvasCursor
  cursorBroadcast: CursorBroadcast
}

export class PointerRouter {
  private readonly cleanups: Array<() => void>
  private readonly gestures = new Gestures()

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
    const { editor, viewport, focus, canvasCursor } = this.host
    const input = this.input(e)
    const gesture = this.gestures.down(gesturePointer(e, input))
    if (gesture.end) this.endGesture(gesture.end)
    if (gesture.route !== 'tool') {
      // A pinch's finger moves the camera from now on; a palm or a third finger does nothing.
      if (gesture.route === 'pinch') this.canvas.setPointerCapture(e.pointerId)
      e.preventDefault()
      return
    }
    if (editor.textEditing) {
      // The click that closes a text edit does nothing else (Excalidraw does the same).
      editor.endTextEditing()
      focus.focus()
      e.preventDefault()
      return
    }
    focus.focus()
    const claimed = viewport.pointerDown(e.pointerId, e.button, input.screen, editor.tool === 'pan')
    if (claimed) {
      this.canvas.setPointerCapture(e.pointerId)
      canvasCursor.show(input)
      e.preventDefault()
      return
    }
    if (e.button !== 0) return
    this.canvas.setPointerCapture(e.pointerId)
    editor.pointerDown(input)
    canvasCursor.show(input)
    e.preventDefault()
  }

  private move(e: PointerEvent): void {
    const { editor, viewport, canvasCursor, cursorBroadcast } = this.host
    const input = this.input(e)
    cursorBroadcast.pointerMoved(e)
    const gesture = this.gestures.move(gesturePointer(e, input))
    if (gesture.route === 'pinch') this.ownCameraChange(() => pinch(this.host.camera, gesture.step))
    if (gesture.route !== 'tool') return
    if (viewport.pans(e.pointerId)) {
      this.ownCameraChange(() => viewport.pointerMove(e.pointerId, input.screen))
      return
    }
    if (editor.gestureActive) editor.pointerMove(input)
    canvasCursor.hover(input)
  }

  private end(e: PointerEvent, cancelled: boolean): void {
    const { editor, viewport, canvasCursor } = this.host
    if (this.canvas.hasPointerCapture(e.pointerId)) this.canvas.releasePointerCapture(e.pointerId)
    if (this.gestures.up({ id: e.pointerId, type: e.pointerType, time: e.timeStamp }) === 'ignore') return
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
    this.ownCameraChange(() => applyWheel(this.host.camera, e, screenPoint(this.canvas, e.clientX, e.clientY)))
  }

  /**
   * Runs `change`, which moves the camera at our own input's request (the
   * wheel, a drag-pan, a two-finger pinch): the one place to react to our own
   * pans and zooms. Only camera changes come here, never plain pointer moves.
   */
  private ownCameraChange(change: () => void): void {
    change()
  }

  /** A second finger or a pen ends the tool's (or a drag-pan's) one-finger gesture. */
  private endGesture(end: EndGesture): void {
    const { editor, viewport } = this.host
    if (viewport.pointerUp(end.pointerId)) return
    if (end.how === 'discard') editor.discardGesture()
    else editor.finishGesture()
  }

  private input(e: PointerEvent): PointerInput {
    return pointerInput(e, this.canvas, this.host.camera)
  }
}

function gesturePointer(e: PointerEvent, input: PointerInput): GesturePointer {
  return { id: e.pointerId, type: e.pointerType, at: input.screen, time: e.timeStamp }
}

/** One step of a two-finger gesture: the midpoint's move pans, the spread zooms about it. */
function pinch(camera: Camera, step: PinchStep): void {
  camera.panBy(step.dx, step.dy)
  camera.zoomAt(step.center, step.factor)
}
