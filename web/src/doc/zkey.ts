// Z-order keys (docs/SCHEMA.md, "Z-order"): fractional indices made by
// fractional-indexing's generateKeyBetween, ordered as plain strings with ties
// broken by id. Keys and ids are ASCII, where JavaScript's `<` is byte order.

import { generateKeyBetween } from 'fractional-indexing'

const DIGITS = /^[0-9A-Za-z]+$/
/** fractional-indexing's smallest integer: it cannot be decremented, so it is not a valid key. */
const SMALLEST_INTEGER = 'A' + '0'.repeat(26)

/** A `z` field as read from the document: a missing or non-string key reads as ''. */
export function readZ(value: unknown): string {
  return typeof value === 'string' ? value : ''
}

/** The (z, id) order of SCHEMA.md, for sorting. */
export function compareZ(a: { z: string; id: string }, b: { z: string; id: string }): number {
  if (a.z !== b.z) return a.z < b.z ? -1 : 1
  if (a.id !== b.id) return a.id < b.id ? -1 : 1
  return 0
}

/**
 * Whether `key` is one fractional-indexing could have made (crates/doc
 * `validate_key`). Writers never make new keys next to a malformed one, because
 * generateKeyBetween throws on it and a misbehaving peer must not stop drawing.
 */
export function isValidKey(key: string): boolean {
  if (key === SMALLEST_INTEGER || !DIGITS.test(key)) return false
  const head = key.charCodeAt(0)
  let intLength: number
  if (head >= 0x61 && head <= 0x7a) intLength = head - 0x61 + 2 // a..z
  else if (head >= 0x41 && head <= 0x5a) intLength = 0x5a - head + 2 // Z..A
  else return false
  if (key.length < intLength) return false
  return !(key.length > intLength && key.endsWith('0'))
}

/** A key strictly between `a` and `b` (null: the bottom or the top). Both must be valid. */
export function keyBetween(a: string | null, b: string | null): string {
  return generateKeyBetween(a, b)
}

/** `n` keys in ascending order, each above the previous, starting above `top`. */
export function keysAbove(top: string | null, n: number): string[] {
  const keys: string[] = []
  let prev = top
  for (let i = 0; i < n; i++) {
    prev = keyBetween(prev, null)
    keys.push(prev)
  }
  return keys
}

/** `n` keys in ascending order, all below `bottom`. */
export function keysBelow(bottom: string | null, n: number): string[] {
  const keys: string[] = []
  let next = bottom
  for (let i = 0; i < n; i++) {
    next = keyBetween(null, next)
    keys.push(next)
  }
  return keys.reverse()
}

/**
 * The new key of `order[pos]` moved one place up (SCHEMA "bring forward"), or
 * null if it is on top. `order` is in (z, id) order and holds only elements with
 * valid keys, plus the moving one whatever its key. When the two neighbours tie,
 * the key goes below the next strictly greater key, since a tie leaves no room.
 */
export function keyForward(order: readonly { z: string }[], pos: number): string | null {
  const lo = order[pos + 1]?.z
  if (lo === undefined) return null
  const hi = order.slice(pos + 2).find((e) => e.z > lo)?.z ?? null
  return keyBetween(lo, hi)
}

/** The new key of `order[pos]` moved one place down, or null if it is at the bottom. */
export function keyBackward(order: readonly { z: string }[], pos: number): string | null {
  const hi = order[pos - 1]?.z
  if (hi === undefined) return null
  let lo: string | null = null
  for (let i = pos - 2; i >= 0; i--) {
    const z = (order[i] as { z: string }).z
    if (z < hi) {
      lo = z
      break
    }
  }
  return keyBetween(lo, hi)
}
