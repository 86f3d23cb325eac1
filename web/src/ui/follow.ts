// Following someone's view: our camera glides to show all of the viewport
// their presence carries (PROTOCOL.md, Presence: `viewport`), and keeps doing
// so as it changes, until we move the view ourselves. Any camera change this
// class did not make is our own pan or zoom (wheel, hand tool, keys, buttons,
// touch), so that is what stops following: no input handler needs to know.
//
// A presenter asks everyone to follow with `followMe` in their presence: a
// client that starts asking is followed (the latest to ask wins), and one who
// stopped following a presenter is not pulled back while that presenter keeps
// asking. When the presenter stops asking, those it pulled in stop following.

import type { Collab, PresenceState } from '../collab/port'
import type { Camera } from '../render/camera'
import { easeView, fitView, sameView, type CameraView, type ViewSize } from './follow-view'

/** Whom we follow, as the people list and the bar show them. */
export interface Followed {
  clientId: number
  name: string
  colour: string
  /** They asked (follow me), rather than we picked them. */
  asked: boolean
}

export class Follow {
  private followed: Followed | undefined
  /** Where the camera glides to; undefined until the followed client's viewport is known. */
  private goal: CameraView | undefined
  /** The camera changes now are ours, not the user's. */
  private applying = false
  private frame = 0
  private lastFrameAt: number | undefined
  /** Clients whose state asked to be followed at the last presence change. */
  private asking = new Set<number>()
  private readonly listeners = new Set<(followed: Followed | undefined) => void>()
  private readonly cleanups: Array<() => void>

  constructor(
    private readonly win: Window,
    private readonly collab: Collab,
    private readonly camera: Camera,
    /** The view's size in CSS px. */
    private readonly size: () => ViewSize,
    /** Our Yjs client id: we never follow ourselves. */
    private readonly ownClientId: number,
  ) {
    this.cleanups = [
      collab.on('presence', (states) => this.presence(states)),
      camera.onChange(() => {
        if (!this.applying && this.followed) this.stop()
      }),
    ]
    this.presence(collab.presence())
  }

  get current(): Followed | undefined {
    return this.followed
  }

  /** Follows `clientId` (a click on their chip); `asked` when they asked everyone to. */
  follow(clientId: number, asked = false): void {
    if (clientId === this.ownClientId) return
    const state = this.collab.presence().get(clientId)
    if (!state) return
    this.followed = { clientId, name: state.name, colour: state.colour, asked }
    this.lastFrameAt = undefined
    this.aim(state)
    this.emit()
  }

  /** Follows `clientId`, or stops if we follow them already (the chip toggles). */
  toggle(clientId: number): void {
    if (this.followed?.clientId === clientId) this.stop()
    else this.follow(clientId)
  }

  /** Stops following; false if we were not following anyone. */
  stop(): boolean {
    if (!this.followed) return false
    this.followed = undefined
    this.goal = undefined
    if (this.frame !== 0) this.win.cancelAnimationFrame(this.frame)
    this.frame = 0
    this.emit()
    return true
  }

  /** Our view's size changed: what fits their viewport changed with it. */
  resized(): void {
    const state = this.followed && this.collab.presence().get(this.followed.clientId)
    if (state) this.aim(state)
  }

  onChange(listener: (followed: Followed | undefined) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  destroy(): void {
    for (const off of this.cleanups.splice(0)) off()
    if (this.frame !== 0) this.win.cancelAnimationFrame(this.frame)
    this.frame = 0
    this.listeners.clear()
  }

  private presence(states: Map<number, PresenceState>): void {
    const asking = new Set<number>()
    for (const [clientId, state] of states) if (state.followMe === true && clientId !== this.ownClientId) asking.add(clientId)
    const previously = this.asking
    this.asking = asking
    const followed = this.followed
    if (followed) {
      const state = states.get(followed.clientId)
      if (!state || (followed.asked && !asking.has(followed.clientId))) {
        // They left, or the presenter we followed at their request stopped presenting.
        this.stop()
      } else {
        if (state.name !== followed.name || state.colour !== followed.colour) {
          this.followed = { ...followed, name: state.name, colour: state.colour }
          this.emit()
        }
        this.aim(state)
      }
    }
    for (const clientId of asking) if (!previously.has(clientId) && this.followed?.clientId !== clientId) this.follow(clientId, true)
  }

  /** Sets the goal from their state's viewport and glides there (or jumps, for those who prefer less motion). */
  private aim(state: PresenceState): void {
    const size = this.size()
    if (!state.viewport || size.width <= 0 || size.height <= 0) return
    this.goal = fitView(state.viewport, size)
    if (this.win.matchMedia?.('(prefers-reduced-motion: reduce)').matches) this.apply(this.goal)
    else this.animate()
  }

  private animate(): void {
    if (this.frame !== 0) return
    this.frame = this.win.requestAnimationFrame((now) => {
      this.frame = 0
      const goal = this.goal
      if (!goal || !this.followed) return
      const dt = this.lastFrameAt === undefined ? 16 : now - this.lastFrameAt
      const from = { x: this.camera.x, y: this.camera.y, zoom: this.camera.zoom }
      const next = easeView(from, goal, this.size(), dt)
      this.apply(next)
      if (sameView(next, goal)) this.lastFrameAt = undefined
      else {
        this.lastFrameAt = now
        this.animate()
      }
    })
  }

  private apply(view: CameraView): void {
    this.applying = true
    try {
      this.camera.set(view.x, view.y, view.zoom)
    } finally {
      this.applying = false
    }
  }

  private emit(): void {
    for (const listener of this.listeners) listener(this.followed)
  }
}
