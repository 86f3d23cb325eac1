// One board's live ink, seen from the page: tiles of canvas laid over the
// board's (under the overlay), each handed to the page's render worker, which
// paints on them the strokes the renderer sends (live-ink.ts says why). A
// tile is hidden while no live stroke reaches into it: an empty layer still
// costs the compositor a blend every frame.

import type { Box, ElementView } from '../doc/types'
import { forInkTiles, INK_TILE_PX, inkStyle, type InkRequest, type InkTileCanvas } from './live-ink'
import { PageWorker } from './page-worker'

/** A paint of the worker's, on the page's clock (performance.now()). */
export interface InkPaint {
  at: number
  ms: number
  ids: string[]
}

/** Names each board's layer in the page's one worker. */
let nextLayer = 1

export class LiveInkLayer {
  private readonly layer = nextLayer++
  private readonly offAnswers: () => void
  private readonly offEnd: () => void
  private readonly release: () => void
  private ready = false
  private closed = false
  /** The tiles' canvases, by "tx,ty"; made as ink first reaches them, and kept. */
  private readonly tiles = new Map<string, HTMLCanvasElement>()
  /** Tiles shown now. */
  private shown = new Set<string>()
  private k = 1
  private ox = 0
  private oy = 0
  private width = 0
  private height = 0
  private dpr = 1

  private constructor(
    private readonly worker: PageWorker,
    private readonly box: HTMLElement,
    onReady: () => void,
    onPaint: (paint: InkPaint) => void,
    onEnd: () => void,
  ) {
    this.release = worker.hold()
    this.offAnswers = worker.listen((answer) => {
      if (answer.kind === 'picture' || answer.layer !== this.layer || this.closed) return
      if (answer.kind === 'ink-ready') {
        this.ready = true
        onReady()
      } else {
        onPaint({ at: answer.at - performance.timeOrigin, ms: answer.ms, ids: answer.ids })
      }
    })
    this.offEnd = worker.onEnd(() => {
      if (this.closed) return
      this.close()
      onEnd()
    })
    this.send({ kind: 'ink-open', layer: this.layer })
  }

  /**
   * Lays the layer right over `boardCanvas` and opens it in the page's
   * worker; null where there is none. `onReady` once the worker has it
   * (strokes are only sent from then on); `onPaint` after each of its
   * paints while it reports them (report()); `onEnd` if the worker ends, the
   * layer then being closed.
   */
  static start(boardCanvas: HTMLCanvasElement, onReady: () => void, onPaint: (paint: InkPaint) => void, onEnd: () => void): LiveInkLayer | null {
    const worker = PageWorker.get()
    if (worker === null) return null
    // The view's box, clipping the tiles at its right and bottom edges; input goes to the board's canvas.
    const box = boardCanvas.ownerDocument.createElement('div')
    box.style.cssText = 'position: absolute; inset: 0; overflow: hidden; pointer-events: none'
    box.setAttribute('aria-hidden', 'true')
    box.dataset.testid = 'live-ink'
    boardCanvas.after(box)
    return new LiveInkLayer(worker, box, onReady, onPaint, onEnd)
  }

  /** Whether the worker has opened the layer, so that strokes sent now show. */
  get isReady(): boolean {
    return this.ready && !this.closed
  }

  /** The view the board canvas shows: scale (board px to device px), device origin and size, device px a CSS px. */
  view(k: number, ox: number, oy: number, width: number, height: number, dpr: number): void {
    if (this.closed) return
    this.k = k
    this.ox = ox
    this.oy = oy
    this.width = width
    this.height = height
    if (dpr !== this.dpr) {
      this.dpr = dpr
      for (const [key, canvas] of this.tiles) this.place(canvas, key)
    }
    this.send({ kind: 'ink-view', layer: this.layer, k, ox, oy, width, height })
  }

  /** Sends a live stroke's points from `from` on (0: all of them, with its style). */
  stroke(v: ElementView, from: number): void {
    this.send({ kind: 'ink-stroke', layer: this.layer, style: inkStyle(v), from, points: v.points.slice(from) })
  }

  /** Whether the worker answers each paint (`onPaint`): a message to the page each time, so only while needed. */
  report(on: boolean): void {
    this.send({ kind: 'ink-report', layer: this.layer, on })
  }

  drop(ids: string[]): void {
    if (ids.length > 0) this.send({ kind: 'ink-drop', layer: this.layer, ids })
  }

  /**
   * Shows exactly the tiles that the drawing of these board boxes may touch
   * in the view; tiles shown for the first time are made, and handed to the
   * worker, first.
   */
  showFor(boxes: Iterable<Box>): void {
    if (this.closed) return
    const wanted = new Set<string>()
    const made: InkTileCanvas[] = []
    for (const box of boxes) {
      forInkTiles(box, this.k, this.ox, this.oy, this.width, this.height, (tx, ty) => {
        const key = `${tx},${ty}`
        wanted.add(key)
        if (!this.tiles.has(key)) made.push({ tx, ty, canvas: this.makeTile(key) })
      })
    }
    if (made.length > 0) this.send({ kind: 'ink-tiles', layer: this.layer, tiles: made }, made.map((t) => t.canvas))
    for (const key of this.shown) if (!wanted.has(key)) this.setVisible(key, false)
    for (const key of wanted) if (!this.shown.has(key)) this.setVisible(key, true)
    this.shown = wanted
  }

  close(): void {
    if (this.closed) return
    this.send({ kind: 'ink-close', layer: this.layer })
    this.closed = true
    this.offAnswers()
    this.offEnd()
    this.release()
    this.box.remove()
  }

  /** Lays a tile's canvas in the layer, hidden, and hands it over: what the worker paints on. */
  private makeTile(key: string): OffscreenCanvas {
    const canvas = this.box.ownerDocument.createElement('canvas')
    canvas.width = INK_TILE_PX
    canvas.height = INK_TILE_PX
    canvas.style.visibility = 'hidden'
    this.place(canvas, key)
    this.box.append(canvas)
    this.tiles.set(key, canvas)
    return canvas.transferControlToOffscreen()
  }

  /** Sizes and places a tile's canvas, in CSS px, over its part of the view. */
  private place(canvas: HTMLCanvasElement, key: string): void {
    const [tx, ty] = key.split(',').map(Number) as [number, number]
    const side = INK_TILE_PX / this.dpr
    // Over the page's rule for canvases (the view's whole box).
    canvas.style.inset = 'auto'
    canvas.style.left = `${tx * side}px`
    canvas.style.top = `${ty * side}px`
    canvas.style.width = `${side}px`
    canvas.style.height = `${side}px`
  }

  private setVisible(key: string, visible: boolean): void {
    const canvas = this.tiles.get(key)
    if (canvas !== undefined) canvas.style.visibility = visible ? '' : 'hidden'
  }

  private send(request: InkRequest, transfer: Transferable[] = []): void {
    if (!this.closed) this.worker.post(request, transfer)
  }
}
