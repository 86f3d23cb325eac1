// The board store: the Yjs document of docs/SCHEMA.md behind a small editing API,
// with plain ElementViews cached per element. Only this file and restore.ts
// touch Y types (besides the net layer, which moves updates and never reads the
// elements).

import * as Y from 'yjs'
import { LOCAL_ORIGIN, isRemote } from './origin'
import { restoreElements, restoreMeta } from './restore'
import { replaceText, textDiffers } from './text-edit'
import { elementBounds, strokeGrew } from './geometry'
import { PointStore, type PackedPoints } from './packed-points'
import { allHavePressure, decodeChunk, encodeChunk, mergeChunks } from './points'
import { compareZ, isValidKey, keyBackward, keyForward, keysAbove, keysBelow, readZ } from './zkey'
import type { BoardChange, Box, ElementView, NewElement, Patch, Point } from './types'

export const SCHEMA_VERSION = 1
export const DEFAULT_STROKE = '#1e1e1e'
export const DEFAULT_STICKY_FILL = '#ffe066'
export const DEFAULT_WIDTH = 2
export const DEFAULT_FONT_SIZE = 20

/**
 * Origin of local edits that are no undo step of their own: a stroke's chunks,
 * the end-of-stroke merge and the schema version. They are broadcast to peers
 * (not a RemoteOrigin) but not tracked by undo. The stroke's insertion is
 * already in the undo step, so undo removes the whole element, every chunk and
 * the merged one included (they are inside it), and redo brings them back; and
 * undoing the first add must not take the schema version away. Untracked, a
 * chunk skips the undo manager's bookkeeping, which ran before the chunk was
 * sent, ~60 times a second while drawing.
 */
export const UNTRACKED_ORIGIN: unique symbol = Symbol('inkmesh-untracked')

/** toJSON's output: Y.Text as a string, stroke chunks as hex, everything else as Yjs gives it. */
export interface BoardJSON {
  meta: Record<string, unknown>
  elements: Record<string, Record<string, unknown>>
}

const PATCH_NUMBERS = ['x', 'y', 'w', 'h', 'r', 'sx', 'sy', 'sw', 'o', 'fs'] as const
const PATCH_STRINGS = ['sc'] as const
const TEXT_KINDS = new Set(['text', 'sticky'])
const ID_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

/** Decoded chunks by identity: Yjs hands out the same Uint8Array each read, so unchanged chunks decode once. */
const chunkCache = new WeakMap<Uint8Array, Point[] | null>()
/** The same for ended strokes' chunks, packed (see PackBatch). */
const packedCache = new WeakMap<Uint8Array, PackedPoints | null>()

export class Board {
  readonly doc: Y.Doc
  private readonly author: string
  private readonly elements: Y.Map<unknown>
  private readonly meta: Y.Map<unknown>
  private readonly undoManager: Y.UndoManager
  private readonly views = new Map<string, ElementView>()
  private readonly listeners = new Set<(change: BoardChange) => void>()
  /** Ids in (z, id) order; null when it must be sorted again from scratch. */
  private orderIds: string[] | null = null
  /** Ids added, removed or re-keyed since orderIds was last brought up to date. */
  private readonly reorder = new Set<string>()
  /** ordered()'s result; null when a view changed since. */
  private orderedViews: ElementView[] | null = null

  constructor(doc: Y.Doc, author: string) {
    this.doc = doc
    this.author = author
    this.elements = doc.getMap('elements')
    this.meta = doc.getMap('meta')
    const batch = new PackBatch(this.elements.size)
    this.elements.forEach((value, id) => {
      if (value instanceof Y.Map) this.views.set(id, readView(id, value, batch))
    })
    this.undoManager = new Y.UndoManager([this.elements, this.meta], {
      trackedOrigins: new Set([LOCAL_ORIGIN]),
      captureTimeout: 2 ** 31,
    })
    this.elements.observeDeep(this.onEvents)
  }

  get(id: string): ElementView | undefined {
    return this.views.get(id)
  }

