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
// The worker is the page's render worker (page-worker.ts). Where none can
// run, start() or paint() says so and the renderer draws the picture, as
// before.

import { PageWorker } from './page-worker'

/** What the page sends the worker: a canvas to paint, and the render stream to paint on it. */
export interface StandInRequest {
  kind: 'picture'
  /** Names the answer. */
  id: number
  canvas: OffscreenCanvas
  stream: Uint8Array
  /** Device px a CSS px: the canvas is the view's size times this. */
  dpr: number
}

/** What the worker answers once it is done. */
export interface StandInAnswer {
  kind: 'picture'
  id: number
  /** Elements the picture drew; 0 when the stream held none or would not decode. */
  elements: number
  /** When it was done: performance.timeOrigin + performance.now() in the worker. */
  paintedAt: number
}

/** Names a picture's answer. */
let nextId = 1

/** Has the page's worker paint `stream` on `canvas`; resolves with its answer, or null if the worker ended first. */
function paintOnWorker(worker: PageWorker, canvas: OffscreenCanvas, stream: Uint8Array, dpr: number): Promise<StandInAnswer | null> {
  if (worker.isEnded) return Promise.resolve(null)
  const id = nextId++
  const release = worker.hold()
  return new Promise((resolve) => {
    const done = (answer: StandInAnswer | null): void => {
      offAnswer()
      offEnd()
      release()
      resolve(answer)
    }
    const offAnswer = worker.listen((answer) => {
      if (answer.kind === 'picture' && answer.id === id) done(answer)
    })
    const offEnd = worker.onEnd(() => done(null))
    // The stream is copied, not transferred: it may be a view into a larger buffer, and is a few tens of KB.
    const request: StandInRequest = { kind: 'picture', id, canvas, stream, dpr }
    worker.post(request, [canvas])
  })
}

/** One board's picture: its canvas over the board's, painted by the page's worker. */
export class OffThreadStandIn {
  private offscreen: OffscreenCanvas | null
  /** When the picture was taken off the page (performance.now()); Infinity while it lies there. */
  private droppedAt = Infinity

  private constructor(
    private readonly worker: PageWorker,
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
    const worker = PageWorker.get()
    if (worker === null) return null
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
    return new OffThreadStandIn(worker, canvas, offscreen, dpr)
  }

  /**
   * Has the worker paint `stream`; resolves with its answer, or null if the
   * worker failed, or the picture was dropped before the paint began.
   */
  paint(stream: Uint8Array): Promise<StandInAnswer | null> {
    const offscreen = this.offscreen
    if (offscreen === null || this.droppedAt !== Infinity) return Promise.resolve(null)
    this.offscreen = null
    return paintOnWorker(this.worker, offscreen, stream, this.dpr)
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
