// Other people's cursors on the board: takes their cursor frames from the
// Collab port, keeps an animation frame going while any cursor still glides
// toward its latest position (RemoteCursors does the easing), and wakes on a
// timer to hide idle ones, since no frame arrives to tell us. They show as
// sprites over the board (cursor-sprites.ts), placed whenever the renderer
// redraws its overlay: when a cursor moved, and when the camera did.

import type { Collab } from '../collab/port'
import type { Camera } from '../render/camera'
import type { Renderer } from '../render/renderer'
import { CursorSprites } from './cursor-sprites'
import { RemoteCursors } from './cursors'

const CURSOR_LABEL_FONT = '600 12px system-ui, -apple-system, "Segoe UI", sans-serif'
/** Past a cursor's expiry before the timer fires, ms: it is surely due then. */
const EXPIRY_SLACK_MS = 50

export class RemoteCursorLayer {
  private readonly cursors = new RemoteCursors()
  private readonly sprites: CursorSprites
  private frame = 0
  private expiryTimer: ReturnType<typeof setTimeout> | undefined
  private readonly cleanups: Array<() => void>

  constructor(
    private readonly win: Window,
    collab: Collab,
    private readonly camera: Camera,
    private readonly renderer: Renderer,
    container: HTMLElement,
  ) {
    this.sprites = new CursorSprites(container, CURSOR_LABEL_FONT)
    this.cleanups = [
      collab.on('cursor', (c) => {
        this.cursors.update(c, performance.now(), this.camera.zoom)
        this.animate()
      }),
      collab.on('cursorGone', (peerId) => {
        this.cursors.remove(peerId)
        this.renderer.requestOverlay()
      }),
    ]
  }

  /** Rings the name tags of the people speaking now (voice: the media bar's dots). */
  setSpeaking(peerIds: ReadonlySet<string>): void {
    if (this.cursors.setSpeaking(peerIds)) this.renderer.requestOverlay()
  }

  /** Puts each cursor's sprite where its peer points, in `cam`'s view. */
  place(cam: Camera): void {
    this.sprites.place(this.cursors.shown(), cam, this.win.devicePixelRatio || 1)
  }

  destroy(): void {
    for (const off of this.cleanups.splice(0)) off()
    if (this.frame !== 0) this.win.cancelAnimationFrame(this.frame)
    clearTimeout(this.expiryTimer)
    this.cursors.clear()
    this.sprites.destroy()
  }

  private animate(): void {
    if (this.frame !== 0) return
    this.frame = this.win.requestAnimationFrame((now) => {
      this.frame = 0
      const moving = this.cursors.tick(now)
      this.renderer.requestOverlay()
      if (moving) this.animate()
      this.scheduleExpiry()
    })
  }

  /** Idle cursors vanish without any new frame arriving, so a timer wakes us up for them. */
  private scheduleExpiry(): void {
    clearTimeout(this.expiryTimer)
    const next = this.cursors.nextExpiry()
    if (next !== undefined) this.expiryTimer = setTimeout(() => this.animate(), Math.max(0, next - performance.now()) + EXPIRY_SLACK_MS)
  }
}
