// The page's render worker, seen from the page: one per page, shared by every
// board the page mounts, for the stand-in picture of a joining board
// (off-thread-stand-in.ts) and for live ink (live-ink-layer.ts). Its code
// (render-worker.ts) comes inside the bundle (build.mjs), started from a
// blob: an embed's page is another origin, which a worker's script URL may
// not be.
//
// It stays a while after its last use (IDLE_MS): a board mounted again soon
// (a page switching boards) finds it started and its code optimised, where a
// new worker's first picture costs ~50 ms more of a core the snapshot's apply
// wants too. A board holding live ink keeps it for as long as it is mounted.
// Where there is no worker code (a bundle not built by build.mjs, such as the
// unit tests'), no OffscreenCanvas, or a page whose CSP forbids blob
// workers, get() says so, or the worker ends soon after it started: its users
// hear it (onEnd) and draw on the main thread, as before.

import type { InkAnswer, InkRequest } from './live-ink'
import type { StandInAnswer, StandInRequest } from './off-thread-stand-in'

/** The worker's source, put in by build.mjs; undeclared elsewhere. */
declare const RENDER_WORKER_SOURCE: string

/** How long the page keeps the worker after its last use. */
export const IDLE_MS = 30_000

export type WorkerRequest = StandInRequest | InkRequest
export type WorkerAnswer = StandInAnswer | InkAnswer

export class PageWorker {
  private static shared: PageWorker | null = null
  private readonly listeners = new Set<(answer: WorkerAnswer) => void>()
  private readonly endListeners = new Set<() => void>()
  /** Uses under way (a picture being painted, a board's live ink): no idle end meanwhile. */
  private holds = 0
  private idleTimer: ReturnType<typeof setTimeout> | undefined
  private ended = false

  private constructor(private readonly worker: Worker) {
    worker.onmessage = (event: MessageEvent<WorkerAnswer>) => {
      for (const listener of this.listeners) listener(event.data)
    }
    worker.onerror = (event) => {
      event.preventDefault()
      // A policy that refuses the worker says so in the console; the event has no message then.
      this.end(`the render worker failed${event.message ? `: ${event.message}` : ''}; the main thread draws instead`)
    }
    // Idle from the start: a use that never comes must not keep the worker for good.
    this.idleLater()
  }

  /** Whether this page can have the worker at all: its code is in the bundle, and the browser has what it needs. */
  static available(): boolean {
    return (
      typeof RENDER_WORKER_SOURCE === 'string' &&
      typeof Worker !== 'undefined' &&
      typeof HTMLCanvasElement !== 'undefined' &&
      typeof HTMLCanvasElement.prototype.transferControlToOffscreen === 'function'
    )
  }

  /** The page's worker, started now if need be; null where none can start. */
  static get(): PageWorker | null {
    if (PageWorker.shared !== null) return PageWorker.shared
    if (!PageWorker.available()) return null
    const url = URL.createObjectURL(new Blob([RENDER_WORKER_SOURCE], { type: 'text/javascript' }))
    try {
      PageWorker.shared = new PageWorker(new Worker(url))
      return PageWorker.shared
    } catch (error) {
      console.info('[inkmesh] no render worker; the main thread draws instead:', error)
      return null
    } finally {
      // Revoked after this task: the worker has read its script by then, and the URL holds nothing more.
      setTimeout(() => URL.revokeObjectURL(url), 0)
    }
  }

  /** Whether the worker has ended (failed, or idle): a user then needs get() again. */
  get isEnded(): boolean {
    return this.ended
  }

  post(request: WorkerRequest, transfer: Transferable[] = []): void {
    if (!this.ended) this.worker.postMessage(request, transfer)
  }

  /** Calls `listener` with every answer; returns the call that stops it. */
  listen(listener: (answer: WorkerAnswer) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Calls `listener` once the worker ends; at once if it has. */
  onEnd(listener: () => void): () => void {
    if (this.ended) {
      listener()
      return () => {}
    }
    this.endListeners.add(listener)
    return () => this.endListeners.delete(listener)
  }

  /** Keeps the worker until the returned call (once). */
  hold(): () => void {
    this.holds++
    clearTimeout(this.idleTimer)
    let released = false
    return () => {
      if (released) return
      released = true
      this.holds--
      this.idleLater()
    }
  }

  private idleLater(): void {
    if (this.holds > 0 || this.ended) return
    clearTimeout(this.idleTimer)
    this.idleTimer = setTimeout(() => this.end(), IDLE_MS)
  }

  /** Ends the worker; its users hear it. */
  private end(why?: string): void {
    if (this.ended) return
    if (why !== undefined) console.info(`[inkmesh] ${why}`)
    this.ended = true
    clearTimeout(this.idleTimer)
    this.worker.terminate()
    if (PageWorker.shared === this) PageWorker.shared = null
    this.listeners.clear()
    const ended = [...this.endListeners]
    this.endListeners.clear()
    for (const listener of ended) listener()
  }
}
