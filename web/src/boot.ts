// The app page's first script, inlined into index.html by build.mjs: on a
// board link it asks for the room's snapshot and render stream (and its
// window's first view, and a guest token before all if needed) as the HTML is
// parsed, so the ~3.9 MB of a 10,000-stroke board come in while the app's
// bundle downloads, parses and builds the view (about 100-150 ms of the
// page's start), instead of after. The app (app.ts) takes
// the request and the token provider from window.__inkmeshEarly. A picture
// of the board decoded before the app's view exists is painted right away
// (render/early-picture.ts); this brings the renderer's painting code into
// the page's HTML (~22 KB of its ~30 KB).

import { loadApp } from './app-loader'
import { readBoardLink } from './board-link'
import { wasDeleted } from './deleted-boards'
import { boardPicture, renderBody, type BoardPicture } from './board-picture'
import { mayHavePicture, pictureName, readKept, type KeptPicture } from './local-picture'
import { decodeRenderStream } from './doc/render-stream'
import {
  EARLY_PICTURE_ID,
  EARLY_PICTURE_TAKEOVER_MS,
  dropEarlyPicture,
  fitsFirstView,
  fitsFirstViewImage,
  imagePixels,
  paintEarlyImage,
  paintEarlyPicture,
  type FirstView,
} from './render/early-picture'
import type { ElementView } from './doc/types'
import { FIRST_VIEW_MAX_PX, readAhead, requestFirstView, requestRender, requestSnapshot } from './net/snapshot-request'
import { guestTokens, type GuestTokens } from './token'
import { markJoin } from './util/join-marks'
import { afterNextFrame } from './util/next-frame'

/** What the early script started, for the app to take over. */
export interface EarlyStart {
  room: string
  /** The guest token provider the snapshot request used; the app uses the same, so one token serves both. */
  tokens: GuestTokens
  snapshot: Promise<Response>
  /** Pictures to draw while the snapshot is applied: this browser's kept one, and the server's render stream. */
  pictures: BoardPicture[]
  /**
   * Set by the app as it mounts its view: from then on this script paints
   * no whole picture (the view shows one decoded later as its stand-in, and
   * its frame would remove a canvas painted now before any frame showed it),
   * and one painted already is the app's to remove
   * (early-picture-handover.ts).
   */
  viewStarted: boolean
  /**
   * Set false by an app that hands over a first view painted after its view
   * started, and true once that view has drawn the board or a stand-in:
   * until then a first view (which the view never shows as its stand-in) is
   * still painted, and the app removes it at that frame
   * (early-picture-handover.ts). An older app leaves it unset.
   */
  viewDrawn?: boolean
}

declare global {
  interface Window {
    __inkmeshEarly?: EarlyStart
  }
}

/** The header of a first view's answer that counts the whole board's elements (docs/PROTOCOL.md). */
const BOARD_ELEMENTS_HEADER = 'Inkmesh-Board-Elements'

/** The longest waited for the frame showing a painted first view: a hidden page paints none. */
const FRAME_WAIT_MS = 100

/** The longest a kept whole picture's decoding waits for the app's view to start, once its first view shows. */
const WHOLE_PICTURE_WAIT_MS = 500

/**
 * Starts the requests and the early picture of a board link; returns what
 * the app's bundle waits for (loadApp), if anything: the frame showing the
 * first view, the server's on a first visit, the kept one's where this
 * browser may keep one.
 */
