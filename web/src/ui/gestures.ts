// Touch and pen gestures, without the DOM: fed each pointer's down, move and up
// (id, type, screen point, event time), it says what the event is for. One
// finger uses the current tool (which may be the hand tool's pan); a second
// finger turns the two into a pan and pinch-zoom about their midpoint, until
// every finger has lifted; a pen, while in use, makes touches palms (ignored).
// The router (pointer-input.ts) does what the verdicts say.

import type { Vec } from '../editor/types'
import { pinchStep, type PinchStep } from '../editor/viewport-input'

/**
 * After a pen's last event (contact, hover or lift), touches are taken for a
 * resting palm for this long (ms). A hovering pen counts: the palm usually
 * lands just before the nib does.
 */
export const PALM_REJECTION_MS = 500
/**
 * A one-finger stroke younger than this (ms) when a second finger lands was
 * the first finger of a pinch, not a stroke: it is discarded, so no stray dot
 * stays behind.
 */
export const STRAY_STROKE_MS = 250
/** Nor one that moved less than this (screen px) from where it began, however old. */
export const STRAY_STROKE_PX = 12

/** What becomes of another pointer's gesture in progress. */
export interface EndGesture {
  pointerId: number
  /** discard: undo it (a stray dot, a palm); keep: finish it where it is */
  how: 'discard' | 'keep'
}

/**
 * What a pointer-down is for: the current tool (or the hand tool's pan); the
 * start of a two-finger pan and pinch; or nothing (a palm, a third finger).
 * `end` is a one-finger gesture the down ends first.
 */
export interface DownVerdict {
  route: 'tool' | 'pinch' | 'ignore'
  end?: EndGesture
}

/** What a move is for; a pinch move carries the camera step to apply. */
export type MoveVerdict = { route: 'tool' } | { route: 'ignore' } | { route: 'pinch'; step: PinchStep }

export interface GesturePointer {
  id: number
  /** PointerEvent.pointerType: 'mouse', 'pen', 'touch' */
  type: string
  /** canvas screen px */
  at: Vec
  /** event time, ms (PointerEvent.timeStamp) */
  time: number
}

interface Touch {
  at: Vec
  start: Vec
  startTime: number
  /**
   * tool: the one finger that uses the tool; pinch: one of the two pinching;
   * rest: a pinch's finger left behind (it pinches again with a new finger,
   * never draws); ignored: a palm or a third finger.
   */
  role: 'tool' | 'pinch' | 'rest' | 'ignored'
}

export class Gestures {
  /** Touches down now. Entries leave on up or cancel; a down for a known id replaces it. */
  private readonly touches = new Map<number, Touch>()
  private penDown = false
  private penLastSeen = -Infinity

  down(p: GesturePointer): DownVerdict {
    if (p.type === 'pen') return this.penDownAt(p.time)
    if (p.type !== 'touch') return { route: 'tool' }
    const touch: Touch = { at: p.at, start: p.at, startTime: p.time, role: 'ignored' }
    this.touches.set(p.id, touch)
    if (this.palmTime(p.time)) return { route: 'ignore' }
    const others = [...this.touches].filter(([id]) => id !== p.id)
    if (others.some(([, t]) => t.role === 'pinch')) return { route: 'ignore' }
    const partner = others.find(([, t]) => t.role === 'tool' || t.role === 'rest')
    if (partner === undefined) {
      // Beside a palm still down, a new touch is taken for the same hand.
      if (others.length > 0) return { route: 'ignore' }
      touch.role = 'tool'
      return { route: 'tool' }
    }
    const [partnerId, first] = partner
    const wasTool = first.role === 'tool'
    first.role = 'pinch'
    touch.role = 'pinch'
    if (!wasTool) return { route: 'pinch' }
    return { route: 'pinch', end: { pointerId: partnerId, how: this.stray(first, p.time) ? 'discard' : 'keep' } }
  }

  move(p: GesturePointer): MoveVerdict {
    if (p.type === 'pen') {
      this.penLastSeen = p.time
      return { route: 'tool' }
    }
    const touch = this.touches.get(p.id)
    if (p.type !== 'touch' || touch === undefined) return p.type === 'touch' ? { route: 'ignore' } : { route: 'tool' }
    const prev = touch.at
    touch.at = p.at
    if (touch.role === 'tool') return { route: 'tool' }
    if (touch.role !== 'pinch') return { route: 'ignore' }
    const other = [...this.touches].find(([id, t]) => id !== p.id && t.role === 'pinch')?.[1]
    if (other === undefined) return { route: 'ignore' }
    return { route: 'pinch', step: pinchStep(prev, other.at, p.at, other.at) }
  }

  /** A pointer lifted or was cancelled: 'tool' when it was the tool's, so the tool's gesture ends too. */
  up(p: Pick<GesturePointer, 'id' | 'type' | 'time'>): 'tool' | 'ignore' {
    if (p.type === 'pen') {
      this.penDown = false
      this.penLastSeen = p.time
      return 'tool'
    }
    if (p.type !== 'touch') return 'tool'
    const touch = this.touches.get(p.id)
    this.touches.delete(p.id)
    if (touch?.role === 'pinch') {
      // The finger left behind pinches no more, and draws nothing until it lifts.
      for (const t of this.touches.values()) if (t.role === 'pinch') t.role = 'rest'
    }
    return touch?.role === 'tool' ? 'tool' : 'ignore'
  }

  /** Whether a touch landing at `time` is taken for a palm. */
  palmTime(time: number): boolean {
    return this.penDown || time - this.penLastSeen < PALM_REJECTION_MS
  }

  /** The pen lands: every touch down now is a palm, and one that was using the tool loses its gesture. */
  private penDownAt(time: number): DownVerdict {
    this.penDown = true
    this.penLastSeen = time
    let end: EndGesture | undefined
    for (const [id, t] of this.touches) {
      if (t.role === 'tool') end = { pointerId: id, how: 'discard' }
      t.role = 'ignored'
    }
    return end === undefined ? { route: 'tool' } : { route: 'tool', end }
  }

  private stray(first: Touch, now: number): boolean {
    return now - first.startTime < STRAY_STROKE_MS || Math.hypot(first.at.x - first.start.x, first.at.y - first.start.y) < STRAY_STROKE_PX
  }
}
