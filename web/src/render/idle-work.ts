// Work done in the browser's idle time, in slices short enough for a frame
// or an input event to wait behind.
//
// When no frame is pending, Chromium hands an idle callback up to 50 ms, and
// a callback asked for from inside one runs only in the next idle period: a
// callback that returns early gives the rest of its period up. The
// renderer's warm-up therefore used whole 50 ms periods, and a pan that
// began during one showed its first frame only when the period ended
// (measured in the browser benchmark: the first rAF interval of the
// 100,000-stroke pan at zoom 0.35 was 50 ms in every full run).
//
// Here each slice runs at most IDLE_SLICE_MS. What is left of the browser's
// idle period is used by further slices, each a task of its own, so input
// and frames run between them; once a frame is pending, the next slice waits
// for the next idle period.

/** The longest one slice of idle work holds the main thread. */
export const IDLE_SLICE_MS = 8
/** Idle time below this is not worth a slice. */
export const IDLE_MIN_MS = 1
/** An idle callback runs after this long even if the page is never idle. */
const IDLE_TIMEOUT_MS = 500
/** Where the browser has no requestIdleCallback (Safari): a slice this long after a timeout. */
const FALLBACK_SLICE_DELAY_MS = 30

/** The scheduling the slices need; the browser's by default, a fake one in tests. */
export interface IdleHost {
  now(): number
  /** Calls `fn` in the next idle period; returns a function that cancels it. */
  requestIdle(fn: (deadline: IdleDeadline) => void): () => void
  /** Calls `fn` in a task of its own (not a microtask: input and frames may run first); returns a function that cancels it. */
  postTask(fn: () => void): () => void
}

export class IdleWork {
  /** Cancels the slice asked for; null when none is. */
  private cancelPending: (() => void) | null = null
  /** The browser's idle period the running slice belongs to; null outside a slice. */
  private period: IdleDeadline | null = null

  /**
   * `run` does a slice of work within its deadline and calls request()
   * while work is left. `framePending` says whether a frame is due, which
   * ends the idle period whatever its deadline says.
   */
  constructor(
    private readonly run: (slice: IdleDeadline) => void,
    private readonly framePending: () => boolean,
    private readonly host: IdleHost = browserIdleHost,
  ) {}

  /** Asks for a slice: in the rest of the current idle period when called from a slice that left one, else in the next. */
  request(): void {
    if (this.cancelPending !== null) return
    const period = this.period
    if (period !== null && period.timeRemaining() > IDLE_MIN_MS && !this.framePending()) {
      this.cancelPending = this.host.postTask(() => {
        this.cancelPending = null
        if (this.framePending()) this.request()
        else this.slice(period)
      })
      return
    }
    this.cancelPending = this.host.requestIdle((deadline) => {
      this.cancelPending = null
      this.slice(deadline)
    })
  }

  /** Drops the slice asked for, if any. */
  cancel(): void {
    this.cancelPending?.()
    this.cancelPending = null
  }

  private slice(period: IdleDeadline): void {
    const end = this.host.now() + Math.min(period.timeRemaining(), IDLE_SLICE_MS)
    this.period = period
    try {
      this.run({ didTimeout: period.didTimeout, timeRemaining: () => Math.max(0, end - this.host.now()) })
    } finally {
      this.period = null
    }
  }
}

/** A task queue that input and frames can run ahead of: a MessageChannel's, as React's scheduler uses. */
function taskPoster(): (fn: () => void) => () => void {
  let channel: MessageChannel | null = null
  const queued = new Map<number, () => void>()
  let next = 0
  return (fn) => {
    if (channel === null) {
      channel = new MessageChannel()
      channel.port1.onmessage = (event: MessageEvent<number>) => {
        const task = queued.get(event.data)
        queued.delete(event.data)
        task?.()
      }
    }
    const id = next++
    queued.set(id, fn)
    channel.port2.postMessage(id)
    return () => queued.delete(id)
  }
}

const browserIdleHost: IdleHost = {
  now: () => performance.now(),
  requestIdle(fn) {
    if (typeof requestIdleCallback === 'function') {
      const handle = requestIdleCallback(fn, { timeout: IDLE_TIMEOUT_MS })
      return () => cancelIdleCallback(handle)
    }
    const timer = setTimeout(() => {
      const end = performance.now() + IDLE_SLICE_MS
      fn({ didTimeout: false, timeRemaining: () => Math.max(0, end - performance.now()) })
    }, FALLBACK_SLICE_DELAY_MS)
    return () => clearTimeout(timer)
  },
  postTask: taskPoster(),
}