  /**
   * All elements in (z, id) order. The array is cached and shared: do not
   * mutate it. Re-sorted only after adds, removes and z changes, and then
   * incrementally when few ids moved.
   */
  ordered(): ElementView[] {
    if (this.orderedViews !== null) return this.orderedViews
    const ids = this.sortedIds()
    this.orderedViews = ids.map((id) => this.views.get(id) as ElementView)
    return this.orderedViews
  }

  size(): number {
    return this.views.size
  }

  /** Every element's id, in no particular order: cheaper than ordered() where the order does not matter. */
  ids(): string[] {
    return [...this.views.keys()]
  }

  elementBounds(id: string): Box | undefined {
    const v = this.views.get(id)
    return v === undefined ? undefined : elementBounds(v)
  }

  /** The board title from `meta`, if any. */
  title(): string | undefined {
    const t = this.meta.get('title')
    return typeof t === 'string' ? t : undefined
  }

  /** Starts a new undo step: the next edits form one step until the next beginAction(). */
  beginAction(): void {
    this.undoManager.stopCapturing()
  }

  add(el: NewElement): string {
    this.beginAction()
    const id = newId()
    const [z] = keysAbove(this.topKey(), 1) as [string]
    const fields: Record<string, unknown> = { t: el.t, z, x: num(el.x, 0), y: num(el.y, 0) }
    if (el.t !== 'stroke') {
      fields.w = num(el.w, 0)
      fields.h = num(el.h, 0)
    }
    for (const key of ['r', 'sx', 'sy', 'o'] as const) {
      if (typeof el[key] === 'number' && Number.isFinite(el[key])) fields[key] = el[key]
    }
    // An image has no ink of its own (SCHEMA: placement fields and its file's).
    if (el.t !== 'image') {
      fields.sc = el.sc ?? DEFAULT_STROKE
      const fill = el.fc === undefined && el.t === 'sticky' ? DEFAULT_STICKY_FILL : el.fc
      if (typeof fill === 'string') fields.fc = fill
      fields.sw = num(el.sw, DEFAULT_WIDTH)
    }
    if (TEXT_KINDS.has(el.t)) {
      fields.tx = new Y.Text(el.text ?? '')
      fields.fs = num(el.fs, DEFAULT_FONT_SIZE)
    }
    if (el.t === 'stroke') fields.p = new Y.Array<Uint8Array>()
    if (el.t === 'image' && el.image !== undefined) {
      const { im, mt, iw, ih, ib } = el.image
      Object.assign(fields, { im, mt, iw, ih, ib })
    }
    this.insert(id, fields)
    return id
  }

  update(id: string, patch: Patch): void {
    this.updateMany([[id, patch]])
  }

  updateMany(patches: Array<[string, Patch]>): void {
    this.doc.transact(() => {
      for (const [id, patch] of patches) {
        const map = this.map(id)
        if (map !== undefined) applyPatch(map, patch)
      }
    }, LOCAL_ORIGIN)
  }

  remove(ids: string[]): void {
    this.beginAction()
    this.doc.transact(() => {
      for (const id of ids) if (this.map(id) !== undefined) this.elements.delete(id)
    }, LOCAL_ORIGIN)
  }

  duplicate(ids: string[], dx: number, dy: number): string[] {
    this.beginAction()
    const sources = this.inZOrder(ids)
    const keys = keysAbove(this.topKey(), sources.length)
    const created: string[] = []
    this.doc.transact(() => {
      sources.forEach((sourceId, i) => {
        const source = this.map(sourceId) as Y.Map<unknown>
        const copy = new Y.Map<unknown>()
        source.forEach((value, key) => copy.set(key, cloneValue(value)))
        const x = source.get('x')
        const y = source.get('y')
        copy.set('x', (typeof x === 'number' ? x : 0) + dx)
        copy.set('y', (typeof y === 'number' ? y : 0) + dy)
        copy.set('z', keys[i] as string)
        copy.set('a', this.author)
        copy.set('c', Date.now())
        const id = newId()
        this.elements.set(id, copy)
        created.push(id)
      })
    }, LOCAL_ORIGIN)
    return created
  }

