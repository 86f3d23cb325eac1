// A timer for bookkeeping that should not start while a board update we just
// sent is on its way to our peers.
//
// A stroke sends an update ~60 times a second. For the ~0.5 ms (up to ~2 ms
// on a busy 2-core machine) between our send and a peer's receipt, the update
// needs the page's network thread, the browser's network service and the
// receiving page. Work that starts then competes with it for a core. In the
// browser benchmark, the local copy's IndexedDB write mostly ran in the same
// wake-up as the stroke's append just before it (within 0.5 ms of the send,
// 243 of 265 writes), and the keeper's batch ~2 ms after a send. Chunks that
// crossed while one of them ran were 5.9% of all chunks but 27% of the
// slowest 1% (9 strokes of 500 chunks).
//
// So the job runs when it is due, unless an update went out less than
// QUIET_AFTER_SEND_MS before: then that long after the update, and no later,
// whatever is sent meanwhile. At 60 updates a second that is about a quarter
// of the way to the next one. With it, 2 chunks of 6,500 crossed during one
// (no write came within 0.5 ms of a send, 0 of 384), though the stroke p99
// moved less than its run-to-run noise: most slow chunks had no such
// neighbour.

/** How long after our latest send a job waits, at most once. */
export const QUIET_AFTER_SEND_MS = 4

export class QuietTimer {
  private timer: ReturnType<typeof setTimeout> | undefined
  private lastSend = -Infinity

  constructor(private readonly job: () => void) {}

  /** An update went out just now. */
  sent(): void {
    this.lastSend = performance.now()
  }

  /** Runs the job in `delayMs`, or up to QUIET_AFTER_SEND_MS later (above). Armed already: nothing changes. */
  arm(delayMs: number): void {
    this.timer ??= setTimeout(this.fire, delayMs)
  }

  /** Disarms without running the job. */
  cancel(): void {
    clearTimeout(this.timer)
    this.timer = undefined
  }

  /** Due: runs the job, or sets it for QUIET_AFTER_SEND_MS after the latest send, unconditionally then. */
  private readonly fire = (): void => {
    const wait = this.lastSend + QUIET_AFTER_SEND_MS - performance.now()
    if (wait > 0) this.timer = setTimeout(this.run, wait)
    else this.run()
  }

  private readonly run = (): void => {
    this.timer = undefined
    this.job()
  }
}
