// Retry delays for signaling reconnects and WebRTC re-offers: exponential from
// 0.5 s, with jitter so that a whole room does not come back at once after a
// server restart. Re-offers grow to 10 s. Signaling reconnects of a visible
// page stop growing at 1 s: after the server returns the page is live again
// within a second or two (the keeper link re-forms right after the welcome),
// and a failed attempt against a server that is down costs next to nothing.

export const MIN_RETRY_MS = 500
export const MAX_RETRY_MS = 10_000
/** The cap on signaling reconnect delays while the page is visible. */
export const MAX_VISIBLE_RECONNECT_MS = 1000

/** ±25% around the base delay. */
const JITTER = 0.25

/**
 * The delay before retry number `attempt` (0 for the first retry), at most
 * `maxMs`; `random` in [0, 1). The base stops growing where its jitter
 * reaches `maxMs`, so delays at the cap stay spread over [0.6, 1] x maxMs
 * rather than piling up on maxMs itself.
 */
export function backoffDelay(attempt: number, random: number = Math.random(), maxMs: number = MAX_RETRY_MS): number {
  const base = Math.min(maxMs / (1 + JITTER), MIN_RETRY_MS * 2 ** Math.max(0, attempt))
  const jittered = base * (1 - JITTER + 2 * JITTER * random)
  return Math.round(Math.min(maxMs, Math.max(MIN_RETRY_MS, jittered)))
}
