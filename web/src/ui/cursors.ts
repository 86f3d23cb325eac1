// Remote cursors: each peer's pointer eases toward its latest reported
// position every animation frame (cursor frames arrive at the sender's frame
// rate at best, with loss), snaps when it jumped far, and disappears when the
// peer left or stayed idle for a while.

import { safeColor } from '../render/color'
import type { RemoteCursor } from '../collab/port'

/** Time constant of the easing: ~95% of the way after 3τ = 60 ms. */
export const EASE_TAU_MS = 20
/** A jump longer than this (screen px) snaps instead of gliding across the board. */
export const SNAP_SCREEN_PX = 600
/** A cursor that has not moved for this long is hidden. */
export const IDLE_MS = 10_000
const FALLBACK_COLOUR = '#868e96'
const MAX_NAME = 32
/** The ring around a speaking peer's name tag (the media bar's speaking green). */
export const SPEAKING_RING = '#2f9e44'

/** One easing step: moves `from` toward `to` for `dtMs`, snapping the last sub-pixel. */
export function easeToward(from: number, to: number, dtMs: number, tauMs = EASE_TAU_MS): number {
  const next = to + (from - to) * Math.exp(-Math.max(0, dtMs) / tauMs)
  return Math.abs(next - to) < 0.01 ? to : next
}

/** A cursor as held: as shown, plus the point it glides toward and when it was heard. */
interface Shown extends Omit<ShownCursor, 'speaking'> {
  tx: number
  ty: number
  /** local receive time of the latest frame */
  heardAt: number
}

export class RemoteCursors {
  private readonly cursors = new Map<string, Shown>()
  /** Peers whose voice is above the speaking threshold now (net/speaking.ts). */
  private speaking: ReadonlySet<string> = new Set()
  private lastTick: number | undefined

  /** A new frame for a peer; `now` is performance.now(). */
  update(c: RemoteCursor, now: number, zoom: number): void {
    const shown = this.cursors.get(c.peerId)
    const name = c.name.slice(0, MAX_NAME)
    const colour = safeColor(c.colour, FALLBACK_COLOUR)
    if (!shown) {
      this.cursors.set(c.peerId, { peerId: c.peerId, name, colour, buttons: c.buttons, x: c.x, y: c.y, tx: c.x, ty: c.y, heardAt: now })
      return
    }
    Object.assign(shown, { name, colour, buttons: c.buttons, tx: c.x, ty: c.y, heardAt: now })
    if (Math.hypot(c.x - shown.x, c.y - shown.y) * zoom > SNAP_SCREEN_PX) {
      shown.x = c.x
      shown.y = c.y
    }
  }

  /** Who speaks now; true when that changed what is drawn. */
  setSpeaking(peerIds: ReadonlySet<string>): boolean {
    const changed = peerIds.size !== this.speaking.size || [...peerIds].some((id) => !this.speaking.has(id))
    this.speaking = peerIds
    return changed
  }

  remove(peerId: string): void {
    this.cursors.delete(peerId)
  }

  clear(): void {
    this.cursors.clear()
  }

  /**
   * Advances the easing to `now` and drops idle cursors. Returns true while
   * some cursor is still gliding (the caller keeps requesting frames).
   */
  tick(now: number): boolean {
    const dt = this.lastTick === undefined ? 16 : Math.min(now - this.lastTick, 100)
    this.lastTick = now
    let moving = false
    for (const [id, c] of this.cursors) {
      if (now - c.heardAt > IDLE_MS) {
        this.cursors.delete(id)
        continue
      }
      c.x = easeToward(c.x, c.tx, dt)
      c.y = easeToward(c.y, c.ty, dt)
      if (c.x !== c.tx || c.y !== c.ty) moving = true
    }
    if (!moving) this.lastTick = undefined
    return moving
  }

  /** When the next idle cursor expires (performance.now() time), if any. */
  nextExpiry(): number | undefined {
    let next: number | undefined
    for (const c of this.cursors.values()) next = Math.min(next ?? Infinity, c.heardAt + IDLE_MS)
    return next
  }

  get size(): number {
    return this.cursors.size
  }

