// The maths of following someone's view: which camera shows all of their
// viewport in ours (their aspect ratio is not ours, so one side has margin),
// and how our camera glides there. Easing works on the view's centre and on
// the logarithm of the zoom, so a zoom in or out looks even and the centre
// goes straight to its goal.

import { MAX_ZOOM, MIN_ZOOM } from '../render/camera'

/** A camera: the board point at the view's top left, and the zoom. */
export interface CameraView {
  x: number
  y: number
  zoom: number
}

/** What someone sees, in board px (PROTOCOL.md, Presence: `viewport`). */
export interface BoardRect {
  x: number
  y: number
  w: number
  h: number
}

export interface ViewSize {
  width: number
  height: number
}

/** A viewport narrower or lower than this (board px) is taken as this, so a degenerate one cannot ask for an infinite zoom. */
const MIN_EXTENT = 1
/** Time constant of the glide toward the followed view: ~95% there after 3τ = 240 ms. */
export const FOLLOW_EASE_TAU_MS = 80
/** The glide snaps once the centre is this close (our screen px)... */
const SNAP_SCREEN_PX = 0.5
/** ...and the zoom within this ratio (as a logarithm). */
const SNAP_LOG_ZOOM = 0.001
/** A frame longer than this counts as this, so a background tab does not jump oddly on return. */
const MAX_FRAME_MS = 100

/** The camera that shows all of `target`, centred, as large as it fits in a view of `size`. */
export function fitView(target: BoardRect, size: ViewSize): CameraView {
  const w = Math.max(target.w, MIN_EXTENT)
  const h = Math.max(target.h, MIN_EXTENT)
  const zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, Math.min(size.width / w, size.height / h)))
  const cx = target.x + target.w / 2
  const cy = target.y + target.h / 2
  return { x: cx - size.width / 2 / zoom, y: cy - size.height / 2 / zoom, zoom }
}

/** One glide step of `dtMs` from `from` toward `to`; returns `to` itself once close enough. */
export function easeView(from: CameraView, to: CameraView, size: ViewSize, dtMs: number): CameraView {
  const keep = Math.exp(-Math.min(Math.max(0, dtMs), MAX_FRAME_MS) / FOLLOW_EASE_TAU_MS)
  const fromCentre = centre(from, size)
  const toCentre = centre(to, size)
  const logZoom = Math.log(to.zoom) + (Math.log(from.zoom) - Math.log(to.zoom)) * keep
  const zoom = Math.exp(logZoom)
  const cx = toCentre.x + (fromCentre.x - toCentre.x) * keep
  const cy = toCentre.y + (fromCentre.y - toCentre.y) * keep
  const off = Math.hypot(cx - toCentre.x, cy - toCentre.y) * zoom
  if (off < SNAP_SCREEN_PX && Math.abs(logZoom - Math.log(to.zoom)) < SNAP_LOG_ZOOM) return to
  return { x: cx - size.width / 2 / zoom, y: cy - size.height / 2 / zoom, zoom }
}

/** Whether two camera views are the same. */
export function sameView(a: CameraView, b: CameraView): boolean {
  return a.x === b.x && a.y === b.y && a.zoom === b.zoom
}

function centre(view: CameraView, size: ViewSize): { x: number; y: number } {
  return { x: view.x + size.width / 2 / view.zoom, y: view.y + size.height / 2 / view.zoom }
}