  /** Moves elements above all others, keeping their relative order. */
  bringToFront(ids: string[]): void {
    this.beginAction()
    const moving = this.inZOrder(ids)
    this.writeKeys(moving, keysAbove(this.topKey(), moving.length))
  }

  /** Moves elements below all others, keeping their relative order. */
  sendToBack(ids: string[]): void {
    this.beginAction()
    const moving = this.inZOrder(ids)
    const bottom = this.sortedIds()
      .map((id) => (this.views.get(id) as ElementView).z)
      .find(isValidKey)
    this.writeKeys(moving, keysBelow(bottom ?? null, moving.length))
  }

  /** Moves an element one place up (SCHEMA "bring forward"). Not in the brief's API: an addition. */
  bringForward(id: string): void {
    this.beginAction()
    const order = this.anchors(id)
    const key = keyForward(order, order.findIndex((v) => v.id === id))
    if (key !== null) this.writeKeys([id], [key])
  }

  /** Moves an element one place down (SCHEMA "send backward"). An addition to the brief's API. */
  sendBackward(id: string): void {
    this.beginAction()
    const order = this.anchors(id)
    const pos = order.findIndex((v) => v.id === id)
    const key = pos < 0 ? null : keyBackward(order, pos)
    if (key !== null) this.writeKeys([id], [key])
  }

  beginStroke(at: { x: number; y: number }, style: { sc: string; sw: number; o?: number }): string {
    const el: NewElement = { t: 'stroke', x: at.x, y: at.y, sc: style.sc, sw: style.sw }
    if (style.o !== undefined) el.o = style.o
    return this.add(el)
  }

  /** Appends one chunk of points given in board coordinates, in one transaction, untracked by undo (see UNTRACKED_ORIGIN). */
  appendPoints(id: string, points: Array<{ x: number; y: number; p?: number }>): void {
    const map = this.map(id)
    const view = this.views.get(id)
    const chunks = map?.get('p')
    if (view === undefined || !(chunks instanceof Y.Array) || points.length === 0) return
    const sx = view.sx === 0 ? 1 : view.sx
    const sy = view.sy === 0 ? 1 : view.sy
    const local = points.map((pt) => {
      const q: Point = { x: (pt.x - view.x) / sx, y: (pt.y - view.y) / sy }
      if (typeof pt.p === 'number') q.p = pt.p
      return q
    })
    const chunk = encodeChunk(local, allHavePressure(local))
    this.doc.transact(() => chunks.push([chunk]), UNTRACKED_ORIGIN)
  }

  /** Merges the chunks into one (SCHEMA "Points") and marks the stroke ended, untracked by undo. */
  endStroke(id: string): void {
    const map = this.map(id)
    if (map === undefined) return
    const chunks = map.get('p')
    this.doc.transact(() => {
      if (chunks instanceof Y.Array && chunks.length > 1) {
        const items = chunks.toArray()
        const merged = items.every((c) => c instanceof Uint8Array) ? mergeChunks(items as Uint8Array[]) : null
        if (merged !== null) {
          chunks.delete(0, chunks.length)
          chunks.push([merged])
        }
      }
      map.set('d', true)
    }, UNTRACKED_ORIGIN)
  }

  /** Replaces the text by a minimal edit (common prefix and suffix kept), so concurrent typing merges. */
  setText(id: string, text: string): void {
    const tx = this.map(id)?.get('tx')
    if (!(tx instanceof Y.Text) || !textDiffers(tx, text)) return
    this.doc.transact(() => replaceText(tx, text), LOCAL_ORIGIN)
  }

  /**
   * Makes the board's content equal to a version's (its document: see
   * versionDoc in restore.ts) as one local edit: one undo step of its own,
   * sent to peers like any edit and merged with their concurrent ones (what
   * they add meanwhile stays). The log is never rewritten: offline members'
   * later edits still merge on top.
   */
  restore(version: Y.Doc): void {
    this.stampVersion()
    this.beginAction()
    this.doc.transact(() => {
      restoreElements(this.elements, version.getMap('elements'))
      restoreMeta(this.meta, version.getMap('meta'))
    }, LOCAL_ORIGIN)
    this.beginAction()
  }

