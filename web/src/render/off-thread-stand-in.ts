// A joining board's stand-in picture painted off the main thread. A board
// mounted in a page (an embed, or any page that mounts it later) shows the
// server's picture of its first view until its snapshot is applied. Painted
// by the renderer, that picture took the main thread ~100 ms (decoding,
// recording and, in the frame's commit, rasterizing ~800 strokes) just as
// the snapshot arrived, and the snapshot then waited for it: mount → synced
// was ~420 ms against ~320 ms with no picture at all, in the benchmark's
// loaded page. Here a worker paints it on a canvas of its own laid over the
// board's, which the compositor shows without the main thread; the snapshot
// is applied meanwhile. The picture is static: it goes at the renderer's
// first frame with the board's content, at the first camera move, or once
// the board turns out empty.
//
// The worker's code comes inside the bundle (build.mjs), started from a blob:
// an embed's page is another origin, which a worker's script URL may not be.
// One worker serves the page, and stays a while after its last picture: a
// board mounted again soon (a page switching boards) finds it started and
// its code optimised, where a new worker's first picture costs ~50 ms more
// of a core the snapshot's apply wants too. Where there is no worker code (a
// bundle not built by build.mjs, such as the unit tests'), no
// OffscreenCanvas, or a page whose CSP forbids blob workers, start() or
// paint() says so and the renderer draws the picture, as before.

/** The worker's source, put in by build.mjs; undeclared elsewhere. */
declare const STAND_IN_WORKER_SOURCE: string

/** How long the page keeps the worker after its last picture. */
export const WORKER_IDLE_MS = 30_000

/** What the page sends the worker: a canvas to paint, and the render stream to paint on it. */
export interface StandInRequest {
  /** Names the answer. */
  id: number
  canvas: OffscreenCanvas
  stream: Uint8Array
  /** Device px a CSS px: the canvas is the view's size times this. */
  dpr: number
}

/** What the worker answers once it is done. */
export interface StandInAnswer {
  id: number
  /** Elements the picture drew; 0 when the stream held none or would not decode. */
  elements: number
  /** When it was done: performance.timeOrigin + performance.now() in the worker. */
  paintedAt: number
}

/** The page's one painter worker, started with its first picture. */
class Painter {
  private static shared: Painter | null = null
  private readonly pending = new Map<number, (answer: StandInAnswer | null) => void>()
  private nextId = 1
  private idleTimer: ReturnType<typeof setTimeout> | undefined
  private ended = false

  private constructor(private readonly worker: Worker) {
    worker.onmessage = (event: MessageEvent<StandInAnswer>) => {
      const resolve = this.pending.get(event.data.id)
      this.pending.delete(event.data.id)
      resolve?.(event.data)
      this.idleLater()
    }
    worker.onerror = (event) => {
      event.preventDefault()
      // A policy that refuses the worker says so in the console; the event has no message then.
      this.end(`the stand-in picture worker failed${event.message ? `: ${event.message}` : ''}; the renderer draws the picture`)
    }
    // Idle from the start: a picture whose stream never comes must not keep the worker for good.
    this.idleLater()
  }

  /** The page's worker, started now if need be; null where none can start. */
  static get(): Painter | null {
    if (Painter.shared !== null) return Painter.shared
    const url = URL.createObjectURL(new Blob([STAND_IN_WORKER_SOURCE], { type: 'text/javascript' }))
    try {
      Painter.shared = new Painter(new Worker(url))
      return Painter.shared
    } catch (error) {
      console.info('[inkmesh] no worker for the stand-in picture; the renderer draws it:', error)
      return null
    } finally {
      // Revoked after this task: the worker has read its script by then, and the URL holds nothing more.
      setTimeout(() => URL.revokeObjectURL(url), 0)
    }
  }

