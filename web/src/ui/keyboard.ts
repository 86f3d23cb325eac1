// Keys on the board: shortcuts (editor/shortcuts.ts maps a key to a command;
// zooms run here, the rest in the editor), Escape leaving a previewed version
// first, and space held to pan. Listens on the document, so a board the
// pointer is over gets keys without a click first (BoardFocus decides).

import type { Editor } from '../editor/editor'
import { commandFor } from '../editor/shortcuts'
import type { ViewportInput } from '../editor/viewport-input'
import type { BoardFocus } from './board-focus'
import type { CanvasCursor } from './canvas-cursor'
import { listen } from './listen'
import type { ZoomCommands } from './zoom-commands'

export interface KeyboardHost {
  editor: Editor
  viewport: ViewportInput
  focus: BoardFocus
  canvasCursor: CanvasCursor
  zoom: ZoomCommands
  /** Escape pressed: true when something (the history panel, the share dialog) took it. */
  escape(): boolean
  /** The keyboard drawing path (ui/keyboard-draw.ts): true when it took the key. */
  drawingPath(e: KeyboardEvent): boolean
}

export class Keyboard {
  private readonly cleanups: Array<() => void>

  constructor(
    container: HTMLElement,
    private readonly host: KeyboardHost,
  ) {
    const doc = container.ownerDocument
    const onKeyDown = (e: KeyboardEvent): void => this.keyDown(e)
    doc.addEventListener('keydown', onKeyDown)
    this.cleanups = [
      () => doc.removeEventListener('keydown', onKeyDown),
      listen(container, 'keyup', (e) => {
        if (e.key === ' ') this.releaseSpace()
      }),
      listen(container, 'focusout', (e) => {
        if (e.relatedTarget instanceof Node && container.contains(e.relatedTarget)) return
        this.releaseSpace()
      }),
    ]
  }

  destroy(): void {
    for (const off of this.cleanups.splice(0)) off()
  }

  private keyDown(e: KeyboardEvent): void {
    const { editor, focus } = this.host
    if (e.defaultPrevented || !focus.ownsKeys()) return
    if (editor.textEditing || focus.typingInField(e)) return
    if (e.key === 'Escape' && this.host.escape()) {
      e.preventDefault()
      return
    }
    if (this.host.drawingPath(e)) return
    if (e.key === ' ') {
      // Space held turns drags into pans; focus so the keyup reaches us.
      if (!focus.focusedInside()) focus.focus()
      this.host.viewport.spaceHeld = true
      this.host.canvasCursor.refresh()
      e.preventDefault()
      return
    }
    const cmd = commandFor(e, editor.readOnly)
    if (cmd && (this.host.zoom.run(cmd) || editor.run(cmd))) e.preventDefault()
  }

  /** Space released, or focus left the board (the keyup would never come). */
  private releaseSpace(): void {
    this.host.viewport.spaceHeld = false
    this.host.canvasCursor.refresh()
  }
}
