// Laser pointer: shows where we point without changing the board. Our own
// trail is drawn here, fading like everyone's (render/laser-trail.ts); the
// others see it from our cursor frames, which carry this tool's code with the
// button pressed (PROTOCOL.md, the cursor channel), not from anything here.

import type { Camera } from '../../render/camera'
import { LaserTrail } from '../../render/laser-trail'
import type { Editor } from '../editor'
import type { PointerInput, Tool } from '../types'

export class LaserTool implements Tool {
  readonly id = 'laser'
  private readonly trail = new LaserTrail()
  private frame: number | undefined

  constructor(private readonly editor: Editor) {}

  // Points are timed on the clock the fade is drawn with (performance.now()),
  // so the trail fades the same however the event was timed.
  onPointerDown(e: PointerInput): void {
    this.trail.lift()
    this.trail.add(e.board.x, e.board.y, performance.now())
    this.animate()
  }

  onPointerMove(e: PointerInput): void {
    const now = performance.now()
    for (const s of e.samples) this.trail.add(s.board.x, s.board.y, now)
    this.animate()
  }

  onPointerUp(): void {
    this.trail.lift()
  }

  cancel(): void {
    this.trail.lift()
  }

  cursor(): string {
    return 'crosshair'
  }

  drawOverlay(ctx: CanvasRenderingContext2D, camera: Camera): void {
    this.trail.draw(ctx, camera, performance.now())
  }

  /** Redraws every frame while some of the trail is still fading. */
  private animate(): void {
    if (this.frame !== undefined) return
    this.frame = this.editor.frames.request(() => {
      this.frame = undefined
      const visible = this.trail.prune(performance.now())
      this.editor.hits.requestOverlay()
      if (visible) this.animate()
    })
  }
}
