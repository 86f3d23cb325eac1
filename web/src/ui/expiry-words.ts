// When a view-only link stops working, in words: "for 24 hours (until Mon
// 14:32)". The relative part is what a person plans by; the local time
// settles "24 hours from when?".

const MINUTE_MS = 60_000
const HOUR_MS = 60 * MINUTE_MS
const DAY_MS = 24 * HOUR_MS
/** Up to this long ahead the time left is said in hours, beyond in days. */
const HOURS_UP_TO_MS = 2 * DAY_MS

function count(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`
}

/** The time from `now` to `expiresAt` (ms since the epoch both), rounded to what matters. */
export function timeLeft(expiresAt: number, now: number): string {
  const left = expiresAt - now
  if (left < MINUTE_MS) return 'less than a minute'
  if (left < HOUR_MS) return count(Math.round(left / MINUTE_MS), 'minute')
  if (left < HOURS_UP_TO_MS) return count(Math.round(left / HOUR_MS), 'hour')
  return count(Math.round(left / DAY_MS), 'day')
}

/** "for 24 hours (until Mon 14:32)", the time in the page's locale and zone. */
export function expiryInWords(expiresAt: number, now: number, locale?: string): string {
  const until = new Date(expiresAt).toLocaleString(locale, { weekday: 'short', hour: '2-digit', minute: '2-digit' })
  return `for ${timeLeft(expiresAt, now)} (until ${until})`
}