function startEarly(): Promise<unknown> | undefined {
  markJoin('boot')
  const link = readBoardLink(location)
  if (link === undefined) return undefined
  const tokens = guestTokens(location.origin, link.room, link.name)
  // A guest's first visit reads without a token: an open-mode server needs
  // none to read (PROTOCOL.md), and waiting for one held every request back
  // by a round trip. The guest token, for joining, is asked for meanwhile.
  const known = link.token ?? tokens.cached()
  if (known === undefined) tokens.get(false).catch(() => undefined)
  const token = Promise.resolve(known)
  // The first view of this window: a tenth of a big board's stream or
  // less, it comes and decodes in a fraction of the whole one's time, and
  // is painted as soon as it has (the whole one is the app's stand-in).
  // Not asked for when this browser keeps a picture of the board: its own
  // first view is read sooner, and shown in a few ms.
  const picture = pictureName(location.origin, link.room)
  const viewport = { width: document.documentElement.clientWidth, height: document.documentElement.clientHeight }
  const askFirstView = !mayHavePicture(picture) && [viewport.width, viewport.height].every((px) => px > 0 && px <= FIRST_VIEW_MAX_PX)
  const firstView = askFirstView ? token.then((t) => requestFirstView(location.origin, link.room, t, viewport.width, viewport.height)) : undefined
  const answered = token.then(async (t) => {
    const response = await requestRender(location.origin, link.room, t)
    markJoin('render-headers')
    return response
  })
  // The snapshot is asked for once the render stream's answer has started:
  // both read the keeper's board under one lock and share the server's two
  // cores, and the stream is what the first render waits for. Its body is
  // read as it comes, as the stream's is (below): the app's mesh takes it
  // only once the bundle has run and the view is up.
  const snapshot = token.then(async (t) => {
    await answered.catch(() => undefined)
    return readAhead(await requestSnapshot(location.origin, link.room, t))
  })
  // A returning visitor's picture needs no network: IndexedDB answers sooner
  // asked now than behind the app's bundle and its local copy's reads.
  // Not of a board deleted on an earlier visit (deleted-boards.ts): its
  // picture is of what was deleted (the picture's name is the copy's).
  const keptRead: KeptPicture | undefined = wasDeleted(picture) ? undefined : readKept(picture)
  // Its first view (read first, a tenth of the elements or less) is painted
  // before the whole picture is in and decoded.
  const { early, viewStarted } = earlyState()
  const firstViewPainted = keptRead?.firstView.then((firstView) => paintFirstView(early, firstView)).catch(() => false) ?? Promise.resolve(false)
  const servedShown =
    firstView === undefined
      ? undefined
      : servedFirstView(early, firstView, viewport)
          .then((served) => served !== undefined && mayPaintFirstView(early) && paintGuarded(early, () => paintViews(served.views), served.elements))
          .then((painted) => (painted ? afterNextFrame(FRAME_WAIT_MS) : undefined))
  // The whole picture (~60 ms to decode at 10,000 strokes) waits for the
  // frame that shows a painted first view: decoded in the same breath, it
  // held that frame, and so the board's first sight, back by as long. Then
  // it only stands in for what lies past the first view, and waits for the
  // app's view to start (or WHOLE_PICTURE_WAIT_MS, for an app that never
  // says): decoded first, it held the app's start back by as long, and the
  // board's sync with it. Without a first view, it is decoded at once.
  const keptBytes = keptRead?.picture ?? Promise.resolve(undefined)
  const firstViewShown = firstViewPainted.then((painted) => (painted ? afterNextFrame(FRAME_WAIT_MS).then(() => true) : false))
  const wholePictureDue = firstViewShown.then((shown) => (shown ? Promise.race([viewStarted, delay(WHOLE_PICTURE_WAIT_MS)]) : undefined))
  const kept = boardPicture(wholePictureDue.then(() => keptBytes))
  // The stream's body is read and decoded as soon as it comes, not when the
  // app asks: unread, its 2-3 MB wait in the network's pipe while the app's
  // bundle runs. Only the first picture is drawn, so the stream is not
  // decoded when the kept one draws (the usual case for a returning
  // visitor: IndexedDB answers long before 2-3 MB do).
  const served = boardPicture(renderBody(answered).then(async (bytes) => ((await kept) !== null ? undefined : bytes)))
  // The mesh reports a failed snapshot request when it takes it; until then it is not unhandled.
  snapshot.catch(() => undefined)
  const start: EarlyStart = Object.assign(early, { room: link.room, tokens, snapshot, pictures: [kept, served] })
  window.__inkmeshEarly = start
  // Otherwise the first picture decoded before the app's view exists is
  // painted at once (render/early-picture.ts): a returning visitor's kept
  // picture is usually in well before the app's bundle has run.
  const paintEarly = (views: Awaited<BoardPicture>): void => {
    if (views === null || !mayPaintEarly(start)) return
    paintGuarded(start, () => paintViews(views), views.length)
  }
  void kept.then(paintEarly)
  void served.then(paintEarly)
  // The app's bundle runs after the frame that shows a first view, where one is coming (loadApp).
  if (servedShown !== undefined) return servedShown
  return keptRead !== undefined && mayHavePicture(picture) ? firstViewShown : undefined
}

/**
 * The server's first view of the page's window (`asked`), decoded, with the
 * number of elements on the whole board; undefined if there is none to
 * paint (another is painted already, an error answer, one that is no first
 * view, a damaged or empty one, or a window that has since grown past it).
 */
