// Camera navigation: wheel/trackpad, two-finger pinch, and drag-to-pan (space
// held, middle button, or the hand tool). The pure parts (wheel and pinch
// math) are exported for tests; ViewportInput keeps a drag-pan's state, and
// which touches pinch is ui/gestures.ts's call.

import type { Camera } from '../render/camera'
import type { Vec } from './types'

export interface WheelLike {
  deltaX: number
  deltaY: number
  /** 0 pixels, 1 lines, 2 pages */
  deltaMode: number
  ctrlKey: boolean
  metaKey: boolean
  shiftKey: boolean
}

export type WheelAction = { kind: 'zoom'; factor: number } | { kind: 'pan'; dx: number; dy: number }

const LINE_PX = 16
const PAGE_PX = 800
/** Zoom speed per wheel pixel; trackpad pinches send a few px per event, mice ~100. */
const ZOOM_PER_PX = 0.01
/** Caps one event's zoom so a coarse mouse wheel click zooms by ~1.5x, not 2.7x. */
const MAX_ZOOM_PX = 40

/**
 * What a wheel event does. Browsers deliver trackpad pinches as wheel events
 * with ctrlKey set, so ctrl/meta zooms about the pointer; everything else pans
 * like a trackpad scroll (shift turns a vertical mouse wheel horizontal).
 */
export function wheelAction(e: WheelLike): WheelAction {
  const unit = e.deltaMode === 1 ? LINE_PX : e.deltaMode === 2 ? PAGE_PX : 1
  let dx = e.deltaX * unit
  let dy = e.deltaY * unit
  if (e.ctrlKey || e.metaKey) {
    const d = Math.max(-MAX_ZOOM_PX, Math.min(MAX_ZOOM_PX, dy))
    return { kind: 'zoom', factor: Math.exp(-d * ZOOM_PER_PX) }
  }
  if (e.shiftKey && dx === 0) {
    dx = dy
    dy = 0
  }
  return { kind: 'pan', dx: -dx, dy: -dy }
}

export interface PinchStep {
  /** screen point to zoom about: the new midpoint */
  center: Vec
  factor: number
  /** how far the midpoint moved, screen px */
  dx: number
  dy: number
}

/** One step of a two-finger gesture: the fingers' spread zooms, their midpoint pans. */
export function pinchStep(a0: Vec, b0: Vec, a1: Vec, b1: Vec): PinchStep {
  const d0 = Math.hypot(b0.x - a0.x, b0.y - a0.y)
  const d1 = Math.hypot(b1.x - a1.x, b1.y - a1.y)
  const m0 = { x: (a0.x + b0.x) / 2, y: (a0.y + b0.y) / 2 }
  const m1 = { x: (a1.x + b1.x) / 2, y: (a1.y + b1.y) / 2 }
  return { center: m1, factor: d0 > 1 && d1 > 1 ? d1 / d0 : 1, dx: m1.x - m0.x, dy: m1.y - m0.y }
}

/** Applies wheel/zoom-button steps to a camera. */
export function applyWheel(camera: Camera, e: WheelLike, at: Vec): void {
  const action = wheelAction(e)
  if (action.kind === 'zoom') camera.zoomAt(at, action.factor)
  else camera.panBy(action.dx, action.dy)
}

/**
 * One drag-pan gesture (the hand tool, space held, a middle drag). The view
 * asks it first on every pointer event the gestures (ui/gestures.ts) leave to
 * the tool; when it claims one, the editor's tool never sees it.
 */
export class ViewportInput {
  private panPointer: number | undefined
  private panLast: Vec | undefined
  /** True while space is held: the next primary drag pans. */
  spaceHeld = false

  constructor(private readonly camera: Camera) {}

  get panning(): boolean {
    return this.panPointer !== undefined
  }

  /**
   * Returns true when the pointer-down is claimed for a drag-pan: a
   * middle-button drag, a drag with space held, or any drag with the hand
   * tool (`panTool`).
   */
  pointerDown(id: number, button: number, at: Vec, panTool: boolean): boolean {
    if (button === 1 || (button === 0 && (this.spaceHeld || panTool))) {
      this.panPointer = id
      this.panLast = at
      return true
    }
    return false
  }

  /** Whether pointer `id` drives the drag-pan now. */
  pans(id: number): boolean {
    return id === this.panPointer
  }

  /** Returns true when the move belongs to the drag-pan (and was applied). */
  pointerMove(id: number, at: Vec): boolean {
    if (id === this.panPointer && this.panLast) {
      this.camera.panBy(at.x - this.panLast.x, at.y - this.panLast.y)
      this.panLast = at
      return true
    }
    return false
  }

  /** Returns true when the pointer ended the drag-pan. */
  pointerUp(id: number): boolean {
    if (id !== this.panPointer) return false
    this.panPointer = undefined
    this.panLast = undefined
    return true
  }
}
