// A board picture painted by the page's early script (boot.ts) before the
// app's bundle has run. A returning visitor's kept picture is in ~50 ms after
// the early script starts, while the bundle still downloads and compiles;
// the view (and its renderer) exist only ~100-250 ms later. Painted here at
// once, on a canvas of its own over the page, the board shows that much
// sooner; the app removes the canvas at its renderer's first frame with
// content (dropEarlyPicture). What is painted is the picture's first view
// (firstViewOf, kept beside it): the elements the view the renderer starts
// at (origin, 100%) can show, a tenth of a 10,000-stroke board's, so neither
// reading nor decoding waits for the whole picture. Both paint through
// paintDeviceRect with that view; the early picture draws every finished,
// unrotated stroke as a polyline, as the renderer does with strokes it has
// not outlined yet (unfinished and rotated ones are outlined as the renderer
// always outlines them).

import { isDrawn, visualBounds } from './shapes'
import { paintDeviceRect } from './paint'
import { AA_PX } from './tiles'
import { intersects } from '../doc/geometry'
import { encodeRenderStream } from '../doc/render-stream'
import type { ElementView } from '../doc/types'
import { markJoin } from '../util/join-marks'

/**
 * What of a kept picture a page's first view shows (kept beside the picture,
 * local-picture.ts): the early picture paints it before the app's bundle has
 * run, and decoding a few hundred of a board's elements takes a fraction of
 * decoding them all.
 */
export interface FirstView {
  /** The board box it covers from the origin, board px: a view at 100% no larger shows nothing else. */
  width: number
  height: number
  /** Elements on the whole board (the stream holds only those reaching into the box). */
  elements: number
  /** A render stream of the elements reaching into the box, in the board's order. */
  stream: Uint8Array
}

/** The canvas's id: the app finds it by this to remove it. */
export const EARLY_PICTURE_ID = 'inkmesh-early-picture'
/**
 * How long an early picture stays if the app never takes it over (an older
 * app.js from a cache, which knows nothing of it): the app's view exists
 * ~100-250 ms after the picture, a few seconds on a slow network.
 */
export const EARLY_PICTURE_TAKEOVER_MS = 10_000
/**
 * The board's colour under the picture: the light theme's --bg
 * (ui/styles.ts), which the app page always uses; the renderer's canvas is
 * transparent over it.
 */
const BOARD_BACKGROUND = '#ffffff'

/** The smallest pixel ratio a first view is kept for: a browser zoomed out to 25%. */
const MIN_DPR = 0.25
/**
 * Board px added around a first view's box: a paint's box reaches
 * antialiasing's AA_PX device px past the view, which is AA_PX / MIN_DPR
 * board px at the smallest pixel ratio.
 */
const FIRST_VIEW_MARGIN = AA_PX / MIN_DPR

/**
 * The first view of a board whose elements are `views` (in order), for a
 * window of at most `side` × `side` CSS px (a screen's larger side, so a
 * rotated screen's window fits too): the view the renderer starts at
 * (origin, 100%) shows nothing else.
 */
export function firstViewOf(views: readonly ElementView[], side: number): FirstView {
  const width = side
  const height = side
  const box = { minX: -FIRST_VIEW_MARGIN, minY: -FIRST_VIEW_MARGIN, maxX: width + FIRST_VIEW_MARGIN, maxY: height + FIRST_VIEW_MARGIN }
  const shown = views.filter((v) => isDrawn(v) && intersects(visualBounds(v), box))
  return { width, height, elements: views.length, stream: encodeRenderStream(shown) }
}

/** Whether the page's view at 100% fits in `firstView`'s box, so painting it is painting the whole board. */
export function fitsFirstView(doc: Document, firstView: FirstView): boolean {
  return doc.documentElement.clientWidth <= firstView.width && doc.documentElement.clientHeight <= firstView.height
}

/**
 * Paints `views` full-page as the app's view will first show them; false if
 * it could not (no body yet, no 2D context).
 */
export function paintEarlyPicture(doc: Document, views: readonly ElementView[]): boolean {
  const win = doc.defaultView
  if (doc.body === null || win === null) return false
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
  // Finished, unrotated strokes as polylines, as the renderer draws those it
  // has no time to outline yet: outlining the ~1,000 strokes in view took
  // ~150 ms here, the polylines ~10 ms. The renderer's frames then outline them.
  paintDeviceRect(ctx, dpr, 0, 0, { x0: 0, y0: 0, x1: canvas.width, y1: canvas.height }, (box) => ({ views: drawn, within: box }), () => false)
  doc.body.append(canvas)
  return true
}

/** Removes the early picture, if any: the app's view now shows the board. */
export function dropEarlyPicture(doc: Document): void {
  const canvas = doc.getElementById(EARLY_PICTURE_ID)
  if (canvas === null) return
  canvas.remove()
  // A benchmark counts the picture only if a frame painted it before this.
  markJoin('picture-dropped')
}