async function servedFirstView(
  early: Pick<EarlyStart, 'viewStarted' | 'viewDrawn'>,
  answer: Promise<Response>,
  asked: { width: number; height: number },
): Promise<{ views: ElementView[]; elements: number } | undefined> {
  try {
    const response = await answer
    // No count: not a first view (a server older than ?first=, which sends the whole stream).
    const count = response.headers.get(BOARD_ELEMENTS_HEADER)
    const elements = Number(count)
    if (!response.ok || count === null || !Number.isSafeInteger(elements)) return undefined
    const bytes = new Uint8Array(await response.arrayBuffer())
    // Not decoded for nothing.
    if (!mayPaintFirstView(early)) return undefined
    const views = decodeRenderStream(bytes)
    markJoin('first-view-decoded')
    const root = document.documentElement
    if (views === null || views.length === 0 || root.clientWidth > asked.width || root.clientHeight > asked.height) return undefined
    return { views, elements }
  } catch (e) {
    console.info('[inkmesh] first view not painted:', e)
    return undefined
  }
}

/** Whether an early picture may still be painted: none yet, and no view of the app's to draw instead. */
function mayPaintEarly(early: Pick<EarlyStart, 'viewStarted'>): boolean {
  return !early.viewStarted && document.getElementById(EARLY_PICTURE_ID) === null
}

/** Whether a first view may still be painted: none yet, and no view of the app's, or one that has drawn nothing and will remove it. */
function mayPaintFirstView(early: Pick<EarlyStart, 'viewStarted' | 'viewDrawn'>): boolean {
  return (!early.viewStarted || early.viewDrawn === false) && document.getElementById(EARLY_PICTURE_ID) === null
}

/**
 * Paints a kept picture's first view, if there is one, it covers the page's
 * view, and nothing was painted yet; says whether it painted. From its
 * image if that fits the page (a few ms), else (or if it is damaged) from
 * its stream.
 */
function paintFirstView(early: Pick<EarlyStart, 'viewStarted' | 'viewDrawn'>, firstView: FirstView | undefined): boolean {
  if (firstView === undefined || firstView.elements === 0 || !mayPaintFirstView(early) || !fitsFirstView(document, firstView)) return false
  const { image } = firstView
  if (image !== undefined && fitsFirstViewImage(document, image) && paintGuarded(early, () => paintPixels(imagePixels(image)), firstView.elements)) return true
  return paintGuarded(early, () => paintViews(decodeRenderStream(firstView.stream)), firstView.elements)
}

/** Paints `views` as the early picture; false for none. */
function paintViews(views: ElementView[] | null): boolean {
  return views !== null && paintEarlyPicture(document, views)
}

/** Puts a first view image's `pixels` as the early picture; false for none. */
function paintPixels(pixels: ImageData | null): boolean {
  return pixels !== null && paintEarlyImage(document, pixels)
}

/**
 * The early script's part of what it hands the app, and a promise resolved
 * when the app sets its `viewStarted` (the app starts its view at once after).
 */
function earlyState(): { early: Pick<EarlyStart, 'viewStarted' | 'viewDrawn'>; viewStarted: Promise<void> } {
  let started = false
  let resolveStarted = (): void => undefined
  const viewStarted = new Promise<void>((resolve) => (resolveStarted = resolve))
  const early = {
    get viewStarted(): boolean {
      return started
    },
    set viewStarted(value: boolean) {
      started = value
      if (value) resolveStarted()
    },
  }
  return { early, viewStarted }
}

/** Resolves after `ms`. */
function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * Paints early with `paint` (a picture of a board of `elements` elements;
 * false for none), and says whether it did. A picture that fails to paint
 * is only a picture not shown (as in board-picture.ts), never an error of
 * the page's. One the app never takes over (mount() threw, or an older
 * cached app.js that knows nothing of it) goes after
 * EARLY_PICTURE_TAKEOVER_MS, rather than cover the page for good.
 */
function paintGuarded(early: Pick<EarlyStart, 'viewStarted'>, paint: () => boolean, elements: number): boolean {
  try {
    if (!paint()) return false
  } catch (e) {
    console.info('[inkmesh] early picture not painted:', e)
    return false
  }
  markJoin('picture-painted', elements)
  setTimeout(() => {
    if (!early.viewStarted) dropEarlyPicture(document)
  }, EARLY_PICTURE_TAKEOVER_MS)
  return true
}

let appHold: Promise<unknown> | undefined
try {
  appHold = startEarly()
} finally {
  // Whatever failed above, the app still runs: this script only starts things sooner.
  loadApp(document, appHold)
}
