// Touch and pen gestures, without the DOM: fed each pointer's down, move and up
// (id, type, screen point, buttons, event time), it says what the event is
// for. One finger uses the current tool (which may be the hand tool's pan),
// but only once it qualifies as meant: until then its input is held back
// (pending), so a pinch's first finger never reaches the board or the peers.
// A second finger turns the two into a pan and pinch-zoom about their
// midpoint; a finger left from a pinch pinches again with the next one and
// never draws; a pen, while in use, makes touches palms (ignored). The router
// (pointer-input.ts) does what the verdicts say.

import type { Vec } from '../editor/types'
import { pinchStep, type PinchStep } from '../editor/viewport-input'

/**
 * After a pen's last event (contact, hover or lift), touches are taken for a
 * resting palm for this long (ms). A hovering pen counts: the palm usually
 * lands just before the nib does.
 */
export const PALM_REJECTION_MS = 500
/**
 * A one-finger touch is held back from the tool until it is at least this old
 * (ms) and has moved STRAY_STROKE_PX: a second finger landing before then made
 * it a pinch's first finger, and it is dropped without a trace.
 */
export const STRAY_STROKE_MS = 250
/** Screen px a touch must have got from where it began (at its farthest) to draw, however old. */
export const STRAY_STROKE_PX = 12

/** What becomes of another pointer's gesture in progress. */
export interface EndGesture {
  pointerId: number
  /**
   * discard: it was never meant (a pinch's first finger, a palm): drop what
   * is held back, take back what reached the tool; keep: finish it where it is
   */
  how: 'discard' | 'keep'
}

/**
 * What a pointer-down is for: the current tool (or the hand tool's pan); the
 * tool, but held back until the touch qualifies (pending); the start of a
 * two-finger pan and pinch; or nothing (a palm, a third finger). `end` is a
 * one-finger gesture the down ends first.
 */
export interface DownVerdict {
  route: 'tool' | 'pending' | 'pinch' | 'ignore'
  end?: EndGesture
}

/**
 * What a move is for; a pinch move carries the camera step to apply. The
 * first 'tool' after 'pending' means the touch qualified: what was held back
 * goes to the tool first.
 */
export type MoveVerdict = { route: 'tool' } | { route: 'pending' } | { route: 'ignore' } | { route: 'pinch'; step: PinchStep }

export interface GesturePointer {
  id: number
  /** PointerEvent.pointerType: 'mouse', 'pen', 'touch' */
  type: string
  /** canvas screen px */
  at: Vec
  /** PointerEvent.buttons: 0 for a hovering pen */
  buttons: number
  /** event time, ms (PointerEvent.timeStamp) */
  time: number
}

interface Finger {
  at: Vec
  start: Vec
  startTime: number
  /** The farthest it has been from `start` (screen px): a long stroke that comes back is no dot. */
  farthest: number
  /** Whether it has qualified to draw (old and far enough); held back until then. */
  qualified: boolean
  /**
   * tool: the one finger that uses the tool; pinch: one of the two pinching;
   * rest: a pinch's finger left behind (it pinches again with a new finger,
   * never draws); ignored: a palm or a third finger.
   */
  role: 'tool' | 'pinch' | 'rest' | 'ignored'
}

export class Gestures {
  /** Fingers down now. Entries leave on up or cancel; a down for a known id replaces it. */
  private readonly fingers = new Map<number, Finger>()
  private penDown = false
  private penLastSeen = -Infinity

