// Other people's laser trails: a cursor frame with the laser's tool code and
// the primary button pressed is "the laser is on here" (PROTOCOL.md, the
// cursor channel), so each such frame adds a point to that peer's trail, and
// any other frame lifts it. Trails fade by themselves: an animation frame runs
// while any is visible. Nothing reaches the board.

import { TOOL_CODES, type Collab, type RemoteCursor } from '../collab/port'
import type { Camera } from '../render/camera'
import { LaserTrail } from '../render/laser-trail'
import type { Renderer } from '../render/renderer'

/** PointerEvent.buttons' primary button. */
const PRIMARY_BUTTON = 1

/** Whether a cursor frame says its sender's laser is on. */
export function laserOn(cursor: Pick<RemoteCursor, 'tool' | 'buttons'>): boolean {
  return cursor.tool === TOOL_CODES.laser && (cursor.buttons & PRIMARY_BUTTON) !== 0
}

export class RemoteLasers {
  /** Per peer; an entry goes once its trail has faded (peers are bounded by the room, entries by what is visible). */
  private readonly trails = new Map<string, LaserTrail>()
  private frame = 0
  private readonly cleanups: Array<() => void>

  constructor(
    private readonly win: Window,
    collab: Collab,
    private readonly renderer: Renderer,
  ) {
    this.cleanups = [
      collab.on('cursor', (c) => this.cursor(c, performance.now())),
      collab.on('cursorGone', (peerId) => {
        if (this.trails.delete(peerId)) this.renderer.requestOverlay()
      }),
    ]
  }

  /** Draws every trail; ctx is in screen CSS px. */
  draw(ctx: CanvasRenderingContext2D, cam: Camera): void {
    const now = performance.now()
    for (const trail of this.trails.values()) trail.draw(ctx, cam, now)
  }

  destroy(): void {
    for (const off of this.cleanups.splice(0)) off()
    if (this.frame !== 0) this.win.cancelAnimationFrame(this.frame)
    this.trails.clear()
  }

  private cursor(c: RemoteCursor, now: number): void {
    let trail = this.trails.get(c.peerId)
    if (!laserOn(c)) {
      trail?.lift()
      return
    }
    if (trail === undefined) {
      trail = new LaserTrail()
      this.trails.set(c.peerId, trail)
    }
    trail.add(c.x, c.y, now)
    this.animate()
  }

  private animate(): void {
    if (this.frame !== 0) return
    this.frame = this.win.requestAnimationFrame(() => {
      this.frame = 0
      const now = performance.now()
      for (const [peerId, trail] of this.trails) if (!trail.prune(now)) this.trails.delete(peerId)
      this.renderer.requestOverlay()
      if (this.trails.size > 0) this.animate()
    })
  }
}
