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
// always outlines them). A page that kept the picture also paints its first
// view ahead for its window (firstViewImage): the next visit in a window no
// larger, at the same pixel ratio, puts those pixels instead, painting
// nothing itself.

import { fromClearRuns, toClearRuns } from './clear-runs'
import { isDrawn, visualBounds, type Ctx2D } from './shapes'
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
  /** The same painted ahead, once a page has painted it (firstViewImage); a page it fits paints this instead. */
  image?: FirstViewImage
}

/**
 * A first view painted ahead, as the early picture paints its stream, for a
 * page of `dpr` device px a CSS px. Showing it is expanding its clear runs
 * and one putImageData, a few ms; painting the stream is decoding it and
 * tracing its strokes in code the page has not compiled yet, then
 * rasterizing them: ~100 ms for the ~800 strokes of the 10,000-stroke
 * benchmark board's first view, here, during which no frame can show
 * anything. Not a PNG: createImageBitmap decodes it off the main thread, and
 * its answer then often waits behind the app's bundle, which by then has
 * started its own view.
 */
export interface FirstViewImage {
  /** Device px a CSS px it was painted at: a page at another ratio paints the stream. */
  dpr: number
  /** The board box it shows from the origin, CSS px at 100% (the window it was painted for). */
  width: number
  height: number
  /** Its size in device px. */
  pixelWidth: number
  pixelHeight: number
  /** Its pixels as getImageData gives them (RGBA, not premultiplied), as clear runs (clear-runs.ts). */
  runs: Uint32Array<ArrayBuffer>
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

/**
 * The most device px a first view's image may have: a 4K screen's (a
 * 1920 × 1080 window at a pixel ratio of 2), 33 MB of pixels, kept per board
 * only as much as they are inked. A larger window paints its stream.
 */
export const MAX_FIRST_VIEW_IMAGE_PX = 3840 * 2160

/** Whether the page's view at 100% fits in `firstView`'s box, so painting it is painting the whole board. */
export function fitsFirstView(doc: Document, firstView: FirstView): boolean {
  return doc.documentElement.clientWidth <= firstView.width && doc.documentElement.clientHeight <= firstView.height
}

/** Whether `image` shows all of the page's view at its pixel ratio, so drawing it is painting the first view. */
export function fitsFirstViewImage(doc: Document, image: FirstViewImage): boolean {
  const dpr = doc.defaultView?.devicePixelRatio || 1
  return image.dpr === dpr && doc.documentElement.clientWidth <= image.width && doc.documentElement.clientHeight <= image.height
}

/**
 * Paints `views` full-page as the app's view will first show them; false if
 * it could not (no body yet, no 2D context).
 */
export function paintEarlyPicture(doc: Document, views: readonly ElementView[]): boolean {
  const early = earlyCanvas(doc)
  if (early === null) return false
  paintPicture(early.ctx, views, early.dpr, early.canvas.width, early.canvas.height)
  doc.body.append(early.canvas)
  return true
}

/** Puts `image` (a first view's, which fits the page: fitsFirstViewImage) full-page; false if it could not. */
export function paintEarlyImage(doc: Document, image: ImageData): boolean {
  const early = earlyCanvas(doc)
  if (early === null) return false
  early.ctx.putImageData(image, 0, 0)
  doc.body.append(early.canvas)
  return true
}

/**
 * Paints `views` as the early picture paints them, for a window of `width`
 * × `height` CSS px at `dpr`, ahead: the next visit's page puts the pixels
 * instead of painting the stream (FirstViewImage). Undefined where it cannot
 * (no OffscreenCanvas, a window over MAX_FIRST_VIEW_IMAGE_PX).
 */
export function firstViewImage(views: readonly ElementView[], width: number, height: number, dpr: number): FirstViewImage | undefined {
  const pixelWidth = Math.round(width * dpr)
  const pixelHeight = Math.round(height * dpr)
  if (typeof OffscreenCanvas === 'undefined' || pixelWidth < 1 || pixelHeight < 1 || pixelWidth * pixelHeight > MAX_FIRST_VIEW_IMAGE_PX) return undefined
  const canvas = new OffscreenCanvas(pixelWidth, pixelHeight)
  const ctx = canvas.getContext('2d')
  if (ctx === null) return undefined
  paintPicture(ctx, views, dpr, pixelWidth, pixelHeight)
  const runs = toClearRuns(ctx.getImageData(0, 0, pixelWidth, pixelHeight).data)
  return { dpr, width, height, pixelWidth, pixelHeight, runs }
}

/** A first view image's pixels; null if its runs are damaged. */
export function imagePixels(image: FirstViewImage): ImageData | null {
  const rgba = fromClearRuns(image.runs, image.pixelWidth * image.pixelHeight)
  return rgba === null ? null : new ImageData(rgba, image.pixelWidth, image.pixelHeight)
}

/** A page-sized canvas for the early picture, not yet in the page; null without a body or a 2D context. */
function earlyCanvas(doc: Document): { canvas: HTMLCanvasElement; ctx: CanvasRenderingContext2D; dpr: number } | null {
  const win = doc.defaultView
  if (doc.body === null || win === null) return null
  const canvas = doc.createElement('canvas')
  // The view's canvas fills the page (#board is fixed to the viewport): the same size and pixel ratio.
  const dpr = win.devicePixelRatio || 1
  canvas.width = Math.max(1, Math.round(doc.documentElement.clientWidth * dpr))
  canvas.height = Math.max(1, Math.round(doc.documentElement.clientHeight * dpr))
  const ctx = canvas.getContext('2d')
  if (ctx === null) return null
  canvas.id = EARLY_PICTURE_ID
  // Above the app's view until its renderer has drawn (later in the body, same stacking), never in a pointer's way.
  canvas.style.cssText = `position:fixed;inset:0;width:100%;height:100%;pointer-events:none;background:${BOARD_BACKGROUND}`
  canvas.setAttribute('aria-hidden', 'true')
  return { canvas, ctx, dpr }
}

/** Paints `views` onto `width` × `height` device px from the board's origin at `dpr`, as the early picture shows them. */
export function paintPicture(ctx: Ctx2D, views: readonly ElementView[], dpr: number, width: number, height: number): void {
  const drawn = views.filter(isDrawn)
  // Finished, unrotated strokes as polylines, as the renderer draws those it
  // has no time to outline yet: outlining the ~1,000 strokes in view took
  // ~150 ms here, the polylines ~10 ms. The renderer's frames then outline them.
  paintDeviceRect(ctx, dpr, 0, 0, { x0: 0, y0: 0, x1: width, y1: height }, (box) => ({ views: drawn, within: box, region: box }), () => false)
}

/** Removes the early picture, if any: the app's view now shows the board. */
export function dropEarlyPicture(doc: Document): void {
  const canvas = doc.getElementById(EARLY_PICTURE_ID)
  if (canvas === null) return
  canvas.remove()
  // A benchmark counts the picture only if a frame painted it before this.
  markJoin('picture-dropped')
}