  undo(): boolean {
    this.beginAction()
    const done = this.undoManager.undo() !== null
    // The next edit must not join the step below the one just undone.
    this.beginAction()
    return done
  }

  redo(): boolean {
    this.beginAction()
    const done = this.undoManager.redo() !== null
    this.beginAction()
    return done
  }

  canUndo(): boolean {
    return this.undoManager.canUndo()
  }

  canRedo(): boolean {
    return this.undoManager.canRedo()
  }

  onChange(listener: (change: BoardChange) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  toJSON(): BoardJSON {
    const elements: BoardJSON['elements'] = {}
    this.elements.forEach((value, id) => {
      if (!(value instanceof Y.Map)) return
      const fields: Record<string, unknown> = {}
      value.forEach((field: unknown, key: string) => {
        if (key === 'p' && field instanceof Y.Array) {
          fields.p = field.toArray().map((c: unknown) => (c instanceof Uint8Array ? toHex(c) : c))
        } else if (field instanceof Y.AbstractType) {
          fields[key] = field instanceof Y.Text ? field.toString() : field.toJSON()
        } else {
          fields[key] = field
        }
      })
      elements[id] = fields
    })
    return { meta: this.meta.toJSON(), elements }
  }

  /** Stops observing the document and drops the undo history. */
  destroy(): void {
    this.elements.unobserveDeep(this.onEvents)
    this.undoManager.destroy()
    this.listeners.clear()
  }

  // ---- internals ----

  private readonly onEvents = (events: Array<Y.YEvent<any>>, txn: Y.Transaction): void => {
    const touched = new Set<string>()
    /** Per element: the chunks appended to its points this transaction, or null if they changed otherwise. */
    const appended = new Map<string, unknown[] | null>()
    let arrays: ArrayChanges | undefined
    for (const event of events) {
      if (event.target === this.elements) {
        for (const key of (event as Y.YMapEvent<unknown>).keysChanged) {
          touched.add(key)
          appended.set(key, null)
        }
      } else {
        const [head, field] = event.path
        if (typeof head !== 'string') continue
        touched.add(head)
        if (event.path.length === 1 && (event as Y.YMapEvent<unknown>).keysChanged.has('p')) appended.set(head, null)
        // A replaced element or points array wins over an append seen in the same transaction.
        if (event.path.length === 2 && field === 'p' && appended.get(head) !== null) {
          arrays ??= arrayChanges(txn)
          appended.set(head, appendedValues(event.target as Y.Array<unknown>, arrays))
        }
      }
    }
    const change: BoardChange = { added: [], changed: [], removed: [], local: !isRemote(txn.origin) }
    const batch = new PackBatch(touched.size)
    for (const id of touched) {
      const value = this.elements.get(id)
      const old = this.views.get(id)
      if (value instanceof Y.Map) {
        const view = readView(id, value, batch, old, appended.get(id))
        this.views.set(id, view)
        if (old === undefined) change.added.push(id)
        else change.changed.push(id)
        if (old === undefined || old.z !== view.z) this.reorder.add(id)
      } else if (old !== undefined) {
        this.views.delete(id)
        change.removed.push(id)
        this.reorder.add(id)
      }
    }
    if (change.added.length + change.changed.length + change.removed.length === 0) return
    this.orderedViews = null
    for (const listener of this.listeners) listener(change)
  }

  /** Ids in (z, id) order, brought up to date incrementally when few ids moved. */
  private sortedIds(): string[] {
    const byKey = (a: string, b: string) =>
      compareZ(this.views.get(a) as ElementView, this.views.get(b) as ElementView)
    if (this.orderIds === null || this.reorder.size > 64) {
      this.orderIds = [...this.views.keys()].sort(byKey)
    } else if (this.reorder.size > 0) {
      const ids = this.orderIds.filter((id) => !this.reorder.has(id))
      for (const id of this.reorder) {
        if (!this.views.has(id)) continue
        let lo = 0
        let hi = ids.length
        while (lo < hi) {
          const mid = (lo + hi) >>> 1
          if (byKey(ids[mid] as string, id) < 0) lo = mid + 1
          else hi = mid
        }
        ids.splice(lo, 0, id)
      }
      this.orderIds = ids
    }
    this.reorder.clear()
    return this.orderIds
  }

  /** The highest well-formed key: new keys are never made next to a malformed one. */
  private topKey(): string | null {
    const ids = this.sortedIds()
    for (let i = ids.length - 1; i >= 0; i--) {
      const z = (this.views.get(ids[i] as string) as ElementView).z
      if (isValidKey(z)) return z
    }
    return null
  }

  /** Elements new keys may be made next to (valid keys), plus `moving` whatever its key. */
  private anchors(moving: string): ElementView[] {
    return this.sortedIds()
      .map((id) => this.views.get(id) as ElementView)
      .filter((v) => v.id === moving || isValidKey(v.z))
  }

  /** Existing ids among `ids`, deduplicated, bottom first. */
  private inZOrder(ids: string[]): string[] {
    return [...new Set(ids)]
      .map((id) => this.views.get(id))
      .filter((v): v is ElementView => v !== undefined)
      .sort(compareZ)
      .map((v) => v.id)
  }

  private writeKeys(ids: string[], keys: string[]): void {
    this.doc.transact(() => {
      ids.forEach((id, i) => this.map(id)?.set('z', keys[i] as string))
    }, LOCAL_ORIGIN)
  }

  /** Writes the schema version before our first content edit (not an undo step of its own). */
  private stampVersion(): void {
    if (!this.meta.has('v')) this.doc.transact(() => this.meta.set('v', SCHEMA_VERSION), UNTRACKED_ORIGIN)
  }

  private insert(id: string, fields: Record<string, unknown>): void {
    this.stampVersion()
    this.doc.transact(() => {
      const map = new Y.Map<unknown>()
      this.elements.set(id, map)
      for (const [key, value] of Object.entries(fields)) map.set(key, value)
      map.set('a', this.author)
      map.set('c', Date.now())
    }, LOCAL_ORIGIN)
  }

  private map(id: string): Y.Map<unknown> | undefined {
    const value = this.elements.get(id)
    return value instanceof Y.Map ? value : undefined
  }
}

/** What a transaction did to types: the items it made in each (by parent type), and the types it deleted from. */
interface ArrayChanges {
  made: Map<unknown, Y.Item[]>
  deletedFrom: Set<unknown>
}

/**
 * The transaction's own structs, read once per transaction: what it made
 * (the state vector's growth) and deleted (its delete set). Yjs's
 * event.delta would walk each changed array from its start, so a live
 * stroke's chunk cost every chunk before it.
 */
function arrayChanges(txn: Y.Transaction): ArrayChanges {
  const made = new Map<unknown, Y.Item[]>()
  const deletedFrom = new Set<unknown>()
  txn.afterState.forEach((after, client) => {
    const before = txn.beforeState.get(client) ?? 0
    const structs = txn.doc.store.clients.get(client)
    if (after <= before || structs === undefined) return
    for (let i = Y.findIndexSS(structs, before); i < structs.length; i++) {
      const struct = structs[i]
      if (!(struct instanceof Y.Item) || struct.id.clock < before || !(struct.parent instanceof Y.AbstractType)) continue
      const items = made.get(struct.parent)
      if (items === undefined) made.set(struct.parent, [struct])
      else items.push(struct)
    }
  })
  Y.iterateDeletedStructs(txn, txn.deleteSet, (struct) => {
    if (struct instanceof Y.Item && struct.parent instanceof Y.AbstractType) deletedFrom.add(struct.parent)
  })
  return { made, deletedFrom }
}

/**
 * What a points array's change did when it only appended (a live stroke's
 * chunks): the values appended, in order; null for anything else (a
 * deletion, or an insertion anywhere but at the end).
 */
function appendedValues(array: Y.Array<unknown>, changes: ArrayChanges): unknown[] | null {
  if (changes.deletedFrom.has(array)) return null
  const made = changes.made.get(array)
  if (made === undefined) return []
  const ours = new Set(made)
  // The made items must be the array's last ones: walk back from the end (found among them) through them all.
  let item = made.find((it) => it.right === null) ?? null
  const tail: Y.Item[] = []
  while (item !== null && ours.has(item)) {
    tail.push(item)
    item = item.left
  }
  if (tail.length !== made.length) return null
  const values: unknown[] = []
  for (let i = tail.length - 1; i >= 0; i--) {
    const it = tail[i] as Y.Item
    if (it.countable && !it.deleted) for (const v of it.content.getContent()) values.push(v)
  }
  return values
}

/**
 * Reads one element with the schema's defaults; fields of the wrong type read
 * as missing. A stroke's points are its previous view's (`old`) when they did
 * not change, or those plus the chunks `appended` (undefined: the points did
 * not change; null: they changed otherwise), so a live stroke costs its new
 * chunk, not its whole length, on every update: its points array is the old
 * view's, grown, and its bounds grow from the old view's. An ended stroke of
 * one chunk (every merged stroke) is packed instead (PackBatch).
 */
function readView(id: string, map: Y.Map<unknown>, batch: PackBatch, old?: ElementView, appended?: unknown[] | null): ElementView {
  const n = (key: string, fallback: number): number => {
    const v = map.get(key)
    return typeof v === 'number' && Number.isFinite(v) ? v : fallback
  }
  const s = (key: string): string | undefined => {
    const v = map.get(key)
    return typeof v === 'string' ? v : undefined
  }
  const t = s('t') ?? ''
  const tx = map.get('tx')
  const p = map.get('p')
  const done = t !== 'stroke' || map.get('d') === true
  let points: Point[] = []
  let packed: PackedPoints | null = null
  let grownFrom = -1
  if (p instanceof Y.Array) {
    // Read whole: a new element, or points that changed otherwise than by appends.
    const whole = old === undefined || old.t !== 'stroke' || appended === null
    if (!whole && appended === undefined && done && old.packed !== undefined) {
      packed = old.packed
    } else if (whole && done && t === 'stroke' && p.length === 1) {
      const only = p.get(0)
      if (only instanceof Uint8Array) packed = batch.pack(only)
    }
    if (packed === null) {
      if (!whole) {
        // The new view takes over the old one's array (see ElementView.points): copying it would cost the whole stroke per chunk.
        points = old.points
        grownFrom = points.length
      }
      for (const chunk of whole ? p.toArray() : (appended ?? [])) {
        if (!(chunk instanceof Uint8Array)) continue
        let decoded = chunkCache.get(chunk)
        if (decoded === undefined) {
          decoded = decodeChunk(chunk)
          chunkCache.set(chunk, decoded)
        }
        if (decoded !== null) for (const pt of decoded) points.push(pt)
      }
    }
  }
  const view: ElementView = {
    id,
    t,
    z: readZ(map.get('z')),
    x: n('x', 0),
    y: n('y', 0),
    w: n('w', 0),
    h: n('h', 0),
    r: n('r', 0),
    sx: n('sx', 1),
    sy: n('sy', 1),
    sc: s('sc') ?? DEFAULT_STROKE,
    fc: s('fc') ?? (t === 'sticky' ? DEFAULT_STICKY_FILL : undefined),
    sw: n('sw', DEFAULT_WIDTH),
    o: n('o', 1),
    a: s('a'),
    c: typeof map.get('c') === 'number' ? (map.get('c') as number) : undefined,
    text: tx instanceof Y.Text ? tx.toString() : '',
    fs: n('fs', DEFAULT_FONT_SIZE),
    points,
    done,
  }
  if (packed !== null) return new PackedStrokeView(view, packed)
  const im = s('im')
  if (t === 'image' && im !== undefined) view.image = { im, mt: s('mt') ?? '', iw: n('iw', 0), ih: n('ih', 0), ib: n('ib', 0) }
  if (old !== undefined && grownFrom >= 0) strokeGrew(old, view, grownFrom)
  return view
}

/**
 * Where one read of many elements (the board's first, or one transaction's
 * changes: a snapshot, a local copy, a sync step 2) packs its ended strokes'
 * points: one store for the batch, so 500,000 points are a few typed arrays
 * rather than as many objects the page must allocate and collect before its
 * first frame. The store goes when the last view packed in it does; a batch
 * of one element sizes it to its one chunk.
 */
class PackBatch {
  private store: PointStore | null = null

