// Setting a text element's words (SCHEMA.md: `tx`, a Y.Text of plain text)
// as the smallest edit, so a concurrent typist's edit elsewhere in it merges:
// what typing and a restore both write.

import type * as Y from 'yjs'

/**
 * Makes `text` read `wanted` by one deletion and one insertion (common prefix
 * and suffix kept, in UTF-16 code units as Yjs counts them, never splitting a
 * surrogate pair). Call inside a transaction. A text holding more than
 * characters (an embed some peer put there) is rewritten whole: its string
 * skips the embed but its offsets count it, so an edit computed on the
 * string would land in the wrong place.
 */
export function replaceText(text: Y.Text, wanted: string): void {
  const old = text.toString()
  if (text.length !== old.length) {
    text.delete(0, text.length)
    text.insert(0, wanted)
    return
  }
  if (old === wanted) return
  let start = 0
  const max = Math.min(old.length, wanted.length)
  while (start < max && old.charCodeAt(start) === wanted.charCodeAt(start)) start++
  let end = 0
  while (end < max - start && old.charCodeAt(old.length - 1 - end) === wanted.charCodeAt(wanted.length - 1 - end)) end++
  if (start > 0 && isHighSurrogate(old.charCodeAt(start - 1))) start--
  if (end > 0 && isLowSurrogate(old.charCodeAt(old.length - end))) end--
  const removed = old.length - start - end
  if (removed > 0) text.delete(start, removed)
  const inserted = wanted.slice(start, wanted.length - end)
  if (inserted.length > 0) text.insert(start, inserted)
}

/** Whether `text` would change under replaceText(text, wanted). */
export function textDiffers(text: Y.Text, wanted: string): boolean {
  return text.length !== wanted.length || text.toString() !== wanted
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff
}
