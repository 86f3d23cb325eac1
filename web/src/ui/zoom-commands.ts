// Zooming the view from our own controls: the zoom buttons and the keyboard
// shortcuts (Ctrl+=/-/0, Shift+1) run the same steps, about the view's centre
// (the wheel and pinches zoom about the pointer, in editor/viewport-input.ts).

import type { Board } from '../doc/board'
import { elementBounds, unionAll } from '../doc/geometry'
import type { Command } from '../editor/shortcuts'
import type { Camera } from '../render/camera'

/** Zoom buttons and Ctrl+=/- step by this factor. */
const ZOOM_STEP = 1.25

export class ZoomCommands {
  constructor(
    private readonly camera: Camera,
    private readonly board: Board,
    /** The view's size in CSS px. */
    private readonly size: () => { width: number; height: number },
  ) {}

  // Arrow properties: the zoom buttons take these as bare callbacks.
  readonly zoomIn = (): void => this.camera.zoomAt(this.centre(), ZOOM_STEP)
  readonly zoomOut = (): void => this.camera.zoomAt(this.centre(), 1 / ZOOM_STEP)
  readonly reset = (): void => this.camera.zoomAt(this.centre(), 1 / this.camera.zoom)
  /** Shows every element, or the origin at 100% on an empty board. */
  readonly fit = (): void => {
    const box = unionAll(this.board.ordered().map(elementBounds))
    const { width, height } = this.size()
    if (box) this.camera.fit(box, width, height)
    else this.camera.set(-width / 2, -height / 2, 1)
  }

  /** Runs `cmd` if it is a zoom command; false for any other. */
  run(cmd: Command): boolean {
    switch (cmd.kind) {
      case 'zoomIn':
        this.zoomIn()
        return true
      case 'zoomOut':
        this.zoomOut()
        return true
      case 'zoomReset':
        this.reset()
        return true
      case 'zoomFit':
        this.fit()
        return true
      default:
        return false
    }
  }

  /** The view's centre in screen (CSS px) coordinates. */
  centre(): { x: number; y: number } {
    const { width, height } = this.size()
    return { x: width / 2, y: height / 2 }
  }
}