  down(p: GesturePointer): DownVerdict {
    if (p.type === 'pen') return this.penDownAt(p.time)
    if (p.type !== 'touch') return { route: 'tool' }
    const finger: Finger = { at: p.at, start: p.at, startTime: p.time, farthest: 0, qualified: false, role: 'ignored' }
    this.fingers.set(p.id, finger)
    if (this.isPalm(p.time)) return { route: 'ignore' }
    const others = [...this.fingers].filter(([id]) => id !== p.id)
    if (others.some(([, f]) => f.role === 'pinch')) return { route: 'ignore' }
    const partner = others.find(([, f]) => f.role === 'tool' || f.role === 'rest')
    if (partner === undefined) {
      // Beside a palm still down, a new touch is taken for the same hand.
      if (others.length > 0) return { route: 'ignore' }
      finger.role = 'tool'
      return { route: 'pending' }
    }
    const [partnerId, first] = partner
    const wasTool = first.role === 'tool'
    first.role = 'pinch'
    finger.role = 'pinch'
    if (!wasTool) return { route: 'pinch' }
    return { route: 'pinch', end: { pointerId: partnerId, how: this.qualifies(first, p.time) ? 'keep' : 'discard' } }
  }

  move(p: GesturePointer): MoveVerdict {
    if (p.type === 'pen') {
      this.penLastSeen = p.time
      // A pen hovering again has lifted, even if its lift went elsewhere.
      if (p.buttons === 0) this.penDown = false
      return { route: 'tool' }
    }
    const finger = this.fingers.get(p.id)
    if (p.type !== 'touch' || finger === undefined) return p.type === 'touch' ? { route: 'ignore' } : { route: 'tool' }
    const prev = finger.at
    finger.at = p.at
    finger.farthest = Math.max(finger.farthest, Math.hypot(p.at.x - finger.start.x, p.at.y - finger.start.y))
    if (finger.role === 'tool') return this.qualifies(finger, p.time) ? { route: 'tool' } : { route: 'pending' }
    if (finger.role !== 'pinch') return { route: 'ignore' }
    const other = [...this.fingers].find(([id, f]) => id !== p.id && f.role === 'pinch')?.[1]
    if (other === undefined) return { route: 'ignore' }
    return { route: 'pinch', step: pinchStep(prev, other.at, p.at, other.at) }
  }

  /**
   * A pointer lifted or was cancelled: 'tool' when it was the tool's (held
   * back or not), so the tool's gesture ends too.
   */
  up(p: Pick<GesturePointer, 'id' | 'type' | 'time'>): 'tool' | 'ignore' {
    if (p.type === 'pen') {
      this.penDown = false
      this.penLastSeen = p.time
      return 'tool'
    }
    if (p.type !== 'touch') return 'tool'
    const finger = this.fingers.get(p.id)
    this.fingers.delete(p.id)
    if (finger?.role === 'pinch') {
      // The finger left behind pinches no more; it pinches again with the next finger, and never draws.
      for (const f of this.fingers.values()) if (f.role === 'pinch') f.role = 'rest'
    }
    return finger?.role === 'tool' ? 'tool' : 'ignore'
  }

  /**
   * Whether this pointer's moves are ours to show the others as our cursor:
   * not a palm's, a third finger's or a pinching finger's.
   */
  carriesCursor(id: number, type: string): boolean {
    return type !== 'touch' || this.fingers.get(id)?.role === 'tool'
  }

  /** Whether a touch landing at `time` is taken for a palm. */
  private isPalm(time: number): boolean {
    return this.penDown || time - this.penLastSeen < PALM_REJECTION_MS
  }

  /** The pen lands: every touch down now is a palm, and one that was using the tool loses its gesture. */
  private penDownAt(time: number): DownVerdict {
    this.penDown = true
    this.penLastSeen = time
    let end: EndGesture | undefined
    for (const [id, f] of this.fingers) {
      if (f.role === 'tool') end = { pointerId: id, how: 'discard' }
      f.role = 'ignored'
    }
    return end === undefined ? { route: 'tool' } : { route: 'tool', end }
  }

  /** Whether a one-finger touch is meant to draw: old and far enough that it is no pinch's first finger. */
  private qualifies(finger: Finger, now: number): boolean {
    finger.qualified ||= now - finger.startTime >= STRAY_STROKE_MS && finger.farthest >= STRAY_STROKE_PX
    return finger.qualified
  }
}
