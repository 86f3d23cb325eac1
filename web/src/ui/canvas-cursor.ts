// The mouse cursor over the canvas: grab/grabbing while the view pans, else
// what the editor's tool shows at the pointer. It remembers where the pointer
// last hovered so a change without a pointer event (a tool picked by key,
// space pressed, the camera moved) still shows the right cursor there.

import type { Editor } from '../editor/editor'
import type { PointerInput } from '../editor/types'
import type { ViewportInput } from '../editor/viewport-input'
import type { Camera } from '../render/camera'

export class CanvasCursor {
  private lastHover: PointerInput | undefined

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly editor: Editor,
    private readonly viewport: ViewportInput,
  ) {}

  /** Shows the cursor for the pointer at `input` (or for no pointer position). */
  show(input: PointerInput | undefined): void {
    this.canvas.style.cursor = this.viewport.panning ? 'grabbing' : this.viewport.spaceHeld ? 'grab' : this.editor.cursorAt(input)
  }

  /** The pointer moved over the board without a drag the view claimed. */
  hover(input: PointerInput): void {
    this.lastHover = input
    this.show(input)
  }

  /** Something other than the pointer changed what the cursor should be. */
  refresh(): void {
    this.show(this.lastHover)
  }

  /** The camera moved under a still pointer: it now hovers another board point. */
  cameraMoved(camera: Camera): void {
    if (this.lastHover) this.lastHover = { ...this.lastHover, board: camera.toBoard(this.lastHover.screen) }
  }
}
