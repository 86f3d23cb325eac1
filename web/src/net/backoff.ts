// Retry delays for signaling reconnects and WebRTC re-offers: exponential from
// 0.5 s to 10 s, with jitter so that a whole room does not come back at once
// after a server restart.

export const MIN_RETRY_MS = 500
export const MAX_RETRY_MS = 10_000

/** The delay before retry number `attempt` (0 for the first retry); `random` in [0, 1). */
export function backoffDelay(attempt: number, random: number = Math.random()): number {
  const base = Math.min(MAX_RETRY_MS, MIN_RETRY_MS * 2 ** Math.max(0, attempt))
  // ±25% jitter, kept within the bounds.
  const jittered = base * (0.75 + 0.5 * random)
  return Math.round(Math.min(MAX_RETRY_MS, Math.max(MIN_RETRY_MS, jittered)))
}
