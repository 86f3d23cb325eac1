// Our pointer, sent to the others as cursor frames (board coordinates and the
// tool we hold, as PROTOCOL.md's tool code) through the Collab port, which
// coalesces them to one frame per animation frame. Only pointers that carry
// our cursor send: a palm or a pinching finger is no cursor.

import { TOOL_CODES, type Collab } from '../collab/port'
import type { Editor } from '../editor/editor'
import type { Camera } from '../render/camera'
import { listen } from './listen'
import { screenPoint } from './pointer-samples'

/** Which pointers are ours to show as a cursor (gestures.ts leaves out palms and pinching fingers). */
export interface CursorPointers {
  carriesCursor(pointerId: number, pointerType: string): boolean
}

export class CursorBroadcast {
  /** Whether pointerrawupdate carries the cursor, so pointermove must not. */
  private readonly rawUpdates: boolean
  private readonly cleanups: Array<() => void> = []

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly camera: Camera,
    private readonly editor: Editor,
    private readonly collab: Collab,
    private readonly pointers: CursorPointers,
  ) {
    // Chromium dispatches pointermove (continuous input) at the start of the
    // next animation frame: measured, 12-15 ms after the event's timestamp at
    // 60 Hz, in any page. pointerrawupdate fires as the input arrives (~0.5 ms),
    // in secure contexts only (localhost counts); elsewhere cursors go from
    // pointermove. Drawing stays on pointermove: one batch of coalesced samples
    // per frame is all a frame can show.
    this.rawUpdates = 'onpointerrawupdate' in canvas
    if (this.rawUpdates) this.cleanups.push(listen(canvas, 'pointerrawupdate', (e) => this.send(e as PointerEvent)))
  }

  /** A pointermove over the canvas. */
  pointerMoved(e: PointerEvent): void {
    if (!this.rawUpdates) this.send(e)
  }

  destroy(): void {
    for (const off of this.cleanups.splice(0)) off()
  }

  private send(e: PointerEvent): void {
    if (!this.pointers.carriesCursor(e.pointerId, e.pointerType)) return
    const at = this.camera.toBoard(screenPoint(this.canvas, e.clientX, e.clientY))
    this.collab.sendCursor(at.x, at.y, e.buttons, TOOL_CODES[this.editor.tool])
  }
}
