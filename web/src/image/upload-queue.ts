// Images waiting to reach the server, in the order they were added, kept in
// the image store so a reload (or an image added offline) resumes them. One
// upload at a time: pictures are large and the board's own traffic matters
// more. A failure that may pass (offline, server down, 5xx) retries with
// backoff, and at once when the page is back online; a room whose image
// space is full is told once and retried with a long backoff (space frees up
// as unreferenced images are collected); a refusal of the file itself (too
// large, wrong type, damaged) is final and reported.

import { backoffDelay } from '../net/backoff'
import type { ImageStore, StoredImage } from './image-store'
import { FULL_ROOM_FIRST_RETRY_MS, FULL_ROOM_MAX_RETRY_MS, UPLOAD_MAX_RETRY_MS } from './limits'

/** How one upload went: stored (200 or 201), worth retrying, the room's image space full (retried slowly), refused for good with the server's reason, or the board was deleted (the queue stops: nothing goes up again). */
export type UploadOutcome =
  | { kind: 'done' }
  /**
   * `tokenRefused`: the server refused the token (401): the next attempt asks for a fresh one.
   * `afterMs`: the server asked to wait at least this long (`Retry-After`), heeded up to UPLOAD_MAX_RETRY_MS.
   */
  | { kind: 'retry'; tokenRefused?: boolean; afterMs?: number }
  | { kind: 'full'; message: string }
  | { kind: 'refused'; message: string }
  | { kind: 'deleted' }

export interface UploadQueueOptions {
  store: ImageStore
  upload: (image: StoredImage) => Promise<UploadOutcome>
  /** The server refused an image for good: tell the person. */
  onRefused?: (hash: string, message: string) => void
  /** The room has no space for an image now; said once per image: tell the person it stays and is retried. */
  onFull?: (hash: string, message: string) => void
  /** Delay before retry `attempt` (0 first), ms; default: backoff up to UPLOAD_MAX_RETRY_MS. */
  retryDelay?: (attempt: number) => number
  /** Delay before retry `attempt` of an image the full room refused, ms; default: fullRoomDelay. */
  fullRetryDelay?: (attempt: number) => number
}

/** Retry delays for a full room: from FULL_ROOM_FIRST_RETRY_MS, doubling to FULL_ROOM_MAX_RETRY_MS, ±25%. */
export function fullRoomDelay(attempt: number, random: number = Math.random()): number {
  const base = Math.min(FULL_ROOM_MAX_RETRY_MS, FULL_ROOM_FIRST_RETRY_MS * 2 ** Math.min(attempt, 16))
  return Math.round(base * (0.75 + 0.5 * random))
}

export class UploadQueue {
  private running: Promise<void> | null = null
  private timer: ReturnType<typeof setTimeout> | undefined
  private attempt = 0
  private destroyed = false
  /** Kicked while draining: an image added after the drain last looked must not wait for the next kick. */
  private again = false
  private readonly idleWaiters: Array<() => void> = []
  /** Images the person was told the full room refused, so a retry does not say it again. */
  private readonly toldFull = new Set<string>()

  constructor(private readonly options: UploadQueueOptions) {}

  /** Queues an image already in the store and starts uploading. */
  async add(hash: string): Promise<void> {
    await this.options.store.enqueue(hash)
    this.kick()
  }

  /** Uploads what is queued now, without waiting for a retry's timer (back online, or reconnected). */
  kick(): void {
    if (this.destroyed) return
    clearTimeout(this.timer)
    this.timer = undefined
    this.attempt = 0
    if (this.running !== null) {
      this.again = true
      return
    }
    this.run()
  }

  /** Resolves once nothing is queued (tests, and a page that wants to know its pictures are up). */
  idle(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve)
      this.checkIdle().catch(() => undefined)
    })
  }

  destroy(): void {
    this.destroyed = true
    clearTimeout(this.timer)
  }

  private async drain(): Promise<void> {
    const { store, upload, onRefused, onFull } = this.options
    for (;;) {
      if (this.destroyed) return
      const [hash] = await store.queued()
      if (hash === undefined) break
      const image = await store.get(hash)
      // Nothing kept to send (the store was cleared): nothing to wait for either.
      const outcome: UploadOutcome = image === undefined ? { kind: 'done' } : await upload(image).catch(() => ({ kind: 'retry' as const }))
      if (outcome.kind === 'retry') {
        this.retryLater(undefined, outcome.afterMs)
        return
      }
      if (outcome.kind === 'deleted') {
        // Every later upload would get the same answer; what is queued stays
        // in the store with the rest of the deleted board's copy.
        this.destroy()
        return
      }
      if (outcome.kind === 'full') {
        if (!this.toldFull.has(hash)) {
          this.toldFull.add(hash)
          onFull?.(hash, outcome.message)
        }
        this.retryLater(this.options.fullRetryDelay ?? fullRoomDelay)
        return
      }
      this.toldFull.delete(hash)
      await store.dequeue(hash)
      this.attempt = 0
      if (outcome.kind === 'refused') onRefused?.(hash, outcome.message)
    }
    await this.checkIdle()
  }

  private retryLater(delayOf = this.options.retryDelay ?? ((a: number) => backoffDelay(a, Math.random(), UPLOAD_MAX_RETRY_MS)), atLeastMs = 0): void {
    const delay = Math.max(delayOf(this.attempt++), Math.min(atLeastMs, UPLOAD_MAX_RETRY_MS))
    if (!this.destroyed) this.timer = setTimeout(() => this.resume(), delay)
  }

  /** A retry's timer fired: go on where the queue stopped, keeping the backoff's count. */
  private resume(): void {
    this.timer = undefined
    if (!this.destroyed && this.running === null) this.run()
  }

  private run(): void {
    // The store failing (closed as the board unmounts, or out of quota) is
    // retried like a failed upload: nothing is lost, and nothing unhandled.
    this.running = this.drain().catch(() => this.retryLater()).finally(() => {
      this.running = null
      if (this.again) {
        this.again = false
        this.kick()
      }
    })
  }

  private async checkIdle(): Promise<void> {
    if ((await this.options.store.queued()).length > 0) return
    for (const resolve of this.idleWaiters.splice(0)) resolve()
  }
}
