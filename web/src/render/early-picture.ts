// A board picture painted by the page's early script (boot.ts) before the
// app's bundle has run. A returning visitor's kept picture is decoded ~150 ms
// after navigation, while the bundle still downloads and compiles; the view
// (and its renderer) exist only ~60-200 ms later. Painted here at once, on a
// canvas of its own over the page, the board shows that much sooner; the app
// removes the canvas at its renderer's first frame with content
// (dropEarlyPicture). Both paint through paintDeviceRect with the view the
// renderer starts at (origin, 100%); the early picture draws every stroke
// as a polyline, as the renderer does with strokes it has not outlined yet.

import { isDrawn } from './shapes'
import { paintDeviceRect } from './paint'
import type { ElementView } from '../doc/types'

/** The canvas's id: the app finds it by this to remove it. */
export const EARLY_PICTURE_ID = 'inkmesh-early-picture'
/**
 * The board's colour under the picture: the light theme's --bg
 * (ui/styles.ts), which the app page always uses; the renderer's canvas is
 * transparent over it.
 */
const BOARD_BACKGROUND = '#ffffff'

/**
 * Paints `views` full-page as the app's view will first show them; false if
 * it could not (no body yet, no 2D context, nothing drawn in `views`).
 */
export function paintEarlyPicture(doc: Document, views: readonly ElementView[]): boolean {
  const win = doc.defaultView
  if (doc.body === null || win === null || !views.some(isDrawn)) return false
  const canvas = doc.createElement('canvas')
  // The view's canvas fills the page (#board is fixed to the viewport): the same size and pixel ratio.
  const dpr = win.devicePixelRatio || 1
  canvas.width = Math.max(1, Math.round(doc.documentElement.clientWidth * dpr))
  canvas.height = Math.max(1, Math.round(doc.documentElement.clientHeight * dpr))
  const ctx = canvas.getContext('2d')
  if (ctx === null) return false
  canvas.id = EARLY_PICTURE_ID
  // Above the app's view until its renderer has drawn (later in the body, same stacking), never in a pointer's way.
  canvas.style.cssText = `position:fixed;inset:0;width:100%;height:100%;pointer-events:none;background:${BOARD_BACKGROUND}`
  canvas.setAttribute('aria-hidden', 'true')
  const drawn = views.filter(isDrawn)
  // Every stroke as its polyline, as the renderer draws those it has no time
  // to outline yet: outlining the ~1,000 strokes in view took ~150 ms here,
  // the polylines ~10 ms. The renderer's frames then outline them.
  paintDeviceRect(ctx, dpr, 0, 0, { x0: 0, y0: 0, x1: canvas.width, y1: canvas.height }, (box) => ({ views: drawn, within: box }), () => false)
  doc.body.append(canvas)
  return true
}

/** Removes the early picture, if any: the app's view now shows the board. */
export function dropEarlyPicture(doc: Document): void {
  doc.getElementById(EARLY_PICTURE_ID)?.remove()
}