  constructor(private readonly elements: number) {}

  /** The chunk's points, packed once per chunk (Yjs hands out the same array each read); null if it does not decode. */
  pack(chunk: Uint8Array): PackedPoints | null {
    let packed = packedCache.get(chunk)
    if (packed === undefined) {
      this.store ??= new PointStore(this.elements > 1 ? undefined : 0)
      packed = this.store.appendChunk(chunk, 0, chunk.length)
      packedCache.set(chunk, packed)
    }
    return packed
  }
}

/**
 * The view of an ended stroke whose points are packed. A class, as the render
 * stream's views (render-stream.ts): `points` builds the objects on first
 * read (outlines, hit tests, exports); bounds and polylines read `packed`.
 */
class PackedStrokeView implements ElementView {
  readonly id: string
  readonly t: string
  readonly z: string
  readonly x: number
  readonly y: number
  readonly w: number
  readonly h: number
  readonly r: number
  readonly sx: number
  readonly sy: number
  readonly sc: string
  readonly fc: string | undefined
  readonly sw: number
  readonly o: number
  readonly a: string | undefined
  readonly c: number | undefined
  readonly text: string
  readonly fs: number
  readonly done: boolean
  #points: Point[] | undefined

  /** `fields`: the stroke's view but its points, which `packed` holds. */
  constructor(
    fields: ElementView,
    readonly packed: PackedPoints,
  ) {
    this.id = fields.id
    this.t = fields.t
    this.z = fields.z
    this.x = fields.x
    this.y = fields.y
    this.w = fields.w
    this.h = fields.h
    this.r = fields.r
    this.sx = fields.sx
    this.sy = fields.sy
    this.sc = fields.sc
    this.fc = fields.fc
    this.sw = fields.sw
    this.o = fields.o
    this.a = fields.a
    this.c = fields.c
    this.text = fields.text
    this.fs = fields.fs
    this.done = fields.done
  }

