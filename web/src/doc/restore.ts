// Restoring a version as an edit: the board's content is made equal to a
// version's (docs/SCHEMA.md maps) by ordinary Yjs operations inside the
// caller's transaction, never by replacing the document or rewriting its log.
// So a restore merges with concurrent edits like any other edit (an element a
// peer adds meanwhile is not in the board we compare, and survives), peers and
// offline members converge through the usual sync, and undo takes it back.
//
// Only what differs is written: an unchanged element costs nothing, a changed
// one only its changed fields, so restoring a version close to the board is a
// small update.

import * as Y from 'yjs'
import { applyWholeUpdate } from './apply-update'
import { replaceText } from './text-edit'

/**
 * A version's document from its bytes (GET /api/rooms/{room}/history/{id}:
 * one Yjs v1 update, as the snapshot). Read-only by convention: preview it
 * with `new Board(doc, ...)`, restore it with Board.restore.
 */
export function versionDoc(update: Uint8Array): Y.Doc {
  const doc = new Y.Doc()
  applyWholeUpdate(doc, update)
  return doc
}

/** Meta keys the restore leaves alone: the schema version is the document's, not the version's. */
const KEPT_META = new Set(['v'])

/**
 * Makes `target`'s elements (the `elements` map of SCHEMA.md) equal to
 * `version`'s: elements the version lacks are deleted (strokes still being
 * drawn excepted), elements only the version has are added (deep copies: its
 * text, its points), and fields that differ are set back (fields the version
 * lacks are deleted). Call inside a transaction of `target`'s document.
 */
export function restoreElements(target: Y.Map<unknown>, version: Y.Map<unknown>): void {
  for (const [id, element] of [...target.entries()]) {
    if (!version.has(id) && !isUnfinishedStroke(element)) target.delete(id)
  }
  version.forEach((wanted, id) => {
    const current = target.get(id)
    if (wanted instanceof Y.Map && current instanceof Y.Map) restoreFields(current, wanted, new Set())
    else if (!sameValue(current, wanted)) target.set(id, copyValue(wanted))
  })
}

/**
 * A stroke someone is still drawing (SCHEMA.md: `t` "stroke" without `d`):
 * a restore keeps it, since deleting it would drop the rest of it as it
 * arrives, lost to its author mid-line.
 */
function isUnfinishedStroke(element: unknown): boolean {
  return element instanceof Y.Map && element.get('t') === 'stroke' && element.get('d') !== true
}

/** Makes `target`'s meta equal to `version`'s, the schema version excepted. */
export function restoreMeta(target: Y.Map<unknown>, version: Y.Map<unknown>): void {
  restoreFields(target, version, KEPT_META)
}

/** Makes one map's fields equal to another's, except the `kept` keys. */
function restoreFields(target: Y.Map<unknown>, version: Y.Map<unknown>, kept: Set<string>): void {
  for (const key of [...target.keys()]) {
    if (!kept.has(key) && !version.has(key)) target.delete(key)
  }
  version.forEach((wanted, key) => {
    if (kept.has(key)) return
    const current = target.get(key)
    if (wanted instanceof Y.Text && current instanceof Y.Text) replaceText(current, wanted.toString())
    else if (wanted instanceof Y.Array && current instanceof Y.Array) restoreArray(current, wanted)
    else if (!sameValue(current, wanted)) target.set(key, copyValue(wanted))
  })
}

/** A points array (or any array of plain values): rewritten whole when any item differs. */
function restoreArray(array: Y.Array<unknown>, wanted: Y.Array<unknown>): void {
  const items = wanted.toArray()
  const old = array.toArray()
  if (old.length === items.length && old.every((item, i) => sameValue(item, items[i]))) return
  array.delete(0, array.length)
  array.push(items.map(copyValue))
}

/** Equal as stored: same primitive, same bytes, or Y types with the same content. */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    return a.length === b.length && a.every((byte, i) => byte === b[i])
  }
  if (a instanceof Y.Text && b instanceof Y.Text) return a.toString() === b.toString()
  if (a instanceof Y.AbstractType && b instanceof Y.AbstractType && a.constructor === b.constructor) {
    return JSON.stringify(a.toJSON()) === JSON.stringify(b.toJSON()) && sameArrays(a, b)
  }
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    return JSON.stringify(a) === JSON.stringify(b)
  }
  return false
}

/** Arrays' items compared as values (toJSON hides bytes' differences), other types equal here. */
function sameArrays(a: Y.AbstractType<unknown>, b: Y.AbstractType<unknown>): boolean {
  if (!(a instanceof Y.Array && b instanceof Y.Array)) return true
  const left = a.toArray()
  const right = b.toArray()
  return left.length === right.length && left.every((item, i) => sameValue(item, right[i]))
}

/** A value to write into the board: Y types deep-cloned (they belong to the version's document), bytes copied. */
function copyValue(value: unknown): unknown {
  if (value instanceof Y.AbstractType) return value.clone()
  if (value instanceof Uint8Array) return value.slice()
  return value
}