  /** Current (interpolated) positions, for tests and the test hook. */
  positions(): Array<{ peerId: string; x: number; y: number }> {
    return [...this.cursors.values()].map((c) => ({ peerId: c.peerId, x: c.x, y: c.y }))
  }

  /** The cursors as they show now (eased positions), with whether each peer speaks. */
  shown(): ShownCursor[] {
    return [...this.cursors.values()].map(({ tx: _tx, ty: _ty, heardAt: _heardAt, ...c }) => ({ ...c, speaking: this.speaking.has(c.peerId) }))
  }
}

/** A cursor as drawn: who, how it looks, and where (board coordinates). */
export interface ShownCursor {
  peerId: string
  name: string
  colour: string
  buttons: number
  x: number
  y: number
  speaking: boolean
}

/** The name tag's top left, from the tip, CSS px. */
const TAG_X = 12
const TAG_Y = 20

/** Where `drawCursor` may put ink, in CSS px around the tip, for a name tag `tagWidth` wide (0: no name). */
export function cursorBounds(tagWidth: number): { x0: number; y0: number; x1: number; y1: number } {
  // The pressed ring reaches 7 px around the tip; the speaking ring 3 px around the tag.
  return { x0: -8, y0: -8, x1: Math.max(16, tagWidth > 0 ? TAG_X + tagWidth + 4 : 0), y1: TAG_Y + 24 }
}

/** The name tag's width for `name` in `ctx`'s font (0 for no name). */
export function tagWidth(ctx: CanvasRenderingContext2D, name: string): number {
  return name ? ctx.measureText(name).width + 12 : 0
}

/**
 * Draws a cursor with its tip at the origin: an arrow plus a name tag, the
 * tag ringed while the peer speaks; ctx is in CSS px with `labelFont` set.
 */
export function drawCursor(ctx: CanvasRenderingContext2D, c: Pick<ShownCursor, 'name' | 'colour' | 'buttons' | 'speaking'>): void {
  ctx.beginPath()
  ctx.moveTo(0, 0)
  ctx.lineTo(0, 17)
  ctx.lineTo(4.5, 12.5)
  ctx.lineTo(7.5, 19.5)
  ctx.lineTo(10.5, 18.2)
  ctx.lineTo(7.6, 11.4)
  ctx.lineTo(13.5, 11.4)
  ctx.closePath()
  ctx.fillStyle = c.colour
  ctx.strokeStyle = '#ffffff'
  ctx.lineWidth = 1.5
  ctx.lineJoin = 'round'
  ctx.fill()
  ctx.stroke()
  if (c.buttons & 1) {
    // Pressed: a ring at the tip shows the peer is drawing or dragging.
    ctx.beginPath()
    ctx.arc(0, 0, 6, 0, Math.PI * 2)
    ctx.strokeStyle = c.colour
    ctx.lineWidth = 2
    ctx.stroke()
  }
  if (c.name) {
    const w = tagWidth(ctx, c.name)
    ctx.fillStyle = c.colour
    ctx.beginPath()
    ctx.roundRect(TAG_X, TAG_Y, w, 20, 6)
    ctx.fill()
    if (c.speaking) {
      ctx.beginPath()
      ctx.roundRect(TAG_X - 2, TAG_Y - 2, w + 4, 24, 8)
      ctx.strokeStyle = SPEAKING_RING
      ctx.lineWidth = 2
      ctx.stroke()
    }
    ctx.fillStyle = readableOn(c.colour)
    ctx.textBaseline = 'middle'
    ctx.fillText(c.name, TAG_X + 6, TAG_Y + 10.5)
  }
}

/** Black or white, whichever reads better on the `#rrggbb` background. */
export function readableOn(hex: string): string {
  const n = Number.parseInt(hex.slice(1), 16)
  const r = (n >> 16) & 255
  const g = (n >> 8) & 255
  const b = n & 255
  // Relative luminance (sRGB approximation); above ~0.6 text goes dark.
  return (0.299 * r + 0.587 * g + 0.114 * b) / 255 > 0.6 ? '#1e1e1e' : '#ffffff'
}