  /** Resolves with the worker's answer, or null if the worker failed. */
  paint(canvas: OffscreenCanvas, stream: Uint8Array, dpr: number): Promise<StandInAnswer | null> {
    if (this.ended) return Promise.resolve(null)
    clearTimeout(this.idleTimer)
    const id = this.nextId++
    return new Promise((resolve) => {
      this.pending.set(id, resolve)
      // The stream is copied, not transferred: it may be a view into a larger buffer, and is a few tens of KB.
      const request: StandInRequest = { id, canvas, stream, dpr }
      this.worker.postMessage(request, [canvas])
    })
  }

  private idleLater(): void {
    if (this.pending.size > 0) return
    clearTimeout(this.idleTimer)
    this.idleTimer = setTimeout(() => this.end(), WORKER_IDLE_MS)
  }

  /** Ends the worker; pictures it still owes answer null. */
  private end(why?: string): void {
    if (why !== undefined) console.info(`[inkmesh] ${why}`)
    this.ended = true
    clearTimeout(this.idleTimer)
    this.worker.terminate()
    if (Painter.shared === this) Painter.shared = null
    for (const resolve of this.pending.values()) resolve(null)
    this.pending.clear()
  }
}

/** One board's picture: its canvas over the board's, painted by the page's worker. */
export class OffThreadStandIn {
  private offscreen: OffscreenCanvas | null
  /** When the picture was taken off the page (performance.now()); Infinity while it lies there. */
  private droppedAt = Infinity

  private constructor(
    private readonly painter: Painter,
    private readonly canvas: HTMLCanvasElement,
    offscreen: OffscreenCanvas,
    private readonly dpr: number,
  ) {
    this.offscreen = offscreen
  }

  /**
   * Lays a canvas over `boardCanvas` for the picture, and starts the
   * page's worker if it is not running; null where no worker can paint it
   * (see the header).
   */
  static start(boardCanvas: HTMLCanvasElement): OffThreadStandIn | null {
    if (typeof STAND_IN_WORKER_SOURCE !== 'string' || typeof Worker === 'undefined' || typeof HTMLCanvasElement.prototype.transferControlToOffscreen !== 'function') {
      return null
    }
    const painter = Painter.get()
    if (painter === null) return null
    const doc = boardCanvas.ownerDocument
    const dpr = doc.defaultView?.devicePixelRatio || 1
    const canvas = doc.createElement('canvas')
    canvas.width = Math.max(1, Math.round(boardCanvas.clientWidth * dpr))
    canvas.height = Math.max(1, Math.round(boardCanvas.clientHeight * dpr))
    // Styled as the board's canvas is (absolute, the view's size); input still goes to the board's.
    canvas.style.pointerEvents = 'none'
    canvas.setAttribute('aria-hidden', 'true')
    canvas.dataset.testid = 'stand-in-canvas'
    const offscreen = canvas.transferControlToOffscreen()
    // In the page now, so the frame after mount places it: the worker's picture then shows without the main thread.
    boardCanvas.after(canvas)
    return new OffThreadStandIn(painter, canvas, offscreen, dpr)
  }

  /**
   * Has the worker paint `stream`; resolves with its answer, or null if the
   * worker failed, or the picture was dropped before the paint began.
   */
  paint(stream: Uint8Array): Promise<StandInAnswer | null> {
    const offscreen = this.offscreen
    if (offscreen === null || this.droppedAt !== Infinity) return Promise.resolve(null)
    this.offscreen = null
    return this.painter.paint(offscreen, stream, this.dpr)
  }

  /** Whether an answer's picture was done while the canvas still lay over the board, so it showed. */
  shownBy(answer: StandInAnswer): boolean {
    return answer.elements > 0 && answer.paintedAt - performance.timeOrigin < this.droppedAt
  }

  /** Takes the picture off the page; the worker stays for the page's next one. */
  drop(): void {
    if (this.droppedAt !== Infinity) return
    this.droppedAt = performance.now()
    this.offscreen = null
    this.canvas.remove()
  }
}