  get points(): Point[] {
    this.#points ??= this.packed.toPoints()
    return this.#points
  }
}

/** Sets the patch's fields that differ from the stored ones (unchanged values would only grow the document). */
function applyPatch(map: Y.Map<unknown>, patch: Patch): void {
  for (const key of PATCH_NUMBERS) {
    const v = patch[key]
    if (typeof v === 'number' && Number.isFinite(v) && map.get(key) !== v) map.set(key, v)
  }
  for (const key of PATCH_STRINGS) {
    const v = patch[key]
    if (typeof v === 'string' && map.get(key) !== v) map.set(key, v)
  }
  if (patch.fc === null) {
    if (map.has('fc')) map.delete('fc')
  } else if (typeof patch.fc === 'string' && map.get('fc') !== patch.fc) {
    map.set('fc', patch.fc)
  }
}

/** A copy of a field value for duplicate(): Y types are deep-cloned, unknown ones included. */
function cloneValue(value: unknown): unknown {
  if (value instanceof Y.AbstractType) return value.clone()
  if (value instanceof Uint8Array) return value.slice()
  return value
}

function num(v: number | undefined, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback
}

/** 12 random characters of 0-9A-Za-z (SCHEMA "Root types"); rejection sampling keeps them uniform. */
function newId(): string {
  let id = ''
  const bytes = new Uint8Array(24)
  while (id.length < 12) {
    crypto.getRandomValues(bytes)
    for (const b of bytes) {
      if (b < 248 && id.length < 12) id += ID_ALPHABET[b % 62]
    }
  }
  return id
}

function toHex(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += b.toString(16).padStart(2, '0')
  return s
}

