// How the history panel words a version: when it was kept (relative, with the
// exact time for a title) and who edited since the one before. Pure, so the
// wording is unit-tested.

const MINUTE_MS = 60_000
const HOUR_MS = 60 * MINUTE_MS
const DAY_MS = 24 * HOUR_MS

/** "just now", "5 min ago", "3 h ago", "yesterday", "4 days ago"; a time ahead of `nowMs` (clock skew) is "just now". */
export function relativeTime(ms: number, nowMs: number): string {
  const ago = nowMs - ms
  if (ago < MINUTE_MS) return 'just now'
  if (ago < HOUR_MS) return `${Math.floor(ago / MINUTE_MS)} min ago`
  if (ago < DAY_MS) return `${Math.floor(ago / HOUR_MS)} h ago`
  const days = Math.floor(ago / DAY_MS)
  return days === 1 ? 'yesterday' : `${days} days ago`
}

/** The exact time in the reader's locale, e.g. for a title. */
export function absoluteTime(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })
}

/**
 * Who edited since the previous version: "Ada", "Ada and Bob", "Ada, Bob and
 * Cy", "Ada, Bob and others" (the server names at most a few); "" when no
 * one is recorded (versions from before the server kept names).
 */
export function editorsLabel(editors: readonly string[], moreEditors: boolean): string {
  if (editors.length === 0) return moreEditors ? 'several people' : ''
  if (moreEditors) return `${editors.join(', ')} and others`
  if (editors.length === 1) return editors[0] ?? ''
  return `${editors.slice(0, -1).join(', ')} and ${editors[editors.length - 1]}`
}

/** "1 element", "42 elements". */
export function elementCount(n: number): string {
  return n === 1 ? '1 element' : `${n} elements`
}
