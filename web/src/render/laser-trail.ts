// A laser pointer's trail: the board points a pointer passed through while its
// laser was on, each fading out LASER_FADE_MS after it was made, so the trail
// is a short comet tail behind the pointer. Our own trail (the laser tool) and
// others' (from their cursor frames) are the same thing drawn the same way.
// A trail lives only here, in memory: nothing of it is ever stored in the board.

import type { Camera } from './camera'

/** A trail point is gone this long after it was made, ms. */
export const LASER_FADE_MS = 1000
/**
 * At most this many points per trail, the oldest dropped first: cursor frames
 * come at most once per animation frame, so this is 4 s at 60 Hz, longer than
 * any point lasts; it bounds memory however fast frames arrive.
 */
export const LASER_TRAIL_MAX_POINTS = 240
/** Laser red, the same for everyone: people know it as "a pointer", not a drawing. */
export const LASER_COLOUR = '#ff1f4b'
/** The trail's width at its head, screen px; it tapers as it fades. */
const LASER_WIDTH_PX = 5
/** The tail end keeps this share of the head's width. */
const TAIL_WIDTH_SHARE = 0.35

interface TrailPoint {
  x: number
  y: number
  /** performance.now() when the point was made */
  at: number
  /** Joined to the point before it: the same press of the laser. */
  joined: boolean
}

/** How opaque a trail point `ageMs` old is: 1 when new, 0 from LASER_FADE_MS on. */
export function laserAlpha(ageMs: number): number {
  if (ageMs <= 0) return 1
  return Math.max(0, 1 - ageMs / LASER_FADE_MS)
}

export class LaserTrail {
  private readonly points: TrailPoint[] = []
  private on = false

  /** The laser is on at board point (x, y) at time `now`. */
  add(x: number, y: number, now: number): void {
    if (!Number.isFinite(x) || !Number.isFinite(y)) return
    this.points.push({ x, y, at: now, joined: this.on && this.points.length > 0 })
    this.on = true
    if (this.points.length > LASER_TRAIL_MAX_POINTS) this.points.splice(0, this.points.length - LASER_TRAIL_MAX_POINTS)
  }

  /** The laser went off: the next point starts a new piece of trail, not a line across the gap. */
  lift(): void {
    this.on = false
  }

  /** Drops the points that have faded by `now`; true while any is still visible. */
  prune(now: number): boolean {
    let faded = 0
    while (faded < this.points.length && laserAlpha(now - this.points[faded]!.at) === 0) faded++
    if (faded > 0) {
      this.points.splice(0, faded)
      // The first point left has nothing before it to join.
      if (this.points[0]) this.points[0].joined = false
    }
    return this.points.length > 0
  }

  /** Points still held (visible or not yet pruned). */
  get size(): number {
    return this.points.length
  }

  /** Draws the trail as it looks at `now`; ctx is in screen CSS px. */
  draw(ctx: CanvasRenderingContext2D, camera: Camera, now: number): void {
    if (this.points.length === 0) return
    ctx.save()
    ctx.strokeStyle = LASER_COLOUR
    ctx.fillStyle = LASER_COLOUR
    // Butt ends: segments of one piece abut without overlapping, so no darker
    // beads where two half-transparent round ends would overlap.
    ctx.lineCap = 'butt'
    for (let i = 0; i < this.points.length; i++) {
      const p = this.points[i]!
      // A segment fades with its older end, so the tail goes first.
      const prev = p.joined ? this.points[i - 1] : undefined
      const alpha = laserAlpha(now - (prev ?? p).at)
      if (alpha === 0) continue
      const width = LASER_WIDTH_PX * (TAIL_WIDTH_SHARE + (1 - TAIL_WIDTH_SHARE) * alpha)
      const b = camera.toScreen(p)
      ctx.globalAlpha = alpha
      if (prev) {
        const a = camera.toScreen(prev)
        ctx.lineWidth = width
        ctx.beginPath()
        ctx.moveTo(a.x, a.y)
        ctx.lineTo(b.x, b.y)
        ctx.stroke()
      } else {
        ctx.beginPath()
        ctx.arc(b.x, b.y, width / 2, 0, Math.PI * 2)
        ctx.fill()
      }
    }
    ctx.restore()
  }
}
