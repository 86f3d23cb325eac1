// Our viewport, published in presence so others see what we look at (and, in
// time, can follow us). Camera moves and resizes come in bursts (a pinch, a
// window drag), so updates are throttled: the first goes at once, the last
// view of a burst always goes.

import type { Collab } from '../collab/port'
import type { Camera } from '../render/camera'

/** Presence viewport updates are throttled to this interval, ms. */
const VIEWPORT_THROTTLE_MS = 200

export class ViewportSync {
  private timer: ReturnType<typeof setTimeout> | undefined
  private sentAt = -Infinity

  constructor(
    private readonly collab: Collab,
    private readonly camera: Camera,
    /** The view's size in CSS px. */
    private readonly size: () => { width: number; height: number },
  ) {}

  /** The camera or the view's size changed. */
  changed(): void {
    if (this.timer !== undefined) return
    // Leading and trailing: the first change goes at once, a burst ends with the final view.
    const wait = this.sentAt + VIEWPORT_THROTTLE_MS - performance.now()
    this.timer = setTimeout(() => this.send(), Math.max(0, wait))
  }

  destroy(): void {
    clearTimeout(this.timer)
  }

  private send(): void {
    this.timer = undefined
    this.sentAt = performance.now()
    const { width, height } = this.size()
    if (width <= 0 || height <= 0) return
    const b = this.camera.visibleBox(width, height)
    this.collab.setPresence({ viewport: { x: b.minX, y: b.minY, w: b.maxX - b.minX, h: b.maxY - b.minY } })
  }
}
