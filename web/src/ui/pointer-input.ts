// Routing pointer input on the board. Each event goes to the first taker:
// the click that closes a text edit does nothing else; then the view
// (editor/viewport-input.ts) claims pans and pinches (the hand tool, space
// held, a middle drag, a second finger); the rest goes to the editor's tool.
// The wheel zooms and pans the view, over the canvas and the panels alike.
// New kinds of input (touch gestures, pen palm rejection) or reactions to our
// own pans and zooms belong in these handlers, in that order of precedence.

import type { Editor } from '../editor/editor'
import type { PointerInput } from '../editor/types'
import { applyWheel, type ViewportInput } from '../editor/viewport-input'
import type { Camera } from '../render/camera'
import type { BoardFocus } from './board-focus'
import type { CanvasCursor } from './canvas-cursor'
import type { CursorBroadcast } from './cursor-broadcast'
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
    if (editor.textEditing) {
      // The click that closes a text edit does nothing else (Excalidraw does the same).
      editor.endTextEditing()
      focus.focus()
      e.preventDefault()
      return
    }
    focus.focus()
    const input = this.input(e)
    const claimed = viewport.pointerDown(e.pointerId, e.pointerType, e.button, input.screen, editor.tool === 'pan')
    if (claimed) {
      // A second finger: whatever the first one started becomes a pinch instead.
      editor.cancelGesture()
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
    if (viewport.pointerMove(e.pointerId, input.screen)) return
    if (editor.gestureActive) editor.pointerMove(input)
    canvasCursor.hover(input)
  }

  private end(e: PointerEvent, cancelled: boolean): void {
    const { editor, viewport, canvasCursor } = this.host
    if (this.canvas.hasPointerCapture(e.pointerId)) this.canvas.releasePointerCapture(e.pointerId)
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

  private input(e: PointerEvent): PointerInput {
    return pointerInput(e, this.canvas, this.host.camera)
  }
}
