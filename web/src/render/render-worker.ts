// The page's render worker (page-worker.ts starts it): it paints a joining
// board's stand-in picture (off-thread-stand-in.ts) and the live ink of the
// page's boards (live-ink.ts), each on a canvas the page handed over, which
// the compositor shows without the page's main thread. Built on its own by
// build.mjs and carried inside the page's bundle as source.

import { decodeRenderStream } from '../doc/render-stream'
import { paintPicture } from './early-picture'
import { LiveInk, type InkAnswer, type InkRequest } from './live-ink'
import type { StandInAnswer, StandInRequest } from './off-thread-stand-in'

interface WorkerScope {
  onmessage: ((event: MessageEvent<StandInRequest | InkRequest>) => void) | null
  postMessage(answer: StandInAnswer | InkAnswer): void
  requestAnimationFrame?: (callback: () => void) => number
}

const scope = self as unknown as WorkerScope

/** Now on the page's clock: the worker's own starts when the worker does. */
const pageNow = () => performance.timeOrigin + performance.now()

scope.onmessage = (event) => {
  const request = event.data
  if (request.kind === 'picture') paintStandIn(request)
  else takeInk(request)
}

function paintStandIn({ id, canvas, stream, dpr }: StandInRequest): void {
  let elements = 0
  try {
    const views = decodeRenderStream(stream)
    const ctx = canvas.getContext('2d')
    if (views !== null && ctx !== null) {
      paintPicture(ctx, views, dpr, canvas.width, canvas.height)
      elements = views.length
    }
  } catch (error) {
    // A stream that fails to decode or paint just means waiting for the board, as on the main thread.
    console.info('[inkmesh] stand-in picture:', error)
  }
  scope.postMessage({ kind: 'picture', id, elements, paintedAt: pageNow() })
}

/** One board's live ink: its tiles' contexts (by "tx,ty"), its strokes, and whether to answer its paints. */
interface InkLayer {
  tiles: Map<string, OffscreenCanvasRenderingContext2D>
  ink: LiveInk
  report: boolean
}

const layers = new Map<number, InkLayer>()
let frameAsked = false

function takeInk(request: InkRequest): void {
  if (request.kind === 'ink-open') {
    layers.set(request.layer, { tiles: new Map(), ink: new LiveInk(), report: false })
    scope.postMessage({ kind: 'ink-ready', layer: request.layer })
    return
  }
  const layer = layers.get(request.layer)
  if (layer === undefined) return
  switch (request.kind) {
    case 'ink-tiles':
      for (const { tx, ty, canvas } of request.tiles) {
        const ctx = canvas.getContext('2d')
        if (ctx !== null) layer.tiles.set(`${tx},${ty}`, ctx)
      }
      layer.ink.tilesAdded(request.tiles)
      break
    case 'ink-view':
      layer.ink.view(request.k, request.ox, request.oy, request.width, request.height)
      break
    case 'ink-stroke':
      layer.ink.stroke(request.style, request.from, request.points)
      break
    case 'ink-drop':
      layer.ink.drop(request.ids)
      break
    case 'ink-report':
      layer.report = request.on
      return
    case 'ink-close':
      layers.delete(request.layer)
      return
  }
  askFrame()
}

/** Paints at the worker's next animation frame: chunks arriving within one frame cost one paint. */
function askFrame(): void {
  if (frameAsked) return
  frameAsked = true
  if (typeof scope.requestAnimationFrame === 'function') scope.requestAnimationFrame(paintInk)
  else setTimeout(paintInk, 0)
}

function paintInk(): void {
  frameAsked = false
  for (const [id, layer] of layers) {
    if (!layer.ink.pending) continue
    const at = pageNow()
    const ids = layer.ink.paint((tx, ty) => layer.tiles.get(`${tx},${ty}`) ?? null)
    if (ids.length > 0 && layer.report) scope.postMessage({ kind: 'ink-drawn', layer: id, at, ms: pageNow() - at, ids })
  }
}
